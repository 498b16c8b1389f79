// tlskit connect/serve with --tls1.2 / --tls1.3 (one flag: only that version; default both) against
// openssl s_client/s_server, and the TLS 1.2 trace texts (no TLS 1.3 key_share or inner content type).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupPeersAfter, runChecked, type Peer } from '../helpers/process.js';
import { startOpensslServer, runOpensslClient, type OpensslServer } from '../helpers/openssl.js';
import { runTlskit, startTlskitServe } from '../helpers/cli.js';

cleanupPeersAfter(after);

const tlskit = (args: readonly string[], input = '') => runTlskit(args, { input });

async function startServe(args: readonly string[]): Promise<{ peer: Peer; port: number; caFile: string }> {
  const { serve: peer, port, caFile } = await startTlskitServe(args, { env: { ...process.env, NO_COLOR: '1' } });
  assert.ok(existsSync(caFile));
  return { peer, port, caFile };
}

describe('tlskit serve --tls1.2 / --tls1.3', () => {
  let s12: { peer: Peer; port: number; caFile: string };
  let s13: { peer: Peer; port: number; caFile: string };
  before(async () => {
    [s12, s13] = await Promise.all([startServe(['--tls1.2', '--www']), startServe(['--tls1.3'])]);
  });
  after(async () => {
    await Promise.all([s12.peer.kill(500), s13.peer.kill(500)]);
  });

  it('serve --tls1.2 answers openssl s_client -tls1_2 and refuses -tls1_3', async () => {
    const ok = await runOpensslClient({ port: s12.port, servername: 'localhost', caFile: s12.caFile, tls12Only: true, input: 'GET / HTTP/1.0\r\n\r\n', awaitClose: true });
    assert.ok(ok.handshakeOk, ok.stdout + ok.stderr);
    assert.equal(ok.protocol, 'TLSv1.2');
    assert.match(ok.stdout, /<th>Protocol<\/th><td>TLS 1\.2<\/td>/);
    const no = await runOpensslClient({ port: s12.port, servername: 'localhost', tls13Only: true });
    assert.equal(no.handshakeOk, false, no.stdout);
  });

  it('serve --tls1.3 refuses openssl s_client -tls1_2 (protocol_version)', async () => {
    const r = await runOpensslClient({ port: s13.port, servername: 'localhost', tls12Only: true });
    assert.equal(r.handshakeOk, false, r.stdout);
    assert.match(r.stderr, /protocol version/i);
  });

  it('connect (default: 1.2 and 1.3) gets TLS 1.2 from serve --tls1.2; the trace speaks TLS 1.2', async () => {
    const r = await tlskit(['connect', `localhost:${s12.port}`, '--cafile', s12.caFile, '--trace', '--ciphers', 'ECDHE-ECDSA-CHACHA20-POLY1305,TLS_AES_128_GCM_SHA256'], 'GET / HTTP/1.0\r\n\r\n');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /version +TLS 1\.2/);
    assert.match(r.stderr, /cipher suite +TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256/);
    assert.match(r.stderr, /ServerHello {2}\[plaintext\]\n {6}server_version: TLS 1\.2; cipher_suite: TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256/);
    const flat = r.stderr.replace(/\s+/g, ' '); // the ladder wraps its sentences
    assert.match(flat, /The server picks TLS 1\.2/);
    assert.equal(flat.includes('key_share: (none)'), false, 'no TLS 1.3 key_share field on a TLS 1.2 ServerHello');
    assert.equal(flat.includes('inner content type'), false, 'no TLS 1.3 inner content type on TLS 1.2 records');
    assert.equal(flat.includes('middlebox'), false, 'the TLS 1.2 ChangeCipherSpec is not the TLS 1.3 dummy');
    assert.match(flat, /bytes of application data from the server, protected under the TLS 1\.2 key block's write keys \(ChaCha20-Poly1305/);
    assert.match(r.stdout, /<th>Protocol<\/th><td>TLS 1\.2<\/td>/);
  });

  it('connect --tls1.3 to serve --tls1.2 fails with protocol_version, explained', async () => {
    const r = await tlskit(['connect', `localhost:${s12.port}`, '--cafile', s12.caFile, '--tls1.3']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /protocol_version/);
    assert.match(r.stderr, /no protocol version in common/);
  });

  it('connect --tls1.2 to serve --tls1.3 fails; --tls1.2 with only TLS 1.3 ciphers is a usage error', async () => {
    const r = await tlskit(['connect', `localhost:${s13.port}`, '--cafile', s13.caFile, '--tls1.2']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /protocol_version/);
    const u = await tlskit(['connect', `localhost:${s13.port}`, '--tls1.2', '--ciphers', 'TLS_AES_128_GCM_SHA256']);
    assert.equal(u.code, 2, u.stderr);
  });
});

describe('tlskit connect --tls1.2 to openssl s_server -tls1_2', () => {
  let dir = '';
  let server: OpensslServer;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tlskit-cli12-test-'));
    await runChecked(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
      { timeoutMs: 15_000 },
    );
    server = await startOpensslServer({ cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem'), tls12Only: true, mode: 'www', timeoutMs: 40_000 });
  });
  after(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('negotiates the suite named in --ciphers and prints TLS 1.2', async () => {
    const r = await tlskit(['connect', `localhost:${server.port}`, '--cafile', join(dir, 'cert.pem'), '--tls1.2', '--ciphers', 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as { ok: boolean; version: string; cipher_suite: string };
    assert.equal(j.ok, true);
    assert.equal(j.version, 'TLS 1.2');
    assert.equal(j.cipher_suite, 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384');
  });
});
