/**
 * A server's OCSP stapler: fetches the response for each certificate from the responder its
 * leaf names (authorityInfoAccess id-ad-ocsp, RFC 5280 §4.2.2.1) with an HTTP POST (RFC 6960
 * Appendix A.1), keeps it, and refreshes it halfway to its nextUpdate in the background, so a
 * handshake waits for the responder only the first time (or after the response expired).
 * Responses are checked before they are stapled (RFC 6960 §3.2: signature by the issuer or a
 * delegated responder, the CertID, freshness); one that fails is not stapled. Fetch failures back
 * off for a while instead of delaying every handshake.
 */
import { Buffer } from 'node:buffer';
import { request } from 'node:http';
import type { CryptoProvider } from '../crypto/provider.js';
import type { CertifiedKey, OcspResponder } from '../handshake/config.js';
import { toHex } from '../wire/bytes.js';
import { parseCertificate } from '../x509/certificate.js';
import { authorityInfoAccess } from '../x509/ext.js';
import { buildOcspRequest, certIdMatches, checkOcsp, MAX_OCSP_RESPONSE_SIZE, parseOcspResponse } from '../x509/ocsp.js';
import { CertificateError } from '../x509/validate.js';

/** POSTs a DER OCSPRequest to `url`; resolves with the DER OCSPResponse. */
export type OcspFetch = (url: string, request: Uint8Array, o: { readonly timeoutMs: number; readonly maxBytes: number }) => Promise<Uint8Array>;

export interface OcspStaplerOptions {
  readonly provider: CryptoProvider;
  /** The transport (default: node:http POST, no redirects, no proxies; http: URLs only). */
  readonly fetch?: OcspFetch;
  /** Time allowed for one fetch (default 5000 ms). */
  readonly timeoutMs?: number;
  /** After a failed fetch, how long before trying again (default 60 s); meanwhile nothing new is stapled. */
  readonly retryAfterMs?: number;
  /** The clock (tests). */
  readonly now?: () => Date;
  /** Told about each fetch and its outcome (for logs). */
  readonly onEvent?: (event: { readonly url: string; readonly ok: boolean; readonly detail: string }) => void;
}

interface Entry {
  der: Uint8Array | undefined;
  /** When to fetch a fresh one (ms), and when the current one stops being usable. */
  refreshAt: number;
  expiresAt: number;
  /** No fetch before this time after a failure. */
  retryAt: number;
  inflight: Promise<void> | undefined;
}

const HOUR = 3_600_000;

/** RFC 6960 Appendix A.1: POST with Content-Type application/ocsp-request; http: only (the response is signed). */
export const httpOcspFetch: OcspFetch = (url, body, o) =>
  new Promise<Uint8Array>((resolve, reject) => {
    const u = new URL(url);
    if (u.protocol !== 'http:') {
      reject(new Error(`${url}: only http: OCSP responders are fetched`));
      return;
    }
    const req = request(
      u,
      { method: 'POST', headers: { 'Content-Type': 'application/ocsp-request', Accept: 'application/ocsp-response', 'Content-Length': body.length }, timeout: o.timeoutMs },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          reject(new Error(`${url}: HTTP ${res.statusCode ?? '?'}`));
          return;
        }
        const chunks: Buffer[] = [];
        let n = 0;
        res.on('data', (c: Buffer) => {
          n += c.length;
          if (n > o.maxBytes) {
            req.destroy(new Error(`${url}: response larger than ${o.maxBytes} bytes`));
            return;
          }
          chunks.push(c);
        });
        res.on('end', () => {
          resolve(new Uint8Array(Buffer.concat(chunks)));
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${url}: no answer within ${o.timeoutMs} ms`)));
    req.on('error', reject);
    req.end(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
  });

/**
 * Fetches, checks and caches OCSP responses for stapling; `responder` plugs into
 * `ServerConfig.ocspResponder` (createServer({ ocspStapling: true }), `tlskit serve --ocsp-fetch`).
 *
 * @example
 * const stapler = new OcspStapler({ provider });
 * const config = serverConfig({ provider, certificates, ocspResponder: stapler.responder });
 */
export class OcspStapler {
  private readonly entries = new Map<string, Entry>();
  private readonly fetch: OcspFetch;
  private readonly now: () => Date;

  constructor(private readonly o: OcspStaplerOptions) {
    this.fetch = o.fetch ?? httpOcspFetch;
    this.now = o.now ?? (() => new Date());
  }

  /** The response to staple for `certificate` now (waiting for the responder only when nothing usable is cached). */
  readonly responder: OcspResponder = (certificate) => this.get(certificate);

  async get(certificate: CertifiedKey): Promise<Uint8Array | null> {
    const leafDer = certificate.chain[0];
    if (leafDer === undefined || certificate.chain[1] === undefined) return null;
    const key = toHex(this.o.provider.hash('sha256', leafDer));
    let e = this.entries.get(key);
    if (e === undefined) {
      e = { der: undefined, refreshAt: 0, expiresAt: 0, retryAt: 0, inflight: undefined };
      this.entries.set(key, e);
    }
    const t = this.now().getTime();
    const usable = e.der !== undefined && t < e.expiresAt;
    if (t >= e.refreshAt && t >= e.retryAt) {
      e.inflight ??= this.refresh(e, certificate).finally(() => {
        if (e !== undefined) e.inflight = undefined;
      });
      // a usable response is stapled while the new one is fetched in the background
      if (!usable) await e.inflight;
    }
    return e.der !== undefined && this.now().getTime() < e.expiresAt ? e.der : null;
  }

  private async refresh(e: Entry, certificate: CertifiedKey): Promise<void> {
    const p = this.o.provider;
    let url = '(no responder)';
    try {
      const leaf = parseCertificate(certificate.chain[0] as Uint8Array);
      const issuer = parseCertificate(certificate.chain[1] as Uint8Array);
      const found = authorityInfoAccess(leaf)?.ocsp[0];
      if (found === undefined) throw new Error(`the certificate ${leaf.subject.text} names no OCSP responder (authorityInfoAccess)`);
      url = found;
      const der = await this.fetch(url, buildOcspRequest(p, leaf, issuer), { timeoutMs: this.o.timeoutMs ?? 5000, maxBytes: MAX_OCSP_RESPONSE_SIZE });
      const response = parseOcspResponse(der);
      const status = checkOcsp(p, response, leaf, 0, issuer, { time: this.now() });
      if (status === undefined) throw new Error('the response is not about this certificate');
      if (status instanceof CertificateError) throw status;
      const single = response.responses.find((s) => certIdMatches(p, s.certId, leaf, issuer));
      const thisUpdate = single?.thisUpdate.getTime() ?? this.now().getTime();
      const nextUpdate = single?.nextUpdate?.getTime();
      const expiresAt = nextUpdate ?? thisUpdate + 7 * 24 * HOUR;
      e.der = der;
      e.expiresAt = expiresAt;
      // refresh halfway through the validity window (at least a minute ahead)
      e.refreshAt = Math.max(thisUpdate + (expiresAt - thisUpdate) / 2, this.now().getTime() + 60_000);
      this.o.onEvent?.({ url, ok: true, detail: `${status.status}, valid until ${new Date(expiresAt).toISOString()}` });
    } catch (err) {
      e.retryAt = this.now().getTime() + (this.o.retryAfterMs ?? 60_000);
      this.o.onEvent?.({ url, ok: false, detail: err instanceof Error ? err.message : String(err) });
    }
  }
}
