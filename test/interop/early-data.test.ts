/**
 * TLS 1.3 0-RTT early data (RFC 8446 §2.3, §4.2.10, §8) across implementations on 127.0.0.1:
 * openssl s_client -sess_in -early_data → tlskit serve --early-data and the node adapter server;
 * tlskit client (node API and CLI) → openssl s_server -early_data and tlskit serve; and a replay
 * of a captured 0-RTT first flight (ClientHello + early data) refused, with single-use tickets
 * and with stateless tickets and the anti-replay record.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as net from 'node:net';
import * as tlskit from '../../src/node/index.js';
import { nodeCryptoProvider } from '../../src/crypto/node-provider.js';
import { ServerSessions } from '../../src/session/server-sessions.js';
import { TicketKeyring } from '../../src/session/ticket-keys.js';
import { cleanupPeersAfter, freePort, runCommand, sleep, spawnPeer, withTimeout, type Peer } from '../helpers/process.js';
import { findCli, startTlskitServe } from '../helpers/cli.js';
import { localTlsFixture } from '../helpers/local-tls.js';

const HOST = '127.0.0.1';
const EARLY = 'GET /early HTTP/1.0\r\n\r\n';
cleanupPeersAfter(after);
const { pki, dir, certFile, keyFile, caFile, interFile, closers } = localTlsFixture('tlskit-0rtt-');
const earlyFile = join(dir, 'early.txt');
writeFileSync(earlyFile, EARLY);

/**
 * openssl s_client -tls1_3 with `extra` options; stdin is closed shortly after the handshake, once
 * the server's tickets had time to arrive. Returns everything it printed.
 */
async function sClient(port: number, ca: string, extra: readonly string[]): Promise<string> {
  const p = spawnPeer('openssl', ['s_client', '-connect', `${HOST}:${port}`, '-servername', 'localhost', '-CAfile', ca, '-tls1_3', ...extra], {
    timeoutMs: 15_000,
    name: 's_client',
  });
  await p.waitFor(/Verify return code/, 10_000, 'stdout');
  await sleep(500);
  p.endInput();
  await p.wait(5000);
  return p.output();
}

async function listen(server: net.Server): Promise<number> {
  server.listen(0, HOST);
  await withTimeout(once(server, 'listening'), 5000, 'listen');
  closers.push(() => server.close());
  return (server.address() as net.AddressInfo).port;
}

/**
 * A TCP proxy in front of `port` that records what the client sends before the server's first
 * byte comes back: the client's first flight (ClientHello, CCS, 0-RTT records).
 */
async function recordingProxy(port: number): Promise<{ port: number; firstFlight: () => Buffer }> {
  const chunks: Buffer[] = [];
  let done = false;
  const proxy = net.createServer((inbound) => {
    const outbound = net.connect(port, HOST);
    inbound.on('data', (d: Buffer) => {
      if (!done) chunks.push(d);
      outbound.write(d);
    });
    outbound.on('data', (d: Buffer) => {
      done = true;
      inbound.write(d);
    });
    inbound.on('end', () => outbound.end());
    outbound.on('end', () => inbound.end());
    inbound.on('error', () => outbound.destroy());
    outbound.on('error', () => inbound.destroy());
    closers.push(() => {
      inbound.destroy();
      outbound.destroy();
    });
  });
  return { port: await listen(proxy), firstFlight: () => Buffer.concat(chunks) };
}

/** Sends `bytes` on a new TCP connection (an attacker replaying a recorded flight), waits a moment, closes. */
async function replay(port: number, bytes: Buffer): Promise<void> {
  const s = net.connect(port, HOST);
  closers.push(() => s.destroy());
  s.on('error', () => {});
  await withTimeout(once(s, 'connect'), 5000, 'replay connect');
  s.write(bytes);
  await sleep(700);
  s.destroy();
}

/** One tlskit client connection with the node API: handshake, optional write, end, reply. */
async function tlskitClient(port: number, extra: tlskit.ConnectionOptions): Promise<{ session: Buffer | undefined; accepted: boolean; reused: boolean; reply: string }> {
  const s = tlskit.connect({ host: HOST, port, servername: 'localhost', ca: pki.root.certPem, ...extra });
  closers.push(() => s.destroy());
  let session: Buffer | undefined;
  s.on('session', (b: Buffer) => (session = b));
  let reply = '';
  s.on('data', (d: Buffer) => (reply += d.toString()));
  await withTimeout(new Promise((r, j) => { s.once('secureConnect', r); s.once('error', j); }), 5000, 'handshake');
  const accepted = s.earlyDataAccepted;
  await sleep(200); // the tickets
  s.end();
  await withTimeout(new Promise((r) => { s.once('end', r); s.once('close', r); }), 5000, 'end');
  const reused = s.isSessionReused();
  s.destroy();
  return { session, accepted, reused, reply };
}

describe('0-RTT interop: openssl s_client → tlskit', () => {
  const CLI = findCli();
  let serve: Peer;
  let port = 0;
  let cliCa = '';
  before(async () => {
    ({ serve, port, caFile: cliCa } = await startTlskitServe(['--early-data'], { timeoutMs: 90_000, name: 'tlskit serve --early-data', env: { ...process.env, NO_COLOR: '1' } }));
  });
  after(async () => {
    await serve.kill(500);
  });

  it('s_client -sess_in -early_data → tlskit serve --early-data: "Early data was accepted", logged as early data, echoed; the ticket is single use', async () => {
    const sess = join(dir, 'serve-sess.pem');
    const first = await sClient(port, cliCa, ['-sess_out', sess]);
    assert.match(first, /New, TLSv1\.3/);
    assert.match(first, /Max Early Data: 16384/);
    const second = await sClient(port, cliCa, ['-sess_in', sess, '-early_data', earlyFile]);
    assert.match(second, /Reused, TLSv1\.3/);
    assert.match(second, /Early data was accepted/);
    assert.match(second, /GET \/early HTTP\/1\.0/, 'the echo of the early data');
    await serve.waitFor(/early data \(0-RTT, 23 bytes; it could be a replay\): "GET \/early HTTP\/1\.0"/, 5000, 'stderr');
    await serve.waitFor(/resumed 0-RTT=accepted/, 5000, 'stderr');
    // the same session again: the single-use ticket is gone, so no resumption and no 0-RTT
    const third = await sClient(port, cliCa, ['-sess_in', sess, '-early_data', earlyFile]);
    assert.match(third, /New, TLSv1\.3/);
    assert.match(third, /Early data was rejected/);
    assert.equal(serve.stderr().match(/early data \(0-RTT/g)?.length, 1, 'only the first early data was accepted');
  });

  it('tlskit connect --sess-in --early-data → tlskit serve --early-data: accepted, then refused on reuse', async () => {
    const sess = join(dir, 'cli-sess.pem');
    const cli = (args: readonly string[]) =>
      runCommand(process.execPath, [CLI, 'connect', `${HOST}:${port}`, '--servername', 'localhost', '--cafile', cliCa, ...args], {
        timeoutMs: 15_000,
        name: 'tlskit connect',
        env: { ...process.env, NO_COLOR: '1' },
        input: 'after\n',
      });
    const first = await cli(['--sess-out', sess]);
    assert.equal(first.code, 0, first.stderr);
    const second = await cli(['--sess-in', sess, '--early-data', earlyFile]);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /Session: resumed/);
    assert.match(second.stderr, /Early data: accepted \(23 bytes sent as 0-RTT data in the first flight\)/);
    assert.match(second.stdout, /GET \/early HTTP\/1\.0\r\n\r\nafter/);
    const third = await cli(['--sess-in', sess, '--early-data', earlyFile]);
    assert.equal(third.code, 0, third.stderr);
    assert.match(third.stderr, /Early data: rejected by the server \(23 bytes sent again after the handshake\)/);
    assert.match(third.stdout, /GET \/early HTTP\/1\.0/);
  });

  it('tlskit demo --resume --early-data: the 0-RTT flight in the ladder, accepted', async () => {
    const r = await runCommand(process.execPath, [CLI, 'demo', '--resume', '--early-data'], { timeoutMs: 20_000, name: 'tlskit demo', env: { ...process.env, NO_COLOR: '1' } });
    assert.equal(r.code, 0, r.stderr);
    const resumed = r.stdout.split(/^2\. Resumed handshake/m)[1] ?? '';
    assert.match(resumed, /client_early_traffic_secret ← Derive-Secret/);
    assert.match(resumed, /application_data \(0-RTT\) ─+→ {2}\[early keys\]/);
    assert.match(resumed, /early_data: accepted/);
    assert.match(resumed, /EndOfEarlyData ─+→ {2}\[early keys\]/);
    assert.match(r.stdout, /^Early data: accepted/m);
    const json = await runCommand(process.execPath, [CLI, 'demo', '--resume', '--early-data', '--json'], { timeoutMs: 20_000, name: 'tlskit demo' });
    assert.equal(json.code, 0, json.stderr);
    assert.equal((JSON.parse(json.stdout) as { early_data?: string }).early_data, 'accepted');
  });

  it('s_client -early_data → node adapter createServer({ earlyData: true }): socket.earlyData, earlyDataAccepted', async () => {
    const got: { early: string | undefined; accepted: boolean; read: string }[] = [];
    const server = tlskit.createServer({ key: pki.leaves.p256?.keyPem ?? '', cert: pki.chainPem('p256'), earlyData: true }, (s) => {
      const entry = { early: s.earlyData?.toString(), accepted: s.earlyDataAccepted, read: '' };
      got.push(entry);
      s.on('data', (d: Buffer) => {
        entry.read += d.toString();
        s.write(d);
      });
      s.on('error', () => {});
    });
    const p = await listen(server);
    const sess = join(dir, 'node-sess.pem');
    assert.match(await sClient(p, caFile, ['-sess_out', sess]), /New, TLSv1\.3/);
    const second = await sClient(p, caFile, ['-sess_in', sess, '-early_data', earlyFile]);
    assert.match(second, /Early data was accepted/);
    assert.deepEqual(got[1], { early: EARLY, accepted: true, read: EARLY });
  });
});

describe('0-RTT interop: tlskit client → openssl s_server -early_data', () => {
  it('accepted: s_server prints the data as early data; earlyDataAccepted', async () => {
    const port = await freePort();
    const server = spawnPeer(
      'openssl',
      ['s_server', '-accept', `${HOST}:${port}`, '-cert', certFile, '-cert_chain', interFile, '-key', keyFile, '-tls1_3', '-early_data', '-num_tickets', '2', '-max_early_data', '1024'],
      { timeoutMs: 30_000, name: 's_server -early_data' },
    );
    await server.waitFor(/ACCEPT/, 5000, 'stdout');
    const first = await tlskitClient(port, {});
    assert.equal(first.reused, false);
    assert.ok(first.session !== undefined, 'a ticket from s_server');
    const second = await tlskitClient(port, { session: first.session, earlyData: 'hello 0-RTT' });
    assert.equal(second.reused, true);
    assert.equal(second.accepted, true);
    // s_server prints the early data and its own lines through different buffers: check each
    await server.waitFor(/End of early data/, 5000, 'stdout');
    await server.waitFor(/hello 0-RTT/, 5000, 'stdout');
    const out = server.stdout();
    assert.match(out, /Early data received:/);
    assert.equal(out.match(/No early data received/g)?.length, 1, 'only the first connection had no early data');
    assert.match(out, /Reused session-id/);
    await server.kill(500);
  });
});

describe('0-RTT replay: a recorded first flight sent again is refused (RFC 8446 §8)', () => {
  async function replayCase(options: tlskit.TlsServerCreateOptions): Promise<string[]> {
    const early: string[] = [];
    const server = tlskit.createServer({ key: pki.leaves.p256?.keyPem ?? '', cert: pki.chainPem('p256'), ...options }, (s) => {
      s.on('data', () => {});
      s.on('error', () => {});
    });
    server.on('earlyData', (chunk: Buffer) => early.push(chunk.toString()));
    server.on('tlsClientError', () => {});
    const port = await listen(server);
    const first = await tlskitClient(port, {});
    const proxy = await recordingProxy(port);
    const second = await tlskitClient(proxy.port, { session: first.session, earlyData: 'transfer 100' });
    assert.equal(second.accepted, true);
    assert.deepEqual(early, ['transfer 100']);
    const flight = proxy.firstFlight();
    assert.ok(flight.includes(Buffer.from([0x14, 0x03, 0x03, 0x00, 0x01, 0x01])), 'the recorded flight has the CCS');
    await replay(port, flight);
    return early;
  }

  it('single-use tickets (createServer({ earlyData: true })): the replayed ClientHello finds no ticket', async () => {
    assert.deepEqual(await replayCase({ earlyData: true }), ['transfer 100'], 'the replayed early data is never delivered');
  });

  it('stateless tickets with the anti-replay record (ServerSessions, freshness window): the replay is refused', async () => {
    // window 1 s: the store's startup rule (RFC 8446 §8.2) refuses 0-RTT for 2 s after it started
    const sessions = new ServerSessions({ provider: nodeCryptoProvider, keys: new TicketKeyring({ provider: nodeCryptoProvider }), maxEarlyDataSize: 4096, earlyDataWindowMs: 1000 });
    await sleep(2100);
    assert.deepEqual(await replayCase({ sessions }), ['transfer 100']);
  });
});
