// The tlskit command against real peers: demo, serve --www with curl and openssl s_client,
// connect to openssl s_server. Runs the compiled CLI (build first: `npx tsc -p .`).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupPeersAfter, runChecked, runCommand, type Peer } from '../helpers/process.js';
import { startOpensslServer, type OpensslServer } from '../helpers/openssl.js';
import { runTlskit, startTlskitServe } from '../helpers/cli.js';

cleanupPeersAfter(after);

const tlskit = runTlskit;

describe('tlskit demo', () => {
  it('exits 0 and prints the ladder, parameters and key schedule', async () => {
    const started = Date.now();
    const r = await tlskit(['demo']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(Date.now() - started < 10_000);
    assert.match(r.stdout, /^ {2}ClientHello ─+→ {2}\[plaintext\]$/m);
    assert.match(r.stdout, /^ {2}←─+ ServerHello {2}\[plaintext\]$/m);
    assert.match(r.stdout, /^ {2}←─+ Finished {2}\[handshake keys\]$/m);
    assert.match(r.stdout, /^ {2}Finished ─+→ {2}\[handshake keys\]$/m);
    assert.match(r.stdout, /version +TLS 1\.3/);
    assert.match(r.stdout, /group +X25519MLKEM768/);
    assert.match(r.stdout, /client_application_traffic_secret_0/);
    assert.equal(r.stdout.includes('\u001b['), false, 'colour when piped');
  });

  it('--hrr shows a HelloRetryRequest; --group and --cipher are honoured', async () => {
    const r = await tlskit(['demo', '--hrr', '--cipher', 'TLS_CHACHA20_POLY1305_SHA256']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /←─+ HelloRetryRequest/);
    assert.match(r.stdout, /HelloRetryRequest +yes/);
    assert.match(r.stdout, /cipher suite +TLS_CHACHA20_POLY1305_SHA256/);
    const g = await tlskit(['demo', '--group', 'secp384r1']);
    assert.equal(g.code, 0, g.stderr);
    assert.match(g.stdout, /group +secp384r1/);
  });

  it('--json is valid JSON with every message', async () => {
    const r = await tlskit(['demo', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as { ok: boolean; negotiated: { version: string }; messages: { kind: string; name?: string; raw?: string }[] };
    assert.equal(j.ok, true);
    assert.equal(j.negotiated.version, 'TLS 1.3');
    const names = j.messages.filter((m) => m.kind === 'handshake').map((m) => m.name);
    assert.deepEqual(names.slice(0, 2), ['ClientHello', 'ServerHello']);
    assert.ok(names.includes('Finished'));
    assert.ok(j.messages.every((m) => m.kind !== 'handshake' || /^[0-9a-f]+$/.test(m.raw ?? '')));
  });

  it('demo --tls1.2 draws the 2-RTT ladder with the PRF steps; --tls1.2 --hrr and unknown commands exit 2', async () => {
    const r = await tlskit(['demo', '--tls1.2']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /a TLS 1\.2 handshake/);
    for (const m of ['ServerKeyExchange', 'ServerHelloDone', 'ClientKeyExchange', 'ChangeCipherSpec', 'key_block = PRF(master_secret, "key expansion"']) {
      assert.ok(r.stdout.includes(m), `missing ${m}`);
    }
    const hrr = await tlskit(['demo', '--tls1.2', '--hrr']);
    assert.equal(hrr.code, 2);
    const u = await tlskit(['frobnicate']);
    assert.equal(u.code, 2);
    assert.match(u.stderr, /Usage: tlskit/);
  });
});

describe('tlskit serve --www', () => {
  let serve: Peer;
  let port = 0;
  let caFile = '';
  before(async () => {
    ({ serve, port, caFile } = await startTlskitServe(['--www']));
    assert.ok(existsSync(caFile));
  });
  after(async () => {
    await serve.kill(500);
  });

  it('answers curl over TLS 1.3 with the page', async () => {
    const r = await runCommand('curl', ['-sS', '-k', '-v', '--tlsv1.3', '--max-time', '10', '--noproxy', '*', `https://127.0.0.1:${port}/`], { timeoutMs: 15_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /SSL connection using TLSv1\.3/);
    assert.match(r.stdout, /tlskit: your TLS connection/);
    assert.match(r.stdout, /<th>Protocol<\/th><td>TLS 1\.3<\/td>/);
    assert.match(r.stdout, /<th>ALPN<\/th><td>http\/1\.1<\/td>/);
    assert.match(r.stdout, /<th>cipher_suites<\/th><td>TLS_AES_256_GCM_SHA384/);
  });

  for (const version of ['1.3', '1.2'] as const) {
    it(`curl TLS ${version}, two URLs in one run: the second connection resumes the session (Connection: close between them)`, async () => {
      const r = await runCommand(
        'curl',
        ['-sS', '--cacert', caFile, '--resolve', `localhost:${port}:127.0.0.1`, `--tlsv${version}`, '--tls-max', version, '--max-time', '10', '--noproxy', '*', `https://localhost:${port}/one`, `https://localhost:${port}/two`],
        { timeoutMs: 15_000 },
      );
      assert.equal(r.code, 0, r.stderr);
      const pages = r.stdout.split('</html>').filter((p) => p.includes('<html'));
      assert.equal(pages.length, 2, r.stdout.slice(0, 500));
      assert.match(pages[0] ?? '', new RegExp(`<th>Protocol</th><td>TLS ${version.replace('.', '\\.')}</td>`));
      assert.match(pages[0] ?? '', /<th>Resumed<\/th><td>no<\/td>/);
      const how = version === '1.3' ? 'a PSK from an earlier ticket' : 'the abbreviated handshake';
      assert.match(pages[1] ?? '', new RegExp(`<th>Resumed</th><td>yes: ${how}`), 'curl resumed the session on its second connection');
    });
  }

  it('lets openssl s_client -tls1_3 through, and verifies with the printed CA', async () => {
    const r = await runCommand('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-tls1_3', '-servername', 'localhost', '-CAfile', caFile, '-verify_return_error'], {
      timeoutMs: 15_000,
      input: 'GET / HTTP/1.0\r\n\r\n',
    });
    assert.match(r.stdout, /New, TLSv1\.3, Cipher is TLS_AES_128_GCM_SHA256/);
    assert.match(r.stdout, /Verify return code: 0 \(ok\)/);
  });

  it('tlskit connect verifies it with --cafile and reports JSON', async () => {
    const r = await tlskit(['connect', `localhost:${port}`, '--cafile', caFile, '--json', '--alpn', 'http/1.1']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as { ok: boolean; version: string; alpn: string; verification: { ok: boolean } };
    assert.equal(j.ok, true);
    assert.equal(j.version, 'TLS 1.3');
    assert.equal(j.alpn, 'http/1.1');
    assert.equal(j.verification.ok, true);
  });
});

describe('tlskit connect to openssl s_server', () => {
  let dir = '';
  let server: OpensslServer;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tlskit-cli-test-'));
    await runChecked(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
      { timeoutMs: 15_000 },
    );
    server = await startOpensslServer({ cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem'), tls13Only: true, mode: 'www', timeoutMs: 40_000 });
  });
  after(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints version and suite, and verifies OK with --cafile', async () => {
    const r = await tlskit(['connect', `localhost:${server.port}`, '--cafile', join(dir, 'cert.pem')], { input: 'GET / HTTP/1.0\r\n\r\n' });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /version +TLS 1\.3/);
    assert.match(r.stderr, /cipher suite +TLS_AES_(128|256)_GCM_SHA(256|384)/);
    assert.match(r.stderr, /Verification: OK/);
    assert.match(r.stdout, /HTTP\/1\.0 200 ok/);
  });

  it('fails without --cafile and explains the unknown CA', async () => {
    const r = await tlskit(['connect', `localhost:${server.port}`], { input: '' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /unknown_ca sent by us/);
    assert.match(r.stderr, /--cafile/);
  });

  it('--insecure warns loudly and connects; --json parses', async () => {
    const r = await tlskit(['connect', `127.0.0.1:${server.port}`, '--insecure', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /verification is DISABLED/);
    const j = JSON.parse(r.stdout) as { ok: boolean; cipher_suite: string; certificates: { subject: string; fingerprint_sha256: string }[]; verification: { enabled: boolean } };
    assert.equal(j.ok, true);
    assert.equal(j.verification.enabled, false);
    assert.equal(j.certificates[0]?.subject, 'CN=localhost');
    assert.match(j.certificates[0]?.fingerprint_sha256 ?? '', /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });

  it('a refused connection is explained', async () => {
    const r = await tlskit(['connect', '127.0.0.1:1']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /connection refused/);
  });
});
