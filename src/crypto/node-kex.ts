/**
 * Key exchange groups over node:crypto (X25519, X448, P-256, P-384, P-521) and the
 * X25519MLKEM768 hybrid (draft-ietf-tls-ecdhe-mlkem §3) with ML-KEM-768 from @noble/post-quantum.
 * Internal to src/crypto; the public surface is the CryptoProvider.
 *
 * Performance notes (Node 20, measured with bench-primitives.ts):
 * - X25519/X448 peer keys are imported from JWK (~5-9 µs) rather than DER SPKI (~90 µs); our own
 *   raw public key comes from a JWK export (~2 µs).
 * - NIST curves use crypto.createECDH, which takes raw points: keygen ~27 µs plus computeSecret
 *   (which validates the point) beat generateKeyPairSync + JWK import (a full key check) +
 *   diffieHellman by ~50 µs per handshake on P-256, and by far more on P-384.
 */
import { createECDH, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, type ECDH, type JsonWebKey, type KeyObject } from 'node:crypto';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { ErrorCode, TlsError, illegalParameter, internalError } from '../errors.js';
import { NamedGroup } from '../registry/codepoints.js';
import { asBuffer, base64url, fromBase64url, isAllZero, view } from './node-util.js';
import { FFDHE_GROUPS } from './ffdhe-groups.js';
import { ffdheGenerate, ffdheRespond } from './node-ffdhe.js';
import type { KeyShare, KeyShareResponse } from './provider.js';

const FIELD = 'KeyShareEntry.key_exchange';

export type RandomSource = (length: number) => Uint8Array;

// ---------------------------------------------------------------------------------------------
// X25519 / X448 (RFC 7748)

type OkpCurve = 'x25519' | 'x448';
const OKP = {
  x25519: { crv: 'X25519', length: 32, pkcs8Prefix: '302e020100300506032b656e04220420' },
  x448: { crv: 'X448', length: 56, pkcs8Prefix: '3046020100300506032b656f043a0438' },
} as const;

/** An X25519 or X448 key pair: the private KeyObject and our raw public value. */
export interface OkpKeyPair {
  readonly curve: OkpCurve;
  readonly privateKey: KeyObject;
  readonly publicKey: Uint8Array;
}

function rawOkpPublic(curve: OkpCurve, key: KeyObject): Uint8Array {
  return okpPublicFromJwk(curve, key.export({ format: 'jwk' }).x);
}

function okpPublicFromJwk(curve: OkpCurve, x: string | undefined): Uint8Array {
  if (x === undefined) throw internalError('key export did not yield a public value');
  const raw = fromBase64url(x);
  if (raw.length !== OKP[curve].length) throw internalError('key export gave a public value of the wrong size');
  return raw;
}

/**
 * generateKeyPairSync with the public half encoded as a JWK by the key generation itself (no
 * public KeyObject); node supports `format: 'jwk'` here, @types/node 20 does not declare it.
 */
const generateOkpJwk = generateKeyPairSync as unknown as (
  type: OkpCurve,
  options: { readonly publicKeyEncoding: { readonly format: 'jwk' } },
) => { readonly publicKey: JsonWebKey; readonly privateKey: KeyObject };
const JWK_PUBLIC = { publicKeyEncoding: { format: 'jwk' } } as const;

/**
 * A fresh ephemeral key pair. The public value is encoded by the key generation (JWK) rather
 * than exported from a public KeyObject afterwards: one object less per handshake, and on Node
 * 20.20 / OpenSSL 3.0 a `KeyObject.export({ format: 'jwk' })` right after generateKeyPairSync
 * occasionally never returned (a futex wait, seen in tight loops: 4 hangs in 12 half-second runs
 * against none in 42 with this form).
 */
export function okpGenerate(curve: OkpCurve): OkpKeyPair {
  const { privateKey, publicKey } = generateOkpJwk(curve, JWK_PUBLIC);
  return { curve, privateKey, publicKey: okpPublicFromJwk(curve, publicKey.x) };
}

/**
 * A key pair from a raw private scalar (deterministic tests, e.g. RFC 8448). When the public
 * value is not given it is computed; when it is, it must match the private key.
 */
export function okpFromPrivate(curve: OkpCurve, privateKey: Uint8Array, publicKey?: Uint8Array): OkpKeyPair {
  const spec = OKP[curve];
  if (privateKey.length !== spec.length) throw internalError(`${spec.crv} private key must be ${spec.length} bytes`);
  // RFC 8410 §7: OneAsymmetricKey with the raw private key wrapped in an OCTET STRING. Only the
  // test provider uses this, so the slower DER import (which computes the public key) is fine.
  const der = new Uint8Array(spec.pkcs8Prefix.length / 2 + spec.length);
  der.set(Buffer.from(spec.pkcs8Prefix, 'hex'));
  der.set(privateKey, der.length - spec.length);
  const key = createPrivateKey({ key: asBuffer(der), format: 'der', type: 'pkcs8' });
  der.fill(0);
  const computed = rawOkpPublic(curve, createPublicKey(key));
  if (publicKey !== undefined && !asBuffer(publicKey).equals(computed)) {
    throw internalError(`the scripted ${spec.crv} public key does not match its private key`);
  }
  return { curve, privateKey: key, publicKey: computed };
}

/**
 * X25519/X448 with the peer's raw public value. RFC 8446 §4.2.8.2: the value is exactly 32
 * (56) bytes. RFC 8446 §7.4.2 / RFC 7748 §6.1: an all-zero shared secret MUST be rejected.
 */
export function okpDerive(pair: OkpKeyPair, peer: Uint8Array): Uint8Array {
  const spec = OKP[pair.curve];
  if (peer.length !== spec.length) throw illegalParameter(`${spec.crv} key_exchange must be ${spec.length} bytes`, FIELD);
  let peerKey: KeyObject;
  try {
    peerKey = createPublicKey({ key: { kty: 'OKP', crv: spec.crv, x: base64url(peer) }, format: 'jwk' });
  } catch (e) {
    throw new TlsError(ErrorCode.ERR_TLS_ILLEGAL_PARAMETER, `invalid ${spec.crv} public value`, { field: FIELD, cause: e });
  }
  let secret: Uint8Array;
  try {
    secret = view(diffieHellman({ privateKey: pair.privateKey, publicKey: peerKey }));
  } catch (e) {
    // OpenSSL refuses to output the all-zero value (a small-order peer point).
    throw new TlsError(ErrorCode.ERR_TLS_ILLEGAL_PARAMETER, `${spec.crv} shared secret is all zero`, { field: FIELD, cause: e });
  }
  if (isAllZero(secret)) throw illegalParameter(`${spec.crv} shared secret is all zero`, FIELD);
  return secret;
}

class OkpKeyShare implements KeyShare {
  readonly group: number;
  readonly publicKey: Uint8Array;
  readonly #pair: OkpKeyPair;

  constructor(group: number, pair: OkpKeyPair) {
    this.group = group;
    this.#pair = pair;
    this.publicKey = pair.publicKey;
  }

  deriveSecret(peerShare: Uint8Array): Uint8Array {
    return okpDerive(this.#pair, peerShare);
  }
}

// ---------------------------------------------------------------------------------------------
// NIST curves (RFC 8446 §4.2.8.2, §7.4.2)

interface NistSpec {
  readonly opensslName: string;
  readonly name: string;
  /** 1 + 2 * coordinate size: the uncompressed point. */
  readonly shareLength: number;
}
const NIST: ReadonlyMap<number, NistSpec> = new Map([
  [NamedGroup.secp256r1, { opensslName: 'prime256v1', name: 'secp256r1', shareLength: 65 }],
  [NamedGroup.secp384r1, { opensslName: 'secp384r1', name: 'secp384r1', shareLength: 97 }],
  [NamedGroup.secp521r1, { opensslName: 'secp521r1', name: 'secp521r1', shareLength: 133 }],
]);

/** RFC 8446 §4.2.8.2: UncompressedPointRepresentation only: legacy_form 4, exact length. */
function checkNistShare(spec: NistSpec, peer: Uint8Array): void {
  if (peer.length !== spec.shareLength) throw illegalParameter(`${spec.name} key_exchange must be ${spec.shareLength} bytes`, FIELD);
  if (peer[0] !== 0x04) throw illegalParameter(`${spec.name} key_exchange must be an uncompressed point`, FIELD);
}

function nistDerive(spec: NistSpec, ecdh: ECDH, peer: Uint8Array): Uint8Array {
  checkNistShare(spec, peer);
  try {
    // OpenSSL checks that the point is on the curve (and its coordinates are below p). The
    // result is the x-coordinate, left-padded to the field size (RFC 8446 §7.4.2).
    return view(ecdh.computeSecret(peer));
  } catch (e) {
    throw new TlsError(ErrorCode.ERR_TLS_ILLEGAL_PARAMETER, `${spec.name} key_exchange is not a valid curve point`, { field: FIELD, cause: e });
  }
}

function nistGenerate(spec: NistSpec): { ecdh: ECDH; publicKey: Uint8Array } {
  const ecdh = createECDH(spec.opensslName);
  return { ecdh, publicKey: view(ecdh.generateKeys()) }; // uncompressed by default
}

class NistKeyShare implements KeyShare {
  readonly group: number;
  readonly publicKey: Uint8Array;
  readonly #spec: NistSpec;
  readonly #ecdh: ECDH;

  constructor(group: number, spec: NistSpec) {
    this.group = group;
    this.#spec = spec;
    const { ecdh, publicKey } = nistGenerate(spec);
    this.#ecdh = ecdh;
    this.publicKey = publicKey;
  }

  deriveSecret(peerShare: Uint8Array): Uint8Array {
    return nistDerive(this.#spec, this.#ecdh, peerShare);
  }
}

// ---------------------------------------------------------------------------------------------
// X25519MLKEM768 (draft-ietf-tls-ecdhe-mlkem §3)

const MLKEM768_EK = 1184;
const MLKEM768_CT = 1088;
const MLKEM_SEED = 64; // FIPS 203 ML-KEM.KeyGen_internal(d, z)
const MLKEM_MSG = 32; // FIPS 203 ML-KEM.Encaps_internal(ek, m)
const X25519_LEN = 32;
export const X25519MLKEM768_CLIENT_SHARE = MLKEM768_EK + X25519_LEN; // 1216
export const X25519MLKEM768_SERVER_SHARE = MLKEM768_CT + X25519_LEN; // 1120

/** §3.1.3: shared secret = ML-KEM shared secret || X25519 shared secret (ML-KEM first). */
function hybridSecret(mlkem: Uint8Array, x25519: Uint8Array): Uint8Array {
  const out = new Uint8Array(mlkem.length + x25519.length);
  out.set(mlkem, 0);
  out.set(x25519, mlkem.length);
  mlkem.fill(0);
  x25519.fill(0);
  return out;
}

class HybridKeyShare implements KeyShare {
  readonly group = NamedGroup.X25519MLKEM768;
  readonly publicKey: Uint8Array;
  readonly #decapsulationKey: Uint8Array;
  readonly #x25519: OkpKeyPair;

  constructor(random: RandomSource, x25519: OkpKeyPair) {
    const seed = random(MLKEM_SEED);
    if (seed.length !== MLKEM_SEED) throw internalError('random source returned the wrong length');
    const { publicKey, secretKey } = ml_kem768.keygen(seed);
    seed.fill(0);
    this.#decapsulationKey = secretKey;
    this.#x25519 = x25519;
    // §3.1.1: client share = ML-KEM-768 encapsulation key (1184) || X25519 share (32).
    const share = new Uint8Array(X25519MLKEM768_CLIENT_SHARE);
    share.set(publicKey, 0);
    share.set(x25519.publicKey, MLKEM768_EK);
    this.publicKey = share;
  }

  deriveSecret(peerShare: Uint8Array): Uint8Array {
    // §3.1.2: the client MUST check the ciphertext length (illegal_parameter).
    if (peerShare.length !== X25519MLKEM768_SERVER_SHARE) {
      throw illegalParameter(`X25519MLKEM768 server key_exchange must be ${X25519MLKEM768_SERVER_SHARE} bytes`, FIELD);
    }
    // §3.1.2: the X25519 part gets the RFC 8446 checks, including the all-zero check (§3.1.3).
    const x = okpDerive(this.#x25519, peerShare.subarray(MLKEM768_CT));
    let k: Uint8Array;
    try {
      // FIPS 203 decapsulation rejects implicitly (a wrong ciphertext gives an unrelated key).
      k = ml_kem768.decapsulate(peerShare.subarray(0, MLKEM768_CT), this.#decapsulationKey);
    } catch (e) {
      // §3.1.2: any other decapsulation failure is internal_error.
      x.fill(0);
      throw new TlsError(ErrorCode.ERR_TLS_INTERNAL_ERROR, 'ML-KEM-768 decapsulation failed', { cause: e });
    }
    return hybridSecret(k, x);
  }
}

function hybridRespond(random: RandomSource, x25519: () => OkpKeyPair, peer: Uint8Array): KeyShareResponse {
  if (peer.length !== X25519MLKEM768_CLIENT_SHARE) {
    throw illegalParameter(`X25519MLKEM768 client key_exchange must be ${X25519MLKEM768_CLIENT_SHARE} bytes`, FIELD);
  }
  const ek = peer.subarray(0, MLKEM768_EK);
  const m = random(MLKEM_MSG);
  if (m.length !== MLKEM_MSG) throw internalError('random source returned the wrong length');
  let enc: { cipherText: Uint8Array; sharedSecret: Uint8Array };
  try {
    // §3.1.2: the server MUST perform the FIPS 203 §7.2 encapsulation key check (noble's
    // modulus check) and abort with illegal_parameter if it fails.
    enc = ml_kem768.encapsulate(ek, m);
  } catch (e) {
    throw new TlsError(ErrorCode.ERR_TLS_ILLEGAL_PARAMETER, 'invalid ML-KEM-768 encapsulation key', { field: FIELD, cause: e });
  } finally {
    m.fill(0);
  }
  const pair = x25519();
  let x: Uint8Array;
  try {
    x = okpDerive(pair, peer.subarray(MLKEM768_EK));
  } catch (e) {
    enc.sharedSecret.fill(0);
    throw e;
  }
  // §3.1.2: server share = ML-KEM ciphertext (1088) || X25519 share (32).
  const share = new Uint8Array(X25519MLKEM768_SERVER_SHARE);
  share.set(enc.cipherText, 0);
  share.set(pair.publicKey, MLKEM768_CT);
  return { publicKey: share, sharedSecret: hybridSecret(enc.sharedSecret, x) };
}

// ---------------------------------------------------------------------------------------------
// Dispatch

/** Where a key exchange gets its randomness and its X25519 key pairs (scriptable in tests). */
export interface KexContext {
  /** Randomness for ML-KEM key generation and encapsulation. */
  readonly random: RandomSource;
  /** A fresh X25519 key pair (used for x25519 and for the X25519 half of the hybrid). */
  readonly x25519: () => OkpKeyPair;
}

export function supportsGroup(group: number): boolean {
  return group === NamedGroup.x25519 || group === NamedGroup.x448 || group === NamedGroup.X25519MLKEM768 || NIST.has(group) || FFDHE_GROUPS.has(group);
}

const throwError = (e: Error): never => {
  throw e;
};

const unsupported = (group: number): TlsError =>
  internalError(`key exchange group 0x${group.toString(16).padStart(4, '0')} is not supported by this provider`);

export function generateKeyShare(group: number, ctx: KexContext): KeyShare {
  switch (group) {
    case NamedGroup.x25519:
      return new OkpKeyShare(group, ctx.x25519());
    case NamedGroup.x448:
      return new OkpKeyShare(group, okpGenerate('x448'));
    case NamedGroup.X25519MLKEM768:
      return new HybridKeyShare(ctx.random, ctx.x25519());
    default: {
      const spec = NIST.get(group);
      if (spec === undefined) return ffdheGenerate(group) ?? throwError(unsupported(group));
      return new NistKeyShare(group, spec);
    }
  }
}

export function respondToKeyShare(group: number, peerShare: Uint8Array, ctx: KexContext): KeyShareResponse {
  switch (group) {
    case NamedGroup.x25519:
    case NamedGroup.x448: {
      const curve: OkpCurve = group === NamedGroup.x25519 ? 'x25519' : 'x448';
      // Check the length before spending a key generation on it.
      if (peerShare.length !== OKP[curve].length) {
        throw illegalParameter(`${OKP[curve].crv} key_exchange must be ${OKP[curve].length} bytes`, FIELD);
      }
      const pair = curve === 'x25519' ? ctx.x25519() : okpGenerate('x448');
      return { publicKey: pair.publicKey, sharedSecret: okpDerive(pair, peerShare) };
    }
    case NamedGroup.X25519MLKEM768:
      return hybridRespond(ctx.random, ctx.x25519, peerShare);
    default: {
      const spec = NIST.get(group);
      if (spec === undefined) return ffdheRespond(group, peerShare) ?? throwError(unsupported(group));
      checkNistShare(spec, peerShare);
      const { ecdh, publicKey } = nistGenerate(spec);
      return { publicKey, sharedSecret: nistDerive(spec, ecdh, peerShare) };
    }
  }
}
