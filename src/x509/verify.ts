/**
 * The default certificate verifier: path building (RFC 5280 §6 basic path validation, a subset)
 * and server identity checking (RFC 6125 §6). The handshake calls a `CertificateVerifier`; this
 * module provides the default one.
 *
 * What it checks, for the path leaf → … → trust anchor:
 * - every link's signature (via the CryptoProvider),
 * - the validity window of every certificate, anchor included (RFC 5280 §6.1.3 (a)(2)),
 * - basicConstraints cA on every issuer (§6.1.4 (k)) and pathLenConstraint (§6.1.4 (l)(m)),
 * - keyCertSign on issuers that carry keyUsage (§6.1.4 (n)),
 * - extKeyUsage on the leaf and intermediates when present (§4.2.1.12; as browsers/OpenSSL do),
 * - no unprocessed critical extension on non-anchor certificates (§6.1.4 (o), §6.1.5 (f)),
 * - the host name against dNSName SANs (RFC 6125 §6.4, no CN fallback, §6.4.4) or the IP
 *   address against iPAddress SANs (RFC 5280 §4.2.1.6).
 * Not yet: name constraints, policies, revocation (a critical nameConstraints or policy
 * extension therefore fails as unsupported).
 */
import type { CryptoProvider, PublicKey } from '../crypto/provider.js';
import { ErrorCode, TlsError } from '../errors.js';
import { equalBytes, toHex } from '../wire/bytes.js';
import { commonName, parseCertificate, parseIp, formatIp, type Certificate, type DistinguishedName } from './certificate.js';
import { DerReader, Tag, contextTag } from './der.js';
import { decodeCertificatesPem } from './pem.js';
import { verifyCertificateSignature } from './signature.js';
import { checkIdentity, matchesHostName, validatePath as validateCandidatePath } from './validate.js';

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
}

export type VerifyResult = { readonly ok: true; readonly chain: readonly Certificate[] } | { readonly ok: false; readonly error: TlsError };

export interface CertificateVerifier {
  verify(req: VerifyRequest): VerifyResult;
}

export interface DefaultVerifierOptions {
  readonly provider: CryptoProvider;
  /** DER certificates and/or PEM text (e.g. node:tls `rootCertificates` joined). */
  readonly trustAnchors: readonly Uint8Array[] | string | readonly (Uint8Array | string)[];
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
}

/**
 * A bounded LRU keyed by the SHA-256 of some byte strings; each entry keeps private copies of
 * those bytes and a hit compares them, so a hit means exactly the same bytes.
 */
class BytesLru<V> {
  private readonly map = new Map<string, { readonly parts: readonly Uint8Array[]; readonly value: V }>();

  constructor(
    private readonly provider: CryptoProvider,
    private readonly max: number,
  ) {}

  key(parts: readonly Uint8Array[]): string {
    let n = 0;
    for (const p of parts) n += 4 + p.length;
    const buf = new Uint8Array(n);
    let at = 0;
    for (const p of parts) {
      // length-prefixed, so that different splits of the same bytes never share a key
      buf[at] = p.length >>> 24;
      buf[at + 1] = (p.length >>> 16) & 0xff;
      buf[at + 2] = (p.length >>> 8) & 0xff;
      buf[at + 3] = p.length & 0xff;
      buf.set(p, at + 4);
      at += 4 + p.length;
    }
    return toHex(this.provider.hash('sha256', buf));
  }

  get(key: string, parts: readonly Uint8Array[]): V | undefined {
    if (this.max === 0) return undefined;
    const hit = this.map.get(key);
    if (hit === undefined || hit.parts.length !== parts.length) return undefined;
    for (let i = 0; i < parts.length; i++) if (!equalBytes(hit.parts[i] as Uint8Array, parts[i] as Uint8Array)) return undefined;
    this.map.delete(key);
    this.map.set(key, hit);
    return hit.value;
  }

  set(key: string, parts: readonly Uint8Array[], value: V): void {
    if (this.max === 0) return;
    if (this.map.size >= this.max) {
      const oldest = this.map.keys().next();
      if (oldest.done !== true) this.map.delete(oldest.value);
    }
    this.map.set(key, { parts: parts.map((p) => p.slice()), value });
  }
}

/** A trust anchor: parsed lazily; its public key imported once, on first use. */
interface Anchor {
  readonly der: Uint8Array;
  cert: Certificate | undefined;
  key: PublicKey | undefined;
  /** Set when the DER failed to parse: the anchor is skipped. */
  broken: boolean;
}

const displayName = (cert: Certificate): string => {
  const cn = commonName(cert.subject);
  return cn !== undefined ? `CN=${cn}` : cert.subject.text === '' ? 'no subject name' : cert.subject.text;
};

function fail(code: ErrorCode, message: string): TlsError {
  return new TlsError(code, message);
}

/**
 * The subject Name DER of a certificate without a full parse (used to index ~140 roots cheaply).
 * RFC 5280 §4.1: tbsCertificate fields in order up to subject.
 */
function subjectOf(der: Uint8Array): Uint8Array {
  const top = new DerReader(der, 'Certificate');
  const cert = top.sequence('Certificate');
  const tbs = cert.sequence('tbsCertificate');
  tbs.optional(contextTag(0, true), 'tbsCertificate.version');
  tbs.expect(Tag.INTEGER, 'tbsCertificate.serialNumber');
  tbs.expect(Tag.SEQUENCE, 'tbsCertificate.signature');
  tbs.expect(Tag.SEQUENCE, 'tbsCertificate.issuer');
  tbs.expect(Tag.SEQUENCE, 'tbsCertificate.validity');
  return tbs.expect(Tag.SEQUENCE, 'tbsCertificate.subject').raw;
}

/**
 * A set of trust anchors indexed by subject DER (hex). The index is built on first use (PEM
 * decoding plus a walk to each subject Name); anchors are parsed only when a path reaches their
 * name, and their public keys are imported once, on first use.
 */
export class TrustStore {
  private index: Map<string, Anchor[]> | undefined;
  private readonly anchorOf = new WeakMap<Certificate, Anchor>();

  constructor(
    private readonly provider: CryptoProvider,
    private readonly source: DefaultVerifierOptions['trustAnchors'],
  ) {}

  private build(): Map<string, Anchor[]> {
    if (this.index !== undefined) return this.index;
    const ders: Uint8Array[] = [];
    const add = (item: Uint8Array | string): void => {
      if (typeof item === 'string') ders.push(...decodeCertificatesPem(item));
      else ders.push(item);
    };
    if (typeof this.source === 'string') add(this.source);
    else for (const item of this.source) add(item);
    const index = new Map<string, Anchor[]>();
    for (const der of ders) {
      let subject: Uint8Array;
      try {
        subject = subjectOf(der);
      } catch {
        continue; // an unparseable anchor can never be used; skip it
      }
      const anchor: Anchor = { der, cert: undefined, key: undefined, broken: false };
      const k = toHex(subject);
      const list = index.get(k);
      if (list === undefined) index.set(k, [anchor]);
      else if (!list.some((a) => equalBytes(a.der, der))) list.push(anchor);
    }
    this.index = index;
    return index;
  }

  /** The number of distinct anchors. */
  get size(): number {
    let n = 0;
    for (const list of this.build().values()) n += list.length;
    return n;
  }

  /** Parsed anchors whose subject DER equals `name`. */
  bySubject(name: DistinguishedName): Certificate[] {
    const list = this.build().get(toHex(name.raw));
    if (list === undefined) return [];
    const out: Certificate[] = [];
    for (const a of list) {
      const c = this.certOf(a);
      if (c !== undefined) out.push(c);
    }
    return out;
  }

  /** Whether `cert` is a trust anchor: the same DER, or the same subject and public key. */
  isAnchor(cert: Certificate): boolean {
    return this.bySubject(cert.subject).some((a) => equalBytes(a.raw, cert.raw) || equalBytes(a.subjectPublicKeyInfo, cert.subjectPublicKeyInfo));
  }

  /** The public key of an anchor returned by `bySubject`, imported once. */
  publicKey(cert: Certificate): PublicKey {
    const a = this.anchorOf.get(cert);
    if (a === undefined) return this.provider.importPublicKey(cert.subjectPublicKeyInfo);
    a.key ??= this.provider.importPublicKey(cert.subjectPublicKeyInfo);
    return a.key;
  }

  private certOf(a: Anchor): Certificate | undefined {
    if (a.broken) return undefined;
    if (a.cert === undefined) {
      try {
        a.cert = parseCertificate(a.der);
        this.anchorOf.set(a.cert, a);
      } catch {
        a.broken = true;
        return undefined;
      }
    }
    return a.cert;
  }
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
// Path building and validation

interface SearchState {
  readonly candidates: readonly Certificate[];
  readonly sigCache: Map<Certificate, Map<Certificate, boolean | TlsError>>;
  checks: number;
  /** Set when the signature-check budget ran out: the search stops with this error. */
  exhausted: TlsError | undefined;
  /** The failure found at the greatest depth (most informative). */
  best: { depth: number; error: TlsError } | undefined;
}

/**
 * A verifier that builds a path from the leaf through the received intermediates to one of
 * `trustAnchors` and validates it (see the module comment for what is checked).
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
  const maxChecks = options.maxSignatureChecks ?? 32;
  const maxChain = options.maxChainLength ?? 32;
  const verifiedSignatures = new BytesLru<true>(provider, options.signatureCacheSize ?? 256);
  const parsed = new BytesLru<Certificate>(provider, options.parseCacheSize ?? 256);

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

  function note(state: SearchState, depth: number, error: TlsError): void {
    if (state.best === undefined || depth > state.best.depth) state.best = { depth, error };
  }

  /** Whether `issuer` signed `child` (cached; false or the error when not). */
  function signedBy(state: SearchState, child: Certificate, issuer: Certificate, anchor: boolean): boolean | TlsError {
    let m = state.sigCache.get(child);
    if (m === undefined) state.sigCache.set(child, (m = new Map<Certificate, boolean | TlsError>()));
    const cached = m.get(issuer);
    if (cached !== undefined) return cached;
    if (state.checks >= maxChecks) {
      state.exhausted ??= fail(ErrorCode.CERT_CHAIN_TOO_LONG, `gave up building the certificate path after ${maxChecks} signature checks`);
      return state.exhausted;
    }
    state.checks++;
    let result: boolean | TlsError;
    const parts = [issuer.subjectPublicKeyInfo, child.raw];
    const cacheKey = verifiedSignatures.key(parts);
    if (verifiedSignatures.get(cacheKey, parts) !== undefined) {
      m.set(issuer, true);
      return true;
    }
    try {
      const key = anchor ? store.publicKey(issuer) : provider.importPublicKey(issuer.subjectPublicKeyInfo);
      result = verifyCertificateSignature(provider, child, key);
      // only successes are remembered (a failure is rare, and the peer's choice)
      if (result) verifiedSignatures.set(cacheKey, parts, true);
    } catch (e) {
      result = fail(
        ErrorCode.CERT_SIGNATURE_FAILURE,
        `cannot check the signature of ${displayName(child)} by ${displayName(issuer)}: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
    m.set(issuer, result);
    return result;
  }

  /** Depth-first search with backtracking; returns a validated path leaf → anchor. */
  function search(state: SearchState, path: Certificate[], req: VerifyRequest): Certificate[] | undefined {
    const depth = path.length - 1;
    const cur = path[depth] as Certificate;
    if (store.isAnchor(cur)) {
      const error = validatePath(path, req);
      if (error === undefined) return path;
      note(state, depth + 100, error); // a complete path's error beats any "no issuer" error
      return undefined;
    }
    if (path.length >= maxDepth) {
      note(state, depth, fail(ErrorCode.CERT_CHAIN_TOO_LONG, `no trust anchor within ${maxDepth} certificates of ${displayName(path[0] as Certificate)}`));
      return undefined;
    }
    let nameMatched = false;
    let sigError: TlsError | undefined;
    // Prefer anchors (shortest path), then the received intermediates.
    const tries: [Certificate, boolean][] = [
      ...store.bySubject(cur.issuer).map((c): [Certificate, boolean] => [c, true]),
      ...state.candidates.filter((c) => equalBytes(c.subject.raw, cur.issuer.raw) && !path.includes(c)).map((c): [Certificate, boolean] => [c, false]),
    ];
    for (const [issuer, anchor] of tries) {
      if (issuer === cur || equalBytes(issuer.raw, cur.raw)) continue;
      // RFC 5280 §4.2.1.1 (and RFC 4158 §3.5.12): when the certificate names its issuer's key
      // and the candidate names its own, they must agree; a same-named CA with another key is
      // not the issuer at all (so the result is "unknown issuer", not "bad signature").
      const aki = cur.authorityKeyIdentifier?.keyIdentifier;
      const ski = issuer.subjectKeyIdentifier;
      if (aki !== undefined && ski !== undefined && !equalBytes(aki, ski)) continue;
      nameMatched = true;
      const ok = signedBy(state, cur, issuer, anchor);
      if (state.exhausted !== undefined) return undefined;
      if (ok !== true) {
        sigError ??=
          ok === false ? fail(ErrorCode.CERT_SIGNATURE_FAILURE, `the signature of certificate ${depth} (${displayName(cur)}) by ${displayName(issuer)} does not verify`) : ok;
        continue;
      }
      const found = search(state, [...path, issuer], req);
      if (found !== undefined || state.exhausted !== undefined) return found;
    }
    if (sigError !== undefined) note(state, depth, sigError);
    else if (!nameMatched) {
      if (cur.selfIssued) {
        note(
          state,
          depth,
          depth === 0
            ? fail(ErrorCode.DEPTH_ZERO_SELF_SIGNED_CERT, `certificate 0 (${displayName(cur)}) is self-signed and not a trusted certificate`)
            : fail(ErrorCode.SELF_SIGNED_CERT_IN_CHAIN, `certificate ${depth} (${displayName(cur)}) in the chain is a self-signed certificate that is not trusted`),
        );
      } else {
        note(
          state,
          depth,
          fail(
            ErrorCode.UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
            `unable to find the issuer (${cur.issuer.text || 'empty name'}) of certificate ${depth} (${displayName(cur)}) among the ${state.candidates.length} other received certificate(s) and the trust anchors`,
          ),
        );
      }
    }
    return undefined;
  }

  /** Checks on a complete path leaf → anchor: the same RFC 5280 §6.1 validation as verifyCertificateChain (validate.ts). */
  function validatePath(path: readonly Certificate[], req: VerifyRequest): TlsError | undefined {
    return validateCandidatePath(provider, path, { time: req.time, purpose: req.purpose, strictProfile: options.strictProfile ?? false }).error;
  }

  function verify(req: VerifyRequest): VerifyResult {
    try {
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
      const leaf = certs[0] as Certificate;
      const state: SearchState = { candidates: certs.slice(1), sigCache: new Map<Certificate, Map<Certificate, boolean | TlsError>>(), checks: 0, exhausted: undefined, best: undefined };
      const path = search(state, [leaf], req);
      if (path === undefined) {
        return {
          ok: false,
          error: state.exhausted ?? state.best?.error ?? fail(ErrorCode.UNABLE_TO_GET_ISSUER_CERT_LOCALLY, `no path from ${displayName(leaf)} to a trust anchor`),
        };
      }
      // RFC 6125 §6: the identity check comes after the path is validated (as node:tls does).
      const idError = checkIdentity(leaf, { ...(req.hostname !== undefined ? { hostname: req.hostname } : {}), ...(req.ip !== undefined ? { ip: req.ip } : {}) });
      if (idError !== undefined) return { ok: false, error: idError };
      return { ok: true, chain: path };
    } catch (e) {
      // Never let an unexpected exception escape into the handshake.
      if (e instanceof TlsError) return { ok: false, error: e };
      return { ok: false, error: new TlsError(ErrorCode.ERR_TLS_INTERNAL_ERROR, `certificate verification failed: ${String(e)}`, { cause: e }) };
    }
  }

  return { verify, trustStore: store };
}
