/**
 * X.509 signature algorithms (RFC 5280 §4.1.1.2) mapped onto TLS SignatureSchemes, which is
 * how the CryptoProvider signs and verifies.
 *
 * - sha{256,384,512}WithRSAEncryption (RFC 4055 §5) → rsa_pkcs1_sha{256,384,512}
 * - ecdsa-with-SHA{256,384,512} (RFC 5758 §3.2) → ecdsa_secp{256r1_sha256,384r1_sha384,521r1_sha512}
 *   (the provider applies the scheme's hash with any EC key, so a P-384 CA may sign with SHA-256)
 * - id-RSASSA-PSS (RFC 4055 §3.1) with hash = MGF1 hash and salt length = hash length
 *   → rsa_pss_rsae_* for an rsaEncryption issuer key, rsa_pss_pss_* for an id-RSASSA-PSS key
 * - Ed25519 / Ed448 (RFC 8410 §3) → ed25519 / ed448
 *
 * SHA-1 and MD5 based signatures are not accepted.
 */
import type { CryptoProvider, HashAlgorithm, KeyInfo, PrivateKey, PublicKey } from '../crypto/provider.js';
import { HASH_LENGTH } from '../crypto/provider.js';
import { ErrorCode, TlsError } from '../errors.js';
import { SignatureScheme } from '../registry/codepoints.js';
import { algorithmIdentifier, type AlgorithmIdentifier, type Certificate } from './certificate.js';
import { DerReader, Tag, contextTag, derExplicit, derInteger, derNull, derOid, derSequence } from './der.js';
import { OID, OID_NAMES } from './oids.js';

function unsupported(message: string): TlsError {
  return new TlsError(ErrorCode.ERR_TLS_BAD_CERTIFICATE, message, { field: 'Certificate.signatureAlgorithm' });
}

const HASH_BY_OID: Readonly<Record<string, HashAlgorithm>> = {
  [OID.sha1]: 'sha1',
  [OID.sha256]: 'sha256',
  [OID.sha384]: 'sha384',
  [OID.sha512]: 'sha512',
};

/** RSASSA-PSS-params (RFC 4055 §3.1) with defaults applied. */
export interface PssParams {
  readonly hash: HashAlgorithm;
  readonly mgfHash: HashAlgorithm;
  readonly saltLength: number;
  readonly trailerField: number;
}

/** Absent or NULL parameters (RFC 4055 §2.1 hash identifiers; RFC 4055 §5 PKCS#1 v1.5). */
function absentOrNull(params: Uint8Array | undefined): boolean {
  return params === undefined || (params.length === 2 && params[0] === Tag.NULL && params[1] === 0);
}

function hashAlgorithm(alg: AlgorithmIdentifier, field: string): HashAlgorithm {
  const h = HASH_BY_OID[alg.oid];
  if (h === undefined) throw unsupported(`${field}: unsupported hash algorithm ${alg.oid}`);
  if (!absentOrNull(alg.params)) throw unsupported(`${field}: hash parameters must be absent or NULL`);
  return h;
}

/** Parses RSASSA-PSS-params (RFC 4055 §3.1). */
export function parsePssParams(params: Uint8Array | undefined): PssParams {
  const field = 'RSASSA-PSS-params';
  // RFC 4055 §3.1: the parameters MUST be present in a signature AlgorithmIdentifier.
  if (params === undefined) throw unsupported(`${field}: missing`);
  const top = new DerReader(params, field);
  const seq = top.sequence(field);
  top.end();
  let hash: HashAlgorithm = 'sha1';
  let mgfHash: HashAlgorithm = 'sha1';
  let saltLength = 20;
  let trailerField = 1;
  const h = seq.optional(contextTag(0, true), `${field}.hashAlgorithm`);
  if (h !== undefined) {
    const r = seq.childOf(h, `${field}.hashAlgorithm`);
    hash = hashAlgorithm(algorithmIdentifier(r, `${field}.hashAlgorithm`), `${field}.hashAlgorithm`);
    r.end();
  }
  const m = seq.optional(contextTag(1, true), `${field}.maskGenAlgorithm`);
  if (m !== undefined) {
    const r = seq.childOf(m, `${field}.maskGenAlgorithm`);
    const mgf = algorithmIdentifier(r, `${field}.maskGenAlgorithm`);
    r.end();
    if (mgf.oid !== OID.mgf1) throw unsupported(`${field}.maskGenAlgorithm: unsupported mask generation function ${mgf.oid}`);
    if (mgf.params === undefined) throw unsupported(`${field}.maskGenAlgorithm: MGF1 without a hash`);
    const pr = new DerReader(mgf.params, `${field}.maskGenAlgorithm.parameters`);
    mgfHash = hashAlgorithm(algorithmIdentifier(pr, `${field}.maskGenAlgorithm.parameters`), `${field}.maskGenAlgorithm.parameters`);
    pr.end();
  }
  const s = seq.optional(contextTag(2, true), `${field}.saltLength`);
  if (s !== undefined) {
    const r = seq.childOf(s, `${field}.saltLength`);
    saltLength = r.smallInteger(`${field}.saltLength`, 1024);
    r.end();
  }
  const t = seq.optional(contextTag(3, true), `${field}.trailerField`);
  if (t !== undefined) {
    const r = seq.childOf(t, `${field}.trailerField`);
    trailerField = r.smallInteger(`${field}.trailerField`, 255);
    r.end();
  }
  seq.end();
  return { hash, mgfHash, saltLength, trailerField };
}

const PSS_SCHEMES: Readonly<Partial<Record<HashAlgorithm, { rsae: number; pss: number }>>> = {
  sha256: { rsae: SignatureScheme.rsa_pss_rsae_sha256, pss: SignatureScheme.rsa_pss_pss_sha256 },
  sha384: { rsae: SignatureScheme.rsa_pss_rsae_sha384, pss: SignatureScheme.rsa_pss_pss_sha384 },
  sha512: { rsae: SignatureScheme.rsa_pss_rsae_sha512, pss: SignatureScheme.rsa_pss_pss_sha512 },
};

const SIMPLE_SCHEMES: Readonly<Record<string, { scheme: number; keyTypes: readonly KeyInfo['type'][]; params: 'absent' | 'absentOrNull' }>> = {
  // RFC 4055 §5: the parameters are NULL (absent is tolerated, as OpenSSL does).
  [OID.sha256WithRSAEncryption]: { scheme: SignatureScheme.rsa_pkcs1_sha256, keyTypes: ['rsa'], params: 'absentOrNull' },
  [OID.sha384WithRSAEncryption]: { scheme: SignatureScheme.rsa_pkcs1_sha384, keyTypes: ['rsa'], params: 'absentOrNull' },
  [OID.sha512WithRSAEncryption]: { scheme: SignatureScheme.rsa_pkcs1_sha512, keyTypes: ['rsa'], params: 'absentOrNull' },
  // RFC 5758 §3.2: the parameters MUST be absent.
  [OID.ecdsaWithSHA256]: { scheme: SignatureScheme.ecdsa_secp256r1_sha256, keyTypes: ['ec'], params: 'absent' },
  [OID.ecdsaWithSHA384]: { scheme: SignatureScheme.ecdsa_secp384r1_sha384, keyTypes: ['ec'], params: 'absent' },
  [OID.ecdsaWithSHA512]: { scheme: SignatureScheme.ecdsa_secp521r1_sha512, keyTypes: ['ec'], params: 'absent' },
  // RFC 8410 §3: the parameters MUST be absent.
  [OID.ed25519]: { scheme: SignatureScheme.ed25519, keyTypes: ['ed25519'], params: 'absent' },
  [OID.ed448]: { scheme: SignatureScheme.ed448, keyTypes: ['ed448'], params: 'absent' },
};

const algName = (oid: string): string => OID_NAMES[oid] ?? oid;

/**
 * The SignatureScheme that verifies a certificate signed with `alg` by a key of type
 * `issuerKey`. Throws a TlsError (ERR_TLS_BAD_CERTIFICATE) for unsupported or mismatched ones.
 */
export function signatureSchemeFor(alg: AlgorithmIdentifier, issuerKey: KeyInfo): number {
  const simple = SIMPLE_SCHEMES[alg.oid];
  if (simple !== undefined) {
    const okParams = simple.params === 'absent' ? alg.params === undefined : absentOrNull(alg.params);
    if (!okParams) throw unsupported(`${algName(alg.oid)}: unexpected parameters`);
    if (!simple.keyTypes.includes(issuerKey.type)) {
      throw unsupported(`signature algorithm ${algName(alg.oid)} does not fit the issuer's ${issuerKey.type} key`);
    }
    return simple.scheme;
  }
  if (alg.oid === OID.rsassaPss) {
    const p = parsePssParams(alg.params);
    const schemes = PSS_SCHEMES[p.hash];
    if (schemes === undefined) throw unsupported(`RSASSA-PSS with ${p.hash} is not supported`);
    if (p.mgfHash !== p.hash) throw unsupported(`RSASSA-PSS with MGF1 hash ${p.mgfHash} differing from ${p.hash} is not supported`);
    if (p.trailerField !== 1) throw unsupported(`RSASSA-PSS trailerField must be 1 (RFC 4055 §3.1), got ${p.trailerField}`);
    const want = HASH_LENGTH[p.hash];
    if (p.saltLength !== want) {
      throw unsupported(`RSASSA-PSS salt length ${p.saltLength} is not supported (only the ${p.hash} length ${want})`);
    }
    if (issuerKey.type === 'rsa') return schemes.rsae;
    if (issuerKey.type === 'rsa-pss') return schemes.pss;
    throw unsupported(`signature algorithm RSASSA-PSS does not fit the issuer's ${issuerKey.type} key`);
  }
  if (alg.oid === OID.sha1WithRSAEncryption || alg.oid === OID.ecdsaWithSHA1) {
    throw unsupported(`${algName(alg.oid)} signatures are not accepted (SHA-1 is broken for signatures)`);
  }
  throw unsupported(`unsupported signature algorithm ${algName(alg.oid)}`);
}

/**
 * Checks `cert`'s signature with the issuer's public key. False when the signature does not
 * verify; throws a TlsError when the algorithm is unsupported or does not fit the key.
 */
export function verifyCertificateSignature(provider: CryptoProvider, cert: Certificate, issuerPublicKey: PublicKey): boolean {
  const scheme = signatureSchemeFor(cert.signatureAlgorithm, issuerPublicKey.info);
  return provider.verify(scheme, issuerPublicKey, cert.tbsRaw, cert.signature);
}

/** What a key signs certificates with: the scheme and the DER AlgorithmIdentifier. */
export interface SigningAlgorithm {
  readonly scheme: number;
  readonly algorithmIdentifier: Uint8Array;
}

/** RSASSA-PSS-params for `hash` with MGF1(hash) and salt length = hash length (RFC 4055 §3.1). */
export function pssAlgorithmIdentifier(hash: 'sha256' | 'sha384' | 'sha512'): Uint8Array {
  const hashAlg = derSequence(derOid(OID[hash]), derNull());
  return derSequence(
    derOid(OID.rsassaPss),
    derSequence(derExplicit(0, hashAlg), derExplicit(1, derSequence(derOid(OID.mgf1), hashAlg)), derExplicit(2, derInteger(HASH_LENGTH[hash]))),
  );
}

/**
 * The algorithm a key signs certificates with: SHA-256 for RSA and P-256, SHA-384 for P-384,
 * SHA-512 for P-521, RSASSA-PSS/SHA-256 for RSA-PSS keys, pure EdDSA for Ed25519/Ed448.
 */
export function signingAlgorithmFor(key: PrivateKey | PublicKey): SigningAlgorithm {
  const info = key.info;
  switch (info.type) {
    case 'rsa':
      return { scheme: SignatureScheme.rsa_pkcs1_sha256, algorithmIdentifier: derSequence(derOid(OID.sha256WithRSAEncryption), derNull()) };
    case 'rsa-pss':
      return { scheme: SignatureScheme.rsa_pss_pss_sha256, algorithmIdentifier: pssAlgorithmIdentifier('sha256') };
    case 'ec':
      if (info.curve === 'P-384') return { scheme: SignatureScheme.ecdsa_secp384r1_sha384, algorithmIdentifier: derSequence(derOid(OID.ecdsaWithSHA384)) };
      if (info.curve === 'P-521') return { scheme: SignatureScheme.ecdsa_secp521r1_sha512, algorithmIdentifier: derSequence(derOid(OID.ecdsaWithSHA512)) };
      return { scheme: SignatureScheme.ecdsa_secp256r1_sha256, algorithmIdentifier: derSequence(derOid(OID.ecdsaWithSHA256)) };
    case 'ed25519':
      return { scheme: SignatureScheme.ed25519, algorithmIdentifier: derSequence(derOid(OID.ed25519)) };
    case 'ed448':
      return { scheme: SignatureScheme.ed448, algorithmIdentifier: derSequence(derOid(OID.ed448)) };
  }
}
