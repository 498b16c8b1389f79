/**
 * TLS 1.3 cipher suite parameters (RFC 8446 §B.4; RFC 8439 for ChaCha20-Poly1305). A TLS 1.3
 * suite names only the AEAD and the HKDF hash; the IV is always 12 bytes (RFC 8446 §5.3).
 */
import {
  AEAD_KEY_LENGTH,
  AEAD_NONCE_LENGTH,
  HASH_LENGTH,
  type AeadAlgorithm,
  type HashAlgorithm,
} from '../crypto/provider.js';
import { CipherSuite } from '../registry/codepoints.js';

export interface Tls13Suite {
  /** The CipherSuite code point, e.g. 0x1301. */
  readonly suite: number;
  /** The IANA name, e.g. `TLS_AES_128_GCM_SHA256`. */
  readonly name: string;
  /** The HKDF / transcript hash. */
  readonly hash: HashAlgorithm;
  readonly hashLength: number;
  readonly aead: AeadAlgorithm;
  readonly keyLength: number;
  /** RFC 8446 §5.3: iv_length = max(8 bytes, N_MIN) = 12 for all these AEADs. */
  readonly ivLength: 12;
}

function define(suite: number, name: string, hash: HashAlgorithm, aead: AeadAlgorithm): Tls13Suite {
  return Object.freeze({
    suite,
    name,
    hash,
    hashLength: HASH_LENGTH[hash],
    aead,
    keyLength: AEAD_KEY_LENGTH[aead],
    ivLength: AEAD_NONCE_LENGTH,
  });
}

export const TLS_AES_128_GCM_SHA256 = define(
  CipherSuite.TLS_AES_128_GCM_SHA256,
  'TLS_AES_128_GCM_SHA256',
  'sha256',
  'aes-128-gcm',
);
export const TLS_AES_256_GCM_SHA384 = define(
  CipherSuite.TLS_AES_256_GCM_SHA384,
  'TLS_AES_256_GCM_SHA384',
  'sha384',
  'aes-256-gcm',
);
export const TLS_CHACHA20_POLY1305_SHA256 = define(
  CipherSuite.TLS_CHACHA20_POLY1305_SHA256,
  'TLS_CHACHA20_POLY1305_SHA256',
  'sha256',
  'chacha20-poly1305',
);

/** The TLS 1.3 suites tlskit implements, in default preference order. */
export const TLS13_SUITES: readonly Tls13Suite[] = Object.freeze([
  TLS_AES_128_GCM_SHA256,
  TLS_AES_256_GCM_SHA384,
  TLS_CHACHA20_POLY1305_SHA256,
]);

/** The parameters of a TLS 1.3 suite, or undefined for any other code point (incl. CCM, TLS 1.2, GREASE). */
export function tls13Suite(code: number): Tls13Suite | undefined {
  switch (code) {
    case CipherSuite.TLS_AES_128_GCM_SHA256:
      return TLS_AES_128_GCM_SHA256;
    case CipherSuite.TLS_AES_256_GCM_SHA384:
      return TLS_AES_256_GCM_SHA384;
    case CipherSuite.TLS_CHACHA20_POLY1305_SHA256:
      return TLS_CHACHA20_POLY1305_SHA256;
    default:
      return undefined;
  }
}
