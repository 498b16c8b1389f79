import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkStoreContract } from '../../test/helpers/store-contract.js';
import { MemoryStore } from './store.js';

function fakeClock(): { now: () => number; wait: (ms: number) => Promise<void> } {
  let t = 1_000_000;
  return {
    now: () => t,
    wait: (ms) => {
      t += ms;
      return Promise.resolve();
    },
  };
}

test('MemoryStore: the SessionStore contract (set/get/take-once/insert-if-absent/expiry)', async () => {
  const c = fakeClock();
  await checkStoreContract(new MemoryStore({ now: c.now }), c.wait, 'm');
});

test('MemoryStore: LRU bound on set entries (a get refreshes recency)', async () => {
  const s = new MemoryStore({ maxEntries: 3 });
  for (const k of ['a', 'b', 'c']) await s.set(k, new Uint8Array([1]), 60_000);
  await s.get('a'); // a is now most recent; b is the least recent
  await s.set('d', new Uint8Array([1]), 60_000);
  assert.equal(await s.get('b'), undefined, 'least recently used evicted');
  for (const k of ['a', 'c', 'd']) assert.notEqual(await s.get(k), undefined, k);
  assert.equal(s.size, 3);
});

test('MemoryStore: anti-replay records are never evicted early; a full record table refuses (fail closed)', async () => {
  const c = fakeClock();
  const s = new MemoryStore({ maxRecords: 2, maxEntries: 1, now: c.now });
  assert.equal(await s.insertIfAbsent('r1', new Uint8Array([1]), 1000), true);
  assert.equal(await s.insertIfAbsent('r2', new Uint8Array([1]), 1000), true);
  assert.equal(await s.insertIfAbsent('r3', new Uint8Array([1]), 1000), false, 'full of live records: refuse');
  // set() pressure does not push records out
  await s.set('x', new Uint8Array([1]), 1000);
  await s.set('y', new Uint8Array([1]), 1000);
  assert.equal(await s.insertIfAbsent('r1', new Uint8Array([1]), 1000), false, 'r1 still recorded');
  await c.wait(1001);
  assert.equal(await s.insertIfAbsent('r3', new Uint8Array([1]), 1000), true, 'expired records make room');
});

test('MemoryStore: bounds on value size and TTL; closed store fails closed', async () => {
  const s = new MemoryStore({ maxValueBytes: 4 });
  assert.equal(await s.set('big', new Uint8Array(5), 1000), false);
  assert.equal(await s.set('ttl', new Uint8Array(1), 0), false);
  assert.equal(await s.insertIfAbsent('inf', new Uint8Array(1), Number.POSITIVE_INFINITY), false);
  assert.notEqual(s.recordsIntactSince(), null);
  await s.close();
  assert.equal(await s.insertIfAbsent('after', new Uint8Array(1), 1000), false);
  assert.equal(await s.get('big'), undefined);
  assert.equal(s.recordsIntactSince(), null);
});

test('MemoryStore: operations are O(1) — 200k sets into a 1k-entry store stay fast', async () => {
  const s = new MemoryStore({ maxEntries: 1000 });
  const v = new Uint8Array(8);
  const t0 = performance.now();
  for (let i = 0; i < 200_000; i++) await s.set(`k${i}`, v, 60_000);
  assert.equal(s.size, 1000);
  assert.ok(performance.now() - t0 < 5000);
});
