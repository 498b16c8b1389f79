/**
 * A fleet of servers (issue 5): three `tlskit serve` processes on different ports — what a load
 * balancer would spread clients over — sharing one real redis-server on 127.0.0.1 and one ticket
 * secret (`--redis`, `--ticket-secret`, `--ticket-rotation 2`, `--ticket-key-lifetime 6`).
 *
 *   stateless tickets   a session from A resumes on B and C (tlskit client, openssl -sess_out/-sess_in);
 *                       keys rotate in lockstep every 2 s: a ticket from before the rotation still
 *                       resumes elsewhere after it, one older than the key lifetime does not;
 *                       losing Redis costs stateless resumption nothing.
 *   stateful tickets    single use across the fleet (used on A → refused on B; three servers racing
 *                       on one ticket → exactly one resumes); Redis killed → full handshakes
 *                       everywhere, no ticket issued, no error, no crash; Redis restarted (empty) →
 *                       old tickets refused, new sessions resume across the fleet again.
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
import { findCli } from '../helpers/cli.js';
import { cleanupPeersAfter, findExecutable, freePort, sleep, spawnPeer, withTimeout, type Peer } from '../helpers/process.js';
import { haveRedis, startRedis } from '../helpers/redis.js';

cleanupPeersAfter(after);

const HOST = '127.0.0.1';
const ROTATION_S = 2;
const KEY_LIFETIME_S = 6; // three epochs
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
}

/** A tlskit client connection: handshake (resuming `session` if given), one echoed message, close. */
async function round(m: Member, session?: Buffer): Promise<Round> {
  const s = tlskit.connect({ host: HOST, port: m.port, servername: 'localhost', ca: caPem, ...(session === undefined ? {} : { session }) });
  const sessions: Buffer[] = [];
  s.on('session', (b: Buffer) => sessions.push(b));
  try {
    await withTimeout(once(s, 'secureConnect'), 15_000, `handshake with ${m.name}`);
    s.write('ping');
    // The server sends its NewSessionTickets right after the handshake, so they arrive before the echo.
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        let got = '';
        s.on('data', (d: Buffer) => {
          got += d.toString();
          if (got === 'ping') resolve();
        });
        s.once('error', reject);
        s.once('close', () => reject(new Error(`${m.name} closed before echoing`)));
      }),
      15_000,
      `echo from ${m.name}`,
    );
    return { reused: s.isSessionReused(), sessions };
  } finally {
    s.destroy();
  }
}

/** `openssl s_client -tls1_3` with `sessArgs` (-sess_out/-sess_in FILE); one echoed line; its stdout. */
async function sClient(m: Member, sessArgs: readonly string[]): Promise<string> {
  const p = spawnPeer('openssl', ['s_client', '-connect', `${HOST}:${m.port}`, '-servername', 'localhost', '-CAfile', caFile, '-tls1_3', ...sessArgs], {
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

const epochStart = (e: number): number => e * ROTATION_S * 1000;
const sleepUntil = (t: number): Promise<void> => sleep(Math.max(0, t - Date.now()));

async function killRedis(fleet: readonly Member[]): Promise<void> {
  const r = redis!;
  redis = undefined;
  process.kill(-r.pid, 'SIGKILL'); // a crash, not a clean shutdown
  await r.exited;
  // every member notices (its connection closes) and says so once
  await Promise.all(fleet.map((m) => m.peer.waitFor(/: unavailable \(/, 10_000, 'stderr')));
}

async function restartRedis(fleet: readonly Member[]): Promise<void> {
  redis = await startRedis(redisPort, 120_000);
  // each member reconnects by itself (backoff ≤ 1 s)
  await Promise.all(fleet.map((m) => m.peer.waitFor(/: unavailable \([\s\S]*: connected/, 10_000, 'stderr')));
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

  describe('stateless tickets, keys derived from the shared secret', () => {
    let fleet: Member[] = [];
    before(async () => {
      fleet = await startFleet([]);
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

    it('Redis lost: stateless tickets still resume across the fleet (they need no store); Redis back', async () => {
      const [a, b] = fleet as [Member, Member, Member];
      const s = (await round(a)).sessions[0]!;
      await killRedis(fleet);
      assert.equal((await round(b, s)).reused, true, 'resumed on B without Redis');
      const during = await round(a);
      assert.equal(during.sessions.length, 2, 'stateless tickets are still issued');
      await restartRedis(fleet);
      assertHealthy(fleet);
    });
  });

  describe('stateful single-use tickets in Redis (--stateful-tickets)', () => {
    let fleet: Member[] = [];
    before(async () => {
      fleet = await startFleet(['--stateful-tickets']);
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

    it('Redis killed: full handshakes on every server, no ticket issued, no error, no crash; restarted: new sessions resume again', async () => {
      const [a, b, c] = fleet as [Member, Member, Member];
      const before1 = (await round(a)).sessions;
      assert.equal(before1.length, 2);
      await killRedis(fleet);

      const down = await Promise.all([round(b, before1[0]), round(c, before1[1]), round(a)]);
      for (const r of down) {
        assert.equal(r.reused, false, 'full handshake while Redis is down');
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
