/**
 * What the TLS handshake delivered besides the chain: stapled OCSP responses (RFC 6066 §8 in
 * TLS 1.2, the CertificateEntry status_request extension in TLS 1.3, RFC 8446 §4.4.2.1) and the
 * TLS signed_certificate_timestamp list (RFC 6962 §3.3.1), checked against a validated path.
 *
 * Policy: a staple that is there must be right — malformed, not about the certificate, signed by
 * someone the issuer did not authorise, or stale → bad_certificate_status_response; revoked →
 * certificate_revoked. A missing staple is accepted (soft-fail) unless the verifier is in 'hard'
 * mode, or the leaf carries the must-staple TLS feature (RFC 7633 §4.2.3) and the client asked
 * for a staple.
 */
import type { CryptoProvider } from '../crypto/provider.js';
import { ErrorCode, TlsError } from '../errors.js';
import { toHex } from '../wire/bytes.js';
import type { Certificate } from './certificate.js';
import type { RevocationStatus } from './crl.js';
import { checkCtPolicy, embeddedScts, ocspScts, parseSctList, verifyScts, type CtLog, type CtPolicy, type Sct, type SctVerification } from './ct.js';
import { requiresStapling } from './ext.js';
import { certIdMatches, checkOcsp, parseOcspResponse, type BasicOcspResponse, type SingleResponse } from './ocsp.js';
import { CertificateError, displayName, isoSeconds, who } from './validate.js';

/** What a stapled OCSP response said about the leaf (for `tlskit connect --status`, reports). */
export interface StapledOcspReport {
  readonly status: 'good' | 'revoked' | 'unknown';
  readonly producedAt: Date;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date | undefined;
  /** Who signed it: "the issuing CA (CN=...)" or "delegated responder CN=...". */
  readonly responder: string;
  readonly revocationTime: Date | undefined;
  readonly revocationReason: string | undefined;
}

export interface StaplingPolicy {
  /** 'soft' (default): no staple is fine. 'hard': the leaf needs a good stapled OCSP status. */
  readonly ocsp?: 'soft' | 'hard';
  /** RFC 7633 §4.2.3: a must-staple leaf without a staple fails when one was requested (default true). */
  readonly enforceMustStaple?: boolean;
  /** Allowance for clock differences around thisUpdate/nextUpdate (default 5 minutes). */
  readonly clockSkewMs?: number;
  /** Certificate Transparency: SCTs verified against these logs; the policy, when given, enforced. */
  readonly ct?: { readonly logs: readonly CtLog[]; readonly policy?: CtPolicy | undefined } | undefined;
}

export interface StapledInput {
  /** DER OCSPResponses as received (TLS 1.3 may carry one per CertificateEntry). */
  readonly ocspResponses?: readonly Uint8Array[] | undefined;
  /** The TLS-encoded SignedCertificateTimestampList of the signed_certificate_timestamp extension. */
  readonly sctList?: Uint8Array | undefined;
  /** Whether the client sent status_request (must-staple is only enforceable then). */
  readonly statusRequested?: boolean | undefined;
  readonly time: Date;
}

export interface StaplingResult {
  /** Set when the staple (or its absence) fails the policy. */
  readonly error: CertificateError | undefined;
  /** What the stapled response says about the leaf, when one covered it. */
  readonly ocsp: StapledOcspReport | undefined;
  /** Each SCT's verification (empty without a CT log list). */
  readonly scts: readonly SctVerification[];
}

function staple(message: string, leaf: Certificate, code: ErrorCode = ErrorCode.OCSP_RESPONSE_INVALID, field?: string): CertificateError {
  return new CertificateError(code, 'revocation', message, { index: 0, subject: displayName(leaf), ...(field !== undefined ? { field } : {}) });
}

/**
 * Checks stapled OCSP responses and TLS SCTs against `path` (leaf first, trust anchor last, as
 * validated). Never throws.
 *
 * @example
 * const r = checkStapled(provider, path, { ocspResponses: [der], statusRequested: true, time: new Date() }, {});
 * if (r.error) throw r.error; else console.log(r.ocsp?.status);
 */
export function checkStapled(provider: CryptoProvider, path: readonly Certificate[], input: StapledInput, policy: StaplingPolicy = {}): StaplingResult {
  const leaf = path[0];
  if (leaf === undefined) return { error: undefined, ocsp: undefined, scts: [] };
  const parsed: BasicOcspResponse[] = [];
  let report: StapledOcspReport | undefined;
  let leafStatus: RevocationStatus | undefined;
  const opts = { time: input.time, ...(policy.clockSkewMs !== undefined ? { clockSkewMs: policy.clockSkewMs } : {}) };
  try {
    for (const [n, der] of (input.ocspResponses ?? []).entries()) {
      let r: BasicOcspResponse;
      try {
        r = parseOcspResponse(der);
      } catch (e) {
        // RFC 6066 §8: a response the client cannot use → bad_certificate_status_response.
        const msg = e instanceof Error ? e.message : String(e);
        return { error: staple(`the stapled OCSP response${n > 0 ? ` ${n}` : ''} is unusable: ${msg}`, leaf, ErrorCode.OCSP_RESPONSE_INVALID, e instanceof TlsError ? e.field : undefined), ocsp: undefined, scts: [] };
      }
      parsed.push(r);
      let covered = false;
      for (let i = 0; i + 1 < path.length; i++) {
        const cert = path[i] as Certificate;
        const issuer = path[i + 1] as Certificate;
        const s = checkOcsp(provider, r, cert, i, issuer, opts);
        if (s === undefined) continue;
        covered = true;
        if (s instanceof CertificateError) return { error: s, ocsp: undefined, scts: [] };
        if (i === 0) {
          const single = r.responses.find((x) => certIdMatches(provider, x.certId, cert, issuer)) as SingleResponse;
          report = {
            status: s.status,
            producedAt: r.producedAt,
            thisUpdate: single.thisUpdate,
            nextUpdate: single.nextUpdate,
            responder: s.source.replace(/^OCSP response from /, '').replace(/ \(thisUpdate [^)]*\)$/, ''),
            revocationTime: single.revocationTime,
            revocationReason: single.revocationReason,
          };
          leafStatus = s;
        }
        if (s.status === 'revoked') {
          return {
            error: new CertificateError(
              ErrorCode.CERT_REVOKED,
              'revocation',
              `${who(cert, i)} was revoked on ${s.revocationDate.toISOString().slice(0, 10)}${s.reason !== undefined ? ` (reason: ${s.reason})` : ''} according to the stapled ${s.source}`,
              { index: i, subject: displayName(cert), field: 'serialNumber' },
            ),
            ocsp: report,
            scts: [],
          };
        }
      }
      // A staple about none of the path's certificates (another certificate, another issuer's
      // CertID): the server is misconfigured, and its status cannot be relied on.
      if (!covered && path.length > 1) {
        return {
          error: staple(
            `the stapled OCSP response is not about ${who(leaf, 0)} issued by ${displayName(path[1] as Certificate)} (its CertID names serial ${r.responses.map((x) => toHex(x.certId.serialRaw)).join(', ') || 'nothing'}) — the server staples the wrong response`,
            leaf,
            ErrorCode.OCSP_RESPONSE_INVALID,
            'CertID',
          ),
          ocsp: undefined,
          scts: [],
        };
      }
    }
    if (path.length > 1) {
      const requested = input.statusRequested === true;
      if (leafStatus === undefined && (policy.enforceMustStaple ?? true) && requested && requiresStapling(leaf)) {
        return {
          error: staple(`${who(leaf, 0)} requires a stapled OCSP response (TLS feature status_request, RFC 7633) and the server sent none`, leaf, ErrorCode.OCSP_RESPONSE_REQUIRED, 'tlsFeature'),
          ocsp: undefined,
          scts: [],
        };
      }
      if (policy.ocsp === 'hard' && leafStatus?.status !== 'good') {
        const error =
          leafStatus === undefined
            ? staple(
                `no stapled OCSP response for ${who(leaf, 0)}${requested ? '' : ' (the client did not ask for one: requestOcsp)'} and revocation checking is hard-fail`,
                leaf,
                ErrorCode.OCSP_RESPONSE_REQUIRED,
              )
            : staple(`the stapled ${leafStatus.source} does not know ${who(leaf, 0)} and revocation checking is hard-fail`, leaf, ErrorCode.OCSP_STATUS_UNKNOWN);
        return { error, ocsp: report, scts: [] };
      }
    }
    const ct = policy.ct;
    if (ct === undefined) return { error: undefined, ocsp: report, scts: [] };
    const scts: Sct[] = [];
    try {
      scts.push(...embeddedScts(leaf));
      if (input.sctList !== undefined) scts.push(...parseSctList(input.sctList, 'tls'));
      for (const r of parsed) scts.push(...ocspScts(r, leaf.serialRaw));
    } catch (e) {
      // unreadable SCTs count as none: a failure only when a policy needs them
      const msg = `the SCT list is malformed: ${e instanceof Error ? e.message : String(e)}`;
      const error = ct.policy === undefined ? undefined : new CertificateError(ErrorCode.CT_POLICY_NOT_MET, 'ct', msg, { index: 0, subject: displayName(leaf), cause: e });
      return { error, ocsp: report, scts: [] };
    }
    const results = verifyScts(provider, scts, leaf, path[1], ct.logs, input.time);
    const error = ct.policy === undefined ? undefined : checkCtPolicy(results, ct.policy, leaf);
    return { error, ocsp: report, scts: results };
  } catch (e) {
    if (e instanceof CertificateError) return { error: e, ocsp: report, scts: [] };
    const msg = e instanceof Error ? e.message : String(e);
    return { error: new CertificateError(ErrorCode.OCSP_RESPONSE_INVALID, 'revocation', `checking the stapled data failed: ${msg}`, { index: 0, subject: displayName(leaf), cause: e }), ocsp: report, scts: [] };
  }
}

/** One line about a report: "good (producedAt …, thisUpdate …, nextUpdate …) from the issuing CA (CN=…)". */
export function describeStapledOcsp(r: StapledOcspReport): string {
  const times = `producedAt ${isoSeconds(r.producedAt)}, thisUpdate ${isoSeconds(r.thisUpdate)}${r.nextUpdate !== undefined ? `, nextUpdate ${isoSeconds(r.nextUpdate)}` : ''}`;
  const revoked = r.status === 'revoked' && r.revocationTime !== undefined ? ` on ${isoSeconds(r.revocationTime)}${r.revocationReason !== undefined ? ` (${r.revocationReason})` : ''}` : '';
  return `${r.status}${revoked} (${times}) signed by ${r.responder}`;
}
