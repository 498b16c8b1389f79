/**
 * The server side of resumption and 0-RTT in one object: what the TLS 1.3 and TLS 1.2 server
 * handshakes call. It owns no socket and no handshake state; it combines the ticket keys
 * (ticket-keys.ts), the sealed session state (ticket.ts) and a SessionStore (store.ts).
 *
 * Asynchronous methods return promises the handshake generators wait for with
 * `yield* awaitValue(promise)` (src/handshake/host.ts). None of them rejects: a store failure
 * means "no session" (full handshake) or "no 0-RTT" (issue 5: degrade, never accept a replay).
 */
import type { CryptoProvider } from '../crypto/provider.js';
import { ErrorCode, TlsError } from '../errors.js';
import type { Extension } from '../extensions/extension.js';
import { encodeEarlyDataTicket } from '../extensions/early-data.js';
import type { PskIdentity } from '../extensions/pre-shared-key.js';
import type { Tls13Suite } from '../keyschedule/suites.js';
import { EarlySecrets, resumptionPsk, verifyFinished } from '../keyschedule/tls13.js';
import type { NewSessionTicket13 } from '../messages/new-session-ticket13.js';
import { ExtensionType } from '../registry/codepoints.js';
import { equalBytes, toHex } from '../wire/bytes.js';
import type { ServerSessions12, SessionParams12 } from '../handshake/resumption12.js';
import { TICKET_KEY_NAME_LENGTH } from './ticket-keys.js';
import { MemoryStore, type SessionStore } from './store.js';
import { isLive, MAX_SESSION_LIFETIME_S, openSession, peerIdentity, sealSession, TicketPurpose, type SessionState12, type SessionState13 } from './ticket.js';
import type { TicketKeyring } from './ticket-keys.js';

/** Stateful TLS 1.3 tickets are random handles of this length (sealed tickets are longer). */
export const STATEFUL_TICKET_LENGTH = 32;
/** RFC 5246 §7.4.1.2: `opaque SessionID<0..32>`. */
export const MAX_SESSION_ID_LENGTH = 32;

export interface ServerSessionsOptions {
  readonly provider: CryptoProvider;
  readonly keys: TicketKeyring;
  /** Default: a MemoryStore (one process). A RedisStore shares everything across a fleet. */
  readonly store?: SessionStore;
  /**
   * TLS 1.3 tickets: `stateless` (the sealed state is the ticket; reusable within its lifetime)
   * or `stateful` (the ticket is a random handle; the state lives in the store and is deleted on
   * first use — RFC 8446 §8.1 single use, and forward secrecy for the PSK). Default stateless.
   */
  readonly tickets13?: 'stateless' | 'stateful';
  /** TLS 1.3 ticket_lifetime and TLS 1.2 ticket lifetime (s). Default 7200; at most 604800 (RFC 8446 §4.6.1). */
  readonly ticketLifetimeS?: number;
  /** TLS 1.2 session-ID cache lifetime (s). Default 300 (node:tls sessionTimeout). */
  readonly sessionIdLifetimeS?: number;
  /** max_early_data_size put in TLS 1.3 tickets; 0 (default) = no 0-RTT (RFC 8446 §4.2.10). */
  readonly maxEarlyDataSize?: number;
  /**
   * RFC 8446 §8.3 freshness window (ms): 0-RTT only when the expected arrival time of the
   * ClientHello is within ± this of the server clock. Default 10 000 ("on the order of ten
   * seconds"). ClientHellos are recorded for 2 × window (RFC 8446 §8.2).
   */
  readonly earlyDataWindowMs?: number;
  readonly now?: () => number;
}

/** What `resumeTicket13` found. */
export interface ResumedTicket13 {
  readonly state: SessionState13;
  /** RFC 8446 §4.2.11.1: the client's view of the ticket age (obfuscated_ticket_age − age_add mod 2^32), ms. */
  readonly clientTicketAgeMs: number;
  /** A stateful ticket, already deleted from the store (RFC 8446 §8.1). */
  readonly singleUse: boolean;
}

/** The 0-RTT decision (RFC 8446 §4.2.10, §8). */
export type EarlyDataDecision =
  | { readonly accept: true }
  | {
      readonly accept: false;
      readonly reason: 'disabled' | 'not-first-identity' | 'parameters' | 'stale' | 'starting' | 'replay-or-store';
    };

export interface IssueTicket13Params {
  readonly suite: Tls13Suite;
  /** From `MasterSecrets.resumptionMasterSecret(ClientHello...client Finished)`. */
  readonly resumptionMasterSecret: Uint8Array;
  /** ticket_nonce; default 8 random bytes. Must be unique per ticket on the connection (RFC 8446 §4.6.1). */
  readonly ticketNonce?: Uint8Array;
  readonly serverName: string | undefined;
  readonly alpn: string | undefined;
  /** The client's certificate chain (DER, leaf first), empty without client auth. */
  readonly peerCertificates: readonly Uint8Array[];
  /** Whether that chain was verified (a resumed connection inherits it). Default false. */
  readonly peerVerified?: boolean;
  /** RFC 8446 §8.3: estimated RTT to the client (ms), for the adjusted creation time. */
  readonly rttMs?: number;
}

/** RFC 5246 §7.4.1.2 / RFC 5077: the TLS 1.2 session parameters a server saves (from the handshake layer). */
export type { SessionParams12 } from '../handshake/resumption12.js';
/** RFC 7627 §5.3 resumption rules (from the handshake layer, which applies them). */
export { emsResumption12 } from '../handshake/resumption12.js';

export class ServerSessions implements ServerSessions12 {
  readonly store: SessionStore;
  private readonly provider: CryptoProvider;
  private readonly keys: TicketKeyring;
  private readonly mode: 'stateless' | 'stateful';
  private readonly ticketLifetimeS: number;
  private readonly sessionIdLifetimeS: number;
  /** max_early_data_size put in TLS 1.3 tickets; 0 = 0-RTT off (RFC 8446 §4.2.10). */
  readonly maxEarlyDataSize: number;
  private readonly windowMs: number;
  private readonly now: () => number;

  constructor(options: ServerSessionsOptions) {
    this.provider = options.provider;
    this.keys = options.keys;
    this.now = options.now ?? Date.now;
    this.store = options.store ?? new MemoryStore({ now: this.now });
    this.mode = options.tickets13 ?? 'stateless';
    this.ticketLifetimeS = options.ticketLifetimeS ?? 7200;
    this.sessionIdLifetimeS = options.sessionIdLifetimeS ?? 300;
    this.maxEarlyDataSize = options.maxEarlyDataSize ?? 0;
    this.windowMs = options.earlyDataWindowMs ?? 10_000;
    for (const [name, v, max] of [
      ['ticketLifetimeS', this.ticketLifetimeS, MAX_SESSION_LIFETIME_S],
      ['sessionIdLifetimeS', this.sessionIdLifetimeS, MAX_SESSION_LIFETIME_S],
      ['maxEarlyDataSize', this.maxEarlyDataSize, 0xffffffff],
      ['earlyDataWindowMs', this.windowMs, 600_000],
    ] as const) {
      if (!Number.isInteger(v) || v < 0 || v > max) throw new TlsError(ErrorCode.ERR_TLS_INVALID_OPTION, `session: ${name} must be an integer in 0..${max}`);
    }
  }

  // ---------------------------------------------------------------- TLS 1.3

  /**
   * RFC 8446 §4.6.1: makes one NewSessionTicket after the client's Finished. Derives the PSK
   * (HKDF-Expand-Label(resumption_master_secret, "resumption", ticket_nonce, Hash.length)),
   * picks a random ticket_age_add, seals the state (stateless) or stores it under a random handle
   * (stateful), and adds early_data(max_early_data_size) when 0-RTT is on. null when no ticket
   * can be issued (stateful and the store failed): send none. A stateless ticket is made
   * synchronously (no store involved: it can leave in the same flight as the server Finished).
   */
  issueTicket13(p: IssueTicket13Params): NewSessionTicket13 | null | Promise<NewSessionTicket13 | null> {
    const ticketNonce = p.ticketNonce ?? this.provider.randomBytes(8);
    const ageAddBytes = this.provider.randomBytes(4);
    const ticketAgeAdd = new DataView(ageAddBytes.buffer, ageAddBytes.byteOffset, 4).getUint32(0);
    const state: SessionState13 = {
      version: 0x0304,
      cipherSuite: p.suite.suite,
      psk: resumptionPsk(this.provider, p.suite, p.resumptionMasterSecret, ticketNonce),
      ticketAgeAdd,
      issuedAt: this.now(),
      lifetime: this.ticketLifetimeS,
      maxEarlyDataSize: this.maxEarlyDataSize,
      rttMs: p.rttMs ?? 0,
      serverName: p.serverName,
      alpn: p.alpn,
      peer: peerIdentity(this.provider, p.peerCertificates, undefined, p.peerVerified === true),
    };
    const extensions: Extension[] = [];
    if (this.maxEarlyDataSize > 0) extensions.push({ type: ExtensionType.early_data, data: encodeEarlyDataTicket(this.maxEarlyDataSize) });
    if (this.mode === 'stateless') {
      const ticket = sealSession(this.keys, this.provider, TicketPurpose.tls13Ticket, state);
      return { ticketLifetime: this.ticketLifetimeS, ticketAgeAdd, ticketNonce, ticket, extensions };
    }
    const ticket = this.provider.randomBytes(STATEFUL_TICKET_LENGTH);
    const sealed = sealSession(this.keys, this.provider, TicketPurpose.storeValue, state);
    return this.store
      .set(ticketKey(ticket), sealed, this.ticketLifetimeS * 1000)
      .then((stored) => (stored ? { ticketLifetime: this.ticketLifetimeS, ticketAgeAdd, ticketNonce, ticket, extensions } : null));
  }

  /**
   * RFC 8446 §4.2.11: the session behind one offered PskIdentity, or null (unknown: try the next
   * identity or do a full handshake; no alert). A stateful ticket is taken from the store
   * (deleted) here, before the binder is checked (RFC 8446 §8.1). The handshake must then check
   * the suite's hash matches (§4.2.11), the binder (`verifyResumptionBinder`), and SNI/ALPN
   * consistency as it requires. A stateless ticket is opened synchronously (no store involved).
   */
  resumeTicket13(identity: PskIdentity): ResumedTicket13 | null | Promise<ResumedTicket13 | null> {
    const id = identity.identity;
    if (id.length === STATEFUL_TICKET_LENGTH) {
      return this.store.take(ticketKey(id)).then((sealed) =>
        sealed === undefined ? null : this.resumed13(identity, openSession(this.keys, this.provider, TicketPurpose.storeValue, sealed, this.now()), true),
      );
    }
    return this.resumed13(identity, openSession(this.keys, this.provider, TicketPurpose.tls13Ticket, id, this.now()), false);
  }

  private resumed13(identity: PskIdentity, state: SessionState12 | SessionState13 | null, singleUse: boolean): ResumedTicket13 | null {
    if (state === null || state.version !== 0x0304) return null;
    const clientTicketAgeMs = (identity.obfuscatedTicketAge - state.ticketAgeAdd) >>> 0;
    return { state, clientTicketAgeMs, singleUse };
  }

  /**
   * RFC 8446 §4.2.10 + §8: whether to accept the client's 0-RTT data. Call only after the binder
   * of the selected identity verified. `binder` is that validated binder (RFC 8446 §8.2: the
   * storage key comes only from validated parts of the ClientHello).
   * Order: configuration and ticket allow it; first identity; same suite and ALPN (§4.2.10);
   * freshness (§8.3); not inside the startup window of the record store (§8.2); then the
   * atomic record of the binder (stateless tickets) — a stateful ticket was already single-use.
   */
  async checkEarlyData(
    resumed: ResumedTicket13,
    p: { readonly binder: Uint8Array; readonly selectedIdentity: number; readonly cipherSuite: number; readonly alpn: string | undefined },
  ): Promise<EarlyDataDecision> {
    const s = resumed.state;
    if (this.maxEarlyDataSize === 0 || s.maxEarlyDataSize === 0) return { accept: false, reason: 'disabled' };
    // RFC 8446 §4.2.10: 0-RTT only with the first identity offered.
    if (p.selectedIdentity !== 0) return { accept: false, reason: 'not-first-identity' };
    // RFC 8446 §4.2.10: same cipher suite and ALPN as the original connection.
    if (p.cipherSuite !== s.cipherSuite || p.alpn !== s.alpn) return { accept: false, reason: 'parameters' };
    const now = this.now();
    // RFC 8446 §8.3: expected_arrival_time = adjusted_creation_time + clients_ticket_age.
    const expected = s.issuedAt + s.rttMs + resumed.clientTicketAgeMs;
    if (Math.abs(now - expected) > this.windowMs || !isLive(s, now)) return { accept: false, reason: 'stale' };
    if (resumed.singleUse) return { accept: true };
    // RFC 8446 §8.2: refuse 0-RTT while the recording window overlaps the time from which the
    // record store is known to be intact (process start, Redis reconnection).
    const since = this.store.recordsIntactSince();
    if (since === null || now < since + 2 * this.windowMs) return { accept: false, reason: 'starting' };
    const inserted = await this.store.insertIfAbsent(`ch:${toHex(p.binder)}`, ONE, 2 * this.windowMs);
    return inserted ? { accept: true } : { accept: false, reason: 'replay-or-store' };
  }

  // ---------------------------------------------------------------- TLS 1.2

  /** RFC 5077 §3.3: a TLS 1.2 ticket (sealed state) and its ticket_lifetime_hint. Synchronous. */
  sealTicket12(p: SessionParams12): { readonly ticketLifetimeHint: number; readonly ticket: Uint8Array } {
    const state = this.state12(p, this.ticketLifetimeS);
    return { ticketLifetimeHint: this.ticketLifetimeS, ticket: sealSession(this.keys, this.provider, TicketPurpose.tls12Ticket, state) };
  }

  /** RFC 5077 §3.4: the session in a TLS 1.2 ticket, or null (→ full handshake, no alert). Synchronous. */
  openTicket12(ticket: Uint8Array): SessionState12 | null {
    const s = openSession(this.keys, this.provider, TicketPurpose.tls12Ticket, ticket, this.now());
    return s !== null && s.version === 0x0303 ? s : null;
  }

  /**
   * RFC 5077 §3.3: whether a ticket (one that opened) was sealed under a key other than the one
   * that seals now (rotated out but still opening): the server then renews it.
   */
  ticketNeedsRenewal12(ticket: Uint8Array): boolean {
    return ticket.length < TICKET_KEY_NAME_LENGTH || !equalBytes(ticket.subarray(0, TICKET_KEY_NAME_LENGTH), this.keys.current().name);
  }

  /** RFC 5246 §7.4.1.2: caches a session under its session ID (bounded by the store and the lifetime). */
  saveSession12(sessionId: Uint8Array, p: SessionParams12): Promise<boolean> {
    if (sessionId.length < 1 || sessionId.length > MAX_SESSION_ID_LENGTH) return Promise.resolve(false);
    return this.store.set(sessionIdKey(sessionId), this.sealSessionValue12(p), this.sessionIdLifetimeS * 1000);
  }

  /** The cached session for a ClientHello.session_id, or null (→ full handshake). */
  async findSession12(sessionId: Uint8Array): Promise<SessionState12 | null> {
    if (sessionId.length < 1 || sessionId.length > MAX_SESSION_ID_LENGTH) return null;
    const sealed = await this.store.get(sessionIdKey(sessionId));
    return sealed === undefined ? null : this.openSessionValue12(sealed);
  }

  /**
   * A TLS 1.2 session as the value the session-ID cache keeps: the state sealed with the ticket
   * keys (purpose "store value"), lifetime `sessionIdLifetimeS`. Also what node's server
   * 'newSession' event hands to an external cache (src/node/session-events.ts).
   */
  sealSessionValue12(p: SessionParams12): Uint8Array {
    return sealSession(this.keys, this.provider, TicketPurpose.storeValue, this.state12(p, this.sessionIdLifetimeS));
  }

  /** The session in a value from `sealSessionValue12`, or null: not ours, a ticket key gone, expired, not TLS 1.2. */
  openSessionValue12(sealed: Uint8Array): SessionState12 | null {
    const s = openSession(this.keys, this.provider, TicketPurpose.storeValue, sealed, this.now());
    return s !== null && s.version === 0x0303 ? s : null;
  }

  /** RFC 5246 §7.2.2: a session ended by a fatal alert must not be resumed. */
  removeSession12(sessionId: Uint8Array): Promise<void> {
    if (sessionId.length < 1 || sessionId.length > MAX_SESSION_ID_LENGTH) return Promise.resolve();
    return this.store.delete(sessionIdKey(sessionId));
  }

  private state12(p: SessionParams12, lifetime: number): SessionState12 {
    return {
      version: 0x0303,
      cipherSuite: p.cipherSuite,
      masterSecret: p.masterSecret,
      extendedMasterSecret: p.extendedMasterSecret,
      issuedAt: this.now(),
      lifetime,
      serverName: p.serverName,
      alpn: p.alpn,
      peer: peerIdentity(this.provider, p.peerCertificates, undefined, p.peerVerified === true),
    };
  }
}

const ONE = new Uint8Array([1]);
const ticketKey = (id: Uint8Array): string => `tkt:${toHex(id)}`;
const sessionIdKey = (id: Uint8Array): string => `sid:${toHex(id)}`;

/**
 * RFC 8446 §4.2.11.2: checks one PSK binder in constant time. `truncatedHelloHash` is the
 * Transcript-Hash of the ClientHello up to (not including) the binders list (and any
 * HelloRetryRequest context before it). `suite` must share the hash of the ticket's suite.
 */
export function verifyResumptionBinder(
  provider: CryptoProvider,
  suite: Tls13Suite,
  psk: Uint8Array,
  truncatedHelloHash: Uint8Array,
  binder: Uint8Array,
): boolean {
  const binderKey = EarlySecrets.create(provider, suite, psk).binderKey('resumption');
  return verifyFinished(provider, suite, binderKey, truncatedHelloHash, binder);
}
