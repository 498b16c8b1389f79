import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ErrorCode } from '../errors.js';
import { Writer } from './writer.js';
import { ascii, concat, constantTimeEqual, equalBytes, fromHex, latin1Bytes, toHex } from './bytes.js';
import { NUM_RUNS, throwsTls } from './codec-check.test.js';

const X = ErrorCode.ERR_TLS_INTERNAL_ERROR;
const runs = { numRuns: NUM_RUNS };

test('Writer: big-endian integers and opaque vectors', () => {
  const w = new Writer(2);
  w.u8(1).u16(0x0203).u24(0x040506).u32(0x0708090a).opaque8(Uint8Array.of(0xaa)).opaque16(Uint8Array.of(0xbb)).opaque24(Uint8Array.of(0xcc));
  assert.equal(toHex(w.finish()), '0102030405060708090a' + '01aa' + '0001bb' + '000001cc');
});

test('Writer: vec lengths are patched after the body', () => {
  const w = new Writer();
  w.vec16(() => {
    w.u16(0x1301);
    w.vec8(() => w.u8(9));
  });
  assert.deepEqual(w.finish(), Uint8Array.of(0, 4, 0x13, 0x01, 1, 9));
});

test('Writer: vectors that do not fit their length are internal errors', () => {
  throwsTls(() => new Writer().opaque8(new Uint8Array(256)), X);
  throwsTls(() => new Writer().opaque16(new Uint8Array(0x10000)), X);
  assert.equal(new Writer().opaque8(new Uint8Array(255)).length, 256);
});

test('Writer: out-of-range integers are internal errors (were silently truncated)', () => {
  throwsTls(() => new Writer().u8(256), X);
  throwsTls(() => new Writer().u8(-1), X);
  throwsTls(() => new Writer().u16(0x10000), X);
  throwsTls(() => new Writer().u24(0x1000000), X);
  throwsTls(() => new Writer().u32(0x100000000), X);
  throwsTls(() => new Writer().u16(1.5), X);
  throwsTls(() => new Writer().u16(Number.NaN), X);
  throwsTls(() => new Writer().u64(-1n), X);
  throwsTls(() => new Writer().u64(1n << 64n), X);
});

test('Writer: initialSize 0 grows (used to loop forever)', () => {
  const w = new Writer(0);
  w.u32(1).bytes(new Uint8Array(1000));
  assert.equal(w.finish().length, 1004);
});

test('Writer: finish is a copy sized exactly', () => {
  const w = new Writer(64);
  w.u8(1);
  const a = w.finish();
  w.u8(2);
  assert.deepEqual(a, Uint8Array.of(1));
  assert.deepEqual(w.finish(), Uint8Array.of(1, 2));
});

test('Writer: arbitrary chunks concatenate', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 100 }), { maxLength: 20 }), fc.nat({ max: 8 }), (chunks, init) => {
      const w = new Writer(init);
      for (const c of chunks) w.bytes(c);
      assert.deepEqual(w.finish(), concat(...chunks));
    }),
    runs,
  );
});

test('bytes helpers', () => {
  assert.equal(toHex(fromHex('00ff10')), '00ff10');
  assert.ok(equalBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 2)));
  assert.ok(!equalBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 3)));
  assert.ok(!constantTimeEqual(Uint8Array.of(1), Uint8Array.of(1, 2)));
  assert.ok(constantTimeEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 2)));
  // ascii/latin1 on large inputs (spread used to overflow the stack)
  const big = new Uint8Array(200000).fill(0x61);
  assert.equal(ascii(big).length, 200000);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 10000 }), (b) => {
      assert.deepEqual(latin1Bytes(ascii(b)), b);
    }),
    { numRuns: Math.min(NUM_RUNS, 100) },
  );
  throwsTls(() => latin1Bytes('\u0100'), X);
});

test('Writer: u64 big-endian, both halves', () => {
  assert.equal(toHex(new Writer().u64(0x0102030405060708n).finish()), '0102030405060708');
  assert.equal(toHex(new Writer().u64(0xfffffffffffffffen).finish()), 'fffffffffffffffe');
  assert.equal(toHex(new Writer().u64(0x80000000n).finish()), '0000000080000000');
});

test('Writer: scratch buffers are never shared between live writers, and writing after finish() is safe', () => {
  // nested writers (as encoders inside vec bodies) each hold their own buffer
  const outer = new Writer(512);
  outer.vec16(() => {
    const inner = new Writer(512);
    inner.u32(0xdeadbeef);
    const a = inner.finish();
    outer.bytes(a);
    const again = new Writer(512).u16(0x0102).finish();
    outer.bytes(again);
  });
  const first = outer.finish();
  assert.equal(toHex(first), '0006deadbeef0102');
  // the returned bytes stay as they were when later writers reuse the scratch buffer
  for (let i = 0; i < 20; i++) new Writer(512).u32(0xffffffff).finish();
  outer.u8(0x7f);
  assert.equal(toHex(first), '0006deadbeef0102');
  assert.equal(toHex(outer.finish()), '0006deadbeef01027f');
});
