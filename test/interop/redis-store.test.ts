// The session store against a real redis-server (installed from Debian by .ci/run), started here
// on 127.0.0.1 with persistence off, and always killed: the SessionStore contract, a two-server
// fleet sharing one Redis, and fail-closed behaviour when Redis dies or hangs.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { nodeCryptoProvider as provider } from '../../src/crypto/node-provider.js';
import { TLS_AES_128_GCM_SHA256 } from '../../src/keyschedule/suites.js';
import { EarlySecrets, finishedVerifyData } from '../../src/keyschedule/tls13.js';
import { RedisStore } from '../../src/session/redis-store.js';
import { ServerSessions, type ResumedTicket13 } from '../../src/session/server-sessions.js';
import { TicketKeyring } from '../../src/session/ticket-keys.js';
import { checkStoreContract } from '../helpers/store-contract.js';
import { cleanupPeersAfter, freePort, sleep } from '../helpers/process.js';
import { haveRedis, startRedis } from '../helpers/redis.js';

cleanupPeersAfter(after);

const COMMAND_TIMEOUT = 300;

const stores: RedisStore[] = [];
const openStore = (port: number, prefix = 'test:'): RedisStore => {
  const s = new RedisStore({ port, prefix, commandTimeoutMs: COMMAND_TIMEOUT, connectTimeoutMs: 300, maxBackoffMs: 200 });
  stores.push(s);
  return s;
};
after(async () => {
  await Promise.all(stores.map((s) => s.close()));
});

/** Lets the event loop run `n` turns (setImmediate is never mocked below). */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Runs the event loop (no mock time passing) until `p` settled, at most `max` turns; whether it did. */
async function settlesWithoutTime(p: Promise<unknown>, max = 2000): Promise<boolean> {
  let settled = false;
  void p.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let i = 0; i < max && !settled; i++) await turns(1);
  return settled;
}

/** Waits (bounded) until `probe` is true. */
async function eventually(probe: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await probe()) return;
    await sleep(50);
  }
  assert.fail(`not within ${ms} ms: ${what}`);
}

const suite = TLS_AES_128_GCM_SHA256;
const binderOf = (r: ResumedTicket13): Uint8Array =>
  finishedVerifyData(provider, suite, EarlySecrets.create(provider, suite, r.state.psk).binderKey('resumption'), new Uint8Array(32).fill(1));

describe('session store on redis-server', { skip: haveRedis ? false : 'redis-server not installed (.ci/run installs it)' }, () => {
  it('the SessionStore contract (set/get/take-once/insert-if-absent/expiry, raced)', async () => {
    const port = await freePort();
    const redis = await startRedis(port);
    const store = openStore(port);
    await store.connect();
    await checkStoreContract(store, sleep, `c${Date.now()}`);
    // prefixes separate tenants
    const other = openStore(port, 'other:');
    await store.set('shared', new Uint8Array([1]), 10_000);
    assert.equal(await other.get('shared'), undefined);
    await redis.kill();
  });

  it('a fleet of two servers on one Redis: tickets resume on either; 0-RTT accepted on A is refused on B; stateful tickets are single-use fleet-wide', async () => {
    const port = await freePort();
    const redis = await startRedis(port);
    const secret = provider.randomBytes(32);
    const window = 200;
    const server = (mode: 'stateless' | 'stateful'): ServerSessions =>
      new ServerSessions({ provider, keys: new TicketKeyring({ provider, secret }), store: openStore(port), tickets13: mode, maxEarlyDataSize: 1000, earlyDataWindowMs: window });
    const a = server('stateless');
    const b = server('stateless');
    await Promise.all([a.store.get('warm-up'), b.store.get('warm-up')]);
    await sleep(2 * window + 50); // RFC 8446 §8.2 startup window of the record store
    const nst = (await a.issueTicket13({ suite, resumptionMasterSecret: new Uint8Array(32).fill(2), serverName: 'x', alpn: undefined, peerCertificates: [] }))!;
    const id = { identity: nst.ticket, obfuscatedTicketAge: nst.ticketAgeAdd };
    const onA = (await a.resumeTicket13(id))!;
    const onB = (await b.resumeTicket13(id))!;
    assert.ok(onA !== null && onB !== null, 'resumes on both servers');
    const p = { binder: binderOf(onA), selectedIdentity: 0, cipherSuite: suite.suite, alpn: undefined };
    const [ra, rb] = await Promise.all([a.checkEarlyData(onA, p), b.checkEarlyData(onB, p)]);
    assert.equal([ra, rb].filter((r) => r.accept).length, 1, 'exactly one server accepts the 0-RTT flight');

    const sa = server('stateful');
    const sb = server('stateful');
    const st = (await sa.issueTicket13({ suite, resumptionMasterSecret: new Uint8Array(32).fill(3), serverName: undefined, alpn: undefined, peerCertificates: [] }))!;
    const sid = { identity: st.ticket, obfuscatedTicketAge: st.ticketAgeAdd };
    const got = await Promise.all([sa.resumeTicket13(sid), sb.resumeTicket13(sid)]);
    assert.equal(got.filter((r) => r !== null).length, 1, 'a stateful ticket resumes once across the fleet');
    await redis.kill();
  });

  it('Redis dies → every operation fails closed within the timeout; it comes back → operations recover, 0-RTT only after the window', async (t) => {
    const port = await freePort();
    let redis = await startRedis(port);
    const store = openStore(port);
    await store.connect();
    assert.equal(await store.set('k', new Uint8Array([1]), 60_000), true);
    assert.equal(await store.insertIfAbsent('r', new Uint8Array([1]), 60_000), true);

    // Hung Redis (SIGSTOP): commands time out, fail closed. Timed with setTimeout mocked (no wall
    // clock, so no flakiness under load): nothing settles before COMMAND_TIMEOUT ms of mock time,
    // everything right after (one timer for all four, not one after the other).
    process.kill(-redis.pid, 'SIGSTOP');
    try {
      t.mock.timers.enable({ apis: ['setTimeout'] });
      const all = Promise.all([store.get('k'), store.take('k'), store.insertIfAbsent('fresh', new Uint8Array([1]), 1000), store.set('x', new Uint8Array([1]), 1000)]);
      await turns(20); // the commands are written
      t.mock.timers.tick(COMMAND_TIMEOUT - 1);
      assert.equal(await settlesWithoutTime(all, 20), false, `still waiting at ${COMMAND_TIMEOUT - 1} ms`);
      t.mock.timers.tick(1);
      assert.equal(await settlesWithoutTime(all), true, `failed closed when the ${COMMAND_TIMEOUT} ms timer fired`);
      assert.deepEqual(await all, [undefined, undefined, false, false]);
      assert.equal(store.recordsIntactSince(), null);
      // the reconnection (backoff ≤ 200 ms) starts now, on mock time; its outcome comes on the real clock
      t.mock.timers.tick(200);
    } finally {
      t.mock.timers.reset();
      process.kill(-redis.pid, 'SIGCONT');
    }
    // (The timed-out GETDEL may still run once Redis resumes: the value is then gone — the
    // fail-closed direction. Probe recovery with a fresh key.)
    await eventually(async () => (await store.set('probe', new Uint8Array([2]), 10_000)) && (await store.get('probe')) !== undefined, 3000, 'recovered after SIGCONT');
    assert.equal(await store.insertIfAbsent('r', new Uint8Array([1]), 60_000), false, 'the record survived the hang');

    // Dead Redis: fails closed at once (connection refused): with setTimeout mocked and no mock
    // time passing, every operation settles (no timer involved), then recovers on restart.
    await redis.kill();
    try {
      t.mock.timers.enable({ apis: ['setTimeout'] });
      const dead = Promise.all([store.get('k'), store.take('k'), store.insertIfAbsent('fresh2', new Uint8Array([1]), 1000), store.set('y', new Uint8Array([1]), 1000)]);
      assert.equal(await settlesWithoutTime(dead), true, 'failed closed without waiting for a timer');
      assert.deepEqual(await dead, [undefined, undefined, false, false], 'a lost Redis never lets a record in');
      assert.equal(store.recordsIntactSince(), null);
      t.mock.timers.tick(200); // reconnection attempts scheduled meanwhile start now (and fail on the real clock)
    } finally {
      t.mock.timers.reset();
    }

    const restartedAt = Date.now();
    redis = await startRedis(port);
    await eventually(async () => await store.set('z', new Uint8Array([1]), 10_000), 3000, 'recovered after restart');
    assert.equal(await store.get('k'), undefined, 'the restarted Redis lost its data (no persistence)');
    assert.ok((store.recordsIntactSince() ?? 0) >= restartedAt, 'records count from the reconnection');
    // The ServerSessions refuse 0-RTT until the recording window has passed since the reconnection.
    const s = new ServerSessions({ provider, keys: new TicketKeyring({ provider }), store, maxEarlyDataSize: 100, earlyDataWindowMs: 5000 });
    const nst = (await s.issueTicket13({ suite, resumptionMasterSecret: new Uint8Array(32).fill(4), serverName: undefined, alpn: undefined, peerCertificates: [] }))!;
    const r = (await s.resumeTicket13({ identity: nst.ticket, obfuscatedTicketAge: nst.ticketAgeAdd }))!;
    assert.deepEqual(await s.checkEarlyData(r, { binder: binderOf(r), selectedIdentity: 0, cipherSuite: suite.suite, alpn: undefined }), { accept: false, reason: 'starting' });
    await redis.kill();
  });
});
