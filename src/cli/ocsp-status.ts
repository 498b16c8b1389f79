/**
 * `tlskit connect --status` / `tlskit serve --ocsp`: what a stapled OCSP response says (RFC 6960
 * §4.2.1 fields, as `openssl s_client -status` prints them) and whether it verifies.
 */
import { readFileSync } from 'node:fs';
import type { CryptoProvider } from '../crypto/provider.js';
import type { Negotiated } from '../handshake/host.js';
import type { Json } from '../trace/json.js';
import { toHex } from '../wire/bytes.js';
import { parseCertificate, type Certificate } from '../x509/certificate.js';
import { certIdMatches, parseOcspResponse, type BasicOcspResponse, type SingleResponse } from '../x509/ocsp.js';
import { decodePem } from '../x509/pem.js';
import { describeStapledOcsp } from '../x509/stapling.js';
import type { CertificateVerifier } from '../x509/verify.js';
import { UsageError } from './names.js';

/** The fields of a stapled response, for people and for --json. */
export interface OcspStatusReport {
  readonly stapled: boolean;
  readonly text: string;
  readonly json: Json;
}

const iso = (d: Date | undefined): string | null => (d === undefined ? null : d.toISOString().replace(/\.000Z$/, 'Z'));

/** The SingleResponse about `leaf` (by CertID when the issuer is known, else by serial). */
function singleFor(provider: CryptoProvider, r: BasicOcspResponse, leaf: Certificate | undefined, issuer: Certificate | undefined): SingleResponse | undefined {
  if (leaf === undefined) return r.responses[0];
  if (issuer !== undefined) {
    const byId = r.responses.find((s) => certIdMatches(provider, s.certId, leaf, issuer));
    if (byId !== undefined) return byId;
  }
  return r.responses.find((s) => toHex(s.certId.serialRaw) === toHex(leaf.serialRaw)) ?? r.responses[0];
}

function tryParse(der: Uint8Array | undefined): Certificate | undefined {
  if (der === undefined) return undefined;
  try {
    return parseCertificate(der);
  } catch {
    return undefined;
  }
}

/**
 * Describes the stapled response of a finished handshake and verifies it with `verifier` (on the
 * chain the server sent), whether or not the handshake itself verified (--insecure).
 */
export function ocspStatusReport(provider: CryptoProvider, verifier: CertificateVerifier, neg: Negotiated, enforced: boolean): OcspStatusReport {
  const der = neg.ocspResponse;
  if (der === undefined) {
    const text = 'OCSP response: none (the server did not staple one)\n';
    return { stapled: false, text, json: { requested: true, stapled: false } };
  }
  const lines = [`OCSP response: ${der.length} bytes stapled`];
  const json: Record<string, Json> = { requested: true, stapled: true, size: der.length };
  let parsed: BasicOcspResponse | undefined;
  try {
    parsed = parseOcspResponse(der);
    json.response_status = 'successful';
    lines.push('  OCSP Response Status: successful (0x0)');
  } catch (e) {
    json.response_status = null;
    json.parse_error = e instanceof Error ? e.message : String(e);
    lines.push(`  unusable: ${json.parse_error}`);
  }
  if (parsed !== undefined) {
    const leaf = tryParse(neg.peerCertificates[0]);
    const single = singleFor(provider, parsed, leaf, tryParse(neg.peerCertificates[1]));
    const responder = 'byName' in parsed.responderId ? parsed.responderId.byName.text : `key hash ${toHex(parsed.responderId.byKey)}`;
    lines.push(`  Responder Id: ${responder}`, `  Produced At: ${iso(parsed.producedAt) ?? ''}`);
    Object.assign(json, { responder_id: responder, produced_at: iso(parsed.producedAt), responses: parsed.responses.length });
    if (single !== undefined) {
      lines.push(`  Serial Number: ${toHex(single.certId.serialRaw).toUpperCase()}`, `  Cert Status: ${single.status}`);
      if (single.status === 'revoked') lines.push(`  Revocation Time: ${iso(single.revocationTime) ?? '?'}${single.revocationReason !== undefined ? ` (${single.revocationReason})` : ''}`);
      lines.push(`  This Update: ${iso(single.thisUpdate) ?? ''}`, `  Next Update: ${iso(single.nextUpdate) ?? '(none)'}`);
      Object.assign(json, {
        serial_number: toHex(single.certId.serialRaw),
        cert_status: single.status,
        revocation_time: iso(single.revocationTime),
        revocation_reason: single.revocationReason ?? null,
        this_update: iso(single.thisUpdate),
        next_update: iso(single.nextUpdate),
      });
    }
  }
  // the verifier's view: the path, then the staple on it — signature (issuer or delegated
  // responder), CertID, freshness, status; the host name is the chain report's business
  const r = verifier.verify({ chain: neg.peerCertificates, purpose: 'serverAuth', time: new Date(), ocspResponses: [der], statusRequested: true });
  let result: string;
  if (r.ok) result = r.ocsp === undefined ? 'not checked (no issuer in the path)' : `OK: ${describeStapledOcsp(r.ocsp)}`;
  else result = `FAILED: ${r.error.message}`;
  if (!enforced) result = `not enforced (--insecure): ${result}`;
  lines.push(`  Verification: ${result}`);
  json.verification = { ok: r.ok, result, ...(r.ok ? {} : { code: r.error.code }) };
  return { stapled: true, text: `${lines.join('\n')}\n`, json };
}

/** `--ocsp FILE`: a DER OCSPResponse (or PEM "OCSP RESPONSE"), checked to parse. */
export function readOcspFile(file: string): { der: Uint8Array; summary: string } {
  let der: Uint8Array;
  try {
    const bytes = new Uint8Array(readFileSync(file));
    const text = new TextDecoder('latin1').decode(bytes.subarray(0, 64));
    der = text.includes('-----BEGIN') ? (decodePem(new TextDecoder('latin1').decode(bytes))[0]?.der ?? new Uint8Array(0)) : bytes;
  } catch (e) {
    throw new UsageError(`cannot read --ocsp ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  let r: BasicOcspResponse;
  try {
    r = parseOcspResponse(der);
  } catch (e) {
    throw new UsageError(`--ocsp ${file} is not a usable OCSP response: ${e instanceof Error ? e.message : String(e)}`);
  }
  const s = r.responses[0];
  const summary = s === undefined ? 'no responses' : `${s.status}, serial ${toHex(s.certId.serialRaw)}, thisUpdate ${iso(s.thisUpdate) ?? ''}, nextUpdate ${iso(s.nextUpdate) ?? '(none)'}`;
  return { der, summary };
}
