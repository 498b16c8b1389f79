// Property helper for strict parsers: one byte of a valid encoding changed, cut off there, or
// inserted, and the parser must return or throw a TlsError — never another exception.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TlsError } from '../../src/errors.js';

export function assertOnlyTlsErrors(der: Uint8Array, parse: (bytes: Uint8Array) => unknown, numRuns: number): void {
  fc.assert(
    fc.property(fc.nat({ max: der.length - 1 }), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'cut', 'insert'), (at, byte, how) => {
      const m = how === 'set' ? Uint8Array.from(der, (b, i) => (i === at ? byte : b)) : how === 'cut' ? der.subarray(0, at) : Uint8Array.from([...der.subarray(0, at), byte, ...der.subarray(at)]);
      try {
        parse(m);
      } catch (e) {
        assert.ok(e instanceof TlsError, `not a TlsError: ${String(e)}`);
      }
    }),
    { numRuns },
  );
}
