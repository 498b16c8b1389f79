/**
 * A CryptoProvider wrapper that counts calls by kind, for tests that pin how much cryptographic
 * work a handshake does (src/connection/crypto-ops.test.ts) and for looking at where the work
 * goes. Every call is delegated to `base`; only the counters are added. Counting makes no
 * security claim and costs a few object allocations per call: not for production use.
 *
 * @example
 * const p = createCountingProvider(nodeCryptoProvider);
 * // ... run a handshake with `provider: p` ...
 * const before = p.snapshot();
 * // ... run another one ...
 * const ops = diffCounts(p.snapshot(), before);   // ops.hmac, ops.aeadSeals, ...
 */
import type { AeadKey, CryptoProvider, HashContext, KeyShare } from './provider.js';

/** Calls made through a provider, by kind. */
export interface CryptoOpCounts {
  /** randomBytes() calls. */
  random: number;
  /** One-shot hash() calls. */
  hash: number;
  /** createHash() calls (running hash contexts, e.g. a transcript). */
  hashContexts: number;
  /** HashContext.clone() calls. */
  hashClones: number;
  /** HashContext.digest() calls (each finalises a copy of the state). */
  digests: number;
  /** hmac() calls: HKDF-Extract, each HKDF-Expand block, Finished/binder MACs, the TLS 1.2 PRF. */
  hmac: number;
  /** aead() calls: AEAD keys bound (record keys, ticket keys). */
  aeadKeys: number;
  /** AeadKey.seal() and sealInto() calls. */
  aeadSeals: number;
  /** AeadKey.open() calls. */
  aeadOpens: number;
  /** generateKeyShare() and dhKeyShare() calls (ephemeral key generations by an initiator). */
  keyShares: number;
  /** respondToKeyShare() calls (a responder's key generation plus its shared secret). */
  keyShareResponses: number;
  /** KeyShare.deriveSecret() calls (an initiator's shared secret). */
  keyShareDerives: number;
  /** sign() calls. */
  signs: number;
  /** verify() calls. */
  verifies: number;
  /** importPublicKey() calls. */
  publicKeyImports: number;
}

export type CryptoOpKind = keyof CryptoOpCounts;

export function zeroCounts(): CryptoOpCounts {
  return {
    random: 0,
    hash: 0,
    hashContexts: 0,
    hashClones: 0,
    digests: 0,
    hmac: 0,
    aeadKeys: 0,
    aeadSeals: 0,
    aeadOpens: 0,
    keyShares: 0,
    keyShareResponses: 0,
    keyShareDerives: 0,
    signs: 0,
    verifies: 0,
    publicKeyImports: 0,
  };
}

/** `after - before`, kind by kind. */
export function diffCounts(after: CryptoOpCounts, before: CryptoOpCounts): CryptoOpCounts {
  const out = zeroCounts();
  for (const k of Object.keys(out) as CryptoOpKind[]) out[k] = after[k] - before[k];
  return out;
}

/** A provider that counts its calls. */
export interface CountingProvider extends CryptoProvider {
  /** A copy of the counters so far. */
  snapshot(): CryptoOpCounts;
  /** Sets every counter back to zero. */
  reset(): void;
}

class CountingHash implements HashContext {
  constructor(
    private readonly inner: HashContext,
    private readonly c: CryptoOpCounts,
  ) {}

  get algorithm(): HashContext['algorithm'] {
    return this.inner.algorithm;
  }

  update(data: Uint8Array): void {
    this.inner.update(data);
  }

  digest(): Uint8Array {
    this.c.digests++;
    return this.inner.digest();
  }

  clone(): HashContext {
    this.c.hashClones++;
    return new CountingHash(this.inner.clone(), this.c);
  }
}

function countingAead(inner: AeadKey, c: CryptoOpCounts): AeadKey {
  const key: AeadKey = {
    algorithm: inner.algorithm,
    seal: (nonce, aad, plaintext, headerRoom) => {
      c.aeadSeals++;
      return inner.seal(nonce, aad, plaintext, headerRoom);
    },
    open: (nonce, aad, ciphertextAndTag) => {
      c.aeadOpens++;
      return inner.open(nonce, aad, ciphertextAndTag);
    },
  };
  // keep the optional fast path optional: the record layer takes another route without it
  const sealInto = inner.sealInto?.bind(inner);
  if (sealInto !== undefined) {
    key.sealInto = (nonce, aad, parts, out, offset): number => {
      c.aeadSeals++;
      return sealInto(nonce, aad, parts, out, offset);
    };
  }
  return key;
}

function countingShare(inner: KeyShare, c: CryptoOpCounts): KeyShare {
  return {
    group: inner.group,
    publicKey: inner.publicKey,
    deriveSecret: (peerShare) => {
      c.keyShareDerives++;
      return inner.deriveSecret(peerShare);
    },
  };
}

/** Wraps `base` so that every call is counted (see CryptoOpCounts). */
export function createCountingProvider(base: CryptoProvider): CountingProvider {
  const c = zeroCounts();
  const provider: CountingProvider = {
    name: `counting(${base.name})`,
    snapshot: () => ({ ...c }),
    reset: () => {
      // the hash/AEAD/key share wrappers already handed out keep counting into the same object
      for (const k of Object.keys(c) as CryptoOpKind[]) c[k] = 0;
    },
    randomBytes: (length) => {
      c.random++;
      return base.randomBytes(length);
    },
    hash: (algorithm, data) => {
      c.hash++;
      return base.hash(algorithm, data);
    },
    createHash: (algorithm) => {
      c.hashContexts++;
      return new CountingHash(base.createHash(algorithm), c);
    },
    hmac: (algorithm, key, data) => {
      c.hmac++;
      return base.hmac(algorithm, key, data);
    },
    aead: (algorithm, key) => {
      c.aeadKeys++;
      return countingAead(base.aead(algorithm, key), c);
    },
    supportsGroup: (group) => base.supportsGroup(group),
    generateKeyShare: (group) => {
      c.keyShares++;
      return countingShare(base.generateKeyShare(group), c);
    },
    respondToKeyShare: (group, peerShare) => {
      c.keyShareResponses++;
      return base.respondToKeyShare(group, peerShare);
    },
    importPublicKey: (spki) => {
      c.publicKeyImports++;
      return base.importPublicKey(spki);
    },
    importPrivateKey: (key, passphrase) => base.importPrivateKey(key, passphrase),
    publicKeyOf: (key) => base.publicKeyOf(key),
    generateSigningKey: (kind) => base.generateSigningKey(kind),
    exportPrivateKeyPem: (key) => base.exportPrivateKeyPem(key),
    sign: (scheme, key, data) => {
      c.signs++;
      return base.sign(scheme, key, data);
    },
    verify: (scheme, key, data, signature) => {
      c.verifies++;
      return base.verify(scheme, key, data, signature);
    },
  };
  const dh = base.dhKeyShare?.bind(base);
  if (dh !== undefined) {
    provider.dhKeyShare = (prime, generator): KeyShare => {
      c.keyShares++;
      return countingShare(dh(prime, generator), c);
    };
  }
  if (base.rsaEncryptPkcs1 !== undefined) provider.rsaEncryptPkcs1 = base.rsaEncryptPkcs1.bind(base);
  if (base.rsaDecryptPkcs1 !== undefined) provider.rsaDecryptPkcs1 = base.rsaDecryptPkcs1.bind(base);
  if (base.cbc !== undefined) provider.cbc = base.cbc.bind(base);
  return provider;
}
