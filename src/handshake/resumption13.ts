/**
 * TLS 1.3 session resumption with tickets (RFC 8446 §2.2, §4.2.11, §4.6.1): what the client keeps
 * from a NewSessionTicket, the PSK offer (pre_shared_key, obfuscated ticket age, binders), and the
 * interface the server handshake calls to issue and resume tickets (implemented by
 * `ServerSessions` in src/session/, which sits above this layer).
 */
import type { CryptoProvider } from '../crypto/provider.js';
import { decodeError, internalError } from '../errors.js';
import { bindersLength, encodePreSharedKeyClient, type PskIdentity } from '../extensions/pre-shared-key.js';
import { decodeEarlyDataTicket } from '../extensions/early-data.js';
import { findExtension } from '../extensions/extension.js';
import { tls13Suite, type Tls13Suite } from '../keyschedule/suites.js';
import { EarlySecrets, finishedVerifyData, resumptionPsk } from '../keyschedule/tls13.js';
import type { NewSessionTicket13 } from '../messages/new-session-ticket13.js';
import { ExtensionType, ProtocolVersion } from '../registry/codepoints.js';
import { concat, utf8 } from '../wire/bytes.js';
import { Reader, readOptionalUtf8 } from '../wire/reader.js';
import { Writer } from '../wire/writer.js';

/** A resumable TLS 1.3 session as the client keeps it (one ticket). */
export interface ClientSession13 {
  readonly version: typeof ProtocolVersion.TLS1_3;
  readonly cipherSuite: number;
  /** RFC 8446 §4.6.1: HKDF-Expand-Label(resumption_master_secret, "resumption", ticket_nonce, Hash.length). */
  readonly psk: Uint8Array;
  readonly ticket: Uint8Array;
  readonly ticketAgeAdd: number;
  /** ticket_lifetime (s). */
  readonly lifetimeS: number;
  /** When the ticket arrived (ms since the epoch, client clock). */
  readonly receivedAt: number;
  /** RFC 8446 §4.2.10: 0 = no 0-RTT with this ticket. */
  readonly maxEarlyDataSize: number;
  /** SNI and ALPN of the original connection (RFC 8446 §4.2.10/§4.6.1 consistency). */
  readonly serverName: string | undefined;
  readonly alpn: string | undefined;
  /** The server's certificate chain from the original handshake (the resumed session keeps it). */
  readonly peerCertificates: readonly Uint8Array[];
  /**
   * Whether the application accepted that chain as verified (node's `authorized`), recorded by the
   * adapter that stores the session; a resumed connection inherits it. Absent: not known (false).
   */
  readonly verified?: boolean;
}

/** What the server handshake needs of a resumed ticket (`ResumedTicket13` in src/session/). */
export interface ResumedSession13 {
  readonly state: {
    readonly cipherSuite: number;
    readonly psk: Uint8Array;
    readonly serverName: string | undefined;
    readonly alpn: string | undefined;
    readonly maxEarlyDataSize: number;
    /** The client identity of the original handshake; `verified`: its chain was verified then. */
    readonly peer:
      | { readonly kind: 'none' }
      | { readonly kind: 'certificates'; readonly chain: readonly Uint8Array[]; readonly verified?: boolean }
      | { readonly kind: 'digest'; readonly sha256: Uint8Array; readonly verified?: boolean };
  };
  readonly clientTicketAgeMs: number;
  readonly singleUse: boolean;
}

/** The server's 0-RTT decision for one ClientHello (`EarlyDataDecision` in src/session/). */
export interface EarlyDataVerdict {
  readonly accept: boolean;
  readonly reason?: string;
}

/**
 * The server-side ticket operations (satisfied by `ServerSessions`). Calls never reject. Ticket
 * issue and lookup may answer synchronously (stateless tickets need no store): the handshake
 * then goes on without an asynchronous step.
 */
export interface ServerTickets13 {
  /** max_early_data_size put in new tickets (RFC 8446 §4.6.1); 0: 0-RTT is off. */
  readonly maxEarlyDataSize: number;
  /**
   * RFC 8446 §4.2.10, §8: whether to accept the 0-RTT data of a ClientHello whose PSK `resumed`
   * (from `resumeTicket13`) was selected and its `binder` verified (anti-replay, freshness,
   * first identity, same suite and ALPN).
   */
  checkEarlyData(
    resumed: ResumedSession13,
    p: { readonly binder: Uint8Array; readonly selectedIdentity: number; readonly cipherSuite: number; readonly alpn: string | undefined },
  ): Promise<EarlyDataVerdict>;
  issueTicket13(p: {
    readonly suite: Tls13Suite;
    readonly resumptionMasterSecret: Uint8Array;
    readonly ticketNonce?: Uint8Array;
    readonly serverName: string | undefined;
    readonly alpn: string | undefined;
    readonly peerCertificates: readonly Uint8Array[];
    /** Whether the client's chain was verified (RFC 8446 §2.2: the resumed session keeps the identity). */
    readonly peerVerified?: boolean;
  }): NewSessionTicket13 | null | Promise<NewSessionTicket13 | null>;
  resumeTicket13(identity: PskIdentity): ResumedSession13 | null | Promise<ResumedSession13 | null>;
}

/** RFC 8446 §4.6.1: the client's session from one NewSessionTicket. */
export function clientSessionFromTicket(
  provider: CryptoProvider,
  suite: Tls13Suite,
  resumptionMasterSecret: Uint8Array,
  nst: NewSessionTicket13,
  original: { serverName: string | undefined; alpn: string | undefined; peerCertificates: readonly Uint8Array[] },
  now: number,
): ClientSession13 {
  const ed = findExtension(nst.extensions, ExtensionType.early_data);
  return {
    version: ProtocolVersion.TLS1_3,
    cipherSuite: suite.suite,
    psk: resumptionPsk(provider, suite, resumptionMasterSecret, nst.ticketNonce),
    ticket: nst.ticket,
    ticketAgeAdd: nst.ticketAgeAdd,
    lifetimeS: nst.ticketLifetime,
    receivedAt: now,
    maxEarlyDataSize: ed === undefined ? 0 : decodeEarlyDataTicket(ed.data),
    serverName: original.serverName,
    alpn: original.alpn,
    peerCertificates: original.peerCertificates,
  };
}

/**
 * Whether the client may offer `session` now: a ticket within its lifetime (RFC 8446 §4.6.1),
 * for a suite we still offer, and for the same server name (RFC 8446 §4.6.1: resume only where
 * the original certificate is valid for the new SNI; we require the same name).
 */
export function usableSession(
  session: ClientSession13 | undefined,
  offeredSuites: readonly number[],
  serverName: string | undefined,
  now: number,
): ClientSession13 | undefined {
  if (session === undefined || session.version !== ProtocolVersion.TLS1_3) return undefined;
  const suite = tls13Suite(session.cipherSuite);
  if (suite === undefined) return undefined;
  // §4.2.11: the PSK can only be used with a suite of the same hash; we need one we offer.
  if (!offeredSuites.some((s) => tls13Suite(s)?.hash === suite.hash)) return undefined;
  const age = now - session.receivedAt;
  if (age < 0 || age >= session.lifetimeS * 1000) return undefined;
  if ((session.serverName ?? '').toLowerCase() !== (serverName ?? '').toLowerCase()) return undefined;
  return session;
}

/**
 * RFC 8446 §4.2.10: whether the client may send 0-RTT data with `session` on this connection: the
 * ticket allows it (max_early_data_size > 0), and the parameters the early data is bound to — the
 * ticket's cipher suite and ALPN protocol — are ones this connection offers.
 */
export function earlyDataUsable(session: ClientSession13, offeredSuites: readonly number[], alpnProtocols: readonly string[]): boolean {
  if (session.maxEarlyDataSize === 0 || !offeredSuites.includes(session.cipherSuite)) return false;
  return session.alpn === undefined || alpnProtocols.includes(session.alpn);
}

/** RFC 8446 §4.2.11.1: obfuscated_ticket_age = (age in ms + ticket_age_add) mod 2^32. */
export function obfuscatedTicketAge(session: ClientSession13, now: number): number {
  return (Math.max(0, Math.floor(now - session.receivedAt)) + session.ticketAgeAdd) >>> 0;
}

/** The pre_shared_key extension body with a zero binder of the right length (replaced by `patchBinder`). */
export function pskOfferPlaceholder(session: ClientSession13, now: number): Uint8Array {
  const suite = tls13Suite(session.cipherSuite);
  if (suite === undefined) throw internalError('session with an unknown suite');
  return encodePreSharedKeyClient({
    identities: [{ identity: session.ticket, obfuscatedTicketAge: obfuscatedTicketAge(session, now) }],
    binders: [new Uint8Array(suite.hashLength)],
  });
}

/**
 * RFC 8446 §4.2.11.2: the binder of `session` over the ClientHello `helloRaw` (4-byte header +
 * body, pre_shared_key last, one binder), with `transcriptBefore` hashing what precedes it in
 * the transcript (empty, or message_hash(ClientHello1) + HelloRetryRequest). Returns the
 * ClientHello body with the binder written into its place. `early`: the session's early secrets
 * when the caller keeps them (they are computed otherwise).
 */
export function patchBinder(
  provider: CryptoProvider,
  session: ClientSession13,
  helloRaw: Uint8Array,
  transcriptBefore: readonly Uint8Array[],
  early?: EarlySecrets,
): { body: Uint8Array; binder: Uint8Array } {
  const suite = tls13Suite(session.cipherSuite);
  if (suite === undefined) throw internalError('session with an unknown suite');
  const strip = bindersLength([new Uint8Array(suite.hashLength)]);
  const truncated = helloRaw.subarray(0, helloRaw.length - strip);
  // a one-shot digest (no hash object); the transcript before is empty or message_hash + HRR
  const binderHash = provider.hash(suite.hash, transcriptBefore.length === 0 ? truncated : concat(...transcriptBefore, truncated));
  const binderKey = (early ?? EarlySecrets.create(provider, suite, session.psk)).binderKey('resumption');
  const binder = finishedVerifyData(provider, suite, binderKey, binderHash);
  const out = helloRaw.slice(4);
  out.set(binder, out.length - binder.length);
  return { body: out, binder };
}

/**
 * A client session as bytes (the node:tls `session` Buffer; `tlskit connect --sess-out`).
 * Format 1: `u8 1, u16 version, u16 suite, opaque psk<1..255>, opaque ticket<1..2^16-1>,
 * u32 age_add, u32 lifetime, u64 received_at, u32 max_early_data, opaque sni<0..255>,
 * opaque alpn<0..255>, u8 n, n × opaque cert<1..2^24-1>, u8 verified`. It holds the PSK: keep it secret.
 */
export function encodeClientSession(s: ClientSession13): Uint8Array {
  const w = new Writer(256 + s.ticket.length);
  w.u8(1).u16(s.version).u16(s.cipherSuite).opaque8(s.psk).opaque16(s.ticket);
  w.u32(s.ticketAgeAdd).u32(s.lifetimeS);
  writeTime(w, s.receivedAt);
  w.u32(s.maxEarlyDataSize);
  writeSessionTail(w, s);
  return w.finish();
}

/** A time in ms as the uint64 of the session formats (two u32: the bytes of Writer.u64 without BigInt arithmetic). */
export function writeTime(w: Writer, ms: number): void {
  const v = Math.max(0, Math.floor(ms));
  w.u32(Math.floor(v / 0x100000000)).u32(v >>> 0);
}

/** The uint64 written by `writeTime`; not a safe integer when above 2^53 - 1 (callers that care check). */
export function readTime(r: Reader, field: string): number {
  const high = r.u32(field);
  return high * 0x100000000 + r.u32(field);
}

/** What a client session ends with, in both versions' formats. */
export interface ClientSessionTail {
  readonly serverName: string | undefined;
  readonly alpn: string | undefined;
  readonly peerCertificates: readonly Uint8Array[];
  readonly verified: boolean;
}

/** `opaque sni<0..255>, opaque alpn<0..255>, u8 n, n × opaque cert<1..2^24-1>, u8 verified`. */
export function writeSessionTail(w: Writer, s: { readonly serverName?: string | undefined; readonly alpn?: string | undefined; readonly peerCertificates: readonly Uint8Array[]; readonly verified?: boolean | undefined }): void {
  w.opaque8(utf8(s.serverName ?? '')).opaque8(utf8(s.alpn ?? ''));
  w.u8(s.peerCertificates.length);
  for (const c of s.peerCertificates) w.opaque24(c);
  w.u8(s.verified === true ? 1 : 0);
}

/** Reads what `writeSessionTail` wrote (strict: not UTF-8, bad lengths, verified > 1 → decode_error). */
export function readSessionTail(r: Reader): ClientSessionTail {
  const serverName = readOptionalUtf8(r, 'session.server_name');
  const alpn = readOptionalUtf8(r, 'session.alpn');
  const n = r.u8('session.certificates');
  const peerCertificates: Uint8Array[] = [];
  for (let i = 0; i < n; i++) peerCertificates.push(r.vec24('session.certificate', 1).slice());
  const verified = r.u8('session.verified');
  if (verified > 1) throw decodeError('session.verified must be 0 or 1', 'session.verified');
  return { serverName, alpn, peerCertificates, verified: verified === 1 };
}

export function decodeClientSession(bytes: Uint8Array): ClientSession13 {
  const r = new Reader(bytes);
  if (r.u8('session.format') !== 1) throw decodeError('unknown session format', 'session.format');
  const version = r.u16('session.version');
  if (version !== ProtocolVersion.TLS1_3) throw decodeError('not a TLS 1.3 session', 'session.version');
  const cipherSuite = r.u16('session.cipher_suite');
  const psk = r.vec8('session.psk', 32, 48);
  const ticket = r.vec16('session.ticket', 1);
  const ticketAgeAdd = r.u32('session.ticket_age_add');
  const lifetimeS = r.u32('session.ticket_lifetime');
  const receivedAt = readTime(r, 'session.received_at');
  const maxEarlyDataSize = r.u32('session.max_early_data_size');
  const tail = readSessionTail(r);
  r.end('session');
  return { version, cipherSuite, psk, ticket, ticketAgeAdd, lifetimeS, receivedAt, maxEarlyDataSize, ...tail };
}
