/**
 * A fleet of servers (issue 5): three `tlskit serve` processes on different ports — what a load
 * balancer would spread clients over — sharing one real redis-server on 127.0.0.1 and one ticket
 * secret (`--redis`, `--ticket-secret`, `--ticket-rotation 2`, `--ticket-key-lifetime 6`), with
 * 0-RTT on (`--early-data`).
 *
 *   stateless tickets   a session from A resumes on B and C (tlskit client, openssl -sess_out/-sess_in;
 *                       TLS 1.3 PSK, TLS 1.2 ticket, TLS 1.2 session ID through the Redis cache);
 *   (+ ClientHello      keys rotate in lockstep every 2 s: a ticket from before the rotation still
 *   records in Redis)   resumes elsewhere after it, one older than the key lifetime does not;
 *                       0-RTT accepted by A, the recorded first flight replayed raw to B and C:
 *                       resumed but its early data never delivered; losing Redis costs stateless
 *                       resumption nothing but refuses 0-RTT (and TLS 1.2 session IDs), until
 *                       2 × window after it is back.
 *   stateful tickets    single use across the fleet (used on A → refused on B; three servers racing
 *                       on one ticket → exactly one resumes); the replayed 0-RTT flight finds no
 *                       ticket; Redis killed → full handshakes everywhere, no ticket issued, no
 *                       0-RTT, no error, no crash (also when Redis hangs: commands time out);
 *                       Redis restarted (empty) → old tickets refused,
 *                       new sessions resume across the fleet again.
 *   control             a 0-RTT first flight captured by a black hole (never used) is accepted
 *                       when sent raw to B — its data delivered — so the replay path can fail.
 *
 * Processes are bounded (spawnPeer hard timeouts) and always killed (cleanupPeersAfter).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tlskit from '../../src/node/index.js';
import { nodeCryptoProvider as provider } from '../../src/crypto/node-provider.js';
import { decodeClientSession } from '../../src/handshake/resumption13.js';
import { TicketKeyring } from '../../src/session/ticket-keys.js';
import { toHex } from '../../src/wire/bytes.js';
import { generateTestPki } from '../../src/x509/generate.js';
import { decodeServerHello } from '../../src/messages/server-hello.js';
import { ExtensionType } from '../../src/registry/codepoints.js';
import { findCli } from '../helpers/cli.js';
import { recordTypes, replayRaw, startFlightRecorder } from '../helpers/flight-recorder.js';
import { cleanupPeersAfter, findExecutable, freePort, sleep, spawnPeer, withTimeout, type Peer } from '../helpers/process.js';
import { haveRedis, startRedis } from '../helpers/redis.js';

cleanupPeersAfter(after);

const HOST = '127.0.0.1';
const ROTATION_S = 2;
const KEY_LIFETIME_S = 6; // three epochs
/** --early-data-window of the stateless fleet: 0-RTT needs the store intact for 2 × this (RFC 8446 §8.2). */
const WINDOW_S = 2;
const RECORD_APPLICATION_DATA = 23;
const haveOpenssl = findExecutable('openssl') !== undefined;

let dir: string;
let certFile: string;
let keyFile: string;
let caFile: string;
let caPem: string;
let secretFile: string;
let secret: Uint8Array;
let redisPort: number;
let redis: Peer | undefined;

interface Member {
  readonly name: string;
  readonly peer: Peer;
  readonly port: number;
}

/** One fleet member: `tlskit serve` on a port of its choosing, sharing the Redis and the secret. */
async function startMember(name: string, extra: readonly string[]): Promise<Member> {
  const args = [
    findCli(), 'serve', '--port', '0', '--cert', certFile, '--key', keyFile,
    '--redis', `${HOST}:${redisPort}`, '--ticket-secret', secretFile,
    '--ticket-rotation', String(ROTATION_S), '--ticket-key-lifetime', String(KEY_LIFETIME_S), ...extra,
  ];
  const peer = spawnPeer(process.execPath, args, { name: `tlskit serve ${name}`, timeoutMs: 120_000, env: { ...process.env, NO_COLOR: '1' } });
  const m = await peer.waitFor(/listening on 127\.0\.0\.1:(\d+)/, 30_000, 'stdout');
  return { name, peer, port: Number(m[1]) };
}

async function startFleet(extra: readonly string[]): Promise<Member[]> {
  return Promise.all(['A', 'B', 'C'].map((n) => startMember(n, extra)));
}

/** Every member still runs and printed no crash (uncaught exception, stack trace). */
function assertHealthy(fleet: readonly Member[]): void {
  for (const m of fleet) {
    assert.ok(m.peer.isRunning(), `${m.name} is still running\n${m.peer.output()}`);
    assert.doesNotMatch(m.peer.stderr(), /Uncaught|Unhandled|TypeError|RangeError|ReferenceError|\n\s+at .*:\d+:\d+/, `${m.name} printed no crash`);
  }
}

interface Round {
  readonly reused: boolean;
  /** The sessions from this connection's NewSessionTickets, in order. */
  readonly sessions: readonly Buffer[];
  readonly earlyDataAccepted: boolean;
}

/**
 * A tlskit client connection: handshake (resuming `session` if given), one echoed message, close.
 * With `earlyData` that message goes as 0-RTT data (resent after the handshake when refused).
 */
async function round(m: { readonly name: string; readonly port: number }, session?: Buffer, earlyData?: string, tls12 = false): Promise<Round> {
  const s = tlskit.connect({
    host: HOST,
    port: m.port,
    servername: 'localhost',
    ca: caPem,
    ...(tls12 ? { maxVersion: 'TLSv1.2' as const } : {}),
    ...(session === undefined ? {} : { session }),
    ...(earlyData === undefined ? {} : { earlyData }),
  });
  const sessions: Buffer[] = [];
  s.on('session', (b: Buffer) => sessions.push(b));
  const message = earlyData ?? 'ping';
  try {
    await withTimeout(once(s, 'secureConnect'), 15_000, `handshake with ${m.name}`);
    if (earlyData === undefined) s.write(message);
    // The server sends its NewSessionTickets right after the handshake, so they arrive before the echo.
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        let got = '';
        s.on('data', (d: Buffer) => {
          got += d.toString();
          if (got === message) resolve();
        });
        s.once('error', reject);
        s.once('close', () => reject(new Error(`${m.name} closed before echoing`)));
      }),
      15_000,
      `echo from ${m.name}`,
    );
    return { reused: s.isSessionReused(), sessions, earlyDataAccepted: s.earlyDataAccepted };
  } finally {
    s.destroy();
  }
}

/** `openssl s_client -tls1_3` (or `version`) with `sessArgs` (-sess_out/-sess_in FILE); one echoed line; its stdout. */
async function sClient(m: Member, sessArgs: readonly string[], version = '-tls1_3'): Promise<string> {
  const p = spawnPeer('openssl', ['s_client', '-connect', `${HOST}:${m.port}`, '-servername', 'localhost', '-CAfile', caFile, version, ...sessArgs], {
    name: `openssl s_client → ${m.name}`,
    timeoutMs: 20_000,
  });
  await p.waitFor(/Verify return code/, 15_000, 'stdout');
  await p.write('ping\n');
  await p.waitFor(/^ping$/m, 15_000, 'stdout'); // after the tickets (see round())
  p.endInput();
  await p.wait(5000);
  return p.stdout();
}

/** The derived key name of the epoch that holds instant `t`, as every fleet member computes it. */
function keyNameAt(t: number): string {
  const keys = new TicketKeyring({ provider, secret, rotationPeriodMs: ROTATION_S * 1000, lifetimeMs: KEY_LIFETIME_S * 1000, now: () => t });
  return toHex(keys.current().name);
}

/** The epoch whose key sealed a stateless ticket (its first 16 bytes are the key_name, RFC 5077 §4). */
function epochOf(session: Buffer): number {
  const name = toHex(decodeClientSession(new Uint8Array(session)).ticket.subarray(0, 16));
  const now = Math.floor(Date.now() / (ROTATION_S * 1000));
  for (let e = now + 1; e >= now - 5; e--) if (keyNameAt(e * ROTATION_S * 1000) === name) return e;
  return assert.fail('the ticket is not sealed with a key derived from the fleet secret');
}

/**
 * The first flight (ClientHello, CCS, 0-RTT records) of a tlskit client resuming `session` with
 * `earlyData`, captured by a black hole: it never reaches a server, so the ticket stays unused.
 */
async function captureFirstFlight(session: Buffer, earlyData: string): Promise<Buffer> {
  const hole = await startFlightRecorder(undefined);
  const s = tlskit.connect({ host: HOST, port: hole.port, servername: 'localhost', ca: caPem, session, earlyData });
  s.on('error', () => undefined);
  try {
    return await hole.waitFor((f) => recordTypes(f).includes(RECORD_APPLICATION_DATA), 10_000, 'the 0-RTT first flight');
  } finally {
    s.destroy();
    await hole.close();
  }
}

/** Whether the first record of a server's answer is a ServerHello that selected a PSK (RFC 8446 §4.2.11). */
function serverHelloSelectsPsk(response: Buffer): boolean {
  assert.ok(response.length > 9 && response[0] === 22 && response[5] === 2, 'the server answered with a ServerHello');
  const len = response.readUInt16BE(3);
  const hs = response.subarray(5, 5 + len);
  const body = hs.subarray(4, 4 + hs.readUIntBE(1, 3));
  return decodeServerHello(new Uint8Array(body)).extensions.some((e) => e.type === ExtensionType.pre_shared_key);
}

const count = (text: string, re: RegExp): number => text.match(re)?.length ?? 0;

/**
 * An attacker replays a recorded first flight to `m` on a raw TCP connection (it cannot finish the
 * handshake). Resolves once `m` gave the connection up, with what `m` logged meanwhile (its
 * application's view: an "early data (0-RTT …)" line when 0-RTT data was delivered) and whether
 * its ServerHello resumed the session.
 */
async function replayTo(m: Member, flight: Buffer): Promise<{ log: string; resumed: boolean }> {
  const from = m.peer.stderr().length;
  const failed = count(m.peer.stderr(), /handshake failed/g);
  const response = await replayRaw(m.port, flight);
  const end = Date.now() + 10_000;
  while (count(m.peer.stderr(), /handshake failed/g) <= failed) {
    assert.ok(Date.now() < end, `${m.name} ends the replayed connection`);
    await sleep(50);
  }
  return { log: m.peer.stderr().slice(from), resumed: serverHelloSelectsPsk(response) };
}

/** The 0-RTT replay checks, the same for both anti-replay mechanisms. */
function replayTests(fleetOf: () => readonly Member[], replayResumes: boolean, ready: () => Promise<void>): void {
  it('0-RTT data accepted by A; the same first flight replayed to B and to C is refused (never delivered)', async () => {
    await ready();
    const [a, b, c] = fleetOf() as [Member, Member, Member];
    const t = (await round(a)).sessions[0]!;
    assert.ok(decodeClientSession(new Uint8Array(t)).maxEarlyDataSize > 0, 'the ticket allows 0-RTT');
    const recorder = await startFlightRecorder(a.port);
    let flight: Buffer;
    try {
      const r = await round({ name: 'A via the recorder', port: recorder.port }, t, 'GET /once');
      assert.equal(r.reused, true);
      assert.equal(r.earlyDataAccepted, true, 'A accepted the 0-RTT data');
      flight = recorder.flight();
    } finally {
      await recorder.close();
    }
    await a.peer.waitFor(/early data \(0-RTT, 9 bytes[^\n]*GET \/once/, 5000, 'stderr');
    const types = recordTypes(flight);
    assert.equal(types[0], 22, 'the recorded flight starts with the ClientHello');
    assert.ok(types.includes(RECORD_APPLICATION_DATA), `the recorded flight holds the 0-RTT record (${types.join(',')})`);
    for (const m of [b, c]) {
      const r = await replayTo(m, flight);
      assert.doesNotMatch(r.log, /early data \(0-RTT/, `${m.name} delivered no early data`);
      assert.equal(r.resumed, replayResumes, `${m.name} ${replayResumes ? 'resumed the PSK but refused its 0-RTT data' : 'found no ticket (single use)'}`);
    }
    assertHealthy(fleetOf());
  });

  it('control: a first flight never sent before is accepted by B (its 0-RTT data delivered), and replayed to C refused', async () => {
    await ready();
    const [a, b, c] = fleetOf() as [Member, Member, Member];
    const t = (await round(a)).sessions[0]!;
    const flight = await captureFirstFlight(t, 'GET /raw');
    const onB = await replayTo(b, flight);
    assert.match(onB.log, /early data \(0-RTT, 8 bytes[^\n]*GET \/raw/, 'B delivered the 0-RTT data of a first use (so the replay path can deliver it)');
    assert.equal(onB.resumed, true);
    const onC = await replayTo(c, flight);
    assert.doesNotMatch(onC.log, /early data \(0-RTT/, 'C refused the replay');
    assert.equal(onC.resumed, replayResumes);
    assertHealthy(fleetOf());
  });
}

const epochStart = (e: number): number => e * ROTATION_S * 1000;
const sleepUntil = (t: number): Promise<void> => sleep(Math.max(0, t - Date.now()));

/** Waits (bounded) until `m` logged a line matching `re` after stderr offset `from`. */
async function logged(m: Member, from: number, re: RegExp, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!re.test(m.peer.stderr().slice(from))) {
    assert.ok(Date.now() < end, `${m.name}: ${what} (not within ${ms} ms)\n${m.peer.stderr().slice(from)}`);
    await sleep(50);
  }
}

/** Where each member's log is now. */
const marks = (fleet: readonly Member[]): number[] => fleet.map((m) => m.peer.stderr().length);

async function killRedis(fleet: readonly Member[]): Promise<void> {
  const r = redis!;
  redis = undefined;
  const from = marks(fleet);
  process.kill(-r.pid, 'SIGKILL'); // a crash, not a clean shutdown
  await r.exited;
  // every member notices (its connection closes) and says so once
  await Promise.all(fleet.map((m, i) => logged(m, from[i]!, /: unavailable \(/, 10_000, 'notices Redis is gone')));
}

async function restartRedis(fleet: readonly Member[]): Promise<void> {
  const from = marks(fleet);
  redis = await startRedis(redisPort, 120_000);
  // each member reconnects by itself (backoff ≤ 1 s)
  await Promise.all(fleet.map((m, i) => logged(m, from[i]!, /: connected/, 10_000, 'reconnects to Redis')));
}

describe('a fleet of three tlskit serve processes sharing one redis-server', { skip: haveRedis ? false : 'redis-server not installed (.ci/run installs it)', timeout: 120_000 }, () => {
  before(async () => {
    const pki = generateTestPki(provider, { keyKinds: ['p256'] });
    dir = mkdtempSync(join(tmpdir(), 'tlskit-fleet-'));
    certFile = join(dir, 'cert.pem');
    keyFile = join(dir, 'key.pem');
    caFile = join(dir, 'ca.pem');
    secretFile = join(dir, 'ticket.secret');
    caPem = pki.root.certPem;
    secret = provider.randomBytes(32);
    writeFileSync(certFile, pki.chainPem('p256'));
    writeFileSync(keyFile, pki.leaves.p256?.keyPem ?? '', { mode: 0o600 });
    writeFileSync(caFile, caPem);
    writeFileSync(secretFile, `${toHex(secret)}\n`, { mode: 0o600 });
    redisPort = await freePort();
    redis = await startRedis(redisPort, 120_000);
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  describe('stateless tickets, keys derived from the shared secret; 0-RTT with ClientHello records in Redis', () => {
    let fleet: Member[] = [];
    let startedAt = 0;
    before(async () => {
      fleet = await startFleet(['--early-data', '--early-data-stateless', '--early-data-window', String(WINDOW_S)]);
      startedAt = Date.now();
    });
    after(async () => {
      await Promise.all(fleet.map((m) => m.peer.kill()));
    });

    it('a session from A resumes on B and on C (tlskit client)', async () => {
      const [a, b, c] = fleet as [Member, Member, Member];
      const first = await round(a);
      assert.equal(first.reused, false);
      assert.equal(first.sessions.length, 2, 'two NewSessionTickets');
      const s = first.sessions[0]!;
      assert.equal((await round(b, s)).reused, true, 'resumed on B');
      assert.equal((await round(c, s)).reused, true, 'resumed on C (a stateless ticket is reusable)');
      await b.peer.waitFor(/TLS 1\.3 .* resumed/, 5000, 'stderr');
      await c.peer.waitFor(/TLS 1\.3 .* resumed/, 5000, 'stderr');
      assertHealthy(fleet);
    });

    it('openssl s_client -sess_out on A, -sess_in on B and on C: Reused', { skip: haveOpenssl ? false : 'openssl not installed' }, async () => {
      const [a, b, c] = fleet as [Member, Member, Member];
      const sess = join(dir, 'openssl-stateless.sess');
      assert.match(await sClient(a, ['-sess_out', sess]), /New, TLSv1\.3/);
      assert.match(await sClient(b, ['-sess_in', sess]), /Reused, TLSv1\.3/);
      assert.match(await sClient(c, ['-sess_in', sess]), /Reused, TLSv1\.3/);
    });

    it('TLS 1.2: a session from A resumes on B and on C — by RFC 5077 ticket (tlskit client, openssl) and by session ID through Redis (openssl -no_ticket)', async () => {
      const [a, b, c] = fleet as [Member, Member, Member];
      const first = await round(a, undefined, undefined, true);
      assert.equal(first.reused, false);
      const s = first.sessions[0];
      assert.ok(s !== undefined, 'a TLS 1.2 session');
      assert.equal((await round(b, s, undefined, true)).reused, true, 'resumed on B (ticket sealed with the shared keys)');
      assert.equal((await round(c, s, undefined, true)).reused, true, 'and on C');
      if (!haveOpenssl) return;
      const ticket = join(dir, 'openssl-tls12-ticket.sess');
      assert.match(await sClient(a, ['-sess_out', ticket], '-tls1_2'), /New, TLSv1\.2/);
      assert.match(await sClient(b, ['-sess_in', ticket], '-tls1_2'), /Reused, TLSv1\.2/);
      assert.match(await sClient(c, ['-sess_in', ticket], '-tls1_2'), /Reused, TLSv1\.2/);
      const sid = join(dir, 'openssl-tls12-sid.sess');
      assert.match(await sClient(a, ['-no_ticket', '-sess_out', sid], '-tls1_2'), /New, TLSv1\.2/);
      assert.match(await sClient(b, ['-no_ticket', '-sess_in', sid], '-tls1_2'), /Reused, TLSv1\.2/, 'session ID found in the shared Redis cache');
      assert.match(await sClient(c, ['-no_ticket', '-sess_in', sid], '-tls1_2'), /Reused, TLSv1\.2/);
      assertHealthy(fleet);
    });

    it('ticket keys rotate across all three without breaking resumption; past the key lifetime a ticket no longer resumes', async () => {
      const [a, b, c] = fleet as [Member, Member, Member];
      // start right after an epoch boundary, so the checks below have the most room
      await sleepUntil(epochStart(Math.floor(Date.now() / (ROTATION_S * 1000)) + 1) + 100);
      const old = (await round(a)).sessions[0]!;
      const e = epochOf(old);

      // the next epoch: every server seals with the next key, the old one still opens everywhere
      await sleepUntil(epochStart(e + 1) + 150);
      const onB = await round(b, old);
      assert.equal(onB.reused, true, 'a ticket from before the rotation resumes on B after it');
      const fresh = onB.sessions[0]!;
      const e2 = epochOf(fresh);
      assert.ok(e2 > e, `B seals with a newer key after the rotation (epochs ${e} → ${e2})`);
      assert.equal((await round(c, old)).reused, true, 'and on C');
      assert.equal((await round(c, fresh)).reused, true, "B's ticket under the new key resumes on C");
      assert.ok(Date.now() < epochStart(e) + KEY_LIFETIME_S * 1000, 'the checks above ran inside the old key lifetime (machine too slow?)');

      // the old key's lifetime is over on every server: full handshake (no error); the newer key still opens
      await sleepUntil(epochStart(e) + KEY_LIFETIME_S * 1000 + 150);
      const late = await round(b, old);
      assert.equal(late.reused, false, 'a ticket older than the key lifetime does not resume');
      assert.equal(late.sessions.length, 2, 'the full handshake issues new tickets');
      if (Date.now() < epochStart(e2) + KEY_LIFETIME_S * 1000 - 500) {
        assert.equal((await round(a, fresh)).reused, true, 'a ticket under a live key still resumes on A');
      }
      assertHealthy(fleet);
    });

    // RFC 8446 §8.2: no 0-RTT until the record store has been intact for 2 × window
    replayTests(() => fleet, true, () => sleepUntil(startedAt + 2 * WINDOW_S * 1000 + 300));

    it('Redis lost: stateless tickets still resume across the fleet, 0-RTT is refused; Redis back: 0-RTT again after 2 × window', async () => {
      const [a, b, c] = fleet as [Member, Member, Member];
      await sleepUntil(startedAt + 2 * WINDOW_S * 1000 + 300);
      const [s1, s2] = (await round(a)).sessions as [Buffer, Buffer];
      const sid12 = join(dir, 'openssl-tls12-sid-down.sess');
      const ticket12 = join(dir, 'openssl-tls12-ticket-down.sess');
      if (haveOpenssl) {
        assert.match(await sClient(a, ['-no_ticket', '-sess_out', sid12], '-tls1_2'), /New, TLSv1\.2/);
        assert.match(await sClient(a, ['-sess_out', ticket12], '-tls1_2'), /New, TLSv1\.2/);
      }
      await killRedis(fleet);
      const down = await round(b, s1, 'GET /down');
      assert.equal(down.reused, true, 'resumed on B without Redis (stateless tickets need no store)');
      assert.equal(down.earlyDataAccepted, false, 'but no 0-RTT: no record of ClientHellos can be kept');
      await b.peer.waitFor(/resumed 0-RTT=rejected \(starting\)/, 5000, 'stderr');
      const during = await round(a);
      assert.equal(during.sessions.length, 2, 'stateless tickets are still issued');
      if (haveOpenssl) {
        // TLS 1.2: the session-ID cache lives in Redis (→ full handshake), tickets do not
        assert.match(await sClient(c, ['-no_ticket', '-sess_in', sid12], '-tls1_2'), /New, TLSv1\.2/, 'session ID: full handshake without Redis');
        assert.match(await sClient(c, ['-sess_in', ticket12], '-tls1_2'), /Reused, TLSv1\.2/, 'TLS 1.2 ticket: resumed without Redis');
      }

      await restartRedis(fleet);
      const restartedAt = Date.now();
      const early = await round(c, s2, 'GET /early');
      assert.equal(early.reused, true);
      if (Date.now() < restartedAt + 2 * WINDOW_S * 1000 - 200) {
        assert.equal(early.earlyDataAccepted, false, 'no 0-RTT right after the store reconnected (RFC 8446 §8.2)');
      }
      await sleepUntil(restartedAt + 2 * WINDOW_S * 1000 + 300);
      const fresh = (await round(a)).sessions[0]!;
      const again = await round(b, fresh, 'GET /again');
      assert.equal(again.earlyDataAccepted, true, '0-RTT accepted again once the window has passed');
      assertHealthy(fleet);
    });
  });

  describe('stateful single-use tickets in Redis (--stateful-tickets --early-data)', () => {
    let fleet: Member[] = [];
    before(async () => {
      fleet = await startFleet(['--stateful-tickets', '--early-data']);
    });
    after(async () => {
      await Promise.all(fleet.map((m) => m.peer.kill()));
    });

    it('a ticket from A resumes once on B; used again on C it is refused (full handshake); a ticket used on A is refused on B', async () => {
      const [a, b, c] = fleet as [Member, Member, Member];
      const first = await round(a);
      assert.equal(first.sessions.length, 2);
      const [t1, t2] = first.sessions as [Buffer, Buffer];
      assert.equal(decodeClientSession(new Uint8Array(t1)).ticket.length, 32, 'a stateful ticket is a 32-byte handle');
      assert.equal((await round(b, t1)).reused, true, 'resumed on B through Redis');
      const again = await round(c, t1);
      assert.equal(again.reused, false, 'single use across the fleet: refused on C');
      assert.equal(again.sessions.length, 2, 'a full handshake, with new tickets');
      assert.equal((await round(a, t2)).reused, true, 'used on A');
      assert.equal((await round(b, t2)).reused, false, 'then refused on B');
      assertHealthy(fleet);
    });

    it('three servers racing on one ticket: exactly one resumes', async () => {
      const [a] = fleet as [Member, Member, Member];
      const t = (await round(a)).sessions[0]!;
      const results = await Promise.all(fleet.map((m) => round(m, t)));
      assert.equal(results.filter((r) => r.reused).length, 1, `reused: ${results.map((r) => r.reused).join(', ')}`);
    });

    it('openssl s_client: -sess_out on A, -sess_in on B is Reused, the same session on C is New', { skip: haveOpenssl ? false : 'openssl not installed' }, async () => {
      const [a, b, c] = fleet as [Member, Member, Member];
      const sess = join(dir, 'openssl-stateful.sess');
      assert.match(await sClient(a, ['-sess_out', sess]), /New, TLSv1\.3/);
      assert.match(await sClient(b, ['-sess_in', sess]), /Reused, TLSv1\.3/);
      assert.match(await sClient(c, ['-sess_in', sess]), /New, TLSv1\.3/);
    });

    replayTests(() => fleet, false, () => Promise.resolve());

    it('Redis hung (SIGSTOP): handshakes still complete — its commands time out and fail closed: full handshake, no ticket, no 0-RTT; SIGCONT: resumption again', async () => {
      const [a, b, c] = fleet as [Member, Member, Member];
      const t = (await round(a)).sessions[0]!;
      const from = marks(fleet);
      process.kill(-redis!.pid, 'SIGSTOP');
      try {
        const t0 = Date.now();
        const r = await round(b, t, 'GET /hung');
        assert.equal(r.reused, false, 'the ticket cannot be taken: full handshake');
        assert.equal(r.earlyDataAccepted, false, 'no 0-RTT');
        assert.equal(r.sessions.length, 0, 'no ticket can be stored');
        assert.ok(Date.now() - t0 < 8000, `bounded by the command timeouts (${Date.now() - t0} ms)`);
        await logged(b, from[1]!, /: unavailable \(command timed out/, 5000, 'says the Redis commands timed out');
      } finally {
        process.kill(-redis!.pid, 'SIGCONT');
      }
      // recovery (B reconnects by itself; a late GETDEL of the timed-out take only deletes the ticket: the safe side)
      const end = Date.now() + 10_000;
      for (;;) {
        const s = (await round(a)).sessions[0];
        if (s !== undefined && (await round(b, s)).reused) break;
        assert.ok(Date.now() < end, 'resumption through Redis recovers after SIGCONT');
        await sleep(200);
      }
      assert.equal((await round(c, (await round(b)).sessions[0])).reused, true);
      assertHealthy(fleet);
    });

    it('Redis killed: full handshakes on every server, no ticket issued, no 0-RTT, no error, no crash; restarted: new sessions resume again', async () => {
      const [a, b, c] = fleet as [Member, Member, Member];
      const before1 = (await round(a)).sessions;
      assert.equal(before1.length, 2);
      await killRedis(fleet);

      const down = await Promise.all([round(b, before1[0], 'GET /down'), round(c, before1[1]), round(a)]);
      for (const r of down) {
        assert.equal(r.reused, false, 'full handshake while Redis is down');
        assert.equal(r.earlyDataAccepted, false, 'no 0-RTT');
        assert.equal(r.sessions.length, 0, 'no stateful ticket can be stored, so none is sent');
      }
      assertHealthy(fleet);

      await restartRedis(fleet);
      // the restarted Redis is empty (no persistence): tickets from before are gone, safely
      assert.equal((await round(b, before1[0])).reused, false, 'a ticket lost with Redis does not resume');
      const after1 = await round(a);
      assert.equal(after1.sessions.length, 2, 'tickets are issued again');
      assert.equal((await round(b, after1.sessions[0])).reused, true, 'resumed on B');
      assert.equal((await round(c, after1.sessions[1])).reused, true, 'resumed on C');
      assertHealthy(fleet);
    });
  });
});
