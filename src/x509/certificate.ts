/**
 * X.509 v3 certificate parsing (RFC 5280 §4.1). One pass over the DER: no copies, the views in
 * the result share memory with the input. Extensions the verifier needs are decoded; all
 * extensions are listed with their critical flag, and critical ones this code does not
 * process are listed in `unhandledCriticalExtensions` (the verifier rejects those, RFC 5280 §4.2).
 */
import type { CryptoProvider } from '../crypto/provider.js';
import { toHex, equalBytes } from '../wire/bytes.js';
import { DerReader, Tag, badCert, checkInteger, contextTag, decodeBitString, readDer, type Tlv } from './der.js';
import { ATTRIBUTE_NAMES, OID } from './oids.js';

/** AlgorithmIdentifier (RFC 5280 §4.1.1.2). */
export interface AlgorithmIdentifier {
  readonly oid: string;
  /** The complete DER of `parameters` when present (e.g. NULL, or RSASSA-PSS-params). */
  readonly params: Uint8Array | undefined;
  /** The complete DER of the AlgorithmIdentifier. */
  readonly raw: Uint8Array;
}

export interface NameAttribute {
  readonly oid: string;
  /** Short name (CN, O, ...) or the dotted OID when unknown. */
  readonly name: string;
  readonly value: string;
}

/** A distinguished name (RFC 5280 §4.1.2.4). */
export interface DistinguishedName {
  /** The DER of the Name; issuer/subject chaining compares these bytes. */
  readonly raw: Uint8Array;
  /** Relative distinguished names in DER order, each a set of attributes. */
  readonly rdns: readonly (readonly NameAttribute[])[];
  /** All attributes in DER order. */
  readonly attributes: readonly NameAttribute[];
  /** RFC 4514 string (most specific first), e.g. `CN=Example CA, O=Example`. */
  readonly text: string;
}

export interface Extension {
  readonly oid: string;
  readonly critical: boolean;
  /** The contents of extnValue (the DER of the extension's own structure). */
  readonly value: Uint8Array;
}

/** GeneralName (RFC 5280 §4.2.1.6) entries that are not decoded into the lists below. */
export interface OtherGeneralName {
  /** The identifier octet, e.g. 0xa0 for otherName, 0xa4 for directoryName. */
  readonly tag: number;
  readonly raw: Uint8Array;
}

export interface SubjectAltName {
  readonly dnsNames: readonly string[];
  /** Dotted IPv4 or RFC 5952 IPv6 text. */
  readonly ipAddresses: readonly string[];
  /** The raw 4- or 16-byte addresses, in the order of `ipAddresses`. */
  readonly ipAddressBytes: readonly Uint8Array[];
  readonly emails: readonly string[];
  readonly uris: readonly string[];
  readonly other: readonly OtherGeneralName[];
}

export interface BasicConstraints {
  readonly ca: boolean;
  readonly pathLen: number | undefined;
}

/** KeyUsage bits (RFC 5280 §4.2.1.3). */
export interface KeyUsage {
  readonly digitalSignature: boolean;
  readonly nonRepudiation: boolean;
  readonly keyEncipherment: boolean;
  readonly dataEncipherment: boolean;
  readonly keyAgreement: boolean;
  readonly keyCertSign: boolean;
  readonly cRLSign: boolean;
  readonly encipherOnly: boolean;
  readonly decipherOnly: boolean;
}

export const KEY_USAGE_BITS = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
] as const satisfies readonly (keyof KeyUsage)[];

export interface AuthorityKeyIdentifier {
  readonly keyIdentifier: Uint8Array | undefined;
  /** The raw DER of authorityCertIssuer GeneralNames, when present. */
  readonly authorityCertIssuer: Uint8Array | undefined;
  /** Hex of authorityCertSerialNumber, when present. */
  readonly authorityCertSerialNumber: string | undefined;
}

export interface Certificate {
  /** The complete DER. */
  readonly raw: Uint8Array;
  /** The DER of tbsCertificate (what the signature covers). */
  readonly tbsRaw: Uint8Array;
  readonly version: 1 | 2 | 3;
  /** Uppercase hex of the serial number's magnitude (like `openssl x509 -serial` and node). */
  readonly serialNumber: string;
  /** The INTEGER contents octets of the serial number. */
  readonly serialRaw: Uint8Array;
  readonly signatureAlgorithm: AlgorithmIdentifier;
  /** signatureValue (for ECDSA: the DER Ecdsa-Sig-Value). */
  readonly signature: Uint8Array;
  readonly issuer: DistinguishedName;
  readonly subject: DistinguishedName;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** The complete DER SubjectPublicKeyInfo (what `CryptoProvider.importPublicKey` takes). */
  readonly subjectPublicKeyInfo: Uint8Array;
  readonly publicKeyAlgorithm: AlgorithmIdentifier;
  /** The subjectPublicKey BIT STRING contents (without the unused-bits octet). */
  readonly subjectPublicKey: Uint8Array;
  readonly extensions: readonly Extension[];
  readonly subjectAltName: SubjectAltName | undefined;
  readonly basicConstraints: BasicConstraints | undefined;
  readonly keyUsage: KeyUsage | undefined;
  /** Key purpose OIDs (RFC 5280 §4.2.1.12). */
  readonly extKeyUsage: readonly string[] | undefined;
  readonly subjectKeyIdentifier: Uint8Array | undefined;
  readonly authorityKeyIdentifier: AuthorityKeyIdentifier | undefined;
  /** OIDs of critical extensions this code does not process; a verifier must reject them. */
  readonly unhandledCriticalExtensions: readonly string[];
  /** Subject and issuer names are byte-identical (RFC 5280 §3.2 "self-issued"). */
  readonly selfIssued: boolean;
}

/** Extensions that `parseCertificate` decodes and the default verifier enforces. */
const HANDLED_EXTENSIONS: ReadonlySet<string> = new Set([
  OID.subjectKeyIdentifier,
  OID.keyUsage,
  OID.subjectAltName,
  OID.basicConstraints,
  OID.authorityKeyIdentifier,
  OID.extKeyUsage,
]);

/** Largest certificate accepted (the TLS 1.3 cert_data limit is 2^24-1; real ones are < 16 KiB). */
export const MAX_CERTIFICATE_SIZE = 64 * 1024;

/**
 * Parses a DER certificate. Throws a TlsError (ERR_TLS_BAD_CERTIFICATE) naming the field.
 *
 * @example
 * const cert = parseCertificate(der);
 * console.log(cert.subject.text, cert.notAfter.toISOString(), cert.subjectAltName?.dnsNames);
 */
export function parseCertificate(der: Uint8Array): Certificate {
  if (der.length > MAX_CERTIFICATE_SIZE) throw badCert(`${der.length} bytes exceeds ${MAX_CERTIFICATE_SIZE}`, 'Certificate');
  // RFC 5280 §4.1: Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }
  const top = new DerReader(der, 'Certificate');
  const certTlv = top.expect(Tag.SEQUENCE, 'Certificate');
  top.end('Certificate');
  const cert = top.childOf(certTlv, 'Certificate');
  const tbsTlv = cert.expect(Tag.SEQUENCE, 'tbsCertificate');
  const signatureAlgorithm = algorithmIdentifier(cert, 'Certificate.signatureAlgorithm');
  const sigBits = cert.bitString('Certificate.signatureValue');
  if (sigBits.unusedBits !== 0) throw badCert('signature has unused bits', 'Certificate.signatureValue');
  cert.end('Certificate');

  const tbs = cert.childOf(tbsTlv, 'tbsCertificate');
  // RFC 5280 §4.1.2.1: version [0] EXPLICIT Version DEFAULT v1
  let version: 1 | 2 | 3 = 1;
  const vTlv = tbs.optional(contextTag(0, true), 'tbsCertificate.version');
  if (vTlv !== undefined) {
    const vr = tbs.childOf(vTlv, 'tbsCertificate.version');
    const v = vr.smallInteger('tbsCertificate.version', 2);
    vr.end();
    version = (v + 1) as 1 | 2 | 3;
  }
  // RFC 5280 §4.1.2.2: serialNumber CertificateSerialNumber (positive, at most 20 octets for
  // conforming CAs; tolerate a little more from non-conforming ones, but bound it).
  const serialRaw = tbs.integerBytes('tbsCertificate.serialNumber');
  if (serialRaw.length > 32) throw badCert('serial number longer than 32 octets', 'tbsCertificate.serialNumber');
  const innerSig = algorithmIdentifier(tbs, 'tbsCertificate.signature');
  // RFC 5280 §4.1.1.2: signatureAlgorithm MUST contain the same identifier as tbsCertificate.signature.
  if (!equalBytes(innerSig.raw, signatureAlgorithm.raw)) {
    throw badCert('differs from tbsCertificate.signature', 'Certificate.signatureAlgorithm');
  }
  const issuer = parseName(tbs, 'tbsCertificate.issuer');
  // RFC 5280 §4.1.2.5: Validity ::= SEQUENCE { notBefore Time, notAfter Time }
  const validity = tbs.sequence('tbsCertificate.validity');
  const notBefore = validity.time('tbsCertificate.validity.notBefore');
  const notAfter = validity.time('tbsCertificate.validity.notAfter');
  validity.end();
  const subject = parseName(tbs, 'tbsCertificate.subject');
  // RFC 5280 §4.1.2.7: SubjectPublicKeyInfo ::= SEQUENCE { algorithm, subjectPublicKey BIT STRING }
  const spkiTlv = tbs.expect(Tag.SEQUENCE, 'tbsCertificate.subjectPublicKeyInfo');
  const spki = tbs.childOf(spkiTlv, 'tbsCertificate.subjectPublicKeyInfo');
  const publicKeyAlgorithm = algorithmIdentifier(spki, 'subjectPublicKeyInfo.algorithm');
  const spk = spki.bitString('subjectPublicKeyInfo.subjectPublicKey');
  spki.end();
  // RFC 5280 §4.1.2.8: unique identifiers only in v2/v3.
  for (const [n, name] of [
    [1, 'issuerUniqueID'],
    [2, 'subjectUniqueID'],
  ] as const) {
    const u = tbs.optional(contextTag(n, false), `tbsCertificate.${name}`);
    if (u !== undefined) {
      if (version === 1) throw badCert('present in a v1 certificate', `tbsCertificate.${name}`);
      decodeBitString(u.value, `tbsCertificate.${name}`);
    }
  }
  const extensions: Extension[] = [];
  const extTlv = tbs.optional(contextTag(3, true), 'tbsCertificate.extensions');
  if (extTlv !== undefined) {
    // RFC 5280 §4.1.2.9: extensions only in v3.
    if (version !== 3) throw badCert('present in a non-v3 certificate', 'tbsCertificate.extensions');
    const wrap = tbs.childOf(extTlv, 'tbsCertificate.extensions');
    const list = wrap.sequence('tbsCertificate.extensions');
    wrap.end();
    if (list.atEnd) throw badCert('empty Extensions (SIZE (1..MAX))', 'tbsCertificate.extensions');
    while (!list.atEnd) {
      // Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
      const e = list.sequence('Extension');
      const oid = e.oid('Extension.extnID');
      let critical = false;
      if (e.peekTag() === Tag.BOOLEAN) {
        critical = e.boolean('Extension.critical');
        // X.690 §11.5: a DEFAULT value is never encoded in DER.
        if (!critical) throw badCert(`explicit FALSE for ${oid}`, 'Extension.critical');
      }
      const value = e.octetString('Extension.extnValue');
      e.end();
      // RFC 5280 §4.2: a certificate MUST NOT include more than one instance of an extension.
      for (const prev of extensions) if (prev.oid === oid) throw badCert(`duplicate extension ${oid}`, 'tbsCertificate.extensions');
      extensions.push({ oid, critical, value });
    }
  }
  tbs.end('tbsCertificate');

  let subjectAltName: SubjectAltName | undefined;
  let basicConstraints: BasicConstraints | undefined;
  let keyUsage: KeyUsage | undefined;
  let extKeyUsage: string[] | undefined;
  let subjectKeyIdentifier: Uint8Array | undefined;
  let authorityKeyIdentifier: AuthorityKeyIdentifier | undefined;
  const unhandledCriticalExtensions: string[] = [];
  for (const ext of extensions) {
    switch (ext.oid) {
      case OID.subjectAltName:
        subjectAltName = parseSubjectAltName(ext.value);
        break;
      case OID.basicConstraints:
        basicConstraints = parseBasicConstraints(ext.value);
        break;
      case OID.keyUsage:
        keyUsage = parseKeyUsage(ext.value);
        break;
      case OID.extKeyUsage:
        extKeyUsage = parseExtKeyUsage(ext.value);
        break;
      case OID.subjectKeyIdentifier: {
        const r = new DerReader(ext.value, 'SubjectKeyIdentifier');
        subjectKeyIdentifier = r.octetString('SubjectKeyIdentifier');
        r.end();
        break;
      }
      case OID.authorityKeyIdentifier:
        authorityKeyIdentifier = parseAuthorityKeyIdentifier(ext.value);
        break;
      default:
        if (ext.critical && !HANDLED_EXTENSIONS.has(ext.oid)) unhandledCriticalExtensions.push(ext.oid);
    }
  }

  return {
    raw: certTlv.raw,
    tbsRaw: tbsTlv.raw,
    version,
    serialNumber: serialHex(serialRaw),
    serialRaw,
    signatureAlgorithm,
    signature: sigBits.bytes,
    issuer,
    subject,
    notBefore,
    notAfter,
    subjectPublicKeyInfo: spkiTlv.raw,
    publicKeyAlgorithm,
    subjectPublicKey: spk.bytes,
    extensions,
    subjectAltName,
    basicConstraints,
    keyUsage,
    extKeyUsage,
    subjectKeyIdentifier,
    authorityKeyIdentifier,
    unhandledCriticalExtensions,
    selfIssued: equalBytes(issuer.raw, subject.raw),
  };
}

/** Uppercase hex of the INTEGER's value, as OpenSSL's BN_bn2hex prints it (and so node). */
function serialHex(v: Uint8Array): string {
  const negative = ((v[0] as number) & 0x80) !== 0;
  let mag = v;
  if (negative) {
    // two's complement → magnitude
    mag = v.slice();
    let carry = 1;
    for (let i = mag.length - 1; i >= 0; i--) {
      const x = (~(mag[i] as number) & 0xff) + carry;
      mag[i] = x & 0xff;
      carry = x >> 8;
    }
  }
  let i = 0;
  while (i < mag.length - 1 && mag[i] === 0) i++;
  mag = mag.subarray(i);
  if (mag.length === 1 && mag[0] === 0) return '0';
  return (negative ? '-' : '') + toHex(mag).toUpperCase();
}

/** AlgorithmIdentifier ::= SEQUENCE { algorithm OBJECT IDENTIFIER, parameters ANY OPTIONAL } */
export function algorithmIdentifier(r: DerReader, field: string): AlgorithmIdentifier {
  const t = r.expect(Tag.SEQUENCE, field);
  const a = r.childOf(t, field);
  const oid = a.oid(`${field}.algorithm`);
  const params = a.atEnd ? undefined : a.next(`${field}.parameters`).raw;
  a.end(field);
  return { oid, params, raw: t.raw };
}

/** Parses a complete DER AlgorithmIdentifier. */
export function parseAlgorithmIdentifier(der: Uint8Array, field: string): AlgorithmIdentifier {
  const r = new DerReader(der, field);
  const alg = algorithmIdentifier(r, field);
  r.end(field);
  return alg;
}

// ---------------------------------------------------------------------------------------------
// Names (RFC 5280 §4.1.2.4; string form RFC 4514)

function parseName(r: DerReader, field: string): DistinguishedName {
  // Name ::= CHOICE { rdnSequence RDNSequence }; RDNSequence ::= SEQUENCE OF RelativeDistinguishedName
  const t = r.expect(Tag.SEQUENCE, field);
  const name = new LazyName(t.raw, field);
  // Structure is checked now; the attribute values are decoded on first use (chain building
  // only compares the DER, and a TLS client parses every chain it receives).
  name.check(r.childOf(t, field));
  return name;
}

/** Parses a complete DER Name. */
export function parseDistinguishedName(der: Uint8Array, field = 'Name'): DistinguishedName {
  const t = readDer(der, field);
  if (t.tag !== Tag.SEQUENCE) throw badCert('Name is not a SEQUENCE', field);
  const name = new LazyName(t.raw, field);
  name.check(new DerReader(der, field).childOf(t, field));
  return name;
}

class LazyName implements DistinguishedName {
  #rdns: NameAttribute[][] | undefined;
  #attributes: NameAttribute[] | undefined;
  #text: string | undefined;

  constructor(
    readonly raw: Uint8Array,
    private readonly field: string,
  ) {}

  /** Validates the RDNSequence structure (strict DER, SET SIZE (1..MAX), AttributeTypeAndValue). */
  check(seq: DerReader): void {
    const field = this.field;
    while (!seq.atEnd) {
      // RelativeDistinguishedName ::= SET SIZE (1..MAX) OF AttributeTypeAndValue
      const set = seq.set(`${field}.RelativeDistinguishedName`);
      do {
        // AttributeTypeAndValue ::= SEQUENCE { type OBJECT IDENTIFIER, value ANY }
        const atv = set.sequence(`${field}.AttributeTypeAndValue`);
        atv.expect(Tag.OID, `${field}.AttributeTypeAndValue.type`);
        atv.next(`${field}.AttributeTypeAndValue.value`);
        atv.end();
      } while (!set.atEnd);
    }
  }

  get rdns(): readonly (readonly NameAttribute[])[] {
    if (this.#rdns === undefined) {
      const field = this.field;
      const rdns: NameAttribute[][] = [];
      const seq = new DerReader(this.raw, field).sequence(field);
      while (!seq.atEnd) {
        const set = seq.set(field);
        const rdn: NameAttribute[] = [];
        do {
          const atv = set.sequence(field);
          const oid = atv.oid(field);
          const v = atv.next(field);
          rdn.push({ oid, name: ATTRIBUTE_NAMES[oid] ?? oid, value: directoryString(v) });
        } while (!set.atEnd);
        rdns.push(rdn);
      }
      this.#rdns = rdns;
    }
    return this.#rdns;
  }

  get attributes(): readonly NameAttribute[] {
    this.#attributes ??= this.rdns.flat();
    return this.#attributes;
  }

  get text(): string {
    // RFC 4514 §2.1: the last RDN first. Within a multi-valued RDN (a SET, unordered) the
    // attributes are reversed as well, which matches OpenSSL's RFC 2253 output.
    this.#text ??= this.rdns
      .map((rdn) => rdn.map((a) => `${a.name}=${escapeRfc4514(a.value)}`).reverse().join('+'))
      .reverse()
      .join(', ');
    return this.#text;
  }

  toJSON(): { text: string; attributes: readonly NameAttribute[] } {
    return { text: this.text, attributes: this.attributes };
  }
}

const latin1 = new TextDecoder('latin1');
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/**
 * DirectoryString and the other string types found in names, as text (for display; chaining
 * compares DER). Undecodable values are shown as '#' + hex of the encoding (RFC 4514 §2.4).
 */
function directoryString(t: Tlv): string {
  const v = t.value;
  switch (t.tag) {
    case Tag.UTF8String:
      try {
        return utf8Strict.decode(v);
      } catch {
        return '#' + toHex(t.raw);
      }
    case Tag.PrintableString:
    case Tag.IA5String:
    case Tag.NumericString:
    case Tag.VisibleString:
    case Tag.TeletexString:
      return latin1.decode(v);
    case Tag.BMPString: {
      if (v.length % 2 !== 0) return '#' + toHex(t.raw);
      let s = '';
      for (let i = 0; i < v.length; i += 2) s += String.fromCharCode(((v[i] as number) << 8) | (v[i + 1] as number));
      return s;
    }
    case Tag.UniversalString: {
      if (v.length % 4 !== 0) return '#' + toHex(t.raw);
      let s = '';
      for (let i = 0; i < v.length; i += 4) {
        const cp = (((v[i] as number) << 24) | ((v[i + 1] as number) << 16) | ((v[i + 2] as number) << 8) | (v[i + 3] as number)) >>> 0;
        if (cp > 0x10ffff) return '#' + toHex(t.raw);
        s += String.fromCodePoint(cp);
      }
      return s;
    }
    default:
      return '#' + toHex(t.raw);
  }
}

function escapeRfc4514(v: string): string {
  if (v.startsWith('#') && /^#[0-9a-f]+$/.test(v)) return v;
  let s = v.replace(/[\\",+;<>]/g, (c) => '\\' + c);
  if (s.startsWith(' ') || s.startsWith('#')) s = '\\' + s;
  if (s.endsWith(' ') && s.length > 1) s = s.slice(0, -1) + '\\ ';
  return s;
}

// ---------------------------------------------------------------------------------------------
// Extensions (RFC 5280 §4.2.1)

function ascii(v: Uint8Array, field: string): string {
  for (const b of v) if (b > 0x7e || b < 0x20) throw badCert('non-printable character in IA5String', field);
  return latin1.decode(v);
}

/** RFC 5280 §4.2.1.6: SubjectAltName ::= GeneralNames ::= SEQUENCE SIZE (1..MAX) OF GeneralName */
export function parseSubjectAltName(der: Uint8Array): SubjectAltName {
  const field = 'SubjectAltName';
  const top = new DerReader(der, field);
  const seq = top.sequence(field);
  top.end();
  if (seq.atEnd) throw badCert('empty GeneralNames', field);
  const dnsNames: string[] = [];
  const ipAddresses: string[] = [];
  const ipAddressBytes: Uint8Array[] = [];
  const emails: string[] = [];
  const uris: string[] = [];
  const other: OtherGeneralName[] = [];
  while (!seq.atEnd) {
    const g = seq.next(`${field}.GeneralName`);
    switch (g.tag) {
      case contextTag(1, false): // rfc822Name [1] IA5String
        emails.push(ascii(g.value, `${field}.rfc822Name`));
        break;
      case contextTag(2, false): // dNSName [2] IA5String
        dnsNames.push(ascii(g.value, `${field}.dNSName`));
        break;
      case contextTag(6, false): // uniformResourceIdentifier [6] IA5String
        uris.push(ascii(g.value, `${field}.uniformResourceIdentifier`));
        break;
      case contextTag(7, false): // iPAddress [7] OCTET STRING: 4 (IPv4) or 16 (IPv6) octets
        if (g.value.length !== 4 && g.value.length !== 16) {
          throw badCert(`${g.value.length}-octet address (expected 4 or 16)`, `${field}.iPAddress`);
        }
        ipAddresses.push(formatIp(g.value));
        ipAddressBytes.push(g.value);
        break;
      default:
        if ((g.tag & 0xc0) !== 0x80) throw badCert(`unexpected tag 0x${g.tag.toString(16)}`, `${field}.GeneralName`);
        other.push({ tag: g.tag, raw: g.raw });
    }
  }
  return { dnsNames, ipAddresses, ipAddressBytes, emails, uris, other };
}

/** RFC 5280 §4.2.1.9: BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER (0..MAX) OPTIONAL } */
export function parseBasicConstraints(der: Uint8Array): BasicConstraints {
  const field = 'BasicConstraints';
  const top = new DerReader(der, field);
  const seq = top.sequence(field);
  top.end();
  let ca = false;
  if (seq.peekTag() === Tag.BOOLEAN) {
    ca = seq.boolean(`${field}.cA`);
    if (!ca) throw badCert('explicit FALSE (a DEFAULT value) is not DER', `${field}.cA`);
  }
  let pathLen: number | undefined;
  if (seq.peekTag() === Tag.INTEGER) pathLen = seq.smallInteger(`${field}.pathLenConstraint`);
  seq.end();
  return { ca, pathLen };
}

/** RFC 5280 §4.2.1.3: KeyUsage ::= BIT STRING { digitalSignature (0), ... decipherOnly (8) } */
export function parseKeyUsage(der: Uint8Array): KeyUsage {
  const field = 'KeyUsage';
  const r = new DerReader(der, field);
  const { bytes } = r.bitString(field);
  r.end();
  const bit = (n: number): boolean => (((bytes[n >> 3] ?? 0) >> (7 - (n & 7))) & 1) === 1;
  return {
    digitalSignature: bit(0),
    nonRepudiation: bit(1),
    keyEncipherment: bit(2),
    dataEncipherment: bit(3),
    keyAgreement: bit(4),
    keyCertSign: bit(5),
    cRLSign: bit(6),
    encipherOnly: bit(7),
    decipherOnly: bit(8),
  };
}

/** RFC 5280 §4.2.1.12: ExtKeyUsageSyntax ::= SEQUENCE SIZE (1..MAX) OF KeyPurposeId */
export function parseExtKeyUsage(der: Uint8Array): string[] {
  const field = 'ExtKeyUsageSyntax';
  const top = new DerReader(der, field);
  const seq = top.sequence(field);
  top.end();
  const out: string[] = [];
  while (!seq.atEnd) out.push(seq.oid(`${field}.KeyPurposeId`));
  if (out.length === 0) throw badCert('empty', field);
  return out;
}

/** RFC 5280 §4.2.1.1: AuthorityKeyIdentifier ::= SEQUENCE { [0] keyIdentifier, [1] authorityCertIssuer, [2] authorityCertSerialNumber } */
export function parseAuthorityKeyIdentifier(der: Uint8Array): AuthorityKeyIdentifier {
  const field = 'AuthorityKeyIdentifier';
  const top = new DerReader(der, field);
  const seq = top.sequence(field);
  top.end();
  const kid = seq.optional(contextTag(0, false), `${field}.keyIdentifier`);
  const issuer = seq.optional(contextTag(1, true), `${field}.authorityCertIssuer`);
  const serial = seq.optional(contextTag(2, false), `${field}.authorityCertSerialNumber`);
  seq.end();
  return {
    keyIdentifier: kid?.value,
    authorityCertIssuer: issuer?.raw,
    authorityCertSerialNumber: serial === undefined ? undefined : serialHex(checkInteger(serial.value, `${field}.authorityCertSerialNumber`)),
  };
}

// ---------------------------------------------------------------------------------------------
// IP addresses

/** Dotted IPv4, or RFC 5952 §4 canonical IPv6 (lowercase, longest zero run compressed). */
export function formatIp(b: Uint8Array): string {
  if (b.length === 4) return Array.from(b).join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((b[i] as number) << 8) | (b[i + 1] as number));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  // RFC 5952 §4.2.2: '::' never stands for a single 16-bit zero field.
  if (bestLen < 2) return hex.join(':');
  return hex.slice(0, bestStart).join(':') + '::' + hex.slice(bestStart + bestLen).join(':');
}

/** Parses IPv4 dotted-quad or IPv6 text (with optional brackets) into 4/16 bytes; undefined if not an IP. */
export function parseIp(text: string): Uint8Array | undefined {
  let s = text;
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  if (!s.includes(':')) return parseIpv4(s);
  const zone = s.indexOf('%');
  if (zone !== -1) s = s.slice(0, zone);
  const dbl = s.indexOf('::');
  if (dbl !== -1 && s.indexOf('::', dbl + 1) !== -1) return undefined;
  const parseGroups = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    const pieces = part.split(':');
    for (let i = 0; i < pieces.length; i++) {
      const p = pieces[i] as string;
      if (i === pieces.length - 1 && p.includes('.')) {
        const v4 = parseIpv4(p);
        if (v4 === undefined) return undefined;
        out.push(((v4[0] as number) << 8) | (v4[1] as number), ((v4[2] as number) << 8) | (v4[3] as number));
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return undefined;
        out.push(parseInt(p, 16));
      }
    }
    return out;
  };
  let groups: number[];
  if (dbl === -1) {
    const g = parseGroups(s);
    if (g?.length !== 8) return undefined;
    groups = g;
  } else {
    const head = parseGroups(s.slice(0, dbl));
    const tail = parseGroups(s.slice(dbl + 2));
    if (head === undefined || tail === undefined || head.length + tail.length > 7) return undefined;
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  }
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

function parseIpv4(s: string): Uint8Array | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i] as string;
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

/** SHA-256 fingerprint of the DER, uppercase hex with colons (like node's `fingerprint256`). */
export function fingerprint256(provider: CryptoProvider, cert: Certificate | Uint8Array): string {
  const der = cert instanceof Uint8Array ? cert : cert.raw;
  const hex = toHex(provider.hash('sha256', der)).toUpperCase();
  return hex.replace(/(..)(?!$)/g, '$1:');
}

/** The Common Name (first CN attribute, most specific last in DER order), for messages. */
export function commonName(name: DistinguishedName): string | undefined {
  for (let i = name.attributes.length - 1; i >= 0; i--) {
    const a = name.attributes[i] as NameAttribute;
    if (a.oid === '2.5.4.3') return a.value;
  }
  return undefined;
}
