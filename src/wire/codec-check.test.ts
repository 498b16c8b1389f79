/**
 * Shared fast-check properties for every decode/encode pair (used by the tests in src/messages
 * and src/extensions); reader.test.ts checks that they catch a broken codec.
 *   - round trip: decode(encode(v)) deep-equals v, and encode(decode(bytes)) === bytes;
 *   - no strict prefix decodes: every truncation throws a TlsError;
 *   - random (and mutated valid) bytes only ever throw a decode_error/illegal_parameter TlsError.
 */
import { test } from 'node:test';
// (this file only holds helpers; it registers tests solely through codecProperties)
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ErrorCode, TlsError } from '../errors.js';

export const NUM_RUNS = Number(process.env.FUZZ_RUNS ?? 300);

/** Error codes a decoder may raise for malformed input. */
const DECODER_CODES: ReadonlySet<string> = new Set([ErrorCode.ERR_TLS_DECODE_ERROR, ErrorCode.ERR_TLS_ILLEGAL_PARAMETER]);

/** Assert `fn` throws a TlsError (with `code`, when given) and return it. */
export function throwsTls(fn: () => unknown, code?: ErrorCode, field?: string): TlsError {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof TlsError)) throw new Error(`expected a TlsError, got ${String(e)}`, { cause: e });
    if (code !== undefined) assert.equal(e.code, code, e.message);
    if (field !== undefined) assert.equal(e.field, field, e.message);
    return e;
  }
  throw new assert.AssertionError({ message: 'expected a TlsError, nothing was thrown' });
}

export interface CodecSpec<T> {
  readonly name: string;
  readonly arb: fc.Arbitrary<T>;
  readonly encode: (v: T) => Uint8Array;
  readonly decode: (b: Uint8Array) => unknown;
  /** For bodies with an optional trailing block: true when the prefix of length `len` is itself valid. */
  readonly prefixMayDecode?: (v: T, len: number) => boolean;
  /** Skip the "no strict prefix decodes" property (bodies that are opaque to their end). */
  readonly prefixesAreValid?: boolean;
  /** Max length of purely random inputs (default 300). */
  readonly randomMax?: number;
}

/** Plain-object copy (fast-check records may have a null prototype; deepStrictEqual compares prototypes). */
export function plain(v: unknown): unknown {
  if (v instanceof Uint8Array) return Uint8Array.from(v);
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = plain(x);
    return out;
  }
  return v;
}

function runDecoderOnGarbage(decode: (b: Uint8Array) => unknown, b: Uint8Array): void {
  try {
    decode(b);
  } catch (e) {
    if (!(e instanceof TlsError)) throw e;
    if (!DECODER_CODES.has(e.code)) throw new Error(`unexpected TlsError code ${e.code}: ${e.message}`, { cause: e });
  }
}

/** Run `fn` with stack capture off: these properties create tens of thousands of expected errors. */
function quiet(fn: () => void): void {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    fn();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** Register the three codec properties as node:test tests. */
export function codecProperties<T>(spec: CodecSpec<T>): void {
  const runs = { numRuns: NUM_RUNS };
  test(`${spec.name}: round trip`, () => {
    fc.assert(
      fc.property(spec.arb, (v) => {
        const bytes = spec.encode(v);
        const decoded = spec.decode(bytes);
        assert.deepStrictEqual(plain(decoded), plain(v));
        assert.deepStrictEqual(spec.encode(decoded as T), bytes);
        // decoding from a view at a non-zero offset of a larger buffer gives the same result
        const padded = new Uint8Array(bytes.length + 7);
        padded.set(bytes, 3);
        assert.deepStrictEqual(plain(spec.decode(padded.subarray(3, 3 + bytes.length))), plain(v));
      }),
      runs,
    );
  });
  if (spec.prefixesAreValid !== true) {
    test(`${spec.name}: no strict prefix decodes`, () => {
      quiet(() => fc.assert(
        fc.property(spec.arb, (v) => {
          const bytes = spec.encode(v);
          for (let len = 0; len < bytes.length; len++) {
            if (spec.prefixMayDecode?.(v, len) === true) continue;
            throwsTls(() => spec.decode(bytes.subarray(0, len)));
          }
        }),
        runs,
      ));
    });
  }
  test(`${spec.name}: random and mutated bytes throw only decoder TlsErrors`, () => {
    const mutated = fc
      .tuple(spec.arb, fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'insert', 'delete', 'append'))
      .map(([v, at, byte, op]) => {
        const b = spec.encode(v);
        const i = b.length === 0 ? 0 : at % b.length;
        switch (op) {
          case 'set': {
            const c = b.slice();
            if (c.length > 0) c[i] = byte;
            return c;
          }
          case 'insert':
            return Uint8Array.from([...b.subarray(0, i), byte, ...b.subarray(i)]);
          case 'delete':
            return Uint8Array.from([...b.subarray(0, i), ...b.subarray(i + 1)]);
          case 'append':
            return Uint8Array.from([...b, byte]);
        }
      });
    quiet(() => fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: spec.randomMax ?? 300 }), mutated), (b) => {
        runDecoderOnGarbage(spec.decode, b);
      }),
      runs,
    ));
  });
}

/** Arbitrary bytes with a length in [min, max]. */
export const bytesArb = (min: number, max: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ minLength: min, maxLength: max });
export const u8Arb = fc.integer({ min: 0, max: 0xff });
export const u16Arb = fc.integer({ min: 0, max: 0xffff });
export const u32Arb = fc.integer({ min: 0, max: 0xffffffff });

/** A list of extensions with distinct types (never `excluded`). */
export function extensionsArb(opts: { maxLength?: number; minLength?: number; excluded?: readonly number[] } = {}): fc.Arbitrary<{ type: number; data: Uint8Array }[]> {
  const excluded = new Set(opts.excluded ?? []);
  return fc.uniqueArray(
    fc.record({ type: u16Arb.filter((t) => !excluded.has(t)), data: bytesArb(0, 24) }),
    { selector: (e) => e.type, maxLength: opts.maxLength ?? 5, minLength: opts.minLength ?? 0 },
  );
}
