/**
 * `verifyCertificateChain`: the public entry for RFC 5280 path validation with revocation and
 * Certificate Transparency, outside any handshake (the `tlskit verify` command, applications,
 * conformance suites). The handshake's default verifier (verify.ts) runs the same builder.
 */
import type { CryptoProvider } from '../crypto/provider.js';
import { nodeCryptoProvider } from '../crypto/node-provider.js';
import { ErrorCode, TlsError } from '../errors.js';
import { parseCertificate, type Certificate } from './certificate.js';
import { buildAndValidate, type BuildOptions, type ChainResult, type CtOptions } from './chain.js';
import { parseCrl, type Crl } from './crl.js';
import { fetchCrlsForPath, type CrlFetchOptions } from './crl-fetch.js';
import { parseLogList, type CtLog, type CtPolicy } from './ct.js';
import { parseOcspResponse, type BasicOcspResponse } from './ocsp.js';
import { decodeCertificatesPem } from './pem.js';
import { CertificateError } from './validate.js';
import { SignatureCache } from './cache.js';
import { TrustStore } from './trust-store.js';

type CertInput = Uint8Array | Certificate;

export interface VerifyChainOptions extends Omit<BuildOptions, 'crls' | 'ocspResponses' | 'ct' | 'time' | 'purpose'> {
  readonly leaf: CertInput;
  /** Intermediates in any order (duplicates and unrelated extras are fine). */
  readonly intermediates?: readonly CertInput[];
  /** DER certificates, PEM text, or a TrustStore. */
  readonly trustAnchors: TrustStore | readonly (Uint8Array | string)[] | string;
  /** Default: now. */
  readonly time?: Date;
  /** Default: serverAuth. `server`/`client` are accepted as aliases. */
  readonly purpose?: 'serverAuth' | 'clientAuth' | 'server' | 'client';
  readonly crls?: readonly (Uint8Array | Crl)[];
  readonly ocspResponses?: readonly (Uint8Array | BasicOcspResponse)[];
  /** A log list (v3 JSON text/object, or parsed logs), SCTs from TLS, and an optional policy. */
  readonly ct?: {
    readonly logs: string | readonly CtLog[] | object;
    readonly tlsSctList?: Uint8Array;
    readonly policy?: CtPolicy;
  };
  readonly provider?: CryptoProvider;
  /** Remembers verified signatures across calls (the handshake's verifier keeps one). */
  readonly signatureCache?: SignatureCache;
}

/**
 * Builds a path from the leaf to a trust anchor and validates it (RFC 5280 §6.1 with the CA/B
 * Forum rules), then checks the host name or IP (RFC 6125), revocation from the supplied CRLs and
 * OCSP responses, and CT. Never throws: malformed inputs come back as a failure.
 *
 * @example
 * const r = verifyCertificateChain({ leaf, intermediates, trustAnchors: pem, hostname: 'example.org' });
 * if (!r.ok) console.log(r.error.code, r.error.check, r.error.certIndex, r.error.message);
 */
export function verifyCertificateChain(options: VerifyChainOptions): ChainResult {
  const provider = options.provider ?? nodeCryptoProvider;
  const parse = (x: CertInput, what: () => string, index: number): Certificate => {
    if (!(x instanceof Uint8Array)) return x;
    try {
      return parseCertificate(x);
    } catch (e) {
      throw new CertificateError(e instanceof TlsError ? e.code : ErrorCode.ERR_TLS_BAD_CERTIFICATE, 'parse', `${what()} is malformed: ${e instanceof Error ? e.message : String(e)}`, {
        index,
        ...(e instanceof TlsError && e.field !== undefined ? { field: e.field } : {}),
        cause: e,
      });
    }
  };
  try {
    const leaf = parse(options.leaf, () => 'certificate 0', 0);
    const intermediates = (options.intermediates ?? []).map((c, i) => parse(c, () => `certificate ${i + 1} of the supplied intermediates`, i + 1));
    const store = options.trustAnchors instanceof TrustStore ? options.trustAnchors : new TrustStore(provider, options.trustAnchors);
    const crls = (options.crls ?? []).map((c, i) => {
      if (!(c instanceof Uint8Array)) return c;
      try {
        return parseCrl(c);
      } catch (e) {
        throw new CertificateError(ErrorCode.UNABLE_TO_GET_CRL, 'revocation', `CRL ${i} is malformed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      }
    });
    const ocspResponses = (options.ocspResponses ?? []).map((r, i) => {
      if (!(r instanceof Uint8Array)) return r;
      try {
        return parseOcspResponse(r);
      } catch (e) {
        if (e instanceof CertificateError) throw e;
        throw new CertificateError(ErrorCode.OCSP_RESPONSE_INVALID, 'revocation', `OCSP response ${i} is malformed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      }
    });
    let ct: CtOptions | undefined;
    if (options.ct !== undefined) {
      const logs = Array.isArray(options.ct.logs) ? (options.ct.logs as readonly CtLog[]) : parseLogList(provider, options.ct.logs);
      ct = { logs, ...(options.ct.tlsSctList !== undefined ? { tlsSctList: options.ct.tlsSctList } : {}), ...(options.ct.policy !== undefined ? { policy: options.ct.policy } : {}) };
    }
    const p = options.purpose ?? 'serverAuth';
    const purpose = p === 'server' ? 'serverAuth' : p === 'client' ? 'clientAuth' : p;
    const { ct: _ct, crls: _crls, ocspResponses: _ocsp, signatureCache, ...rest } = options;
    const hooks = signatureCache === undefined ? {} : { verifySignature: signatureCache.verify.bind(signatureCache) };
    return buildAndValidate(
      provider,
      store,
      leaf,
      intermediates,
      { ...rest, time: options.time ?? new Date(), purpose, crls, ocspResponses, ...(ct !== undefined ? { ct } : {}) },
      hooks,
    );
  } catch (e) {
    const error =
      e instanceof CertificateError
        ? e
        : new CertificateError(e instanceof TlsError ? e.code : ErrorCode.ERR_TLS_INTERNAL_ERROR, 'parse', e instanceof Error ? e.message : String(e), { cause: e });
    return { ok: false, error, checks: [], chain: undefined };
  }
}

/** Reads certificates from PEM text or a single DER blob. */
export function certificatesFrom(data: Uint8Array | string): Uint8Array[] {
  const text = typeof data === 'string' ? data : new TextDecoder('latin1').decode(data);
  if (text.includes('-----BEGIN')) return decodeCertificatesPem(text);
  return typeof data === 'string' ? [] : [data];
}

export interface VerifyChainAsyncOptions extends VerifyChainOptions {
  /**
   * Allow network fetches of CRLs from the certificates' CRL distribution points (http only,
   * bounded, cached until nextUpdate; see crl-fetch.ts). `true` uses the defaults; an object sets
   * the transport (`fetch`), limits and cache. Off by default.
   */
  readonly fetchCrls?: boolean | CrlFetchOptions;
}

/**
 * `verifyCertificateChain`, plus CRLs fetched from the distribution points of the path's
 * certificates when `fetchCrls` allows it: the path is built and validated first (so nothing is
 * fetched for a chain that fails anyway), the CRLs its certificates point to are fetched (or
 * taken from the cache), and the path is validated again with them. A fetch that fails, or a
 * fetched CRL that cannot be relied on, is "no status": accepted and reported under the 'soft'
 * revocation mode, a failure naming the distribution point and the reason under 'hard' — the
 * same semantics as OCSP. Never rejects.
 *
 * @example
 * const r = await verifyCertificateChainAsync({ leaf, intermediates, trustAnchors, hostname, fetchCrls: true, revocation: 'hard' });
 */
export async function verifyCertificateChainAsync(options: VerifyChainAsyncOptions): Promise<ChainResult> {
  const { fetchCrls, ...sync } = options;
  if (fetchCrls === undefined || fetchCrls === false || (options.revocation ?? 'soft') === 'none') return verifyCertificateChain(sync);
  const first = verifyCertificateChain({ ...sync, revocation: 'none' });
  if (!first.ok) return verifyCertificateChain(sync);
  const provider = options.provider ?? nodeCryptoProvider;
  const fetchOptions = fetchCrls === true ? {} : fetchCrls;
  let crls: Crl[];
  let ocspResponses: BasicOcspResponse[];
  try {
    crls = (options.crls ?? []).map((c) => (c instanceof Uint8Array ? parseCrl(c) : c));
    ocspResponses = (options.ocspResponses ?? []).map((r) => (r instanceof Uint8Array ? parseOcspResponse(r) : r));
  } catch {
    return verifyCertificateChain(sync); // reports the malformed input
  }
  const outcome = await fetchCrlsForPath(provider, first.chain, {
    ...fetchOptions,
    time: options.time ?? new Date(),
    crls,
    ocspResponses,
    leafOnly: options.revocation === 'hard' && options.revocationScope === 'leaf',
  });
  return verifyCertificateChain({ ...sync, fetchedCrls: outcome.crls, crlFetchFailures: outcome.failures });
}
