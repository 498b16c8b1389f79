/**
 * The one interface through which tlskit reaches cryptographic primitives. tlskit never
 * implements a primitive itself: the default provider (`node-provider.ts`) wraps node:crypto
 * (OpenSSL), and ML-KEM comes from @noble/post-quantum. Protocol constructions built on these
 * primitives (HKDF, the TLS 1.2 PRF, the key schedule) live in `keyschedule/`.
 *
 * All byte values are Uint8Array. Methods are synchronous: the sans-I/O core never awaits.
 * Inputs are read before a call returns (a provider keeps no reference to a caller's buffer
 * unless it copies it), so callers may reuse their buffers afterwards.
 */

export type HashAlgorithm = 'sha256' | 'sha384' | 'sha512' | 'sha1' | 'md5';

/** Output sizes in bytes. */
export const HASH_LENGTH: Readonly<Record<HashAlgorithm, number>> = {
  sha256: 32,
  sha384: 48,
  sha512: 64,
  sha1: 20,
  md5: 16,
};

/** A running hash (e.g. the transcript hash). */
export interface HashContext {
  readonly algorithm: HashAlgorithm;
  update(data: Uint8Array): void;
  /** The hash of everything so far; the context stays usable for more updates. */
  digest(): Uint8Array;
  /** An independent copy of the current state. */
  clone(): HashContext;
}

export type AeadAlgorithm = 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305';

export const AEAD_KEY_LENGTH: Readonly<Record<AeadAlgorithm, number>> = {
  'aes-128-gcm': 16,
  'aes-256-gcm': 32,
  'chacha20-poly1305': 32,
};
export const AEAD_NONCE_LENGTH = 12;
export const AEAD_TAG_LENGTH = 16;

/** An AEAD bound to one key (RFC 5116). */
export interface AeadKey {
  readonly algorithm: AeadAlgorithm;
  /**
   * Encrypts and authenticates. Returns `headerRoom` unused bytes (for the caller to fill,
   * e.g. the record header), then ciphertext, then the 16-byte tag.
   */
  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, headerRoom?: number): Uint8Array;
  /** Verifies and decrypts `ciphertext || tag`; returns null when authentication fails. */
  open(nonce: Uint8Array, aad: Uint8Array, ciphertextAndTag: Uint8Array): Uint8Array | null;
  /**
   * Optional fast path for the record layer: encrypts the concatenation of `parts` (which are
   * read, never copied into a temporary) and writes ciphertext || tag into `out` at `offset`
   * (the caller sized `out`). Returns the offset just past the tag. Same result as `seal`.
   */
  sealInto?(nonce: Uint8Array, aad: Uint8Array, parts: readonly Uint8Array[], out: Uint8Array, offset: number): number;
}

export type CbcAlgorithm = 'aes-128-cbc' | 'aes-256-cbc';

/** AES-CBC bound to one key; data lengths are multiples of 16, no padding is added or removed. */
export interface CbcKey {
  readonly algorithm: CbcAlgorithm;
  encrypt(iv: Uint8Array, data: Uint8Array): Uint8Array;
  decrypt(iv: Uint8Array, data: Uint8Array): Uint8Array;
}

/** What the protocol code needs to know about a key to pick a signature scheme. */
export interface KeyInfo {
  readonly type: 'rsa' | 'rsa-pss' | 'ec' | 'ed25519' | 'ed448';
  /** For `ec`: the named curve. */
  readonly curve?: 'P-256' | 'P-384' | 'P-521';
  /** Key size in bits (RSA modulus size, or the curve size). */
  readonly bits: number;
}

export type SigningKeyKind = 'rsa2048' | 'rsa3072' | 'rsa4096' | 'p256' | 'p384' | 'p521' | 'ed25519';

/** An opaque public key owned by a provider. */
export interface PublicKey {
  readonly info: KeyInfo;
}

/** An opaque private key owned by a provider. Never printed, never logged. */
export interface PrivateKey {
  readonly info: KeyInfo;
}

/**
 * One side of an (EC)DH or KEM key exchange started by the initiator (the TLS 1.3 client,
 * or either side of a TLS 1.2 ECDHE exchange).
 */
export interface KeyShare {
  /** The NamedGroup code point. */
  readonly group: number;
  /** The bytes to send: `key_exchange` in a KeyShareEntry, or the ECDH public point. */
  readonly publicKey: Uint8Array;
  /**
   * Combines with the peer's share (or KEM ciphertext) into the shared secret. Throws a
   * TlsError (illegal_parameter) when the peer's value is malformed or invalid.
   */
  deriveSecret(peerShare: Uint8Array): Uint8Array;
}

/** The responder's answer to a key share: what to send back, and the shared secret. */
export interface KeyShareResponse {
  readonly publicKey: Uint8Array;
  readonly sharedSecret: Uint8Array;
}

export interface CryptoProvider {
  readonly name: string;

  randomBytes(length: number): Uint8Array;

  hash(algorithm: HashAlgorithm, data: Uint8Array): Uint8Array;
  createHash(algorithm: HashAlgorithm): HashContext;
  hmac(algorithm: HashAlgorithm, key: Uint8Array, data: Uint8Array): Uint8Array;

  aead(algorithm: AeadAlgorithm, key: Uint8Array): AeadKey;

  /** NamedGroups this provider can do, e.g. x25519, secp256r1, X25519MLKEM768. */
  supportsGroup(group: number): boolean;
  /** Starts a key exchange in `group` (a fresh ephemeral key). */
  generateKeyShare(group: number): KeyShare;
  /**
   * Responds to the peer's share in `group`: for (EC)DH a fresh key pair and the shared secret,
   * for a KEM the encapsulation. Throws a TlsError (illegal_parameter) on an invalid share.
   */
  respondToKeyShare(group: number, peerShare: Uint8Array): KeyShareResponse;
  /**
   * TLS 1.2 DHE (RFC 5246 §7.4.3): validates explicit finite-field parameters (a safe prime p of
   * at least 2048 bits, 1 < g < p-1; insufficient_security / illegal_parameter) and starts a key
   * exchange in them. deriveSecret checks 1 < y < p-1 (RFC 7919 §5.1) and returns Z left-padded
   * to the length of p. Optional: without it a provider cannot do DHE suites.
   */
  dhKeyShare?(prime: Uint8Array, generator: Uint8Array): KeyShare;

  /**
   * RSAES-PKCS1-v1_5 encryption (RFC 8017 §7.2.1) to an RSA public key: the TLS 1.2 static RSA
   * key exchange (RFC 5246 §7.4.7.1). Optional: without it a client cannot offer TLS_RSA_* suites.
   */
  rsaEncryptPkcs1?(key: PublicKey, data: Uint8Array): Uint8Array;
  /**
   * RSAES-PKCS1-v1_5 decryption (RFC 8017 §7.2.2). A provider may throw on invalid padding or,
   * like OpenSSL's implicit rejection, return an unpredictable message instead: callers MUST treat
   * both alike and never reveal which happened (RFC 5246 §7.4.7.1, Bleichenbacher).
   */
  rsaDecryptPkcs1?(key: PrivateKey, data: Uint8Array): Uint8Array;

  /**
   * AES-CBC without padding (the TLS 1.2 record layer pads itself, RFC 5246 §6.2.3.2), for the
   * legacy CBC suites. Optional: without it a provider cannot do CBC suites.
   */
  cbc?(algorithm: CbcAlgorithm, key: Uint8Array): CbcKey;

  /** Imports a DER SubjectPublicKeyInfo. Throws a TlsError (bad_certificate) if unusable. */
  importPublicKey(spki: Uint8Array): PublicKey;
  /** Imports a private key from PEM (PKCS#8, PKCS#1, SEC1) or DER PKCS#8. */
  importPrivateKey(key: string | Uint8Array, passphrase?: string): PrivateKey;
  /** The SubjectPublicKeyInfo (DER) matching a private key. */
  publicKeyOf(key: PrivateKey): Uint8Array;

  /** A fresh signing key (for generated certificates: the demo, `tlskit serve`, tests). */
  generateSigningKey(kind: SigningKeyKind): PrivateKey;
  /** The private key as PKCS#8 PEM (to hand to a peer process such as openssl in tests). */
  exportPrivateKeyPem(key: PrivateKey): string;

  /**
   * Signs with a TLS SignatureScheme (RFC 8446 §4.2.3); ECDSA signatures are DER.
   * For ECDSA schemes the provider applies the scheme's hash with any EC key: binding the
   * curve to the scheme (TLS 1.3) is the handshake's job, and X.509 needs the freedom.
   */
  sign(scheme: number, key: PrivateKey, data: Uint8Array): Uint8Array;
  /** Verifies a TLS SignatureScheme signature; false when invalid or the key does not fit. */
  verify(scheme: number, key: PublicKey, data: Uint8Array, signature: Uint8Array): boolean;
}
