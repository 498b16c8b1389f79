/**
 * TLS 1.2 session resumption: session IDs (RFC 5246 §7.3, §7.4.1.2) and session tickets
 * (RFC 5077), with the extended master secret rules of RFC 7627 §5.3.
 *
 * - the client's resumable session (`ClientSession12`), whether it may be offered, and its bytes
 *   (the node:tls `session` Buffer; `tlskit connect --sess-out`), beside the TLS 1.3 one;
 * - the interface the server handshake calls to find, seal and cache sessions (`ServerSessions12`,
 *   implemented by `ServerSessions` in src/session/, which sits above this layer) and the
 *   server's decision whether a ClientHello resumes (`findResumable12`).
 *
 * The abbreviated handshakes themselves are in client12.ts / server12.ts.
 */
import { decodeError, ErrorCode, TlsError } from '../errors.js';
import { MASTER_SECRET_LENGTH } from '../keyschedule/prf12.js';
import { ProtocolVersion } from '../registry/codepoints.js';
import { Reader } from '../wire/reader.js';
import { Writer } from '../wire/writer.js';
import type { ClientConfig, ServerConfig } from './config.js';
import { awaitValue, type HandshakeInput, type HandshakeStep } from './host.js';
import { decodeClientSession, encodeClientSession, readSessionTail, readTime, writeSessionTail, writeTime, type ClientSession13 } from './resumption13.js';
import { legacySuitesAllowed, tls12Suite } from './suites12.js';

/** RFC 5246 §7.4.1.2: `opaque SessionID<0..32>`. */
export const MAX_SESSION_ID_LENGTH_12 = 32;
/**
 * How long a client keeps a TLS 1.2 session whose server gave no lifetime (a session ID, or a
 * ticket_lifetime_hint of 0, "unspecified" in RFC 5077 §3.3). The server decides anyway.
 */
export const DEFAULT_CLIENT_SESSION_LIFETIME_12_S = 7200;

/** A resumable TLS 1.2 session as the client keeps it. */
export interface ClientSession12 {
  readonly version: typeof ProtocolVersion.TLS1_2;
  readonly cipherSuite: number;
  readonly masterSecret: Uint8Array;
  /** RFC 7627 §5.3: whether the session's master secret is an extended one. */
  readonly extendedMasterSecret: boolean;
  /** The server's session ID (RFC 5246 §7.4.1.3); empty when it issued a ticket (RFC 5077 §3.4). */
  readonly sessionId: Uint8Array;
  /** The RFC 5077 ticket; empty: none (resume by session ID). */
  readonly ticket: Uint8Array;
  /** How long to keep it (s): the ticket_lifetime_hint, or DEFAULT_CLIENT_SESSION_LIFETIME_12_S. */
  readonly lifetimeS: number;
  /** When the session was established or its ticket arrived (ms since the epoch, client clock). */
  readonly receivedAt: number;
  /** SNI and ALPN of the original connection. */
  readonly serverName: string | undefined;
  readonly alpn: string | undefined;
  /** The server's certificate chain from the original handshake (the resumed session keeps it). */
  readonly peerCertificates: readonly Uint8Array[];
  /** Whether the application accepted that chain (node's `authorized`), recorded by the adapter. */
  readonly verified?: boolean;
}

/** A session the client can offer: TLS 1.3 (a PSK ticket) or TLS 1.2 (session ID and/or ticket). */
export type ClientSession = ClientSession13 | ClientSession12;

/**
 * Whether the client may offer `session` now (TLS 1.2): within its lifetime, for a suite we still
 * offer, with the same server name (RFC 6066 §3: a server resumes only for the same name), and
 * only with an extended master secret (RFC 7627 §5.3: a client SHOULD NOT offer an abbreviated
 * handshake for a session without one; it does a full handshake instead).
 */
export function usableSession12(
  session: ClientSession | undefined,
  config: Pick<ClientConfig, 'cipherSuites12' | 'minVersion' | 'sessionTickets12'>,
  serverName: string | undefined,
  now: number,
): ClientSession12 | undefined {
  if (session === undefined || session.version !== ProtocolVersion.TLS1_2) return undefined;
  if (config.minVersion > ProtocolVersion.TLS1_2) return undefined;
  if (!config.cipherSuites12.includes(session.cipherSuite) || tls12Suite(session.cipherSuite) === undefined) return undefined;
  if (!session.extendedMasterSecret) return undefined;
  // a ticket needs the session_ticket extension; otherwise the session ID is what resumes
  if (session.ticket.length > 0 ? !config.sessionTickets12 : session.sessionId.length === 0) return undefined;
  const age = now - session.receivedAt;
  if (age < 0 || age >= session.lifetimeS * 1000) return undefined;
  if ((session.serverName ?? '').toLowerCase() !== (serverName ?? '').toLowerCase()) return undefined;
  return session;
}

// ------------------------------------------------------------------ bytes

/**
 * A TLS 1.2 client session as bytes. Format 1: `u8 1, u16 0x0303, u16 suite,
 * opaque master_secret[48], u8 ems, opaque session_id<0..32>, opaque ticket<0..2^16-1>,
 * u32 lifetime, u64 received_at, opaque sni<0..255>, opaque alpn<0..255>, u8 n,
 * n × opaque cert<1..2^24-1>, u8 verified`. It holds the master secret: keep it secret.
 */
export function encodeClientSession12(s: ClientSession12): Uint8Array {
  if (s.masterSecret.length !== MASTER_SECRET_LENGTH) throw new TlsError(ErrorCode.ERR_TLS_INVALID_OPTION, 'session: master secret length');
  const w = new Writer(256 + s.ticket.length);
  w.u8(1).u16(s.version).u16(s.cipherSuite).bytes(s.masterSecret).u8(s.extendedMasterSecret ? 1 : 0);
  w.opaque8(s.sessionId).opaque16(s.ticket);
  w.u32(s.lifetimeS);
  writeTime(w, s.receivedAt);
  writeSessionTail(w, s);
  return w.finish();
}

/** Strict: unknown format or version, bad lengths and trailing bytes are decode_error. */
export function decodeClientSession12(bytes: Uint8Array): ClientSession12 {
  const r = new Reader(bytes);
  if (r.u8('session.format') !== 1) throw decodeError('unknown session format', 'session.format');
  const version = r.u16('session.version');
  if (version !== ProtocolVersion.TLS1_2) throw decodeError('not a TLS 1.2 session', 'session.version');
  const cipherSuite = r.u16('session.cipher_suite');
  const masterSecret = r.bytes(MASTER_SECRET_LENGTH, 'session.master_secret').slice();
  const ems = r.u8('session.extended_master_secret');
  if (ems > 1) throw decodeError('session.extended_master_secret must be 0 or 1', 'session.extended_master_secret');
  const sessionId = r.vec8('session.session_id', 0, MAX_SESSION_ID_LENGTH_12).slice();
  const ticket = r.vec16('session.ticket').slice();
  const lifetimeS = r.u32('session.lifetime');
  const receivedAt = readTime(r, 'session.received_at');
  if (!Number.isSafeInteger(receivedAt)) throw decodeError('received_at out of range', 'session.received_at');
  const tail = readSessionTail(r);
  r.end('session');
  return {
    version,
    cipherSuite,
    masterSecret,
    extendedMasterSecret: ems === 1,
    sessionId,
    ticket,
    lifetimeS,
    receivedAt,
    ...tail,
  };
}

/** Any client session as bytes (TLS 1.3 or 1.2): the node:tls `session` Buffer. */
export function encodeAnyClientSession(s: ClientSession): Uint8Array {
  return s.version === ProtocolVersion.TLS1_2 ? encodeClientSession12(s) : encodeClientSession(s);
}

/** Decodes what `encodeAnyClientSession` wrote (the version after the format byte picks the codec). */
export function decodeAnyClientSession(bytes: Uint8Array): ClientSession {
  if (bytes.length >= 3 && ((bytes[1] ?? 0) << 8 | (bytes[2] ?? 0)) === ProtocolVersion.TLS1_2) return decodeClientSession12(bytes);
  return decodeClientSession(bytes);
}

// ------------------------------------------------------------------ server

/** What the server keeps of a TLS 1.2 session (`SessionState12` in src/session/ticket.ts). */
export interface ResumedSession12 {
  readonly cipherSuite: number;
  readonly masterSecret: Uint8Array;
  readonly extendedMasterSecret: boolean;
  readonly serverName: string | undefined;
  readonly alpn: string | undefined;
  /** The client's identity; `verified`: its chain was verified then (the resumed connection inherits it). */
  readonly peer:
    | { readonly kind: 'none' }
    | { readonly kind: 'certificates'; readonly chain: readonly Uint8Array[]; readonly verified?: boolean }
    | { readonly kind: 'digest'; readonly sha256: Uint8Array; readonly verified?: boolean };
}

/** What the server saves of a session it established. */
export interface SessionParams12 {
  readonly cipherSuite: number;
  readonly masterSecret: Uint8Array;
  readonly extendedMasterSecret: boolean;
  readonly serverName: string | undefined;
  readonly alpn: string | undefined;
  /** The client's certificate chain (DER, leaf first), empty without client auth. */
  readonly peerCertificates: readonly Uint8Array[];
  /** Whether that chain was verified (a resumed connection inherits it). Default false. */
  readonly peerVerified?: boolean;
}

/** The server-side TLS 1.2 session operations (satisfied by `ServerSessions`). Calls never reject. */
export interface ServerSessions12 {
  /** RFC 5077 §3.3: a sealed ticket and its ticket_lifetime_hint. */
  sealTicket12(p: SessionParams12): { readonly ticketLifetimeHint: number; readonly ticket: Uint8Array };
  /** RFC 5077 §3.4: the session in a ticket, or null (unknown: full handshake, no alert). */
  openTicket12(ticket: Uint8Array): ResumedSession12 | null;
  /** Whether a ticket that opened was sealed under a key that no longer seals (renew it, RFC 5077 §3.3). */
  ticketNeedsRenewal12(ticket: Uint8Array): boolean;
  /** RFC 5246 §7.4.1.2: caches a session under its session ID. */
  saveSession12(sessionId: Uint8Array, p: SessionParams12): Promise<boolean>;
  /** The cached session for a ClientHello.session_id, or null. */
  findSession12(sessionId: Uint8Array): Promise<ResumedSession12 | null>;
  /** RFC 5246 §7.2.2: forgets a cached session whose connection ended with a fatal alert. */
  removeSession12(sessionId: Uint8Array): Promise<void>;
}

/**
 * RFC 7627 §5.3: what a TLS 1.2 server does with a resumable session given whether the new
 * ClientHello offers extended_master_secret. `resume`; `full` (original without EMS, new hello
 * with it: MUST NOT resume, SHOULD do a full handshake); `abort` (original with EMS, new hello
 * without: MUST abort → handshake_failure). Neither side with EMS: `full` unless
 * `allowLegacy` (RFC 7627 §5.3 SHOULD abort; a full handshake is the safe middle).
 */
export function emsResumption12(original: { readonly extendedMasterSecret: boolean }, clientOffersEms: boolean, allowLegacy = false): 'resume' | 'full' | 'abort' {
  if (original.extendedMasterSecret) return clientOffersEms ? 'resume' : 'abort';
  if (clientOffersEms) return 'full';
  return allowLegacy ? 'resume' : 'full';
}

/** A session the server will resume. */
export interface Resumption12 {
  readonly session: ResumedSession12;
  readonly via: 'ticket' | 'session_id';
  /** A ticket sealed under an older key: send a new one (RFC 5077 §3.3). */
  readonly renewTicket: boolean;
}

/** What of the ClientHello the resumption decision looks at. */
export interface ResumptionOffer12 {
  readonly sessionId: Uint8Array;
  /** The session_ticket extension's ticket; undefined: no extension; empty: asks for one. */
  readonly sessionTicket: Uint8Array | undefined;
  readonly cipherSuites: readonly number[];
  readonly serverName: string | undefined;
  readonly extendedMasterSecret: boolean;
}

/**
 * The server's decision: the session this ClientHello resumes, or undefined for a full handshake
 * (no alert). A ticket is tried first; when a ticket is presented the session ID is not looked up
 * (RFC 5077 §3.4). Then the session must fit: its cipher suite offered by the client and enabled
 * here (RFC 5246 §7.4.1.2), the same server name (RFC 6066 §3: otherwise a full handshake), a
 * client certificate when one is now required, and RFC 7627 §5.3 (original with EMS, hello
 * without → handshake_failure; original without EMS → full handshake).
 */
export function* findResumable12(config: ServerConfig, offer: ResumptionOffer12): Generator<HandshakeStep, Resumption12 | undefined, HandshakeInput> {
  const sessions = config.sessions12;
  if (sessions === undefined) return undefined;
  let session: ResumedSession12 | null = null;
  let via: Resumption12['via'] = 'ticket';
  let renewTicket = false;
  const ticket = offer.sessionTicket;
  if (ticket !== undefined && ticket.length > 0) {
    if (!config.sessionTickets12) return undefined;
    session = sessions.openTicket12(ticket);
    renewTicket = session !== null && sessions.ticketNeedsRenewal12(ticket);
  } else if (offer.sessionId.length > 0) {
    via = 'session_id';
    session = yield* awaitValue(sessions.findSession12(offer.sessionId));
  }
  if (session === null) return undefined;
  const suite = tls12Suite(session.cipherSuite);
  if (suite === undefined || !config.cipherSuites12.includes(suite.suite) || !offer.cipherSuites.includes(suite.suite)) return undefined;
  if (!legacySuitesAllowed(suite, config)) return undefined;
  if ((session.serverName ?? '').toLowerCase() !== (offer.serverName ?? '').toLowerCase()) return undefined;
  if (config.clientAuth?.requireCertificate === true && session.peer.kind === 'none') return undefined;
  const ems = emsResumption12(session, offer.extendedMasterSecret);
  if (ems === 'abort') {
    throw new TlsError(ErrorCode.ERR_TLS_HANDSHAKE_FAILURE, 'the resumed session used extended_master_secret but the ClientHello does not offer it (RFC 7627 §5.3)', {
      field: 'ClientHello.extended_master_secret',
    });
  }
  if (ems === 'full') return undefined;
  return { session, via, renewTicket };
}
