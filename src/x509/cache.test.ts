import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeCryptoProvider } from '../crypto/node-provider.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { SignatureCache } from './cache.js';
import { parseCertificate } from './certificate.js';
import { generateCertificate } from './generate.js';
import { verifyCertificateChain } from './path.js';
import { createDefaultVerifier } from './verify.js';

/** The node provider, counting signature verifications. */
function counting(): { provider: CryptoProvider; verifies: () => number } {
  let n = 0;
  const provider: CryptoProvider = {
    ...nodeCryptoProvider,
    verify: (scheme, key, data, signature) => {
      n++;
      return nodeCryptoProvider.verify(scheme, key, data, signature);
    },
  };
  return { provider, verifies: () => n };
}

const p = nodeCryptoProvider;
const root = generateCertificate({ subject: { CN: 'Cache Root' }, isCA: true }, p);
const inter = generateCertificate({ subject: { CN: 'Cache Intermediate' }, isCA: true, issuer: root }, p);
const leaf = generateCertificate({ subject: { CN: 'cache.example' }, issuer: inter, dnsNames: ['cache.example'] }, p);
const other = generateCertificate({ subject: { CN: 'cache.example' }, issuer: inter, dnsNames: ['cache.example'] }, p);

test('the handshake verifier checks a chain it has seen before without public-key operations', () => {
  const { provider, verifies } = counting();
  const v = createDefaultVerifier({ provider, trustAnchors: [root.certDer] });
  const req = { chain: [leaf.certDer, inter.certDer], hostname: 'cache.example', purpose: 'serverAuth' as const, time: new Date() };
  assert.ok(v.verify(req).ok);
  assert.equal(verifies(), 2, 'leaf by intermediate, intermediate by root');
  for (let i = 0; i < 5; i++) assert.ok(v.verify(req).ok);
  assert.equal(verifies(), 2, 'served from the cache');
  // another leaf from the same intermediate: only its own signature is checked
  assert.ok(v.verify({ ...req, chain: [other.certDer, inter.certDer] }).ok);
  assert.equal(verifies(), 3);
  // every other check still runs: the same cached chain at a later time is expired
  const late = v.verify({ ...req, time: new Date(Date.now() + 400 * 86_400_000) });
  assert.equal(late.ok, false);
  // with the caches off, every verification pays
  const { provider: p2, verifies: v2 } = counting();
  const cold = createDefaultVerifier({ provider: p2, trustAnchors: [root.certDer], signatureCacheSize: 0, parseCacheSize: 0 });
  assert.ok(cold.verify(req).ok);
  assert.ok(cold.verify(req).ok);
  assert.equal(v2(), 4);
});

test('SignatureCache: exact bytes — a tampered certificate is never served from the cache', () => {
  const { provider, verifies } = counting();
  const cache = new SignatureCache(provider, 16);
  const run = (der: Uint8Array): boolean => verifyCertificateChain({ provider, leaf: der, intermediates: [inter.certDer], trustAnchors: [root.certDer], hostname: 'cache.example', signatureCache: cache }).ok;
  assert.ok(run(leaf.certDer));
  const before = verifies();
  assert.ok(run(leaf.certDer));
  assert.equal(verifies(), before, 'a hit (bytes parsed anew, so through the exact-bytes LRU)');
  const tampered = leaf.certDer.slice();
  tampered[tampered.length - 3] = (tampered[tampered.length - 3] as number) ^ 1; // inside the signature
  assert.equal(run(tampered), false);
  assert.ok(verifies() > before, 'the tampered certificate was checked, not looked up');
  // a failure is not remembered as a success
  assert.equal(run(tampered), false);
  // the same objects hit without hashing: verify() on parsed objects
  const l = parseCertificate(leaf.certDer);
  const i = parseCertificate(inter.certDer);
  assert.equal(cache.verify(l, i, () => provider.importPublicKey(i.subjectPublicKeyInfo)), true);
  const n = verifies();
  assert.equal(cache.verify(l, i, () => assert.fail('no key needed on a hit')), true);
  assert.equal(verifies(), n);
});
