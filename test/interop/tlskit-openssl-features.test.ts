// tlskit against OpenSSL 3.0 on 127.0.0.1, beyond the suite × group × certificate matrix:
// HelloRetryRequest both ways, KeyUpdate (update_requested) both ways, SNI certificate choice,
// and 64 MiB each way with a checksum against node:tls. Every peer is bounded and killed.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nodeTls from 'node:tls';
import { connect, createServer, type TLSSocket } from '../../src/node/index.js';
import { nodeCryptoProvider } from '../../src/crypto/node-provider.js';
import { generateCertificate } from '../../src/x509/generate.js';
import { HandshakeType } from '../../src/registry/codepoints.js';
import type { HandshakeEvent } from '../../src/connection/connection.js';
import { createTestPki } from '../helpers/pki.js';
import { runOpensslClient, startOpensslServer } from '../helpers/openssl.js';
import { cleanupPeersAfter, spawnPeer, withTimeout } from '../helpers/process.js';
import { closeServer, listenLocal } from '../helpers/impl.js';

cleanupPeersAfter(after);
const pki = await createTestPki();
const leaf = pki.leaves.p256;

function tlskitServer(options: Record<string, unknown>, onSocket: (s: TLSSocket) => void = (s) => s.pipe(s)) {
  return createServer({ key: leaf.key.pem, cert: leaf.chain.pem, ...options }, onSocket);
}

function received(socket: TLSSocket, type: number, direction: 'received' | 'sent' = 'received'): () => number {
  let n = 0;
  socket.on('handshakeMessage', (e: HandshakeEvent) => {
    if (e.direction === direction && e.type === type) n++;
  });
  return () => n;
}

test('HelloRetryRequest: tlskit client → openssl s_server that only takes P-384', async () => {
  const server = await startOpensslServer({ cert: leaf.cert.path, key: leaf.key.path, chain: pki.intermediate.cert.path, tls13Only: true, groups: 'P-384' });
  const socket = connect({ host: '127.0.0.1', port: server.port, servername: 'localhost', ca: pki.caFile.pem });
  const body = await withTimeout(
    new Promise<string>((resolve, reject) => {
      let data = '';
      socket.on('secureConnect', () => socket.write('GET / HTTP/1.0\r\n\r\n'));
      socket.on('data', (d: Buffer) => (data += d.toString()));
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
    }),
    10_000,
    'HRR handshake with s_server',
  );
  assert.equal(socket.negotiated.helloRetryRequest, true, 'the server sent a HelloRetryRequest');
  // node:tls reports P-384 as 'secp384r1' here, and so does tlskit
  assert.equal(socket.getEphemeralKeyInfo()?.name, 'secp384r1');
  assert.match(body, /HTTP\/1\.0 200 ok/);
  socket.destroy();
  await server.stop();
});

test('HelloRetryRequest: openssl s_client (P-256 share first) → tlskit server that wants X25519', async () => {
  let serverSide: TLSSocket | undefined;
  const server = tlskitServer({ ecdhCurve: 'X25519' }, (s) => {
    serverSide = s;
    s.pipe(s);
  });
  const port = await listenLocal(server);
  const result = await runOpensslClient({ port, servername: 'localhost', caFile: pki.caFile.path, tls13Only: true, groups: 'P-256:X25519', input: 'hello\n', expect: /hello/ });
  assert.equal(result.handshakeOk, true, result.stdout + result.stderr);
  assert.equal(result.group, 'X25519');
  assert.equal(result.verifyReturnCode, 0);
  assert.equal(serverSide?.negotiated.helloRetryRequest, true);
  await closeServer(server);
});

test('KeyUpdate: openssl s_client sends KeyUpdate(update_requested) to tlskit, data still flows both ways', async () => {
  let updates: (() => number) | undefined;
  let answers: (() => number) | undefined;
  const server = tlskitServer({}, (s) => {
    updates = received(s, HandshakeType.key_update);
    answers = received(s, HandshakeType.key_update, 'sent');
    s.pipe(s);
  });
  const port = await listenLocal(server);
  // s_client's interactive command "K" (alone in one read) sends a KeyUpdate with update_requested.
  const peer = spawnPeer('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', '-CAfile', pki.caFile.path, '-verify_return_error', '-tls1_3'], {
    timeoutMs: 15_000,
    name: 's_client keyupdate',
  });
  await peer.waitFor(/^Verify return code: 0.*\n---\n/m, 10_000, 'stdout');
  await peer.write('K\n');
  await peer.waitFor(/KEYUPDATE/, 5_000, 'both');
  await peer.write('after-update\n');
  // the echo comes back under tlskit's updated keys
  await peer.waitFor(/after-update/, 5_000, 'stdout');
  peer.endInput();
  await peer.wait(3_000);
  assert.equal(updates?.(), 1, 'tlskit received one KeyUpdate');
  assert.equal(answers?.(), 1, 'tlskit answered update_requested with its own KeyUpdate (RFC 8446 §4.6.3)');
  await closeServer(server);
});

test('KeyUpdate: tlskit client asks openssl s_server (-rev) to update, then keeps talking', async () => {
  const server = await startOpensslServer({ cert: leaf.cert.path, key: leaf.key.path, chain: pki.intermediate.cert.path, tls13Only: true, mode: 'rev' });
  const socket = connect({ host: '127.0.0.1', port: server.port, servername: 'localhost', ca: pki.caFile.pem });
  const fromServer = received(socket, HandshakeType.key_update);
  const reply = await withTimeout(
    new Promise<string>((resolve, reject) => {
      let data = '';
      socket.on('secureConnect', () => {
        socket.keyUpdate(true);
        socket.write('olleh\n');
      });
      socket.on('data', (d: Buffer) => {
        data += d.toString();
        if (data.includes('\n')) resolve(data);
      });
      socket.on('error', reject);
    }),
    10_000,
    'KeyUpdate with s_server',
  );
  assert.equal(reply.trim(), 'hello');
  assert.equal(fromServer(), 1, 's_server answered update_requested with its own KeyUpdate');
  socket.destroy();
  await server.stop();
});

test('SNI chooses the certificate: openssl s_client asks for each of two names', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tlskit-sni-'));
  try {
    const make = (name: string) => generateCertificate({ subject: { CN: name }, dnsNames: [name], keyKind: 'p256' }, nodeCryptoProvider);
    const a = make('a.example');
    const b = make('b.example');
    writeFileSync(join(dir, 'ca.pem'), a.certPem + b.certPem);
    const server = createServer({ certificates: [{ key: a.keyPem, cert: a.certPem }, { key: b.keyPem, cert: b.certPem }] }, (s) => s.pipe(s));
    const port = await listenLocal(server);
    for (const name of ['a.example', 'b.example']) {
      const result = await runOpensslClient({ port, servername: name, caFile: join(dir, 'ca.pem'), tls13Only: true, input: 'ping\n', expect: /ping/ });
      assert.equal(result.handshakeOk, true, result.stdout + result.stderr);
      assert.equal(result.verifyReturnCode, 0, `${name}: ${result.verifyMessage ?? ''}`);
      assert.match(result.stdout, new RegExp(`subject=CN ?= ?${name.replace('.', '\\.')}`));
    }
    await closeServer(server);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('64 MiB each way with a SHA-256 checksum: tlskit client ↔ node:tls server, half-close', async () => {
  const size = 64 * 1024 * 1024;
  const chunk = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 31 + 7) & 0xff;
  const expected = createHash('sha256');
  for (let i = 0; i < size / chunk.length; i++) expected.update(chunk);
  const digest = expected.digest('hex');
  // allowHalfOpen: node's server must keep writing after the client's close_notify (half-close)
  const server = nodeTls.createServer({ key: leaf.key.pem, cert: leaf.chain.pem, minVersion: 'TLSv1.3', allowHalfOpen: true }, (s) => {
    const h = createHash('sha256');
    let n = 0;
    s.on('data', (d: Buffer) => {
      h.update(d);
      n += d.length;
    });
    s.on('end', () => {
      // the client half-closed; answer with our own 64 MiB and the digest of what we got
      let sent = 0;
      const pump = (): void => {
        while (sent < size) {
          sent += chunk.length;
          if (!s.write(chunk)) {
            s.once('drain', pump);
            return;
          }
        }
        s.end(`\n${n}:${h.digest('hex')}`);
      };
      pump();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const socket = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.caFile.pem });
  const result = await withTimeout(
    new Promise<{ bytes: number; digest: string; trailer: string }>((resolve, reject) => {
      const h = createHash('sha256');
      let bytes = 0;
      let tail = Buffer.alloc(0);
      socket.on('secureConnect', () => {
        let sent = 0;
        const pump = (): void => {
          while (sent < size) {
            sent += chunk.length;
            if (!socket.write(chunk)) {
              socket.once('drain', pump);
              return;
            }
          }
          socket.end();
        };
        pump();
      });
      socket.on('data', (d: Buffer) => {
        // everything up to 64 MiB is payload; what follows is the trailer
        const take = Math.min(d.length, size - bytes);
        if (take > 0) h.update(d.subarray(0, take));
        bytes += take;
        if (take < d.length) tail = Buffer.concat([tail, d.subarray(take)]);
      });
      socket.on('end', () => resolve({ bytes, digest: h.digest('hex'), trailer: tail.toString() }));
      socket.on('error', reject);
    }),
    60_000,
    '64 MiB each way',
  );
  assert.equal(result.bytes, size);
  assert.equal(result.digest, digest, 'what tlskit received');
  assert.equal(result.trailer, `\n${size}:${digest}`, 'what node:tls received');
  socket.destroy();
  await new Promise((r) => server.close(r));
});
