/**
 * Certificate extensions used by path validation and revocation that `parseCertificate` does
 * not decode itself (RFC 5280 §4.2.1.4, .5, .10, .11, .13, .14, §4.2.2.1; RFC 7633; RFC 6962
 * §3.3), with the matching DER encoders (used by the generator and by tests). Decoders are
 * strict (DER reader) and throw a TlsError (bad_certificate) naming the field.
 */
import { DerReader, Tag, contextTag, derBoolean, derExplicit, derImplicit, derInteger, derOctetString, derOid, derSequence, type Tlv } from './der.js';
import { badCert, smallIntegerValue } from './der.js';
import { formatIp, parseDistinguishedName, type Certificate, type DistinguishedName, type Extension } from './certificate.js';
import { OID } from './oids.js';
import { concat } from '../wire/bytes.js';

/** Extension OIDs beyond `OID` (RFC 7633, RFC 6962, RFC 6960). */
export const EXT_OID = {
  tlsFeature: '1.3.6.1.5.5.7.1.24',
  sctList: '1.3.6.1.4.1.11129.2.4.2',
  ctPoison: '1.3.6.1.4.1.11129.2.4.3',
  ocspSctList: '1.3.6.1.4.1.11129.2.4.5',
  anyPolicy: '2.5.29.32.0',
  adOcsp: '1.3.6.1.5.5.7.48.1',
  adCaIssuers: '1.3.6.1.5.5.7.48.2',
  ocspNoCheck: '1.3.6.1.5.5.7.48.1.5',
  ocspNonce: '1.3.6.1.5.5.7.48.1.2',
  ocspBasic: '1.3.6.1.5.5.7.48.1.1',
  cRLNumber: '2.5.29.20',
  cRLReason: '2.5.29.21',
  invalidityDate: '2.5.29.24',
  deltaCRLIndicator: '2.5.29.27',
  issuingDistributionPoint: '2.5.29.28',
  certificateIssuer: '2.5.29.29',
  freshestCRL: '2.5.29.46',
} as const;

/** The extension with `oid`, if present. */
export function findExtension(cert: { readonly extensions: readonly Extension[] }, oid: string): Extension | undefined {
  return cert.extensions.find((e) => e.oid === oid);
}

// ---------------------------------------------------------------------------------------------
// GeneralName (RFC 5280 §4.2.1.6)

export type GeneralName =
  | { readonly type: 'email'; readonly value: string }
  | { readonly type: 'dns'; readonly value: string }
  | { readonly type: 'uri'; readonly value: string }
  | { readonly type: 'ip'; readonly bytes: Uint8Array }
  | { readonly type: 'directory'; readonly name: DistinguishedName }
  | { readonly type: 'other'; readonly tag: number; readonly raw: Uint8Array };

const latin1 = new TextDecoder('latin1');

function ia5(v: Uint8Array, field: string): string {
  for (const b of v) if (b > 0x7e) throw badCert('non-ASCII character in IA5String', field);
  return latin1.decode(v);
}

export function decodeGeneralName(t: Tlv, field: string): GeneralName {
  switch (t.tag) {
    case contextTag(1, false):
      return { type: 'email', value: ia5(t.value, `${field}.rfc822Name`) };
    case contextTag(2, false):
      return { type: 'dns', value: ia5(t.value, `${field}.dNSName`) };
    case contextTag(6, false):
      return { type: 'uri', value: ia5(t.value, `${field}.uniformResourceIdentifier`) };
    case contextTag(7, false):
      return { type: 'ip', bytes: t.value };
    case contextTag(4, true): {
      // directoryName [4] Name: EXPLICIT (Name is a CHOICE, RFC 5280 Appendix A.2)
      const r = new DerReader(t.value, `${field}.directoryName`);
      const inner = r.next(`${field}.directoryName`);
      r.end();
      return { type: 'directory', name: parseDistinguishedName(inner.raw, `${field}.directoryName`) };
    }
    default:
      if ((t.tag & 0xc0) !== 0x80) throw badCert(`unexpected tag 0x${t.tag.toString(16)}`, field);
      return { type: 'other', tag: t.tag, raw: t.raw };
  }
}

/** GeneralNames ::= SEQUENCE SIZE (1..MAX) OF GeneralName, from a reader positioned on its contents. */
function generalNamesFrom(r: DerReader, field: string): GeneralName[] {
  const out: GeneralName[] = [];
  while (!r.atEnd) out.push(decodeGeneralName(r.next(field), field));
  if (out.length === 0) throw badCert('empty GeneralNames', field);
  return out;
}

/** A DER GeneralNames value (e.g. the certificateIssuer CRL entry extension, RFC 5280 §5.3.3). */
export function parseGeneralNames(der: Uint8Array, field: string): GeneralName[] {
  const top = new DerReader(der, field);
  const names = generalNamesFrom(top.sequence(field), field);
  top.end();
  return names;
}

export function encodeGeneralName(g: GeneralName): Uint8Array {
  const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
  switch (g.type) {
    case 'email':
      return derImplicit(1, ascii(g.value));
    case 'dns':
      return derImplicit(2, ascii(g.value));
    case 'uri':
      return derImplicit(6, ascii(g.value));
    case 'ip':
      return derImplicit(7, g.bytes);
    case 'directory':
      return derExplicit(4, g.name.raw);
    case 'other':
      return g.raw;
  }
}

export function describeGeneralName(g: GeneralName): string {
  switch (g.type) {
    case 'email':
      return `email:${g.value}`;
    case 'dns':
      return `DNS:${g.value}`;
    case 'uri':
      return `URI:${g.value}`;
    case 'ip':
      if (g.bytes.length === 8 || g.bytes.length === 32) {
        const half = g.bytes.length / 2;
        return `IP:${formatIp(g.bytes.subarray(0, half))}/${formatIp(g.bytes.subarray(half))}`;
      }
      return g.bytes.length === 4 || g.bytes.length === 16 ? `IP:${formatIp(g.bytes)}` : `IP:(${g.bytes.length} octets)`;
    case 'directory':
      return `DirName:${g.name.text}`;
    case 'other':
      return `[${g.tag & 0x1f}]`;
  }
}

// ---------------------------------------------------------------------------------------------
// Name constraints (RFC 5280 §4.2.1.10)

export interface NameConstraints {
  readonly permitted: readonly GeneralName[] | undefined;
  readonly excluded: readonly GeneralName[] | undefined;
}

export function parseNameConstraints(der: Uint8Array): NameConstraints {
  const field = 'NameConstraints';
  const top = new DerReader(der, field);
  const seq = top.sequence(field);
  top.end();
  const subtrees = (t: Tlv | undefined, name: string): GeneralName[] | undefined => {
    if (t === undefined) return undefined;
    const r = seq.childOf(t, `${field}.${name}`);
    const out: GeneralName[] = [];
    // GeneralSubtree ::= SEQUENCE { base GeneralName, minimum [0] BaseDistance DEFAULT 0, maximum [1] OPTIONAL }
    while (!r.atEnd) {
      const st = r.sequence(`${field}.${name}.GeneralSubtree`);
      out.push(decodeGeneralName(st.next(`${field}.${name}.base`), `${field}.${name}.base`));
      // RFC 5280 §4.2.1.10: within this profile, minimum MUST be zero and maximum MUST be absent.
      // (DER: a DEFAULT 0 is never encoded, so any minimum present is a violation.)
      if (st.optional(contextTag(0, false), `${field}.${name}.minimum`) !== undefined) {
        throw badCert('minimum must be absent (zero) in this profile (RFC 5280 §4.2.1.10)', `${field}.${name}.minimum`);
      }
      if (st.optional(contextTag(1, false), `${field}.${name}.maximum`) !== undefined) {
        throw badCert('maximum must be absent in this profile (RFC 5280 §4.2.1.10)', `${field}.${name}.maximum`);
      }
      st.end();
    }
    // GeneralSubtrees ::= SEQUENCE SIZE (1..MAX) OF GeneralSubtree
    if (out.length === 0) throw badCert('empty GeneralSubtrees', `${field}.${name}`);
    return out;
  };
  const permitted = subtrees(seq.optional(contextTag(0, true), `${field}.permittedSubtrees`), 'permittedSubtrees');
  const excluded = subtrees(seq.optional(contextTag(1, true), `${field}.excludedSubtrees`), 'excludedSubtrees');
  seq.end();
  // RFC 5280 §4.2.1.10: conforming CAs MUST NOT issue an empty NameConstraints.
  if (permitted === undefined && excluded === undefined) throw badCert('neither permittedSubtrees nor excludedSubtrees', field);
  return { permitted, excluded };
}

export function encodeNameConstraints(nc: { readonly permitted?: readonly GeneralName[]; readonly excluded?: readonly GeneralName[] }): Uint8Array {
  const subtrees = (n: number, list: readonly GeneralName[]): Uint8Array => derExplicit(n, ...list.map((g) => derSequence(encodeGeneralName(g))));
  return derSequence(
    ...(nc.permitted !== undefined ? [subtrees(0, nc.permitted)] : []),
    ...(nc.excluded !== undefined ? [subtrees(1, nc.excluded)] : []),
  );
}

// ---------------------------------------------------------------------------------------------
// Policies (RFC 5280 §4.2.1.4, §4.2.1.5, §4.2.1.11, §4.2.1.14)

/** certificatePolicies: the policy OIDs in order. */
export function parseCertificatePolicies(der: Uint8Array): string[] {
  const field = 'certificatePolicies';
  const top = new DerReader(der, field);
  const seq = top.sequence(field);
  top.end();
  const out: string[] = [];
  while (!seq.atEnd) {
    // PolicyInformation ::= SEQUENCE { policyIdentifier, policyQualifiers SEQUENCE SIZE (1..MAX) OF PolicyQualifierInfo OPTIONAL }
    const pi = seq.sequence(`${field}.PolicyInformation`);
    const oid = pi.oid(`${field}.policyIdentifier`);
    if (!pi.atEnd) pi.expect(Tag.SEQUENCE, `${field}.policyQualifiers`);
    pi.end();
    // RFC 5280 §4.2.1.4: a certificate policy OID MUST NOT appear more than once.
    if (out.includes(oid)) throw badCert(`policy ${oid} appears more than once`, field);
    out.push(oid);
  }
  if (out.length === 0) throw badCert('empty (SIZE (1..MAX))', field);
  return out;
}

export const encodeCertificatePolicies = (oids: readonly string[]): Uint8Array => derSequence(...oids.map((o) => derSequence(derOid(o))));

export interface PolicyMapping {
  readonly issuerDomainPolicy: string;
  readonly subjectDomainPolicy: string;
}

export function parsePolicyMappings(der: Uint8Array): PolicyMapping[] {
  const field = 'policyMappings';
  const top = new DerReader(der, field);
  const seq = top.sequence(field);
  top.end();
  const out: PolicyMapping[] = [];
  while (!seq.atEnd) {
    const m = seq.sequence(field);
    out.push({ issuerDomainPolicy: m.oid(`${field}.issuerDomainPolicy`), subjectDomainPolicy: m.oid(`${field}.subjectDomainPolicy`) });
    m.end();
  }
  if (out.length === 0) throw badCert('empty (SIZE (1..MAX))', field);
  return out;
}

export const encodePolicyMappings = (m: readonly PolicyMapping[]): Uint8Array =>
  derSequence(...m.map((x) => derSequence(derOid(x.issuerDomainPolicy), derOid(x.subjectDomainPolicy))));

export interface PolicyConstraints {
  readonly requireExplicitPolicy: number | undefined;
  readonly inhibitPolicyMapping: number | undefined;
}

export function parsePolicyConstraints(der: Uint8Array): PolicyConstraints {
  const field = 'policyConstraints';
  const top = new DerReader(der, field);
  const seq = top.sequence(field);
  top.end();
  const skip = (n: number, name: string): number | undefined => {
    const t = seq.optional(contextTag(n, false), `${field}.${name}`);
    return t === undefined ? undefined : smallIntegerValue(t.value, `${field}.${name}`);
  };
  const requireExplicitPolicy = skip(0, 'requireExplicitPolicy');
  const inhibitPolicyMapping = skip(1, 'inhibitPolicyMapping');
  seq.end();
  // RFC 5280 §4.2.1.11: conforming CAs MUST NOT issue an empty policyConstraints sequence.
  if (requireExplicitPolicy === undefined && inhibitPolicyMapping === undefined) throw badCert('empty sequence', field);
  return { requireExplicitPolicy, inhibitPolicyMapping };
}

export function encodePolicyConstraints(pc: { readonly requireExplicitPolicy?: number; readonly inhibitPolicyMapping?: number }): Uint8Array {
  const int = (n: number): Uint8Array => derInteger(n).subarray(2);
  return derSequence(
    ...(pc.requireExplicitPolicy !== undefined ? [derImplicit(0, int(pc.requireExplicitPolicy))] : []),
    ...(pc.inhibitPolicyMapping !== undefined ? [derImplicit(1, int(pc.inhibitPolicyMapping))] : []),
  );
}

export function parseInhibitAnyPolicy(der: Uint8Array): number {
  const r = new DerReader(der, 'inhibitAnyPolicy');
  const n = r.smallInteger('inhibitAnyPolicy');
  r.end();
  return n;
}

// ---------------------------------------------------------------------------------------------
// CRL distribution points (§4.2.1.13) and authority information access (§4.2.2.1)

export interface DistributionPoint {
  /** fullName GeneralNames, when the distributionPoint is given that way. */
  readonly fullName: readonly GeneralName[] | undefined;
  /** True when the distributionPoint uses nameRelativeToCRLIssuer. */
  readonly relativeName: boolean;
  /** ReasonFlags bits when present (bit numbers). */
  readonly reasons: readonly number[] | undefined;
  readonly crlIssuer: readonly GeneralName[] | undefined;
}

/** DistributionPointName ::= CHOICE { fullName [0] GeneralNames, nameRelativeToCRLIssuer [1] RDN } */
export function parseDistributionPointName(t: Tlv, parent: DerReader, field: string): { fullName: GeneralName[] | undefined; relativeName: boolean } {
  const r = parent.childOf(t, field);
  const choice = r.next(field);
  r.end();
  if (choice.tag === contextTag(0, true)) return { fullName: generalNamesFrom(r.childOf(choice, `${field}.fullName`), `${field}.fullName`), relativeName: false };
  if (choice.tag === contextTag(1, true)) return { fullName: undefined, relativeName: true };
  throw badCert(`unexpected tag 0x${choice.tag.toString(16)}`, field);
}

function bitNumbers(bytes: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < bytes.length * 8; i++) if ((((bytes[i >> 3] ?? 0) >> (7 - (i & 7))) & 1) === 1) out.push(i);
  return out;
}

export function parseCrlDistributionPoints(der: Uint8Array): DistributionPoint[] {
  const field = 'cRLDistributionPoints';
  const top = new DerReader(der, field);
  const seq = top.sequence(field);
  top.end();
  const out: DistributionPoint[] = [];
  while (!seq.atEnd) {
    const dp = seq.sequence(`${field}.DistributionPoint`);
    const nameTlv = dp.optional(contextTag(0, true), `${field}.distributionPoint`);
    const name = nameTlv === undefined ? { fullName: undefined, relativeName: false } : parseDistributionPointName(nameTlv, dp, `${field}.distributionPoint`);
    const reasonsTlv = dp.optional(contextTag(1, false), `${field}.reasons`);
    const issuerTlv = dp.optional(contextTag(2, true), `${field}.cRLIssuer`);
    dp.end();
    // RFC 5280 §4.2.1.13: a DistributionPoint MUST NOT consist of only the reasons field.
    if (nameTlv === undefined && issuerTlv === undefined) throw badCert('neither distributionPoint nor cRLIssuer', `${field}.DistributionPoint`);
    out.push({
      ...name,
      reasons: reasonsTlv === undefined ? undefined : bitNumbers(reasonsTlv.value.subarray(1)),
      crlIssuer: issuerTlv === undefined ? undefined : generalNamesFrom(dp.childOf(issuerTlv, `${field}.cRLIssuer`), `${field}.cRLIssuer`),
    });
  }
  if (out.length === 0) throw badCert('empty (SIZE (1..MAX))', field);
  return out;
}

/** cRLDistributionPoints with one fullName URI per point. */
export const encodeCrlDistributionPoints = (uris: readonly string[]): Uint8Array =>
  derSequence(...uris.map((u) => derSequence(derExplicit(0, derExplicit(0, encodeGeneralName({ type: 'uri', value: u }))))));

/**
 * cRLDistributionPoints with one point: fullName URIs and a cRLIssuer (RFC 5280 §4.2.1.13: the
 * CRL is issued by another CA, an indirect CRL), given as its DER Name.
 */
export const encodeIndirectCrlDistributionPoint = (uris: readonly string[], crlIssuer: Uint8Array): Uint8Array =>
  derSequence(
    derSequence(
      ...(uris.length > 0 ? [derExplicit(0, derExplicit(0, concat(...uris.map((u) => encodeGeneralName({ type: 'uri', value: u })))))] : []),
      derExplicit(2, derExplicit(4, crlIssuer)),
    ),
  );

/** The DER Names of the cRLIssuer fields of `cert`'s distribution points (indirect CRLs, §4.2.1.13). */
export function crlIssuerNames(cert: Certificate): Uint8Array[] {
  const e = findExtension(cert, OID.crlDistributionPoints);
  if (e === undefined) return [];
  const out: Uint8Array[] = [];
  for (const dp of parseCrlDistributionPoints(e.value)) for (const g of dp.crlIssuer ?? []) if (g.type === 'directory') out.push(g.name.raw);
  return out;
}

/** The fullName URIs of a DER CRLDistributionPoints value (cRLDistributionPoints, freshestCRL). */
export function distributionPointUris(der: Uint8Array): string[] {
  const out: string[] = [];
  for (const dp of parseCrlDistributionPoints(der)) for (const g of dp.fullName ?? []) if (g.type === 'uri') out.push(g.value);
  return out;
}

function certificateDistributionPointUris(cert: Certificate, oid: string): string[] {
  const e = findExtension(cert, oid);
  return e === undefined ? [] : distributionPointUris(e.value);
}

/** The URIs of the CRL distribution points (for messages and a later fetch hook). */
export const crlDistributionUris = (cert: Certificate): string[] => certificateDistributionPointUris(cert, OID.crlDistributionPoints);

/** The URIs of the freshestCRL extension (RFC 5280 §4.2.1.15): where the delta CRLs are. */
export const freshestCrlUris = (cert: Certificate): string[] => certificateDistributionPointUris(cert, EXT_OID.freshestCRL);

export interface AuthorityInfoAccess {
  readonly ocsp: readonly string[];
  readonly caIssuers: readonly string[];
}

export function parseAuthorityInfoAccess(der: Uint8Array): AuthorityInfoAccess {
  const field = 'authorityInfoAccess';
  const top = new DerReader(der, field);
  const seq = top.sequence(field);
  top.end();
  const ocsp: string[] = [];
  const caIssuers: string[] = [];
  while (!seq.atEnd) {
    const ad = seq.sequence(`${field}.AccessDescription`);
    const method = ad.oid(`${field}.accessMethod`);
    const loc = decodeGeneralName(ad.next(`${field}.accessLocation`), `${field}.accessLocation`);
    ad.end();
    if (loc.type !== 'uri') continue;
    if (method === EXT_OID.adOcsp) ocsp.push(loc.value);
    else if (method === EXT_OID.adCaIssuers) caIssuers.push(loc.value);
  }
  return { ocsp, caIssuers };
}

export const encodeAuthorityInfoAccess = (aia: { readonly ocsp?: readonly string[]; readonly caIssuers?: readonly string[] }): Uint8Array =>
  derSequence(
    ...(aia.ocsp ?? []).map((u) => derSequence(derOid(EXT_OID.adOcsp), encodeGeneralName({ type: 'uri', value: u }))),
    ...(aia.caIssuers ?? []).map((u) => derSequence(derOid(EXT_OID.adCaIssuers), encodeGeneralName({ type: 'uri', value: u }))),
  );

export function authorityInfoAccess(cert: Certificate): AuthorityInfoAccess | undefined {
  const e = findExtension(cert, OID.authorityInfoAccess);
  return e === undefined ? undefined : parseAuthorityInfoAccess(e.value);
}

// ---------------------------------------------------------------------------------------------
// TLS feature (RFC 7633 §4): Features ::= SEQUENCE OF INTEGER

/** TLS extension code point of status_request (RFC 6066 §8), the must-staple feature. */
export const TLS_FEATURE_STATUS_REQUEST = 5;

export function parseTlsFeature(der: Uint8Array): number[] {
  const field = 'TLSFeature';
  const top = new DerReader(der, field);
  const seq = top.sequence(field);
  top.end();
  const out: number[] = [];
  while (!seq.atEnd) out.push(seq.smallInteger(`${field}.feature`, 0xffff));
  return out;
}

export const encodeTlsFeature = (features: readonly number[]): Uint8Array => derSequence(...features.map((f) => derInteger(f)));

/** The TLS features the certificate requires (RFC 7633), e.g. [5] for must-staple. */
export function tlsFeatures(cert: Certificate): number[] {
  const e = findExtension(cert, EXT_OID.tlsFeature);
  return e === undefined ? [] : parseTlsFeature(e.value);
}

/** Whether the certificate carries the must-staple TLS feature (status_request, RFC 7633 §4.2.3). */
export const requiresStapling = (cert: Certificate): boolean => tlsFeatures(cert).includes(TLS_FEATURE_STATUS_REQUEST);

/** A DER Extension (for generating certificates, CRLs and OCSP responses). */
export function encodeExtension(oid: string, critical: boolean, value: Uint8Array): Uint8Array {
  return critical ? derSequence(derOid(oid), derBoolean(true), derOctetString(value)) : derSequence(derOid(oid), derOctetString(value));
}

/** Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension, strictly (no duplicates, critical DEFAULT FALSE not encoded). */
export function parseExtensions(r: DerReader, field: string): Extension[] {
  const list = r.sequence(field);
  const out: Extension[] = [];
  while (!list.atEnd) {
    const e = list.sequence(`${field}.Extension`);
    const oid = e.oid(`${field}.extnID`);
    let critical = false;
    if (e.peekTag() === Tag.BOOLEAN) {
      critical = e.boolean(`${field}.critical`);
      if (!critical) throw badCert(`explicit FALSE for ${oid}`, `${field}.critical`);
    }
    const value = e.octetString(`${field}.extnValue`);
    e.end();
    if (out.some((x) => x.oid === oid)) throw badCert(`duplicate extension ${oid}`, field);
    out.push({ oid, critical, value });
  }
  if (out.length === 0) throw badCert('empty Extensions', field);
  return out;
}
