/**
 * Fetching CRLs from a certificate's CRL distribution points (RFC 5280 §4.2.1.13) when the caller
 * allows network fetches: plain `http:` URIs only (RFC 5280 §4.2.1.13 / CA/B Forum BR §7.1.2.11.2:
 * CRLs are published over HTTP; the CRL's own signature protects it), bounded in size and time,
 * with an in-memory cache that keeps a CRL until its nextUpdate. The fetch itself is a hook
 * (`CrlFetchFunction`), so applications and tests can supply their own transport; the default
 * is `httpFetchCrl` (node:http, no redirects, no proxies).
 *
 * What a fetch failure means follows the revocation mode, as for OCSP: under 'soft' a CRL that
 * cannot be fetched (or fetched but cannot be relied on: bad signature, stale) counts as "no
 * status" and is reported; under 'hard' the certificate fails with the reason.
 */
import { request } from 'node:http';
import type { CryptoProvider } from '../crypto/provider.js';
import type { Certificate } from './certificate.js';
import { MAX_CRL_SIZE, crlScope, parseCrl, type Crl } from './crl.js';
import { crlDistributionUris, freshestCrlUris } from './ext.js';
import { certIdMatches, type BasicOcspResponse } from './ocsp.js';

export interface CrlFetchLimits {
  /** Largest response body accepted, in bytes. */
  readonly maxBytes: number;
  /** Time allowed for the whole exchange, in milliseconds. */
  readonly timeoutMs: number;
}

/** Fetches the DER CRL at `url` within `limits`; rejects with an Error saying why not. */
export type CrlFetchFunction = (url: string, limits: CrlFetchLimits) => Promise<Uint8Array>;

export interface CrlFetchOptions {
  /** The transport (default `httpFetchCrl`). */
  readonly fetch?: CrlFetchFunction;
  /** Largest CRL fetched (default 8 MiB, at most MAX_CRL_SIZE). */
  readonly maxBytes?: number;
  /** Timeout per fetch (default 5000 ms). */
  readonly timeoutMs?: number;
  /** Where fetched CRLs are kept until their nextUpdate (default: one cache shared by the process). */
  readonly cache?: CrlCache;
  /** Most distribution points fetched for one verification (default 8): bounds the work a chain can cause. */
  readonly maxFetches?: number;
}

export const DEFAULT_CRL_FETCH_MAX_BYTES = 8 * 1024 * 1024;
export const DEFAULT_CRL_FETCH_TIMEOUT_MS = 5000;
export const DEFAULT_CRL_MAX_FETCHES = 8;

/**
 * CRLs by distribution point URL, each kept until its nextUpdate (RFC 5280 §5.1.2.5: the date by
 * which the next CRL will be issued; a CRL without nextUpdate is not cached). Bounded: the oldest
 * entry goes first.
 */
export class CrlCache {
  private readonly map = new Map<string, Crl>();

  constructor(private readonly max = 64) {}

  get size(): number {
    return this.map.size;
  }

  /** The cached CRL for `url` when it is still current at `now`. */
  get(url: string, now: Date): Crl | undefined {
    const crl = this.map.get(url);
    if (crl === undefined) return undefined;
    if (crl.nextUpdate === undefined || crl.nextUpdate.getTime() <= now.getTime()) {
      this.map.delete(url);
      return undefined;
    }
    return crl;
  }

  set(url: string, crl: Crl): void {
    if (crl.nextUpdate === undefined || this.max <= 0) return;
    this.map.delete(url);
    if (this.map.size >= this.max) {
      const oldest = this.map.keys().next();
      if (oldest.done !== true) this.map.delete(oldest.value);
    }
    this.map.set(url, crl);
  }

  clear(): void {
    this.map.clear();
  }
}

/** The cache used when the caller brings none. */
export const sharedCrlCache = new CrlCache();

/**
 * GETs a CRL over plain HTTP: status 200 only (no redirects), the body bounded by
 * `limits.maxBytes` (a larger Content-Length is refused before reading), the whole exchange by
 * `limits.timeoutMs`.
 */
export function httpFetchCrl(url: string, limits: CrlFetchLimits): Promise<Uint8Array> {
  return new Promise<Uint8Array>((resolve, reject) => {
    let settled = false;
    const done = (err: Error | undefined, body?: Uint8Array): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err !== undefined) {
        req.destroy();
        reject(err);
      } else resolve(body as Uint8Array);
    };
    const req = request(url, { method: 'GET', headers: { accept: 'application/pkix-crl, */*' } }, (res) => {
      const status = res.statusCode ?? 0;
      if (status !== 200) {
        res.resume();
        done(new Error(`HTTP ${status}${status >= 300 && status < 400 ? ' (redirects are not followed)' : ''}`));
        return;
      }
      const declared = Number(res.headers['content-length'] ?? NaN);
      if (Number.isFinite(declared) && declared > limits.maxBytes) {
        done(new Error(`the CRL is ${declared} bytes, more than the ${limits.maxBytes} accepted`));
        return;
      }
      const chunks: Uint8Array[] = [];
      let size = 0;
      res.on('data', (chunk: Uint8Array) => {
        size += chunk.length;
        if (size > limits.maxBytes) done(new Error(`the CRL is more than the ${limits.maxBytes} bytes accepted`));
        else chunks.push(chunk);
      });
      res.on('end', () => {
        const body = new Uint8Array(size);
        let at = 0;
        for (const c of chunks) {
          body.set(c, at);
          at += c.length;
        }
        done(undefined, body);
      });
      res.on('error', (e) => {
        done(e);
      });
    });
    const timer = setTimeout(() => {
      done(new Error(`timed out after ${limits.timeoutMs} ms`));
    }, limits.timeoutMs);
    req.on('error', (e) => {
      done(e);
    });
    req.end();
  });
}

export interface FetchedCrl {
  readonly url: string;
  readonly crl: Crl;
}

export interface CrlFetchOutcome {
  readonly crls: readonly FetchedCrl[];
  /** Why a distribution point gave no CRL, by URL. */
  readonly failures: ReadonlyMap<string, string>;
  /** URLs actually fetched (not served from the cache). */
  readonly fetched: readonly string[];
}

const inflight = new Map<string, Promise<Crl>>();

/**
 * Gets the CRLs of the distribution points of `path[i]` for every i below the trust anchor,
 * skipping certificates already covered by a supplied CRL or OCSP response. Never rejects:
 * failures are collected by URL.
 */
export async function fetchCrlsForPath(
  provider: CryptoProvider,
  path: readonly Certificate[],
  o: CrlFetchOptions & { readonly time: Date; readonly crls?: readonly Crl[]; readonly ocspResponses?: readonly BasicOcspResponse[]; readonly leafOnly?: boolean },
): Promise<CrlFetchOutcome> {
  const fetchFn = o.fetch ?? httpFetchCrl;
  const cache = o.cache ?? sharedCrlCache;
  const limits: CrlFetchLimits = { maxBytes: Math.min(o.maxBytes ?? DEFAULT_CRL_FETCH_MAX_BYTES, MAX_CRL_SIZE), timeoutMs: o.timeoutMs ?? DEFAULT_CRL_FETCH_TIMEOUT_MS };
  const maxFetches = o.maxFetches ?? DEFAULT_CRL_MAX_FETCHES;
  const failures = new Map<string, string>();
  const urls: string[] = [];
  const want = (url: string): void => {
    if (!/^http:\/\//i.test(url)) {
      failures.set(url, 'not fetched: only http:// distribution points are fetched');
      return;
    }
    if (!urls.includes(url)) urls.push(url);
  };
  const last = o.leafOnly === true ? Math.min(1, path.length - 1) : path.length - 1;
  for (let i = 0; i < last; i++) {
    const cert = path[i] as Certificate;
    const issuer = path[i + 1] as Certificate;
    if ((o.crls ?? []).some((c) => crlScope(c, cert, issuer) !== undefined)) continue;
    if ((o.ocspResponses ?? []).some((r) => r.responses.some((s) => certIdMatches(provider, s.certId, cert, issuer)))) continue;
    let dps: string[];
    try {
      dps = crlDistributionUris(cert);
    } catch {
      continue; // reported by the revocation check, which reads the same extension
    }
    for (const url of dps) want(url);
    // RFC 5280 §4.2.1.15: the certificate's freshestCRL points name its delta CRLs
    try {
      for (const url of freshestCrlUris(cert)) want(url);
    } catch {
      // a malformed freshestCRL only costs the delta CRL
    }
  }
  const crls: FetchedCrl[] = [];
  const fetched: string[] = [];
  let attempted = 0;
  const fetchUrls = (batch: readonly string[]): Promise<unknown> =>
    Promise.all(
      batch.map(async (url) => {
        const hit = cache.get(url, o.time);
        if (hit !== undefined) {
          crls.push({ url, crl: hit });
          return;
        }
        if (attempted++ >= maxFetches) {
          failures.set(url, `not fetched: more than ${maxFetches} distribution points in one verification`);
          return;
        }
        let p = inflight.get(url);
        if (p === undefined) {
          fetched.push(url);
          p = fetchFn(url, limits).then((der) => {
            if (der.length > limits.maxBytes) throw new Error(`the CRL is ${der.length} bytes, more than the ${limits.maxBytes} accepted`);
            try {
              return parseCrl(der);
            } catch (e) {
              throw new Error(`the CRL is malformed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
            }
          });
          inflight.set(url, p);
          void p.then(
            () => inflight.delete(url),
            () => inflight.delete(url),
          );
        }
        try {
          const crl = await p;
          cache.set(url, crl);
          crls.push({ url, crl });
        } catch (e) {
          failures.set(url, `fetching it failed: ${e instanceof Error ? e.message : String(e)}`);
        }
      }),
    );
  await fetchUrls(urls);
  // RFC 5280 §5.2.6: a complete CRL's freshestCRL points name its delta CRLs: a second round
  const deltas: string[] = [];
  for (const { crl } of crls) {
    if (crl.isDelta) continue;
    for (const url of crl.freshestCrlUris) {
      if (urls.includes(url) || deltas.includes(url)) continue;
      if (!/^http:\/\//i.test(url)) {
        failures.set(url, 'not fetched: only http:// distribution points are fetched');
        continue;
      }
      deltas.push(url);
    }
  }
  if (deltas.length > 0) await fetchUrls(deltas);
  return { crls, failures, fetched };
}
