/**
 * Signing keys over node:crypto: import/export, key generation, and TLS SignatureScheme
 * sign/verify (RFC 8446 §4.2.3, RFC 5246 §7.4.1.4.1). Internal to src/crypto; the public surface
 * is the CryptoProvider in node-provider.ts.
 */
import {
  constants,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign as nodeSign,
  verify as nodeVerify,
  type JsonWebKey,
  type KeyObject,
  type SignKeyObjectInput,
} from 'node:crypto';
import { ErrorCode, TlsError, internalError } from '../errors.js';
import { SignatureScheme } from '../registry/codepoints.js';
import { isSingleSequence, parseSpkiFast } from './der.js';
import { asBuffer, base64url, view } from './node-util.js';
import { HASH_LENGTH, type HashAlgorithm, type KeyInfo, type PrivateKey, type PublicKey, type SigningKeyKind } from './provider.js';

const inspectSymbol = Symbol.for('nodejs.util.inspect.custom');

function describe(info: KeyInfo): string {
  return `${info.type}${info.curve === undefined ? '' : ` ${info.curve}`} ${info.bits}-bit`;
}

/** A public key held by the node provider. */
export class NodePublicKey implements PublicKey {
  readonly info: KeyInfo;
  readonly #key: KeyObject;

  constructor(info: KeyInfo, key: KeyObject) {
    this.info = info;
    this.#key = key;
  }

  /** The KeyObject inside a key of this provider; a foreign key is an internal error. */
  static unwrap(key: PublicKey): KeyObject {
    if (!(key instanceof NodePublicKey)) throw internalError('public key does not belong to the node:crypto provider');
    return key.#key;
  }

  toString(): string {
    return `NodePublicKey(${describe(this.info)})`;
  }

  [inspectSymbol](): string {
    return this.toString();
  }
}

/** A private key held by the node provider. Its material is never printed. */
export class NodePrivateKey implements PrivateKey {
  readonly info: KeyInfo;
  readonly #key: KeyObject;
  #spki: Uint8Array | undefined;

  constructor(info: KeyInfo, key: KeyObject) {
    this.info = info;
    this.#key = key;
  }

  static unwrap(key: PrivateKey): KeyObject {
    if (!(key instanceof NodePrivateKey)) throw internalError('private key does not belong to the node:crypto provider');
    return key.#key;
  }

  /** The SubjectPublicKeyInfo (DER) of the matching public key (computed once). */
  static spkiOf(key: PrivateKey): Uint8Array {
    if (!(key instanceof NodePrivateKey)) throw internalError('private key does not belong to the node:crypto provider');
    key.#spki ??= view(createPublicKey(key.#key).export({ type: 'spki', format: 'der' }));
    return key.#spki.slice();
  }

  toString(): string {
    return `NodePrivateKey(${describe(this.info)})`;
  }

  toJSON(): string {
    return this.toString();
  }

  [inspectSymbol](): string {
    return this.toString();
  }
}

const CURVE_OF_OPENSSL_NAME: Readonly<Record<string, 'P-256' | 'P-384' | 'P-521'>> = {
  prime256v1: 'P-256',
  secp384r1: 'P-384',
  secp521r1: 'P-521',
};
const CURVE_BITS = { 'P-256': 256, 'P-384': 384, 'P-521': 521 } as const;

/** KeyInfo from a KeyObject, or undefined when the key is not of a kind TLS signs with. */
function keyInfoOf(key: KeyObject): KeyInfo | undefined {
  const details = key.asymmetricKeyDetails;
  switch (key.asymmetricKeyType) {
    case 'rsa':
    case 'rsa-pss': {
      const bits = details?.modulusLength;
      return bits === undefined ? undefined : { type: key.asymmetricKeyType, bits };
    }
    case 'ec': {
      const name = details?.namedCurve;
      const curve = name === undefined ? undefined : CURVE_OF_OPENSSL_NAME[name];
      return curve === undefined ? undefined : { type: 'ec', curve, bits: CURVE_BITS[curve] };
    }
    case 'ed25519':
      return { type: 'ed25519', bits: 256 };
    case 'ed448':
      return { type: 'ed448', bits: 448 };
    case 'dsa':
    case 'x25519':
    case 'x448':
    case undefined:
      return undefined;
  }
  return undefined; // key types newer than the typings (e.g. 'dh')
}

const badCertificate = (message: string, cause?: unknown): TlsError =>
  new TlsError(ErrorCode.ERR_TLS_BAD_CERTIFICATE, message, cause === undefined ? {} : { cause });

/**
 * The JWK fast path for a parsed SPKI, or undefined when node's DER decoder is faster for it.
 * Measured on Node 20 (bench-primitives.ts): JWK import costs ~4 µs for RSA and ~6-9 µs for
 * EdDSA against ~80-115 µs through DER; for EC, JWK import runs a full key check (a scalar
 * multiplication by the group order), which is still faster than DER for P-256 (~65 vs ~110 µs)
 * but much slower for P-384 (~460 µs) and P-521 (~1050 µs), so those go through DER.
 */
function jwkOf(spki: Uint8Array): { jwk: JsonWebKey; info: KeyInfo } | undefined {
  const p = parseSpkiFast(spki);
  if (p === undefined) return undefined;
  switch (p.kind) {
    case 'rsa':
      return { jwk: { kty: 'RSA', n: base64url(p.n), e: base64url(p.e) }, info: { type: 'rsa', bits: p.bits } };
    case 'ec':
      if (p.curve !== 'P-256') return undefined;
      return {
        jwk: { kty: 'EC', crv: p.curve, x: base64url(p.x), y: base64url(p.y) },
        info: { type: 'ec', curve: p.curve, bits: CURVE_BITS[p.curve] },
      };
    case 'ed25519':
      return { jwk: { kty: 'OKP', crv: 'Ed25519', x: base64url(p.publicKey) }, info: { type: 'ed25519', bits: 256 } };
    case 'ed448':
      return { jwk: { kty: 'OKP', crv: 'Ed448', x: base64url(p.publicKey) }, info: { type: 'ed448', bits: 448 } };
  }
}

/** Imports a DER SubjectPublicKeyInfo through the JWK fast path when possible, else DER. */
export function importPublicKey(spki: Uint8Array, allowFastPath = true): NodePublicKey {
  const fast = allowFastPath ? jwkOf(spki) : undefined;
  if (fast !== undefined) {
    try {
      return new NodePublicKey(fast.info, createPublicKey({ key: fast.jwk, format: 'jwk' }));
    } catch (e) {
      // e.g. an EC point that is not on the curve
      throw badCertificate('invalid public key in SubjectPublicKeyInfo', e);
    }
  }
  // RFC 5280 §4.1.2.7 (DER, X.690 §10): exactly one SubjectPublicKeyInfo, nothing after it.
  if (!isSingleSequence(spki)) throw badCertificate('malformed SubjectPublicKeyInfo');
  let key: KeyObject;
  try {
    key = createPublicKey({ key: asBuffer(spki), format: 'der', type: 'spki' });
  } catch (e) {
    throw badCertificate('unparseable SubjectPublicKeyInfo', e);
  }
  const info = keyInfoOf(key);
  if (info === undefined) throw badCertificate(`unsupported public key type ${key.asymmetricKeyType ?? 'unknown'}`);
  return new NodePublicKey(info, key);
}

/**
 * A small cache of imported public keys, keyed by the exact SPKI bytes: a client meets the same
 * server certificate chain on every connection, and an import costs 5-110 µs while a lookup costs
 * ~1 µs. Public keys are immutable, so sharing them is safe; only successful imports are cached.
 */
export class PublicKeyCache {
  readonly #max: number;
  readonly #map = new Map<string, NodePublicKey>();

  constructor(max = 256) {
    this.#max = max;
  }

  import(spki: Uint8Array): NodePublicKey {
    if (this.#max === 0) return importPublicKey(spki);
    const id = asBuffer(spki).toString('latin1');
    const hit = this.#map.get(id);
    if (hit !== undefined) {
      // keep recently used keys: move to the end of the insertion order
      this.#map.delete(id);
      this.#map.set(id, hit);
      return hit;
    }
    const key = importPublicKey(spki);
    if (this.#map.size >= this.#max) {
      const oldest = this.#map.keys().next();
      if (oldest.done !== true) this.#map.delete(oldest.value);
    }
    this.#map.set(id, key);
    return key;
  }
}

/** Imports a private key: PEM (PKCS#8, PKCS#1, SEC1; possibly encrypted) or DER PKCS#8. */
export function importPrivateKey(input: string | Uint8Array, passphrase?: string): NodePrivateKey {
  const invalid = (cause?: unknown): TlsError =>
    // Local configuration, not the peer's fault: no alert. The message never includes the key.
    new TlsError(ErrorCode.ERR_TLS_INVALID_OPTION, 'cannot import private key (malformed, or wrong passphrase)', cause === undefined ? {} : { cause });
  if (typeof input !== 'string' && !isSingleSequence(input)) throw invalid();
  let key: KeyObject;
  try {
    key =
      typeof input === 'string'
        ? createPrivateKey(passphrase === undefined ? { key: input, format: 'pem' } : { key: input, format: 'pem', passphrase })
        : createPrivateKey(
            passphrase === undefined
              ? { key: asBuffer(input), format: 'der', type: 'pkcs8' }
              : { key: asBuffer(input), format: 'der', type: 'pkcs8', passphrase },
          );
  } catch (e) {
    throw invalid(e);
  }
  const info = keyInfoOf(key);
  if (info === undefined) {
    throw new TlsError(ErrorCode.ERR_TLS_INVALID_OPTION, `unsupported private key type ${key.asymmetricKeyType ?? 'unknown'}`);
  }
  return new NodePrivateKey(info, key);
}

export function generateSigningKey(kind: SigningKeyKind): NodePrivateKey {
  let key: KeyObject;
  switch (kind) {
    case 'rsa2048':
    case 'rsa3072':
    case 'rsa4096':
      key = generateKeyPairSync('rsa', { modulusLength: Number(kind.slice(3)), publicExponent: 65537 }).privateKey;
      break;
    case 'p256':
    case 'p384':
    case 'p521':
      key = generateKeyPairSync('ec', { namedCurve: `P-${kind.slice(1)}` }).privateKey;
      break;
    case 'ed25519':
      key = generateKeyPairSync('ed25519').privateKey;
      break;
  }
  const info = keyInfoOf(key);
  if (info === undefined) throw internalError(`generated key of kind ${kind} has no usable key info`);
  return new NodePrivateKey(info, key);
}

export function exportPrivateKeyPem(key: PrivateKey): string {
  const pem = NodePrivateKey.unwrap(key).export({ type: 'pkcs8', format: 'pem' });
  return typeof pem === 'string' ? pem : pem.toString('latin1');
}

// ---------------------------------------------------------------------------------------------
// Signature schemes

type SchemeSpec =
  | { readonly kind: 'rsa-pkcs1'; readonly hash: HashAlgorithm; readonly verifyOnly: boolean }
  | { readonly kind: 'rsa-pss-rsae' | 'rsa-pss-pss'; readonly hash: HashAlgorithm }
  | { readonly kind: 'ecdsa'; readonly hash: HashAlgorithm; readonly verifyOnly: boolean }
  | { readonly kind: 'ed25519' | 'ed448' };

/** RFC 8446 §4.2.3 (and RFC 5246 §7.4.1.4.1 for the SHA-1 legacy codes, verify only). */
const SCHEMES: ReadonlyMap<number, SchemeSpec> = new Map<number, SchemeSpec>([
  [SignatureScheme.rsa_pkcs1_sha256, { kind: 'rsa-pkcs1', hash: 'sha256', verifyOnly: false }],
  [SignatureScheme.rsa_pkcs1_sha384, { kind: 'rsa-pkcs1', hash: 'sha384', verifyOnly: false }],
  [SignatureScheme.rsa_pkcs1_sha512, { kind: 'rsa-pkcs1', hash: 'sha512', verifyOnly: false }],
  [SignatureScheme.rsa_pkcs1_sha1, { kind: 'rsa-pkcs1', hash: 'sha1', verifyOnly: true }],
  [SignatureScheme.rsa_pss_rsae_sha256, { kind: 'rsa-pss-rsae', hash: 'sha256' }],
  [SignatureScheme.rsa_pss_rsae_sha384, { kind: 'rsa-pss-rsae', hash: 'sha384' }],
  [SignatureScheme.rsa_pss_rsae_sha512, { kind: 'rsa-pss-rsae', hash: 'sha512' }],
  [SignatureScheme.rsa_pss_pss_sha256, { kind: 'rsa-pss-pss', hash: 'sha256' }],
  [SignatureScheme.rsa_pss_pss_sha384, { kind: 'rsa-pss-pss', hash: 'sha384' }],
  [SignatureScheme.rsa_pss_pss_sha512, { kind: 'rsa-pss-pss', hash: 'sha512' }],
  [SignatureScheme.ecdsa_secp256r1_sha256, { kind: 'ecdsa', hash: 'sha256', verifyOnly: false }],
  [SignatureScheme.ecdsa_secp384r1_sha384, { kind: 'ecdsa', hash: 'sha384', verifyOnly: false }],
  [SignatureScheme.ecdsa_secp521r1_sha512, { kind: 'ecdsa', hash: 'sha512', verifyOnly: false }],
  [SignatureScheme.ecdsa_sha1, { kind: 'ecdsa', hash: 'sha1', verifyOnly: true }],
  [SignatureScheme.ed25519, { kind: 'ed25519' }],
  [SignatureScheme.ed448, { kind: 'ed448' }],
]);

/** The key type each kind of scheme needs (RFC 8446 §4.2.3: rsae vs pss keys are distinct). */
function keyFits(spec: SchemeSpec, info: KeyInfo): boolean {
  switch (spec.kind) {
    case 'rsa-pkcs1':
    case 'rsa-pss-rsae':
      return info.type === 'rsa';
    case 'rsa-pss-pss':
      return info.type === 'rsa-pss';
    case 'ecdsa':
      // Any curve: binding the curve to the scheme is the handshake's job (see provider.ts).
      return info.type === 'ec';
    case 'ed25519':
    case 'ed448':
      return info.type === spec.kind;
  }
}

/** The hash and key options node:crypto's one-shot sign/verify take for a scheme. */
function nodeParams(spec: SchemeSpec, key: KeyObject): { hash: HashAlgorithm | null; input: SignKeyObjectInput } {
  switch (spec.kind) {
    case 'rsa-pkcs1':
      return { hash: spec.hash, input: { key, padding: constants.RSA_PKCS1_PADDING } };
    case 'rsa-pss-rsae':
    case 'rsa-pss-pss':
      // RFC 8446 §4.2.3: RSASSA-PSS with MGF1 on the same hash, salt length = digest length.
      return {
        hash: spec.hash,
        input: { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: HASH_LENGTH[spec.hash] },
      };
    case 'ecdsa':
      // RFC 8446 §4.2.3 / RFC 8422 §5.4: ECDSA-Sig-Value, DER.
      return { hash: spec.hash, input: { key, dsaEncoding: 'der' } };
    case 'ed25519':
    case 'ed448':
      // RFC 8032 pure EdDSA: no prehash.
      return { hash: null, input: { key } };
  }
}

export function sign(scheme: number, key: PrivateKey, data: Uint8Array): Uint8Array {
  const k = NodePrivateKey.unwrap(key);
  const spec = SCHEMES.get(scheme);
  if (spec === undefined) throw internalError(`signature scheme 0x${scheme.toString(16).padStart(4, '0')} is not supported`);
  if ('verifyOnly' in spec && spec.verifyOnly) {
    throw internalError(`signature scheme 0x${scheme.toString(16).padStart(4, '0')} is accepted for verification only`);
  }
  if (!keyFits(spec, key.info)) {
    throw internalError(`a ${key.info.type} key cannot sign with scheme 0x${scheme.toString(16).padStart(4, '0')}`);
  }
  const { hash, input } = nodeParams(spec, k);
  try {
    return view(nodeSign(hash, data, input));
  } catch (e) {
    // e.g. an RSA-PSS key whose parameters restrict it to another hash, or a modulus too small.
    throw new TlsError(ErrorCode.ERR_TLS_INTERNAL_ERROR, 'signing failed', { cause: e });
  }
}

export function verify(scheme: number, key: PublicKey, data: Uint8Array, signature: Uint8Array): boolean {
  const k = NodePublicKey.unwrap(key); // a foreign key is a programming error: internal_error
  const spec = SCHEMES.get(scheme);
  if (spec === undefined || !keyFits(spec, key.info)) return false;
  const { hash, input } = nodeParams(spec, k);
  try {
    return nodeVerify(hash, data, input, signature);
  } catch {
    return false;
  }
}
