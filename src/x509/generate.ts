/**
 * Certificate generation for the demo, `tlskit serve` and tests: proper X.509 v3 certificates
 * (RFC 5280 §4.1) with subjectKeyIdentifier, authorityKeyIdentifier, basicConstraints
 * (critical), keyUsage (critical), extKeyUsage and subjectAltName. Keys and signatures come
 * from the CryptoProvider.
 */
import type { CryptoProvider, PrivateKey, SigningKeyKind } from '../crypto/provider.js';
import { ErrorCode, TlsError } from '../errors.js';
import { fromHex } from '../wire/bytes.js';
import { parseCertificate, parseIp, type Certificate, type KeyUsage, KEY_USAGE_BITS } from './certificate.js';
import {
  DerReader,
  derBitString,
  derBoolean,
  derExplicit,
  derGeneralizedTime,
  derImplicit,
  derInteger,
  derNamedBits,
  derOctetString,
  derOid,
  derPrintableString,
  derSequence,
  derSet,
  derTime,
  derTlv,
  derUtf8String,
} from './der.js';
import { EXT_OID, encodeCrlDistributionPoints } from './ext.js';
import { OID } from './oids.js';
import { encodePem } from './pem.js';
import { signingAlgorithmFor } from './signature.js';

export interface SubjectSpec {
  readonly CN: string;
  readonly O?: string;
  readonly OU?: string;
  /** Two-letter country code. */
  readonly C?: string;
}

export type KeyPurpose = 'serverAuth' | 'clientAuth';

export interface GenerateCertificateOptions {
  readonly subject: SubjectSpec;
  /** The issuing CA; self-signed when absent. */
  readonly issuer?: { readonly cert: Certificate; readonly key: PrivateKey };
  /** The key type to generate (default p256). Ignored when `key` is given. */
  readonly keyKind?: SigningKeyKind;
  /** Reuse an existing key instead of generating one (RSA key generation is slow). */
  readonly key?: PrivateKey;
  readonly isCA?: boolean;
  /** basicConstraints pathLenConstraint (CA only). */
  readonly pathLen?: number;
  readonly dnsNames?: readonly string[];
  readonly ipAddresses?: readonly string[];
  /** Default: 5 minutes ago. */
  readonly notBefore?: Date;
  /** Default: 1 year after notBefore (10 years for a CA). */
  readonly notAfter?: Date;
  /** Default: CA → keyCertSign + cRLSign + digitalSignature; leaf → digitalSignature (+ keyEncipherment for RSA). */
  readonly keyUsage?: readonly (keyof KeyUsage)[];
  /** Default: leaf → serverAuth + clientAuth; CA → no extKeyUsage extension. */
  readonly extKeyUsage?: readonly KeyPurpose[];
  /** Positive serial number; default 16 random bytes. A string is hex. Bytes are used as given (tests of bad serials). */
  readonly serial?: bigint | string | Uint8Array;
  /** Additional extensions, appended as given (for tests of unusual certificates). */
  readonly extraExtensions?: readonly { readonly oid: string; readonly critical: boolean; readonly value: Uint8Array }[];
  /** For tests of defective certificates: default extensions (by OID) to leave out. */
  readonly omitExtensions?: readonly string[];
  /** For tests: replaces the default extension with the same OID, in place (or appends it). */
  readonly replaceExtensions?: readonly { readonly oid: string; readonly critical: boolean; readonly value: Uint8Array }[];
  /** For tests: encode the validity dates as GeneralizedTime whatever the year (RFC 5280 wants UTCTime through 2049). */
  readonly generalizedTimeValidity?: boolean;
  /** For tests: a v1 certificate (no extensions at all). Default 3. */
  readonly version?: 1 | 3;
  /** For tests: the DER issuer / subject Name instead of the usual ones (e.g. an empty SEQUENCE). */
  readonly issuerName?: Uint8Array;
  readonly subjectName?: Uint8Array;
}

export interface GeneratedCertificate {
  readonly cert: Certificate;
  readonly certDer: Uint8Array;
  readonly certPem: string;
  readonly key: PrivateKey;
  readonly keyPem: string;
}

function invalidOption(message: string): TlsError {
  return new TlsError(ErrorCode.ERR_TLS_INVALID_OPTION, message);
}

const ATTR = { C: '2.5.4.6', O: '2.5.4.10', OU: '2.5.4.11', CN: '2.5.4.3' } as const;

/** Name in DER order C, O, OU, CN (so the RFC 4514 text reads `CN=..., OU=..., O=..., C=...`). */
export function encodeName(subject: SubjectSpec): Uint8Array {
  const rdn = (oid: string, value: Uint8Array): Uint8Array => derSet(derSequence(derOid(oid), value));
  const rdns: Uint8Array[] = [];
  // RFC 5280 Appendix A: countryName is a PrintableString of 2 characters.
  if (subject.C !== undefined) rdns.push(rdn(ATTR.C, derPrintableString(subject.C)));
  // RFC 5280 §4.1.2.4: new certificates use UTF8String for DirectoryString.
  if (subject.O !== undefined) rdns.push(rdn(ATTR.O, derUtf8String(subject.O)));
  if (subject.OU !== undefined) rdns.push(rdn(ATTR.OU, derUtf8String(subject.OU)));
  rdns.push(rdn(ATTR.CN, derUtf8String(subject.CN)));
  return derSequence(...rdns);
}

/** The subjectPublicKey bits of a SubjectPublicKeyInfo. */
function subjectPublicKeyBits(spki: Uint8Array): Uint8Array {
  const seq = new DerReader(spki, 'SubjectPublicKeyInfo').sequence('SubjectPublicKeyInfo');
  seq.next('SubjectPublicKeyInfo.algorithm');
  return seq.bitString('SubjectPublicKeyInfo.subjectPublicKey').bytes;
}

/** RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING value. */
export function keyIdentifier(provider: CryptoProvider, spki: Uint8Array): Uint8Array {
  return provider.hash('sha1', subjectPublicKeyBits(spki));
}

function extension(oid: string, critical: boolean, value: Uint8Array): Uint8Array {
  return critical ? derSequence(derOid(oid), derBoolean(true), derOctetString(value)) : derSequence(derOid(oid), derOctetString(value));
}

function randomSerial(provider: CryptoProvider): Uint8Array {
  const s = provider.randomBytes(16);
  // RFC 5280 §4.1.2.2: positive; keep the top bit clear and the value non-zero.
  s[0] = ((s[0] as number) & 0x7f) | 0x01;
  return s;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const OID_CRL_REASON = EXT_OID.cRLReason;
const OID_CRL_NUMBER = EXT_OID.cRLNumber;

/**
 * Generates a key (unless given) and a certificate for it, signed by `issuer` or self-signed.
 *
 * @example
 * const ca = generateCertificate({ subject: { CN: 'Test CA' }, isCA: true, keyKind: 'p256' }, provider);
 * const leaf = generateCertificate({ subject: { CN: 'localhost' }, issuer: ca, dnsNames: ['localhost'] }, provider);
 */
export function generateCertificate(options: GenerateCertificateOptions, provider: CryptoProvider): GeneratedCertificate {
  const key = options.key ?? provider.generateSigningKey(options.keyKind ?? 'p256');
  const isCA = options.isCA ?? false;
  const spki = provider.publicKeyOf(key);
  const ski = keyIdentifier(provider, spki);

  const signerKey = options.issuer?.key ?? key;
  const issuerName = options.issuer?.cert.subject.raw ?? encodeName(options.subject);
  const issuerKeyId = options.issuer === undefined ? ski : (options.issuer.cert.subjectKeyIdentifier ?? keyIdentifier(provider, options.issuer.cert.subjectPublicKeyInfo));
  const alg = signingAlgorithmFor(signerKey);

  if (options.pathLen !== undefined && (!isCA || !Number.isInteger(options.pathLen) || options.pathLen < 0)) {
    throw invalidOption('pathLen needs isCA and a non-negative integer (RFC 5280 §4.2.1.9)');
  }
  const notBefore = options.notBefore ?? new Date(Math.floor((Date.now() - 5 * 60 * 1000) / 1000) * 1000);
  const notAfter = options.notAfter ?? new Date(notBefore.getTime() + (isCA ? 3650 : 365) * DAY_MS);

  let serial: Uint8Array;
  if (options.serial === undefined) serial = randomSerial(provider);
  else if (options.serial instanceof Uint8Array) serial = options.serial;
  else if (typeof options.serial === 'bigint') {
    if (options.serial <= 0n) throw invalidOption('serial must be positive (RFC 5280 §4.1.2.2)');
    serial = fromHex(options.serial.toString(16).padStart(2 * Math.ceil(options.serial.toString(16).length / 2), '0'));
  } else {
    if (!/^([0-9a-fA-F]{2})+$/.test(options.serial)) throw invalidOption('serial must be an even number of hex digits');
    serial = fromHex(options.serial);
    if (serial.every((b) => b === 0)) throw invalidOption('serial must be positive (RFC 5280 §4.1.2.2)');
  }

  const exts: Uint8Array[] = [];
  // RFC 5280 §4.2.1.9: basicConstraints, critical in CA certificates; we mark it critical always.
  const bc = isCA ? derSequence(derBoolean(true), ...(options.pathLen !== undefined ? [derInteger(options.pathLen)] : [])) : derSequence();
  exts.push(extension(OID.basicConstraints, true, bc));
  // RFC 5280 §4.2.1.3: keyUsage SHOULD be critical.
  const ku = options.keyUsage ?? (isCA ? ['digitalSignature', 'keyCertSign', 'cRLSign'] : key.info.type === 'rsa' ? ['digitalSignature', 'keyEncipherment'] : ['digitalSignature']);
  if (ku.length > 0) exts.push(extension(OID.keyUsage, true, derNamedBits(ku.map((name) => KEY_USAGE_BITS.indexOf(name)))));
  const eku = options.extKeyUsage ?? (isCA ? [] : ['serverAuth', 'clientAuth']);
  if (eku.length > 0) exts.push(extension(OID.extKeyUsage, false, derSequence(...eku.map((p) => derOid(OID[p])))));
  // RFC 5280 §4.2.1.2: subjectKeyIdentifier (MUST in CA certificates, SHOULD otherwise).
  exts.push(extension(OID.subjectKeyIdentifier, false, derOctetString(ski)));
  // RFC 5280 §4.2.1.1: authorityKeyIdentifier keyIdentifier (may be omitted when self-signed; we include it).
  exts.push(extension(OID.authorityKeyIdentifier, false, derSequence(derImplicit(0, issuerKeyId))));
  const names: Uint8Array[] = [];
  for (const dns of options.dnsNames ?? []) {
    if (!/^[\x21-\x7e]+$/.test(dns)) throw invalidOption(`dNSName "${dns}" must be ASCII (use the A-label form)`);
    names.push(derImplicit(2, new TextEncoder().encode(dns)));
  }
  for (const ip of options.ipAddresses ?? []) {
    const bytes = parseIp(ip);
    if (bytes === undefined) throw invalidOption(`"${ip}" is not an IP address`);
    names.push(derImplicit(7, bytes));
  }
  // RFC 5280 §4.2.1.6: subjectAltName; non-critical since the subject name is not empty.
  if (names.length > 0) exts.push(extension(OID.subjectAltName, false, derSequence(...names)));
  for (const e of options.extraExtensions ?? []) exts.push(extension(e.oid, e.critical, e.value));
  const omit = new Set(options.omitExtensions ?? []);
  const replace = options.replaceExtensions ?? [];
  const oidOf = (ext: Uint8Array): string => new DerReader(ext, 'Extension').sequence('Extension').oid('Extension.extnID');
  const finalExts = exts
    .filter((e) => !omit.has(oidOf(e)))
    .map((e) => {
      const r = replace.find((x) => x.oid === oidOf(e));
      return r === undefined ? e : extension(r.oid, r.critical, r.value);
    });
  for (const r of replace) if (!exts.some((e) => oidOf(e) === r.oid)) finalExts.push(extension(r.oid, r.critical, r.value));
  const v1 = options.version === 1;

  const tbs = derSequence(
    ...(v1 ? [] : [derExplicit(0, derInteger(2))]), // v3 (v1 is the absent default)
    derInteger(serial),
    alg.algorithmIdentifier,
    options.issuerName ?? issuerName,
    options.generalizedTimeValidity === true ? derSequence(derGeneralizedTime(notBefore), derGeneralizedTime(notAfter)) : derSequence(derTime(notBefore), derTime(notAfter)),
    options.subjectName ?? encodeName(options.subject),
    spki,
    ...(v1 ? [] : [derExplicit(3, derSequence(...finalExts))]),
  );
  const signature = provider.sign(alg.scheme, signerKey, tbs);
  const certDer = derSequence(tbs, alg.algorithmIdentifier, derBitString(signature));
  return {
    cert: parseCertificate(certDer),
    certDer,
    certPem: encodePem('CERTIFICATE', certDer),
    key,
    keyPem: provider.exportPrivateKeyPem(key),
  };
}

export interface TestPkiOptions {
  /** Leaf key kinds (default rsa2048, p256, p384, ed25519). */
  readonly keyKinds?: readonly SigningKeyKind[];
  /** Key kind of the root and intermediate CAs (default p256). */
  readonly caKeyKind?: SigningKeyKind;
  /** Leaf names (default localhost, 127.0.0.1, ::1). */
  readonly dnsNames?: readonly string[];
  readonly ipAddresses?: readonly string[];
  readonly notBefore?: Date;
  readonly notAfter?: Date;
}

export interface TestPki {
  /** Self-signed root CA. */
  readonly root: GeneratedCertificate;
  /** Intermediate CA signed by the root (pathLen 0). */
  readonly intermediate: GeneratedCertificate;
  /** One leaf per key kind, signed by the intermediate. */
  readonly leaves: Readonly<Partial<Record<SigningKeyKind, GeneratedCertificate>>>;
  /** PEM of leaf + intermediate (what a server sends) for a key kind. */
  chainPem(kind: SigningKeyKind): string;
}

/**
 * A root CA, an intermediate CA and leaf certificates for localhost / 127.0.0.1 / ::1, one per
 * key kind, with serverAuth + clientAuth.
 */
export function generateTestPki(provider: CryptoProvider, options: TestPkiOptions = {}): TestPki {
  const caKind = options.caKeyKind ?? 'p256';
  const root = generateCertificate({ subject: { CN: 'tlskit Test Root CA', O: 'tlskit' }, keyKind: caKind, isCA: true }, provider);
  const intermediate = generateCertificate(
    { subject: { CN: 'tlskit Test Intermediate CA', O: 'tlskit' }, keyKind: caKind, isCA: true, pathLen: 0, issuer: root },
    provider,
  );
  const leaves: Partial<Record<SigningKeyKind, GeneratedCertificate>> = {};
  for (const kind of options.keyKinds ?? (['rsa2048', 'p256', 'p384', 'ed25519'] as const)) {
    leaves[kind] = generateCertificate(
      {
        subject: { CN: 'localhost', O: 'tlskit' },
        keyKind: kind,
        issuer: intermediate,
        dnsNames: options.dnsNames ?? ['localhost'],
        ipAddresses: options.ipAddresses ?? ['127.0.0.1', '::1'],
        ...(options.notBefore !== undefined ? { notBefore: options.notBefore } : {}),
        ...(options.notAfter !== undefined ? { notAfter: options.notAfter } : {}),
      },
      provider,
    );
  }
  return {
    root,
    intermediate,
    leaves,
    chainPem(kind: SigningKeyKind): string {
      const leaf = leaves[kind];
      if (leaf === undefined) throw invalidOption(`no ${kind} leaf in this test PKI`);
      return leaf.certPem + intermediate.certPem;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// CRLs (for tests and interop checks; OCSP responses: generate-ocsp.ts)

type Serial = bigint | Uint8Array;

function serialBytes(s: Serial): Uint8Array {
  if (s instanceof Uint8Array) return s;
  if (s <= 0n) throw invalidOption('serial must be positive (RFC 5280 §4.1.2.2)');
  const hex = s.toString(16);
  return fromHex(hex.length % 2 === 0 ? hex : `0${hex}`);
}

/** CRLReason names (RFC 5280 §5.3.1) and their codes. */
const REASON_CODES: Readonly<Record<string, number>> = {
  unspecified: 0,
  keyCompromise: 1,
  cACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
  removeFromCRL: 8,
  privilegeWithdrawn: 9,
  aACompromise: 10,
};

function reasonCode(reason: string): Uint8Array {
  const code = REASON_CODES[reason];
  if (code === undefined) throw invalidOption(`unknown CRL reason "${reason}"`);
  return derTlv(0x0a, Uint8Array.of(code)); // ENUMERATED
}

export interface GenerateCrlOptions {
  /** The CA that issues (and signs) the CRL. */
  readonly issuer: { readonly cert: Certificate; readonly key: PrivateKey };
  /** `certificateIssuer` (DER Name): the entry's certificate is from that CA (indirect CRLs, RFC 5280 §5.3.3; later entries inherit it). */
  readonly revoked?: readonly { readonly serial: Serial; readonly date?: Date; readonly reason?: string; readonly certificateIssuer?: Uint8Array }[];
  /** An indirect CRL: a critical issuingDistributionPoint with indirectCRL asserted (RFC 5280 §5.2.5). */
  readonly indirect?: boolean;
  /** Default: 1 hour ago. */
  readonly thisUpdate?: Date;
  /** Default: 7 days after thisUpdate. `null`: omitted (not conforming, for tests). */
  readonly nextUpdate?: Date | null;
  /** cRLNumber (default 1). */
  readonly crlNumber?: number;
  /** A delta CRL (RFC 5280 §5.2.4): its critical deltaCRLIndicator names this BaseCRLNumber. */
  readonly deltaOf?: number;
  /** freshestCRL (§5.2.6): where the delta CRLs for this complete CRL are (URIs). */
  readonly freshestCrl?: readonly string[];
  /** More crlExtensions, as given (tests: encodings the options above do not make). */
  readonly extraExtensions?: readonly { readonly oid: string; readonly critical: boolean; readonly value: Uint8Array }[];
}

export interface GeneratedCrl {
  readonly der: Uint8Array;
  readonly pem: string;
}

/**
 * A v2 CRL (RFC 5280 §5.1) signed by `issuer`, with authorityKeyIdentifier and cRLNumber (§5.2.1,
 * §5.2.3: conforming CAs MUST include both) and a reasonCode per entry when given.
 *
 * @example
 * const crl = generateCrl({ issuer: ca, revoked: [{ serial: leaf.cert.serialRaw, reason: 'keyCompromise' }] }, provider);
 */
export function generateCrl(options: GenerateCrlOptions, provider: CryptoProvider): GeneratedCrl {
  const alg = signingAlgorithmFor(options.issuer.key);
  const thisUpdate = options.thisUpdate ?? new Date(Math.floor((Date.now() - 3_600_000) / 1000) * 1000);
  const nextUpdate = options.nextUpdate === undefined ? new Date(thisUpdate.getTime() + 7 * DAY_MS) : options.nextUpdate;
  const entries = (options.revoked ?? []).map((r) =>
    derSequence(
      derInteger(serialBytes(r.serial)),
      derTime(r.date ?? new Date(thisUpdate.getTime() - DAY_MS)),
      ...(r.reason !== undefined || r.certificateIssuer !== undefined
        ? [
            derSequence(
              ...(r.reason !== undefined ? [extension(OID_CRL_REASON, false, reasonCode(r.reason))] : []),
              ...(r.certificateIssuer !== undefined ? [extension(EXT_OID.certificateIssuer, true, derSequence(derExplicit(4, r.certificateIssuer)))] : []),
            ),
          ]
        : []),
    ),
  );
  const issuerKeyId = options.issuer.cert.subjectKeyIdentifier ?? keyIdentifier(provider, options.issuer.cert.subjectPublicKeyInfo);
  const tbs = derSequence(
    derInteger(1), // v2
    alg.algorithmIdentifier,
    options.issuer.cert.subject.raw,
    derTime(thisUpdate),
    ...(nextUpdate !== null ? [derTime(nextUpdate)] : []),
    ...(entries.length > 0 ? [derSequence(...entries)] : []),
    derExplicit(
      0,
      derSequence(
        extension(OID.authorityKeyIdentifier, false, derSequence(derImplicit(0, issuerKeyId))),
        extension(OID_CRL_NUMBER, false, derInteger(options.crlNumber ?? 1)),
        ...(options.deltaOf !== undefined ? [extension(EXT_OID.deltaCRLIndicator, true, derInteger(options.deltaOf))] : []),
        ...(options.indirect === true ? [extension(EXT_OID.issuingDistributionPoint, true, derSequence(derImplicit(4, Uint8Array.of(0xff))))] : []),
        ...(options.freshestCrl !== undefined ? [extension(EXT_OID.freshestCRL, false, encodeCrlDistributionPoints(options.freshestCrl))] : []),
        ...(options.extraExtensions ?? []).map((x) => extension(x.oid, x.critical, x.value)),
      ),
    ),
  );
  const der = derSequence(tbs, alg.algorithmIdentifier, derBitString(provider.sign(alg.scheme, options.issuer.key, tbs)));
  return { der, pem: encodePem('X509 CRL', der) };
}
