import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ErrorCode } from '../errors.js';
import { Reader, type FieldSpan } from './reader.js';
import { Writer } from './writer.js';
import { NUM_RUNS, throwsTls, u16Arb, u32Arb, u8Arb } from './codec-check.test.js';

const D = ErrorCode.ERR_TLS_DECODE_ERROR;
const runs = { numRuns: NUM_RUNS };

test('Reader: integers are big-endian', () => {
  const r = new Reader(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4, 5, 6, 7, 8));
  assert.equal(r.u8('a'), 1);
  assert.equal(r.u16('b'), 0x0203);
  assert.equal(r.u24('c'), 0x040506);
  assert.equal(r.u16('d'), 0x0708);
  assert.equal(r.u8('e'), 9);
  assert.equal(r.u32('f'), 0xffffffff);
  assert.equal(r.u64('g'), 0x0102030405060708n);
  assert.ok(r.atEnd);
  r.end('all');
});

test('Reader: reads past the end are decode_error naming the field', () => {
  throwsTls(() => new Reader(Uint8Array.of(1)).u16('X.y'), D, 'X.y');
  throwsTls(() => new Reader(Uint8Array.of(0, 2)).u24('X.z'), D, 'X.z');
  throwsTls(() => new Reader(Uint8Array.of(0, 0, 0)).u32('X.w'), D);
  throwsTls(() => new Reader(Uint8Array.of(1, 2)).bytes(3, 'X.b'), D, 'X.b');
  throwsTls(() => new Reader(Uint8Array.of(3, 1, 2)).vec8('X.v'), D, 'X.v');
  throwsTls(() => new Reader(Uint8Array.of(0)).vec16('X.v'), D, 'X.v.length');
  throwsTls(() => new Reader(Uint8Array.of(0, 0, 5, 1)).sub24('X.s'), D, 'X.s');
  throwsTls(() => new Reader(Uint8Array.of(1, 2)).end('X'), D, 'X');
});

test('Reader: vector bounds', () => {
  throwsTls(() => new Reader(Uint8Array.of(0)).vec8('v', 1), D);
  throwsTls(() => new Reader(Uint8Array.of(3, 1, 2, 3)).vec8('v', 0, 2), D);
  throwsTls(() => new Reader(Uint8Array.of(0, 1, 0)).sub16('s', 2), D);
  assert.deepEqual(new Reader(Uint8Array.of(2, 7, 8)).vec8('v', 2, 2), Uint8Array.of(7, 8));
});

test('Reader: sub-readers are bounded to their vector', () => {
  const r = new Reader(Uint8Array.of(2, 0xaa, 0xbb, 0xcc));
  const s = r.sub8('s');
  assert.equal(s.u8('a'), 0xaa);
  assert.equal(s.remaining, 1);
  throwsTls(() => s.u16('b'), D);
  assert.equal(s.u8('b'), 0xbb);
  s.end('s');
  assert.equal(r.u8('c'), 0xcc);
  r.end('r');
  const t = new Reader(Uint8Array.of(1, 2, 3));
  assert.deepEqual(t.sub(2, 'n').rest('n'), Uint8Array.of(1, 2));
  throwsTls(() => t.sub(2, 'n'), D);
});

test('Reader: invalid counts are internal errors, not silent cursor moves', () => {
  const r = new Reader(Uint8Array.of(1, 2, 3));
  r.u8('a');
  throwsTls(() => r.bytes(-1, 'neg'), ErrorCode.ERR_TLS_INTERNAL_ERROR);
  throwsTls(() => r.bytes(0.5, 'frac'), ErrorCode.ERR_TLS_INTERNAL_ERROR);
  throwsTls(() => r.bytes(Number.NaN, 'nan'), ErrorCode.ERR_TLS_INTERNAL_ERROR);
  assert.equal(r.offset, 1);
});

test('Reader: traced reader reports every field with its span and depth', () => {
  const spans: FieldSpan[] = [];
  const r = Reader.traced(Uint8Array.of(0x03, 0x03, 2, 9, 9), (s) => spans.push(s));
  r.u16('v');
  const s = r.sub8('list');
  s.u16('item');
  s.end('list');
  r.end('all');
  assert.deepEqual(spans, [
    { field: 'v', start: 0, end: 2, depth: 0 },
    { field: 'list.length', start: 2, end: 3, depth: 0 },
    { field: 'list', start: 3, end: 5, depth: 0 },
    { field: 'item', start: 3, end: 5, depth: 1 },
  ]);
});

test('Reader/Writer: integers round-trip', () => {
  fc.assert(
    fc.property(u8Arb, u16Arb, fc.integer({ min: 0, max: 0xffffff }), u32Arb, fc.bigInt({ min: 0n, max: 0xffffffffffffffffn }), (a, b, c, d, e) => {
      const bytes = new Writer(0).u8(a).u16(b).u24(c).u32(d).u64(e).finish();
      assert.equal(bytes.length, 18);
      const r = new Reader(bytes);
      assert.equal(r.u8('a'), a);
      assert.equal(r.u16('b'), b);
      assert.equal(r.u24('c'), c);
      assert.equal(r.u32('d'), d);
      assert.equal(r.u64('e'), e);
      r.end('x');
    }),
    runs,
  );
});

/** A small random structure description: nested vectors of bytes. */
type Node = { kind: 'bytes'; data: Uint8Array } | { kind: 'vec'; width: 1 | 2 | 3; children: Node[] };
const nodeArb: fc.Arbitrary<Node> = fc.letrec<{ node: Node }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ kind: fc.constant('bytes' as const), data: fc.uint8Array({ maxLength: 20 }) }),
    fc.record({ kind: fc.constant('vec' as const), width: fc.constantFrom(1 as const, 2 as const, 3 as const), children: fc.array(tie('node'), { maxLength: 3 }) }),
  ),
})).node;

function write(w: Writer, n: Node): void {
  if (n.kind === 'bytes') {
    w.bytes(n.data);
    return;
  }
  const body = (): void => {
    for (const c of n.children) write(w, c);
  };
  if (n.width === 1) w.vec8(body);
  else if (n.width === 2) w.vec16(body);
  else w.vec24(body);
}
function read(r: Reader, n: Node): void {
  if (n.kind === 'bytes') {
    assert.deepEqual(r.bytes(n.data.length, 'b'), n.data);
    return;
  }
  const s = n.width === 1 ? r.sub8('v') : n.width === 2 ? r.sub16('v') : r.sub24('v');
  for (const c of n.children) read(s, c);
  s.end('v');
}

test('Writer vecN patches lengths that Reader subN reads back (nested)', () => {
  fc.assert(
    fc.property(nodeArb, (n) => {
      const w = new Writer(1);
      write(w, n);
      const bytes = w.finish();
      assert.equal(bytes.length, w.length);
      const r = new Reader(bytes);
      read(r, n);
      r.end('root');
    }),
    runs,
  );
});

test('Reader: random bytes under random read programs throw only decode_error', () => {
  const op = fc.constantFrom('u8', 'u16', 'u24', 'u32', 'u64', 'vec8', 'vec16', 'vec24', 'sub8', 'sub16', 'sub24', 'end');
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), fc.array(op, { maxLength: 12 }), (bytes, ops) => {
      let r = new Reader(bytes);
      try {
        for (const o of ops) {
          const before = r.offset;
          switch (o) {
            case 'u8': r.u8('f'); break;
            case 'u16': r.u16('f'); break;
            case 'u24': r.u24('f'); break;
            case 'u32': r.u32('f'); break;
            case 'u64': r.u64('f'); break;
            case 'vec8': r.vec8('f'); break;
            case 'vec16': r.vec16('f'); break;
            case 'vec24': r.vec24('f'); break;
            case 'sub8': r = r.sub8('f'); break;
            case 'sub16': r = r.sub16('f'); break;
            case 'sub24': r = r.sub24('f'); break;
            case 'end': r.end('f'); break;
          }
          assert.ok(r.offset >= before || o.startsWith('sub'));
          assert.ok(r.remaining >= 0);
        }
      } catch (e) {
        if (e instanceof assert.AssertionError) throw e;
        throwsTls(() => { throw e; }, D);
      }
    }),
    runs,
  );
});

// The shared codec properties must catch a decoder that accepts a truncated input.
test('codec-check: a lax decoder is caught by "no strict prefix decodes"', () => {
  const laxDecode = (b: Uint8Array): number => (b.length >= 1 ? (b[0] as number) : 0);
  assert.throws(() => {
    fc.assert(
      fc.property(u8Arb, (v) => {
        const bytes = Uint8Array.of(v);
        for (let len = 0; len < bytes.length; len++) throwsTls(() => laxDecode(bytes.subarray(0, len)));
      }),
      { numRuns: 5 },
    );
  });
});
