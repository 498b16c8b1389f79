// Mutual TLS against OpenSSL (s_client -cert/-key, s_server -Verify) and node:tls (requestCert),
// both ways, plus the refusals: no client certificate when one is required (certificate_required)
// and a client certificate from an untrusted CA (unknown_ca). Every peer is bounded and killed.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as nodeTls from 'node:tls';
import { connect, createServer, type TLSSocket } from '../../src/node/index.js';
import { nodeCryptoProvider } from '../../src/crypto/node-provider.js';
import { generateCertificate } from '../../src/x509/generate.js';
import { createTestPki } from '../helpers/pki.js';
import { runOpensslClient, startOpensslServer } from '../helpers/openssl.js';
import { cleanupPeersAfter, withTimeout } from '../helpers/process.js';
import { closeServer, listenLocal } from '../helpers/impl.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

cleanupPeersAfter(after);
const pki = await createTestPki();
const leaf = pki.leaves.p256;
const clientLeaf = pki.leaves.rsa2048;
// an untrusted client certificate (self-signed root + leaf, not under the test root)
const strangerRoot = generateCertificate({ subject: { CN: 'Stranger Root' }, keyKind: 'p256', isCA: true }, nodeCryptoProvider);
const stranger = generateCertificate({ subject: { CN: 'stranger' }, keyKind: 'p256', issuer: strangerRoot }, nodeCryptoProvider);
const dir = mkdtempSync(join(tmpdir(), 'tlskit-mtls-'));
const strangerCert = join(dir, 'stranger.pem');
const strangerKey = join(dir, 'stranger.key');
writeFileSync(strangerCert, stranger.certPem);
writeFileSync(strangerKey, stranger.keyPem);
after(() => rmSync(dir, { recursive: true, force: true }));

const VERSIONS = [
  { name: 'TLSv1.3', only: { tls13Only: true } },
  { name: 'TLSv1.2', only: { tls12Only: true } },
] as const;

interface Seen {
  authorized: boolean;
  authorizationError: string | null;
  subject: string | undefined;
}

function mtlsServer(options: Record<string, unknown>, version: string, seen: Seen[]) {
  return createServer(
    { key: leaf.key.pem, cert: leaf.chain.pem, ca: pki.caFile.pem, requestCert: true, minVersion: version, maxVersion: version, ...options },
    (s: TLSSocket) => {
      const peer = s.getPeerCertificate() as { subject?: { CN?: string | string[] } } | null;
      const cn = peer?.subject?.CN;
      seen.push({ authorized: s.authorized, authorizationError: s.authorizationError, subject: Array.isArray(cn) ? cn.join() : cn });
      s.pipe(s);
    },
  );
}

for (const v of VERSIONS) {
  test(`${v.name}: openssl s_client -cert/-key → tlskit server (requestCert, ca): verified, getPeerCertificate()`, async () => {
    const seen: Seen[] = [];
    const server = mtlsServer({}, v.name, seen);
    const port = await listenLocal(server);
    const r = await runOpensslClient({ port, servername: 'localhost', caFile: pki.caFile.path, ...v.only, cert: clientLeaf.cert.path, key: clientLeaf.key.path, extraArgs: ['-cert_chain', pki.intermediate.cert.path], input: 'hi\n', expect: /hi/ });
    assert.equal(r.handshakeOk, true, r.stdout + r.stderr);
    assert.equal(r.protocol, v.name);
    assert.deepEqual(seen, [{ authorized: true, authorizationError: null, subject: 'localhost' }]);
    await closeServer(server);
  });

  test(`${v.name}: a server that also asks for a client OCSP staple (requestClientOCSP) still authenticates openssl s_client, which has none to send`, async () => {
    const seen: Seen[] = [];
    const server = mtlsServer({ requestClientOCSP: true }, v.name, seen);
    const port = await listenLocal(server);
    const r = await runOpensslClient({ port, servername: 'localhost', caFile: pki.caFile.path, ...v.only, cert: clientLeaf.cert.path, key: clientLeaf.key.path, extraArgs: ['-cert_chain', pki.intermediate.cert.path], input: 'hi\n', expect: /hi/ });
    assert.equal(r.handshakeOk, true, r.stdout + r.stderr);
    assert.deepEqual(seen, [{ authorized: true, authorizationError: null, subject: 'localhost' }]);
    await closeServer(server);
  });

  test(`${v.name}: openssl s_client without a certificate → tlskit server (rejectUnauthorized) → ${v.name === 'TLSv1.3' ? 'certificate_required' : 'handshake_failure'}`, async () => {
    const seen: Seen[] = [];
    const server = mtlsServer({}, v.name, seen);
    const port = await listenLocal(server);
    const r = await runOpensslClient({ port, servername: 'localhost', caFile: pki.caFile.path, ...v.only, input: 'hi\n', expect: /hi/, timeoutMs: 5000 });
    assert.match(r.stderr + r.stdout, v.name === 'TLSv1.3' ? /certificate required/i : /handshake failure/i);
    assert.deepEqual(seen, []);
    await closeServer(server);
  });

  test(`${v.name}: openssl s_client with an untrusted certificate → tlskit server → unknown_ca; rejectUnauthorized: false accepts it unauthorized`, async () => {
    const seen: Seen[] = [] as Seen[];
    const server = mtlsServer({}, v.name, seen);
    const port = await listenLocal(server);
    const r = await runOpensslClient({ port, servername: 'localhost', caFile: pki.caFile.path, ...v.only, cert: strangerCert, key: strangerKey, input: 'hi\n', expect: /hi/, timeoutMs: 5000 });
    assert.match(r.stderr + r.stdout, /unknown ca/i);
    assert.deepEqual(seen, []);
    await closeServer(server);

    const lax = mtlsServer({ rejectUnauthorized: false }, v.name, seen);
    const port2 = await listenLocal(lax);
    const r2 = await runOpensslClient({ port: port2, servername: 'localhost', caFile: pki.caFile.path, ...v.only, cert: strangerCert, key: strangerKey, input: 'hi\n', expect: /hi/ });
    assert.equal(r2.handshakeOk, true, r2.stdout + r2.stderr);
    const r3 = await runOpensslClient({ port: port2, servername: 'localhost', caFile: pki.caFile.path, ...v.only, input: 'hi\n', expect: /hi/ });
    assert.equal(r3.handshakeOk, true, r3.stdout + r3.stderr);
    const got: Seen[] = seen;
    assert.equal(got.length, 2);
    assert.equal(got[0]?.authorized, false);
    assert.equal(got[0]?.authorizationError, 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY');
    assert.equal(got[0]?.subject, 'stranger');
    assert.deepEqual(got[1], { authorized: false, authorizationError: 'UNABLE_TO_GET_ISSUER_CERT', subject: undefined });
    await closeServer(lax);
  });

  test(`${v.name}: tlskit client (cert, key) → openssl s_server -Verify -CAfile`, async () => {
    const server = await startOpensslServer({ cert: leaf.cert.path, key: leaf.key.path, chain: pki.intermediate.cert.path, ...v.only, verifyClientCa: pki.caFile.path });
    const socket = connect({ host: '127.0.0.1', port: server.port, servername: 'localhost', ca: pki.caFile.pem, cert: clientLeaf.chain.pem, key: clientLeaf.key.pem });
    const body = await withTimeout(
      new Promise<string>((resolve, reject) => {
        let data = '';
        socket.on('secureConnect', () => socket.write('GET / HTTP/1.0\r\n\r\n'));
        socket.on('data', (d: Buffer) => (data += d.toString()));
        socket.on('end', () => resolve(data));
        socket.on('error', reject);
      }),
      10_000,
      'mTLS with s_server',
    );
    assert.match(body, /HTTP\/1\.0 200 ok/);
    assert.match(body, new RegExp(`Protocol\\s*:\\s*${v.name.replace('.', '\\.')}`));
    assert.match(body, /Client certificate/i);
    socket.destroy();
    await server.stop();
  });

  test(`${v.name}: node:tls client with a certificate → tlskit server, and tlskit client → node:tls server (requestCert)`, async () => {
    const seen: Seen[] = [];
    const server = mtlsServer({}, v.name, seen);
    const port = await listenLocal(server);
    const c = nodeTls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.caFile.pem, cert: clientLeaf.chain.pem, key: clientLeaf.key.pem, minVersion: v.name, maxVersion: v.name });
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        c.on('secureConnect', () => c.write('x'));
        c.on('data', () => resolve());
        c.on('error', reject);
      }),
      5000,
      'node client → tlskit server',
    );
    c.destroy();
    assert.deepEqual(seen, [{ authorized: true, authorizationError: null, subject: 'localhost' }]);
    await closeServer(server);

    const nodeSeen: Seen[] = [];
    const ns = nodeTls.createServer(
      { key: leaf.key.pem, cert: leaf.chain.pem, ca: pki.caFile.pem, requestCert: true, rejectUnauthorized: true, minVersion: v.name, maxVersion: v.name },
      (s) => {
        const peer = s.getPeerCertificate();
        nodeSeen.push({ authorized: s.authorized, authorizationError: (s.authorizationError as unknown as string | null) ?? null, subject: String(peer.subject?.CN) });
        s.pipe(s);
      },
    );
    await new Promise<void>((resolve) => ns.listen(0, '127.0.0.1', resolve));
    const nport = (ns.address() as { port: number }).port;
    const t = connect({ host: '127.0.0.1', port: nport, servername: 'localhost', ca: pki.caFile.pem, cert: clientLeaf.chain.pem, key: clientLeaf.key.pem });
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        t.on('secureConnect', () => t.write('x'));
        t.on('data', () => resolve());
        t.on('error', reject);
      }),
      5000,
      'tlskit client → node server',
    );
    t.destroy();
    assert.deepEqual(nodeSeen, [{ authorized: true, authorizationError: null, subject: 'localhost' }]);
    await new Promise<void>((resolve) => ns.close(() => resolve()));
  });
}
