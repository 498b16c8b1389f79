import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constants, createECDH, createPrivateKey, generateKeyPairSync, sign as nodeSign, type KeyObject } from 'node:crypto';
import { inspect } from 'node:util';
import { TlsError } from '../errors.js';
import { SignatureScheme as S } from '../registry/codepoints.js';
import { fromHex, toHex, utf8 } from '../wire/bytes.js';
import { importPublicKey } from './node-keys.js';
import { createNodeCryptoProvider, nodeCryptoProvider as p } from './node-provider.js';
import type { KeyInfo, PrivateKey } from './provider.js';

const internal = (e: unknown): boolean => e instanceof TlsError && e.code === 'ERR_TLS_INTERNAL_ERROR';
const badCert = (e: unknown): boolean => e instanceof TlsError && e.code === 'ERR_TLS_BAD_CERTIFICATE' && e.alert === 'bad_certificate';

const pem = (k: KeyObject): string => k.export({ type: 'pkcs8', format: 'pem' }).toString();

// One key of each kind, generated once.
const keys = {
  rsa: p.generateSigningKey('rsa2048'),
  rsaPss: p.importPrivateKey(pem(generateKeyPairSync('rsa-pss', { modulusLength: 2048 }).privateKey)),
  p256: p.generateSigningKey('p256'),
  p384: p.generateSigningKey('p384'),
  p521: p.generateSigningKey('p521'),
  ed25519: p.generateSigningKey('ed25519'),
  ed448: p.importPrivateKey(pem(generateKeyPairSync('ed448').privateKey)),
};

const expectedInfo: Record<keyof typeof keys, KeyInfo> = {
  rsa: { type: 'rsa', bits: 2048 },
  rsaPss: { type: 'rsa-pss', bits: 2048 },
  p256: { type: 'ec', curve: 'P-256', bits: 256 },
  p384: { type: 'ec', curve: 'P-384', bits: 384 },
  p521: { type: 'ec', curve: 'P-521', bits: 521 },
  ed25519: { type: 'ed25519', bits: 256 },
  ed448: { type: 'ed448', bits: 448 },
};

/** Every signing scheme with a key that can do it. */
const signable: readonly [number, keyof typeof keys][] = [
  [S.rsa_pkcs1_sha256, 'rsa'],
  [S.rsa_pkcs1_sha384, 'rsa'],
  [S.rsa_pkcs1_sha512, 'rsa'],
  [S.rsa_pss_rsae_sha256, 'rsa'],
  [S.rsa_pss_rsae_sha384, 'rsa'],
  [S.rsa_pss_rsae_sha512, 'rsa'],
  [S.rsa_pss_pss_sha256, 'rsaPss'],
  [S.rsa_pss_pss_sha384, 'rsaPss'],
  [S.rsa_pss_pss_sha512, 'rsaPss'],
  [S.ecdsa_secp256r1_sha256, 'p256'],
  [S.ecdsa_secp384r1_sha384, 'p384'],
  [S.ecdsa_secp521r1_sha512, 'p521'],
  [S.ed25519, 'ed25519'],
  [S.ed448, 'ed448'],
];

test('KeyInfo of generated and imported private keys, and of their public keys (both import paths)', () => {
  for (const [name, key] of Object.entries(keys) as [keyof typeof keys, PrivateKey][]) {
    assert.deepEqual(key.info, expectedInfo[name], name);
    const spki = p.publicKeyOf(key);
    assert.deepEqual(p.importPublicKey(spki).info, expectedInfo[name], name);
    assert.deepEqual(importPublicKey(spki, false).info, expectedInfo[name], `${name} (DER path)`);
  }
  assert.deepEqual(p.generateSigningKey('rsa3072').info, { type: 'rsa', bits: 3072 });
});

test('sign/verify round trip for every scheme; wrong key, scheme, data or signature → false', () => {
  const data = utf8('TLS 1.3, server CertificateVerify\0 transcript hash');
  const pubs = Object.fromEntries(Object.entries(keys).map(([n, k]) => [n, p.importPublicKey(p.publicKeyOf(k))])) as Record<
    keyof typeof keys,
    ReturnType<typeof p.importPublicKey>
  >;
  for (const [scheme, name] of signable) {
    const sig = p.sign(scheme, keys[name], data);
    assert.equal(p.verify(scheme, pubs[name], data, sig), true, `0x${scheme.toString(16)}`);
    // the DER import path verifies the same
    assert.equal(p.verify(scheme, importPublicKey(p.publicKeyOf(keys[name]), false), data, sig), true);
    const tampered = sig.slice();
    tampered[tampered.length >> 1]! ^= 1;
    assert.equal(p.verify(scheme, pubs[name], data, tampered), false);
    assert.equal(p.verify(scheme, pubs[name], utf8('other data'), sig), false);
    assert.equal(p.verify(scheme, pubs[name], data, new Uint8Array(0)), false);
    // every other key: false, never a throw
    for (const other of Object.keys(keys) as (keyof typeof keys)[]) {
      if (other !== name) assert.equal(p.verify(scheme, pubs[other], data, sig), false, `${name} sig, ${other} key`);
    }
    // every other scheme with the same key: false
    for (const [otherScheme] of signable) {
      if (otherScheme !== scheme) assert.equal(p.verify(otherScheme, pubs[name], data, sig), false);
    }
    assert.equal(p.verify(0x1234, pubs[name], data, sig), false);
  }
});

test('ECDSA: the scheme hash applies with any EC key (curve binding is the handshake job)', () => {
  const data = utf8('x509 tbsCertificate');
  const sig = p.sign(S.ecdsa_secp384r1_sha384, keys.p256, data);
  assert.equal(p.verify(S.ecdsa_secp384r1_sha384, p.importPublicKey(p.publicKeyOf(keys.p256)), data, sig), true);
  assert.equal(p.verify(S.ecdsa_secp256r1_sha256, p.importPublicKey(p.publicKeyOf(keys.p256)), data, sig), false);
});

test('RSA-PSS: salt length must equal the hash length (RFC 8446 §4.2.3)', () => {
  const data = utf8('data');
  const ko = createPrivateKey(p.exportPrivateKeyPem(keys.rsa));
  const pub = p.importPublicKey(p.publicKeyOf(keys.rsa));
  const pss = (saltLength: number): Uint8Array =>
    nodeSign('sha256', data, { key: ko, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength });
  assert.equal(p.verify(S.rsa_pss_rsae_sha256, pub, data, pss(32)), true);
  assert.equal(p.verify(S.rsa_pss_rsae_sha256, pub, data, pss(0)), false);
  assert.equal(p.verify(S.rsa_pss_rsae_sha256, pub, data, pss(64)), false);
  // rsa_pss_rsae needs an rsaEncryption key, rsa_pss_pss an RSASSA-PSS key
  assert.equal(p.verify(S.rsa_pss_pss_sha256, pub, data, pss(32)), false);
});

test('SHA-1 schemes verify only', () => {
  const data = utf8('legacy');
  const ko = createPrivateKey(p.exportPrivateKeyPem(keys.rsa));
  const sig = nodeSign('sha1', data, { key: ko, padding: constants.RSA_PKCS1_PADDING });
  assert.equal(p.verify(S.rsa_pkcs1_sha1, p.importPublicKey(p.publicKeyOf(keys.rsa)), data, sig), true);
  assert.throws(() => p.sign(S.rsa_pkcs1_sha1, keys.rsa, data), internal);
  const eko = createPrivateKey(p.exportPrivateKeyPem(keys.p256));
  const esig = nodeSign('sha1', data, { key: eko, dsaEncoding: 'der' });
  assert.equal(p.verify(S.ecdsa_sha1, p.importPublicKey(p.publicKeyOf(keys.p256)), data, esig), true);
  assert.throws(() => p.sign(S.ecdsa_sha1, keys.p256, data), internal);
});

test('sign throws internal_error when the key cannot do the scheme; foreign keys are internal errors', () => {
  const data = utf8('x');
  assert.throws(() => p.sign(S.ecdsa_secp256r1_sha256, keys.rsa, data), internal);
  assert.throws(() => p.sign(S.rsa_pss_pss_sha256, keys.rsa, data), internal);
  assert.throws(() => p.sign(S.rsa_pss_rsae_sha256, keys.rsaPss, data), internal);
  assert.throws(() => p.sign(S.rsa_pkcs1_sha256, keys.rsaPss, data), internal);
  assert.throws(() => p.sign(S.ed25519, keys.ed448, data), internal);
  assert.throws(() => p.sign(S.ed448, keys.p256, data), internal);
  assert.throws(() => p.sign(0x0000, keys.rsa, data), internal);
  const foreign: PrivateKey = { info: { type: 'ed25519', bits: 256 } };
  assert.throws(() => p.sign(S.ed25519, foreign, data), internal);
  assert.throws(() => p.publicKeyOf(foreign), internal);
  assert.throws(() => p.exportPrivateKeyPem(foreign), internal);
  assert.throws(() => p.verify(S.ed25519, { info: foreign.info }, data, new Uint8Array(64)), internal);
});

test('an RSA-PSS key restricted to SHA-256 cannot sign with SHA-384', () => {
  const restricted = p.importPrivateKey(
    pem(generateKeyPairSync('rsa-pss', { modulusLength: 2048, hashAlgorithm: 'sha256', mgf1HashAlgorithm: 'sha256' }).privateKey),
  );
  const data = utf8('x');
  const pub = p.importPublicKey(p.publicKeyOf(restricted));
  assert.equal(p.verify(S.rsa_pss_pss_sha256, pub, data, p.sign(S.rsa_pss_pss_sha256, restricted, data)), true);
  assert.throws(() => p.sign(S.rsa_pss_pss_sha384, restricted, data), internal);
});

test('private key import: PEM (PKCS#8, PKCS#1, SEC1, encrypted), DER PKCS#8; export round trip', () => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pkcs1 = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  assert.deepEqual(p.importPrivateKey(pkcs1).info, { type: 'rsa', bits: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey;
  assert.deepEqual(p.importPrivateKey(ec.export({ type: 'sec1', format: 'pem' }).toString()).info, expectedInfo.p384);
  const der = ec.export({ type: 'pkcs8', format: 'der' });
  assert.deepEqual(p.importPrivateKey(new Uint8Array(der)).info, expectedInfo.p384);
  const enc = ec.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret' }).toString();
  assert.deepEqual(p.importPrivateKey(enc, 'secret').info, expectedInfo.p384);
  const invalidOption = (e: unknown): boolean =>
    e instanceof TlsError && e.code === 'ERR_TLS_INVALID_OPTION' && !e.message.includes('secret') && !e.message.includes('BEGIN');
  assert.throws(() => p.importPrivateKey(enc, 'wrong'), invalidOption);
  assert.throws(() => p.importPrivateKey('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n'), invalidOption);
  assert.throws(() => p.importPrivateKey(new Uint8Array([0x30, 0x00])), invalidOption);
  const x25519 = generateKeyPairSync('x25519').privateKey;
  assert.throws(() => p.importPrivateKey(pem(x25519)), invalidOption);
  // export → import gives the same key
  for (const key of Object.values(keys)) {
    const again = p.importPrivateKey(p.exportPrivateKeyPem(key));
    assert.deepEqual(p.publicKeyOf(again), p.publicKeyOf(key));
    assert.match(p.exportPrivateKeyPem(key), /^-----BEGIN PRIVATE KEY-----\n/);
  }
});

test('private keys never print their material', () => {
  const opaque: unknown = keys.p256;
  const s = `${inspect(keys.p256)} ${String(opaque)} ${JSON.stringify({ k: keys.p256 })}`;
  assert.match(s, /NodePrivateKey\(ec P-256 256-bit\)/);
  assert.doesNotMatch(s, /BEGIN|[0-9a-f]{32}/);
});

test('importPublicKey: fallback path for compressed points; invalid keys are bad_certificate', () => {
  // RFC 5480 allows compressed points in an SPKI: not on the fast path, but node's DER import takes it.
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const compressed = new Uint8Array(ecdh.getPublicKey(null, 'compressed'));
  const spki = fromHex('3039301306072a8648ce3d020106082a8648ce3d030107032200' + toHex(compressed));
  assert.deepEqual(p.importPublicKey(spki).info, expectedInfo.p256);

  const good = p.publicKeyOf(keys.p256);
  const notOnCurve = good.slice();
  notOnCurve[notOnCurve.length - 1]! ^= 1;
  assert.throws(() => p.importPublicKey(notOnCurve), badCert);
  const p384 = p.publicKeyOf(keys.p384).slice();
  p384[p384.length - 1]! ^= 1;
  assert.throws(() => p.importPublicKey(p384), badCert);
  assert.throws(() => p.importPublicKey(new Uint8Array([...good, 0])), badCert); // trailing byte
  assert.throws(() => p.importPublicKey(good.subarray(0, good.length - 1)), badCert); // truncated
  assert.throws(() => p.importPublicKey(new Uint8Array(0)), badCert);
  assert.throws(() => p.importPublicKey(fromHex('3003020100')), badCert);
  // key types TLS does not sign with
  const x25519 = generateKeyPairSync('x25519').publicKey.export({ type: 'spki', format: 'der' });
  assert.throws(() => p.importPublicKey(new Uint8Array(x25519)), badCert);
  const dsa = generateKeyPairSync('dsa', { modulusLength: 1024, divisorLength: 160 }).publicKey.export({ type: 'spki', format: 'der' });
  assert.throws(() => p.importPublicKey(new Uint8Array(dsa)), badCert);
  const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey.export({ type: 'spki', format: 'der' });
  assert.throws(() => p.importPublicKey(new Uint8Array(k1)), badCert);
});

test('public key cache: same SPKI gives the same key object; bounded; failures are not cached', () => {
  const provider = createNodeCryptoProvider({ publicKeyCacheSize: 2 });
  const spkis = [keys.p256, keys.ed25519, keys.rsa].map((k) => p.publicKeyOf(k));
  const a = provider.importPublicKey(spkis[0]!);
  assert.equal(provider.importPublicKey(spkis[0]!.slice()), a);
  provider.importPublicKey(spkis[1]!);
  provider.importPublicKey(spkis[2]!); // evicts the least recently used (spkis[0])
  assert.notEqual(provider.importPublicKey(spkis[0]!), a);
  const bad = spkis[0]!.slice();
  bad[bad.length - 1]! ^= 1;
  assert.throws(() => provider.importPublicKey(bad), badCert);
  assert.throws(() => provider.importPublicKey(bad), badCert);
  const uncached = createNodeCryptoProvider({ publicKeyCacheSize: 0 });
  assert.notEqual(uncached.importPublicKey(spkis[0]!), uncached.importPublicKey(spkis[0]!));
});
