import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TlsError } from '../errors.js';
import { utf8 } from '../wire/bytes.js';
import { encodeCommand, RespError, RespParser, type RespValue } from './resp.js';

const runs = Number(process.env.FUZZ_RUNS ?? 200);

function encodeReply(v: RespValue): string {
  if (v === null) return '$-1\r\n';
  if (typeof v === 'number') return `:${v}\r\n`;
  if (typeof v === 'string') return `+${v}\r\n`;
  if (v instanceof RespError) return `-${v.message}\r\n`;
  if (v instanceof Uint8Array) return `$${v.length}\r\n${String.fromCharCode(...v)}\r\n`;
  return `*${v.length}\r\n${v.map(encodeReply).join('')}`;
}
const latin1 = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

const leaf: fc.Arbitrary<RespValue> = fc.oneof(
  fc.constant(null),
  fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
  fc.stringMatching(/^[A-Za-z0-9 ]{0,20}$/),
  fc.stringMatching(/^[A-Za-z0-9 ]{0,20}$/).map((m) => new RespError(m)),
  fc.uint8Array({ maxLength: 64 }),
);
const value: fc.Arbitrary<RespValue> = fc.oneof(leaf, fc.array(leaf, { maxLength: 5 }));

test('encodeCommand: an array of bulk strings', () => {
  assert.deepEqual(encodeCommand(['SET', 'k', new Uint8Array([0, 13, 10])]), latin1('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\n\x00\r\n\r\n'));
});

test('RespParser: any sequence of replies, split at any points, parses back', () => {
  fc.assert(
    fc.property(fc.array(value, { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 6 }), (values, cuts) => {
      const wire = latin1(values.map(encodeReply).join(''));
      const points = [...new Set(cuts.map((c) => (wire.length === 0 ? 0 : c % wire.length)))].sort((a, b) => a - b);
      const p = new RespParser();
      const got: RespValue[] = [];
      let at = 0;
      for (const c of [...points, wire.length]) {
        got.push(...p.push(wire.subarray(at, c)));
        at = c;
      }
      assert.deepEqual(got, values);
      assert.equal(p.buffered, 0);
    }),
    { numRuns: runs },
  );
});

test('RespParser: malformed or oversized replies are TlsErrors', () => {
  const bad = ['?x\r\n', ':12a\r\n', '$5\r\nabcdeXY', '+ok\rX', '$-5\r\n'];
  for (const b of bad) assert.throws(() => new RespParser().push(utf8(b)), TlsError, b);
  assert.throws(() => new RespParser({ maxReplyBytes: 10 }).push(utf8('$11\r\n')), TlsError);
  assert.throws(() => new RespParser({ maxArrayLength: 2 }).push(utf8('*3\r\n')), TlsError);
  assert.throws(() => new RespParser({ maxDepth: 1 }).push(utf8('*1\r\n*1\r\n:1\r\n')), TlsError);
  assert.throws(() => new RespParser().push(utf8('+' + 'a'.repeat(2000))), TlsError, 'unterminated line is bounded');
  // an incomplete reply larger than the bound
  assert.throws(() => new RespParser({ maxReplyBytes: 16 }).push(utf8('*2\r\n$10\r\n0123456789\r\n')), TlsError);
});
