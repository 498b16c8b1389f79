// TLS 1.2 interop on 127.0.0.1 (issue 3): `openssl s_client -tls1_2` → tlskit server and tlskit
// client → `openssl s_server -tls1_2`, every ECDHE suite × group × certificate type (RSA-2048 for
// ECDHE_RSA; P-256, P-384, Ed25519 for ECDHE_ECDSA); EMS on and off; renegotiation refused;
// node:tls TLS 1.2 both ways; curl --tlsv1.2 --tls-max 1.2; a 1.2-only peer against a 1.2+1.3
// tlskit endpoint both ways. Every peer process is bounded and killed.
import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as nodeTls from 'node:tls';
import { createTestPki, removeTestPki, type LeafType, type TestPki } from '../helpers/pki.js';
import { normalizeGroup, runOpensslClient, startOpensslServer } from '../helpers/openssl.js';
import { runCurl } from '../helpers/curl.js';
import { killAllPeers } from '../helpers/process.js';
import { asTlsImpl, type TlsImpl } from '../helpers/impl.js';
import { connectAndRequest, startImplServer } from '../helpers/interop-matrix.js';
import { TLS12_SUITES } from '../../src/handshake/suites12.js';

const CASE_TIMEOUT = 15_000;
const GROUPS = ['X25519', 'P-256', 'P-384'] as const;
const ECDSA_LEAVES: readonly LeafType[] = ['p256', 'p384', 'ed25519'];
const leavesFor = (auth: 'ecdsa' | 'rsa'): readonly LeafType[] => (auth === 'rsa' ? ['rsa2048'] : ECDSA_LEAVES);
/** openssl's spelling of a group for -groups. */
const OSSL_GROUP: Record<string, string> = { X25519: 'X25519', 'P-256': 'prime256v1', 'P-384': 'secp384r1' };
const CERT_CURVE: Partial<Record<LeafType, string>> = { p256: 'P-256', p384: 'P-384' };
/** The group under test first, then the ECDSA certificate's curve (RFC 8422 §5.3: the client must list it). */
const withCertCurve = (group: string, leaf: LeafType): string[] => {
  const curve = CERT_CURVE[leaf];
  return curve === undefined || curve === group ? [group] : [group, curve];
};

describe('TLS 1.2 interop: tlskit ↔ openssl, node:tls, curl', () => {
  let impl: TlsImpl;
  let pki: TestPki;
  let noEmsConf: string;

  before(async () => {
    impl = asTlsImpl(await import('../../src/node/index.js'));
    pki = await createTestPki();
    // OpenSSL 3.0 s_client/s_server have no -no_ems switch; the system_default SSL_CONF section can clear the option.
    noEmsConf = join(pki.dir, 'no-ems.cnf');
    writeFileSync(
      noEmsConf,
      'openssl_conf = conf\n[conf]\nssl_conf = ssl\n[ssl]\nsystem_default = sys\n[sys]\nOptions = -ExtendedMasterSecret\n',
    );
  });
  after(async () => {
    await killAllPeers();
    await removeTestPki();
  });

  const serverOptions = (leaf: LeafType, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    key: pki.leaves[leaf].key.pem,
    cert: pki.leaves[leaf].chain.pem,
    ...extra,
  });

  it('openssl s_client -tls1_2 → tlskit server (1.2+1.3): suite × group × certificate', async (t: TestContext) => {
    for (const leaf of ['rsa2048', ...ECDSA_LEAVES] as const) {
      for (const group of GROUPS) {
        // the server's group is forced; RFC 8422 §5.3: the client lists the certificate's curve too
        const srv = await startImplServer(impl, serverOptions(leaf, { ecdhCurve: group }), 'tlskit');
        try {
          for (const suite of TLS12_SUITES.filter((s) => s.keyExchange === 'ecdhe' && leavesFor(s.auth).includes(leaf))) {
            await t.test(`${leaf} ${suite.opensslName} ${group}`, { timeout: CASE_TIMEOUT }, async () => {
              const r = await runOpensslClient({
                port: srv.port,
                servername: 'localhost',
                caFile: pki.caFile.path,
                tls12Only: true,
                ciphers: suite.opensslName,
                groups: withCertCurve(group, leaf).map((g) => OSSL_GROUP[g] ?? g),
                input: 'ping\n',
                expect: /^pong .*$/m,
                timeoutMs: CASE_TIMEOUT - 1000,
              });
              assert.ok(r.handshakeOk, `handshake failed:\n${r.stdout}\n${r.stderr}`);
              assert.equal(r.protocol, 'TLSv1.2');
              assert.equal(r.cipher, suite.opensslName);
              assert.equal(r.group, normalizeGroup(group), String(r.serverTempKey));
              assert.equal(r.verifyReturnCode, 0, r.verifyMessage);
              assert.match(r.stdout, /Extended master secret: yes/);
              assert.match(r.received, new RegExp(`^pong TLSv1\\.2 ${suite.name} none$`, 'm'), r.received);
            });
          }
        } finally {
          await srv.close();
        }
      }
    }
  });

  it('tlskit client (1.2+1.3) → openssl s_server -tls1_2: suite × group × certificate', async (t: TestContext) => {
    for (const leaf of ['rsa2048', ...ECDSA_LEAVES] as const) {
      const s = await startOpensslServer({
        cert: pki.leaves[leaf].cert.path,
        key: pki.leaves[leaf].key.path,
        chain: pki.intermediate.cert.path,
        tls12Only: true,
        ciphers: 'ECDHE',
        groups: GROUPS.map((g) => OSSL_GROUP[g] ?? g),
        mode: 'www',
      });
      try {
        for (const suite of TLS12_SUITES.filter((x) => x.keyExchange === 'ecdhe' && leavesFor(x.auth).includes(leaf))) {
          for (const group of GROUPS) {
            await t.test(`${leaf} ${suite.opensslName} ${group}`, { timeout: CASE_TIMEOUT }, async () => {
              const r = await connectAndRequest(
                impl,
                { host: '127.0.0.1', port: s.port, servername: 'localhost', ca: pki.caFile.pem, ciphers: `TLS_AES_128_GCM_SHA256:${suite.opensslName}`, ecdhCurve: withCertCurve(group, leaf).join(':') },
                'GET / HTTP/1.0\r\n\r\n',
                CASE_TIMEOUT - 1000,
              );
              assert.equal(r.protocol, 'TLSv1.2');
              assert.equal(r.cipher, suite.name);
              assert.equal(r.authorized, true);
              assert.match(r.response, /^HTTP\/1\.0 200 ok/);
              assert.ok(r.response.includes(`New, TLSv1.2, Cipher is ${suite.opensslName}`), r.response);
            });
          }
        }
      } finally {
        await s.stop();
      }
    }
  });

  it('EMS off: openssl without extended_master_secret both ways (and requireExtendedMasterSecret refuses it)', { timeout: 4 * CASE_TIMEOUT }, async () => {
    const env = { OPENSSL_CONF: noEmsConf };
    const srv = await startImplServer(impl, serverOptions('p256'), 'tlskit');
    try {
      const r = await runOpensslClient({ port: srv.port, servername: 'localhost', caFile: pki.caFile.path, tls12Only: true, input: 'ping\n', expect: /^pong .*$/m, env });
      assert.ok(r.handshakeOk, r.stdout + r.stderr);
      assert.match(r.stdout, /Extended master secret: no/);
      assert.match(r.received, /^pong TLSv1\.2 /m);
    } finally {
      await srv.close();
    }
    const s = await startOpensslServer({ cert: pki.leaves.p256.cert.path, key: pki.leaves.p256.key.path, chain: pki.intermediate.cert.path, tls12Only: true, mode: 'www', env });
    try {
      const r = await connectAndRequest(impl, { host: '127.0.0.1', port: s.port, servername: 'localhost', ca: pki.caFile.pem }, 'GET / HTTP/1.0\r\n\r\n');
      assert.equal(r.protocol, 'TLSv1.2');
      assert.match(r.response, /^HTTP\/1\.0 200 ok/);
    } finally {
      await s.stop();
    }
  });

  it('renegotiation: a client-initiated renegotiation gets no_renegotiation; the connection goes on', { timeout: CASE_TIMEOUT }, async () => {
    const srv = await startImplServer(impl, serverOptions('p256'), 'tlskit');
    try {
      const r = await runOpensslClient({ port: srv.port, servername: 'localhost', caFile: pki.caFile.path, tls12Only: true, input: 'R\n', expect: /RENEGOTIATING|no renegotiation/i, timeoutMs: 5000 });
      assert.ok(r.handshakeOk, r.stdout + r.stderr);
      assert.match(r.stdout + r.stderr, /RENEGOTIATING/);
      assert.match(r.stdout, /Secure Renegotiation IS supported/);
    } finally {
      await srv.close();
    }
  });

  it('node:tls TLS 1.2 both ways', { timeout: 2 * CASE_TIMEOUT }, async () => {
    // tlskit client → node:tls server (1.2 only)
    const nodeImpl = nodeTls as unknown as TlsImpl;
    const ns = await startImplServer(nodeImpl, serverOptions('rsa2048', { maxVersion: 'TLSv1.2' }), 'node');
    try {
      const r = await connectAndRequest(impl, { host: '127.0.0.1', port: ns.port, servername: 'localhost', ca: pki.caFile.pem }, 'ping\n');
      assert.equal(r.protocol, 'TLSv1.2');
      assert.match(r.response, /^pong TLSv1\.2 TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 none$/m);
    } finally {
      await ns.close();
    }
    // node:tls client (1.2 only) → tlskit server
    const ts = await startImplServer(impl, serverOptions('p384'), 'tlskit');
    try {
      const r = await connectAndRequest(nodeImpl, { host: '127.0.0.1', port: ts.port, servername: 'localhost', ca: pki.caFile.pem, maxVersion: 'TLSv1.2' }, 'ping\n');
      assert.equal(r.protocol, 'TLSv1.2');
      assert.match(r.response, /^pong TLSv1\.2 TLS_ECDHE_ECDSA_WITH_AES_\d+_GCM_SHA\d+ none$/m);
      // and a 1.2+1.3 node client gets TLS 1.3 from the same server
      const r13 = await connectAndRequest(nodeImpl, { host: '127.0.0.1', port: ts.port, servername: 'localhost', ca: pki.caFile.pem }, 'ping\n');
      assert.equal(r13.protocol, 'TLSv1.3');
    } finally {
      await ts.close();
    }
  });

  it('curl --tlsv1.2 --tls-max 1.2 → tlskit https server', { timeout: CASE_TIMEOUT }, async () => {
    const srv = await startImplServer(impl, serverOptions('p256', { ALPNProtocols: ['http/1.1'] }), 'tlskit');
    try {
      const r = await runCurl({ port: srv.port, caFile: pki.caFile.path, extraArgs: ['--tlsv1.2', '--tls-max', '1.2'], timeoutMs: CASE_TIMEOUT - 1000 });
      assert.equal(r.exit.code, 0, r.stderr);
      assert.equal(r.httpCode, 200);
      assert.equal(r.sslVerifyResult, 0);
      assert.equal(r.protocol, 'TLSv1.2');
      assert.equal(r.alpn, 'http/1.1');
      assert.match(r.body, /^hello from tlskit: TLSv1\.2 TLS_ECDHE_ECDSA_WITH_\S+\n$/);
    } finally {
      await srv.close();
    }
  });

  it('a 1.3-only tlskit server refuses openssl -tls1_2 (protocol_version); a 1.2-only one refuses TLS 1.3', { timeout: CASE_TIMEOUT }, async () => {
    const srv = await startImplServer(impl, serverOptions('p256', { minVersion: 'TLSv1.3' }), 'tlskit');
    try {
      const r = await runOpensslClient({ port: srv.port, servername: 'localhost', tls12Only: true });
      assert.equal(r.handshakeOk, false, r.stdout);
      assert.match(r.stderr, /protocol version/i);
    } finally {
      await srv.close();
    }
    const srv12 = await startImplServer(impl, serverOptions('p256', { maxVersion: 'TLSv1.2' }), 'tlskit');
    try {
      const r = await runOpensslClient({ port: srv12.port, servername: 'localhost', tls13Only: true });
      assert.equal(r.handshakeOk, false, r.stdout);
      // …and the default openssl client (1.2+1.3) falls back to 1.2 without seeing a downgrade sentinel
      const ok = await runOpensslClient({ port: srv12.port, servername: 'localhost', caFile: pki.caFile.path, input: 'ping\n', expect: /^pong .*$/m });
      assert.ok(ok.handshakeOk, ok.stdout + ok.stderr);
      assert.equal(ok.protocol, 'TLSv1.2');
    } finally {
      await srv12.close();
    }
  });
});
