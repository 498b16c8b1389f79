/**
 * RFC 5280 §6.1 basic path validation of a built path leaf → … → trust anchor, plus the CA/Browser
 * Forum rules browsers apply, each check recorded with its outcome. Path building (which issuer
 * signs which certificate) is done by `chain.ts`; this module takes a complete candidate path.
 *
 * Indexing: `path[0]` is the leaf, `path[path.length - 1]` the trust anchor. RFC 5280 numbers the
 * certificates the other way (1 = issued by the anchor, n = the leaf) and leaves the anchor out
 * of the path; comments cite the RFC steps, code uses our indices.
 */
import type { CryptoProvider } from '../crypto/provider.js';
import { ErrorCode, TlsError } from '../errors.js';
import { equalBytes } from '../wire/bytes.js';
import { commonName, formatIp, parseIp, type Certificate } from './certificate.js';
import { DerReader } from './der.js';
import {
  EXT_OID,
  authorityInfoAccess,
  crlDistributionUris,
  describeGeneralName,
  findExtension,
  parseCertificatePolicies,
  parseInhibitAnyPolicy,
  parseNameConstraints,
  parsePolicyConstraints,
  parsePolicyMappings,
  type GeneralName,
  type NameConstraints,
} from './ext.js';
import { OID, OID_NAMES } from './oids.js';

/** The checks, as named in results, errors and `tlskit verify`. */
export type CheckName =
  | 'parse'
  | 'issuer'
  | 'signature'
  | 'algorithm'
  | 'validity'
  | 'basicConstraints'
  | 'pathLength'
  | 'keyUsage'
  | 'extKeyUsage'
  | 'nameConstraints'
  | 'policies'
  | 'criticalExtensions'
  | 'profile'
  | 'hostname'
  | 'revocation'
  | 'ct';

export interface CheckResult {
  readonly check: CheckName;
  /** Index in the path (0 = leaf), or -1 for a check of the whole path. */
  readonly index: number;
  readonly ok: boolean;
  readonly detail: string;
}

/**
 * A failed certificate check: a TlsError whose code and alert follow the failure, naming the
 * check, the certificate (index in the path or chain, and subject) and the field.
 */
export class CertificateError extends TlsError {
  readonly check: CheckName;
  /** Index of the certificate (0 = leaf), or -1 when the failure concerns no single certificate. */
  readonly certIndex: number;
  readonly subject: string | undefined;

  constructor(code: ErrorCode, check: CheckName, message: string, where: { index?: number; subject?: string; field?: string; cause?: unknown } = {}) {
    super(code, message, { ...(where.field !== undefined ? { field: where.field } : {}), ...(where.cause !== undefined ? { cause: where.cause } : {}) });
    this.check = check;
    this.certIndex = where.index ?? -1;
    this.subject = where.subject;
  }
}

/** 'any': no extKeyUsage requirement (the certificate of an indirect CRL's issuer, RFC 5280 §6.3.3 (f)). */
export type Purpose = 'serverAuth' | 'clientAuth' | 'any';

export interface PathValidationOptions {
  readonly time: Date;
  readonly purpose: Purpose;
  /** Leaf keyUsage required by the key exchange (TLS 1.2 RSA key transport needs keyEncipherment). */
  readonly leafKeyUsage?: readonly ('digitalSignature' | 'keyEncipherment' | 'keyAgreement')[];
  /** Smallest RSA modulus accepted, in bits (default 2048, CA/B Forum BR §6.1.5). */
  readonly minRsaBits?: number;
  /** RFC 5280 §6.1.1 (c)-(f) inputs. Default: anyPolicy, none inhibited, no explicit policy needed. */
  readonly initialPolicies?: readonly string[];
  readonly initialExplicitPolicy?: boolean;
  readonly initialPolicyMappingInhibit?: boolean;
  readonly initialAnyPolicyInhibit?: boolean;
  /**
   * Enforce the RFC 5280 issuing-CA profile on the path (AKI/SKI presence and criticality,
   * basicConstraints critical on CAs, serial numbers, an empty subject needs a critical SAN).
   * Default true: the CA/B Forum requires all of it of publicly trusted CAs.
   */
  readonly strictProfile?: boolean;
  /** Accept a leaf with basicConstraints cA=TRUE as the end entity (default false). */
  readonly allowCaAsLeaf?: boolean;
  /**
   * Check the trust anchor's own certificate against the CA profile (with `strictProfile`;
   * default true). Off for a vetted root store (node's bundled roots include a few that predate
   * today's profile): RFC 5280 §6.1.1 (d) takes the anchor as an input.
   */
  readonly anchorProfile?: boolean;
  /**
   * CA/B BR §7.1.4.3: a TLS server certificate's Common Name, when present, must be one of its
   * subjectAltName values written the same way (default false: many private PKIs put a label
   * there).
   */
  readonly checkCommonName?: boolean;
  /**
   * Record the checks that pass with their details (default true; `tlskit verify` prints them).
   * The handshake's verifier only needs the verdict and turns this off: formatting the details
   * costs more than the checks.
   */
  readonly recordPassedChecks?: boolean;
}

export const displayName = (cert: Certificate): string => {
  const cn = commonName(cert.subject);
  return cn !== undefined ? `CN=${cn}` : cert.subject.text === '' ? 'no subject name' : cert.subject.text;
};

export const who = (cert: Certificate, index: number): string => `certificate ${index} (${displayName(cert)})`;

const DAY_MS = 86_400_000;
const isoDay = (d: Date): string => d.toISOString().slice(0, 10);
const isoSeconds = (d: Date): string => d.toISOString().replace(/\.000Z$/, 'Z');
const oidName = (o: string): string => OID_NAMES[o] ?? (o === EXT_OID.anyPolicy ? 'anyPolicy' : o);

function ago(ms: number): string {
  const days = Math.floor(ms / DAY_MS);
  if (days >= 1) return `${days} day${days === 1 ? '' : 's'}`;
  const h = Math.floor(ms / 3_600_000);
  if (h >= 1) return `${h} hour${h === 1 ? '' : 's'}`;
  return `${Math.max(1, Math.round(ms / 1000))} second(s)`;
}

/** Extensions that path validation processes (RFC 5280 §6.1.4 (o) / §6.1.5 (f)). */
const PROCESSED_EXTENSIONS: ReadonlySet<string> = new Set([
  OID.subjectKeyIdentifier,
  OID.keyUsage,
  OID.subjectAltName,
  OID.basicConstraints,
  OID.authorityKeyIdentifier,
  OID.extKeyUsage,
  OID.nameConstraints,
  OID.certificatePolicies,
  OID.policyMappings,
  OID.policyConstraints,
  OID.inhibitAnyPolicy,
  OID.crlDistributionPoints,
  EXT_OID.tlsFeature,
]);

/** Critical extensions of `cert` that nothing here processes. */
export function unprocessedCriticalExtensions(cert: Certificate): string[] {
  return cert.extensions.filter((e) => e.critical && !PROCESSED_EXTENSIONS.has(e.oid)).map((e) => e.oid);
}

// ---------------------------------------------------------------------------------------------
// Name matching

function normalizeDns(name: string): string {
  const s = name.endsWith('.') ? name.slice(0, -1) : name;
  return s.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/** RFC 5280 §4.2.1.10: `name` is `base` with zero or more labels added on the left. */
function dnsWithin(name: string, base: string): boolean {
  const n = normalizeDns(name);
  let b = normalizeDns(base);
  if (b === '') return true;
  if (b.startsWith('.')) {
    // a leading period (common practice, from the URI form): subdomains only
    b = b.slice(1);
    return n.endsWith('.' + b);
  }
  return n === b || n.endsWith('.' + b);
}

/** Whether a (possibly wildcard) DNS name could name a host inside `base`'s subtree. */
function dnsIntersects(name: string, base: string): boolean {
  if (dnsWithin(name, base)) return true;
  const n = normalizeDns(name);
  // `*.example.com` covers `foo.example.com`, which an excluded `foo.example.com` forbids.
  if (n.startsWith('*.')) {
    const parent = n.slice(2);
    const b = normalizeDns(base).replace(/^\./, '');
    return b.endsWith('.' + parent) && b.slice(0, -parent.length - 1).split('.').length === 1;
  }
  return false;
}

/** RFC 5280 §4.2.1.10 rfc822Name constraints: a mailbox, a host, or `.domain`. */
function emailWithin(email: string, c: string): boolean {
  const at = email.lastIndexOf('@');
  if (at < 0) return false;
  const host = normalizeDns(email.slice(at + 1));
  if (c.includes('@')) {
    const cat = c.lastIndexOf('@');
    return email.slice(0, at) === c.slice(0, cat) && host === normalizeDns(c.slice(cat + 1));
  }
  const cc = normalizeDns(c);
  if (cc.startsWith('.')) return host.endsWith(cc);
  return host === cc;
}

function ipWithin(ip: Uint8Array, c: Uint8Array): boolean {
  if (c.length !== ip.length * 2) return false;
  for (let i = 0; i < ip.length; i++) {
    const mask = c[ip.length + i] as number;
    if (((ip[i] as number) & mask) !== ((c[i] as number) & mask)) return false;
  }
  return true;
}

/** A constraint's address/mask must be 8 or 32 octets with a contiguous mask (RFC 4632 style). */
function validIpConstraint(c: Uint8Array): boolean {
  if (c.length !== 8 && c.length !== 32) return false;
  let seenZero = false;
  for (let i = c.length / 2; i < c.length; i++) {
    for (let bit = 7; bit >= 0; bit--) {
      const one = (((c[i] as number) >> bit) & 1) === 1;
      if (one && seenZero) return false;
      if (!one) seenZero = true;
    }
  }
  return true;
}

/** The RDNs of a Name, each as its DER SET. */
function rdnList(nameDer: Uint8Array): Uint8Array[] {
  const seq = new DerReader(nameDer, 'Name').sequence('Name');
  const out: Uint8Array[] = [];
  while (!seq.atEnd) out.push(seq.next('Name.RelativeDistinguishedName').raw);
  return out;
}

function dirWithin(subject: Uint8Array, base: Uint8Array): boolean {
  const s = rdnList(subject);
  const b = rdnList(base);
  if (b.length > s.length) return false;
  return b.every((rdn, i) => equalBytes(rdn, s[i] as Uint8Array));
}

/** The host of a URI with an authority component, or undefined (RFC 3986 §3.2). */
function uriHost(uri: string): string | undefined {
  const m = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/(?:[^@/?#]*@)?(\[[^\]]*\]|[^:/?#]*)/.exec(uri);
  const host = m?.[1];
  if (host === undefined || host === '' || host.startsWith('[') || parseIp(host) !== undefined) return undefined;
  return host;
}

type SubjectName =
  | { readonly type: 'dns'; readonly value: string }
  | { readonly type: 'email'; readonly value: string }
  | { readonly type: 'ip'; readonly bytes: Uint8Array }
  | { readonly type: 'directory'; readonly der: Uint8Array; readonly text: string }
  | { readonly type: 'uri'; readonly value: string };

const SUPPORTED_TYPES: ReadonlySet<string> = new Set(['dns', 'email', 'ip', 'directory', 'uri']);

function describeSubjectName(n: SubjectName): string {
  switch (n.type) {
    case 'dns':
      return `DNS:${n.value}`;
    case 'email':
      return `email:${n.value}`;
    case 'ip':
      return `IP:${formatIp(n.bytes)}`;
    case 'directory':
      return `DirName:${n.text}`;
    case 'uri':
      return `URI:${n.value}`;
  }
}

/** RFC 5280 §6.1.3 (b)(c): the names of a certificate that name constraints apply to. */
function constrainedNames(cert: Certificate, cnAsDns: boolean): SubjectName[] {
  const out: SubjectName[] = [];
  if (cert.subject.rdns.length > 0) out.push({ type: 'directory', der: cert.subject.raw, text: cert.subject.text });
  const san = cert.subjectAltName;
  for (const d of san?.dnsNames ?? []) out.push({ type: 'dns', value: d });
  for (const e of san?.emails ?? []) out.push({ type: 'email', value: e });
  for (const b of san?.ipAddressBytes ?? []) out.push({ type: 'ip', bytes: b });
  for (const u of san?.uris ?? []) out.push({ type: 'uri', value: u });
  for (const o of san?.other ?? []) {
    if (o.tag === 0xa4) {
      const r = new DerReader(o.raw, 'SubjectAltName.directoryName').constructed(0xa4, 'SubjectAltName.directoryName');
      const inner = r.next('SubjectAltName.directoryName');
      out.push({ type: 'directory', der: inner.raw, text: 'directoryName in subjectAltName' });
    }
  }
  // RFC 5280 §4.2.1.10: with rfc822Name constraints and no subjectAltName, the emailAddress
  // attributes of the subject DN MUST be checked.
  if (san === undefined) for (const a of cert.subject.attributes) if (a.oid === '1.2.840.113549.1.9.1') out.push({ type: 'email', value: a.value });
  // When the Common Name is used as a host name (an option), constrain it as a dNSName too.
  if (cnAsDns && (san?.dnsNames.length ?? 0) === 0) {
    const cn = commonName(cert.subject);
    if (cn !== undefined && /^[a-zA-Z0-9*_.-]+$/.test(cn) && cn.includes('.')) out.push({ type: 'dns', value: cn });
  }
  return out;
}

function nameMatches(n: SubjectName, c: GeneralName, excluded: boolean): boolean {
  switch (n.type) {
    case 'dns':
      return c.type === 'dns' && (excluded ? dnsIntersects(n.value, c.value) : dnsWithin(n.value, c.value));
    case 'email':
      return c.type === 'email' && emailWithin(n.value, c.value);
    case 'ip':
      return c.type === 'ip' && ipWithin(n.bytes, c.bytes);
    case 'directory':
      return c.type === 'directory' && dirWithin(n.der, c.name.raw);
    case 'uri': {
      if (c.type !== 'uri') return false;
      const host = uriHost(n.value);
      // RFC 5280 §4.2.1.10: a URI without a host name (or with an IP) fails a URI constraint.
      if (host === undefined) return excluded;
      return dnsWithin(host, c.value);
    }
  }
}

interface NcLayer {
  readonly index: number;
  readonly cert: Certificate;
  readonly nc: NameConstraints;
}

/** RFC 5280 §6.1.3 (b)(c) for one certificate against the constraints collected above it. */
function checkNameConstraints(cert: Certificate, index: number, layers: readonly NcLayer[], cnAsDns: boolean): CertificateError | undefined {
  const names = constrainedNames(cert, cnAsDns);
  for (const layer of layers) {
    for (const n of names) {
      const ofType = (list: readonly GeneralName[] | undefined): GeneralName[] => (list ?? []).filter((g) => g.type === n.type);
      const excl = ofType(layer.nc.excluded).find((g) => nameMatches(n, g, true));
      if (excl !== undefined) {
        return new CertificateError(
          ErrorCode.NAME_CONSTRAINTS_VIOLATION,
          'nameConstraints',
          `${who(cert, index)} names ${describeSubjectName(n)}, which ${who(layer.cert, layer.index)} excludes (${describeGeneralName(excl)}) — the CA may not issue for that name`,
          { index, subject: displayName(cert), field: 'nameConstraints.excludedSubtrees' },
        );
      }
      const perm = ofType(layer.nc.permitted);
      // Only the types that appear in permittedSubtrees are restricted (§4.2.1.10).
      if (perm.length > 0 && !perm.some((g) => nameMatches(n, g, false))) {
        return new CertificateError(
          ErrorCode.NAME_CONSTRAINTS_VIOLATION,
          'nameConstraints',
          `${who(cert, index)} names ${describeSubjectName(n)}, outside what ${who(layer.cert, layer.index)} permits (${perm.map(describeGeneralName).join(', ')})`,
          { index, subject: displayName(cert), field: 'nameConstraints.permittedSubtrees' },
        );
      }
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Host names (RFC 6125 §6.4)

/** RFC 6125 §6.4.3 wildcard rules: only a whole left-most label, matching one label, not `*.com`. */
export function matchesHostName(pattern: string, host: string): boolean {
  const p = normalizeDns(pattern);
  const h = normalizeDns(host);
  if (p === '' || h === '' || h.includes('*')) return false;
  const hLabels = h.split('.');
  if (hLabels.some((l) => l === '')) return false;
  if (!p.includes('*')) return p === h;
  const pLabels = p.split('.');
  if (pLabels[0] !== '*' || pLabels.slice(1).some((l) => l === '' || l.includes('*'))) return false;
  if (pLabels.length < 3 || hLabels.length !== pLabels.length) return false;
  // RFC 6125 §7.2: no wildcard into an IDN A-label position is relevant here; labels compare exactly.
  for (let i = 1; i < pLabels.length; i++) if (pLabels[i] !== hLabels[i]) return false;
  return true;
}

export interface IdentityOptions {
  readonly hostname?: string;
  readonly ip?: string;
  /** RFC 6125 §6.4.4: fall back to the Common Name when the certificate has no dNSName (default false). */
  readonly commonNameFallback?: boolean;
}

/** The leaf's identity against a host name or IP address; undefined when it matches. */
export function checkIdentity(cert: Certificate, o: IdentityOptions): CertificateError | undefined {
  const san = cert.subjectAltName;
  const covers = (kind: 'dns' | 'ip'): string => {
    const all = kind === 'dns' ? (san?.dnsNames ?? []) : (san?.ipAddresses ?? []);
    return all.length === 0 ? 'no names in subjectAltName' : all.join(', ');
  };
  const ipText = o.ip ?? (o.hostname !== undefined && parseIp(o.hostname) !== undefined ? o.hostname : undefined);
  const err = (msg: string): CertificateError =>
    new CertificateError(ErrorCode.ERR_TLS_CERT_ALTNAME_INVALID, 'hostname', msg, { index: 0, subject: displayName(cert), field: 'subjectAltName' });
  if (ipText !== undefined) {
    const want = parseIp(ipText);
    if (want === undefined) return err(`"${ipText}" is not an IP address`);
    // RFC 6125 §6.2.1 / RFC 5280 §4.2.1.6: IP addresses match iPAddress entries only, never a dNSName.
    if ((san?.ipAddressBytes ?? []).some((b) => equalBytes(b, want))) return undefined;
    return err(
      (san?.ipAddressBytes.length ?? 0) === 0
        ? `IP address ${formatIp(want)} does not match: the certificate has no IP addresses in subjectAltName (it covers ${covers('dns')})`
        : `IP address ${formatIp(want)} does not match: the certificate covers ${covers('ip')}`,
    );
  }
  if (o.hostname === undefined) return undefined;
  const host = o.hostname;
  const names = san?.dnsNames ?? [];
  if (names.some((n) => matchesHostName(n, host))) return undefined;
  if (names.length === 0 && o.commonNameFallback === true) {
    const cn = commonName(cert.subject);
    if (cn !== undefined && matchesHostName(cn, host)) return undefined;
  }
  return err(
    names.length === 0
      ? `host ${host} does not match: the certificate has no DNS names in subjectAltName (the Common Name ${commonName(cert.subject) ?? ''} is not used)`
      : `host ${host} does not match: the certificate covers ${covers('dns')}`,
  );
}

// ---------------------------------------------------------------------------------------------
// Policies (RFC 5280 §6.1.2 (a), §6.1.3 (d)-(f), §6.1.4 (a)-(b), (h)-(j), §6.1.5)

interface PolicyNode {
  readonly validPolicy: string;
  expected: Set<string>;
  readonly parent: PolicyNode | undefined;
  children: PolicyNode[];
}

const ANY = EXT_OID.anyPolicy;

/** Removes nodes at depths < `depth` without children (bottom-up); returns the new tree or undefined. */
function prune(levels: PolicyNode[][], depth: number): boolean {
  for (let d = depth - 1; d >= 0; d--) {
    const level = levels[d] as PolicyNode[];
    const keep = level.filter((n) => n.children.length > 0);
    for (const n of level) if (n.children.length === 0 && n.parent !== undefined) n.parent.children = n.parent.children.filter((c) => c !== n);
    levels[d] = keep;
  }
  return (levels[0]?.length ?? 0) > 0;
}

// ---------------------------------------------------------------------------------------------

export interface PathValidationResult {
  readonly error: CertificateError | undefined;
  readonly checks: CheckResult[];
  /** RFC 5280 §6.1.6: the policies the path is valid for ('anyPolicy' when unrestricted), or [] when none. */
  readonly policies: readonly string[];
}

/**
 * Validates a complete path (leaf first, trust anchor last) whose signatures have already been
 * checked while it was built. Records every check; stops at the first failure.
 */
export function validatePath(provider: CryptoProvider, path: readonly Certificate[], o: PathValidationOptions & IdentityOptions): PathValidationResult {
  const checks: CheckResult[] = [];
  const record = o.recordPassedChecks !== false;
  const ok = (check: CheckName, index: number, detail: string): void => {
    checks.push({ check, index, ok: true, detail });
  };
  const result = (error: CertificateError | undefined, policies: readonly string[] = []): PathValidationResult => {
    if (error !== undefined) checks.push({ check: error.check, index: error.certIndex, ok: false, detail: error.message });
    return { error, checks, policies };
  };
  // RFC 5280 §4.1.2.5: validity is expressed in whole seconds and inclusive; compare the
  // validation time at that granularity (a time within the notAfter second is still valid).
  const t = Math.floor(o.time.getTime() / 1000) * 1000;
  const last = path.length - 1;
  const n = last; // RFC 5280 n: the certificates below the anchor
  const strict = o.strictProfile ?? true;
  const minRsa = o.minRsaBits ?? 2048;
  const purposeOid = o.purpose === 'any' ? undefined : OID[o.purpose];
  const E = (code: ErrorCode, check: CheckName, i: number, message: string, field?: string): PathValidationResult =>
    result(new CertificateError(code, check, message, { index: i, subject: displayName(path[i] as Certificate), ...(field !== undefined ? { field } : {}) }));

  // --- per certificate, anchor first (the RFC's processing order)
  // §6.1.2 state
  let explicitPolicy = o.initialExplicitPolicy === true ? 0 : n + 1;
  let inhibitAnyPolicy = o.initialAnyPolicyInhibit === true ? 0 : n + 1;
  let policyMapping = o.initialPolicyMappingInhibit === true ? 0 : n + 1;
  const root: PolicyNode = { validPolicy: ANY, expected: new Set([ANY]), parent: undefined, children: [] };
  let levels: PolicyNode[][] | undefined = [[root]];
  const ncLayers: NcLayer[] = [];
  let maxPathLength = n; // §6.1.2 (k)

  for (let i = last; i >= 0; i--) {
    const c = path[i] as Certificate;
    const isAnchor = i === last;
    const isLeaf = i === 0;
    const name = who(c, i);
    const field = (f: string): string => f;

    // Validity (§6.1.3 (a)(2); the anchor too, as browsers do).
    if (c.notBefore.getTime() > c.notAfter.getTime()) {
      return E(ErrorCode.CERT_REJECTED, 'validity', i, `${name} has notBefore ${isoSeconds(c.notBefore)} after notAfter ${isoSeconds(c.notAfter)}`, field('validity'));
    }
    if (t < c.notBefore.getTime()) {
      return E(
        ErrorCode.CERT_NOT_YET_VALID,
        'validity',
        i,
        `${name} is not valid before ${isoSeconds(c.notBefore)}, ${ago(c.notBefore.getTime() - t)} after the validation time — check the clock`,
        'validity.notBefore',
      );
    }
    if (t > c.notAfter.getTime()) {
      return E(
        ErrorCode.CERT_HAS_EXPIRED,
        'validity',
        i,
        `${name} expired on ${isoDay(c.notAfter)} (${isoSeconds(c.notAfter)}), ${ago(t - c.notAfter.getTime())} before the validation time — check the clock or renew it`,
        'validity.notAfter',
      );
    }
    if (record) ok('validity', i, `valid ${isoDay(c.notBefore)} to ${isoDay(c.notAfter)}`);

    // Public key strength (CA/B Forum BR §6.1.5).
    try {
      const key = provider.importPublicKey(c.subjectPublicKeyInfo);
      if ((key.info.type === 'rsa' || key.info.type === 'rsa-pss') && key.info.bits < minRsa) {
        return E(ErrorCode.KEY_TOO_SMALL, 'algorithm', i, `${name} has a ${key.info.bits}-bit RSA key; at least ${minRsa} bits are required`, 'subjectPublicKeyInfo');
      }
      if (record) ok('algorithm', i, `${key.info.type}${key.info.curve !== undefined ? ` ${key.info.curve}` : ` ${key.info.bits} bits`}${isAnchor ? '' : `, signed with ${oidName(c.signatureAlgorithm.oid)}`}`);
    } catch (e) {
      return result(
        new CertificateError(ErrorCode.ERR_TLS_UNSUPPORTED_CERTIFICATE, 'algorithm', `${name} has an unsupported public key: ${e instanceof Error ? e.message : String(e)}`, {
          index: i,
          subject: displayName(c),
          field: 'subjectPublicKeyInfo',
          cause: e,
        }),
      );
    }

    // Critical extensions nobody processes (§6.1.4 (o), §6.1.5 (f)); the anchor's are its owner's business.
    if (!isAnchor) {
      const unknown = unprocessedCriticalExtensions(c);
      if (unknown.length > 0) {
        return E(
          ErrorCode.UNHANDLED_CRITICAL_EXTENSION,
          'criticalExtensions',
          i,
          `${name} has critical extension(s) this verifier does not support: ${unknown.map(oidName).join(', ')}`,
          'extensions',
        );
      }
      if (record) ok('criticalExtensions', i, 'none unprocessed');
    }

    let nc: NameConstraints | undefined;
    let policies: string[] | undefined;
    let mappings: ReturnType<typeof parsePolicyMappings> | undefined;
    let pc: ReturnType<typeof parsePolicyConstraints> | undefined;
    let inhibitAny: number | undefined;
    try {
      const ncExt = findExtension(c, OID.nameConstraints);
      if (ncExt !== undefined) nc = parseNameConstraints(ncExt.value);
      const cp = findExtension(c, OID.certificatePolicies);
      if (cp !== undefined) policies = parseCertificatePolicies(cp.value);
      const pm = findExtension(c, OID.policyMappings);
      if (pm !== undefined) mappings = parsePolicyMappings(pm.value);
      const pcExt = findExtension(c, OID.policyConstraints);
      if (pcExt !== undefined) pc = parsePolicyConstraints(pcExt.value);
      const ia = findExtension(c, OID.inhibitAnyPolicy);
      if (ia !== undefined) inhibitAny = parseInhibitAnyPolicy(ia.value);
      // Extensions nothing here acts on must still be well formed (RFC 5280 §4.2.2.1, §4.2.1.13).
      authorityInfoAccess(c);
      crlDistributionUris(c);
    } catch (e) {
      return result(
        new CertificateError(ErrorCode.ERR_TLS_BAD_CERTIFICATE, 'profile', `${name} has a malformed extension: ${e instanceof Error ? e.message : String(e)}`, {
          index: i,
          subject: displayName(c),
          ...(e instanceof TlsError && e.field !== undefined ? { field: e.field } : {}),
          cause: e,
        }),
      );
    }

    const bc = c.basicConstraints;
    const ku = c.keyUsage;
    // RFC 5280 §4.2.1.3: when keyUsage is present, at least one bit MUST be set.
    if (ku !== undefined && !Object.values(ku).some((b) => b === true)) {
      return E(ErrorCode.KEY_USAGE_INVALID, 'keyUsage', i, `${name} has a keyUsage extension with no bit set (RFC 5280 §4.2.1.3)`, 'keyUsage');
    }
    // RFC 5280 §4.2.1.3: keyCertSign asserted only together with basicConstraints cA.
    if (ku?.keyCertSign === true && bc?.ca !== true && !(isAnchor && bc === undefined)) {
      return E(ErrorCode.KEY_USAGE_INVALID, 'keyUsage', i, `${name} asserts keyUsage keyCertSign without basicConstraints cA`, 'keyUsage');
    }
    // RFC 5280 §4.2.1.9: pathLenConstraint only when cA is set (and keyCertSign).
    if (bc !== undefined && !bc.ca && bc.pathLen !== undefined) {
      return E(ErrorCode.CERT_REJECTED, 'basicConstraints', i, `${name} has a pathLenConstraint but is not a CA`, 'basicConstraints.pathLenConstraint');
    }

    if (strict) {
      const e = isAnchor
        ? o.anchorProfile === false
          ? undefined
          : anchorProfileCheck(c, i)
        : (profileCheck(c, i, isLeaf, path) ?? (isLeaf && o.purpose === 'serverAuth' ? serverLeafCheck(c, path.length > 1, o.checkCommonName === true) : undefined));
      if (e !== undefined) return result(e);
      if (record) ok('profile', i, isAnchor ? 'RFC 5280 / CA/B Forum trust anchor profile' : 'RFC 5280 profile');
    }

    // --- §6.1.3 (b)(c): name constraints, for the leaf and every non-self-issued intermediate
    if (!isAnchor) {
      if (isLeaf || !c.selfIssued) {
        const e = checkNameConstraints(c, i, ncLayers, o.commonNameFallback === true && isLeaf);
        if (e !== undefined) return result(e);
      }
      if (record && ncLayers.length > 0) ok('nameConstraints', i, `within the constraints of ${ncLayers.map((l) => `certificate ${l.index}`).join(', ')}`);
    }

    // --- §6.1.3 (d)-(f): the policy tree (the anchor is not part of the RFC path)
    if (!isAnchor) {
      const depth = n - i; // 1-based RFC index of this certificate
      if (policies !== undefined && levels !== undefined) {
        const parents = levels[depth - 1] as PolicyNode[];
        const next: PolicyNode[] = [];
        const add = (parent: PolicyNode, p: string): void => {
          const node: PolicyNode = { validPolicy: p, expected: new Set([p]), parent, children: [] };
          parent.children.push(node);
          next.push(node);
        };
        for (const p of policies) {
          if (p === ANY) continue;
          // (d)(1)(i)
          const matching = parents.filter((pn) => pn.expected.has(p));
          if (matching.length > 0) for (const pn of matching) add(pn, p);
          else {
            // (d)(1)(ii)
            for (const pn of parents) if (pn.validPolicy === ANY) add(pn, p);
          }
        }
        // (d)(2): anyPolicy in the certificate
        if (policies.includes(ANY) && (inhibitAnyPolicy > 0 || (depth < n && c.selfIssued))) {
          for (const pn of parents) {
            for (const e of pn.expected) {
              if (!pn.children.some((ch) => ch.validPolicy === e)) add(pn, e);
            }
          }
        }
        levels.push(next);
        // (d)(3)
        if (!prune(levels, depth) || next.length === 0) levels = undefined;
      } else {
        // (e)
        levels = undefined;
      }
      // (f)
      if (explicitPolicy <= 0 && levels === undefined) {
        return E(
          ErrorCode.INVALID_POLICY,
          'policies',
          i,
          `${name}: an explicit certificate policy is required (policyConstraints requireExplicitPolicy) and the path has no valid policy${policies === undefined ? ' (this certificate has no certificatePolicies)' : ` (this certificate's: ${policies.map(oidName).join(', ')})`}`,
          'certificatePolicies',
        );
      }
      if (record && policies !== undefined) ok('policies', i, policies.map(oidName).join(', '));
    }

    if (isLeaf) break;

    // --- preparation for the next certificate (§6.1.4), issuers only
    // (a) policyMappings: anyPolicy MUST NOT be mapped.
    if (mappings !== undefined) {
      if (mappings.some((m) => m.issuerDomainPolicy === ANY || m.subjectDomainPolicy === ANY)) {
        return E(ErrorCode.INVALID_POLICY, 'policies', i, `${name} maps anyPolicy in policyMappings (RFC 5280 §6.1.4 (a))`, 'policyMappings');
      }
      // (b)
      if (!isAnchor && levels !== undefined) {
        const depth = n - i;
        const issuerPolicies = [...new Set(mappings.map((m) => m.issuerDomainPolicy))];
        for (const idp of issuerPolicies) {
          const subjects = new Set(mappings.filter((m) => m.issuerDomainPolicy === idp).map((m) => m.subjectDomainPolicy));
          const level = levels[depth] ?? [];
          if (policyMapping > 0) {
            const nodes = level.filter((nd) => nd.validPolicy === idp);
            if (nodes.length > 0) for (const nd of nodes) nd.expected = subjects;
            else {
              const anyNode = level.find((nd) => nd.validPolicy === ANY);
              if (anyNode?.parent !== undefined) {
                const nd: PolicyNode = { validPolicy: idp, expected: subjects, parent: anyNode.parent, children: [] };
                anyNode.parent.children.push(nd);
                level.push(nd);
              }
            }
          } else {
            // (b)(2): delete the nodes, then prune
            for (const nd of level.filter((x) => x.validPolicy === idp)) {
              if (nd.parent !== undefined) nd.parent.children = nd.parent.children.filter((x) => x !== nd);
            }
            const lv: PolicyNode[][] = levels;
            lv[depth] = (lv[depth] ?? []).filter((x) => x.validPolicy !== idp);
            if (!prune(lv, depth) || (lv[depth]?.length ?? 0) === 0) {
              levels = undefined;
              break;
            }
          }
        }
      }
    }
    // (g) name constraints of this CA apply to everything below it
    if (nc !== undefined) {
      const ncExt = findExtension(c, OID.nameConstraints);
      const unsupported = [...(nc.permitted ?? []), ...(nc.excluded ?? [])].filter((g) => !SUPPORTED_TYPES.has(g.type));
      if (unsupported.length > 0 && ncExt?.critical === true) {
        return E(
          ErrorCode.UNSUPPORTED_NAME_CONSTRAINT,
          'nameConstraints',
          i,
          `${name} has critical name constraints of a type this verifier does not support: ${unsupported.map(describeGeneralName).join(', ')}`,
          'nameConstraints',
        );
      }
      for (const g of [...(nc.permitted ?? []), ...(nc.excluded ?? [])]) {
        if (g.type === 'ip' && !validIpConstraint(g.bytes)) {
          return E(ErrorCode.ERR_TLS_BAD_CERTIFICATE, 'nameConstraints', i, `${name} has a malformed iPAddress constraint (${g.bytes.length} octets or a non-contiguous mask)`, 'nameConstraints');
        }
      }
      ncLayers.push({ index: i, cert: c, nc });
    }
    // (h) counters, unless self-issued (and not for the anchor, which is outside the RFC path)
    if (!isAnchor && !c.selfIssued) {
      if (explicitPolicy > 0) explicitPolicy--;
      if (policyMapping > 0) policyMapping--;
      if (inhibitAnyPolicy > 0) inhibitAnyPolicy--;
    }
    // (i)(j)
    if (!isAnchor) {
      if (pc?.requireExplicitPolicy !== undefined && pc.requireExplicitPolicy < explicitPolicy) explicitPolicy = pc.requireExplicitPolicy;
      if (pc?.inhibitPolicyMapping !== undefined && pc.inhibitPolicyMapping < policyMapping) policyMapping = pc.inhibitPolicyMapping;
      if (inhibitAny !== undefined && inhibitAny < inhibitAnyPolicy) inhibitAnyPolicy = inhibitAny;
    }
    // (k) cA; v1/v2 trust anchors (no extensions) are accepted.
    if (bc === undefined ? !(isAnchor && c.version < 3) : !bc.ca) {
      if (isAnchor && bc === undefined) {
        // a v3 anchor without basicConstraints: accepted as a trust anchor (RFC 5280 §6.1.1 (d) treats it as input)
      } else {
        return E(ErrorCode.INVALID_CA, 'basicConstraints', i, `${name} issued certificate ${i - 1} but is not a CA (basicConstraints cA is not set)`, 'basicConstraints.cA');
      }
    }
    // (l)(m): maxPathLength counts the non-self-issued intermediates
    if (!isAnchor && !c.selfIssued) {
      if (maxPathLength <= 0) {
        return E(
          ErrorCode.PATH_LENGTH_EXCEEDED,
          'pathLength',
          i,
          `${name} is below a CA whose pathLenConstraint allows no further intermediate CA certificates`,
          'basicConstraints.pathLenConstraint',
        );
      }
      maxPathLength--;
    }
    if (bc?.pathLen !== undefined) {
      // our pathLen check: count non-self-issued intermediates below this certificate
      let below = 0;
      for (let j = i - 1; j >= 1; j--) if (!(path[j] as Certificate).selfIssued) below++;
      if (below > bc.pathLen) {
        return E(
          ErrorCode.PATH_LENGTH_EXCEEDED,
          'pathLength',
          i,
          `${name} allows ${bc.pathLen} intermediate CA certificate(s) below it (pathLenConstraint), the path has ${below}`,
          'basicConstraints.pathLenConstraint',
        );
      }
      if (bc.pathLen < maxPathLength) maxPathLength = bc.pathLen;
    }
    if (record) ok('basicConstraints', i, bc === undefined ? 'trust anchor without basicConstraints' : `CA${bc.pathLen !== undefined ? `, pathLenConstraint ${bc.pathLen}` : ''}`);
    // (n) keyCertSign
    if (ku !== undefined && !ku.keyCertSign) {
      return E(ErrorCode.KEY_USAGE_INVALID, 'keyUsage', i, `${name} is not allowed to sign certificates (keyUsage lacks keyCertSign)`, 'keyUsage');
    }
    if (record) ok('keyUsage', i, ku === undefined ? 'no keyUsage extension' : 'keyCertSign');
    // EKU on CAs (as browsers/OpenSSL do, nested EKU): when present it must allow the purpose.
    if (purposeOid !== undefined && c.extKeyUsage !== undefined && !isAnchor) {
      if (!c.extKeyUsage.includes(purposeOid) && !c.extKeyUsage.includes(OID.anyExtendedKeyUsage)) {
        return E(
          ErrorCode.INVALID_PURPOSE,
          'extKeyUsage',
          i,
          `${name} is not valid for ${o.purpose}: its extKeyUsage (${c.extKeyUsage.map(oidName).join(', ')}) restricts the certificates it issues`,
          'extKeyUsage',
        );
      }
      if (record) ok('extKeyUsage', i, c.extKeyUsage.map(oidName).join(', '));
    }
  }

  // --- the leaf (§6.1.5)
  const leaf = path[0] as Certificate;
  const leafName = who(leaf, 0);
  if (path.length > 1 && leaf.basicConstraints?.ca === true && o.allowCaAsLeaf !== true) {
    return E(ErrorCode.CERT_REJECTED, 'basicConstraints', 0, `${leafName} is a CA certificate (basicConstraints cA) used as an end-entity certificate`, 'basicConstraints.cA');
  }
  if (purposeOid !== undefined && leaf.extKeyUsage !== undefined) {
    if (!leaf.extKeyUsage.includes(purposeOid) && !leaf.extKeyUsage.includes(OID.anyExtendedKeyUsage)) {
      return E(ErrorCode.INVALID_PURPOSE, 'extKeyUsage', 0, `${leafName} is not valid for ${o.purpose} (extKeyUsage: ${leaf.extKeyUsage.map(oidName).join(', ')})`, 'extKeyUsage');
    }
    if (record) ok('extKeyUsage', 0, leaf.extKeyUsage.map(oidName).join(', '));
  }
  if (leaf.keyUsage !== undefined) {
    for (const bit of o.leafKeyUsage ?? []) {
      if (!leaf.keyUsage[bit]) return E(ErrorCode.KEY_USAGE_INVALID, 'keyUsage', 0, `${leafName} keyUsage does not allow ${bit}, which this key exchange needs`, 'keyUsage');
    }
    if (record) ok('keyUsage', 0, Object.entries(leaf.keyUsage).filter(([, v]) => v === true).map(([k]) => k).join(', '));
  }
  // §6.1.5 (a)(b): explicit policy wrap-up
  if (n > 0 && levels !== undefined) {
    // (g): intersect with the user-initial-policy-set
    const initial = o.initialPolicies ?? [ANY];
    if (!initial.includes(ANY) && levels !== undefined) {
      const leaves = levels[n] ?? [];
      const isValidPolicyNode = (nd: PolicyNode): boolean => {
        for (let p = nd.parent; p !== undefined; p = p.parent) if (p.validPolicy !== ANY) return false;
        return true;
      };
      const kept: PolicyNode[] = [];
      for (const nd of leaves) {
        if (nd.validPolicy === ANY) {
          for (const p of initial) kept.push({ validPolicy: p, expected: new Set([p]), parent: nd.parent, children: [] });
        } else if (!isValidPolicyNode(nd) || initial.includes(nd.validPolicy)) kept.push(nd);
      }
      levels[n] = kept;
      if (kept.length === 0) levels = undefined;
    }
  }
  let finalExplicit = explicitPolicy;
  if (n > 0) {
    if (finalExplicit > 0) finalExplicit--;
    const leafPc = findExtension(leaf, OID.policyConstraints);
    if (leafPc !== undefined && parsePolicyConstraints(leafPc.value).requireExplicitPolicy === 0) finalExplicit = 0;
  }
  if (n > 0 && finalExplicit <= 0 && levels === undefined) {
    return E(ErrorCode.INVALID_POLICY, 'policies', 0, `the path has no certificate policy acceptable to the user-initial-policy-set, and an explicit policy is required (RFC 5280 §6.1.5)`, 'certificatePolicies');
  }
  const authorities = levels === undefined ? [] : [...new Set((levels[n] ?? []).map((nd) => nd.validPolicy))];
  return result(undefined, authorities);
}

/**
 * RFC 5280 §4.1 / §4.2 requirements on what conforming CAs issue, which the CA/B Forum makes
 * binding for public CAs; applied to the leaf and intermediates (not the trust anchor).
 */
function profileCheck(c: Certificate, i: number, isLeaf: boolean, path: readonly Certificate[]): CertificateError | undefined {
  const name = who(c, i);
  const E = (code: ErrorCode, message: string, field: string): CertificateError =>
    new CertificateError(code, 'profile', `${name} ${message}`, { index: i, subject: displayName(c), field });
  // §4.1.2.2: serialNumber positive, at most 20 octets.
  const s = c.serialRaw;
  if (((s[0] as number) & 0x80) !== 0) return E(ErrorCode.CERT_REJECTED, 'has a negative serial number (RFC 5280 §4.1.2.2)', 'serialNumber');
  if (s.every((b) => b === 0)) return E(ErrorCode.CERT_REJECTED, 'has serial number 0 (RFC 5280 §4.1.2.2: positive)', 'serialNumber');
  const magnitude = s[0] === 0 ? s.length - 1 : s.length;
  if (magnitude > 20) return E(ErrorCode.CERT_REJECTED, `has a ${magnitude}-octet serial number (RFC 5280 §4.1.2.2: at most 20)`, 'serialNumber');
  // §4.1.2.4: the issuer field MUST contain a non-empty distinguished name.
  if (c.issuer.rdns.length === 0) return E(ErrorCode.CERT_REJECTED, 'has an empty issuer name (RFC 5280 §4.1.2.4)', 'issuer');
  // §4.1.2.5: dates through 2049 MUST be UTCTime (GeneralizedTime only from 2050).
  const early = generalizedTimeBefore2050(c);
  if (early !== undefined) return E(ErrorCode.CERT_REJECTED, `encodes ${early} as GeneralizedTime (RFC 5280 §4.1.2.5: UTCTime through 2049)`, `validity.${early}`);
  const ext = (oid: string): { critical: boolean } | undefined => findExtension(c, oid);
  // §4.2.1.1: authorityKeyIdentifier MUST be present (except in self-signed certificates) and MUST be non-critical.
  const aki = ext(OID.authorityKeyIdentifier);
  if (aki?.critical === true) return E(ErrorCode.CERT_REJECTED, 'marks authorityKeyIdentifier critical (RFC 5280 §4.2.1.1: MUST be non-critical)', 'authorityKeyIdentifier');
  if (c.version === 3 && !c.selfIssued && (aki === undefined || c.authorityKeyIdentifier?.keyIdentifier === undefined)) {
    return E(ErrorCode.CERT_REJECTED, 'has no authorityKeyIdentifier keyIdentifier (RFC 5280 §4.2.1.1: MUST be included)', 'authorityKeyIdentifier');
  }
  // §4.2.1.2: subjectKeyIdentifier MUST appear in CA certificates and MUST be non-critical.
  const ski = ext(OID.subjectKeyIdentifier);
  if (ski?.critical === true) return E(ErrorCode.CERT_REJECTED, 'marks subjectKeyIdentifier critical (RFC 5280 §4.2.1.2: MUST be non-critical)', 'subjectKeyIdentifier');
  if (!isLeaf && ski === undefined) return E(ErrorCode.CERT_REJECTED, 'is a CA certificate without subjectKeyIdentifier (RFC 5280 §4.2.1.2)', 'subjectKeyIdentifier');
  // §4.2.1.9: basicConstraints MUST be critical in CA certificates.
  const bcExt = ext(OID.basicConstraints);
  if (!isLeaf && bcExt !== undefined && !bcExt.critical) return E(ErrorCode.INVALID_CA, 'is a CA certificate whose basicConstraints is not critical (RFC 5280 §4.2.1.9)', 'basicConstraints');
  // §4.2.1.10: nameConstraints MUST be critical, and only in CA certificates.
  const ncExt = ext(OID.nameConstraints);
  if (ncExt !== undefined && isLeaf && path.length > 1) return E(ErrorCode.CERT_REJECTED, 'is an end-entity certificate with nameConstraints (RFC 5280 §4.2.1.10: CA certificates only)', 'nameConstraints');
  if (ncExt !== undefined && !ncExt.critical) return E(ErrorCode.CERT_REJECTED, 'has non-critical nameConstraints (RFC 5280 §4.2.1.10: MUST be critical)', 'nameConstraints');
  // §4.2.1.11 / §4.2.1.5 / §4.2.1.14: policyConstraints and inhibitAnyPolicy MUST be critical; policyMappings SHOULD.
  const pcExt = ext(OID.policyConstraints);
  if (pcExt !== undefined && !pcExt.critical) return E(ErrorCode.CERT_REJECTED, 'has non-critical policyConstraints (RFC 5280 §4.2.1.11: MUST be critical)', 'policyConstraints');
  const iaExt = ext(OID.inhibitAnyPolicy);
  if (iaExt !== undefined && !iaExt.critical) return E(ErrorCode.CERT_REJECTED, 'has non-critical inhibitAnyPolicy (RFC 5280 §4.2.1.14: MUST be critical)', 'inhibitAnyPolicy');
  // §4.2.1.6: an empty subject requires a critical subjectAltName.
  if (c.subject.rdns.length === 0) {
    const san = ext(OID.subjectAltName);
    if (san === undefined || !san.critical) return E(ErrorCode.CERT_REJECTED, 'has an empty subject and no critical subjectAltName (RFC 5280 §4.2.1.6)', 'subjectAltName');
  }
  // §4.2.1.12 / CA/B BR §7.1.2.3: an end-entity EKU may be non-critical or critical; an empty one is a parse error.
  // §4.2.2.1: authorityInfoAccess MUST be non-critical.
  const aiaExt = ext(OID.authorityInfoAccess);
  if (aiaExt?.critical === true) return E(ErrorCode.CERT_REJECTED, 'marks authorityInfoAccess critical (RFC 5280 §4.2.2.1: MUST be non-critical)', 'authorityInfoAccess');
  return undefined;
}

/**
 * The trust anchor's own certificate (RFC 5280 §4.2.1.1, §4.2.1.2, §4.2.1.9, §4.2.1.10 and CA/B
 * Forum BR §7.1.2.1 for root CAs): a v3 anchor must be a well-formed CA certificate. v1/v2
 * anchors (no extensions) are taken as plain name + key inputs (RFC 5280 §6.1.1 (d)).
 */
function anchorProfileCheck(c: Certificate, i: number): CertificateError | undefined {
  if (c.version < 3) return undefined;
  const name = who(c, i);
  const E = (code: ErrorCode, message: string, field: string): CertificateError =>
    new CertificateError(code, 'profile', `${name} (the trust anchor) ${message}`, { index: i, subject: displayName(c), field });
  const unknown = unprocessedCriticalExtensions(c);
  if (unknown.length > 0) {
    return new CertificateError(ErrorCode.UNHANDLED_CRITICAL_EXTENSION, 'criticalExtensions', `${name} (the trust anchor) has critical extension(s) this verifier does not support: ${unknown.map(oidName).join(', ')}`, {
      index: i,
      subject: displayName(c),
      field: 'extensions',
    });
  }
  // §4.1.2.6: a CA's subject MUST be a non-empty distinguished name.
  if (c.subject.rdns.length === 0) return E(ErrorCode.INVALID_CA, 'has an empty subject (RFC 5280 §4.1.2.6: a CA subject MUST be non-empty)', 'subject');
  // §4.2.1.9: basicConstraints MUST be present and critical in CA certificates.
  const bcExt = findExtension(c, OID.basicConstraints);
  if (bcExt === undefined) return E(ErrorCode.INVALID_CA, 'has no basicConstraints (RFC 5280 §4.2.1.9: MUST be present in CA certificates)', 'basicConstraints');
  if (!bcExt.critical) return E(ErrorCode.INVALID_CA, 'is a CA certificate whose basicConstraints is not critical (RFC 5280 §4.2.1.9)', 'basicConstraints');
  // §4.2.1.2: subjectKeyIdentifier MUST appear in CA certificates, non-critical.
  const ski = findExtension(c, OID.subjectKeyIdentifier);
  if (ski === undefined) return E(ErrorCode.CERT_REJECTED, 'has no subjectKeyIdentifier (RFC 5280 §4.2.1.2: MUST appear in CA certificates)', 'subjectKeyIdentifier');
  if (ski.critical) return E(ErrorCode.CERT_REJECTED, 'marks subjectKeyIdentifier critical (RFC 5280 §4.2.1.2: MUST be non-critical)', 'subjectKeyIdentifier');
  // §4.2.1.1: authorityKeyIdentifier non-critical; optional only in self-signed certificates.
  const akiExt = findExtension(c, OID.authorityKeyIdentifier);
  const aki = c.authorityKeyIdentifier;
  if (akiExt?.critical === true) return E(ErrorCode.CERT_REJECTED, 'marks authorityKeyIdentifier critical (RFC 5280 §4.2.1.1: MUST be non-critical)', 'authorityKeyIdentifier');
  if (!c.selfIssued && aki?.keyIdentifier === undefined) {
    return E(ErrorCode.CERT_REJECTED, 'is not self-issued and has no authorityKeyIdentifier keyIdentifier (RFC 5280 §4.2.1.1)', 'authorityKeyIdentifier');
  }
  if (c.selfIssued && aki !== undefined) {
    // CA/B BR §7.1.2.1.3: a root's AKI has keyIdentifier equal to its SKI, and nothing else.
    if (aki.keyIdentifier === undefined) return E(ErrorCode.CERT_REJECTED, 'has an authorityKeyIdentifier without keyIdentifier (CA/B BR §7.1.2.1.3)', 'authorityKeyIdentifier');
    if (aki.authorityCertIssuer !== undefined || aki.authorityCertSerialNumber !== undefined) {
      return E(ErrorCode.CERT_REJECTED, 'has authorityCertIssuer/authorityCertSerialNumber in its authorityKeyIdentifier (CA/B BR §7.1.2.1.3: MUST NOT be present)', 'authorityKeyIdentifier');
    }
    if (c.subjectKeyIdentifier !== undefined && !equalBytes(aki.keyIdentifier, c.subjectKeyIdentifier)) {
      return E(ErrorCode.CERT_REJECTED, 'is self-issued and its authorityKeyIdentifier differs from its subjectKeyIdentifier (CA/B BR §7.1.2.1.3)', 'authorityKeyIdentifier');
    }
  }
  // §4.2.1.10: nameConstraints MUST be critical.
  if (findExtension(c, OID.nameConstraints)?.critical === false) return E(ErrorCode.CERT_REJECTED, 'has non-critical nameConstraints (RFC 5280 §4.2.1.10: MUST be critical)', 'nameConstraints');
  // CA/B BR §7.1.2.1.2: a root CA certificate MUST NOT carry extKeyUsage.
  if (c.selfIssued && c.extKeyUsage !== undefined) return E(ErrorCode.INVALID_PURPOSE, 'is a root CA certificate with extKeyUsage (CA/B BR §7.1.2.1.2: MUST NOT be present)', 'extKeyUsage');
  return undefined;
}

/** extKeyUsage values a TLS server certificate MUST NOT carry (CA/B BR §7.1.2.7.10). */
const FORBIDDEN_SERVER_EKUS: ReadonlySet<string> = new Set([OID.anyExtendedKeyUsage, '1.3.6.1.4.1.11129.2.4.4', OID.codeSigning, OID.emailProtection, OID.timeStamping, OID.OCSPSigning]);

/**
 * CA/B Forum Baseline Requirements for a TLS server (subscriber) certificate, beyond RFC 5280:
 * v3 (§7.1.1), extKeyUsage non-critical and without the purposes of §7.1.2.7.10, a
 * subjectAltName critical only with an empty subject (§7.1.2.7.12), DNS names in A-label form
 * (RFC 5280 §4.2.1.6, §7.2), and (with `checkCommonName`) a Common Name that is one of the
 * subjectAltName values, character for character (§7.1.4.3).
 */
function serverLeafCheck(c: Certificate, issued: boolean, checkCommonName: boolean): CertificateError | undefined {
  const name = who(c, 0);
  const E = (code: ErrorCode, check: CheckName, message: string, field: string): CertificateError =>
    new CertificateError(code, check, `${name} ${message}`, { index: 0, subject: displayName(c), field });
  if (!issued) return undefined; // a leaf that is itself the trust anchor: its owner vouches for it
  if (c.version !== 3) return E(ErrorCode.CERT_REJECTED, 'profile', `is a v${c.version} certificate (CA/B BR §7.1.1: v3 only)`, 'version');
  const ekuExt = findExtension(c, OID.extKeyUsage);
  if (ekuExt?.critical === true) return E(ErrorCode.INVALID_PURPOSE, 'extKeyUsage', 'marks extKeyUsage critical (CA/B BR §7.1.2.7.6: MUST NOT be critical)', 'extKeyUsage');
  const bad = (c.extKeyUsage ?? []).filter((p) => FORBIDDEN_SERVER_EKUS.has(p));
  if (bad.length > 0) {
    return E(ErrorCode.INVALID_PURPOSE, 'extKeyUsage', `is a TLS server certificate whose extKeyUsage includes ${bad.map(oidName).join(', ')} (CA/B BR §7.1.2.7.10: MUST NOT be present)`, 'extKeyUsage');
  }
  const sanExt = findExtension(c, OID.subjectAltName);
  if (sanExt?.critical === true && c.subject.rdns.length > 0) {
    return E(ErrorCode.CERT_REJECTED, 'profile', 'marks subjectAltName critical although its subject is not empty (CA/B BR §7.1.2.7.12)', 'subjectAltName');
  }
  const san = c.subjectAltName;
  for (const d of san?.dnsNames ?? []) {
    if (!/^[\x21-\x7e]+$/.test(d)) return E(ErrorCode.CERT_REJECTED, 'profile', `has a dNSName that is not ASCII (${JSON.stringify(d)}; RFC 5280 §7.2: A-labels only)`, 'subjectAltName');
  }
  if (san !== undefined && checkCommonName) {
    for (const a of c.subject.attributes) {
      if (a.oid !== '2.5.4.3') continue;
      const cn = a.value;
      const ip = parseIp(cn);
      const matches = ip !== undefined ? formatIp(ip) === cn && san.ipAddressBytes.some((b) => equalBytes(b, ip)) : san.dnsNames.includes(cn);
      if (!matches) {
        return E(ErrorCode.CERT_REJECTED, 'profile', `has the Common Name ${JSON.stringify(cn)}, which is not one of its subjectAltName values written the same way (CA/B BR §7.1.4.3)`, 'subject.commonName');
      }
    }
  }
  return undefined;
}

/** The validity field encoded as GeneralizedTime although its year is before 2050, if any. */
function generalizedTimeBefore2050(c: Certificate): 'notBefore' | 'notAfter' | undefined {
  const tbs = new DerReader(c.tbsRaw, 'tbsCertificate').sequence('tbsCertificate');
  if (tbs.peekTag() === 0xa0) tbs.next('tbsCertificate.version');
  tbs.next('tbsCertificate.serialNumber');
  tbs.next('tbsCertificate.signature');
  tbs.next('tbsCertificate.issuer');
  const validity = tbs.sequence('tbsCertificate.validity');
  for (const [name, date] of [['notBefore', c.notBefore], ['notAfter', c.notAfter]] as const) {
    const t = validity.next(`tbsCertificate.validity.${name}`);
    const y = date.getUTCFullYear();
    if (t.tag === 0x18 && y >= 1950 && y < 2050) return name;
  }
  return undefined;
}

/** "its issuer is CN=... (AIA: http://...)" for "no path" messages. */
export function issuerHint(cert: Certificate): string {
  let aia: string[];
  try {
    aia = [...(authorityInfoAccess(cert)?.caIssuers ?? [])];
  } catch {
    aia = [];
  }
  return `its issuer is ${cert.issuer.text || 'an empty name'}${aia.length > 0 ? ` (AIA: ${aia.join(', ')})` : ''}`;
}

export { DAY_MS, isoSeconds };
