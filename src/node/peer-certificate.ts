/**
 * Certificates in the shape node:tls gives them (`getPeerCertificate()`, `getCertificate()`):
 * subject/issuer objects, `subjectaltname` text, OpenSSL-style validity strings, fingerprints.
 */
import { Buffer } from 'node:buffer';
import type { CryptoProvider } from '../crypto/provider.js';
import { parseCertificate, formatIp, type Certificate, type DistinguishedName } from '../x509/certificate.js';
import { DerReader, Tag, contextTag } from '../x509/der.js';
import { OID } from '../x509/oids.js';
import { toHex, equalBytes } from '../wire/bytes.js';

/** node's `subject` / `issuer`: attribute short name → value (an array when repeated). */
export type CertificateSubject = Record<string, string | string[]>;

/** node's PeerCertificate (the fields node sets; which key fields appear depends on the key type). */
export interface PeerCertificate {
  subject: CertificateSubject;
  issuer: CertificateSubject;
  subjectaltname?: string;
  infoAccess?: Record<string, string[]>;
  ca: boolean;
  modulus?: string;
  bits?: number;
  exponent?: string;
  pubkey?: Buffer;
  asn1Curve?: string;
  nistCurve?: string;
  valid_from: string;
  valid_to: string;
  fingerprint: string;
  fingerprint256: string;
  fingerprint512: string;
  ext_key_usage?: string[];
  serialNumber: string;
  raw: Buffer;
}

export interface DetailedPeerCertificate extends PeerCertificate {
  issuerCertificate: DetailedPeerCertificate;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;
const pad2 = (n: number): string => String(n).padStart(2, '0');

/** OpenSSL's ASN1_TIME_print format, as node shows it: `Mar  4 09:05:01 2025 GMT`. */
export function opensslTime(d: Date): string {
  const day = String(d.getUTCDate()).padStart(2, ' ');
  return `${MONTHS[d.getUTCMonth()] ?? ''} ${day} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())} ${d.getUTCFullYear()} GMT`;
}

function subjectObject(name: DistinguishedName): CertificateSubject {
  const out: CertificateSubject = Object.create(null) as CertificateSubject;
  for (const a of name.attributes) {
    const prev = out[a.name];
    if (prev === undefined) out[a.name] = a.value;
    else if (Array.isArray(prev)) prev.push(a.value);
    else out[a.name] = [prev, a.value];
  }
  return out;
}

const colonHex = (b: Uint8Array): string => toHex(b).toUpperCase().replace(/(..)(?!$)/g, '$1:');

/** IPv6 as OpenSSL prints it in GENERAL_NAME_print: 8 groups of uppercase hex, no compression. */
function ipText(b: Uint8Array): string {
  if (b.length !== 16) return formatIp(b);
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((b[i] as number) << 8) | (b[i + 1] as number)).toString(16).toUpperCase());
  return groups.join(':');
}

const latin1 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');

/** The subjectAltName in order, as node's `subjectaltname` string. */
function subjectAltNameText(cert: Certificate): string | undefined {
  const ext = cert.extensions.find((e) => e.oid === OID.subjectAltName);
  if (ext === undefined) return undefined;
  const parts: string[] = [];
  try {
    const r = new DerReader(ext.value, 'SubjectAltName').sequence('SubjectAltName');
    while (!r.atEnd) {
      const gn = r.next('GeneralName');
      switch (gn.tag) {
        case contextTag(1, false):
          parts.push(`email:${latin1(gn.value)}`);
          break;
        case contextTag(2, false):
          parts.push(`DNS:${latin1(gn.value)}`);
          break;
        case contextTag(6, false):
          parts.push(`URI:${latin1(gn.value)}`);
          break;
        case contextTag(7, false):
          parts.push(`IP Address:${ipText(gn.value)}`);
          break;
        case contextTag(8, false):
          parts.push('Registered ID:<unsupported>');
          break;
        case contextTag(4, true):
          parts.push('DirName:<unsupported>');
          break;
        default:
          parts.push('othername:<unsupported>');
      }
    }
  } catch {
    return undefined;
  }
  return parts.join(', ');
}

const AIA_METHODS: Readonly<Record<string, string>> = {
  '1.3.6.1.5.5.7.48.1': 'OCSP - URI',
  '1.3.6.1.5.5.7.48.2': 'CA Issuers - URI',
};

function infoAccess(cert: Certificate): Record<string, string[]> | undefined {
  const ext = cert.extensions.find((e) => e.oid === OID.authorityInfoAccess);
  if (ext === undefined) return undefined;
  const out: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
  try {
    const r = new DerReader(ext.value, 'AuthorityInfoAccess').sequence('AuthorityInfoAccess');
    while (!r.atEnd) {
      const ad = r.sequence('AccessDescription');
      const method = ad.oid('accessMethod');
      const loc = ad.next('accessLocation');
      if (loc.tag !== contextTag(6, false)) continue;
      const key = AIA_METHODS[method] ?? method;
      (out[key] ??= []).push(latin1(loc.value));
    }
  } catch {
    return undefined;
  }
  return out;
}

const CURVES: Readonly<Record<string, { asn1: string; nist: string }>> = {
  [OID.secp256r1]: { asn1: 'prime256v1', nist: 'P-256' },
  [OID.secp384r1]: { asn1: 'secp384r1', nist: 'P-384' },
  [OID.secp521r1]: { asn1: 'secp521r1', nist: 'P-521' },
};

function keyFields(cert: Certificate, out: PeerCertificate): void {
  const alg = cert.publicKeyAlgorithm.oid;
  try {
    if (alg === OID.rsaEncryption) {
      // RFC 8017 A.1.1: RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }
      const r = new DerReader(cert.subjectPublicKey, 'RSAPublicKey').sequence('RSAPublicKey');
      let n = r.integerBytes('modulus');
      const e = r.integerBytes('publicExponent');
      if (n.length > 1 && n[0] === 0) n = n.subarray(1);
      out.bits = n.length * 8 - Math.clz32(n[0] as number) + 24;
      out.modulus = toHex(n).toUpperCase();
      out.exponent = `0x${BigInt(`0x${toHex(e)}`).toString(16)}`;
      out.pubkey = Buffer.from(cert.subjectPublicKeyInfo);
    } else if (alg === OID.idEcPublicKey) {
      const params = cert.publicKeyAlgorithm.params;
      if (params !== undefined && params[0] === Tag.OID) {
        const curveOid = new DerReader(params, 'namedCurve').oid('namedCurve');
        const curve = CURVES[curveOid];
        if (curve !== undefined) {
          out.bits = Number(curve.nist.slice(2));
          out.asn1Curve = curve.asn1;
          out.nistCurve = curve.nist;
        }
      }
      out.pubkey = Buffer.from(cert.subjectPublicKey);
    }
  } catch {
    // a key we cannot describe: node leaves these fields out as well
  }
}

/** One certificate as node describes it (without the issuer chain). */
export function describeCertificate(provider: CryptoProvider, der: Uint8Array): PeerCertificate {
  const cert = parseCertificate(der);
  const out: PeerCertificate = {
    subject: subjectObject(cert.subject),
    issuer: subjectObject(cert.issuer),
    ca: cert.basicConstraints?.ca ?? false,
    valid_from: opensslTime(cert.notBefore),
    valid_to: opensslTime(cert.notAfter),
    fingerprint: colonHex(provider.hash('sha1', der)),
    fingerprint256: colonHex(provider.hash('sha256', der)),
    fingerprint512: colonHex(provider.hash('sha512', der)),
    serialNumber: cert.serialNumber,
    raw: Buffer.from(der),
  };
  const san = subjectAltNameText(cert);
  if (san !== undefined) out.subjectaltname = san;
  const aia = infoAccess(cert);
  if (aia !== undefined) out.infoAccess = aia;
  keyFields(cert, out);
  if (cert.extKeyUsage !== undefined) out.ext_key_usage = [...cert.extKeyUsage];
  return out;
}

/**
 * The certificate chain as node's detailed `getPeerCertificate(true)`: each entry's
 * `issuerCertificate` is the next; the last (a self-signed root) points to itself. `chain` is
 * leaf first (the validated path when there is one, else as received).
 */
export function describeChain(provider: CryptoProvider, chain: readonly Uint8Array[]): DetailedPeerCertificate | undefined {
  const first = chain[0];
  if (first === undefined) return undefined;
  const described: DetailedPeerCertificate[] = [];
  const ders: Uint8Array[] = [];
  const selfIssued: boolean[] = [];
  for (const der of chain) {
    if (ders.some((d) => equalBytes(d, der))) break;
    let d: PeerCertificate;
    try {
      d = describeCertificate(provider, der);
    } catch {
      break;
    }
    ders.push(der);
    selfIssued.push(parseCertificate(der).selfIssued);
    described.push(d as DetailedPeerCertificate);
  }
  for (let i = 0; i < described.length; i++) {
    const cur = described[i] as DetailedPeerCertificate;
    const next = described[i + 1];
    // node: the issuer of the last certificate is itself when it is self-issued, else absent
    if (next !== undefined) cur.issuerCertificate = next;
    else if (selfIssued[i] === true) cur.issuerCertificate = cur;
  }
  return described[0];
}
