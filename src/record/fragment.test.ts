import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TlsError } from '../errors.js';
import { AlertDescription } from '../registry/alerts.js';
import { alertIsClosure, alertName, alertReceivedError, decodeAlert, encodeAlert } from './alert.js';
import { RecordDeframer } from './deframer.js';
import { checkRecordSizeLimit, fragmentLimit, maxPadding, splitFragments } from './fragment.js';
import { encodePlaintextRecords } from './plaintext.js';

const numRuns = Number(process.env.FUZZ_RUNS ?? 200);

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof TlsError) return e.code;
    throw e;
  }
  return 'no error';
}

test('fragment limits: default 2^14; record_size_limit counts the type byte in TLS 1.3 only (RFC 8449 §4)', () => {
  assert.equal(fragmentLimit({ version: 'tls1.3' }), 16384);
  assert.equal(fragmentLimit({ version: 'tls1.2' }), 16384);
  assert.equal(fragmentLimit({ version: 'tls1.3', recordSizeLimit: 64 }), 63);
  assert.equal(fragmentLimit({ version: 'tls1.2', recordSizeLimit: 64 }), 64);
  assert.equal(fragmentLimit({ version: 'tls1.3', recordSizeLimit: 16385 }), 16384);
  assert.equal(fragmentLimit({ version: 'tls1.2', recordSizeLimit: 16385 }), 16384); // clamped
  assert.equal(fragmentLimit({ version: 'tls1.3', recordSizeLimit: 65535 }), 16384); // clamped, not enforced
  assert.equal(fragmentLimit({ version: 'tls1.2', recordSizeLimit: 1000, maxFragmentLength: 512 }), 512);
  assert.equal(code(() => fragmentLimit({ version: 'tls1.3', recordSizeLimit: 63 })), 'ERR_TLS_ILLEGAL_PARAMETER');
  assert.equal(code(() => checkRecordSizeLimit(0)), 'ERR_TLS_ILLEGAL_PARAMETER');
  assert.equal(checkRecordSizeLimit(64), 64);
  assert.equal(maxPadding(10, 64), 53);
  assert.equal(maxPadding(63, 64), 0);
});

test('splitFragments: views of at most the limit that concatenate to the input', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 1, max: 700 }), (data, limit) => {
      const parts = splitFragments(data, limit);
      assert.equal(parts.length, Math.ceil(data.length / limit));
      for (const p of parts) assert.ok(p.length >= 1 && p.length <= limit);
      assert.deepEqual(Uint8Array.from(parts.flatMap((p) => [...p])), data);
    }),
    { numRuns },
  );
  assert.equal(code(() => splitFragments(new Uint8Array(1), 0)), 'ERR_TLS_INVALID_OPTION');
});

test('plaintext records: split at the limit, one buffer, deframe back', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 3000 }), fc.integer({ min: 1, max: 1000 }), (data, max) => {
      const bytes = encodePlaintextRecords(22, data, { maxFragmentLength: max, version: 0x0301 });
      const d = new RecordDeframer();
      d.push(bytes);
      const got: number[] = [];
      let n = 0;
      for (let r = d.next(); r !== null; r = d.next()) {
        assert.equal(r.type, 22);
        assert.equal(r.version, 0x0301);
        assert.ok(r.fragment.length >= 1 && r.fragment.length <= max);
        got.push(...r.fragment);
        n++;
      }
      assert.equal(n, Math.ceil(data.length / max));
      assert.deepEqual(Uint8Array.from(got), data);
    }),
    { numRuns },
  );
  const big = encodePlaintextRecords(22, new Uint8Array(40000));
  assert.equal(big.length, 40000 + 3 * 5);
  assert.deepEqual([...big.subarray(0, 5)], [22, 3, 3, 0x40, 0]);
  assert.equal(code(() => encodePlaintextRecords(22, new Uint8Array(0))), 'ERR_TLS_INTERNAL_ERROR');
  assert.equal(encodePlaintextRecords(23, new Uint8Array(0)).length, 5);
  assert.equal(code(() => encodePlaintextRecords(22, Uint8Array.of(1), { maxFragmentLength: 16385 })), 'ERR_TLS_INVALID_OPTION');
  assert.deepEqual([...encodePlaintextRecords(20, Uint8Array.of(1))], [20, 3, 3, 0, 1, 1]);
});

test('alerts: encode/decode round trip; malformed → decode_error', () => {
  assert.deepEqual([...encodeAlert(2, AlertDescription.handshake_failure)], [2, 40]);
  fc.assert(
    fc.property(fc.constantFrom(1, 2), fc.integer({ min: 0, max: 255 }), (level, description) => {
      assert.deepEqual(decodeAlert(encodeAlert(level, description)), { level, description });
    }),
    { numRuns },
  );
  for (const bad of [[], [2], [2, 40, 0], [0, 40], [3, 0], [255, 10]]) {
    assert.equal(code(() => decodeAlert(Uint8Array.from(bad))), 'ERR_TLS_DECODE_ERROR');
  }
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 5 }), (bytes) => {
      const c = code(() => decodeAlert(bytes));
      assert.ok(c === 'no error' || c === 'ERR_TLS_DECODE_ERROR');
    }),
    { numRuns },
  );
  assert.equal(code(() => encodeAlert(3, 0)), 'ERR_TLS_INTERNAL_ERROR');
  assert.equal(alertIsClosure(0), true);
  assert.equal(alertIsClosure(90), true);
  assert.equal(alertIsClosure(40), false);
  assert.equal(alertName(40), 'handshake_failure');
  assert.equal(alertName(200), null);
  const e = alertReceivedError({ level: 2, description: 42 });
  assert.equal(e.code, 'ERR_TLS_ALERT_RECEIVED');
  assert.equal(e.source, 'peer');
  assert.equal(e.alert, 'bad_certificate');
  assert.equal(alertReceivedError({ level: 2, description: 200 }).alert, null);
});
