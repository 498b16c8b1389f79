// Go's crypto/tls (Debian's golang-go, Go 1.19) as the peer on 127.0.0.1: a small Go program of
// ours (test/interop/go/peer.go, standard library only) is built once per run, then used as a
// client against the tlskit server and as a server for the tlskit client. TLS 1.3 both ways with
// X25519, P-256 and P-384 and ALPN, the second connection resuming with the first one's ticket
// (psk_dhe_ke). TLS 1.2 both ways: ECDHE-ECDSA-AES128-GCM; Go 1.19 has no extended_master_secret
// (RFC 7627), so neither side resumes its sessions: RFC 7627 §5.3, a session without it is not
// offered (client) and not resumed (server). Each process is bounded and killed.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tlskit from '../../src/node/index.js';
import { namedGroupName } from '../../src/registry/names.js';
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
}

function parseConns(stdout: string): GoConn[] {
  return [...stdout.matchAll(/^conn version=(\S+) cipher=(\S+) resumed=(true|false) alpn=(\S*)$/gm)].map((m) => ({
    version: m[1]!,
    cipher: m[2]!,
    resumed: m[3] === 'true',
    alpn: m[4]!,
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
}

/** A tlskit server (node adapter) that echoes and records each connection. */
async function tlskitServer(options: tlskit.TlsServerCreateOptions): Promise<{ port: number; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = tlskit.createServer({ key: pki.leaves.p256?.keyPem ?? '', cert: pki.chainPem('p256'), ALPNProtocols: ['http/1.1'], ...options }, (s) => {
    const n = s.negotiated;
    seen.push({ protocol: s.getProtocol(), group: n.group === undefined ? '-' : namedGroupName(n.group), alpn: s.alpnProtocol, reused: s.isSessionReused() });
    s.on('data', (d: Buffer) => s.write(d));
    s.on('error', () => {});
  });
  server.on('tlsClientError', () => {});
  return { port: await listen(server), seen };
}

async function goClient(port: number, args: readonly string[]): Promise<GoConn[]> {
  const r = await runCommand(peer, ['client', '-port', String(port), '-ca', caFile, '-name', 'localhost', ...args], { timeoutMs: 20_000, name: 'go client' });
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
});

interface ClientResult {
  readonly session: Buffer | undefined;
  readonly reused: boolean;
  readonly protocol: string | null;
  readonly alpn: string | false | null;
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
  const r = { session, reused: s.isSessionReused(), protocol: s.getProtocol(), alpn: s.alpnProtocol };
  s.destroy();
  return r;
}

describe('tlskit client → Go crypto/tls server', () => {
  let server: Peer;
  let port = 0;
  const start = async (max: '1.2' | '1.3'): Promise<void> => {
    server = spawnPeer(peer, ['server', '-cert', certFile, '-key', keyFile, '-max', max], { timeoutMs: 60_000, name: `go server ${max}` });
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
    await server.waitFor(/^conn version=TLSv1\.3 cipher=\S+ resumed=true alpn=http\/1\.1$/m, 3000, 'stdout');
    await server.kill(500);
  });

  it('TLS 1.2: ECDHE-ECDSA-AES128-GCM; Go\'s session has no extended_master_secret, so it is not offered again (RFC 7627 §5.3)', { timeout: 30_000 }, async () => {
    await start('1.2');
    const first = await tlskitClient(port, {});
    assert.deepEqual([first.protocol, first.reused, first.alpn], ['TLSv1.2', false, 'http/1.1']);
    const second = await tlskitClient(port, { session: first.session });
    assert.deepEqual([second.protocol, second.reused], ['TLSv1.2', false]);
    // Go's log lines reach us through a pipe: wait (bounded) until both are in
    await server.waitFor(/(^conn version=TLSv1\.2 \S+ resumed=false alpn=\S*\n[\s\S]*){2}/m, 3000, 'stdout');
    assert.deepEqual(parseConns(server.stdout()).map((c) => [c.version, c.resumed]), [['TLSv1.2', false], ['TLSv1.2', false]]);
    await server.kill(500);
  });
});
