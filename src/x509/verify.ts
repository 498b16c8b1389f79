/**
 * The default certificate verifier of the handshake: the `CertificateVerifier` the client and
 * server call on the peer's chain. It parses the received certificates (through a cache), then
 * runs `verifyCertificateChain` (path.ts) — the one path builder and RFC 5280 §6.1 validator,
 * the same the `tlskit verify` command and conformance suites use — with a shared trust store
 * and a cache of verified signatures, so a chain seen before costs no public-key operation.
 * The identity check (RFC 6125 §6) follows path validation, as in node:tls.
 */
import type { CryptoProvider } from '../crypto/provider.js';
import { ErrorCode, TlsError } from '../errors.js';
import { equalBytes } from '../wire/bytes.js';
import { BytesLru, SignatureCache } from './cache.js';
import { parseIp, formatIp, parseCertificate, type Certificate } from './certificate.js';
import { verifyCertificateChain, verifyCertificateChainAsync, type VerifyChainOptions } from './path.js';
import { parseCrl, type Crl } from './crl.js';
import type { CrlFetchOptions } from './crl-fetch.js';
import type { RevocationMode } from './chain.js';
import { TrustStore, type TrustAnchorSource } from './trust-store.js';
import { matchesHostName } from './validate.js';
import { parseLogList, type CtLog, type CtPolicy, type SctVerification } from './ct.js';
import { checkStapled, type StapledOcspReport } from './stapling.js';

export { TrustStore, type TrustAnchorSource } from './trust-store.js';

export type KeyPurposeName = 'serverAuth' | 'clientAuth';

export interface VerifyRequest {
  /** DER certificates as received: leaf first, then intermediates in any order. */
  readonly chain: readonly Uint8Array[];
  /** The expected DNS name (or an IP literal, which is then matched as an IP). */
  readonly hostname?: string;
  /** The expected IP address (matched against iPAddress SANs). */
  readonly ip?: string;
  readonly purpose: KeyPurposeName;
  readonly time: Date;
  /** Stapled DER OCSPResponses (RFC 6066 §8; RFC 8446 §4.4.2.1), checked by stapling.ts. */
  readonly ocspResponses?: readonly Uint8Array[];
  /** The TLS signed_certificate_timestamp list as received (RFC 6962 §3.3.1). */
  readonly sctList?: Uint8Array;
  /** Whether the client asked for a staple (status_request): must-staple is enforced then (RFC 7633 §4.2.3). */
  readonly statusRequested?: boolean;
}

export type VerifyResult =
  | {
      readonly ok: true;
      readonly chain: readonly Certificate[];
      /** What a stapled OCSP response said about the leaf, when there was one. */
      readonly ocsp?: StapledOcspReport | undefined;
      /** Each SCT's verification, when the verifier has a CT log list. */
      readonly scts?: readonly SctVerification[] | undefined;
    }
  | { readonly ok: false; readonly error: TlsError };

export interface CertificateVerifier {
  verify(req: VerifyRequest): VerifyResult;
  /**
   * The same verification, allowed to wait for the network (CRLs fetched from the distribution
   * points). When present, the handshake calls this one and waits for it.
   */
  verifyAsync?(req: VerifyRequest): Promise<VerifyResult>;
}

export interface DefaultVerifierOptions {
  readonly provider: CryptoProvider;
  /** DER certificates and/or PEM text (e.g. node:tls `rootCertificates` joined). */
  readonly trustAnchors: TrustAnchorSource;
  /** Longest path accepted, leaf and anchor included (default 8). */
  readonly maxDepth?: number;
  /** Enforce the RFC 5280 CA profile (AKI/SKI, critical basicConstraints, serials; see validate.ts). Default false here. */
  readonly strictProfile?: boolean;
  /** Budget of signature checks per verification (default 32). */
  readonly maxSignatureChecks?: number;
  /** Most certificates accepted in a received chain (default 32). */
  readonly maxChainLength?: number;
  /**
   * How many verified certificate signatures to remember (default 256; 0 disables). A signature's
   * validity is a pure function of the issuer's public key and the certificate's bytes, so a
   * chain seen before skips the public key operations; every other check runs every time.
   */
  readonly signatureCacheSize?: number;
  /** How many parsed certificates to remember, keyed by their DER (default 256; 0 disables). */
  readonly parseCacheSize?: number;
  /**
   * Stapled OCSP (stapling.ts): 'soft' (default) accepts a missing staple but fails a bad or
   * revoked one; 'hard' requires a good stapled status for the leaf.
   */
  readonly ocsp?: 'soft' | 'hard';
  /** RFC 7633: a must-staple leaf without a requested staple fails (default true). */
  readonly enforceMustStaple?: boolean;
  /** Certificate Transparency: a log list (v3 JSON text/object or parsed logs) and an optional policy. */
  readonly ct?: { readonly logs: string | object | readonly CtLog[]; readonly policy?: CtPolicy };
  /** CRLs to check the path against (DER or parsed; node:tls's `crl` option). Malformed ones throw here. */
  readonly crls?: readonly (Uint8Array | Crl)[];
  /**
   * Revocation by CRL (RFC 5280 §6.3): 'soft' (default) accepts a certificate no CRL speaks
   * about, 'hard' requires a status for each, 'none' ignores CRLs.
   */
  readonly revocation?: RevocationMode;
  /**
   * Allow network fetches of CRLs from the distribution points of the path's certificates (http
   * only, bounded, cached until nextUpdate; crl-fetch.ts). Off by default. When on, the verifier
   * has `verifyAsync` and the handshake waits for it.
   */
  readonly fetchCrls?: boolean | CrlFetchOptions;
}

function fail(code: ErrorCode, message: string): TlsError {
  return new TlsError(code, message);
}

// ---------------------------------------------------------------------------------------------
// Host names (RFC 6125 §6.4) and IP addresses

/**
 * Whether a dNSName from a certificate matches `host` (RFC 6125 §6.4.3). One implementation,
 * in validate.ts; this name is kept for the verifier's API.
 */
export const matchesDnsName = matchesHostName;

/**
 * Checks the leaf's subjectAltName against a host name or IP address. Returns the error, or
 * undefined when it matches. A host name that is an IP literal is matched as an IP address.
 */
export function checkServerIdentity(cert: Certificate, hostname: string | undefined, ip: string | undefined): TlsError | undefined {
  const san = cert.subjectAltName;
  const ipText = ip ?? (hostname !== undefined && parseIp(hostname) !== undefined ? hostname : undefined);
  if (ipText !== undefined) {
    const want = parseIp(ipText);
    if (want === undefined) return fail(ErrorCode.ERR_TLS_CERT_ALTNAME_INVALID, `"${ipText}" is not an IP address`);
    const have = san?.ipAddressBytes ?? [];
    if (have.some((b) => equalBytes(b, want))) return undefined;
    return fail(
      ErrorCode.ERR_TLS_CERT_ALTNAME_INVALID,
      have.length === 0
        ? `IP address ${formatIp(want)} does not match the certificate: it has no IP addresses in subjectAltName`
        : `IP address ${formatIp(want)} does not match the certificate's IP addresses: ${(san?.ipAddresses ?? []).join(', ')}`,
    );
  }
  if (hostname === undefined) return undefined;
  const names = san?.dnsNames ?? [];
  // RFC 6125 §6.4.4: the CN is only a fallback when there is no SAN; we never use it (as browsers).
  if (names.some((n) => matchesDnsName(n, hostname))) return undefined;
  return fail(
    ErrorCode.ERR_TLS_CERT_ALTNAME_INVALID,
    names.length === 0
      ? `host ${hostname} does not match the certificate: it has no DNS names in subjectAltName (the Common Name is not used)`
      : `host ${hostname} does not match the certificate's names: ${names.join(', ')}`,
  );
}

// ---------------------------------------------------------------------------------------------

/**
 * A verifier that builds a path from the leaf through the received intermediates to one of
 * `trustAnchors` and validates it with `verifyCertificateChain` (RFC 5280 §6.1 and the CA/B
 * Forum rules; the RFC 5280 CA profile only with `strictProfile`), then the host name or IP.
 *
 * @example
 * const verifier = createDefaultVerifier({ provider, trustAnchors: tls.rootCertificates.join('\n') });
 * const r = verifier.verify({ chain, hostname: 'example.org', purpose: 'serverAuth', time: new Date() });
 * if (!r.ok) throw r.error;
 */
export function createDefaultVerifier(options: DefaultVerifierOptions): CertificateVerifier & { readonly trustStore: TrustStore } {
  const provider = options.provider;
  const store = new TrustStore(provider, options.trustAnchors);
  const maxDepth = options.maxDepth ?? 8;
  const maxSignatureChecks = options.maxSignatureChecks ?? 32;
  const maxChain = options.maxChainLength ?? 32;
  const strictProfile = options.strictProfile ?? false;
  const signatureCache = new SignatureCache(provider, options.signatureCacheSize ?? 256);
  const parsed = new BytesLru<Certificate>(provider, options.parseCacheSize ?? 256);
  const ctLogs = options.ct === undefined ? undefined : Array.isArray(options.ct.logs) ? (options.ct.logs as readonly CtLog[]) : parseLogList(provider, options.ct.logs);
  const ct = ctLogs === undefined ? undefined : { logs: ctLogs, policy: options.ct?.policy };

  /** parseCertificate through the cache; a cached certificate is parsed from a private copy. */
  function parse(der: Uint8Array): Certificate {
    const parts = [der];
    const key = parsed.key(parts);
    const hit = parsed.get(key, parts);
    if (hit !== undefined) return hit;
    const cert = Object.freeze(parseCertificate(der.slice()));
    parsed.set(key, parts, cert);
    return cert;
  }

  const crls = (options.crls ?? []).map((c) => (c instanceof Uint8Array ? parseCrl(c) : c));
  const revocation = options.revocation ?? 'soft';
  const fetchCrls: CrlFetchOptions | undefined =
    options.fetchCrls === undefined || options.fetchCrls === false ? undefined : options.fetchCrls === true ? {} : options.fetchCrls; // true: the process-wide CRL cache

  /** The parsed chain and the options for verifyCertificateChain, or a failure. */
  function prepare(req: VerifyRequest): { ok: true; chain: VerifyChainOptions } | { ok: false; error: TlsError } {
    if (req.chain.length === 0) return { ok: false, error: fail(ErrorCode.ERR_TLS_BAD_CERTIFICATE, 'the peer sent no certificate') };
    if (req.chain.length > maxChain) {
      return { ok: false, error: fail(ErrorCode.CERT_CHAIN_TOO_LONG, `the peer sent ${req.chain.length} certificates (at most ${maxChain} accepted)`) };
    }
    const certs: Certificate[] = [];
    for (let i = 0; i < req.chain.length; i++) {
      try {
        certs.push(parse(req.chain[i] as Uint8Array));
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        return { ok: false, error: new TlsError(ErrorCode.ERR_TLS_BAD_CERTIFICATE, `certificate ${i} is malformed: ${msg}`, { cause: e }) };
      }
    }
    return {
      ok: true,
      chain: {
        provider,
        leaf: certs[0] as Certificate,
        intermediates: certs.slice(1),
        trustAnchors: store,
        time: req.time,
        purpose: req.purpose,
        ...(req.hostname !== undefined ? { hostname: req.hostname } : {}),
        ...(req.ip !== undefined ? { ip: req.ip } : {}),
        ...(crls.length > 0 ? { crls } : {}),
        revocation,
        strictProfile,
        maxDepth,
        maxSignatureChecks,
        signatureCache,
        recordPassedChecks: false,
      },
    };
  }

  /** After path validation: the stapled OCSP response and TLS SCTs (stapling.ts), on the validated path. */
  function finish(req: VerifyRequest, r: ReturnType<typeof verifyCertificateChain>): VerifyResult {
    if (!r.ok) return { ok: false, error: r.error };
    if (req.ocspResponses !== undefined || req.statusRequested === true || options.ocsp === 'hard' || ct !== undefined) {
      const s = checkStapled(provider, r.chain, req, { ocsp: options.ocsp ?? 'soft', enforceMustStaple: options.enforceMustStaple ?? true, ct });
      if (s.error !== undefined) return { ok: false, error: s.error };
      return { ok: true, chain: r.chain, ocsp: s.ocsp, scts: s.scts };
    }
    return { ok: true, chain: r.chain };
  }

  /** Never lets an unexpected exception escape into the handshake. */
  function internal(e: unknown): VerifyResult {
    if (e instanceof TlsError) return { ok: false, error: e };
    return { ok: false, error: new TlsError(ErrorCode.ERR_TLS_INTERNAL_ERROR, `certificate verification failed: ${String(e)}`, { cause: e }) };
  }

  function verify(req: VerifyRequest): VerifyResult {
    try {
      const p = prepare(req);
      return p.ok ? finish(req, verifyCertificateChain(p.chain)) : p;
    } catch (e) {
      return internal(e);
    }
  }

  async function verifyAsync(req: VerifyRequest): Promise<VerifyResult> {
    try {
      const p = prepare(req);
      return p.ok ? finish(req, await verifyCertificateChainAsync({ ...p.chain, ...(fetchCrls !== undefined ? { fetchCrls } : {}) })) : p;
    } catch (e) {
      return internal(e);
    }
  }

  return fetchCrls === undefined ? { verify, trustStore: store } : { verify, verifyAsync, trustStore: store };
}
