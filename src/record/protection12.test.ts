import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import type { AeadAlgorithm, AeadKey } from '../crypto/provider.js';
import { AEAD_KEY_LENGTH } from '../crypto/provider.js';
import { nodeCryptoProvider } from '../crypto/node-provider.js';
import { TlsError } from '../errors.js';
import { ContentType } from '../registry/codepoints.js';
import { RecordDeframer } from './deframer.js';
import { RecordOpener12, RecordSealer12 } from './protection12.js';

const numRuns = Number(process.env.FUZZ_RUNS ?? 200);
const ALGORITHMS: readonly AeadAlgorithm[] = ['aes-128-gcm', 'aes-256-gcm', 'chacha20-poly1305'];

/** The real provider's AEAD (node:crypto). */
function aeadKey(algorithm: AeadAlgorithm, key: Uint8Array): AeadKey {
  return nodeCryptoProvider.aead(algorithm, key);
}

interface Setup {
  key: AeadKey;
  rawKey: Uint8Array;
  iv: Uint8Array;
}

function setup(algorithm: AeadAlgorithm): Setup {
  const rawKey = new Uint8Array(randomBytes(AEAD_KEY_LENGTH[algorithm]));
  const iv = new Uint8Array(randomBytes(algorithm === 'chacha20-poly1305' ? 12 : 4));
  return { key: aeadKey(algorithm, rawKey), rawKey, iv };
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

function u64(n: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, n);
  return b;
}

/** Independent construction of a TLS 1.2 AEAD record straight from RFC 5246/5288/7905. */
function expectedRecord(algorithm: AeadAlgorithm, s: Setup, seq: bigint, type: number, content: Uint8Array): Uint8Array {
  const aad = new Uint8Array([...u64(seq), type, 3, 3, content.length >>> 8, content.length & 0xff]);
  let nonce: Uint8Array;
  let explicit: Uint8Array;
  if (algorithm === 'chacha20-poly1305') {
    const padded = new Uint8Array([0, 0, 0, 0, ...u64(seq)]);
    nonce = s.iv.map((b, i) => b ^ padded[i]!);
    explicit = new Uint8Array(0);
  } else {
    nonce = new Uint8Array([...s.iv, ...u64(seq)]);
    explicit = u64(seq);
  }
  const sealed = s.key.seal(nonce, aad, content);
  const len = explicit.length + sealed.length;
  return new Uint8Array([type, 3, 3, len >>> 8, len & 0xff, ...explicit, ...sealed]);
}

for (const algorithm of ALGORITHMS) {
  test(`TLS 1.2 ${algorithm}: records match the RFC construction, round trip through the deframer`, () => {
    const s = setup(algorithm);
    const sealer = new RecordSealer12(s.key, s.iv);
    const opener = new RecordOpener12(s.key, s.iv);
    let seq = 0n;
    fc.assert(
      fc.property(
        fc.constantFrom(ContentType.handshake, ContentType.alert, ContentType.application_data),
        fc.uint8Array({ minLength: 1, maxLength: 300 }),
        (type, content) => {
          const record = sealer.seal(type, content);
          assert.deepEqual(record, expectedRecord(algorithm, s, seq, type, content));
          seq++;
          const d = new RecordDeframer({ maxRecordLength: 16384 + 2048 });
          d.push(record);
          const r = d.next();
          assert.ok(r !== null);
          const out = opener.open(r.header, r.fragment);
          assert.equal(out.type, type);
          assert.deepEqual(out.content, content);
          assert.equal(opener.sequenceNumber, seq);
        },
      ),
      { numRuns },
    );
  });

  test(`TLS 1.2 ${algorithm}: tamper → bad_record_mac; wrong sequence → bad_record_mac`, () => {
    const s = setup(algorithm);
    const record = new RecordSealer12(s.key, s.iv).seal(23, new Uint8Array(randomBytes(33)));
    fc.assert(
      fc.property(fc.nat({ max: record.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, flip) => {
        fc.pre(at !== 3 && at !== 4);
        const bad = record.slice();
        bad[at]! ^= flip;
        const opener = new RecordOpener12(s.key, s.iv);
        assert.equal(code(() => opener.open(bad.subarray(0, 5), bad.subarray(5))), 'ERR_TLS_BAD_RECORD_MAC');
      }),
      { numRuns },
    );
    const late = new RecordOpener12(s.key, s.iv, { initialSequence: 1n });
    assert.equal(code(() => late.open(record.subarray(0, 5), record.subarray(5))), 'ERR_TLS_BAD_RECORD_MAC');
    const short = algorithm === 'chacha20-poly1305' ? 15 : 23;
    const hdr = Uint8Array.of(23, 3, 3, 0, short);
    assert.equal(code(() => new RecordOpener12(s.key, s.iv).open(hdr, new Uint8Array(short))), 'ERR_TLS_BAD_RECORD_MAC');
  });
}

test('TLS 1.2: plaintext bound 2^14 accepted, 2^14 + 1 → record_overflow; record_size_limit', () => {
  const s = setup('aes-128-gcm');
  const max = new RecordSealer12(s.key, s.iv).seal(23, new Uint8Array(1 << 14));
  assert.equal(new RecordOpener12(s.key, s.iv).open(max.subarray(0, 5), max.subarray(5)).content.length, 1 << 14);
  const over = expectedRecord('aes-128-gcm', s, 0n, 23, new Uint8Array((1 << 14) + 1));
  assert.equal(code(() => new RecordOpener12(s.key, s.iv).open(over.subarray(0, 5), over.subarray(5))), 'ERR_TLS_RECORD_OVERFLOW');
  assert.equal(code(() => new RecordSealer12(s.key, s.iv).seal(23, new Uint8Array((1 << 14) + 1))), 'ERR_TLS_INTERNAL_ERROR');
  const limited = new RecordSealer12(s.key, s.iv, { maxPlaintext: 64 });
  limited.seal(23, new Uint8Array(64));
  assert.equal(code(() => limited.seal(23, new Uint8Array(65))), 'ERR_TLS_INTERNAL_ERROR');
  const opener = new RecordOpener12(s.key, s.iv, { maxPlaintext: 64 });
  const r = expectedRecord('aes-128-gcm', s, 0n, 23, new Uint8Array(65));
  assert.equal(code(() => opener.open(r.subarray(0, 5), r.subarray(5))), 'ERR_TLS_RECORD_OVERFLOW');
  assert.equal(code(() => new RecordSealer12(s.key, s.iv).seal(22, new Uint8Array(0))), 'ERR_TLS_INTERNAL_ERROR');
  assert.equal(code(() => new RecordSealer12(s.key, new Uint8Array(12))), 'ERR_TLS_INTERNAL_ERROR'); // GCM salt is 4 bytes
});

test('TLS 1.2: sequence number wrap refused', () => {
  const s = setup('chacha20-poly1305');
  const sealer = new RecordSealer12(s.key, s.iv, { initialSequence: 0xffff_ffff_ffff_ffffn });
  const opener = new RecordOpener12(s.key, s.iv, { initialSequence: 0xffff_ffff_ffff_ffffn });
  const r = sealer.seal(23, Uint8Array.of(5));
  assert.deepEqual([...opener.open(r.subarray(0, 5), r.subarray(5)).content], [5]);
  assert.equal(code(() => sealer.seal(23, Uint8Array.of(5))), 'ERR_TLS_LIMIT_EXCEEDED');
  assert.equal(code(() => opener.open(r.subarray(0, 5), r.subarray(5))), 'ERR_TLS_LIMIT_EXCEEDED');
});
