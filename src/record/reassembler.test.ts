import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TlsError } from '../errors.js';
import { HandshakeReassembler } from './reassembler.js';

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

function message(type: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + body.length);
  out.set([type, body.length >>> 16, (body.length >>> 8) & 0xff, body.length & 0xff]);
  out.set(body, 4);
  return out;
}

const arbMessage = fc.record({ type: fc.integer({ min: 0, max: 255 }), body: fc.uint8Array({ maxLength: 700 }) });

test('any split of a sequence of handshake messages yields the same messages', () => {
  fc.assert(
    fc.property(fc.array(arbMessage, { minLength: 1, maxLength: 10 }), fc.array(fc.nat(), { maxLength: 30 }), (msgs, cuts) => {
      const parts = msgs.map((m) => message(m.type, m.body));
      const stream = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
      let at = 0;
      for (const p of parts) {
        stream.set(p, at);
        at += p.length;
      }
      // non-empty fragments only (zero-length handshake records are illegal)
      const points = [...new Set(cuts.map((c) => 1 + (c % stream.length)))].sort((a, b) => a - b);
      const r = new HandshakeReassembler();
      const got: { type: number; body: Uint8Array; raw: Uint8Array }[] = [];
      let prev = 0;
      for (const p of [...points, stream.length]) {
        if (p === prev) continue;
        r.push(stream.slice(prev, p));
        prev = p;
        for (let m = r.next(); m !== null; m = r.next()) got.push(m);
      }
      assert.equal(r.hasPartial, false);
      assert.equal(got.length, msgs.length);
      got.forEach((g, i) => {
        assert.equal(g.type, msgs[i]!.type);
        assert.deepEqual(g.body, msgs[i]!.body);
        assert.deepEqual(g.raw, parts[i]);
      });
    }),
    { numRuns },
  );
});

test('coalesced messages in one record are views; hasPartial reports pending bytes', () => {
  const rec = new Uint8Array([...message(2, Uint8Array.of(1, 2)), ...message(8, Uint8Array.of(3)), 11, 0]);
  const r = new HandshakeReassembler();
  r.push(rec);
  assert.equal(r.hasPartial, true);
  const a = r.next();
  assert.ok(a !== null);
  assert.equal(a.type, 2);
  assert.equal(a.raw.buffer, rec.buffer);
  assert.equal(r.hasPartial, true); // a key change here would not be on a record boundary
  assert.equal(r.next()?.type, 8);
  assert.equal(r.next(), null);
  assert.equal(r.hasPartial, true); // 2 bytes of a Certificate header
  assert.equal(r.bufferedLength, 2);
  r.push(Uint8Array.of(0, 1));
  assert.equal(r.next(), null);
  r.push(Uint8Array.of(42));
  const c = r.next();
  assert.ok(c !== null);
  assert.deepEqual([...c.raw], [11, 0, 0, 1, 42]);
  assert.equal(r.hasPartial, false);
});

test('empty-body messages are complete at the header', () => {
  const r = new HandshakeReassembler();
  r.push(Uint8Array.of(14, 0, 0, 0));
  const m = r.next();
  assert.ok(m !== null);
  assert.equal(m.type, 14);
  assert.equal(m.body.length, 0);
});

test('zero-length handshake fragment → unexpected_message (RFC 8446 §5.1)', () => {
  const r = new HandshakeReassembler();
  assert.equal(code(() => r.push(new Uint8Array(0))), 'ERR_TLS_UNEXPECTED_MESSAGE');
  assert.equal(code(() => r.next()), 'ERR_TLS_UNEXPECTED_MESSAGE');
});

test('size bound: default 64 KiB, refused from the header with ERR_TLS_LIMIT_EXCEEDED', () => {
  const ok = new HandshakeReassembler();
  ok.push(message(11, new Uint8Array(65536)));
  assert.equal(ok.next()?.body.length, 65536);
  const r = new HandshakeReassembler();
  r.push(Uint8Array.of(11, 0x01, 0x00, 0x01)); // 65537: only the header has arrived
  assert.throws(
    () => r.next(),
    (e: unknown) => e instanceof TlsError && e.code === 'ERR_TLS_LIMIT_EXCEEDED' && e.alert === 'internal_error' && /certificate/.test(e.message),
  );
  assert.equal(code(() => r.push(Uint8Array.of(1))), 'ERR_TLS_LIMIT_EXCEEDED');
  const small = new HandshakeReassembler({ maxMessageLength: 10 });
  small.push(message(1, new Uint8Array(11)));
  assert.equal(code(() => small.next()), 'ERR_TLS_LIMIT_EXCEEDED');
  const huge = new HandshakeReassembler({ maxMessageLength: 0xffffff });
  huge.push(Uint8Array.of(1, 0xff, 0xff, 0xff));
  assert.equal(huge.next(), null);
  assert.equal(code(() => new HandshakeReassembler({ maxMessageLength: 1 << 24 })), 'ERR_TLS_INVALID_OPTION');
});

test('random fragments give messages or TlsErrors only', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 100 }), { maxLength: 8 }), (frags) => {
      const r = new HandshakeReassembler({ maxMessageLength: 300 });
      try {
        for (const f of frags) {
          r.push(f);
          while (r.next() !== null);
        }
      } catch (e) {
        assert.ok(e instanceof TlsError);
      }
    }),
    { numRuns },
  );
});
