/**
 * A trace as JSON (for `tlskit demo --json`, `tlskit connect --json` and the future web
 * visualizer): every message with its decoded fields under their RFC names (snake_case), code
 * points with their IANA names, extensions decoded where we know them, and the raw bytes as hex.
 * No secrets: a trace never holds one.
 */
import type { Extension } from '../extensions/extension.js';
import { decodeAlpn, decodeAlpnServer } from '../extensions/alpn.js';
import { decodeKeyShareClient, decodeKeyShareHrr, decodeKeyShareServer } from '../extensions/key-share.js';
import { decodeServerNameClient } from '../extensions/server-name.js';
import { decodeSupportedGroups } from '../extensions/supported-groups.js';
import { decodeSignatureAlgorithms, decodeSignatureAlgorithmsCert } from '../extensions/signature-algorithms.js';
import { decodeSupportedVersionsClient, decodeSupportedVersionsServer } from '../extensions/supported-versions.js';
import { decodeRecordSizeLimit } from '../extensions/record-size-limit.js';
import { decodePskKeyExchangeModes } from '../extensions/psk-key-exchange-modes.js';
import { ExtensionType, HandshakeType } from '../registry/codepoints.js';
import {
  alertDescriptionName,
  cipherSuiteName,
  contentTypeName,
  extensionTypeName,
  handshakeTypeName,
  namedGroupName,
  protocolVersionName,
  signatureSchemeName,
} from '../registry/names.js';
import { toHex } from '../wire/bytes.js';
import { isHelloRetryRequest } from '../messages/server-hello.js';
import type { TraceEntry } from './events.js';
import { explainAlert, explainHandshake, explainRecord, messageName, Resumption12Tracker, shortName, tryParseCertificate } from './explain.js';

export type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };

const hex4 = (n: number): string => `0x${n.toString(16).padStart(4, '0')}`;
const named = (value: number, name: (v: number) => string): Json => ({ value, hex: hex4(value), name: name(value) });

/** `cipherSuites` → `cipher_suites`: the codec's camelCase back to the RFC's field names. */
export function rfcFieldName(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

type Kind = 'CH' | 'SH' | 'HRR' | 'EE' | 'CT' | 'CR' | 'NST' | 'other';

function decodeExtension(type: number, data: Uint8Array, kind: Kind): Json | undefined {
  const names = (list: readonly number[], f: (v: number) => string): Json => list.map((v) => named(v, f));
  switch (type) {
    case ExtensionType.server_name:
      return kind === 'CH' ? { host_name: decodeServerNameClient(data).hostName } : data.length === 0 ? 'acknowledged' : undefined;
    case ExtensionType.supported_groups:
      return names(decodeSupportedGroups(data), namedGroupName);
    case ExtensionType.signature_algorithms:
      return names(decodeSignatureAlgorithms(data), signatureSchemeName);
    case ExtensionType.signature_algorithms_cert:
      return names(decodeSignatureAlgorithmsCert(data), signatureSchemeName);
    case ExtensionType.application_layer_protocol_negotiation:
      return kind === 'CH' ? decodeAlpn(data) : decodeAlpnServer(data);
    case ExtensionType.supported_versions:
      return kind === 'CH' ? names(decodeSupportedVersionsClient(data), protocolVersionName) : named(decodeSupportedVersionsServer(data), protocolVersionName);
    case ExtensionType.key_share:
      if (kind === 'CH') {
        return decodeKeyShareClient(data).map((s) => ({ group: named(s.group, namedGroupName), key_exchange: toHex(s.keyExchange) }));
      }
      if (kind === 'HRR') return { selected_group: named(decodeKeyShareHrr(data), namedGroupName) };
      if (kind === 'SH') {
        const s = decodeKeyShareServer(data);
        return { group: named(s.group, namedGroupName), key_exchange: toHex(s.keyExchange) };
      }
      return undefined;
    case ExtensionType.record_size_limit:
      return decodeRecordSizeLimit(data);
    case ExtensionType.psk_key_exchange_modes:
      return decodePskKeyExchangeModes(data).map((m) => (m === 0 ? 'psk_ke' : m === 1 ? 'psk_dhe_ke' : `unknown(${m})`));
    default:
      return undefined;
  }
}

function extensionJson(e: Extension, kind: Kind): Json {
  const out: Record<string, Json> = { extension_type: named(e.type, extensionTypeName), extension_data: toHex(e.data) };
  try {
    const decoded = decodeExtension(e.type, e.data, kind);
    if (decoded !== undefined) out.decoded = decoded;
  } catch (err) {
    out.decode_error = err instanceof Error ? err.message : String(err);
  }
  return out;
}

/** Field values: bytes as hex, code points named, extensions decoded, certificates parsed. */
function fieldValue(key: string, value: unknown, kind: Kind): Json {
  if (value instanceof Uint8Array) {
    if (key === 'certData') {
      const cert = tryParseCertificate(value);
      return cert === undefined
        ? toHex(value)
        : {
            der: toHex(value),
            subject: cert.subject.text,
            issuer: cert.issuer.text,
            subject_short: shortName(cert, 'subject'),
            not_before: cert.notBefore.toISOString(),
            not_after: cert.notAfter.toISOString(),
            serial_number: cert.serialNumber,
            dns_names: [...(cert.subjectAltName?.dnsNames ?? [])],
            ip_addresses: [...(cert.subjectAltName?.ipAddresses ?? [])],
          };
    }
    return toHex(value);
  }
  if (typeof value === 'number') {
    switch (key) {
      case 'cipherSuite':
        return named(value, cipherSuiteName);
      case 'legacyVersion':
        return named(value, protocolVersionName);
      case 'algorithm':
        return named(value, signatureSchemeName);
      case 'requestUpdate':
        return value === 0 ? 'update_not_requested' : value === 1 ? 'update_requested' : value;
      default:
        return value;
    }
  }
  if (typeof value === 'string' || typeof value === 'boolean' || value === null) return value;
  if (Array.isArray(value)) {
    if (key === 'extensions') return (value as Extension[]).map((e) => extensionJson(e, kind));
    if (key === 'cipherSuites') return (value as number[]).map((v) => named(v, cipherSuiteName));
    return value.map((v: unknown) => fieldValue(key, v, kind));
  }
  if (typeof value === 'object' && value !== undefined) return objectJson(value, kind);
  return null;
}

function objectJson(obj: object, kind: Kind): Json {
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined) continue;
    out[rfcFieldName(k)] = fieldValue(k, v, kind);
  }
  return out;
}

function kindOf(type: number, message: object): Kind {
  switch (type) {
    case HandshakeType.client_hello:
      return 'CH';
    case HandshakeType.server_hello:
      return 'random' in message && message.random instanceof Uint8Array && isHelloRetryRequest({ random: message.random }) ? 'HRR' : 'SH';
    case HandshakeType.encrypted_extensions:
      return 'EE';
    case HandshakeType.certificate:
      return 'CT';
    case HandshakeType.certificate_request:
      return 'CR';
    case HandshakeType.new_session_ticket:
      return 'NST';
    default:
      return 'other';
  }
}

/** The decoded fields of a handshake message, as JSON with RFC field names. */
export function messageFieldsJson(type: number, message: object): Json {
  return objectJson(message, kindOf(type, message));
}

/** One trace entry as JSON. */
export function entryJson(entry: TraceEntry, afterHelloRetryRequest = false, abbreviated12 = false): Json {
  const to = entry.from === 'client' ? 'server' : 'client';
  switch (entry.kind) {
    case 'handshake': {
      const e = explainHandshake(entry, { afterHelloRetryRequest, abbreviated12 });
      return {
        kind: 'handshake',
        at_ms: entry.at,
        from: entry.from,
        to,
        msg_type: named(entry.type, handshakeTypeName),
        name: messageName(entry.type, entry.message),
        protection: entry.protection,
        length: entry.raw.length - 4,
        summary: e.summary,
        explanation: e.sentence,
        fields: messageFieldsJson(entry.type, entry.message),
        raw: toHex(entry.raw),
      };
    }
    case 'record': {
      const e = explainRecord(entry);
      return {
        kind: 'record',
        at_ms: entry.at,
        from: entry.from,
        to,
        content_type: named(entry.contentType, contentTypeName),
        inner_content_type: named(entry.innerType, contentTypeName),
        length: entry.length,
        protection: entry.protection,
        ...(entry.skipped === true ? { skipped: true } : {}),
        summary: e.summary,
        explanation: e.sentence,
      };
    }
    case 'alert': {
      const e = explainAlert(entry);
      return {
        kind: 'alert',
        at_ms: entry.at,
        from: entry.from,
        to,
        level: entry.level === 2 ? 'fatal' : entry.level === 1 ? 'warning' : entry.level,
        description: named(entry.description, alertDescriptionName),
        explanation: e.sentence,
      };
    }
    default:
      return null;
  }
}

/** All entries as JSON, in order. */
export function traceJson(entries: readonly TraceEntry[]): Json[] {
  let hrr = false;
  const resumption = new Resumption12Tracker();
  return entries.map((e) => {
    const after = hrr && e.kind === 'handshake' && e.type === HandshakeType.client_hello;
    if (e.kind === 'handshake' && messageName(e.type, e.message) === 'HelloRetryRequest') hrr = true;
    const abbreviated12 = e.kind === 'handshake' ? resumption.see(e) : resumption.abbreviated;
    return entryJson(e, after, abbreviated12);
  });
}
