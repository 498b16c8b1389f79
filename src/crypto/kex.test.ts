import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import fc from 'fast-check';
import { TlsError } from '../errors.js';
import { NamedGroup } from '../registry/codepoints.js';
import { fromHex, toHex } from '../wire/bytes.js';
import { nodeCryptoProvider as p } from './node-provider.js';
import { okpDerive, okpFromPrivate } from './node-kex.js';

const illegal = (e: unknown): boolean => e instanceof TlsError && e.code === 'ERR_TLS_ILLEGAL_PARAMETER' && e.alert === 'illegal_parameter';

test('X25519: RFC 7748 §5.2 function vectors (peer value imported via JWK)', () => {
  const vectors = [
    [
      'a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4',
      'e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c',
      'c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552',
    ],
    [
      '4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d',
      'e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493',
      '95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957',
    ],
  ] as const;
  for (const [scalar, u, out] of vectors) {
    assert.equal(toHex(okpDerive(okpFromPrivate('x25519', fromHex(scalar)), fromHex(u))), out);
  }
});

test('X25519: RFC 7748 §6.1 Diffie-Hellman vector', () => {
  const a = okpFromPrivate('x25519', fromHex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a'));
  const b = okpFromPrivate('x25519', fromHex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb'));
  assert.equal(toHex(a.publicKey), '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
  assert.equal(toHex(b.publicKey), 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
  const k = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';
  assert.equal(toHex(okpDerive(a, b.publicKey)), k);
  assert.equal(toHex(okpDerive(b, a.publicKey)), k);
  // A mismatching scripted public key is refused.
  assert.throws(() => okpFromPrivate('x25519', fromHex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a'), b.publicKey));
});

test('X25519: generate + respond agree; wrong length and all-zero secrets are illegal_parameter', () => {
  const c = p.generateKeyShare(NamedGroup.x25519);
  assert.equal(c.group, NamedGroup.x25519);
  assert.equal(c.publicKey.length, 32);
  const s = p.respondToKeyShare(NamedGroup.x25519, c.publicKey);
  assert.equal(s.publicKey.length, 32);
  assert.deepEqual(c.deriveSecret(s.publicKey), s.sharedSecret);
  for (const bad of [new Uint8Array(31), new Uint8Array(33), new Uint8Array(0)]) {
    assert.throws(() => c.deriveSecret(bad), illegal);
    assert.throws(() => p.respondToKeyShare(NamedGroup.x25519, bad), illegal);
  }
  // RFC 7748 §6.1 / RFC 8446 §7.4.2: small-order points give the all-zero secret.
  const smallOrder = [
    '0000000000000000000000000000000000000000000000000000000000000000',
    '0100000000000000000000000000000000000000000000000000000000000000',
    'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
    'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  ];
  for (const u of smallOrder) {
    assert.throws(() => c.deriveSecret(fromHex(u)), illegal, u);
    assert.throws(() => p.respondToKeyShare(NamedGroup.x25519, fromHex(u)), illegal, u);
  }
});

test('X448: generate + respond agree', () => {
  const c = p.generateKeyShare(NamedGroup.x448);
  assert.equal(c.publicKey.length, 56);
  const s = p.respondToKeyShare(NamedGroup.x448, c.publicKey);
  assert.deepEqual(c.deriveSecret(s.publicKey), s.sharedSecret);
  assert.throws(() => c.deriveSecret(new Uint8Array(56)), illegal);
  assert.throws(() => c.deriveSecret(new Uint8Array(32)), illegal);
});

for (const [group, len] of [
  [NamedGroup.secp256r1, 65],
  [NamedGroup.secp384r1, 97],
  [NamedGroup.secp521r1, 133],
] as const) {
  test(`NIST group ${group}: generate + respond agree; invalid shares are illegal_parameter`, () => {
    const c = p.generateKeyShare(group);
    assert.equal(c.publicKey.length, len);
    assert.equal(c.publicKey[0], 4);
    const s = p.respondToKeyShare(group, c.publicKey);
    assert.equal(s.publicKey.length, len);
    const secret = c.deriveSecret(s.publicKey);
    assert.equal(secret.length, (len - 1) / 2); // RFC 8446 §7.4.2: the x-coordinate, full width
    assert.deepEqual(secret, s.sharedSecret);

    const good = s.publicKey;
    const cases: Uint8Array[] = [];
    cases.push(good.subarray(0, len - 1)); // short
    cases.push(new Uint8Array([...good, 0])); // long
    cases.push(new Uint8Array(0));
    cases.push(new Uint8Array([0])); // point at infinity
    // compressed form of the same point (RFC 8446 §4.2.8.2: uncompressed only)
    cases.push(new Uint8Array([2 + (good[len - 1]! & 1), ...good.subarray(1, 1 + (len - 1) / 2)]));
    const hybridForm = good.slice();
    hybridForm[0] = 6 + (good[len - 1]! & 1); // X9.62 hybrid form, right length
    cases.push(hybridForm);
    const offCurve = good.slice();
    offCurve[len - 1]! ^= 1; // y changed: not on the curve
    cases.push(offCurve);
    const bigX = good.slice();
    bigX.fill(0xff, 1, 1 + (len - 1) / 2); // x >= p
    cases.push(bigX);
    cases.push(new Uint8Array([4, ...new Uint8Array(len - 1)])); // (0, 0)
    for (const bad of cases) {
      assert.throws(() => c.deriveSecret(bad), illegal, toHex(bad));
      assert.throws(() => p.respondToKeyShare(group, bad), illegal, toHex(bad));
    }
  });
}

test('P-256 shared secret is always 32 bytes (left-padded x-coordinate)', () => {
  for (let i = 0; i < 300; i++) {
    const c = p.generateKeyShare(NamedGroup.secp256r1);
    const s = p.respondToKeyShare(NamedGroup.secp256r1, c.publicKey);
    assert.equal(s.sharedSecret.length, 32);
  }
});

test('X25519MLKEM768: round trip, sizes 1216/1120/64', () => {
  const c = p.generateKeyShare(NamedGroup.X25519MLKEM768);
  assert.equal(c.group, NamedGroup.X25519MLKEM768);
  assert.equal(c.publicKey.length, 1216);
  const s = p.respondToKeyShare(NamedGroup.X25519MLKEM768, c.publicKey);
  assert.equal(s.publicKey.length, 1120);
  assert.equal(s.sharedSecret.length, 64);
  assert.deepEqual(c.deriveSecret(s.publicKey), s.sharedSecret);
});

test('X25519MLKEM768: layout is ML-KEM first, then X25519 (draft-ietf-tls-ecdhe-mlkem §3)', () => {
  const c = p.generateKeyShare(NamedGroup.X25519MLKEM768);
  const s = p.respondToKeyShare(NamedGroup.X25519MLKEM768, c.publicKey);
  const clientX = c.publicKey.subarray(1184);
  // The first 1184 bytes are an ML-KEM-768 encapsulation key (it passes FIPS 203's modulus check).
  assert.doesNotThrow(() => ml_kem768.encapsulate(c.publicKey.subarray(0, 1184)));
  // (test-provider.test.ts checks the exact layout with scripted ML-KEM randomness.)
  const secret = c.deriveSecret(s.publicKey);
  assert.deepEqual(secret, s.sharedSecret);
  // Replacing the server's X25519 half changes only the last 32 bytes of the secret.
  const other = p.respondToKeyShare(NamedGroup.x25519, clientX);
  const mixed = new Uint8Array(s.publicKey);
  mixed.set(other.publicKey, 1088);
  const secret2 = c.deriveSecret(mixed);
  assert.deepEqual(secret2.subarray(0, 32), secret.subarray(0, 32));
  assert.deepEqual(secret2.subarray(32), other.sharedSecret);
});

test('X25519MLKEM768: corrupted or malformed shares', () => {
  const c = p.generateKeyShare(NamedGroup.X25519MLKEM768);
  const s = p.respondToKeyShare(NamedGroup.X25519MLKEM768, c.publicKey);
  // wrong lengths (§3.1.2: illegal_parameter)
  for (const n of [0, 32, 1119, 1121, 1216]) assert.throws(() => c.deriveSecret(new Uint8Array(n)), illegal);
  for (const n of [0, 32, 1184, 1215, 1217, 1120]) {
    assert.throws(() => p.respondToKeyShare(NamedGroup.X25519MLKEM768, new Uint8Array(n)), illegal);
  }
  // an encapsulation key failing the FIPS 203 §7.2 modulus check (coefficient 4095 >= q)
  const badEk = new Uint8Array(c.publicKey);
  badEk[0] = 0xff;
  badEk[1] = 0xff;
  assert.throws(() => p.respondToKeyShare(NamedGroup.X25519MLKEM768, badEk), illegal);
  // all-zero X25519 halves (§3.1.3: the RFC 8446 all-zero check applies)
  const zeroX = new Uint8Array(c.publicKey);
  zeroX.fill(0, 1184);
  assert.throws(() => p.respondToKeyShare(NamedGroup.X25519MLKEM768, zeroX), illegal);
  const zeroXs = new Uint8Array(s.publicKey);
  zeroXs.fill(0, 1088);
  assert.throws(() => c.deriveSecret(zeroXs), illegal);
  // a corrupted ciphertext: ML-KEM rejects implicitly, so the secrets differ (the handshake
  // then fails at Finished), but nothing throws
  const badCt = new Uint8Array(s.publicKey);
  badCt[10]! ^= 0x40;
  const k = c.deriveSecret(badCt);
  assert.notDeepEqual(k.subarray(0, 32), s.sharedSecret.subarray(0, 32));
  assert.deepEqual(k.subarray(32), s.sharedSecret.subarray(32));
});

test('supportsGroup and unsupported groups', () => {
  for (const g of [NamedGroup.x25519, NamedGroup.secp256r1, NamedGroup.secp384r1, NamedGroup.X25519MLKEM768, NamedGroup.ffdhe2048, NamedGroup.ffdhe3072]) {
    assert.equal(p.supportsGroup(g), true);
  }
  for (const g of [NamedGroup.ffdhe4096, NamedGroup.MLKEM768, NamedGroup.SecP256r1MLKEM768, 0x0a0a]) {
    assert.equal(p.supportsGroup(g), false);
    assert.throws(() => p.generateKeyShare(g), (e: unknown) => e instanceof TlsError && e.code === 'ERR_TLS_INTERNAL_ERROR');
  }
});

test('random peer shares give a secret or illegal_parameter, never another exception', () => {
  const runs = Number(process.env['FUZZ_RUNS'] ?? 100);
  const sizes: Record<number, readonly [number, number]> = {
    [NamedGroup.x25519]: [32, 32],
    [NamedGroup.secp256r1]: [65, 65],
    [NamedGroup.secp384r1]: [97, 97],
    [NamedGroup.X25519MLKEM768]: [1216, 1120],
  };
  for (const [groupKey, [clientLen, serverLen]] of Object.entries(sizes)) {
    const group = Number(groupKey);
    const share = p.generateKeyShare(group);
    const lengths = fc.oneof(fc.constant(clientLen), fc.constant(serverLen), fc.nat({ max: clientLen + 2 }));
    const bytes = lengths.chain((n) =>
      fc.tuple(fc.uint8Array({ minLength: n, maxLength: n }), fc.boolean()).map(([b, uncompressed]) => {
        if (uncompressed && b.length > 0 && (group === NamedGroup.secp256r1 || group === NamedGroup.secp384r1)) b[0] = 4;
        return b;
      }),
    );
    fc.assert(
      fc.property(bytes, (b) => {
        for (const run of [() => p.respondToKeyShare(group, b).sharedSecret, () => share.deriveSecret(b)]) {
          try {
            assert.ok(run().length > 0);
          } catch (e) {
            assert.ok(illegal(e), String(e));
          }
        }
      }),
      { numRuns: group === NamedGroup.X25519MLKEM768 ? Math.max(10, runs >> 3) : runs },
    );
  }
});
