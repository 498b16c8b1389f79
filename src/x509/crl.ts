/**
 * Certificate revocation lists (RFC 5280 §5): a strict parser, the signature check against the
 * CRL's issuer, and the status of a certificate per §6.3.3 from a complete CRL — issued by the
 * certificate's issuer, or an indirect CRL from the CRL issuer its distribution point names
 * (§5.2.5, §5.3.3; the caller validates that issuer's path) — and, when one is at hand, a delta
 * CRL on top of it (§5.2.4). CRLs are supplied by the caller, or fetched from distribution points
 * (and a certificate's or CRL's freshestCRL points) when the caller allows it (crl-fetch.ts).
 */
import type { CryptoProvider } from '../crypto/provider.js';
import { ErrorCode } from '../errors.js';
import { equalBytes, toHex } from '../wire/bytes.js';
import { workCounters } from '../wire/work.js';
import { algorithmIdentifier, parseDistinguishedName, type AlgorithmIdentifier, type Certificate, type DistinguishedName, type Extension } from './certificate.js';
import { DerReader, Tag, badCert, checkInteger, contextTag, smallIntegerValue } from './der.js';
import { EXT_OID, crlDistributionUris, crlIssuerNames, distributionPointUris, parseDistributionPointName, parseExtensions, parseGeneralNames, type GeneralName } from './ext.js';
import { OID } from './oids.js';
import { signatureSchemeFor } from './signature.js';
import { CertificateError, displayName, isoSeconds, who } from './validate.js';

/** CRLReason (RFC 5280 §5.3.1). */
export const CRL_REASONS: readonly string[] = [
  'unspecified',
  'keyCompromise',
  'cACompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'certificateHold',
  '(unused 7)',
  'removeFromCRL',
  'privilegeWithdrawn',
  'aACompromise',
];

export interface RevokedCertificate {
  /** The INTEGER contents octets of userCertificate. */
  readonly serialRaw: Uint8Array;
  readonly revocationDate: Date;
  /** CRLReason name, when the entry carries a reasonCode. */
  readonly reason: string | undefined;
  readonly invalidityDate: Date | undefined;
  /**
   * The DER Name of the issuer of the revoked certificate when an indirect CRL's entry (or an
   * earlier one) names it with certificateIssuer (§5.3.3); undefined: the CRL's own issuer.
   */
  readonly certificateIssuer: Uint8Array | undefined;
}

export interface IssuingDistributionPoint {
  readonly fullName: readonly GeneralName[] | undefined;
  readonly onlyContainsUserCerts: boolean;
  readonly onlyContainsCACerts: boolean;
  readonly onlySomeReasons: boolean;
  readonly indirectCRL: boolean;
  readonly onlyContainsAttributeCerts: boolean;
}

export interface Crl {
  readonly raw: Uint8Array;
  readonly tbsRaw: Uint8Array;
  readonly signatureAlgorithm: AlgorithmIdentifier;
  readonly signature: Uint8Array;
  readonly issuer: DistinguishedName;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date | undefined;
  readonly revoked: readonly RevokedCertificate[];
  readonly extensions: readonly Extension[];
  readonly crlNumber: Uint8Array | undefined;
  readonly isDelta: boolean;
  /** A delta CRL's BaseCRLNumber (§5.2.4): the oldest complete CRL it can be combined with. */
  readonly baseCrlNumber: Uint8Array | undefined;
  readonly issuingDistributionPoint: IssuingDistributionPoint | undefined;
  /** The issuingDistributionPoint extension's bytes: a delta CRL's scope must be its base's (§5.2.4). */
  readonly issuingDistributionPointRaw: Uint8Array | undefined;
  /** URIs of the freshestCRL extension (§5.2.6): where the delta CRLs for this complete CRL are. */
  readonly freshestCrlUris: readonly string[];
  /** The authorityKeyIdentifier keyIdentifier, when present (selects the CA key). */
  readonly authorityKeyId: Uint8Array | undefined;
}

/** Largest CRL accepted (public CA CRLs are sharded and stay well below this). */
export const MAX_CRL_SIZE = 16 * 1024 * 1024;

const CRL_EXTENSIONS_HANDLED: ReadonlySet<string> = new Set([OID.authorityKeyIdentifier, EXT_OID.cRLNumber, EXT_OID.deltaCRLIndicator, EXT_OID.issuingDistributionPoint, OID.issuerAltName, EXT_OID.freshestCRL]);
const ENTRY_EXTENSIONS_HANDLED: ReadonlySet<string> = new Set([EXT_OID.cRLReason, EXT_OID.invalidityDate, EXT_OID.certificateIssuer]);

/** Parses a DER CertificateList (RFC 5280 §5.1). Throws a TlsError naming the field. */
export function parseCrl(der: Uint8Array): Crl {
  if (der.length > MAX_CRL_SIZE) throw badCert(`${der.length} bytes exceeds ${MAX_CRL_SIZE}`, 'CertificateList');
  const top = new DerReader(der, 'CertificateList');
  const listTlv = top.expect(Tag.SEQUENCE, 'CertificateList');
  top.end();
  const list = top.childOf(listTlv, 'CertificateList');
  const tbsTlv = list.expect(Tag.SEQUENCE, 'tbsCertList');
  const signatureAlgorithm = algorithmIdentifier(list, 'CertificateList.signatureAlgorithm');
  const sig = list.bitString('CertificateList.signatureValue');
  if (sig.unusedBits !== 0) throw badCert('unused bits', 'CertificateList.signatureValue');
  list.end();
  const tbs = list.childOf(tbsTlv, 'tbsCertList');
  // §5.1.2.1: version v2 when extensions are present; absent means v1.
  let version = 1;
  if (tbs.peekTag() === Tag.INTEGER) {
    version = tbs.smallInteger('tbsCertList.version', 1) + 1;
    if (version !== 2) throw badCert('only v2 may be encoded (v1 is the absent default)', 'tbsCertList.version');
  }
  const inner = algorithmIdentifier(tbs, 'tbsCertList.signature');
  // §5.1.1.2: signatureAlgorithm MUST equal tbsCertList.signature.
  if (!equalBytes(inner.raw, signatureAlgorithm.raw)) throw badCert('differs from tbsCertList.signature', 'CertificateList.signatureAlgorithm');
  const issuerTlv = tbs.expect(Tag.SEQUENCE, 'tbsCertList.issuer');
  const issuer = parseDistinguishedName(issuerTlv.raw, 'tbsCertList.issuer');
  const thisUpdate = tbs.time('tbsCertList.thisUpdate');
  let nextUpdate: Date | undefined;
  if (tbs.peekTag() === Tag.UTCTime || tbs.peekTag() === Tag.GeneralizedTime) nextUpdate = tbs.time('tbsCertList.nextUpdate');
  const revoked: RevokedCertificate[] = [];
  const seen = new Set<string>();
  // §5.3.3: certificateIssuer applies to its entry and the following ones, until the next
  let certificateIssuer: Uint8Array | undefined;
  if (tbs.peekTag() === Tag.SEQUENCE) {
    const rl = tbs.sequence('tbsCertList.revokedCertificates');
    while (!rl.atEnd) {
      const e = rl.sequence('revokedCertificates.entry');
      const serialRaw = e.integerBytes('revokedCertificates.userCertificate');
      const revocationDate = e.time('revokedCertificates.revocationDate');
      let reason: string | undefined;
      let invalidityDate: Date | undefined;
      if (!e.atEnd) {
        if (version !== 2) throw badCert('entry extensions in a v1 CRL', 'revokedCertificates.crlEntryExtensions');
        for (const x of parseExtensions(e, 'crlEntryExtensions')) {
          if (x.oid === EXT_OID.cRLReason) {
            // §5.3.1: CRLReason ::= ENUMERATED
            const r = new DerReader(x.value, 'reasonCode');
            const v = smallIntegerValue(checkInteger(r.expect(0x0a, 'reasonCode').value, 'reasonCode'), 'reasonCode', 10);
            r.end();
            if (v === 7) throw badCert('value 7 is not used', 'reasonCode');
            reason = CRL_REASONS[v];
          } else if (x.oid === EXT_OID.invalidityDate) {
            const r = new DerReader(x.value, 'invalidityDate');
            invalidityDate = r.time('invalidityDate');
            r.end();
          } else if (x.oid === EXT_OID.certificateIssuer) {
            // §5.3.3: MUST be critical; the DN of the certificate issuer (a directoryName)
            if (!x.critical) throw badCert('must be critical', 'certificateIssuer');
            const dn = parseGeneralNames(x.value, 'certificateIssuer').find((g) => g.type === 'directory');
            if (dn === undefined) throw badCert('names no directoryName', 'certificateIssuer');
            certificateIssuer = dn.name.raw;
          } else if (x.critical && !ENTRY_EXTENSIONS_HANDLED.has(x.oid)) {
            // §5.3: an unrecognised critical entry extension makes the CRL unusable.
            throw badCert(`unsupported critical entry extension ${x.oid}`, 'crlEntryExtensions');
          }
        }
      }
      e.end();
      // A serial listed twice for one issuer is ambiguous (which entry's reason and date hold?): refuse the CRL.
      const key = certificateIssuer === undefined ? toHex(serialRaw) : `${toHex(certificateIssuer)}:${toHex(serialRaw)}`;
      workCounters.duplicateProbes++;
      if (seen.has(key)) throw badCert('a serial number is listed twice', 'revokedCertificates.userCertificate');
      seen.add(key);
      revoked.push({ serialRaw, revocationDate, reason, invalidityDate, certificateIssuer });
    }
  }
  let extensions: Extension[] = [];
  const extTlv = tbs.optional(contextTag(0, true), 'tbsCertList.crlExtensions');
  if (extTlv !== undefined) {
    if (version !== 2) throw badCert('crlExtensions in a v1 CRL', 'tbsCertList.crlExtensions');
    const w = tbs.childOf(extTlv, 'tbsCertList.crlExtensions');
    extensions = parseExtensions(w, 'crlExtensions');
    w.end();
  }
  tbs.end();
  let crlNumber: Uint8Array | undefined;
  let baseCrlNumber: Uint8Array | undefined;
  let idp: IssuingDistributionPoint | undefined;
  let idpRaw: Uint8Array | undefined;
  let freshestCrlUris: string[] = [];
  let authorityKeyId: Uint8Array | undefined;
  for (const x of extensions) {
    if (x.oid === EXT_OID.cRLNumber) {
      crlNumber = crlNumberValue(x.value, 'cRLNumber');
    } else if (x.oid === EXT_OID.deltaCRLIndicator) {
      // §5.2.4: BaseCRLNumber ::= CRLNumber; the extension MUST be critical.
      if (!x.critical) throw badCert('must be critical', 'deltaCRLIndicator');
      baseCrlNumber = crlNumberValue(x.value, 'deltaCRLIndicator');
    } else if (x.oid === EXT_OID.issuingDistributionPoint) {
      idp = parseIdp(x.value);
      idpRaw = x.value;
    } else if (x.oid === EXT_OID.freshestCRL) {
      // §5.2.6: same syntax as cRLDistributionPoints; MUST be non-critical.
      if (x.critical) throw badCert('must be non-critical', 'freshestCRL');
      freshestCrlUris = distributionPointUris(x.value);
    } else if (x.oid === OID.authorityKeyIdentifier) {
      const s = new DerReader(x.value, 'authorityKeyIdentifier').sequence('authorityKeyIdentifier');
      authorityKeyId = s.optional(contextTag(0, false), 'authorityKeyIdentifier.keyIdentifier')?.value;
    } else if (x.critical && !CRL_EXTENSIONS_HANDLED.has(x.oid)) {
      // §5.2: a CRL with an unrecognised critical extension MUST NOT be used.
      throw badCert(`unsupported critical CRL extension ${x.oid}`, 'crlExtensions');
    }
  }
  // §5.3.3: certificateIssuer belongs in indirect CRLs only
  if (revoked.some((r) => r.certificateIssuer !== undefined) && idp?.indirectCRL !== true) {
    throw badCert('certificateIssuer entries in a CRL that is not indirect (issuingDistributionPoint.indirectCRL)', 'crlEntryExtensions');
  }
  return {
    raw: listTlv.raw,
    tbsRaw: tbsTlv.raw,
    signatureAlgorithm,
    signature: sig.bytes,
    issuer,
    thisUpdate,
    nextUpdate,
    revoked,
    extensions,
    crlNumber,
    isDelta: baseCrlNumber !== undefined,
    baseCrlNumber,
    issuingDistributionPoint: idp,
    issuingDistributionPointRaw: idpRaw,
    freshestCrlUris,
    authorityKeyId,
  };
}

/** §5.2.3: CRLNumber ::= INTEGER (0..MAX), at most 20 octets. */
function crlNumberValue(der: Uint8Array, field: string): Uint8Array {
  const r = new DerReader(der, field);
  const n = r.integerBytes(field);
  r.end();
  if ((n[0] ?? 0) & 0x80) throw badCert('negative', field);
  if (n.length > 21 || (n.length === 21 && n[0] !== 0)) throw badCert('longer than 20 octets', field);
  return n;
}

/** Compares two non-negative DER INTEGER contents: <0, 0, >0. */
export function compareCrlNumbers(a: Uint8Array, b: Uint8Array): number {
  let i = 0;
  let j = 0;
  while (i < a.length - 1 && a[i] === 0) i++;
  while (j < b.length - 1 && b[j] === 0) j++;
  const la = a.length - i;
  const lb = b.length - j;
  if (la !== lb) return la - lb;
  for (; i < a.length; i++, j++) if (a[i] !== b[j]) return (a[i] as number) - (b[j] as number);
  return 0;
}

/** §5.2.5 IssuingDistributionPoint. */
function parseIdp(der: Uint8Array): IssuingDistributionPoint {
  const f = 'issuingDistributionPoint';
  const top = new DerReader(der, f);
  const s = top.sequence(f);
  top.end();
  const dp = s.optional(contextTag(0, true), `${f}.distributionPoint`);
  const fullName = dp === undefined ? undefined : parseDistributionPointName(dp, s, `${f}.distributionPoint`).fullName;
  const flag = (n: number, name: string): boolean => {
    const t = s.optional(contextTag(n, false), `${f}.${name}`);
    if (t === undefined) return false;
    // BOOLEAN DEFAULT FALSE: only TRUE (0xFF) may be encoded in DER.
    if (t.value.length !== 1 || t.value[0] !== 0xff) throw badCert('must be TRUE when present', `${f}.${name}`);
    return true;
  };
  const onlyContainsUserCerts = flag(1, 'onlyContainsUserCerts');
  const onlyContainsCACerts = flag(2, 'onlyContainsCACerts');
  const onlySomeReasons = s.optional(contextTag(3, false), `${f}.onlySomeReasons`) !== undefined;
  const indirectCRL = flag(4, 'indirectCRL');
  const onlyContainsAttributeCerts = flag(5, 'onlyContainsAttributeCerts');
  s.end();
  // §5.2.5: at most one of the onlyContains* flags.
  if (+onlyContainsUserCerts + +onlyContainsCACerts + +onlyContainsAttributeCerts > 1) throw badCert('more than one onlyContains flag', f);
  return { fullName, onlyContainsUserCerts, onlyContainsCACerts, onlySomeReasons, indirectCRL, onlyContainsAttributeCerts };
}

/** Whether the CRL's signature verifies with the issuer certificate's key. */
export function verifyCrlSignature(provider: CryptoProvider, crl: Crl, issuer: Certificate): boolean {
  const key = provider.importPublicKey(issuer.subjectPublicKeyInfo);
  const scheme = signatureSchemeFor(crl.signatureAlgorithm, key.info);
  return provider.verify(scheme, key, crl.tbsRaw, crl.signature);
}

export type RevocationStatus =
  | { readonly status: 'good'; readonly source: string }
  | { readonly status: 'revoked'; readonly source: string; readonly reason: string | undefined; readonly revocationDate: Date }
  | { readonly status: 'unknown'; readonly source: string };

export interface CrlCheckOptions {
  readonly time: Date;
  /** Allowance for clock differences around thisUpdate/nextUpdate (default 5 minutes). */
  readonly clockSkewMs?: number;
}

/**
 * Whether `crl` is in scope for `cert` issued by `issuer` (§6.3.3 (a)(b)), and how: 'direct', a
 * CRL from the certificate's own issuer (and key); 'indirect', a CRL from the CRL issuer that the
 * certificate's distribution point names (cRLIssuer, §4.2.1.13) with indirectCRL asserted
 * (§5.2.5) — its signer's path must be validated by the caller (§6.3.3 (f)); undefined: not in
 * scope (another issuer, a delta CRL, a scope the IDP excludes).
 */
export function crlScope(crl: Crl, cert: Certificate, issuer: Certificate): 'direct' | 'indirect' | undefined {
  if (crl.isDelta) return undefined;
  const idp = crl.issuingDistributionPoint;
  if (idp?.onlyContainsAttributeCerts === true) return undefined;
  if (idp !== undefined) {
    const isCa = cert.basicConstraints?.ca === true;
    // §6.3.3 (b)(2)(ii)(iii)
    if (idp.onlyContainsUserCerts && isCa) return undefined;
    if (idp.onlyContainsCACerts && !isCa) return undefined;
    // §6.3.3 (b)(2)(i): when both name their distribution point, the names must meet.
    if (idp.fullName !== undefined) {
      let uris: string[];
      try {
        uris = crlDistributionUris(cert);
      } catch {
        return undefined;
      }
      const idpUris = idp.fullName.filter((g) => g.type === 'uri').map((g) => g.value);
      if (uris.length > 0 && idpUris.length > 0 && !uris.some((u) => idpUris.includes(u))) return undefined;
    }
  }
  if (equalBytes(crl.issuer.raw, cert.issuer.raw)) {
    if (!equalBytes(crl.issuer.raw, issuer.subject.raw)) return undefined;
    if (crl.authorityKeyId !== undefined && issuer.subjectKeyIdentifier !== undefined && !equalBytes(crl.authorityKeyId, issuer.subjectKeyIdentifier)) return undefined;
    return 'direct';
  }
  // §6.3.3 (b)(1): another issuer's CRL only when the distribution point names it as cRLIssuer
  // and the CRL is indirect
  if (idp?.indirectCRL !== true) return undefined;
  let names: Uint8Array[];
  try {
    names = crlIssuerNames(cert);
  } catch {
    return undefined;
  }
  return names.some((n) => equalBytes(n, crl.issuer.raw)) ? 'indirect' : undefined;
}

/**
 * Whether `crl`, signed by `issuer` (the CRL issuer's certificate), can be relied on for `cert`
 * (at `index`): the issuer's cRLSign (§6.3.3 (f)), the signature (§6.3.3 (g)) and freshness
 * (§6.3.3 (a)(2)). Returns the error, or undefined when it can.
 */
function crlUnusable(provider: CryptoProvider, crl: Crl, cert: Certificate, index: number, issuer: Certificate, o: CrlCheckOptions, src: string): CertificateError | undefined {
  const skew = o.clockSkewMs ?? 5 * 60_000;
  const t = o.time.getTime();
  const where = { index, subject: displayName(cert) };
  if (issuer.keyUsage !== undefined && !issuer.keyUsage.cRLSign) {
    return new CertificateError(ErrorCode.CRL_SIGNATURE_FAILURE, 'revocation', `the ${src} for ${who(cert, index)} is signed by ${displayName(issuer)}, whose keyUsage lacks cRLSign`, { ...where, field: 'keyUsage' });
  }
  let good: boolean;
  try {
    good = verifyCrlSignature(provider, crl, issuer);
  } catch (e) {
    return new CertificateError(ErrorCode.CRL_SIGNATURE_FAILURE, 'revocation', `cannot check the signature of the ${src}: ${e instanceof Error ? e.message : String(e)}`, { ...where, cause: e });
  }
  if (!good) return new CertificateError(ErrorCode.CRL_SIGNATURE_FAILURE, 'revocation', `the signature of the ${src} does not verify with the issuer's key — the CRL is corrupt or forged`, where);
  if (crl.thisUpdate.getTime() > t + skew) {
    return new CertificateError(ErrorCode.CRL_NOT_YET_VALID, 'revocation', `the ${src} is not valid yet at the validation time — check the clock`, { ...where, field: 'thisUpdate' });
  }
  // §5.1.2.5: conforming CAs include nextUpdate; without it the CRL's freshness cannot be judged.
  if (crl.nextUpdate === undefined) {
    return new CertificateError(ErrorCode.CRL_HAS_EXPIRED, 'revocation', `the ${src} has no nextUpdate, so its freshness cannot be judged`, { ...where, field: 'nextUpdate' });
  }
  if (crl.nextUpdate.getTime() + skew < t) {
    return new CertificateError(
      ErrorCode.CRL_HAS_EXPIRED,
      'revocation',
      `the ${src} is stale: its nextUpdate was ${isoSeconds(crl.nextUpdate)} — fetch a current CRL`,
      { ...where, field: 'nextUpdate' },
    );
  }
  return undefined;
}

/** The entry for `cert` in `crl`, if it lists it: its serial number, from its issuer (§5.3.3: the entry's certificateIssuer, else the CRL's). */
function entryFor(crl: Crl, cert: Certificate): RevokedCertificate | undefined {
  for (const r of crl.revoked) {
    workCounters.crlEntriesScanned++;
    if (equalBytes(r.serialRaw, cert.serialRaw) && equalBytes(r.certificateIssuer ?? crl.issuer.raw, cert.issuer.raw)) return r;
  }
  return undefined;
}

/**
 * The status of `cert` (at `index` in the path) from a complete CRL issued by `issuer` (the
 * certificate's issuer, or for an indirect CRL the validated CRL issuer, crlScope), and from
 * `delta`, a delta CRL for it (deltaCrlFor), when given: both must be usable (crlUnusable), then
 * §6.3.3 (i)–(k): an entry on the delta CRL decides (removeFromCRL: not revoked, e.g. a
 * certificateHold released since the complete CRL); otherwise the complete CRL's entry does.
 * Returns an error for a CRL that cannot be relied on.
 */
export function checkCrl(
  provider: CryptoProvider,
  crl: Crl,
  cert: Certificate,
  index: number,
  issuer: Certificate,
  o: CrlCheckOptions,
  delta?: Crl,
): RevocationStatus | CertificateError {
  const baseSrc = `CRL from ${displayName(issuer)} (thisUpdate ${isoSeconds(crl.thisUpdate)})`;
  const unusable = crlUnusable(provider, crl, cert, index, issuer, o, baseSrc);
  if (unusable !== undefined) return unusable;
  let src = baseSrc;
  if (delta !== undefined) {
    const deltaSrc = `delta CRL from ${displayName(issuer)} (thisUpdate ${isoSeconds(delta.thisUpdate)})`;
    const bad = crlUnusable(provider, delta, cert, index, issuer, o, deltaSrc);
    if (bad !== undefined) return bad;
    src = `${baseSrc} with its ${deltaSrc}`;
    // §6.3.3 (i): the delta CRL first; (k): removeFromCRL means not revoked.
    const d = entryFor(delta, cert);
    if (d !== undefined) {
      if (d.reason !== 'removeFromCRL') return { status: 'revoked', source: src, reason: d.reason, revocationDate: d.revocationDate };
      return { status: 'good', source: src };
    }
  }
  // §6.3.3 (j): the complete CRL (a removeFromCRL entry belongs in delta CRLs: it revokes nothing).
  const r = entryFor(crl, cert);
  if (r !== undefined && r.reason !== 'removeFromCRL') return { status: 'revoked', source: src, reason: r.reason, revocationDate: r.revocationDate };
  // A CRL restricted to some reasons cannot say "good" on its own (§6.3.3 (d)).
  if (crl.issuingDistributionPoint?.onlySomeReasons === true) return { status: 'unknown', source: src };
  return { status: 'good', source: src };
}

/**
 * The delta CRL to combine with the complete CRL `base` (§5.2.4), among `candidates`: one from
 * the same issuer and key, with the same scope (issuingDistributionPoint), whose BaseCRLNumber is
 * at most `base`'s cRLNumber and whose own cRLNumber is greater (it is newer); the newest such.
 */
export function deltaCrlFor(candidates: readonly Crl[], base: Crl): Crl | undefined {
  const baseNumber = base.crlNumber;
  if (baseNumber === undefined || base.isDelta) return undefined;
  let best: Crl | undefined;
  for (const d of candidates) {
    if (!d.isDelta || d.baseCrlNumber === undefined || d.crlNumber === undefined) continue;
    if (!equalBytes(d.issuer.raw, base.issuer.raw)) continue;
    if (d.authorityKeyId !== undefined && base.authorityKeyId !== undefined && !equalBytes(d.authorityKeyId, base.authorityKeyId)) continue;
    const a = d.issuingDistributionPointRaw;
    const b = base.issuingDistributionPointRaw;
    if ((a === undefined) !== (b === undefined) || (a !== undefined && b !== undefined && !equalBytes(a, b))) continue;
    if (compareCrlNumbers(d.baseCrlNumber, baseNumber) > 0) continue;
    if (compareCrlNumbers(d.crlNumber, baseNumber) <= 0) continue;
    if (best?.crlNumber === undefined || compareCrlNumbers(d.crlNumber, best.crlNumber) > 0) best = d;
  }
  return best;
}
