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

test('MemoryStore: 200k sets into a 1k-entry store keep exactly the 1k most recent', async () => {
  // That each operation is O(1) is shown by `npm run bench:micro` (the same µs per set at 1k and
  // 100k entries); timing is never asserted in a unit test.
  const s = new MemoryStore({ maxEntries: 1000 });
  const v = new Uint8Array(8);
  for (let i = 0; i < 200_000; i++) await s.set(`k${i}`, v, 60_000);
  assert.equal(s.size, 1000);
  assert.equal(await s.get('k198999'), undefined, 'older than the last 1000: evicted');
  for (const i of [199_000, 199_500, 199_999]) assert.notEqual(await s.get(`k${i}`), undefined, `k${i}`);
});

test('MemoryStore: a full record table frees expired records from the oldest end, also after takes and refusals', async () => {
  const c = fakeClock();
  const s = new MemoryStore({ maxRecords: 4, now: c.now });
  const v = new Uint8Array([1]);
  assert.equal(await s.insertIfAbsent('a', v, 1000), true);
  assert.equal(await s.insertIfAbsent('b', v, 5000), true);
  assert.equal(await s.insertIfAbsent('c', v, 1000), true);
  assert.equal(await s.insertIfAbsent('d', v, 1000), true);
  assert.equal(await s.insertIfAbsent('e', v, 1000), false, 'full of live records');
  await c.wait(1500); // a, c, d expired; b (oldest but one) still live
  assert.equal(await s.insertIfAbsent('e', v, 1000), true, 'a (expired, oldest) dropped');
  assert.equal(await s.insertIfAbsent('f', v, 1000), false, 'b is live at the front: refuse, never scan past it');
  assert.notEqual(await s.take('b'), undefined);
  assert.equal(await s.insertIfAbsent('f', v, 1000), true, 'after b is gone, c was swept or b freed the place');
  assert.equal(await s.insertIfAbsent('g', v, 1000), true, 'c and d expired: swept');
  assert.equal(await s.insertIfAbsent('e', v, 1000), false, 'e itself is still recorded');
  assert.equal(await s.insertIfAbsent('f', v, 1000), false, 'f itself is still recorded');
});
