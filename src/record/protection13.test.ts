import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import type { AeadAlgorithm, AeadKey } from '../crypto/provider.js';
import { AEAD_KEY_LENGTH } from '../crypto/provider.js';
import { nodeCryptoProvider } from '../crypto/node-provider.js';
import { TlsError } from '../errors.js';
import { ContentType } from '../registry/codepoints.js';
import { fromHex, toHex } from '../wire/bytes.js';
import { RecordDeframer } from './deframer.js';
import { MAX_INNER_PLAINTEXT_LENGTH, RecordOpener13, RecordSealer13 } from './protection13.js';

const numRuns = Number(process.env.FUZZ_RUNS ?? 200);
const ALGORITHMS: readonly AeadAlgorithm[] = ['aes-128-gcm', 'aes-256-gcm', 'chacha20-poly1305'];

/** The real provider's AEAD (node:crypto). */
function aeadKey(algorithm: AeadAlgorithm, key: Uint8Array): AeadKey {
  return nodeCryptoProvider.aead(algorithm, key);
}

function pair(algorithm: AeadAlgorithm): { sealer: RecordSealer13; opener: RecordOpener13; key: AeadKey; iv: Uint8Array } {
  const key = aeadKey(algorithm, randomBytes(AEAD_KEY_LENGTH[algorithm]));
  const iv = new Uint8Array(randomBytes(12));
  return { sealer: new RecordSealer13(key, iv), opener: new RecordOpener13(key, iv), key, iv };
}

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof TlsError) return e.code;
    throw e;
  }
  return 'no error';
}

test('RFC 8448 §3: client application data and alert records (known answer)', () => {
  const key = aeadKey('aes-128-gcm', fromHex('17422dda596ed5d9acd890e3c63f5051'));
  const iv = fromHex('5b78923dee08579033e523d9');
  const sealer = new RecordSealer13(key, iv);
  const payload = Uint8Array.from({ length: 50 }, (_, i) => i);
  const record = sealer.seal(ContentType.application_data, payload);
  assert.equal(
    toHex(record),
    '1703030043a23f7054b62c94d0affafe8228ba55cbefacea42f914aa66bcab3f2b9819a8a5b46b395bd54a9a20441e2b62974e1f5a6292a2977014bd1e3deae63aeebb21694915e4',
  );
  const alert = sealer.seal(ContentType.alert, Uint8Array.of(1, 0));
  assert.equal(toHex(alert), '1703030013c987276065566 6b74d7ff1153efd6db6d0b0e3'.replace(/ /g, ''));
  assert.equal(sealer.sequenceNumber, 2n);
});

test('RFC 8448 §3: server application data record opens at sequence 1', () => {
  const key = aeadKey('aes-128-gcm', fromHex('9f02283b6c9c07efc26bb9f2ac92e356'));
  const iv = fromHex('cf782b88dd83549aadf1e984');
  const opener = new RecordOpener13(key, iv, { initialSequence: 1n });
  const record = fromHex(
    '17030300432e937e11ef4ac740e538ad36005fc4a46932fc3225d05f82aa1b36e30efaf97d90e6dffc602dcb501a59a8fcc49c4bf2e5f0a21c0047c2abf332540dd032e167c2955d',
  );
  const { type, content } = opener.open(record.subarray(0, 5), record.subarray(5));
  assert.equal(type, ContentType.application_data);
  assert.deepEqual(content, Uint8Array.from({ length: 50 }, (_, i) => i));
  assert.equal(opener.sequenceNumber, 2n);
  // the same record at the wrong sequence number fails
  const early = new RecordOpener13(key, iv);
  assert.equal(code(() => early.open(record.subarray(0, 5), record.subarray(5))), 'ERR_TLS_BAD_RECORD_MAC');
});

for (const algorithm of ALGORITHMS) {
  test(`${algorithm}: seal/open round trip with padding, through the deframer`, () => {
    const { sealer, opener } = pair(algorithm);
    fc.assert(
      fc.property(
        fc.constantFrom(ContentType.handshake, ContentType.alert, ContentType.application_data),
        fc.uint8Array({ minLength: 1, maxLength: 300 }),
        fc.nat({ max: 100 }),
        (type, content, padding) => {
          const record = sealer.seal(type, content, padding);
          assert.equal(record.length, 5 + content.length + 1 + padding + 16);
          assert.deepEqual([...record.subarray(0, 3)], [23, 3, 3]);
          const d = new RecordDeframer();
          d.push(record);
          const r = d.next();
          assert.ok(r !== null);
          const out = opener.open(r.header, r.fragment);
          assert.equal(out.type, type);
          assert.deepEqual(out.content, content);
          assert.equal(opener.sequenceNumber, sealer.sequenceNumber);
        },
      ),
      { numRuns },
    );
  });

  test(`${algorithm}: tampering any byte → bad_record_mac (header bytes: AAD)`, () => {
    const { sealer, key, iv } = pair(algorithm);
    const record = sealer.seal(ContentType.application_data, new Uint8Array(randomBytes(40)), 3);
    fc.assert(
      fc.property(fc.nat({ max: record.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, flip) => {
        // bytes 0 (type) and 3-4 (length) are checked before decryption; the others reach the AEAD
        fc.pre(at !== 0 && at !== 3 && at !== 4);
        const bad = record.slice();
        bad[at]! ^= flip;
        const opener = new RecordOpener13(key, iv);
        assert.equal(code(() => opener.open(bad.subarray(0, 5), bad.subarray(5))), 'ERR_TLS_BAD_RECORD_MAC');
        assert.equal(opener.sequenceNumber, 0n);
      }),
      { numRuns },
    );
    // truncated ciphertext: too short for the tag
    const opener = new RecordOpener13(key, iv);
    assert.equal(code(() => opener.open(Uint8Array.of(23, 3, 3, 0, 15), new Uint8Array(15))), 'ERR_TLS_BAD_RECORD_MAC');
  });

  test(`${algorithm}: wrong sequence number → bad_record_mac`, () => {
    const { sealer, key, iv } = pair(algorithm);
    const r0 = sealer.seal(ContentType.application_data, Uint8Array.of(1, 2, 3));
    const r1 = sealer.seal(ContentType.application_data, Uint8Array.of(1, 2, 3));
    const opener = new RecordOpener13(key, iv);
    assert.equal(code(() => opener.open(r1.subarray(0, 5), r1.subarray(5))), 'ERR_TLS_BAD_RECORD_MAC');
    opener.open(r0.subarray(0, 5), r0.subarray(5));
    assert.equal(code(() => opener.open(r0.subarray(0, 5), r0.subarray(5))), 'ERR_TLS_BAD_RECORD_MAC'); // replay
    opener.open(r1.subarray(0, 5), r1.subarray(5));
    assert.equal(opener.sequenceNumber, 2n);
  });
}

/** Seals an arbitrary TLSInnerPlaintext (bypassing the sealer's checks) as a record. */
function rawRecord(key: AeadKey, iv: Uint8Array, inner: Uint8Array, seq = 0): Uint8Array {
  const len = inner.length + 16;
  const header = Uint8Array.of(23, 3, 3, len >>> 8, len & 0xff);
  const nonce = iv.slice();
  nonce[11]! ^= seq;
  const out = key.seal(nonce, header, inner, 5);
  out.set(header);
  return out;
}

test('padding is stripped; all-zero inner plaintext → unexpected_message', () => {
  const { key, iv } = pair('aes-128-gcm');
  const inner = new Uint8Array(20);
  inner.set([7, 0, 7], 0);
  inner[3] = ContentType.application_data;
  const rec = rawRecord(key, iv, inner);
  const out = new RecordOpener13(key, iv).open(rec.subarray(0, 5), rec.subarray(5));
  assert.deepEqual([...out.content], [7, 0, 7]);
  for (const n of [0, 1, 100]) {
    const zero = rawRecord(key, iv, new Uint8Array(n));
    assert.equal(code(() => new RecordOpener13(key, iv).open(zero.subarray(0, 5), zero.subarray(5))), 'ERR_TLS_UNEXPECTED_MESSAGE');
  }
});

test('inner content type checks: empty handshake/alert, CCS, unknown types → unexpected_message', () => {
  const { key, iv } = pair('chacha20-poly1305');
  const open = (inner: Uint8Array): string => {
    const rec = rawRecord(key, iv, inner);
    return code(() => new RecordOpener13(key, iv).open(rec.subarray(0, 5), rec.subarray(5)));
  };
  assert.equal(open(Uint8Array.of(ContentType.handshake, 0, 0)), 'ERR_TLS_UNEXPECTED_MESSAGE');
  assert.equal(open(Uint8Array.of(ContentType.alert)), 'ERR_TLS_UNEXPECTED_MESSAGE');
  assert.equal(open(Uint8Array.of(1, ContentType.change_cipher_spec)), 'ERR_TLS_UNEXPECTED_MESSAGE');
  assert.equal(open(Uint8Array.of(1, 99)), 'ERR_TLS_UNEXPECTED_MESSAGE');
  assert.equal(open(Uint8Array.of(ContentType.application_data, 0)), 'no error'); // empty app data is allowed
  // a protected record whose outer type is not 23 (e.g. CCS) is refused before decryption
  const rec = rawRecord(key, iv, Uint8Array.of(1, 23));
  const bad = rec.slice();
  bad[0] = ContentType.change_cipher_spec;
  assert.equal(code(() => new RecordOpener13(key, iv).open(bad.subarray(0, 5), bad.subarray(5))), 'ERR_TLS_UNEXPECTED_MESSAGE');
});

test('inner plaintext bound: 2^14 + 1 accepted, 2^14 + 2 → record_overflow (RFC 8446 §5.4)', () => {
  const { key, iv, sealer } = pair('aes-256-gcm');
  const max = new Uint8Array(MAX_INNER_PLAINTEXT_LENGTH);
  max[max.length - 1] = ContentType.application_data;
  const ok = rawRecord(key, iv, max);
  const d = new RecordDeframer();
  d.push(ok);
  const r = d.next();
  assert.ok(r !== null);
  assert.equal(new RecordOpener13(key, iv).open(r.header, r.fragment).content.length, 1 << 14);
  const over = new Uint8Array(MAX_INNER_PLAINTEXT_LENGTH + 1);
  over[over.length - 1] = ContentType.application_data;
  const big = rawRecord(key, iv, over);
  assert.equal(code(() => new RecordOpener13(key, iv).open(big.subarray(0, 5), big.subarray(5))), 'ERR_TLS_RECORD_OVERFLOW');
  // sealer: 2^14 content fits (inner = 2^14 + 1), one more byte or any padding does not
  assert.equal(sealer.seal(23, new Uint8Array(1 << 14)).length, 5 + (1 << 14) + 1 + 16);
  assert.equal(code(() => sealer.seal(23, new Uint8Array((1 << 14) + 1))), 'ERR_TLS_INTERNAL_ERROR');
  assert.equal(code(() => sealer.seal(23, new Uint8Array(1 << 14), 1)), 'ERR_TLS_INTERNAL_ERROR');
  assert.equal(code(() => sealer.seal(ContentType.handshake, new Uint8Array(0))), 'ERR_TLS_INTERNAL_ERROR');
});

test('record_size_limit on both ends (RFC 8449 §4): limit covers type byte and padding', () => {
  const { key, iv } = pair('aes-128-gcm');
  const sealer = new RecordSealer13(key, iv, { maxInnerPlaintext: 64 });
  const opener = new RecordOpener13(key, iv, { maxInnerPlaintext: 64 });
  assert.equal(sealer.maxContentLength(), 63);
  assert.equal(sealer.maxContentLength(10), 53);
  const r = sealer.seal(23, new Uint8Array(53), 10);
  assert.equal(opener.open(r.subarray(0, 5), r.subarray(5)).content.length, 53);
  assert.equal(code(() => sealer.seal(23, new Uint8Array(64))), 'ERR_TLS_INTERNAL_ERROR');
  const big = rawRecord(key, iv, Uint8Array.of(...new Uint8Array(64), 23), 1);
  assert.equal(code(() => opener.open(big.subarray(0, 5), big.subarray(5))), 'ERR_TLS_RECORD_OVERFLOW');
});

test('sequence numbers: the last one (2^64 - 1) is usable, then wrap is refused (RFC 8446 §5.3)', () => {
  const { key, iv } = pair('aes-128-gcm');
  const start = 0xffff_ffff_ffff_fffen;
  const sealer = new RecordSealer13(key, iv, { initialSequence: start });
  const opener = new RecordOpener13(key, iv, { initialSequence: start });
  for (let i = 0; i < 2; i++) {
    const r = sealer.seal(23, Uint8Array.of(i));
    assert.deepEqual([...opener.open(r.subarray(0, 5), r.subarray(5)).content], [i]);
  }
  assert.equal(code(() => sealer.seal(23, Uint8Array.of(9))), 'ERR_TLS_LIMIT_EXCEEDED');
  const r = new RecordSealer13(key, iv).seal(23, Uint8Array.of(1));
  assert.equal(code(() => opener.open(r.subarray(0, 5), r.subarray(5))), 'ERR_TLS_LIMIT_EXCEEDED');
  // nonce uses both halves: a sealer at 2^32 differs from one at 0
  const a = new RecordSealer13(key, iv, { initialSequence: 1n << 32n }).seal(23, Uint8Array.of(1));
  const b = new RecordSealer13(key, iv).seal(23, Uint8Array.of(1));
  assert.notDeepEqual(a, b);
  assert.equal(new RecordOpener13(key, iv, { initialSequence: 1n << 32n }).open(a.subarray(0, 5), a.subarray(5)).type, 23);
});

test('sealInto: parts sealed in place give the same bytes as seal() of their concatenation, at any offset', () => {
  for (const algorithm of ALGORITHMS) {
    const key = aeadKey(algorithm, randomBytes(AEAD_KEY_LENGTH[algorithm]));
    const iv = new Uint8Array(randomBytes(12));
    const a = new RecordSealer13(key, iv);
    const b = new RecordSealer13(key, iv);
    const content = new Uint8Array(randomBytes(3000));
    const parts = [content.subarray(0, 1), content.subarray(1, 1), content.subarray(1, 2000), content.subarray(2000)];
    for (const padding of [0, 7]) {
      const want = a.seal(ContentType.application_data, content, padding);
      const out = new Uint8Array(11 + RecordSealer13.recordLength(content.length, padding) + 3).fill(0xee);
      const end = b.sealInto(ContentType.application_data, parts, out, 11, padding);
      assert.equal(end, 11 + want.length);
      assert.equal(toHex(out.subarray(11, end)), toHex(want));
      assert.ok(out.subarray(0, 11).every((x) => x === 0xee) && out.subarray(end).every((x) => x === 0xee), 'nothing written outside the record');
    }
    // an empty application_data record (no parts at all)
    const want = a.seal(ContentType.application_data, new Uint8Array(0));
    const out = new Uint8Array(RecordSealer13.recordLength(0));
    assert.equal(b.sealInto(ContentType.application_data, [], out, 0), out.length);
    assert.equal(toHex(out), toHex(want));
    assert.equal(a.sequenceNumber, b.sequenceNumber);
  }
});

test('sealInto: checks limits and room, and works with a provider AEAD that has no sealInto', () => {
  const real = aeadKey('aes-128-gcm', randomBytes(16));
  const plain: AeadKey = { algorithm: real.algorithm, seal: (n, a, p, h) => real.seal(n, a, p, h), open: (n, a, c) => real.open(n, a, c) };
  const iv = new Uint8Array(randomBytes(12));
  const fast = new RecordSealer13(real, iv);
  const slow = new RecordSealer13(plain, iv, { maxInnerPlaintext: 101 });
  const opener = new RecordOpener13(real, iv);
  const parts = [Uint8Array.of(1, 2), Uint8Array.of(3)];
  const out = new Uint8Array(RecordSealer13.recordLength(3));
  assert.equal(slow.sealInto(ContentType.handshake, parts, out, 0), out.length);
  assert.equal(toHex(out), toHex(fast.seal(ContentType.handshake, Uint8Array.of(1, 2, 3))));
  const opened = opener.open(out.subarray(0, 5), out.subarray(5));
  assert.equal(opened.type, ContentType.handshake);
  assert.deepEqual([...opened.content], [1, 2, 3]);
  assert.equal(code(() => slow.sealInto(ContentType.application_data, [new Uint8Array(101)], new Uint8Array(200), 0)), 'ERR_TLS_INTERNAL_ERROR');
  assert.equal(code(() => fast.sealInto(ContentType.application_data, [new Uint8Array(10)], new Uint8Array(RecordSealer13.recordLength(10) - 1), 0)), 'ERR_TLS_INTERNAL_ERROR');
  assert.equal(code(() => fast.sealInto(ContentType.alert, [], new Uint8Array(100), 0)), 'ERR_TLS_INTERNAL_ERROR');
  // a refused record does not consume a sequence number
  assert.equal(slow.sequenceNumber, 1n);
});
