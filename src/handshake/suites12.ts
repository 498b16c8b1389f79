import type { AeadAlgorithm, CbcAlgorithm, KeyInfo } from '../crypto/provider.js';
import type { KeyBlockLayout, Prf12Hash } from '../keyschedule/prf12.js';
import { CipherSuite, SignatureScheme } from '../registry/codepoints.js';

/** The TLS 1.2 key exchange of a suite (RFC 8422 §2: ECDHE; RFC 5246 §7.4.3: DHE; §7.4.7.1: RSA). */
export type KeyExchange12 = 'ecdhe' | 'dhe' | 'rsa';
/** How the server authenticates: the certificate key type (RFC 8422 §2, RFC 5246 §7.4.2). */
export type Auth12 = 'ecdsa' | 'rsa';

/** One TLS 1.2 cipher suite: key exchange, authentication, record AEAD, PRF hash, key block layout. */
export interface Tls12Suite {
  readonly suite: number;
  /** IANA name, e.g. TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256. */
  readonly name: string;
  /** OpenSSL's name, e.g. ECDHE-ECDSA-AES128-GCM-SHA256 (node:tls getCipher().name). */
  readonly opensslName: string;
  readonly keyExchange: KeyExchange12;
  readonly auth: Auth12;
  /** The record AEAD; undefined for the legacy CBC suites (`cbc`). */
  readonly aead?: AeadAlgorithm;
  /** RFC 5246 §6.2.3.2 / Appendix C: the block cipher and HMAC of a legacy CBC suite. */
  readonly cbc?: CbcSuite12;
  /** RFC 5246 §5: SHA-256 unless the suite names SHA-384 (RFC 5289 §3). */
  readonly prfHash: Prf12Hash;
  /** RFC 5288 §3: 4-byte salt for AES-GCM; RFC 7905 §2: 12-byte IV for ChaCha20-Poly1305. */
  readonly layout: KeyBlockLayout;
}

/** A CBC suite's record protection: AES-CBC and HMAC (RFC 5246 Appendix C; RFC 5289 §3 for SHA-256). */
export interface CbcSuite12 {
  readonly cipher: CbcAlgorithm;
  readonly mac: 'sha1' | 'sha256';
}

const gcm128: KeyBlockLayout = { macKeyLength: 0, encKeyLength: 16, fixedIvLength: 4 };
const gcm256: KeyBlockLayout = { macKeyLength: 0, encKeyLength: 32, fixedIvLength: 4 };
const chacha: KeyBlockLayout = { macKeyLength: 0, encKeyLength: 32, fixedIvLength: 12 };

const S = CipherSuite;

/** The table (RFC 5289 §3 for the GCM suites, RFC 7905 §2 for ChaCha20-Poly1305). */
/** A suite with an AEAD record protection (every default suite). */
export type Tls12AeadSuite = Tls12Suite & { readonly aead: AeadAlgorithm };

export const TLS12_SUITES: readonly Tls12AeadSuite[] = [
  { suite: S.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, name: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', opensslName: 'ECDHE-ECDSA-AES128-GCM-SHA256', keyExchange: 'ecdhe', auth: 'ecdsa', aead: 'aes-128-gcm', prfHash: 'sha256', layout: gcm128 },
  { suite: S.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, name: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', opensslName: 'ECDHE-RSA-AES128-GCM-SHA256', keyExchange: 'ecdhe', auth: 'rsa', aead: 'aes-128-gcm', prfHash: 'sha256', layout: gcm128 },
  { suite: S.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, name: 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', opensslName: 'ECDHE-ECDSA-AES256-GCM-SHA384', keyExchange: 'ecdhe', auth: 'ecdsa', aead: 'aes-256-gcm', prfHash: 'sha384', layout: gcm256 },
  { suite: S.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, name: 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', opensslName: 'ECDHE-RSA-AES256-GCM-SHA384', keyExchange: 'ecdhe', auth: 'rsa', aead: 'aes-256-gcm', prfHash: 'sha384', layout: gcm256 },
  { suite: S.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, name: 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', opensslName: 'ECDHE-ECDSA-CHACHA20-POLY1305', keyExchange: 'ecdhe', auth: 'ecdsa', aead: 'chacha20-poly1305', prfHash: 'sha256', layout: chacha },
  { suite: S.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, name: 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', opensslName: 'ECDHE-RSA-CHACHA20-POLY1305', keyExchange: 'ecdhe', auth: 'rsa', aead: 'chacha20-poly1305', prfHash: 'sha256', layout: chacha },
  // RFC 5288 §3 / RFC 7905 §2: DHE_RSA over the RFC 7919 groups (after ECDHE in preference)
  { suite: S.TLS_DHE_RSA_WITH_AES_128_GCM_SHA256, name: 'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256', opensslName: 'DHE-RSA-AES128-GCM-SHA256', keyExchange: 'dhe', auth: 'rsa', aead: 'aes-128-gcm', prfHash: 'sha256', layout: gcm128 },
  { suite: S.TLS_DHE_RSA_WITH_AES_256_GCM_SHA384, name: 'TLS_DHE_RSA_WITH_AES_256_GCM_SHA384', opensslName: 'DHE-RSA-AES256-GCM-SHA384', keyExchange: 'dhe', auth: 'rsa', aead: 'aes-256-gcm', prfHash: 'sha384', layout: gcm256 },
  { suite: S.TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256, name: 'TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256', opensslName: 'DHE-RSA-CHACHA20-POLY1305', keyExchange: 'dhe', auth: 'rsa', aead: 'chacha20-poly1305', prfHash: 'sha256', layout: chacha },
];

// RFC 5246 §6.3 / Appendix C: CBC suites have MAC keys (20 bytes SHA-1, 32 SHA-256) and no fixed IV in TLS 1.2.
const cbc128sha1: KeyBlockLayout = { macKeyLength: 20, encKeyLength: 16, fixedIvLength: 0 };
const cbc256sha1: KeyBlockLayout = { macKeyLength: 20, encKeyLength: 32, fixedIvLength: 0 };
const cbc128sha256: KeyBlockLayout = { macKeyLength: 32, encKeyLength: 16, fixedIvLength: 0 };
const cbc256sha256: KeyBlockLayout = { macKeyLength: 32, encKeyLength: 32, fixedIvLength: 0 };
const aes128sha1: CbcSuite12 = { cipher: 'aes-128-cbc', mac: 'sha1' };
const aes256sha1: CbcSuite12 = { cipher: 'aes-256-cbc', mac: 'sha1' };
const aes128sha256: CbcSuite12 = { cipher: 'aes-128-cbc', mac: 'sha256' };
const aes256sha256: CbcSuite12 = { cipher: 'aes-256-cbc', mac: 'sha256' };

/**
 * Legacy suites, off by default: static RSA key exchange (RFC 5246 §7.4.7.1; RFC 5288 §3 for the
 * GCM ones; `rsaKeyExchange`) and the CBC suites (RFC 5246 Appendix A.5, RFC 8422 §6, RFC 5289
 * §3; `cbcSuites`). The PRF is SHA-256 except for the SHA384 suites (RFC 5246 §5, RFC 5289 §3).
 */
export const LEGACY_SUITES_12: readonly Tls12Suite[] = [
  { suite: S.TLS_RSA_WITH_AES_128_GCM_SHA256, name: 'TLS_RSA_WITH_AES_128_GCM_SHA256', opensslName: 'AES128-GCM-SHA256', keyExchange: 'rsa', auth: 'rsa', aead: 'aes-128-gcm', prfHash: 'sha256', layout: gcm128 },
  { suite: S.TLS_RSA_WITH_AES_256_GCM_SHA384, name: 'TLS_RSA_WITH_AES_256_GCM_SHA384', opensslName: 'AES256-GCM-SHA384', keyExchange: 'rsa', auth: 'rsa', aead: 'aes-256-gcm', prfHash: 'sha384', layout: gcm256 },
  { suite: S.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, name: 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA', opensslName: 'ECDHE-ECDSA-AES128-SHA', keyExchange: 'ecdhe', auth: 'ecdsa', cbc: aes128sha1, prfHash: 'sha256', layout: cbc128sha1 },
  { suite: S.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, name: 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA', opensslName: 'ECDHE-RSA-AES128-SHA', keyExchange: 'ecdhe', auth: 'rsa', cbc: aes128sha1, prfHash: 'sha256', layout: cbc128sha1 },
  { suite: S.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, name: 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA', opensslName: 'ECDHE-ECDSA-AES256-SHA', keyExchange: 'ecdhe', auth: 'ecdsa', cbc: aes256sha1, prfHash: 'sha256', layout: cbc256sha1 },
  { suite: S.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, name: 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA', opensslName: 'ECDHE-RSA-AES256-SHA', keyExchange: 'ecdhe', auth: 'rsa', cbc: aes256sha1, prfHash: 'sha256', layout: cbc256sha1 },
  { suite: S.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256, name: 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256', opensslName: 'ECDHE-ECDSA-AES128-SHA256', keyExchange: 'ecdhe', auth: 'ecdsa', cbc: aes128sha256, prfHash: 'sha256', layout: cbc128sha256 },
  { suite: S.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256, name: 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256', opensslName: 'ECDHE-RSA-AES128-SHA256', keyExchange: 'ecdhe', auth: 'rsa', cbc: aes128sha256, prfHash: 'sha256', layout: cbc128sha256 },
  { suite: S.TLS_RSA_WITH_AES_128_CBC_SHA, name: 'TLS_RSA_WITH_AES_128_CBC_SHA', opensslName: 'AES128-SHA', keyExchange: 'rsa', auth: 'rsa', cbc: aes128sha1, prfHash: 'sha256', layout: cbc128sha1 },
  { suite: S.TLS_RSA_WITH_AES_256_CBC_SHA, name: 'TLS_RSA_WITH_AES_256_CBC_SHA', opensslName: 'AES256-SHA', keyExchange: 'rsa', auth: 'rsa', cbc: aes256sha1, prfHash: 'sha256', layout: cbc256sha1 },
  { suite: S.TLS_RSA_WITH_AES_128_CBC_SHA256, name: 'TLS_RSA_WITH_AES_128_CBC_SHA256', opensslName: 'AES128-SHA256', keyExchange: 'rsa', auth: 'rsa', cbc: aes128sha256, prfHash: 'sha256', layout: cbc128sha256 },
  { suite: S.TLS_RSA_WITH_AES_256_CBC_SHA256, name: 'TLS_RSA_WITH_AES_256_CBC_SHA256', opensslName: 'AES256-SHA256', keyExchange: 'rsa', auth: 'rsa', cbc: aes256sha256, prfHash: 'sha256', layout: cbc256sha256 },
];

/** Every TLS 1.2 suite tlskit implements (defaults first, then the legacy ones). */
export const ALL_TLS12_SUITES: readonly Tls12Suite[] = [...TLS12_SUITES, ...LEGACY_SUITES_12];

/** The suites a configuration allows: static RSA and CBC only when enabled. */
export function legacySuitesAllowed(suite: Tls12Suite, options: { readonly rsaKeyExchange: boolean; readonly cbcSuites: boolean }): boolean {
  return (suite.keyExchange !== 'rsa' || options.rsaKeyExchange) && (suite.cbc === undefined || options.cbcSuites);
}

const BY_CODE: ReadonlyMap<number, Tls12Suite> = new Map(ALL_TLS12_SUITES.map((s) => [s.suite, s]));

/** The suite for a code point, or undefined when tlskit does not implement it for TLS 1.2. */
export function tls12Suite(code: number): Tls12Suite | undefined {
  return BY_CODE.get(code);
}

/** Default TLS 1.2 suites, in preference order (ECDSA before RSA, AES-128-GCM first). */
export const DEFAULT_CIPHER_SUITES_12: readonly number[] = TLS12_SUITES.map((s) => s.suite);

/** Whether a certificate key can authenticate a suite (RFC 8422 §2: ECDSA/EdDSA keys for ECDHE_ECDSA). */
export function keyFitsAuth(auth: Auth12, info: KeyInfo): boolean {
  return auth === 'ecdsa' ? info.type === 'ec' || info.type === 'ed25519' || info.type === 'ed448' : info.type === 'rsa';
}

/**
 * Whether a SignatureScheme can sign a TLS 1.2 ServerKeyExchange with `info` (RFC 5246
 * §7.4.1.4.1; RFC 8422 §5.1.3: in TLS 1.2 the ECDSA hash is not bound to the curve). SHA-1 and
 * rsa_pss_pss (needs an RSASSA-PSS certificate) are not used.
 */
export function schemeFitsKey12(scheme: number, info: KeyInfo): boolean {
  switch (scheme) {
    case SignatureScheme.ecdsa_secp256r1_sha256:
    case SignatureScheme.ecdsa_secp384r1_sha384:
    case SignatureScheme.ecdsa_secp521r1_sha512:
      return info.type === 'ec';
    case SignatureScheme.rsa_pss_rsae_sha256:
    case SignatureScheme.rsa_pss_rsae_sha384:
    case SignatureScheme.rsa_pss_rsae_sha512:
    case SignatureScheme.rsa_pkcs1_sha256:
    case SignatureScheme.rsa_pkcs1_sha384:
    case SignatureScheme.rsa_pkcs1_sha512:
      return info.type === 'rsa';
    case SignatureScheme.ed25519:
      return info.type === 'ed25519';
    case SignatureScheme.ed448:
      return info.type === 'ed448';
    default:
      return false;
  }
}

/**
 * Our signature scheme for `info`: preferring the ECDSA scheme whose hash matches the curve, then
 * the first in our preference order that the peer offered.
 */
export function chooseSignatureScheme12(preference: readonly number[], peerOffered: readonly number[], info: KeyInfo): number | undefined {
  const curveScheme =
    info.curve === 'P-256'
      ? SignatureScheme.ecdsa_secp256r1_sha256
      : info.curve === 'P-384'
        ? SignatureScheme.ecdsa_secp384r1_sha384
        : info.curve === 'P-521'
          ? SignatureScheme.ecdsa_secp521r1_sha512
          : undefined;
  if (curveScheme !== undefined && preference.includes(curveScheme) && peerOffered.includes(curveScheme)) return curveScheme;
  for (const scheme of preference) {
    if (schemeFitsKey12(scheme, info) && peerOffered.includes(scheme)) return scheme;
  }
  return undefined;
}
