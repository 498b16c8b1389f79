// TLS 1.3 post-handshake client authentication (RFC 8446 §4.6.2) through the node adapter:
// tlskit ↔ tlskit, `openssl s_client -enable_pha -cert/-key` → tlskit server (requestClientCertificate
// after the handshake), and tlskit client → `openssl s_server` with its interactive `c` command
// (SSL_verify_client_post_handshake). Every peer is bounded in time and killed.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect as tcpConnect, createServer as createTcpServer, type Socket as NetSocket } from 'node:net';
import { connect, createServer, type TLSSocket } from '../../src/node/index.js';
import { createTestPki } from '../helpers/pki.js';
import { startOpensslServer } from '../helpers/openssl.js';
import { cleanupPeersAfter, freePort, spawnPeer, withTimeout } from '../helpers/process.js';
import { closeServer, listenLocal } from '../helpers/impl.js';
import { generateCertificate } from '../../src/x509/generate.js';
import { nodeCryptoProvider } from '../../src/crypto/node-provider.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

cleanupPeersAfter(after);
const pki = await createTestPki();
const serverLeaf = pki.leaves.p256;
const clientLeaf = pki.leaves.rsa2048;
const strangerRoot = generateCertificate({ subject: { CN: 'Stranger Root' }, keyKind: 'p256', isCA: true }, nodeCryptoProvider);
const stranger = generateCertificate({ subject: { CN: 'stranger' }, keyKind: 'p256', issuer: strangerRoot }, nodeCryptoProvider);
const dir = mkdtempSync(join(tmpdir(), 'tlskit-pha-'));
const strangerCert = join(dir, 'stranger.pem');
const strangerKey = join(dir, 'stranger.key');
writeFileSync(strangerCert, stranger.certPem);
writeFileSync(strangerKey, stranger.keyPem);
after(() => rmSync(dir, { recursive: true, force: true }));

interface Outcome {
  err: Error | null;
  authorized: boolean | undefined;
  error: string | null;
  cn: string | undefined;
  before: boolean;
}

/** A tlskit server that asks for a client certificate right after each handshake. */
function phaServer(options: Record<string, unknown>, outcomes: Outcome[], done: () => void = () => {}) {
  return createServer(
    { key: serverLeaf.key.pem, cert: serverLeaf.chain.pem, ca: pki.caFile.pem, postHandshakeAuth: true, minVersion: 'TLSv1.3', ...options },
    (s: TLSSocket) => {
      s.on('error', () => {});
      const first = s.getPeerCertificate();
      const before = first !== null && Object.keys(first).length > 0;
      s.requestClientCertificate((err, authorized) => {
        const peer = s.getPeerCertificate() as { subject?: { CN?: string } } | null;
        outcomes.push({ err, authorized, error: s.authorizationError, cn: peer?.subject?.CN, before });
        if (err === null) s.write('authenticated\n');
        done();
      });
      s.pipe(s);
    },
  );
}

async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('tlskit client (cert/key) ↔ tlskit server: a certificate asked for after the handshake is sent, verified and becomes the peer identity', async () => {
  const outcomes: Outcome[] = [];
  const server = phaServer({}, outcomes);
  const port = await listenLocal(server);
  const client = connect({ port, host: '127.0.0.1', servername: 'localhost', ca: pki.caFile.pem, cert: clientLeaf.chain.pem, key: clientLeaf.key.pem });
  let text = '';
  client.on('data', (d: Buffer) => (text += d.toString()));
  await withTimeout(once(client, 'secureConnect'), 5000, 'secureConnect');
  await withTimeout(waitFor(() => text.includes('authenticated'), 5000, 'the server\'s answer'), 6000, 'pha');
  assert.deepEqual(outcomes, [{ err: null, authorized: true, error: null, cn: 'localhost', before: false }]);
  client.write('still here\n');
  await waitFor(() => text.includes('still here'), 5000, 'echo after PHA');
  client.end();
  await closeServer(server);
});

test('tlskit client with postHandshakeAuth and no certificate → empty answer; rejectUnauthorized: false reports it unauthorized', async () => {
  const outcomes: Outcome[] = [];
  const server = phaServer({ rejectUnauthorized: false }, outcomes);
  const port = await listenLocal(server);
  const client = connect({ port, host: '127.0.0.1', servername: 'localhost', ca: pki.caFile.pem, postHandshakeAuth: true });
  client.on('data', () => {});
  await withTimeout(once(client, 'secureConnect'), 5000, 'secureConnect');
  await waitFor(() => outcomes.length > 0, 5000, 'the outcome');
  assert.deepEqual(outcomes, [{ err: null, authorized: false, error: 'UNABLE_TO_GET_ISSUER_CERT', cn: undefined, before: false }]);
  client.end();
  await closeServer(server);
});

test('a client that did not offer post_handshake_auth: requestClientCertificate() refuses (RFC 8446 §4.2.6) and the connection goes on', async () => {
  const outcomes: Outcome[] = [];
  const server = phaServer({}, outcomes);
  const port = await listenLocal(server);
  const client = connect({ port, host: '127.0.0.1', servername: 'localhost', ca: pki.caFile.pem });
  let text = '';
  client.on('data', (d: Buffer) => (text += d.toString()));
  await withTimeout(once(client, 'secureConnect'), 5000, 'secureConnect');
  await waitFor(() => outcomes.length > 0, 5000, 'the refusal');
  assert.match(String(outcomes[0]?.err?.message), /post_handshake_auth/);
  client.write('ping\n');
  await waitFor(() => text.includes('ping'), 5000, 'echo');
  client.end();
  await closeServer(server);
});

test('requestClientCertificate({ timeout }): a client whose answer never arrives → ERR_TLS_CLIENT_CERTIFICATE_TIMEOUT; the connection stays open and a late answer still authenticates', async () => {
  // a TCP relay that holds the client's bytes once the server has the handshake (its answer is held)
  let hold = false;
  const held: Buffer[] = [];
  let upstream: NetSocket | undefined;
  const results: { err: Error | null; authorized: boolean | undefined; at: number }[] = [];
  const events: boolean[] = [];
  let serverSocket: TLSSocket | undefined;
  const server = createServer(
    { key: serverLeaf.key.pem, cert: serverLeaf.chain.pem, ca: pki.caFile.pem, postHandshakeAuth: true, minVersion: 'TLSv1.3' },
    (s: TLSSocket) => {
      serverSocket = s;
      s.on('error', () => {});
      s.on('clientCertificate', (info: { authorized: boolean }) => events.push(info.authorized));
      hold = true;
      const t0 = Date.now();
      assert.equal(s.requestClientCertificate({ timeout: 300 }, (err, authorized) => results.push({ err, authorized, at: Date.now() - t0 })), true);
      s.pipe(s);
    },
  );
  const port = await listenLocal(server);
  const relay = createTcpServer((c) => {
    const up = tcpConnect(port, '127.0.0.1');
    upstream = up;
    c.on('data', (d: Buffer) => { if (hold) held.push(d); else up.write(d); });
    up.on('data', (d: Buffer) => c.write(d));
    c.on('error', () => {});
    up.on('error', () => {});
    c.on('close', () => up.destroy());
    up.on('close', () => c.destroy());
  });
  const relayPort = await listenLocal(relay);
  const client = connect({ port: relayPort, host: '127.0.0.1', servername: 'localhost', ca: pki.caFile.pem, cert: clientLeaf.chain.pem, key: clientLeaf.key.pem });
  client.on('data', () => {});
  client.on('error', () => {});
  try {
    await withTimeout(once(client, 'secureConnect'), 5000, 'secureConnect');
    await waitFor(() => results.length > 0, 3000, 'the timeout');
    assert.equal(results.length, 1);
    const r = results[0];
    assert.equal((r?.err as { code?: string } | null)?.code, 'ERR_TLS_CLIENT_CERTIFICATE_TIMEOUT', String(r?.err));
    assert.ok((r?.at ?? 0) >= 250, `called back after ${r?.at ?? 0} ms`);
    assert.ok(held.length > 0, 'the client did answer (held by the relay)');
    assert.equal(serverSocket?.destroyed, false, 'the connection stays open');
    assert.deepEqual(events, []);
    // the late answer: still checked, 'clientCertificate' fires; the callback is not called again
    hold = false;
    for (const d of held.splice(0)) upstream?.write(d);
    await waitFor(() => events.length > 0, 3000, 'the late answer');
    assert.deepEqual(events, [true]);
    assert.equal(serverSocket?.authorized, true);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(results.length, 1);
  } finally {
    client.destroy();
    relay.close();
    await closeServer(server);
  }
});

test('requestClientCertificate: an answer in time clears the timer; a bad timeout is refused through the callback', async () => {
  const outcomes: { err: Error | null; authorized: boolean | undefined }[] = [];
  const server = createServer(
    { key: serverLeaf.key.pem, cert: serverLeaf.chain.pem, ca: pki.caFile.pem, postHandshakeAuth: true, minVersion: 'TLSv1.3' },
    (s: TLSSocket) => {
      s.on('error', () => {});
      assert.equal(s.requestClientCertificate({ timeout: -1 }, (err, authorized) => outcomes.push({ err, authorized })), false);
      s.requestClientCertificate({ timeout: 150 }, (err, authorized) => outcomes.push({ err, authorized }));
      s.pipe(s);
    },
  );
  const port = await listenLocal(server);
  const client = connect({ port, host: '127.0.0.1', servername: 'localhost', ca: pki.caFile.pem, cert: clientLeaf.chain.pem, key: clientLeaf.key.pem });
  client.on('data', () => {});
  try {
    await withTimeout(once(client, 'secureConnect'), 5000, 'secureConnect');
    await waitFor(() => outcomes.length >= 2, 3000, 'both callbacks');
    await new Promise((r) => setTimeout(r, 300)); // past the timeout: no second call
    assert.equal(outcomes.length, 2);
    assert.match(String(outcomes[0]?.err?.message), /timeout must be/);
    assert.deepEqual(outcomes[1], { err: null, authorized: true });
  } finally {
    client.end();
    await closeServer(server);
  }
});

/** openssl s_client as a long-lived peer: its output, and lines written to it. */
async function opensslClient(port: number, args: readonly string[]) {
  const peer = spawnPeer('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', '-CAfile', pki.caFile.path, '-tls1_3', ...args], {
    timeoutMs: 15_000,
    name: `openssl s_client :${port}`,
  });
  await peer.waitFor(/Verify return code|errno|error/i, 8000);
  return peer;
}

test('openssl s_client -enable_pha -cert/-key → tlskit server asks after the handshake: verified; data flows on', async () => {
  const outcomes: Outcome[] = [];
  const server = phaServer({}, outcomes);
  const port = await listenLocal(server);
  const peer = await opensslClient(port, ['-enable_pha', '-cert', clientLeaf.cert.path, '-key', clientLeaf.key.path, '-cert_chain', pki.intermediate.cert.path]);
  await peer.waitFor(/authenticated/, 8000, 'stdout');
  assert.deepEqual(outcomes, [{ err: null, authorized: true, error: null, cn: 'localhost', before: false }]);
  await peer.write('after pha\n');
  await peer.waitFor(/after pha[\s\S]*after pha|^after pha$/m, 5000, 'stdout');
  await peer.kill(300);
  await closeServer(server);
});

test('openssl s_client without -enable_pha → tlskit server may not ask', async () => {
  const outcomes: Outcome[] = [];
  const server = phaServer({}, outcomes);
  const port = await listenLocal(server);
  const peer = await opensslClient(port, ['-cert', clientLeaf.cert.path, '-key', clientLeaf.key.path]);
  await waitFor(() => outcomes.length > 0, 5000, 'the refusal');
  assert.match(String(outcomes[0]?.err?.message), /did not offer post_handshake_auth/);
  await peer.kill(300);
  await closeServer(server);
});

test('openssl s_client -enable_pha with an untrusted certificate → tlskit server ends the connection with unknown_ca', async () => {
  const outcomes: Outcome[] = [];
  const server = phaServer({}, outcomes);
  const port = await listenLocal(server);
  const peer = await opensslClient(port, ['-enable_pha', '-cert', strangerCert, '-key', strangerKey]);
  await peer.waitFor(/unknown ca/i, 8000);
  await waitFor(() => outcomes.length > 0, 5000, 'the callback');
  assert.equal(outcomes[0]?.authorized, undefined);
  assert.match(String(outcomes[0]?.err?.message), /issuer|unknown|certificate/i);
  await peer.kill(300);
  await closeServer(server);
});

test('tlskit client (cert/key) → openssl s_server `c` (SSL_verify_client_post_handshake): openssl verifies our chain; data flows on', async () => {
  const srv = await startOpensslServer({
    cert: serverLeaf.cert.path,
    key: serverLeaf.key.path,
    chain: pki.intermediate.cert.path,
    tls13Only: true,
    mode: 'plain',
    extraArgs: ['-CAfile', pki.caFile.path, '-verify_return_error'],
    port: await freePort(),
  });
  const client = connect({ port: srv.port, host: '127.0.0.1', servername: 'localhost', ca: pki.caFile.pem, cert: clientLeaf.chain.pem, key: clientLeaf.key.pem });
  let text = '';
  const seen: number[] = [];
  client.on('handshakeMessage', (m: { direction: string; type: number }) => {
    if (m.direction === 'sent') seen.push(m.type);
  });
  client.on('data', (d: Buffer) => (text += d.toString()));
  client.on('error', () => {});
  await withTimeout(once(client, 'secureConnect'), 5000, 'secureConnect');
  await srv.peer.waitFor(/CIPHER is/, 5000);
  seen.length = 0;
  await srv.peer.write('c\n');
  await srv.peer.waitFor(/SSL_do_handshake -> 1/, 5000);
  // openssl walked our chain up to the test root and accepted it
  assert.match(srv.output(), /depth=0 [^\n]*CN = localhost\s+verify return:1/);
  assert.doesNotMatch(srv.output(), /verify error/);
  assert.deepEqual(seen, [11, 15, 20]); // Certificate, CertificateVerify, Finished
  await srv.peer.write('from openssl\n');
  await withTimeout(waitFor(() => text.includes('from openssl'), 5000, 'data after PHA'), 6000, 'data');
  client.write('from tlskit\n');
  await srv.peer.waitFor(/from tlskit/, 5000);
  client.destroy();
  await srv.stop();
});
