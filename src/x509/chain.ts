/**
 * Path building with backtracking (RFC 4158 ideas: prefer anchors, match names and key
 * identifiers, bounded work) and, for each complete candidate path, RFC 5280 validation
 * (`validate.ts`), revocation (`crl.ts`, `ocsp.ts`) and Certificate Transparency (`ct.ts`). The
 * first path that passes everything wins; otherwise the most informative failure is reported.
 * Used through `verifyCertificateChain` (path.ts), which the handshake's default verifier (verify.ts) calls.
 */
import type { CryptoProvider, PublicKey } from '../crypto/provider.js';
import { ErrorCode, TlsError } from '../errors.js';
import { equalBytes } from '../wire/bytes.js';
import { workCounters } from '../wire/work.js';
import type { Certificate, DistinguishedName } from './certificate.js';
import { checkCrl, crlScope, deltaCrlFor, type Crl, type RevocationStatus } from './crl.js';
import { checkCtPolicy, embeddedScts, ocspScts, parseSctList, verifyScts, type CtLog, type CtPolicy, type Sct, type SctVerification } from './ct.js';
import { crlDistributionUris, requiresStapling } from './ext.js';
import { checkOcsp, type BasicOcspResponse } from './ocsp.js';
import { OID, OID_NAMES } from './oids.js';
import { verifyCertificateSignature } from './signature.js';
import { CertificateError, checkIdentity, displayName, issuerHint, validatePath, who, type CheckResult, type IdentityOptions, type PathValidationOptions } from './validate.js';

/** What the builder needs of a set of trust anchors (`TrustStore` in trust-store.ts fits). */
export interface AnchorSource {
  bySubject(name: DistinguishedName): Certificate[];
  isAnchor(cert: Certificate): boolean;
  publicKey(cert: Certificate): PublicKey;
}

export type RevocationMode = 'none' | 'soft' | 'hard';

export interface RevocationOptions {
  readonly crls?: readonly Crl[];
  readonly ocspResponses?: readonly BasicOcspResponse[];
  /**
   * 'soft' (default): a revoked certificate fails, and so does a supplied CRL/OCSP response for
   * it that cannot be relied on (bad signature, stale); no status at all is accepted.
   * 'hard': every certificate below the anchor must have a good status. 'none': skip.
   */
  readonly revocation?: RevocationMode;
  /** Which certificates need a status under 'hard' (default 'chain'). */
  readonly revocationScope?: 'leaf' | 'chain';
  readonly clockSkewMs?: number;
  /** Fail when the leaf has the must-staple TLS feature (RFC 7633) and no OCSP response says good. */
  readonly enforceMustStaple?: boolean;
  /**
   * CRLs fetched from distribution points (`verifyCertificateChainAsync`). Unlike a supplied CRL,
   * one that cannot be relied on (bad signature, stale) counts as no status: soft-fail accepts
   * it, hard-fail reports why.
   */
  readonly fetchedCrls?: readonly { readonly url: string; readonly crl: Crl }[];
  /** Why a distribution point gave no CRL, by URL (reported with the certificate's status). */
  readonly crlFetchFailures?: ReadonlyMap<string, string>;
}

export interface CtOptions {
  readonly logs: readonly CtLog[];
  /** SCTs received in the TLS signed_certificate_timestamp extension (the TLS-encoded list). */
  readonly tlsSctList?: Uint8Array;
  /** When set, unmet → CT_POLICY_NOT_MET; otherwise SCTs are only reported. */
  readonly policy?: CtPolicy;
}

export interface BuildOptions extends PathValidationOptions, IdentityOptions, RevocationOptions {
  /** Longest path accepted, leaf and anchor included (default 8). */
  readonly maxDepth?: number;
  /** Budget of signature checks per verification (default 32). */
  readonly maxSignatureChecks?: number;
  readonly ct?: CtOptions;
}

export interface BuildHooks {
  /** Checks `child`'s signature by `issuer` (e.g. through a cache); throws for unsupported algorithms. */
  readonly verifySignature?: (child: Certificate, issuer: Certificate, issuerKey: () => PublicKey) => boolean;
}

export interface ChainSuccess {
  readonly ok: true;
  /** The validated path: leaf first, trust anchor last. */
  readonly chain: readonly Certificate[];
  readonly checks: readonly CheckResult[];
  readonly policies: readonly string[];
  /** Status per certificate index (leaf = 0), where one was found. */
  readonly revocation: readonly (RevocationStatus | undefined)[];
  readonly scts: readonly SctVerification[];
}

export interface ChainFailure {
  readonly ok: false;
  readonly error: CertificateError;
  /** The checks of the path that came closest (empty when no path reached an anchor). */
  readonly checks: readonly CheckResult[];
  /** The path that came closest, when one reached a trust anchor. */
  readonly chain: readonly Certificate[] | undefined;
}

export type ChainResult = ChainSuccess | ChainFailure;

interface SearchState {
  readonly candidates: readonly Certificate[];
  readonly sigCache: Map<Certificate, Map<Certificate, true | CertificateError>>;
  checks: number;
  exhausted: CertificateError | undefined;
  best: { depth: number; error: CertificateError; checks: CheckResult[]; chain: Certificate[] | undefined } | undefined;
}

const WEAK_SIGNATURES: ReadonlySet<string> = new Set([OID.sha1WithRSAEncryption, OID.ecdsaWithSHA1, '1.2.840.113549.1.1.4', '1.2.840.113549.1.1.2', '1.2.840.10040.4.3']);

/**
 * Builds and validates a path from `leaf` through `candidates` to an anchor in `store`.
 */
export function buildAndValidate(provider: CryptoProvider, store: AnchorSource, leaf: Certificate, candidates: readonly Certificate[], o: BuildOptions, hooks: BuildHooks = {}): ChainResult {
  const maxDepth = o.maxDepth ?? 8;
  const maxChecks = o.maxSignatureChecks ?? 32;
  const record = o.recordPassedChecks !== false;
  const state: SearchState = { candidates, sigCache: new Map<Certificate, Map<Certificate, true | CertificateError>>(), checks: 0, exhausted: undefined, best: undefined };

  const note = (depth: number, error: CertificateError, checks: CheckResult[] = [], chain?: Certificate[]): void => {
    if (state.best === undefined || depth > state.best.depth) state.best = { depth, error, checks, chain };
  };

  function signedBy(child: Certificate, childIndex: number, issuer: Certificate, anchor: boolean): true | CertificateError {
    let m = state.sigCache.get(child);
    if (m === undefined) state.sigCache.set(child, (m = new Map<Certificate, true | CertificateError>()));
    const cached = m.get(issuer);
    if (cached !== undefined) return cached;
    // CA/B Forum BR §7.1.3.2: no SHA-1 (or MD5) signatures on certificates.
    if (WEAK_SIGNATURES.has(child.signatureAlgorithm.oid)) {
      const where = { index: childIndex, subject: displayName(child), field: 'signatureAlgorithm' };
      const e = new CertificateError(
        ErrorCode.INSECURE_ALGORITHM,
        'algorithm',
        `${who(child, childIndex)} is signed with ${OID_NAMES[child.signatureAlgorithm.oid] ?? child.signatureAlgorithm.oid}, which is not accepted (SHA-1 and MD5 signatures are forgeable) — reissue it with SHA-256`,
        where,
      );
      m.set(issuer, e);
      return e;
    }
    if (state.checks >= maxChecks) {
      state.exhausted ??= new CertificateError(ErrorCode.CERT_CHAIN_TOO_LONG, 'issuer', `gave up building the certificate path after ${maxChecks} signature checks`);
      return state.exhausted;
    }
    state.checks++;
    let result: true | CertificateError;
    const where = (): { index: number; subject: string } => ({ index: childIndex, subject: displayName(child) });
    try {
      const key = (): PublicKey => (anchor ? store.publicKey(issuer) : provider.importPublicKey(issuer.subjectPublicKeyInfo));
      const good = hooks.verifySignature !== undefined ? hooks.verifySignature(child, issuer, key) : verifyCertificateSignature(provider, child, key());
      result = good
        ? true
        : new CertificateError(ErrorCode.CERT_SIGNATURE_FAILURE, 'signature', `the signature of ${who(child, childIndex)} by ${displayName(issuer)} does not verify`, { ...where(), field: 'signatureValue' });
    } catch (e) {
      result = new CertificateError(
        ErrorCode.CERT_SIGNATURE_FAILURE,
        'signature',
        `cannot check the signature of ${who(child, childIndex)} by ${displayName(issuer)}: ${e instanceof Error ? e.message : String(e)}`,
        { ...where(), field: 'signatureAlgorithm', cause: e },
      );
    }
    m.set(issuer, result);
    return result;
  }

  function complete(path: Certificate[]): ChainResult {
    const v = validatePath(provider, path, o);
    const checks = v.checks;
    if (record) for (let i = 0; i < path.length - 1; i++) checks.push({ check: 'signature', index: i, ok: true, detail: `signed by ${displayName(path[i + 1] as Certificate)}` });
    if (v.error !== undefined) return { ok: false, error: v.error, checks, chain: path };
    const rev = revocation(path, checks);
    if (rev instanceof CertificateError) return { ok: false, error: rev, checks, chain: path };
    const ct = certificateTransparency(path, checks);
    if (ct instanceof CertificateError) return { ok: false, error: ct, checks, chain: path };
    return { ok: true, chain: path, checks, policies: v.policies, revocation: rev, scts: ct };
  }

  /**
   * RFC 5280 §6.3.3 (f): the certificate of an indirect CRL's issuer, with a valid path to the
   * target path's own trust anchor (among the supplied certificates, or that anchor itself); the
   * CRL's signature is then checked with it (checkCrl). Its own revocation is not checked.
   */
  function indirectCrlSigner(crl: Crl, cert: Certificate, index: number, anchor: Certificate): Certificate | CertificateError {
    const onlyAnchor: AnchorSource = {
      bySubject: (name) => store.bySubject(name).filter((a) => equalBytes(a.raw, anchor.raw)),
      isAnchor: (c) => equalBytes(c.raw, anchor.raw) && store.isAnchor(c),
      publicKey: (c) => store.publicKey(c),
    };
    if (equalBytes(anchor.subject.raw, crl.issuer.raw)) return anchor;
    let why = 'no certificate of that name was supplied';
    for (const c of candidates) {
      if (!equalBytes(c.subject.raw, crl.issuer.raw)) continue;
      if (crl.authorityKeyId !== undefined && c.subjectKeyIdentifier !== undefined && !equalBytes(crl.authorityKeyId, c.subjectKeyIdentifier)) continue;
      const { hostname: _h, ip: _i, crls: _c, fetchedCrls: _f, ocspResponses: _r, ct: _t, ...rest } = o;
      const r = buildAndValidate(provider, onlyAnchor, c, candidates, { ...rest, purpose: 'any', allowCaAsLeaf: true, revocation: 'none', recordPassedChecks: false }, hooks);
      if (r.ok) return c;
      why = r.error.message;
    }
    return new CertificateError(
      ErrorCode.CRL_SIGNATURE_FAILURE,
      'revocation',
      `the indirect CRL for ${who(cert, index)} is issued by ${crl.issuer.text || 'an empty name'}, whose certificate has no valid path to the same trust anchor (${displayName(anchor)}): ${why}`,
      { index, subject: displayName(cert) },
    );
  }

  function revocation(path: readonly Certificate[], checks: CheckResult[]): (RevocationStatus | undefined)[] | CertificateError {
    const mode = o.revocation ?? 'soft';
    const out: (RevocationStatus | undefined)[] = [];
    const fail = (e: CertificateError): CertificateError => {
      checks.push({ check: 'revocation', index: e.certIndex, ok: false, detail: e.message });
      return e;
    };
    if (mode === 'none') return out;
    const opts = { time: o.time, ...(o.clockSkewMs !== undefined ? { clockSkewMs: o.clockSkewMs } : {}) };
    for (let i = 0; i < path.length - 1; i++) {
      const cert = path[i] as Certificate;
      const issuer = path[i + 1] as Certificate;
      let status: RevocationStatus | undefined;
      // OCSP first (fresher), then CRLs (RFC 5280 §6.3 / RFC 6960).
      for (const r of o.ocspResponses ?? []) {
        const s = checkOcsp(provider, r, cert, i, issuer, opts);
        if (s === undefined) continue;
        if (s instanceof CertificateError) return fail(s);
        if (s.status === 'revoked' || status === undefined || status.status === 'unknown') status = s;
      }
      if (status?.status !== 'revoked') {
        for (const crl of o.crls ?? []) {
          const scope = crlScope(crl, cert, issuer);
          if (scope === undefined) continue;
          const signer = scope === 'direct' ? issuer : indirectCrlSigner(crl, cert, i, path[path.length - 1] as Certificate);
          if (signer instanceof CertificateError) return fail(signer);
          // RFC 5280 §5.2.4, §6.3.3 (c): a supplied delta CRL for this complete CRL, used with it
          const delta = deltaCrlFor(o.crls ?? [], crl);
          const s = checkCrl(provider, crl, cert, i, signer, opts, delta);
          if (s instanceof CertificateError) return fail(s);
          if (s.status === 'revoked' || status === undefined || status.status === 'unknown') status = s;
          if (s.status === 'revoked') break;
        }
        // A supplied CRL in this issuer's name, but for another key (its authorityKeyIdentifier),
        // when no supplied CRL covers the certificate: it cannot be verified with the issuer's key,
        // and a supplied CRL that cannot be relied on fails (as a bad signature does).
        if (status === undefined) {
          const foreign = (o.crls ?? []).find((crl) => !crl.isDelta && equalBytes(crl.issuer.raw, cert.issuer.raw) && crl.authorityKeyId !== undefined && issuer.subjectKeyIdentifier !== undefined && !equalBytes(crl.authorityKeyId, issuer.subjectKeyIdentifier));
          if (foreign !== undefined) {
            return fail(
              new CertificateError(
                ErrorCode.CRL_SIGNATURE_FAILURE,
                'revocation',
                `the CRL from ${foreign.issuer.text || 'an empty name'} for ${who(cert, i)} names another key (authorityKeyIdentifier) than its issuer ${displayName(issuer)} has — it cannot be verified; supply the CRL signed with the issuer's current key`,
                { index: i, subject: displayName(cert), field: 'authorityKeyIdentifier' },
              ),
            );
          }
        }
      }
      // CRLs fetched from the distribution points: unusable ones are "unavailable", not fatal.
      const unavailable: string[] = [];
      if (status === undefined || status.status === 'unknown') {
        for (const { url, crl } of o.fetchedCrls ?? []) {
          const scope = crlScope(crl, cert, issuer);
          if (scope === undefined) continue;
          const signer = scope === 'direct' ? issuer : indirectCrlSigner(crl, cert, i, path[path.length - 1] as Certificate);
          // a delta CRL fetched (freshestCRL) or supplied for this fetched complete CRL
          const delta = deltaCrlFor([...(o.fetchedCrls ?? []).map((f) => f.crl), ...(o.crls ?? [])], crl);
          const s = signer instanceof CertificateError ? signer : checkCrl(provider, crl, cert, i, signer, opts, delta);
          if (s instanceof CertificateError) {
            unavailable.push(`the CRL fetched from ${url} cannot be used: ${s.message}`);
            continue;
          }
          status = s.status === 'unknown' && status !== undefined ? status : { ...s, source: `${s.source}, fetched from ${url}` };
          if (s.status === 'revoked') break;
        }
        if (status === undefined && o.crlFetchFailures !== undefined && o.crlFetchFailures.size > 0) {
          let dps: string[] = [];
          try {
            dps = crlDistributionUris(cert);
          } catch (e) {
            unavailable.push(`its cRLDistributionPoints extension is malformed: ${e instanceof Error ? e.message : String(e)}`);
          }
          for (const url of dps) {
            const why = o.crlFetchFailures.get(url);
            if (why !== undefined) unavailable.push(`CRL distribution point ${url}: ${why}`);
          }
        }
      }
      out.push(status);
      if (status?.status === 'revoked') {
        return fail(
          new CertificateError(
            ErrorCode.CERT_REVOKED,
            'revocation',
            `${who(cert, i)} was revoked on ${status.revocationDate.toISOString().slice(0, 10)}${status.reason !== undefined ? ` (reason: ${status.reason})` : ''} according to the ${status.source}`,
            { index: i, subject: displayName(cert), field: 'serialNumber' },
          ),
        );
      }
      const needed = mode === 'hard' && (i === 0 || (o.revocationScope ?? 'chain') === 'chain');
      if (status === undefined || status.status === 'unknown') {
        if (needed) {
          return fail(
            new CertificateError(
              status === undefined ? ErrorCode.UNABLE_TO_GET_CRL : ErrorCode.OCSP_STATUS_UNKNOWN,
              'revocation',
              status === undefined
                ? `no CRL or OCSP response covers ${who(cert, i)} and revocation checking is required${unavailable.length > 0 ? ` (${unavailable.join('; ')})` : ''} — supply a current CRL from ${displayName(issuer)} or an OCSP response`
                : `the ${status.source} does not know ${who(cert, i)}`,
              { index: i, subject: displayName(cert) },
            ),
          );
        }
        if (record || unavailable.length > 0) {
          const why = unavailable.length > 0 ? `; ${unavailable.join('; ')} (soft-fail)` : '';
          checks.push({ check: 'revocation', index: i, ok: true, detail: status === undefined ? `no status available (not required)${why}` : `unknown to the ${status.source} (not required)${why}` });
        }
      } else if (record) checks.push({ check: 'revocation', index: i, ok: true, detail: `good according to the ${status.source}` });
    }
    // RFC 7633 §4.2.3: a must-staple certificate needs a (good) OCSP response.
    const leaf = path[0] as Certificate;
    if (o.enforceMustStaple === true && path.length > 1 && requiresStapling(leaf) && out[0]?.source.startsWith('OCSP') !== true) {
      return fail(
        new CertificateError(ErrorCode.OCSP_RESPONSE_REQUIRED, 'revocation', `${who(leaf, 0)} requires a stapled OCSP response (TLS feature status_request, RFC 7633) and none was provided`, {
          index: 0,
          subject: displayName(leaf),
          field: 'tlsFeature',
        }),
      );
    }
    return out;
  }

  function certificateTransparency(path: readonly Certificate[], checks: CheckResult[]): SctVerification[] | CertificateError {
    const ct = o.ct;
    if (ct === undefined) return [];
    const leaf = path[0] as Certificate;
    const issuer = path[1];
    const scts: Sct[] = [];
    try {
      scts.push(...embeddedScts(leaf));
      if (ct.tlsSctList !== undefined) scts.push(...parseSctList(ct.tlsSctList, 'tls'));
      for (const r of o.ocspResponses ?? []) scts.push(...ocspScts(r, leaf.serialRaw));
    } catch (e) {
      const err = new CertificateError(ErrorCode.CT_POLICY_NOT_MET, 'ct', `the SCT list is malformed: ${e instanceof Error ? e.message : String(e)}`, { index: 0, subject: displayName(leaf), cause: e });
      checks.push({ check: 'ct', index: 0, ok: false, detail: err.message });
      return err;
    }
    const results = verifyScts(provider, scts, leaf, issuer, ct.logs, o.time);
    for (const r of results) checks.push({ check: 'ct', index: 0, ok: r.ok, detail: r.detail });
    if (ct.policy !== undefined) {
      const e = checkCtPolicy(results, ct.policy, leaf);
      if (e !== undefined) {
        checks.push({ check: 'ct', index: 0, ok: false, detail: e.message });
        return e;
      }
    }
    return results;
  }

  function search(path: Certificate[]): ChainSuccess | undefined {
    workCounters.pathSearchSteps++;
    const depth = path.length - 1;
    const cur = path[depth] as Certificate;
    if (store.isAnchor(cur)) {
      const r = complete(path);
      if (r.ok) return r;
      note(depth + 100, r.error, [...r.checks], path); // a complete path's error beats any "no issuer" error
      return undefined;
    }
    if (path.length >= maxDepth) {
      note(depth, new CertificateError(ErrorCode.CERT_CHAIN_TOO_LONG, 'issuer', `no trust anchor within ${maxDepth} certificates of ${displayName(path[0] as Certificate)}`));
      return undefined;
    }
    let nameMatched = false;
    let sigError: CertificateError | undefined;
    const tries: [Certificate, boolean][] = [
      ...store.bySubject(cur.issuer).map((c): [Certificate, boolean] => [c, true]),
      ...state.candidates.filter((c) => equalBytes(c.subject.raw, cur.issuer.raw) && !path.includes(c)).map((c): [Certificate, boolean] => [c, false]),
    ];
    for (const [issuer, anchor] of tries) {
      if (issuer === cur || equalBytes(issuer.raw, cur.raw)) continue;
      // Do not loop through the same certificate (by DER) twice in one path.
      if (!anchor && path.some((p) => equalBytes(p.raw, issuer.raw))) continue;
      // RFC 5280 §4.2.1.1: AKI keyIdentifier and the candidate's SKI must agree when both exist.
      const aki = cur.authorityKeyIdentifier?.keyIdentifier;
      const ski = issuer.subjectKeyIdentifier;
      if (aki !== undefined && ski !== undefined && !equalBytes(aki, ski)) continue;
      nameMatched = true;
      const ok = signedBy(cur, depth, issuer, anchor);
      if (state.exhausted !== undefined) return undefined;
      if (ok !== true) {
        sigError ??= ok;
        continue;
      }
      const found = search([...path, issuer]);
      if (found !== undefined || state.exhausted !== undefined) return found;
    }
    if (sigError !== undefined) note(depth, sigError);
    else if (!nameMatched) {
      const where = { index: depth, subject: displayName(cur), field: 'issuer' };
      if (cur.selfIssued) {
        note(
          depth,
          depth === 0
            ? new CertificateError(ErrorCode.DEPTH_ZERO_SELF_SIGNED_CERT, 'issuer', `certificate 0 (${displayName(cur)}) is self-signed and not a trusted certificate — add it to the trusted CAs if you mean to trust it`, where)
            : new CertificateError(ErrorCode.SELF_SIGNED_CERT_IN_CHAIN, 'issuer', `certificate ${depth} (${displayName(cur)}) in the chain is a self-signed certificate that is not trusted`, where),
        );
      } else {
        const issuerName = cur.issuer.text || 'an empty name';
        const among = state.candidates.length === 0 ? 'the trust anchors' : `the ${state.candidates.length} other certificate(s) sent and the trust anchors`;
        const what = `unable to find the issuer (${issuerName}) of certificate ${depth} (${displayName(cur)}) among ${among}`;
        note(
          depth,
          new CertificateError(
            ErrorCode.UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
            'issuer',
            state.candidates.length === 0
              ? `no path to a trusted root: the peer sent only the leaf; ${issuerHint(cur)} — ${what}: the peer should send its intermediate certificate(s), or add the issuer to the trusted CAs`
              : `no path to a trusted root: ${what}; ${issuerHint(cur)} — add the missing intermediate, or the issuer to the trusted CAs`,
            where,
          ),
        );
      }
    }
    return undefined;
  }

  try {
    const found = search([leaf]);
    if (found === undefined) {
      const best = state.best;
      const error =
        state.exhausted ??
        best?.error ??
        new CertificateError(ErrorCode.UNABLE_TO_GET_ISSUER_CERT_LOCALLY, 'issuer', `no path from ${displayName(leaf)} to a trust anchor; ${issuerHint(leaf)}`, { index: 0, subject: displayName(leaf) });
      const checks = state.exhausted === undefined ? [...(best?.checks ?? [])] : [];
      if (!checks.some((c) => !c.ok)) checks.push({ check: error.check, index: error.certIndex, ok: false, detail: error.message });
      return { ok: false, error, checks, chain: state.exhausted === undefined ? best?.chain : undefined };
    }
    // RFC 6125 §6: the identity check after the path is validated (as node:tls does).
    const idError = checkIdentity(leaf, o);
    const checks = [...found.checks];
    if (idError !== undefined) {
      checks.push({ check: 'hostname', index: 0, ok: false, detail: idError.message });
      return { ok: false, error: idError, checks, chain: found.chain };
    }
    if (record && (o.hostname !== undefined || o.ip !== undefined)) checks.push({ check: 'hostname', index: 0, ok: true, detail: `matches ${o.ip ?? o.hostname ?? ''}` });
    return { ...found, checks };
  } catch (e) {
    const err =
      e instanceof CertificateError
        ? e
        : new CertificateError(
            e instanceof TlsError ? e.code : ErrorCode.ERR_TLS_INTERNAL_ERROR,
            'parse',
            `certificate verification failed: ${e instanceof Error ? e.message : String(e)}`,
            { cause: e },
          );
    return { ok: false, error: err, checks: [], chain: undefined };
  }
}
