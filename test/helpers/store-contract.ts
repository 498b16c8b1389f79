// The SessionStore contract (src/session/store.ts), checked the same way against every
// implementation: the in-memory store (unit test) and Redis (test/interop/redis-store.test.ts).
import assert from 'node:assert/strict';
import type { SessionStore } from '../../src/session/store.js';

const bytes = (...b: number[]): Uint8Array => new Uint8Array(b);

/** `wait(ms)` advances the store's clock (a fake clock, or real time for Redis). */
export async function checkStoreContract(store: SessionStore, wait: (ms: number) => Promise<void>, tag: string): Promise<void> {
  const k = (s: string): string => `${tag}:${s}`;
  // set / get / replace / delete
  assert.equal(await store.get(k('a')), undefined);
  assert.equal(await store.set(k('a'), bytes(1, 2, 3), 10_000), true);
  assert.deepEqual(await store.get(k('a')), bytes(1, 2, 3));
  assert.equal(await store.set(k('a'), bytes(4), 10_000), true);
  assert.deepEqual(await store.get(k('a')), bytes(4));
  await store.delete(k('a'));
  assert.equal(await store.get(k('a')), undefined);
  // binary values survive
  const all = new Uint8Array(256).map((_, i) => i);
  await store.set(k('bin'), all, 10_000);
  assert.deepEqual(await store.get(k('bin')), all);

  // take: once only, also when raced
  await store.set(k('t'), bytes(9), 10_000);
  const takes = await Promise.all([store.take(k('t')), store.take(k('t')), store.take(k('t'))]);
  assert.equal(takes.filter((v) => v !== undefined).length, 1, 'exactly one concurrent take wins');
  assert.deepEqual(takes.find((v) => v !== undefined), bytes(9));
  assert.equal(await store.take(k('t')), undefined);
  assert.equal(await store.get(k('t')), undefined);

  // insertIfAbsent: once only, also when raced; false while present
  const ins = await Promise.all([1, 2, 3, 4].map(() => store.insertIfAbsent(k('ch'), bytes(1), 10_000)));
  assert.equal(ins.filter(Boolean).length, 1, 'exactly one concurrent insert wins');
  assert.equal(await store.insertIfAbsent(k('ch'), bytes(1), 10_000), false);

  // expiry
  await store.set(k('short'), bytes(1), 150);
  assert.equal(await store.insertIfAbsent(k('rec'), bytes(1), 150), true);
  await store.set(k('long'), bytes(2), 10_000);
  await wait(400);
  assert.equal(await store.get(k('short')), undefined, 'set value expired');
  assert.equal(await store.take(k('short')), undefined);
  assert.equal(await store.insertIfAbsent(k('rec'), bytes(1), 150), true, 'record expired, can be inserted again');
  assert.deepEqual(await store.get(k('long')), bytes(2));
  assert.notEqual(store.recordsIntactSince(), null);
}
