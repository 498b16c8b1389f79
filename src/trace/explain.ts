/**
 * Plain-language explanations of TLS 1.3 bytes: for each handshake message, record and alert, a
 * one-line summary of its key fields (names as the RFCs and IANA spell them) and a sentence of
 * what it does and why. Also the key schedule (RFC 8446 §7.1) step by step, with the transcript
 * each Derive-Secret hashes. Nothing here ever sees or prints a secret value.
 */
import { tls13Suite } from '../keyschedule/suites.js';
import type { CertificateRequest13 } from '../messages/certificate-request13.js';
import type { CertificateVerify } from '../messages/certificate-verify.js';
import type { Certificate13 } from '../messages/certificate13.js';
import type { Certificate12 } from '../messages/certificate12.js';
import { decodeCertificateStatus, type CertificateStatus } from '../messages/certificate-status.js';
import { parseOcspResponse } from '../x509/ocsp.js';
import type { ServerKeyExchangeEcdhe } from '../messages/server-key-exchange.js';
import type { ClientKeyExchange } from '../messages/client-key-exchange.js';
import { tls12Suite } from '../handshake/suites12.js';
import type { ClientHello } from '../messages/client-hello.js';
import type { EncryptedExtensions } from '../messages/encrypted-extensions.js';
import type { Finished } from '../messages/finished.js';
import type { KeyUpdate } from '../messages/key-update.js';
import type { NewSessionTicket13 } from '../messages/new-session-ticket13.js';
import type { NewSessionTicket12 } from '../messages/new-session-ticket12.js';
import { downgradeSentinel, isHelloRetryRequest, type ServerHello } from '../messages/server-hello.js';
import type { Extension } from '../extensions/extension.js';
import { decodeAlpn, decodeAlpnServer } from '../extensions/alpn.js';
import { decodeKeyShareClient, decodeKeyShareHrr, decodeKeyShareServer } from '../extensions/key-share.js';
import { decodeServerNameClient } from '../extensions/server-name.js';
import { decodeSupportedGroups } from '../extensions/supported-groups.js';
import { decodeSignatureAlgorithms } from '../extensions/signature-algorithms.js';
import { decodeSupportedVersionsClient, decodeSupportedVersionsServer } from '../extensions/supported-versions.js';
import { decodeRecordSizeLimit } from '../extensions/record-size-limit.js';
import { decodePskKeyExchangeModes } from '../extensions/psk-key-exchange-modes.js';
import { decodeEarlyDataTicket } from '../extensions/early-data.js';
import { AlertLevel } from '../registry/alerts.js';
import { ContentType, ExtensionType, HandshakeType, NamedGroup } from '../registry/codepoints.js';
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
import { commonName, parseCertificate, type Certificate } from '../x509/certificate.js';
import type { Protection, Side, TraceAlert, TraceHandshake, TraceRecord } from './events.js';

/** A one-line summary as labelled fields, and the sentence that explains the message. */
export interface Explanation {
  /** The message's name as the RFC writes the struct, e.g. `ClientHello`, `HelloRetryRequest`. */
  readonly name: string;
  /** Key fields, in order: [RFC field or extension name, value]. */
  readonly fields: readonly (readonly [string, string])[];
  /** `fields` on one line. */
  readonly summary: string;
  /** What the message does and why, in plain language. */
  readonly sentence: string;
}

/** What a message's explanation may depend on besides the message itself. */
export interface ExplainContext {
  /** This ClientHello answers a HelloRetryRequest. */
  readonly afterHelloRetryRequest?: boolean;
  /**
   * TLS 1.2: the ServerHello echoed the (non-empty) session_id of the ClientHello, so this is the
   * abbreviated handshake of a resumed session (RFC 5246 §7.3, RFC 5077 §3.4).
   */
  readonly abbreviated12?: boolean;
}

/**
 * Whether a TLS 1.2 ServerHello resumes the session the ClientHello offered (RFC 5246 §7.4.1.3:
 * it echoes the session_id; RFC 5077 §3.4: also the one sent with a ticket).
 */
export function resumesSession12(ch: ClientHello | undefined, sh: ServerHello): boolean {
  if (ch === undefined || sh.legacySessionIdEcho.length === 0 || ext(sh.extensions, ExtensionType.supported_versions) !== undefined) return false;
  const a = ch.legacySessionId;
  const b = sh.legacySessionIdEcho;
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Follows the handshake entries of a trace, in order, to tell whether a TLS 1.2 handshake is the abbreviated one. */
export class Resumption12Tracker {
  private hello: ClientHello | undefined;
  /** Whether the last ServerHello resumed the session of the last ClientHello. */
  abbreviated = false;

  /** Sees the next handshake entry; returns `abbreviated12` for its ExplainContext. */
  see(entry: Pick<TraceHandshake, 'type' | 'message'>): boolean {
    try {
      if (entry.type === HandshakeType.client_hello) {
        this.hello = entry.message as ClientHello;
        this.abbreviated = false;
      } else if (entry.type === HandshakeType.server_hello) {
        this.abbreviated = resumesSession12(this.hello, entry.message as ServerHello);
      }
    } catch {
      // a malformed struct in a trace is not a resumption
      this.abbreviated = false;
    }
    return this.abbreviated;
  }
}

// ------------------------------------------------------------------ names

const STRUCT_NAMES: Readonly<Record<number, string>> = {
  [HandshakeType.client_hello]: 'ClientHello',
  [HandshakeType.server_hello]: 'ServerHello',
  [HandshakeType.new_session_ticket]: 'NewSessionTicket',
  [HandshakeType.end_of_early_data]: 'EndOfEarlyData',
  [HandshakeType.encrypted_extensions]: 'EncryptedExtensions',
  [HandshakeType.certificate]: 'Certificate',
  [HandshakeType.certificate_request]: 'CertificateRequest',
  [HandshakeType.certificate_verify]: 'CertificateVerify',
  [HandshakeType.finished]: 'Finished',
  [HandshakeType.key_update]: 'KeyUpdate',
  [HandshakeType.compressed_certificate]: 'CompressedCertificate',
  // TLS 1.2 (RFC 5246 §7.4)
  [HandshakeType.hello_request]: 'HelloRequest',
  [HandshakeType.server_key_exchange]: 'ServerKeyExchange',
  [HandshakeType.server_hello_done]: 'ServerHelloDone',
  [HandshakeType.client_key_exchange]: 'ClientKeyExchange',
  [HandshakeType.certificate_status]: 'CertificateStatus',
  [HandshakeType.message_hash]: 'message_hash',
};

/** `ClientHello`, `ServerHello`, `HelloRetryRequest` (a ServerHello with the special random), ... */
export function messageName(type: number, message: object): string {
  if (type === HandshakeType.server_hello && 'random' in message && message.random instanceof Uint8Array && isHelloRetryRequest({ random: message.random })) {
    return 'HelloRetryRequest';
  }
  return STRUCT_NAMES[type] ?? handshakeTypeName(type);
}

/** `[plaintext]`, `[handshake keys]`, `[application keys]`, `[early keys]`. */
export function protectionLabel(p: Protection): string {
  return p === 'plaintext' ? '[plaintext]' : `[${p} keys]`;
}

const FRIENDLY_SUITES: Readonly<Record<number, string>> = {
  0x1301: 'AES-128-GCM with SHA-256',
  0x1302: 'AES-256-GCM with SHA-384',
  0x1303: 'ChaCha20-Poly1305 with SHA-256',
  0x1304: 'AES-128-CCM with SHA-256',
  0x1305: 'AES-128-CCM-8 with SHA-256',
};
const suiteFriendly = (s: number): string => FRIENDLY_SUITES[s] ?? cipherSuiteName(s);

/** What a group is, for sentences. */
function groupKind(g: number): string {
  switch (g) {
    case NamedGroup.X25519MLKEM768:
    case NamedGroup.SecP256r1MLKEM768:
    case NamedGroup.SecP384r1MLKEM1024:
      return 'a hybrid post-quantum key exchange (ML-KEM combined with classic ECDH)';
    case NamedGroup.MLKEM512:
    case NamedGroup.MLKEM768:
    case NamedGroup.MLKEM1024:
      return 'a post-quantum KEM';
    case NamedGroup.x25519:
    case NamedGroup.x448:
      return 'elliptic-curve Diffie-Hellman on a Montgomery curve';
    case NamedGroup.secp256r1:
    case NamedGroup.secp384r1:
    case NamedGroup.secp521r1:
      return 'elliptic-curve Diffie-Hellman on a NIST curve';
    default:
      return 'a key exchange group';
  }
}

function list(names: readonly string[], max = 8): string {
  if (names.length <= max) return names.join(', ');
  return `${names.slice(0, max).join(', ')}, … (+${names.length - max})`;
}

function andList(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1] ?? ''}`;
}

/** Runs an extension decoder; a trace never throws on odd bytes, it says so. */
function tryDecode<T>(ext: Extension | undefined, decode: (data: Uint8Array) => T): T | undefined {
  if (ext === undefined) return undefined;
  try {
    return decode(ext.data);
  } catch {
    return undefined;
  }
}

function ext(exts: readonly Extension[], type: number): Extension | undefined {
  return exts.find((e) => e.type === type);
}

/** The parsed certificate, or undefined when it does not parse (a trace does not throw). */
export function tryParseCertificate(der: Uint8Array): Certificate | undefined {
  try {
    return parseCertificate(der);
  } catch {
    return undefined;
  }
}

/** `CN=localhost` when there is a CN, else the RFC 4514 text. */
export function shortName(cert: Certificate, which: 'subject' | 'issuer'): string {
  const name = cert[which];
  const cn = commonName(name);
  return cn !== undefined ? `CN=${cn}` : name.text === '' ? '(empty name)' : name.text;
}

// ------------------------------------------------------------------ handshake messages

/** What a ClientHello offers, decoded from its extensions (undefined: not sent / undecodable). */
export interface ClientHelloOffer {
  readonly cipherSuites: readonly number[];
  readonly versions: readonly number[] | undefined;
  readonly groups: readonly number[] | undefined;
  readonly keyShares: readonly { readonly group: number; readonly length: number }[] | undefined;
  readonly serverName: string | undefined;
  readonly alpn: readonly string[] | undefined;
  readonly signatureAlgorithms: readonly number[] | undefined;
  readonly pskModes: readonly number[] | undefined;
  readonly recordSizeLimit: number | undefined;
  readonly cookie: boolean;
  /** Length of the RFC 5077 session_ticket offered (0: asks for one); undefined: not sent. */
  readonly sessionTicket: number | undefined;
  /** Extension types in the order sent. */
  readonly extensions: readonly number[];
}

export function clientHelloOffer(ch: ClientHello): ClientHelloOffer {
  const e = ch.extensions;
  return {
    cipherSuites: ch.cipherSuites,
    versions: tryDecode(ext(e, ExtensionType.supported_versions), decodeSupportedVersionsClient),
    groups: tryDecode(ext(e, ExtensionType.supported_groups), decodeSupportedGroups),
    keyShares: tryDecode(ext(e, ExtensionType.key_share), (d) => decodeKeyShareClient(d).map((s) => ({ group: s.group, length: s.keyExchange.length }))),
    serverName: tryDecode(ext(e, ExtensionType.server_name), (d) => decodeServerNameClient(d).hostName ?? undefined),
    alpn: tryDecode(ext(e, ExtensionType.application_layer_protocol_negotiation), decodeAlpn),
    signatureAlgorithms: tryDecode(ext(e, ExtensionType.signature_algorithms), decodeSignatureAlgorithms),
    pskModes: tryDecode(ext(e, ExtensionType.psk_key_exchange_modes), decodePskKeyExchangeModes),
    recordSizeLimit: tryDecode(ext(e, ExtensionType.record_size_limit), decodeRecordSizeLimit),
    cookie: ext(e, ExtensionType.cookie) !== undefined,
    sessionTicket: ext(e, ExtensionType.session_ticket)?.data.length,
    extensions: e.map((x) => x.type),
  };
}

function explainClientHello(ch: ClientHello, ctx: ExplainContext): Explanation {
  const o = clientHelloOffer(ch);
  const fields: [string, string][] = [];
  if (o.versions !== undefined) fields.push(['supported_versions', o.versions.map(protocolVersionName).join(', ')]);
  else fields.push(['legacy_version', protocolVersionName(ch.legacyVersion)]);
  fields.push([`cipher_suites(${o.cipherSuites.length})`, list(o.cipherSuites.map(cipherSuiteName))]);
  if (o.groups !== undefined) fields.push(['supported_groups', list(o.groups.map(namedGroupName))]);
  if (o.keyShares !== undefined) fields.push(['key_share', o.keyShares.map((s) => namedGroupName(s.group)).join(', ') || '(empty)']);
  fields.push(['server_name', o.serverName ?? '(none)']);
  fields.push(['ALPN', o.alpn === undefined ? '(none)' : o.alpn.join(', ')]);
  if (o.signatureAlgorithms !== undefined) fields.push([`signature_algorithms(${o.signatureAlgorithms.length})`, list(o.signatureAlgorithms.map(signatureSchemeName), 3)]);
  if (o.recordSizeLimit !== undefined) fields.push(['record_size_limit', String(o.recordSizeLimit)]);
  if (o.cookie) fields.push(['cookie', 'echoed']);
  const early = ext(ch.extensions, ExtensionType.early_data) !== undefined;
  const psk = ext(ch.extensions, ExtensionType.pre_shared_key) !== undefined;
  if (psk) fields.push(['pre_shared_key', 'a session ticket, with its binder (resumption)']);
  if (early) fields.push(['early_data', 'yes: 0-RTT data follows this ClientHello']);
  if (o.sessionTicket !== undefined && o.sessionTicket > 0) fields.push(['session_ticket', `${o.sessionTicket} bytes`]);

  const realShares = (o.keyShares ?? []).filter((s) => !namedGroupName(s.group).startsWith('GREASE')).map((s) => namedGroupName(s.group));
  const offers13 = o.versions?.includes(0x0304) === true;
  let sentence: string;
  if (ctx.afterHelloRetryRequest === true) {
    sentence =
      `The client tries again with a key share for ${andList(realShares)}, the group the server asked for; ` +
      'everything else stays as in the first ClientHello (RFC 8446 §4.1.2), so the server can now complete the key exchange.';
  } else {
    const versionText = offers13 ? 'offers TLS 1.3 (in supported_versions)' : `offers ${protocolVersionName(ch.legacyVersion)}`;
    sentence =
      `The client opens the handshake: it ${versionText}, ${o.cipherSuites.length} cipher suites and ${(o.groups ?? []).length} groups, ` +
      (realShares.length > 0
        ? `and already sends key shares for ${andList(realShares)} so that the server can answer in one round trip.`
        : offers13
          ? 'but no key share, so the server will have to ask for one.'
          : o.sessionTicket !== undefined && o.sessionTicket > 0
            ? 'for TLS 1.2; unless the server resumes the session below, it answers with its certificate and a signed ephemeral key (two round trips).'
            : 'for the classic TLS 1.2 handshake: the server answers with its certificate and a signed ephemeral key (two round trips).');
    if (o.serverName !== undefined) sentence += ` server_name (SNI) tells the server which host it wants (${o.serverName}).`;
    if (o.sessionTicket !== undefined && o.sessionTicket > 0) {
      sentence += ' It presents a session ticket (RFC 5077) from an earlier TLS 1.2 connection, with a random session_id that the server echoes if it resumes that session.';
    }
    if (o.alpn !== undefined) sentence += ` ALPN offers ${o.alpn.join(', ')} for the application protocol.`;
    if (psk) sentence += ' pre_shared_key offers a ticket from an earlier connection, to resume it (RFC 8446 §2.2).';
    if (early) {
      sentence +=
        ' early_data announces 0-RTT data: the client sends application data right behind this message, before any answer ' +
        '(RFC 8446 §2.3), under keys derived from the ticket\'s PSK and this ClientHello.';
    }
  }
  return make('ClientHello', fields, sentence);
}

function explainServerHello(sh: ServerHello, ctx: ExplainContext): Explanation {
  const e = sh.extensions;
  const version = tryDecode(ext(e, ExtensionType.supported_versions), decodeSupportedVersionsServer);
  if (isHelloRetryRequest(sh)) {
    const group = tryDecode(ext(e, ExtensionType.key_share), decodeKeyShareHrr);
    const fields: [string, string][] = [
      ['cipher_suite', cipherSuiteName(sh.cipherSuite)],
      ['selected_group', group === undefined ? '(none)' : namedGroupName(group)],
      ['selected_version', version === undefined ? '(none)' : protocolVersionName(version)],
    ];
    if (ext(e, ExtensionType.cookie) !== undefined) fields.push(['cookie', 'yes']);
    const why =
      group === undefined
        ? 'The server asks the client to send its ClientHello again'
        : `None of the client's key shares is for a group the server accepts, so it asks the client to retry with a key share for ${namedGroupName(group)}`;
    return make(
      'HelloRetryRequest',
      fields,
      `${why}. This costs one extra round trip; the transcript replaces the first ClientHello with its hash (message_hash, RFC 8446 §4.4.1).`,
    );
  }
  if (version === undefined && sh.legacyVersion === 0x0303) return explainServerHello12(sh, ctx.abbreviated12 === true);
  const share = tryDecode(ext(e, ExtensionType.key_share), decodeKeyShareServer);
  const fields: [string, string][] = [
    ['cipher_suite', cipherSuiteName(sh.cipherSuite)],
    ['key_share', share === undefined ? '(none)' : `${namedGroupName(share.group)} (${share.keyExchange.length} bytes)`],
    ['selected_version', version === undefined ? `(none; legacy_version ${protocolVersionName(sh.legacyVersion)})` : protocolVersionName(version)],
  ];
  const v = version === undefined ? protocolVersionName(sh.legacyVersion) : protocolVersionName(version);
  const g = share === undefined ? '' : ` and ${namedGroupName(share.group)}`;
  const sentence =
    version === 0x0304
      ? `The server picks ${v}, ${suiteFriendly(sh.cipherSuite)}${g} and sends its key share; from here both sides can compute the ` +
        'handshake secret, so everything after this is encrypted.' +
        (share === undefined ? '' : ` ${namedGroupName(share.group)} is ${groupKind(share.group)}.`)
      : `The server answers with ${v}: it did not select TLS 1.3 (no supported_versions).`;
  return make('ServerHello', fields, sentence);
}

/** The version a ServerHello selects: supported_versions, else legacy_version (RFC 8446 §4.2.1). */
export function serverHelloVersion(sh: ServerHello): number {
  return tryDecode(ext(sh.extensions, ExtensionType.supported_versions), decodeSupportedVersionsServer) ?? sh.legacyVersion;
}

/** A TLS 1.2 ServerHello (RFC 5246 §7.4.1.3): no key share, the extensions answer the client's. */
function explainServerHello12(sh: ServerHello, abbreviated: boolean): Explanation {
  const e = sh.extensions;
  const suite = tls12Suite(sh.cipherSuite);
  const alpn = tryDecode(ext(e, ExtensionType.application_layer_protocol_negotiation), decodeAlpnServer);
  const ems = ext(e, ExtensionType.extended_master_secret) !== undefined;
  const ri = ext(e, ExtensionType.renegotiation_info) !== undefined;
  const sentinel = downgradeSentinel(sh.random);
  const fields: [string, string][] = [
    ['server_version', protocolVersionName(sh.legacyVersion)],
    ['cipher_suite', cipherSuiteName(sh.cipherSuite)],
    ['extended_master_secret', ems ? 'yes' : 'no'],
    ['renegotiation_info', ri ? 'yes' : 'no'],
  ];
  if (alpn !== undefined) fields.push(['ALPN', alpn]);
  const others = e.filter(
    (x) => x.type !== ExtensionType.extended_master_secret && x.type !== ExtensionType.renegotiation_info && x.type !== ExtensionType.application_layer_protocol_negotiation,
  );
  if (others.length > 0) fields.push(['other', others.map((x) => extensionTypeName(x.type)).join(', ')]);
  if (sentinel !== null) fields.push(['random', `ends in the downgrade sentinel DOWNGRD ${sentinel === 'tls12' ? '01' : '00'}`]);
  if (abbreviated) {
    fields.push(['session_id', 'echoed (resumption)']);
    const ticket = ext(e, ExtensionType.session_ticket) !== undefined;
    return make(
      'ServerHello',
      fields,
      `The server echoes the client's session_id: it resumes an earlier session (the abbreviated handshake, RFC 5246 §7.3) with ${suiteFriendly(sh.cipherSuite)}, ` +
        'the suite of that session. No Certificate, no ServerKeyExchange, no ServerHelloDone: both sides already share the master secret, and ' +
        'fresh keys come from it and the two new randoms. The server goes straight to ' +
        (ticket ? 'a renewed ticket (NewSessionTicket), ' : '') +
        'ChangeCipherSpec and Finished: one round trip instead of two, and no new (EC)DHE, so no fresh forward secrecy.' +
        (ems ? ' The session used the extended master secret, and the ServerHello says so again (RFC 7627 §5.3).' : ''),
    );
  }
  const kex =
    suite === undefined
      ? ''
      : suite.keyExchange === 'rsa'
        ? ' With static RSA key exchange the client will encrypt the pre_master_secret to the key in the server certificate (no forward secrecy).'
        : ` The key exchange (${suite.keyExchange === 'dhe' ? 'finite-field Diffie-Hellman' : 'ECDHE'}) follows in ServerKeyExchange, signed with the certificate key.`;
  const sentence =
    `The server picks TLS 1.2 and ${suiteFriendly(sh.cipherSuite)}; unlike TLS 1.3 there is no key share here and the rest of its ` +
    `first flight is in plaintext.${kex}` +
    (ems ? ' Both sides will use the extended master secret (RFC 7627), binding the keys to the whole handshake.' : '') +
    (sentinel !== null
      ? ' Its random ends in the TLS 1.3 downgrade sentinel (RFC 8446 §4.1.3): a server that can speak TLS 1.3 marks that it chose 1.2, so a TLS 1.3 client would abort.'
      : '');
  return make('ServerHello', fields, sentence);
}

function explainEncryptedExtensions(ee: EncryptedExtensions): Explanation {
  const e = ee.extensions;
  const alpn = tryDecode(ext(e, ExtensionType.application_layer_protocol_negotiation), decodeAlpnServer);
  const rsl = tryDecode(ext(e, ExtensionType.record_size_limit), decodeRecordSizeLimit);
  const sni = ext(e, ExtensionType.server_name) !== undefined;
  const early = ext(e, ExtensionType.early_data) !== undefined;
  const fields: [string, string][] = [
    ['ALPN', alpn ?? '(none)'],
    ['record_size_limit', rsl === undefined ? '(none)' : String(rsl)],
    ['server_name', sni ? 'acknowledged' : '(no ack)'],
  ];
  if (early) fields.push(['early_data', 'accepted']);
  const others = e.filter(
    (x) =>
      x.type !== ExtensionType.application_layer_protocol_negotiation &&
      x.type !== ExtensionType.record_size_limit &&
      x.type !== ExtensionType.server_name &&
      x.type !== ExtensionType.early_data,
  );
  if (others.length > 0) fields.push(['other', others.map((x) => extensionTypeName(x.type)).join(', ')]);
  const answers: string[] = [];
  if (alpn !== undefined) answers.push(`the application protocol ${alpn} (ALPN)`);
  if (sni) answers.push('that it used the server_name');
  if (rsl !== undefined) answers.push(`the largest record it accepts (${rsl} bytes)`);
  const sentence =
    'The first encrypted message: the server answers the ClientHello extensions that do not affect the key exchange' +
    (answers.length > 0 ? ` — ${andList(answers)}` : ' (here: none)') +
    '. Sending them under the handshake keys hides them from anyone watching the wire.';
  return make('EncryptedExtensions', fields, sentence);
}

function explainCertificate(c: Certificate13, from: Side): Explanation {
  const parsed = c.certificateList.map((entry) => tryParseCertificate(entry.certData));
  const fields: [string, string][] = parsed.map((cert, i) => [
    `[${i}]`,
    cert === undefined ? `(unparseable, ${c.certificateList[i]?.certData.length ?? 0} bytes)` : `${shortName(cert, 'subject')} ← issuer ${shortName(cert, 'issuer')}`,
  ]);
  if (fields.length === 0) fields.push(['certificate_list', '(empty)']);
  // RFC 8446 §4.4.2.1: a stapled OCSP response rides in the leaf's CertificateEntry
  const stapled = ext(c.certificateList[0]?.extensions ?? [], ExtensionType.status_request);
  const staple = stapled === undefined ? undefined : ocspSummary(tryDecode(stapled, decodeCertificateStatus)?.ocspResponse);
  if (staple !== undefined) fields.push(['status_request', staple]);
  const scts = ext(c.certificateList[0]?.extensions ?? [], ExtensionType.signed_certificate_timestamp);
  if (scts !== undefined) fields.push(['signed_certificate_timestamp', `${scts.data.length} bytes`]);
  const leaf = parsed[0];
  let sentence: string;
  if (c.certificateList.length === 0) {
    sentence = `The ${from} has no certificate to offer and says so with an empty list.`;
  } else if (from === 'server') {
    sentence =
      `The server sends its certificate chain (${c.certificateList.length} certificate${c.certificateList.length === 1 ? '' : 's'}` +
      (leaf === undefined ? '' : `, leaf ${shortName(leaf, 'subject')}`) +
      '); the client checks that it chains to a root it trusts, is valid now, and names the host it asked for.' +
      (staple === undefined ? '' : ' The leaf entry carries a stapled OCSP response (RFC 8446 §4.4.2.1): the CA\'s signed word that the certificate is not revoked.');
  } else {
    sentence = `The client sends its certificate chain because the server asked for one (CertificateRequest); the server checks it against its trusted CAs.`;
  }
  return make('Certificate', fields, sentence);
}

/** "good, thisUpdate …, nextUpdate … (N bytes)" for a DER OCSPResponse; never throws. */
function ocspSummary(der: Uint8Array | undefined): string | undefined {
  if (der === undefined) return undefined;
  try {
    const r = parseOcspResponse(der);
    const s = r.responses[0];
    const day = (d: Date | undefined): string => (d === undefined ? 'none' : d.toISOString().slice(0, 19) + 'Z');
    return s === undefined ? `OCSP response, no status (${der.length} bytes)` : `OCSP ${s.status}, thisUpdate ${day(s.thisUpdate)}, nextUpdate ${day(s.nextUpdate)} (${der.length} bytes)`;
  } catch {
    return `OCSP response, unparseable (${der.length} bytes)`;
  }
}

function explainCertificateStatus(cs: CertificateStatus): Explanation {
  return make(
    'CertificateStatus',
    [['ocsp', ocspSummary(cs.ocspResponse) ?? '']],
    'The server staples an OCSP response for its certificate (RFC 6066 §8), as the client asked with status_request: ' +
      'the CA\'s signed, dated word that the certificate is not revoked, so the client need not ask the CA itself.',
  );
}

function explainCertificateVerify(cv: CertificateVerify, from: Side): Explanation {
  const scheme = signatureSchemeName(cv.algorithm);
  return make(
    'CertificateVerify',
    [
      ['algorithm', scheme],
      ['signature', `${cv.signature.length} bytes`],
    ],
    `The ${from} signs the handshake transcript so far with the private key of its certificate (${scheme}), proving it owns ` +
      'that certificate and binding it to this very handshake.',
  );
}

function explainFinished(fin: Finished, from: Side): Explanation {
  const fields: [string, string][] = [['verify_data', `${fin.verifyData.length} bytes`]];
  const base = `an HMAC over the whole transcript with a key derived from the ${from}_handshake_traffic_secret`;
  const sentence =
    from === 'server'
      ? `The server's Finished is ${base}: it proves the handshake was not tampered with. The server can now send application ` +
        'data under the application traffic keys.'
      : `The client's Finished is ${base}. It completes the handshake: both sides now switch to the application traffic keys.`;
  return make('Finished', fields, sentence);
}

// ------------------------------------------------------------------ TLS 1.2 messages

/** A TLS 1.2 Certificate lists DER certificates; TLS 1.3 entries carry them with extensions. */
function asCertificate13(c: Certificate13 | Certificate12): Certificate13 {
  if (c.certificateList.every((e): e is Uint8Array => e instanceof Uint8Array)) {
    return { certificateRequestContext: new Uint8Array(0), certificateList: c.certificateList.map((certData) => ({ certData, extensions: [] })) };
  }
  return c as Certificate13;
}

/** TLS 1.2 verify_data is 12 bytes (RFC 5246 §7.4.9); TLS 1.3 is Hash.length (32 or 48). */
const fin12 = (f: Finished): boolean => f.verifyData.length === 12;

function explainServerKeyExchange(ske: ServerKeyExchangeEcdhe): Explanation {
  return make(
    'ServerKeyExchange',
    [
      ['named_curve', namedGroupName(ske.namedCurve)],
      ['public', `${ske.publicPoint.length} bytes`],
      ['signature', `${signatureSchemeName(ske.algorithm)} (${ske.signature.length} bytes)`],
    ],
    `The server's ephemeral ${namedGroupName(ske.namedCurve)} public key (RFC 8422 §5.4), signed with its certificate key over ` +
      'client_random + server_random + the parameters, so the client knows the key comes from the certificate holder and this handshake.',
  );
}

function explainClientKeyExchange(cke: ClientKeyExchange): Explanation {
  return make(
    'ClientKeyExchange',
    [['public', `${cke.exchangeKeys.length} bytes`]],
    'The client\'s ephemeral public key (RFC 8422 §5.7). Both sides now compute the same ECDHE shared secret, the pre_master_secret, ' +
      'and from it the master_secret and the key block with the TLS 1.2 PRF.',
  );
}

function explainFinished12(fin: Finished, from: Side, abbreviated: boolean): Explanation {
  const label = from === 'client' ? 'client finished' : 'server finished';
  const end = abbreviated
    ? from === 'server'
      ? ' In the abbreviated handshake the server finishes first: the client checks this before it answers with its own ChangeCipherSpec and Finished.'
      : ' The resumed handshake is complete.'
    : from === 'server'
      ? ' The handshake is complete.'
      : '';
  return make(
    'Finished',
    [['verify_data', `${fin.verifyData.length} bytes`]],
    `PRF(master_secret, "${label}", Hash(handshake messages)) (RFC 5246 §7.4.9), the first message under the new keys after ` +
      `ChangeCipherSpec: it proves the ${from} saw the same handshake and holds the same master secret.${end}`,
  );
}

/** RFC 5077 §3.3: a TLS 1.2 NewSessionTicket (before the server's ChangeCipherSpec). */
function explainNewSessionTicket12(t: NewSessionTicket12, abbreviated: boolean): Explanation {
  const hint = t.ticketLifetimeHint === 0 ? 'unspecified' : `${t.ticketLifetimeHint} s`;
  return make(
    'NewSessionTicket',
    [
      ['ticket_lifetime_hint', hint],
      ['ticket', `${t.ticket.length} bytes`],
    ],
    (abbreviated
      ? 'The server renews the ticket of the resumed session (RFC 5077 §3.3): the old one was sealed under a ticket key that no longer seals. '
      : 'Just before its ChangeCipherSpec (RFC 5077 §3.3) the server hands the client a ticket: the session state (master secret, cipher suite, ...) ' +
        'sealed under a key only the server holds, so it keeps nothing per client. ') +
      'The client presents it in session_ticket to resume with the abbreviated handshake; it is in the Finished hash, and valid only once the server Finished verified.',
  );
}

function explainNewSessionTicket(t: NewSessionTicket13): Explanation {
  const early = tryDecode(ext(t.extensions, ExtensionType.early_data), decodeEarlyDataTicket);
  const fields: [string, string][] = [
    ['ticket_lifetime', `${t.ticketLifetime} s`],
    ['ticket', `${t.ticket.length} bytes`],
  ];
  if (early !== undefined) fields.push(['max_early_data_size', String(early)]);
  return make(
    'NewSessionTicket',
    fields,
    `The server hands the client a ticket, valid for ${t.ticketLifetime} s, that lets it resume later with a ` +
      'pre-shared key instead of a full handshake. It is sent under the application keys once the server knows the whole ' +
      "transcript: right behind its own Finished when it asked for no client certificate (it can compute the client's " +
      'Finished itself, RFC 8446 §4.6.1), else after the client Finished.',
  );
}

function explainKeyUpdate(ku: KeyUpdate, from: Side): Explanation {
  const requested = ku.requestUpdate === 1;
  return make(
    'KeyUpdate',
    [['request_update', requested ? 'update_requested' : 'update_not_requested']],
    `The ${from} switches its sending keys to the next generation of its application traffic secret (RFC 8446 §7.2)` +
      (requested ? ' and asks the peer to update its own keys too.' : '.') +
      ' Fresh keys limit how much data one key protects.',
  );
}

function explainCertificateRequest(cr: CertificateRequest13): Explanation {
  const sigs = tryDecode(ext(cr.extensions, ExtensionType.signature_algorithms), decodeSignatureAlgorithms);
  return make(
    'CertificateRequest',
    [[`signature_algorithms(${sigs?.length ?? 0})`, list((sigs ?? []).map(signatureSchemeName), 3)]],
    'The server asks the client to authenticate too, with a certificate and a signature (mutual TLS).',
  );
}

function make(name: string, fields: readonly (readonly [string, string])[], sentence: string): Explanation {
  return { name, fields, summary: fields.map(([k, v]) => (k.startsWith('[') ? `${k} ${v}` : `${k}: ${v}`)).join('; '), sentence };
}

/** Summary and sentence for one handshake message. Never throws. */
export function explainHandshake(entry: Pick<TraceHandshake, 'type' | 'message' | 'from' | 'raw'>, ctx: ExplainContext = {}): Explanation {
  const m = entry.message;
  try {
    switch (entry.type) {
      case HandshakeType.client_hello:
        return explainClientHello(m as ClientHello, ctx);
      case HandshakeType.server_hello:
        return explainServerHello(m as ServerHello, ctx);
      case HandshakeType.encrypted_extensions:
        return explainEncryptedExtensions(m as EncryptedExtensions);
      case HandshakeType.certificate_request:
        return explainCertificateRequest(m as CertificateRequest13);
      case HandshakeType.certificate:
        return explainCertificate(asCertificate13(m as Certificate13 | Certificate12), entry.from);
      case HandshakeType.server_key_exchange:
        return explainServerKeyExchange(m as ServerKeyExchangeEcdhe);
      case HandshakeType.certificate_status:
        return explainCertificateStatus(m as CertificateStatus);
      case HandshakeType.server_hello_done:
        return make('ServerHelloDone', [], 'The server\'s first flight is complete (RFC 5246 §7.4.5): the client now sends its key exchange, ChangeCipherSpec and Finished — the second round trip of TLS 1.2.');
      case HandshakeType.client_key_exchange:
        return explainClientKeyExchange(m as ClientKeyExchange);
      case HandshakeType.certificate_verify:
        return explainCertificateVerify(m as CertificateVerify, entry.from);
      case HandshakeType.finished:
        return fin12(m as Finished) ? explainFinished12(m as Finished, entry.from, ctx.abbreviated12 === true) : explainFinished(m as Finished, entry.from);
      case HandshakeType.new_session_ticket:
        return 'ticketLifetimeHint' in m ? explainNewSessionTicket12(m as NewSessionTicket12, ctx.abbreviated12 === true) : explainNewSessionTicket(m as NewSessionTicket13);
      case HandshakeType.key_update:
        return explainKeyUpdate(m as KeyUpdate, entry.from);
      case HandshakeType.end_of_early_data:
        return make('EndOfEarlyData', [], 'The client says its 0-RTT early data is over; what follows is protected by the handshake keys.');
      default:
        return make(messageName(entry.type, m), [['length', `${entry.raw.length} bytes`]], `A ${handshakeTypeName(entry.type)} message.`);
    }
  } catch {
    // a malformed struct in a trace (e.g. from a fuzzer) is described, not thrown
    return make(messageName(entry.type, m), [['length', `${entry.raw.length} bytes`]], 'This message could not be described.');
  }
}

// ------------------------------------------------------------------ records and alerts

/** Summary and sentence for a record. `version`/`cipherSuite` (from the ServerHello, when known) pick TLS 1.2 or 1.3 wording. */
export function explainRecord(r: Pick<TraceRecord, 'contentType' | 'innerType' | 'length' | 'protection' | 'from' | 'version' | 'cipherSuite' | 'skipped'>): Explanation {
  const outer = contentTypeName(r.contentType);
  const inner = contentTypeName(r.innerType);
  const tls12 = r.version === 0x0303;
  const fields: [string, string][] = [
    ['type', r.contentType === r.innerType ? outer : `${outer} (inner ${inner})`],
    ['length', r.length === 1 ? '1 byte' : `${r.length} bytes`],
  ];
  if (r.innerType === ContentType.change_cipher_spec) {
    const v12 = 'In TLS 1.2 it switches the sender to the keys just derived (RFC 5246 §7.1): its next record, the Finished, is encrypted.';
    const v13 =
      'In TLS 1.3 it is a dummy change_cipher_spec for middlebox compatibility (RFC 8446 Appendix D.4): it makes TLS 1.3 look like a resumed ' +
      'TLS 1.2 session to old middleboxes; TLS 1.3 itself ignores it.';
    return make('ChangeCipherSpec', fields, r.version === undefined ? `${v12} ${v13}` : tls12 ? v12 : v13);
  }
  if (r.skipped === true) {
    return make(
      '0-RTT record skipped',
      fields,
      'An early-data record the server does not read: it rejected 0-RTT (RFC 8446 §4.2.10), so it skips records that do not ' +
        'decrypt under the handshake keys (or, after a HelloRetryRequest, every encrypted record before the new ClientHello), up to its max_early_data_size.',
    );
  }
  if (r.innerType === ContentType.application_data && r.protection === 'early') {
    return make(
      'application_data (0-RTT)',
      fields,
      `${Math.max(0, r.length - 17)} bytes of 0-RTT early data from the client, sent in its first flight before any answer, encrypted under ` +
        'client_early_traffic_secret (from the ticket\'s PSK and the ClientHello; RFC 8446 §2.3). It has no forward secrecy and an ' +
        'attacker can replay it (RFC 8446 §8): servers take it only for requests that are safe to repeat.',
    );
  }
  if (r.innerType === ContentType.application_data) {
    if (tls12 && r.protection !== 'plaintext') {
      const o = record12Overhead(r.cipherSuite);
      const bytes = o.exact ? `${Math.max(0, r.length - o.bytes)} bytes` : `up to ${Math.max(0, r.length - o.bytes)} bytes`;
      return make('application_data', fields, `${bytes} of application data from the ${r.from}, protected under the TLS 1.2 key block's write keys (${o.text}).`);
    }
    const overhead = r.protection === 'plaintext' ? 0 : 17; // inner type byte + 16-byte AEAD tag
    return make(
      'application_data',
      fields,
      `${Math.max(0, r.length - overhead)} bytes of application data from the ${r.from}, encrypted and authenticated under the ` +
        `${r.protection} traffic keys (the record adds a 1-byte inner content type and a 16-byte AEAD tag).`,
    );
  }
  if (r.innerType === ContentType.handshake) {
    return make(
      'handshake record',
      fields,
      r.protection === 'plaintext'
        ? 'A plaintext record carrying handshake messages (only the hellos travel unencrypted).'
        : r.contentType === ContentType.handshake
          ? 'A TLS 1.2 encrypted record carrying the Finished (TLS 1.2 keeps the real content type in the record header).'
          : `An encrypted record carrying handshake messages; on the wire it looks like application_data (outer type 23).`,
    );
  }
  if (r.innerType === ContentType.alert) return make('alert record', fields, 'A record carrying an alert.');
  return make(`${inner} record`, fields, `A record of content type ${inner}.`);
}

/** What TLS 1.2 record protection adds to the plaintext for a suite (RFC 5288 §3, RFC 7905 §2, RFC 5246 §6.2.3.2). */
function record12Overhead(cipherSuite: number | undefined): { bytes: number; exact: boolean; text: string } {
  const suite = cipherSuite === undefined ? undefined : tls12Suite(cipherSuite);
  if (suite?.aead === 'chacha20-poly1305') return { bytes: 16, exact: true, text: 'ChaCha20-Poly1305: a 16-byte tag; the nonce is the IV XOR the sequence number' };
  if (suite?.aead === 'aes-128-gcm' || suite?.aead === 'aes-256-gcm') {
    return { bytes: 24, exact: true, text: 'AES-GCM: an 8-byte explicit nonce and a 16-byte tag; the content type stays in the header' };
  }
  if (suite?.cbc !== undefined) {
    const macLength = suite.cbc.mac === 'sha1' ? 20 : 32;
    return { bytes: 16 + macLength + 1, exact: false, text: `CBC: a 16-byte explicit IV, a ${macLength}-byte HMAC (over the ciphertext with encrypt_then_mac) and 1 to 16 bytes of padding` };
  }
  return { bytes: 0, exact: false, text: 'the suite decides the per-record overhead' };
}

/** What each alert means, in a few words (RFC 8446 §6). */
const ALERT_MEANINGS: Readonly<Record<string, string>> = {
  close_notify: 'it will send no more data (a clean close)',
  unexpected_message: 'it received a message that does not belong at this point of the protocol',
  bad_record_mac: 'a record failed to decrypt or authenticate',
  record_overflow: 'a record was longer than allowed',
  handshake_failure: 'it could not agree on security parameters (no cipher suite, group or signature scheme in common)',
  bad_certificate: 'a certificate was corrupt or did not verify',
  unsupported_certificate: 'a certificate was of an unsupported type',
  certificate_revoked: 'a certificate was revoked',
  certificate_expired: 'a certificate has expired or is not yet valid',
  certificate_unknown: 'a certificate could not be accepted',
  illegal_parameter: 'a field in a message was out of range or inconsistent',
  unknown_ca: 'the certificate chain does not lead to a CA it trusts',
  access_denied: 'the peer is not allowed to connect',
  decode_error: 'a message could not be decoded',
  decrypt_error: 'a signature or Finished did not verify',
  protocol_version: 'it does not support the offered protocol version',
  insufficient_security: 'the offered parameters are too weak',
  internal_error: 'it failed for a reason unrelated to the peer',
  inappropriate_fallback: 'the client retried with a lower version without reason',
  user_canceled: 'the handshake is being canceled',
  missing_extension: 'a required extension is missing',
  unsupported_extension: 'an extension appeared that was not offered or is not allowed there',
  unrecognized_name: 'it has no host by the server_name asked for',
  bad_certificate_status_response: 'the OCSP response was invalid',
  unknown_psk_identity: 'it knows no such PSK identity',
  certificate_required: 'it requires a client certificate and got none',
  no_application_protocol: 'no ALPN protocol in common',
  ech_required: 'it requires Encrypted Client Hello',
};

export function alertMeaning(description: number): string {
  return ALERT_MEANINGS[alertDescriptionName(description)] ?? 'an alert this tool does not know';
}

/** Summary and sentence for an alert. */
export function explainAlert(a: Pick<TraceAlert, 'level' | 'description' | 'from'>): Explanation {
  const name = alertDescriptionName(a.description);
  const level = a.level === AlertLevel.fatal ? 'fatal' : a.level === AlertLevel.warning ? 'warning' : `level ${a.level}`;
  const fields: [string, string][] = [
    ['level', level],
    ['description', `${name} (${a.description})`],
  ];
  const sentence =
    name === 'close_notify'
      ? `The ${a.from} says ${ALERT_MEANINGS.close_notify ?? ''}; the other direction may still send until it closes too.`
      : `The ${a.from} reports that ${alertMeaning(a.description)}; the connection is over (RFC 8446 §6.2).`;
  return make(`Alert ${name}`, fields, sentence);
}

// ------------------------------------------------------------------ key schedule

export interface KeyScheduleStep {
  /** The secret's RFC name, e.g. `client_handshake_traffic_secret`. */
  readonly secret: string;
  /** How it is computed, as RFC 8446 §7.1 writes it. */
  readonly derivation: string;
  /** The transcript (messages) hashed into it, or '' for none. */
  readonly transcript: string;
  /** Why it exists. */
  readonly sentence: string;
  /** The NSS key log label that exports it with --keylog, when there is one. */
  readonly keylogLabel?: string;
}

export interface KeyScheduleInfo {
  readonly cipherSuite?: number | undefined;
  readonly group?: number | undefined;
  readonly helloRetryRequest?: boolean | undefined;
  /** Whether a client certificate was sent (it joins the resumption transcript). */
  readonly clientAuth?: boolean | undefined;
  /** TLS 1.2: whether the extended master secret (RFC 7627) was used. */
  readonly extendedMasterSecret?: boolean | undefined;
  /** TLS 1.2: an abbreviated handshake resuming a session (RFC 5246 §7.3). */
  readonly resumed?: boolean | undefined;
}

/** The TLS 1.2 key derivation with the PRF (RFC 5246 §5, §6.3, §7.4.9, §8.1; RFC 7627 §4). */
export function keyScheduleSteps12(info: KeyScheduleInfo = {}): KeyScheduleStep[] {
  const suite = info.cipherSuite === undefined ? undefined : tls12Suite(info.cipherSuite);
  const prf = suite === undefined ? 'the suite PRF' : `PRF-${suite.prfHash.toUpperCase().replace('SHA', 'SHA-')}`;
  const group = info.group === undefined ? 'ECDHE' : namedGroupName(info.group);
  const key = suite === undefined ? 'enc_key_length' : `${suite.layout.encKeyLength}`;
  const iv = suite === undefined ? 'fixed_iv_length' : `${suite.layout.fixedIvLength}`;
  const ems = info.extendedMasterSecret !== false;
  const keyBlock: KeyScheduleStep = {
    secret: 'key_block',
    derivation: 'PRF(master_secret, "key expansion", server_random + client_random)',
    transcript: '',
    sentence: `Split in order (RFC 5246 §6.3) into client_write_key, server_write_key (${key} bytes each) and client_write_IV, server_write_IV (${iv} bytes each); AEAD suites have no MAC keys.`,
  };
  if (info.resumed === true) {
    // RFC 5246 §7.3: the abbreviated handshake: no key exchange, the session's master secret, new randoms
    return [
      {
        secret: 'master_secret',
        derivation: 'the resumed session\'s (from the ticket, RFC 5077, or the server\'s session cache)',
        transcript: '',
        sentence: `No key exchange: both sides already hold it from the first connection${ems ? ' (an extended master secret, RFC 7627 §5.3)' : ''}.`,
        keylogLabel: 'CLIENT_RANDOM',
      },
      { ...keyBlock, sentence: `With this connection's two new randoms, so the keys are new. ${keyBlock.sentence}` },
      {
        secret: 'server verify_data',
        derivation: 'PRF(master_secret, "server finished", Hash(handshake messages))[0..11]',
        transcript: 'ClientHello, ServerHello [, NewSessionTicket]',
        sentence: 'The server Finished comes first in the abbreviated handshake.',
      },
      {
        secret: 'client verify_data',
        derivation: 'PRF(master_secret, "client finished", Hash(handshake messages))[0..11]',
        transcript: 'ClientHello … server Finished',
        sentence: 'The client answers after checking the server Finished.',
      },
    ];
  }
  return [
    {
      secret: 'pre_master_secret',
      derivation: `${group} shared secret (RFC 8422 §5.10)`,
      transcript: '',
      sentence: `What the ServerKeyExchange and ClientKeyExchange points give both sides; ${prf} (P_hash with HMAC, RFC 5246 §5) does the rest.`,
    },
    ems
      ? {
          secret: 'master_secret',
          derivation: 'PRF(pre_master_secret, "extended master secret", session_hash)[0..47]',
          transcript: 'ClientHello … ClientKeyExchange',
          sentence: 'The extended master secret (RFC 7627 §4) binds the master secret to the whole handshake, defeating the triple-handshake attack.',
          keylogLabel: 'CLIENT_RANDOM',
        }
      : {
          secret: 'master_secret',
          derivation: 'PRF(pre_master_secret, "master secret", ClientHello.random + ServerHello.random)[0..47]',
          transcript: '',
          sentence: 'The classic master secret (RFC 5246 §8.1), bound to the two randoms only (the peer did not offer extended_master_secret).',
          keylogLabel: 'CLIENT_RANDOM',
        },
    keyBlock,
    {
      secret: 'client verify_data',
      derivation: 'PRF(master_secret, "client finished", Hash(handshake messages))[0..11]',
      transcript: 'ClientHello … ClientKeyExchange',
      sentence: 'The client Finished, sent after its ChangeCipherSpec under the client write key.',
    },
    {
      secret: 'server verify_data',
      derivation: 'PRF(master_secret, "server finished", Hash(handshake messages))[0..11]',
      transcript: 'ClientHello … client Finished',
      sentence: 'The server Finished; the exporter (RFC 5705) also uses the master secret with the PRF.',
    },
  ];
}

/** The TLS 1.3 key schedule of a full (EC)DHE handshake, step by step (no PSK, no 0-RTT). */
export function keyScheduleSteps(info: KeyScheduleInfo = {}): KeyScheduleStep[] {
  if (info.cipherSuite !== undefined && tls12Suite(info.cipherSuite) !== undefined) return keyScheduleSteps12(info);
  const suite = info.cipherSuite === undefined ? undefined : tls13Suite(info.cipherSuite);
  const hash = suite === undefined ? 'the suite hash' : suite.hash.toUpperCase().replace('SHA', 'SHA-');
  const len = suite === undefined ? 'Hash.length' : `${suite.hashLength}`;
  const group = info.group === undefined ? '(EC)DHE' : namedGroupName(info.group);
  const hello =
    info.helloRetryRequest === true
      ? 'message_hash(ClientHello1), HelloRetryRequest, ClientHello2, ServerHello'
      : 'ClientHello…ServerHello';
  const first = info.helloRetryRequest === true ? 'message_hash(ClientHello1) … ' : 'ClientHello … ';
  const serverFinished = `${first}server Finished`;
  const clientFinished = `${first}client Finished`;
  return [
    {
      secret: 'early_secret',
      derivation: `HKDF-Extract(salt: 0, IKM: ${len} zero bytes)`,
      transcript: '',
      sentence: `No pre-shared key in a full handshake, so the schedule starts from zeros; ${hash} is the suite's hash for every step.`,
    },
    {
      secret: 'handshake_secret',
      derivation: `HKDF-Extract(salt: Derive-Secret(early_secret, "derived", ""), IKM: ${group} shared secret)`,
      transcript: '',
      sentence: `Mixes in the shared secret of the ${group} key exchange, which only the two endpoints can compute.`,
    },
    {
      secret: 'client_handshake_traffic_secret',
      derivation: 'Derive-Secret(handshake_secret, "c hs traffic", transcript)',
      transcript: hello,
      sentence: 'Keys (HKDF-Expand-Label "key"/"iv") for what the client sends during the handshake, and its Finished key.',
      keylogLabel: 'CLIENT_HANDSHAKE_TRAFFIC_SECRET',
    },
    {
      secret: 'server_handshake_traffic_secret',
      derivation: 'Derive-Secret(handshake_secret, "s hs traffic", transcript)',
      transcript: hello,
      sentence: 'Keys for EncryptedExtensions, Certificate, CertificateVerify and the server Finished.',
      keylogLabel: 'SERVER_HANDSHAKE_TRAFFIC_SECRET',
    },
    {
      secret: 'master_secret',
      derivation: `HKDF-Extract(salt: Derive-Secret(handshake_secret, "derived", ""), IKM: ${len} zero bytes)`,
      transcript: '',
      sentence: 'The root of everything after the handshake.',
    },
    {
      secret: 'client_application_traffic_secret_0',
      derivation: 'Derive-Secret(master_secret, "c ap traffic", transcript)',
      transcript: serverFinished,
      sentence: 'Keys for the application data the client sends (KeyUpdate moves it to _1, _2, …).',
      keylogLabel: 'CLIENT_TRAFFIC_SECRET_0',
    },
    {
      secret: 'server_application_traffic_secret_0',
      derivation: 'Derive-Secret(master_secret, "s ap traffic", transcript)',
      transcript: serverFinished,
      sentence: 'Keys for the application data the server sends.',
      keylogLabel: 'SERVER_TRAFFIC_SECRET_0',
    },
    {
      secret: 'exporter_master_secret',
      derivation: 'Derive-Secret(master_secret, "exp master", transcript)',
      transcript: serverFinished,
      sentence: 'For keying material exporters (RFC 8446 §7.5), used by protocols built on TLS.',
      keylogLabel: 'EXPORTER_SECRET',
    },
    {
      secret: 'resumption_master_secret',
      derivation: 'Derive-Secret(master_secret, "res master", transcript)',
      transcript: info.clientAuth === true ? `${first}client Certificate, CertificateVerify, Finished` : clientFinished,
      sentence: 'The base for the pre-shared keys of NewSessionTicket (session resumption).',
    },
  ];
}
