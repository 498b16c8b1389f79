import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { TlsError } from '../errors.js';
import { fromHex } from '../wire/bytes.js';
import { isSingleSequence, parseSpkiFast } from './der.js';
import { importPublicKey } from './node-keys.js';

const runs = Number(process.env['FUZZ_RUNS'] ?? 200);

const spkis: Uint8Array[] = [
  generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey,
  generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey,
  generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey,
  generateKeyPairSync('ed25519').publicKey,
  generateKeyPairSync('ed448').publicKey,
].map((k) => new Uint8Array(k.export({ type: 'spki', format: 'der' })));

test('parseSpkiFast recognises RSA, EC, Ed25519, Ed448', () => {
  const kinds = spkis.map((s) => parseSpkiFast(s)?.kind);
  assert.deepEqual(kinds, ['rsa', 'ec', 'ec', 'ed25519', 'ed448']);
  const rsa = parseSpkiFast(spkis[0]!);
  assert.ok(rsa?.kind === 'rsa');
  assert.equal(rsa.bits, 1024);
  assert.deepEqual(rsa.e, fromHex('010001'));
});

test('parseSpkiFast declines non-DER encodings', () => {
  const ed = spkis[3]!; // 302a300506032b6570032100 || key
  assert.equal(parseSpkiFast(ed.subarray(0, ed.length - 1)), undefined);
  assert.equal(parseSpkiFast(new Uint8Array([...ed, 0])), undefined);
  // non-minimal outer length (0x81 0x2a)
  assert.equal(parseSpkiFast(new Uint8Array([0x30, 0x81, 0x2a, ...ed.subarray(2)])), undefined);
  // Ed25519 with (forbidden) NULL parameters
  assert.equal(parseSpkiFast(fromHex('302c300706032b65700500032100' + '11'.repeat(32))), undefined);
  // unused bits in the BIT STRING
  const unused = ed.slice();
  unused[11] = 1;
  assert.equal(parseSpkiFast(unused), undefined);
  assert.equal(isSingleSequence(ed), true);
  assert.equal(isSingleSequence(new Uint8Array([...ed, 0])), false);
  assert.equal(isSingleSequence(new Uint8Array(0)), false);
});

test('parseSpkiFast never throws on random input', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
      parseSpkiFast(b);
      isSingleSequence(b);
    }),
    { numRuns: runs * 5 },
  );
});

test('fast (JWK) and slow (DER) import agree on mutated SPKIs', () => {
  const outcome = (spki: Uint8Array, fast: boolean): string => {
    try {
      return JSON.stringify(importPublicKey(spki, fast).info);
    } catch (e) {
      assert.ok(e instanceof TlsError && e.code === 'ERR_TLS_BAD_CERTIFICATE', String(e));
      return 'bad_certificate';
    }
  };
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: spkis.length - 1 }),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 3 }),
      (which, flips) => {
        const spki = spkis[which]!.slice();
        // Mutate only the structure around the key (the first 30 bytes): mutating key bytes
        // would mostly test OpenSSL's number parsing, not our DER walk.
        for (const [at, x] of flips) spki[at % Math.min(30, spki.length)]! ^= x;
        assert.equal(outcome(spki, true), outcome(spki, false));
      },
    ),
    { numRuns: runs },
  );
});
