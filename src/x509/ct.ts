/**
 * Certificate Transparency (RFC 6962): SignedCertificateTimestamp lists (§3.3) from the
 * certificate extension (embedded: signed over the precertificate, §3.2), the TLS
 * signed_certificate_timestamp extension and the OCSP response extension (signed over the
 * certificate, entry type x509_entry); each SCT verified against a log list in the standard JSON
 * log-list format (v3: operators → logs → key, log_id, state), and an optional policy.
 */
import type { CryptoProvider } from '../crypto/provider.js';
import { ErrorCode, TlsError } from '../errors.js';
import { concat, equalBytes, toHex } from '../wire/bytes.js';
import { Reader } from '../wire/reader.js';
import type { Certificate } from './certificate.js';
import { DerReader, contextTag, derExplicit, derOctetString, derSequence } from './der.js';
import { EXT_OID, findExtension } from './ext.js';
import type { BasicOcspResponse } from './ocsp.js';
import { CertificateError, displayName } from './validate.js';

export type SctSource = 'embedded' | 'tls' | 'ocsp';

export interface Sct {
  readonly version: number;
  readonly logId: Uint8Array;
  /** Milliseconds since the epoch. */
  readonly timestamp: number;
  readonly extensions: Uint8Array;
  /** TLS SignatureAndHashAlgorithm as a SignatureScheme number (hash << 8 | signature). */
  readonly scheme: number;
  readonly signature: Uint8Array;
  readonly source: SctSource;
}

function ctError(message: string): TlsError {
  return new TlsError(ErrorCode.ERR_TLS_DECODE_ERROR, message, { field: 'SignedCertificateTimestampList' });
}

/** Parses a TLS-encoded SignedCertificateTimestampList (RFC 6962 §3.3). Unknown versions are skipped. */
export function parseSctList(data: Uint8Array, source: SctSource): Sct[] {
  try {
    const r = new Reader(data);
    const list = r.sub16('SignedCertificateTimestampList', 1);
    r.end('SignedCertificateTimestampList');
    const out: Sct[] = [];
    while (!list.atEnd) {
      const one = list.vec16('SerializedSCT', 1);
      const s = new Reader(one);
      const version = s.u8('sct.version');
      // §3.2: v1 (0) only; clients skip SCTs of versions they do not understand.
      if (version !== 0) continue;
      const logId = s.bytes(32, 'sct.id');
      const timestamp = Number(s.u64('sct.timestamp'));
      const extensions = s.vec16('sct.extensions');
      const hash = s.u8('sct.signature.hash');
      const sig = s.u8('sct.signature.signature');
      const signature = s.vec16('sct.signature.signature', 1);
      s.end('SerializedSCT');
      out.push({ version, logId, timestamp, extensions, scheme: (hash << 8) | sig, signature, source });
      if (out.length > 64) throw ctError('more than 64 SCTs');
    }
    return out;
  } catch (e) {
    if (e instanceof TlsError) throw ctError(`malformed SCT list: ${e.message}`);
    throw e;
  }
}

/** The embedded SCTs of a certificate (the extnValue is an OCTET STRING around the TLS list). */
export function embeddedScts(cert: Certificate): Sct[] {
  const e = findExtension(cert, EXT_OID.sctList);
  if (e === undefined) return [];
  const r = new DerReader(e.value, 'SignedCertificateTimestampList');
  const inner = r.octetString('SignedCertificateTimestampList');
  r.end();
  return parseSctList(inner, 'embedded');
}

/** SCTs in an OCSP response's SingleResponse extension for the certificate (RFC 6962 §3.3). */
export function ocspScts(response: BasicOcspResponse, serialRaw: Uint8Array): Sct[] {
  const out: Sct[] = [];
  for (const s of response.responses) {
    if (!equalBytes(s.certId.serialRaw, serialRaw)) continue;
    const e = s.extensions.find((x) => x.oid === EXT_OID.ocspSctList);
    if (e === undefined) continue;
    const r = new DerReader(e.value, 'SignedCertificateTimestampList');
    out.push(...parseSctList(r.octetString('SignedCertificateTimestampList'), 'ocsp'));
  }
  return out;
}

/** The TBSCertificate with the SCT list extension removed: what the log signed (RFC 6962 §3.2). */
export function precertificateTbs(cert: Certificate): Uint8Array {
  const tbs = new DerReader(cert.tbsRaw, 'tbsCertificate').sequence('tbsCertificate');
  const parts: Uint8Array[] = [];
  while (!tbs.atEnd) {
    const t = tbs.next('tbsCertificate');
    if (t.tag !== contextTag(3, true)) {
      parts.push(t.raw);
      continue;
    }
    const list = new DerReader(t.value, 'extensions').sequence('extensions');
    const kept: Uint8Array[] = [];
    while (!list.atEnd) {
      const e = list.next('Extension');
      const oid = new DerReader(e.value, 'Extension').oid('Extension.extnID');
      if (oid !== EXT_OID.sctList) kept.push(e.raw);
    }
    if (kept.length > 0) parts.push(derExplicit(3, derSequence(...kept)));
  }
  return derSequence(...parts);
}

const u64 = (n: number): Uint8Array => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n));
  return b;
};
const u16 = (n: number): Uint8Array => Uint8Array.of(n >> 8, n & 0xff);
const u24 = (n: number): Uint8Array => Uint8Array.of(n >> 16, (n >> 8) & 0xff, n & 0xff);

/**
 * The bytes an SCT signs (RFC 6962 §3.2 digitally-signed struct): for an embedded SCT the
 * precert_entry (issuer_key_hash + TBS without the SCT list), otherwise the x509_entry.
 */
export function sctSignedData(provider: CryptoProvider, sct: Pick<Sct, 'timestamp' | 'extensions' | 'source'>, cert: Certificate, issuer: Certificate | undefined): Uint8Array {
  let entry: Uint8Array;
  if (sct.source === 'embedded') {
    if (issuer === undefined) throw ctError('an embedded SCT needs the issuer certificate');
    const tbs = precertificateTbs(cert);
    entry = concat(u16(1), provider.hash('sha256', issuer.subjectPublicKeyInfo), u24(tbs.length), tbs);
  } else {
    entry = concat(u16(0), u24(cert.raw.length), cert.raw);
  }
  // version v1(0), signature_type certificate_timestamp(0), timestamp, entry, extensions
  return concat(Uint8Array.of(0, 0), u64(sct.timestamp), entry, u16(sct.extensions.length), sct.extensions);
}

/** Encodes one SCT and a list (for tests and for a server that serves SCTs). */
export function encodeSct(s: Pick<Sct, 'logId' | 'timestamp' | 'extensions' | 'scheme' | 'signature'>): Uint8Array {
  return concat(Uint8Array.of(0), s.logId, u64(s.timestamp), u16(s.extensions.length), s.extensions, u16(s.scheme), u16(s.signature.length), s.signature);
}

export function encodeSctList(scts: readonly Uint8Array[]): Uint8Array {
  const body = concat(...scts.map((s) => concat(u16(s.length), s)));
  return concat(u16(body.length), body);
}

/** The extnValue of an embedded SCT list extension. */
export const encodeSctListExtension = (list: Uint8Array): Uint8Array => derOctetString(list);

// ---------------------------------------------------------------------------------------------
// Log lists (the v3 JSON schema)

export interface CtLog {
  readonly description: string;
  readonly logId: Uint8Array;
  readonly key: Uint8Array;
  readonly operator: string;
  /** 'usable', 'qualified', 'readonly', 'retired', 'rejected', 'pending'. */
  readonly state: string;
  /** For a retired log: when it retired (ms); SCTs after that do not count. */
  readonly retiredAt: number | undefined;
}

const b64 = (s: unknown, what: string): Uint8Array => {
  if (typeof s !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(s)) throw ctError(`log list: ${what} is not base64`);
  return Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
};

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses a log list (JSON text or parsed object) in the v3 schema; log_id is checked against SHA-256(key). */
export function parseLogList(provider: CryptoProvider, json: unknown): CtLog[] {
  const doc: unknown = typeof json === 'string' ? JSON.parse(json) : json;
  if (!isRecord(doc) || !Array.isArray(doc.operators)) throw ctError('log list: no "operators" array');
  const out: CtLog[] = [];
  for (const op of doc.operators as unknown[]) {
    if (!isRecord(op)) continue;
    const operator = typeof op.name === 'string' ? op.name : '(unnamed operator)';
    for (const log of Array.isArray(op.logs) ? (op.logs as unknown[]) : []) {
      if (!isRecord(log)) continue;
      const key = b64(log.key, 'key');
      const logId = b64(log.log_id, 'log_id');
      // RFC 6962 §3.2: the LogID is the SHA-256 of the log's public key (SPKI DER).
      if (!equalBytes(logId, provider.hash('sha256', key))) throw ctError(`log list: log_id of ${String(log.description)} is not SHA-256 of its key`);
      let state = 'unknown';
      let retiredAt: number | undefined;
      if (isRecord(log.state)) {
        const k = Object.keys(log.state)[0];
        if (k !== undefined) {
          state = k;
          const v = log.state[k];
          if (k === 'retired' && isRecord(v) && typeof v.timestamp === 'string') retiredAt = Date.parse(v.timestamp);
        }
      }
      out.push({ description: typeof log.description === 'string' ? log.description : toHex(logId), logId, key, operator, state, retiredAt });
    }
  }
  return out;
}

export interface SctVerification {
  readonly sct: Sct;
  readonly log: CtLog | undefined;
  readonly ok: boolean;
  readonly detail: string;
}

/** Verifies each SCT against the log list. */
export function verifyScts(provider: CryptoProvider, scts: readonly Sct[], cert: Certificate, issuer: Certificate | undefined, logs: readonly CtLog[], time: Date): SctVerification[] {
  return scts.map((sct): SctVerification => {
    const log = logs.find((l) => equalBytes(l.logId, sct.logId));
    if (log === undefined) return { sct, log, ok: false, detail: `SCT (${sct.source}) from an unknown log ${toHex(sct.logId).slice(0, 16)}…` };
    const name = `SCT (${sct.source}) from ${log.description}`;
    if (log.state === 'rejected' || log.state === 'pending') return { sct, log, ok: false, detail: `${name}: the log is ${log.state}` };
    if (sct.timestamp > time.getTime()) return { sct, log, ok: false, detail: `${name}: timestamp ${new Date(sct.timestamp).toISOString()} is in the future` };
    if (log.retiredAt !== undefined && sct.timestamp >= log.retiredAt) return { sct, log, ok: false, detail: `${name}: issued after the log retired` };
    try {
      const key = provider.importPublicKey(log.key);
      // RFC 6962 §2.1.4: logs sign with ECDSA P-256/SHA-256 or RSA (PKCS#1 v1.5)/SHA-256.
      if (sct.scheme !== 0x0403 && sct.scheme !== 0x0401) return { sct, log, ok: false, detail: `${name}: unsupported signature algorithm 0x${sct.scheme.toString(16)}` };
      const good = provider.verify(sct.scheme, key, sctSignedData(provider, sct, cert, issuer), sct.signature);
      return { sct, log, ok: good, detail: good ? `${name}: valid, ${new Date(sct.timestamp).toISOString()}` : `${name}: the signature does not verify` };
    } catch (e) {
      return { sct, log, ok: false, detail: `${name}: ${e instanceof Error ? e.message : String(e)}` };
    }
  });
}

export interface CtPolicy {
  /** Valid SCTs required (default 2). */
  readonly minScts?: number;
  /** From at least this many distinct log operators (default 2). */
  readonly minOperators?: number;
}

/** Checks the policy; undefined when met. */
export function checkCtPolicy(results: readonly SctVerification[], policy: CtPolicy, cert: Certificate): CertificateError | undefined {
  const valid = results.filter((r) => r.ok);
  const logs = new Set(valid.map((r) => toHex(r.sct.logId)));
  const operators = new Set(valid.map((r) => r.log?.operator));
  const minScts = policy.minScts ?? 2;
  const minOps = policy.minOperators ?? 2;
  if (logs.size >= minScts && operators.size >= minOps) return undefined;
  const bad = results.filter((r) => !r.ok).map((r) => r.detail);
  return new CertificateError(
    ErrorCode.CT_POLICY_NOT_MET,
    'ct',
    `certificate 0 (${displayName(cert)}) has ${logs.size} valid SCT(s) from ${operators.size} log operator(s); the policy requires ${minScts} from ${minOps} distinct operator(s)${bad.length > 0 ? ` (rejected: ${bad.join('; ')})` : ''}`,
    { index: 0, subject: displayName(cert), field: 'SignedCertificateTimestampList' },
  );
}


