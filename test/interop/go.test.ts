// Go's crypto/tls (Debian's golang-go, Go 1.19) as the peer on 127.0.0.1: a small Go program of
// ours (test/interop/go/peer.go, standard library only) is built once per run, then used as a
// client against the tlskit server and as a server for the tlskit client. TLS 1.3 both ways with
// X25519, P-256 and P-384 and ALPN, the second connection resuming with the first one's ticket
// (psk_dhe_ke). TLS 1.2 both ways: ECDHE-ECDSA-AES128-GCM; Go 1.19 has no extended_master_secret
// (RFC 7627), so neither side resumes its sessions: RFC 7627 §5.3, a session without it is not
// offered (client) and not resumed (server). HelloRetryRequest both ways (the server accepts only
// a group whose key share the client did not send), our client resuming across it (Go checks our
// second binder); Go 1.19.8's client gets its own second binder wrong (see that case) and is
// refused. Mutual TLS both ways, TLS 1.3 and 1.2 (the client certificate verified by the other
// side). Each process is bounded and killed.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tlskit from '../../src/node/index.js';
import { namedGroupName, signatureSchemeName } from '../../src/registry/names.js';
import { nodeCryptoProvider } from '../../src/crypto/node-provider.js';
import { generateCertificate } from '../../src/x509/generate.js';
import { findExecutable, killAllPeers, runCommand, spawnPeer, type Peer } from '../helpers/process.js';
import { bounded, localTlsFixture } from '../helpers/local-tls.js';

const here = dirname(fileURLToPath(import.meta.url));
/** peer.go lives in the source tree; the compiled test runs from dist/test/interop. */
const PEER_SOURCE = [resolve(here, 'go/peer.go'), resolve(here, '../../../test/interop/go/peer.go')];
const { pki, certFile, keyFile, caFile, closers, listen } = localTlsFixture('tlskit-go-');
after(() => killAllPeers());

interface GoConn {
  readonly version: string;
  readonly cipher: string;
  readonly resumed: boolean;
  readonly alpn: string;
  /** the Go server: the verified client certificate's CN, or '-' */
  readonly client: string;
}

function parseConns(stdout: string): GoConn[] {
  return [...stdout.matchAll(/^conn version=(\S+) cipher=(\S+) resumed=(true|false) alpn=(\S*) client=(\S+)$/gm)].map((m) => ({
    version: m[1]!,
    cipher: m[2]!,
    resumed: m[3] === 'true',
    alpn: m[4]!,
    client: m[5]!,
  }));
}

let peer = '';
before(async () => {
  const go = findExecutable('go');
  assert.ok(go !== undefined, 'the go toolchain is missing: .ci/run installs Debian\'s golang-go');
  const source = PEER_SOURCE.find((p) => existsSync(p));
  assert.ok(source !== undefined, `peer.go not found (looked in ${PEER_SOURCE.join(', ')})`);
  const out = mkdtempSync(join(tmpdir(), 'tlskit-go-build-'));
  closers.push(() => rmSync(out, { recursive: true, force: true }));
  peer = join(out, 'peer');
  const r = await runCommand(go, ['build', '-o', peer, source], {
    timeoutMs: 180_000,
    name: 'go build',
    cwd: dirname(source),
    // a private build cache and GOPATH; standard library only, so nothing is fetched
    env: { ...process.env, GOCACHE: join(out, 'cache'), GOPATH: join(out, 'gopath'), CGO_ENABLED: '0', GOFLAGS: '', GOPROXY: 'off' },
  });
  assert.equal(r.code, 0, `go build failed:\n${r.stderr}`);
});

interface Seen {
  readonly protocol: string | null;
  readonly group: string;
  readonly alpn: string | false | null;
  readonly reused: boolean;
  readonly hrr: boolean;
  readonly authorized: boolean;
  readonly peerCn: string | undefined;
}

/** A tlskit server (node adapter) that echoes and records each connection. */
async function tlskitServer(options: tlskit.TlsServerCreateOptions): Promise<{ port: number; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = tlskit.createServer({ key: pki.leaves.p256?.keyPem ?? '', cert: pki.chainPem('p256'), ALPNProtocols: ['http/1.1'], ...options }, (s) => {
    const n = s.negotiated;
    const cn = s.getPeerCertificate()?.subject?.CN;
    seen.push({
      protocol: s.getProtocol(),
      group: n.group === undefined ? '-' : namedGroupName(n.group),
      alpn: s.alpnProtocol,
      reused: s.isSessionReused(),
      hrr: n.helloRetryRequest,
      authorized: s.authorized,
      peerCn: typeof cn === 'string' ? cn : undefined,
    });
    s.on('data', (d: Buffer) => s.write(d));
    s.on('error', () => {});
  });
  server.on('tlsClientError', () => {});
  return { port: await listen(server), seen };
}

function runGoClient(port: number, args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runCommand(peer, ['client', '-port', String(port), '-ca', caFile, '-name', 'localhost', ...args], { timeoutMs: 20_000, name: 'go client' });
}

async function goClient(port: number, args: readonly string[]): Promise<GoConn[]> {
  const r = await runGoClient(port, args);
  assert.equal(r.code, 0, `go client failed:\n${r.stdout}\n${r.stderr}`);
  return parseConns(r.stdout);
}

describe('Go crypto/tls client → tlskit server', () => {
  for (const [curve, group] of [['X25519', 'x25519'], ['P256', 'secp256r1'], ['P384', 'secp384r1']] as const) {
    it(`TLS 1.3 ${curve}: full handshake, then resumed with its ticket; ALPN http/1.1`, { timeout: 30_000 }, async () => {
      const { port, seen } = await tlskitServer({});
      const conns = await goClient(port, ['-n', '2', '-curve', curve]);
      assert.deepEqual(
        conns.map((c) => [c.version, c.resumed, c.alpn]),
        [['TLSv1.3', false, 'http/1.1'], ['TLSv1.3', true, 'http/1.1']],
      );
      assert.deepEqual(
        seen.map((c) => [c.protocol, c.group, c.reused, c.alpn]),
        [['TLSv1.3', group, false, 'http/1.1'], ['TLSv1.3', group, true, 'http/1.1']],
      );
    });
  }

  it('RSA-2048 and Ed25519 server certificates: Go verifies our RSA-PSS / Ed25519 CertificateVerify (TLS 1.3) and our ECDHE-RSA signature (TLS 1.2)', { timeout: 30_000 }, async () => {
    const cases = [
      { kind: 'rsa2048', max: '1.3', scheme: /^rsa_pss_rsae_sha256$/ },
      { kind: 'ed25519', max: '1.3', scheme: /^ed25519$/ },
      { kind: 'rsa2048', max: '1.2', scheme: /^rsa_(pss_rsae|pkcs1)_sha256$/ },
    ] as const;
    for (const c of cases) {
      const leaf = generateCertificate({ subject: { CN: 'localhost' }, keyKind: c.kind, issuer: pki.intermediate, dnsNames: ['localhost'] }, nodeCryptoProvider);
      const schemes: string[] = [];
      const server = tlskit.createServer({ key: leaf.keyPem, cert: leaf.certPem + pki.intermediate.certPem }, (s) => {
        const sc = s.negotiated.localSignatureScheme;
        schemes.push(sc === undefined ? '-' : signatureSchemeName(sc));
        s.on('data', (d: Buffer) => s.write(d));
        s.on('error', () => {});
      });
      const port = await listen(server);
      const conns = await goClient(port, ['-n', '1', '-max', c.max]);
      assert.deepEqual(conns.map((x) => x.version), [`TLSv${c.max}`], `${c.kind} ${c.max}`);
      assert.match(schemes[0] ?? '', c.scheme, `${c.kind} ${c.max}`);
    }
  });

  it('TLS 1.2: ECDHE-ECDSA-AES128-GCM; a session without extended_master_secret is not resumed (RFC 7627 §5.3)', { timeout: 30_000 }, async () => {
    const { port, seen } = await tlskitServer({});
    const conns = await goClient(port, ['-n', '2', '-max', '1.2']);
    assert.deepEqual(
      conns.map((c) => [c.version, c.cipher, c.resumed, c.alpn]),
      [
        ['TLSv1.2', 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', false, 'http/1.1'],
        ['TLSv1.2', 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', false, 'http/1.1'],
      ],
    );
    assert.deepEqual(seen.map((c) => [c.protocol, c.reused]), [['TLSv1.2', false], ['TLSv1.2', false]]);
  });

  it('TLS 1.3 HelloRetryRequest: the server takes only P-384, Go\'s first ClientHello has an X25519 share; the PSK binder after it is checked', { timeout: 30_000 }, async () => {
    const { port, seen } = await tlskitServer({ ecdhCurve: 'P-384' });
    const r = await runGoClient(port, ['-n', '2']);
    const conns = parseConns(r.stdout);
    assert.deepEqual(conns[0], { ...conns[0], version: 'TLSv1.3', resumed: false }, r.stdout + r.stderr);
    assert.deepEqual(seen[0], { ...seen[0], protocol: 'TLSv1.3', group: 'secp384r1', hrr: true });
    // The second connection offers the ticket and meets the HelloRetryRequest again. Go 1.19.8's
    // client leaves the HelloRetryRequest out of its second binder's transcript (it writes it into
    // the handshake transcript instead: handshake_client_tls13.go, processHelloRetryRequest), so
    // the binder is wrong and RFC 8446 §4.2.11.2 says abort: we send decrypt_error (GnuTLS refuses
    // it too). A Go without that bug resumes.
    if (r.code === 0) {
      assert.deepEqual(conns.map((c) => [c.version, c.resumed]), [['TLSv1.3', false], ['TLSv1.3', true]]);
      assert.deepEqual([seen[1]?.reused, seen[1]?.hrr], [true, true]);
    } else {
      assert.match(r.stderr, /^connection 2: remote error: tls: error decrypting message$/m, r.stderr);
      assert.equal(seen.length, 1, 'no second connection was established');
    }
  });

  for (const max of ['1.3', '1.2'] as const) {
    it(`mutual TLS ${max}: Go's client certificate is asked for and verified`, { timeout: 30_000 }, async () => {
      const { port, seen } = await tlskitServer({ requestCert: true, rejectUnauthorized: true, ca: pki.root.certPem });
      const conns = await goClient(port, ['-n', '1', '-max', max, '-cert', certFile, '-key', keyFile]);
      assert.deepEqual(conns.map((c) => c.version), [`TLSv${max}`]);
      assert.deepEqual([seen[0]?.protocol, seen[0]?.authorized, seen[0]?.peerCn], [`TLSv${max}`, true, 'localhost']);
    });
  }
});

interface ClientResult {
  readonly session: Buffer | undefined;
  readonly reused: boolean;
  readonly protocol: string | null;
  readonly alpn: string | false | null;
  readonly hrr: boolean;
}

async function tlskitClient(port: number, extra: tlskit.ConnectionOptions): Promise<ClientResult> {
  const s = tlskit.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.root.certPem, ALPNProtocols: ['http/1.1'], ...extra });
  closers.push(() => s.destroy());
  let session: Buffer | undefined;
  s.on('session', (b: Buffer) => (session = b));
  let reply = '';
  const echoed = new Promise<void>((r) => s.on('data', (d: Buffer) => { reply += d.toString(); if (reply.includes('\n')) r(); }));
  await bounded(new Promise((r, j) => { s.once('secureConnect', r); s.once('error', j); }), 5000, 'handshake');
  s.write('hello go\n');
  await bounded(echoed, 5000, 'echo');
  assert.equal(reply, 'hello go\n');
  const r = { session, reused: s.isSessionReused(), protocol: s.getProtocol(), alpn: s.alpnProtocol, hrr: s.negotiated.helloRetryRequest };
  s.destroy();
  return r;
}

describe('tlskit client → Go crypto/tls server', () => {
  let server: Peer;
  let port = 0;
  const start = async (max: '1.2' | '1.3', extra: readonly string[] = []): Promise<void> => {
    server = spawnPeer(peer, ['server', '-cert', certFile, '-key', keyFile, '-max', max, ...extra], { timeoutMs: 60_000, name: `go server ${max}` });
    const [, p] = await server.waitFor(/^ready (\d+)$/m, 10_000, 'stdout');
    port = Number(p);
  };
  after(async () => server?.kill(500));

  it('TLS 1.3: full handshake with ALPN, then resumed with Go\'s ticket', { timeout: 30_000 }, async () => {
    await start('1.3');
    const first = await tlskitClient(port, {});
    assert.deepEqual([first.protocol, first.reused, first.alpn], ['TLSv1.3', false, 'http/1.1']);
    assert.ok(first.session !== undefined, 'a session from Go\'s NewSessionTicket');
    const second = await tlskitClient(port, { session: first.session });
    assert.deepEqual([second.protocol, second.reused, second.alpn], ['TLSv1.3', true, 'http/1.1']);
    await server.waitFor(/^conn version=TLSv1\.3 cipher=\S+ resumed=true alpn=http\/1\.1 client=-$/m, 3000, 'stdout');
    await server.kill(500);
  });

  it('TLS 1.2: ECDHE-ECDSA-AES128-GCM; Go\'s session has no extended_master_secret, so it is not offered again (RFC 7627 §5.3)', { timeout: 30_000 }, async () => {
    await start('1.2');
    const first = await tlskitClient(port, {});
    assert.deepEqual([first.protocol, first.reused, first.alpn], ['TLSv1.2', false, 'http/1.1']);
    const second = await tlskitClient(port, { session: first.session });
    assert.deepEqual([second.protocol, second.reused], ['TLSv1.2', false]);
    // Go's log lines reach us through a pipe: wait (bounded) until both are in
    await server.waitFor(/(^conn version=TLSv1\.2 \S+ resumed=false alpn=\S* client=-\n[\s\S]*){2}/m, 3000, 'stdout');
    assert.deepEqual(parseConns(server.stdout()).map((c) => [c.version, c.resumed]), [['TLSv1.2', false], ['TLSv1.2', false]]);
    await server.kill(500);
  });
  it('TLS 1.3 HelloRetryRequest: Go takes only P-256, our first ClientHello has no P-256 share; resumption across it (binder over message_hash + HRR)', { timeout: 30_000 }, async () => {
    await start('1.3', ['-curve', 'P256']);
    const first = await tlskitClient(port, { ecdhCurve: 'X25519:P-256' });
    assert.deepEqual([first.protocol, first.hrr, first.reused], ['TLSv1.3', true, false]);
    const second = await tlskitClient(port, { ecdhCurve: 'X25519:P-256', session: first.session });
    assert.deepEqual([second.protocol, second.hrr, second.reused], ['TLSv1.3', true, true]);
    await server.waitFor(/^conn version=TLSv1\.3 cipher=\S+ resumed=true alpn=http\/1\.1 client=-$/m, 3000, 'stdout');
    await server.kill(500);
  });

  for (const max of ['1.3', '1.2'] as const) {
    it(`mutual TLS ${max}: Go requires and verifies our client certificate`, { timeout: 30_000 }, async () => {
      await start(max, ['-client-ca', caFile]);
      const r = await tlskitClient(port, { cert: pki.chainPem('p256'), key: pki.leaves.p256?.keyPem ?? '' });
      assert.equal(r.protocol, `TLSv${max}`);
      await server.waitFor(/^conn version=\S+ cipher=\S+ resumed=false alpn=http\/1\.1 client=localhost$/m, 3000, 'stdout');
      await server.kill(500);
    });
  }
});
