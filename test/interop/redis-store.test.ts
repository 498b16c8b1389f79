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

  it('Redis dies → every operation fails closed within the timeout; it comes back → operations recover, 0-RTT only after the window', async () => {
    const port = await freePort();
    let redis = await startRedis(port);
    const store = openStore(port);
    await store.connect();
    assert.equal(await store.set('k', new Uint8Array([1]), 60_000), true);
    assert.equal(await store.insertIfAbsent('r', new Uint8Array([1]), 60_000), true);

    // Hung Redis (SIGSTOP): commands time out, fail closed.
    process.kill(-redis.pid, 'SIGSTOP');
    try {
      const t0 = Date.now();
      const results = await Promise.all([store.get('k'), store.take('k'), store.insertIfAbsent('fresh', new Uint8Array([1]), 1000), store.set('x', new Uint8Array([1]), 1000)]);
      assert.deepEqual(results, [undefined, undefined, false, false]);
      assert.ok(Date.now() - t0 < COMMAND_TIMEOUT + 700, `failed closed in ${Date.now() - t0} ms`);
      assert.equal(store.recordsIntactSince(), null);
    } finally {
      process.kill(-redis.pid, 'SIGCONT');
    }
    // (The timed-out GETDEL may still run once Redis resumes: the value is then gone — the
    // fail-closed direction. Probe recovery with a fresh key.)
    await eventually(async () => (await store.set('probe', new Uint8Array([2]), 10_000)) && (await store.get('probe')) !== undefined, 3000, 'recovered after SIGCONT');
    assert.equal(await store.insertIfAbsent('r', new Uint8Array([1]), 60_000), false, 'the record survived the hang');

    // Dead Redis: fails closed at once (connection refused), then recovers on restart.
    await redis.kill();
    const t1 = Date.now();
    assert.equal(await store.get('k'), undefined);
    assert.equal(await store.take('k'), undefined);
    assert.equal(await store.insertIfAbsent('fresh2', new Uint8Array([1]), 1000), false, 'a lost Redis never lets a record in');
    assert.equal(await store.set('y', new Uint8Array([1]), 1000), false);
    assert.ok(Date.now() - t1 < COMMAND_TIMEOUT + 700);
    assert.equal(store.recordsIntactSince(), null);

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
