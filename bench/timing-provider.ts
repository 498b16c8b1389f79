// A CryptoProvider wrapper for the bench that adds the time spent inside the provider (node:crypto
// calls) to a counter: how much of a handshake's CPU is cryptographic primitives, and how much is
// everything else. Bench-only (performance.now() per call costs ~0.1 µs).
import type { AeadKey, CryptoProvider, HashContext, KeyShare } from '../src/crypto/provider.js';

export interface TimeSpent {
  ms: number;
}

function timed<A extends unknown[], R>(t: TimeSpent, f: (...args: A) => R): (...args: A) => R {
  return (...args: A): R => {
    const t0 = performance.now();
    try {
      return f(...args);
    } finally {
      t.ms += performance.now() - t0;
    }
  };
}

function timedHash(inner: HashContext, t: TimeSpent): HashContext {
  return {
    algorithm: inner.algorithm,
    update: timed(t, (d: Uint8Array) => inner.update(d)),
    digest: timed(t, () => inner.digest()),
    clone: timed(t, () => timedHash(inner.clone(), t)),
  };
}

function timedAead(inner: AeadKey, t: TimeSpent): AeadKey {
  const key: AeadKey = {
    algorithm: inner.algorithm,
    seal: timed(t, inner.seal.bind(inner)),
    open: timed(t, inner.open.bind(inner)),
  };
  if (inner.sealInto !== undefined) key.sealInto = timed(t, inner.sealInto.bind(inner));
  return key;
}

function timedShare(inner: KeyShare, t: TimeSpent): KeyShare {
  return { group: inner.group, publicKey: inner.publicKey, deriveSecret: timed(t, (p: Uint8Array) => inner.deriveSecret(p)) };
}

/** `base` with every call's duration added to `t.ms`. */
export function timingProvider(base: CryptoProvider, t: TimeSpent): CryptoProvider {
  const p: CryptoProvider = {
    name: `timed(${base.name})`,
    randomBytes: timed(t, base.randomBytes.bind(base)),
    hash: timed(t, base.hash.bind(base)),
    createHash: timed(t, (a: Parameters<CryptoProvider['createHash']>[0]) => timedHash(base.createHash(a), t)),
    hmac: timed(t, base.hmac.bind(base)),
    aead: timed(t, (a: Parameters<CryptoProvider['aead']>[0], k: Uint8Array) => timedAead(base.aead(a, k), t)),
    supportsGroup: base.supportsGroup.bind(base),
    generateKeyShare: timed(t, (g: number) => timedShare(base.generateKeyShare(g), t)),
    respondToKeyShare: timed(t, base.respondToKeyShare.bind(base)),
    importPublicKey: timed(t, base.importPublicKey.bind(base)),
    importPrivateKey: base.importPrivateKey.bind(base),
    publicKeyOf: base.publicKeyOf.bind(base),
    generateSigningKey: base.generateSigningKey.bind(base),
    exportPrivateKeyPem: base.exportPrivateKeyPem.bind(base),
    sign: timed(t, base.sign.bind(base)),
    verify: timed(t, base.verify.bind(base)),
  };
  if (base.dhKeyShare !== undefined) {
    const dh = base.dhKeyShare.bind(base);
    p.dhKeyShare = timed(t, (prime: Uint8Array, g: Uint8Array) => timedShare(dh(prime, g), t));
  }
  if (base.rsaEncryptPkcs1 !== undefined) p.rsaEncryptPkcs1 = timed(t, base.rsaEncryptPkcs1.bind(base));
  if (base.rsaDecryptPkcs1 !== undefined) p.rsaDecryptPkcs1 = timed(t, base.rsaDecryptPkcs1.bind(base));
  if (base.cbc !== undefined) p.cbc = base.cbc.bind(base);
  return p;
}
