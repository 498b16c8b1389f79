import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { TlsError } from '../errors.js';
import { NamedGroup, SignatureScheme } from '../registry/codepoints.js';
import { fromHex, toHex, utf8 } from '../wire/bytes.js';
import { nodeCryptoProvider } from './node-provider.js';
import { createScriptedProvider } from './test-provider.js';

// RFC 8448 §3 (Simple 1-RTT Handshake)
const clientPriv = fromHex('49af42ba7f7994852d713ef2784bcbcaa7911de26adc5642cb634540e7ea5005');
const clientPub = fromHex('99381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c');
const serverPriv = fromHex('b1580eeadf6dd589b8ef4f2d5652578cc810e9980191ec8d058308cea216a21e');
const serverPub = fromHex('c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f');
const sharedIkm = '8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d';

const internal = (re: RegExp) => (e: unknown): boolean => e instanceof TlsError && e.code === 'ERR_TLS_INTERNAL_ERROR' && re.test(e.message);

test('RFC 8448 §3: scripted X25519 keys reproduce the key shares and the shared secret', () => {
  const client = createScriptedProvider(nodeCryptoProvider, { x25519PrivateKeys: [{ privateKey: clientPriv, publicKey: clientPub }] });
  const server = createScriptedProvider(nodeCryptoProvider, { x25519PrivateKeys: [serverPriv] });
  const share = client.generateKeyShare(NamedGroup.x25519);
  assert.equal(toHex(share.publicKey), toHex(clientPub));
  const resp = server.respondToKeyShare(NamedGroup.x25519, share.publicKey);
  assert.equal(toHex(resp.publicKey), toHex(serverPub));
  assert.equal(toHex(resp.sharedSecret), sharedIkm);
  assert.equal(toHex(share.deriveSecret(resp.publicKey)), sharedIkm);
  assert.deepEqual(client.remaining(), { random: 0, x25519PrivateKeys: 0, signatures: 0 });
  assert.throws(() => client.generateKeyShare(NamedGroup.x25519), internal(/x25519PrivateKeys queue is empty/));
  // Without scripted keys, x25519 shares are fresh; other groups go to the base provider.
  const free = createScriptedProvider(nodeCryptoProvider, {});
  const a = free.generateKeyShare(NamedGroup.x25519);
  const b = free.respondToKeyShare(NamedGroup.secp256r1, free.generateKeyShare(NamedGroup.secp256r1).publicKey);
  assert.equal(a.publicKey.length, 32);
  assert.equal(b.sharedSecret.length, 32);
});

test('scripted randomBytes: in order, copies, clear errors on empty queue or length mismatch', () => {
  const r1 = fromHex('00112233');
  const p = createScriptedProvider(nodeCryptoProvider, { random: [r1, new Uint8Array(32).fill(9), new Uint8Array(5)] });
  const got = p.randomBytes(4);
  assert.deepEqual(got, r1);
  got.fill(0);
  assert.equal(toHex(r1), '00112233'); // the script is not modified through the result
  assert.deepEqual(p.randomBytes(32), new Uint8Array(32).fill(9));
  assert.throws(() => p.randomBytes(6), internal(/randomBytes\(6\) call #3 but the next scripted value has 5 bytes/));
  assert.throws(() => p.randomBytes(1), internal(/random queue is empty/));
});

test('scripted X25519MLKEM768: ML-KEM randomness from the script; layout ML-KEM || X25519 both ways', () => {
  const seed = new Uint8Array(64).map((_, i) => i);
  const m = new Uint8Array(32).fill(0x42);
  const client = createScriptedProvider(nodeCryptoProvider, { random: [seed], x25519PrivateKeys: [clientPriv] });
  const server = createScriptedProvider(nodeCryptoProvider, { random: [m], x25519PrivateKeys: [serverPriv] });
  const share = client.generateKeyShare(NamedGroup.X25519MLKEM768);
  const kem = ml_kem768.keygen(seed);
  // draft-ietf-tls-ecdhe-mlkem §3.1.1: client share = encapsulation key || X25519 share
  assert.equal(toHex(share.publicKey), toHex(kem.publicKey) + toHex(clientPub));
  const resp = server.respondToKeyShare(NamedGroup.X25519MLKEM768, share.publicKey);
  const enc = ml_kem768.encapsulate(kem.publicKey, m);
  // §3.1.2: server share = ciphertext || X25519 share
  assert.equal(toHex(resp.publicKey), toHex(enc.cipherText) + toHex(serverPub));
  // §3.1.3: shared secret = ML-KEM shared secret || X25519 shared secret
  assert.equal(toHex(resp.sharedSecret), toHex(enc.sharedSecret) + sharedIkm);
  assert.equal(toHex(share.deriveSecret(resp.publicKey)), toHex(resp.sharedSecret));
  assert.equal(seed[0], 0); // the scripted values themselves are not wiped
  assert.deepEqual(server.remaining(), { random: 0, x25519PrivateKeys: 0, signatures: 0 });
});

test('scripted signatures: returned in order after a real check; verify really verifies', () => {
  const key = nodeCryptoProvider.generateSigningKey('p256');
  const pub = nodeCryptoProvider.importPublicKey(nodeCryptoProvider.publicKeyOf(key));
  const data = utf8('certificate verify content');
  const recorded = nodeCryptoProvider.sign(SignatureScheme.ecdsa_secp256r1_sha256, key, data);
  const p = createScriptedProvider(nodeCryptoProvider, { signatures: [recorded, recorded] });
  assert.deepEqual(p.sign(SignatureScheme.ecdsa_secp256r1_sha256, key, data), recorded);
  assert.throws(() => p.sign(SignatureScheme.ecdsa_secp256r1_sha256, key, utf8('other')), internal(/does not verify/));
  assert.throws(() => p.sign(SignatureScheme.ecdsa_secp256r1_sha256, key, data), internal(/signatures queue is empty/));
  assert.equal(p.verify(SignatureScheme.ecdsa_secp256r1_sha256, pub, data, recorded), true);
  assert.equal(p.verify(SignatureScheme.ecdsa_secp256r1_sha256, pub, utf8('x'), recorded), false);
  // unchecked mode returns whatever was scripted
  const loose = createScriptedProvider(nodeCryptoProvider, { signatures: [new Uint8Array([1, 2, 3])], checkSignatures: false });
  assert.deepEqual(loose.sign(SignatureScheme.ecdsa_secp256r1_sha256, key, data), new Uint8Array([1, 2, 3]));
  // without a signatures script, sign delegates
  const d = createScriptedProvider(nodeCryptoProvider, {});
  assert.equal(d.verify(SignatureScheme.ed25519, pub, data, new Uint8Array(64)), false);
  assert.equal(
    d.verify(SignatureScheme.ecdsa_secp256r1_sha256, pub, data, d.sign(SignatureScheme.ecdsa_secp256r1_sha256, key, data)),
    true,
  );
});

test('scripted provider delegates the rest to base', () => {
  const p = createScriptedProvider(nodeCryptoProvider, {});
  assert.equal(p.name, 'scripted(node:crypto)');
  assert.deepEqual(p.hash('sha256', utf8('abc')), nodeCryptoProvider.hash('sha256', utf8('abc')));
  assert.deepEqual(p.hmac('sha256', utf8('k'), utf8('abc')), nodeCryptoProvider.hmac('sha256', utf8('k'), utf8('abc')));
  const h = p.createHash('sha256');
  h.update(utf8('abc'));
  assert.deepEqual(h.digest(), nodeCryptoProvider.hash('sha256', utf8('abc')));
  const key = new Uint8Array(16);
  assert.deepEqual(
    p.aead('aes-128-gcm', key).seal(new Uint8Array(12), new Uint8Array(0), utf8('x')),
    nodeCryptoProvider.aead('aes-128-gcm', key).seal(new Uint8Array(12), new Uint8Array(0), utf8('x')),
  );
  assert.equal(p.supportsGroup(NamedGroup.X25519MLKEM768), true);
  const k = p.generateSigningKey('ed25519');
  assert.equal(p.importPrivateKey(p.exportPrivateKeyPem(k)).info.type, 'ed25519');
});
