import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { HashAlgorithm } from '../crypto/provider.js';
import { nodeCryptoProvider } from '../crypto/node-provider.js';
import { fromHex, toHex, utf8 } from '../wire/bytes.js';
import { Writer } from '../wire/writer.js';
import { deriveSecret, hkdf, hkdfExpand, hkdfExpandLabel, hkdfExtract, Label, tls13Label } from './hkdf.js';

const provider = nodeCryptoProvider;
const FUZZ_RUNS = Number(process.env['FUZZ_RUNS'] ?? 200);

// RFC 5869 Appendix A.1-A.7.
const rfc5869: { name: string; hash: HashAlgorithm; ikm: string; salt: string; info: string; length: number; prk: string; okm: string }[] = [
  {
    name: 'A.1 basic SHA-256',
    hash: 'sha256',
    ikm: '0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b',
    salt: '000102030405060708090a0b0c',
    info: 'f0f1f2f3f4f5f6f7f8f9',
    length: 42,
    prk: '077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5',
    okm: '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865',
  },
  {
    name: 'A.2 longer inputs/outputs SHA-256',
    hash: 'sha256',
    ikm:
      '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f' +
      '303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f',
    salt:
      '606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f' +
      '909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeaf',
    info:
      'b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf' +
      'e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff',
    length: 82,
    prk: '06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244',
    okm:
      'b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09' +
      'da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87',
  },
  {
    name: 'A.3 zero-length salt/info SHA-256',
    hash: 'sha256',
    ikm: '0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b',
    salt: '',
    info: '',
    length: 42,
    prk: '19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04',
    okm: '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8',
  },
];

for (const v of rfc5869) {
  test(`RFC 5869 ${v.name}`, () => {
    const prk = hkdfExtract(provider, v.hash, v.salt === '' ? null : fromHex(v.salt), fromHex(v.ikm));
    assert.equal(toHex(prk), v.prk);
    assert.equal(toHex(hkdfExpand(provider, v.hash, prk, fromHex(v.info), v.length)), v.okm);
    // An explicit empty salt is the same as none (HMAC pads the key with zeros).
    if (v.salt === '') assert.equal(toHex(hkdfExtract(provider, v.hash, new Uint8Array(0), fromHex(v.ikm))), v.prk);
  });
}

test('HKDF-Expand: every length up to 3 blocks is a prefix of the longest output', () => {
  const h = hkdf(provider, 'sha384');
  const prk = h.extract(null, utf8('ikm'));
  const long = h.expand(prk, utf8('info'), 48 * 3 + 5);
  for (let n = 0; n <= long.length; n++) assert.deepEqual(h.expand(prk, utf8('info'), n), long.subarray(0, n));
});

test('HKDF-Expand rejects L > 255*HashLen and bad lengths, without secrets in the message', () => {
  const h = hkdf(provider, 'sha256');
  const prk = new Uint8Array(32).fill(0xab);
  assert.equal(h.expand(prk, new Uint8Array(0), 255 * 32).length, 255 * 32);
  for (const n of [255 * 32 + 1, -1, 1.5]) {
    assert.throws(
      () => h.expand(prk, new Uint8Array(0), n),
      (e: unknown) => e instanceof Error && 'code' in e && e.code === 'ERR_TLS_INTERNAL_ERROR' && !e.message.includes('abab'),
    );
  }
});

/** HKDF-Expand-Label written the slow, obvious way (RFC 8446 §7.1) to cross-check the fast path. */
function slowExpandLabel(hash: HashAlgorithm, secret: Uint8Array, label: Uint8Array, context: Uint8Array, length: number): Uint8Array {
  const w = new Writer();
  w.u16(length);
  w.opaque8(new Uint8Array([...utf8('tls13 '), ...label]));
  w.opaque8(context);
  return hkdfExpand(provider, hash, secret, w.finish(), length);
}

test('HKDF-Expand-Label matches the HkdfLabel structure built with Writer', () => {
  fc.assert(
    fc.property(
      fc.constantFrom<HashAlgorithm>('sha256', 'sha384'),
      fc.uint8Array({ minLength: 1, maxLength: 64 }),
      fc.uint8Array({ minLength: 0, maxLength: 249 }),
      fc.uint8Array({ minLength: 0, maxLength: 255 }),
      fc.integer({ min: 0, max: 200 }),
      (hash, secret, label, context, length) => {
        const fast = hkdf(provider, hash).expandLabel(secret, tls13Label(label), context, length);
        assert.deepEqual(fast, slowExpandLabel(hash, secret, label, context, length));
      },
    ),
    { numRuns: FUZZ_RUNS },
  );
});

test('HKDF-Expand-Label: string labels are cached, labels over 249 bytes and contexts over 255 are rejected', () => {
  assert.equal(tls13Label('c hs traffic'), Label.c_hs_traffic);
  assert.deepEqual(Label.derived.encoded, new Uint8Array([13, ...utf8('tls13 derived')]));
  assert.throws(() => tls13Label('x'.repeat(250)), /label/);
  const secret = new Uint8Array(32);
  assert.throws(() => hkdfExpandLabel(provider, 'sha256', secret, 'key', new Uint8Array(256), 16), /context/);
  // Function forms equal the class forms.
  const h = hkdf(provider, 'sha256');
  assert.deepEqual(hkdfExpandLabel(provider, 'sha256', secret, 'key', new Uint8Array(0), 16), h.expandLabel(secret, Label.key, new Uint8Array(0), 16));
  assert.deepEqual(deriveSecret(provider, 'sha256', secret, 'derived', h.emptyHash), h.deriveSecret(secret, Label.derived, h.emptyHash));
});

test('RFC 8446 §7.1 / RFC 8448 §3: early secret and "derived" (no PSK, SHA-256)', () => {
  const h = hkdf(provider, 'sha256');
  const early = h.extract(null, h.zeroKey);
  assert.equal(toHex(early), '33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a');
  assert.equal(toHex(h.emptyHash), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal(
    toHex(h.deriveSecret(early, Label.derived, h.emptyHash)),
    '6f2615a108c702c5678f54fc9dbab69716c076189c48250cebeac3576c3611ba',
  );
});
