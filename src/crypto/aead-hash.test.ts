import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { TlsError } from '../errors.js';
import { fromHex, toHex, utf8 } from '../wire/bytes.js';
import { nodeCryptoProvider as p } from './node-provider.js';
import type { AeadAlgorithm } from './provider.js';

test('ChaCha20-Poly1305: RFC 8439 §2.8.2 vector', () => {
  const key = fromHex('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f');
  const nonce = fromHex('07000000' + '4041424344454647'); // 32-bit fixed-common part || IV
  const aad = fromHex('50515253c0c1c2c3c4c5c6c7');
  const pt = utf8("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.");
  const ct =
    'd31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b' +
    '1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc' +
    '3ff4def08e4b7a9de576d26586cec64b6116';
  const tag = '1ae10b594f09e26a7e902ecbd0600691';
  const aead = p.aead('chacha20-poly1305', key);
  const sealed = aead.seal(nonce, aad, pt);
  assert.equal(toHex(sealed), ct + tag);
  assert.deepEqual(aead.open(nonce, aad, sealed), pt);
});

test('AES-128-GCM: GCM specification test case 4 (McGrew & Viega)', () => {
  const key = fromHex('feffe9928665731c6d6a8f9467308308');
  const nonce = fromHex('cafebabefacedbaddecaf888');
  const aad = fromHex('feedfacedeadbeeffeedfacedeadbeefabaddad2');
  const pt = fromHex(
    'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39',
  );
  const ct =
    '42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091';
  const tag = '5bc94fbc3221a5db94fae95ae7121a47';
  const aead = p.aead('aes-128-gcm', key);
  assert.equal(toHex(aead.seal(nonce, aad, pt)), ct + tag);
  assert.deepEqual(aead.open(nonce, aad, fromHex(ct + tag)), pt);
});

const algorithms: readonly [AeadAlgorithm, number][] = [
  ['aes-128-gcm', 16],
  ['aes-256-gcm', 32],
  ['chacha20-poly1305', 32],
];

for (const [alg, keyLength] of algorithms) {
  test(`${alg}: round trip with header room; any tampering gives null`, () => {
    const aead = p.aead(alg, p.randomBytes(keyLength));
    assert.equal(aead.algorithm, alg);
    const nonce = p.randomBytes(12);
    const aad = fromHex('1703030011');
    for (const size of [0, 1, 17, 1000, 16384]) {
      const pt = p.randomBytes(size);
      for (const room of [0, 5]) {
        const out = aead.seal(nonce, aad, pt, room);
        assert.equal(out.length, room + size + 16);
        assert.deepEqual(out.subarray(0, room), new Uint8Array(room));
        assert.deepEqual(aead.open(nonce, aad, out.subarray(room)), pt);
      }
      const sealed = aead.seal(nonce, aad, pt);
      for (const at of [0, Math.floor(sealed.length / 2), sealed.length - 1]) {
        const bad = sealed.slice();
        bad[at]! ^= 1;
        assert.equal(aead.open(nonce, aad, bad), null);
      }
      assert.equal(aead.open(nonce, fromHex('1703030012'), sealed), null);
      const otherNonce = nonce.slice();
      otherNonce[11]! ^= 1;
      assert.equal(aead.open(otherNonce, aad, sealed), null);
      assert.equal(p.aead(alg, p.randomBytes(keyLength)).open(nonce, aad, sealed), null);
    }
    assert.equal(aead.open(nonce, aad, new Uint8Array(15)), null);
    assert.equal(aead.open(nonce, aad, new Uint8Array(0)), null);
  });
}

test('AEAD: bad key or nonce lengths are internal errors', () => {
  const internal = (e: unknown): boolean => e instanceof TlsError && e.code === 'ERR_TLS_INTERNAL_ERROR';
  assert.throws(() => p.aead('aes-128-gcm', new Uint8Array(32)), internal);
  assert.throws(() => p.aead('chacha20-poly1305', new Uint8Array(16)), internal);
  const a = p.aead('aes-128-gcm', new Uint8Array(16));
  assert.throws(() => a.seal(new Uint8Array(8), new Uint8Array(0), new Uint8Array(1)), internal);
  assert.throws(() => a.open(new Uint8Array(16), new Uint8Array(0), new Uint8Array(32)), internal);
});

test('hash, hmac match node:crypto; HashContext.digest is non-destructive; clone is independent', () => {
  const data = utf8('abc');
  assert.equal(toHex(p.hash('sha256', data)), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  for (const alg of ['sha256', 'sha384', 'sha512', 'sha1', 'md5'] as const) {
    assert.equal(toHex(p.hash(alg, data)), createHash(alg).update(data).digest('hex'));
  }
  // RFC 4231 test case 2
  assert.equal(
    toHex(p.hmac('sha256', utf8('Jefe'), utf8('what do ya want for nothing?'))),
    '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
  );
  const h = p.createHash('sha384');
  assert.equal(h.algorithm, 'sha384');
  h.update(utf8('a'));
  const d1 = h.digest();
  assert.deepEqual(h.digest(), d1); // digest twice: same value
  const c = h.clone();
  h.update(utf8('bc'));
  assert.deepEqual(h.digest(), p.hash('sha384', utf8('abc')));
  assert.deepEqual(c.digest(), p.hash('sha384', utf8('a'))); // clone unaffected
  c.update(utf8('x'));
  assert.deepEqual(c.digest(), p.hash('sha384', utf8('ax')));
  assert.deepEqual(h.digest(), p.hash('sha384', utf8('abc'))); // original unaffected
  assert.deepEqual(p.createHash('sha256').digest(), p.hash('sha256', new Uint8Array(0)));
});

test('randomBytes: lengths, pool boundaries, not repeating', () => {
  const seen = new Set<string>();
  for (const n of [0, 1, 32, 256, 257, 4096, 5000]) assert.equal(p.randomBytes(n).length, n);
  for (let i = 0; i < 500; i++) {
    const r = p.randomBytes(32);
    const hx = toHex(r);
    assert.equal(seen.has(hx), false);
    seen.add(hx);
  }
  assert.ok(p.randomBytes(64).some((b) => b !== 0));
  const a = p.randomBytes(16);
  a.fill(1); // callers own what they get
  assert.notDeepEqual(p.randomBytes(16), a);
  assert.throws(() => p.randomBytes(-1));
});
