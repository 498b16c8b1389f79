import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TlsError } from '../errors.js';
import { ByteQueue } from './byte-queue.js';
import { MAX_CIPHERTEXT_LENGTH_TLS12, MAX_CIPHERTEXT_LENGTH_TLS13, RecordDeframer, type TlsRecord } from './deframer.js';
import { checkPlaintextRecord, encodePlaintextRecords } from './plaintext.js';
import { measureWork } from '../wire/work.js';

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

function record(type: number, body: Uint8Array, version = 0x0303): Uint8Array {
  const out = new Uint8Array(5 + body.length);
  out.set([type, version >>> 8, version & 0xff, body.length >>> 8, body.length & 0xff]);
  out.set(body, 5);
  return out;
}

function drain(d: RecordDeframer): TlsRecord[] {
  const out: TlsRecord[] = [];
  for (let r = d.next(); r !== null; r = d.next()) out.push(r);
  return out;
}

/** Splits `bytes` at the given cut points (sorted, deduplicated, within range). */
function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const parts: Uint8Array[] = [];
  let prev = 0;
  for (const p of points) {
    parts.push(bytes.slice(prev, p));
    prev = p;
  }
  parts.push(bytes.slice(prev));
  return parts;
}

const arbVersion = fc.constantFrom(0x0301, 0x0303, 0x0304, 0x0300);
const arbRecord = fc.oneof(
  fc.record({ type: fc.constantFrom(21, 22, 23), version: arbVersion, body: fc.uint8Array({ maxLength: 600 }) }),
  // change_cipher_spec records are one byte long (a header saying otherwise is refused)
  fc.record({ type: fc.constant(20), version: arbVersion, body: fc.uint8Array({ minLength: 1, maxLength: 1 }) }),
);

test('any split of the same byte stream yields the same records', () => {
  fc.assert(
    fc.property(fc.array(arbRecord, { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 40 }), (recs, cuts) => {
      const stream = new Uint8Array(recs.reduce((n, r) => n + 5 + r.body.length, 0));
      let at = 0;
      for (const r of recs) {
        const bytes = record(r.type, r.body, r.version);
        stream.set(bytes, at);
        at += bytes.length;
      }
      const d = new RecordDeframer();
      const got: TlsRecord[] = [];
      for (const part of split(stream, cuts)) {
        d.push(part);
        got.push(...drain(d));
      }
      assert.equal(d.hasBufferedBytes, false);
      assert.equal(got.length, recs.length);
      got.forEach((g, i) => {
        const r = recs[i]!;
        assert.equal(g.type, r.type);
        assert.equal(g.version, r.version);
        assert.deepEqual(g.fragment, r.body);
        assert.deepEqual([...g.header.subarray(0, 3)], [r.type, r.version >>> 8, r.version & 0xff]);
        assert.equal(g.header.length, 5);
        assert.equal(g.raw.length, 5 + r.body.length);
        assert.equal((g.header[3]! << 8) | g.header[4]!, r.body.length);
      });
    }),
    { numRuns },
  );
});

test('a record inside one chunk is a view, a split record is one copy', () => {
  const stream = new Uint8Array([...record(23, Uint8Array.of(1, 2, 3)), ...record(22, Uint8Array.of(4, 5))]);
  const d = new RecordDeframer();
  d.push(stream.subarray(0, 9));
  const a = d.next();
  assert.ok(a !== null);
  assert.equal(a.raw.buffer, stream.buffer); // zero copy
  assert.equal(d.next(), null);
  assert.equal(d.hasBufferedBytes, true); // a truncated record is pending
  assert.equal(d.bufferedLength, 1);
  d.push(stream.slice(9));
  const b = d.next();
  assert.ok(b !== null);
  assert.deepEqual([...b.fragment], [4, 5]);
  assert.notEqual(b.raw.buffer, stream.buffer);
  assert.equal(d.hasBufferedBytes, false);
});

test('zero-length records are returned as such', () => {
  const d = new RecordDeframer();
  d.push(record(23, new Uint8Array(0)));
  const r = d.next();
  assert.ok(r !== null);
  assert.equal(r.fragment.length, 0);
  assert.equal(d.next(), null);
});

test('length bounds: 2^14 + 256 accepted, 2^14 + 257 → record_overflow; TLS 1.2 bound configurable', () => {
  const d = new RecordDeframer();
  d.push(record(23, new Uint8Array(MAX_CIPHERTEXT_LENGTH_TLS13)));
  assert.equal(d.next()?.fragment.length, MAX_CIPHERTEXT_LENGTH_TLS13);
  // rejected from the header alone, before the body is buffered
  const over = new RecordDeframer();
  over.push(record(23, new Uint8Array(0)).subarray(0, 3));
  over.push(Uint8Array.of((MAX_CIPHERTEXT_LENGTH_TLS13 + 1) >>> 8, (MAX_CIPHERTEXT_LENGTH_TLS13 + 1) & 0xff));
  assert.equal(code(() => over.next()), 'ERR_TLS_RECORD_OVERFLOW');
  assert.equal(code(() => over.next()), 'ERR_TLS_RECORD_OVERFLOW'); // sticky
  assert.equal(code(() => over.push(Uint8Array.of(1))), 'ERR_TLS_RECORD_OVERFLOW');
  const d12 = new RecordDeframer({ maxRecordLength: MAX_CIPHERTEXT_LENGTH_TLS12 });
  d12.push(record(23, new Uint8Array(MAX_CIPHERTEXT_LENGTH_TLS12)));
  assert.equal(d12.next()?.fragment.length, MAX_CIPHERTEXT_LENGTH_TLS12);
  d12.push(record(23, new Uint8Array(MAX_CIPHERTEXT_LENGTH_TLS12 + 1)));
  assert.equal(code(() => d12.next()), 'ERR_TLS_RECORD_OVERFLOW');
  const lowered = new RecordDeframer();
  lowered.setMaxRecordLength(100);
  lowered.push(record(22, new Uint8Array(101)));
  assert.equal(code(() => lowered.next()), 'ERR_TLS_RECORD_OVERFLOW');
  assert.equal(code(() => lowered.setMaxRecordLength(70000)), 'ERR_TLS_INVALID_OPTION');
});

test('plaintext records: 2^14 accepted, 2^14 + 1 → record_overflow (RFC 8446 §5.1)', () => {
  const d = new RecordDeframer();
  d.push(record(22, new Uint8Array(1 << 14)));
  d.push(record(22, new Uint8Array((1 << 14) + 1)));
  const [a, b] = drain(d);
  assert.ok(a !== undefined && b !== undefined);
  assert.equal(checkPlaintextRecord(a).length, 1 << 14);
  assert.equal(code(() => checkPlaintextRecord(b)), 'ERR_TLS_RECORD_OVERFLOW');
});

test('unknown content type → unexpected_message, detected from the first byte', () => {
  for (const t of [0, 19, 24, 25, 0x80, 255]) {
    const d = new RecordDeframer();
    d.push(Uint8Array.of(t));
    assert.equal(code(() => d.next()), 'ERR_TLS_UNEXPECTED_MESSAGE');
  }
  const http = new RecordDeframer();
  http.push(new TextEncoder().encode('GET / HTTP/1.1\r\n'));
  assert.throws(() => http.next(), (e: unknown) => e instanceof TlsError && e.code === 'ERR_TLS_UNEXPECTED_MESSAGE' && /HTTP/.test(e.message));
});

test('a change_cipher_spec record header with a length other than 1 → unexpected_message at once, before any body', () => {
  for (const length of [0, 2, 257, 0x4000]) {
    const d = new RecordDeframer();
    d.push(Uint8Array.of(20, 3, 3, length >>> 8, length & 0xff));
    assert.equal(code(() => d.next()), 'ERR_TLS_UNEXPECTED_MESSAGE', `length ${length}`);
    assert.equal(code(() => d.next()), 'ERR_TLS_UNEXPECTED_MESSAGE', 'sticky');
  }
  const ok = new RecordDeframer();
  ok.push(record(20, Uint8Array.of(1)));
  assert.deepEqual(drain(ok).map((r) => [r.type, r.fragment.length]), [[20, 1]]);
});

test('record version major byte must be 3 → decode_error', () => {
  for (const v of [0x0000, 0x0203, 0x0403, 0xfefd]) {
    const d = new RecordDeframer();
    d.push(record(22, Uint8Array.of(1), v));
    assert.equal(code(() => d.next()), 'ERR_TLS_DECODE_ERROR');
  }
  // any minor is accepted (RFC 8446 §5.1: legacy_record_version is otherwise ignored)
  const d = new RecordDeframer();
  d.push(record(22, Uint8Array.of(1), 0x03ff));
  assert.equal(d.next()?.version, 0x03ff);
});

test('random bytes give records or TlsErrors only', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      const d = new RecordDeframer();
      d.push(bytes);
      try {
        drain(d);
      } catch (e) {
        assert.ok(e instanceof TlsError);
      }
    }),
    { numRuns },
  );
});

test('linear on a large stream pushed in tiny and odd chunks', () => {
  // 1 and 4 MiB of 16 KiB records pushed in 7-byte pieces, then 8 MiB in 100 KiB pieces. The work
  // is counted, not timed: every byte is copied at most once (a record split across pieces is
  // copied once, a record inside one piece not at all), and each next() visits a bounded number
  // of chunks (5 header bytes, each at most 5 chunks away from the head, plus amortised
  // compaction: 16). Copying the pending bytes again on each push, or
  // walking the queue from its start, would be quadratic and fail these bounds by orders of
  // magnitude.
  const d = new RecordDeframer();
  let count = 0;
  let bytes = 0;
  const pushIn = (stream: Uint8Array, piece: number): { copied: number; steps: number; calls: number } => {
    let calls = 0;
    const { work } = measureWork(() => {
      for (let at = 0; at < stream.length; at += piece) {
        d.push(stream.subarray(at, at + piece));
        calls++;
        for (let r = d.next(); r !== null; r = d.next()) {
          calls++;
          count++;
          bytes += r.fragment.length;
        }
      }
    });
    return { copied: work.queueBytesCopied, steps: work.queueChunkSteps, calls };
  };
  const one = encodePlaintextRecords(23, new Uint8Array(1 << 20));
  const small = encodePlaintextRecords(23, new Uint8Array(4 << 20));
  const w1 = pushIn(one, 7);
  const w4 = pushIn(small, 7);
  const big = encodePlaintextRecords(23, new Uint8Array(8 << 20));
  const w8 = pushIn(big, 100_000);
  assert.equal(bytes, 13 << 20);
  assert.equal(count, 832);
  for (const [w, stream] of [[w1, one], [w4, small], [w8, big]] as const) {
    assert.ok(w.copied <= stream.length, `${w.copied} bytes copied for a stream of ${stream.length}`);
    assert.ok(w.steps <= 16 * w.calls, `${w.steps} chunk visits for ${w.calls} calls of next()`);
  }
  assert.ok(w4.copied + w4.steps <= 4.5 * (w1.copied + w1.steps), `linear growth: ${w1.copied}+${w1.steps} for 1 MiB, ${w4.copied}+${w4.steps} for 4 MiB`);
});

test('ByteQueue: take across chunks, compaction keeps order', () => {
  const q = new ByteQueue();
  for (let i = 0; i < 5000; i++) q.push(Uint8Array.of(i & 0xff));
  assert.equal(q.length, 5000);
  for (let i = 0; i < 4000; i++) assert.equal(q.take(1)[0], i & 0xff);
  assert.equal(q.peek(0), 4000 & 0xff);
  const rest = q.take(1000);
  assert.equal(rest[999], 4999 & 0xff);
  assert.equal(q.length, 0);
  assert.equal(q.take(0).length, 0);
});
