/**
 * One call that builds the session layer of a server from flat options — the ones `createServer()`
 * and `tlskit serve` expose — so both spell the same rules the same way:
 *
 *   ticket keys   `ticketKeys` (static, node:tls) | `ticketSecret` (derived: a fleet) | random
 *   rotation      `ticketRotationMs` (default 1 h); keys open for `ticketKeyLifetimeMs`
 *                 (default 3 × the rotation period)
 *   TLS 1.3       stateless tickets, or `statefulTickets` (single use, in the store)
 *   store         `store` (default: in memory; a RedisStore shares it across a fleet)
 *
 * A fleet member = the same `ticketSecret` and rotation on every server + one shared store.
 *
 * @example
 * const sessions = createServerSessions({ provider, ticketSecret, store: new RedisStore({ port: 6379 }), statefulTickets: true });
 */
import type { CryptoProvider } from '../crypto/provider.js';
import { ErrorCode, TlsError } from '../errors.js';
import { ServerSessions } from './server-sessions.js';
import type { SessionStore } from './store.js';
import { DEFAULT_ROTATION_PERIOD_MS, TicketKeyring } from './ticket-keys.js';

/** Keys open for this many rotation periods unless told otherwise (the keyring's 1 h / 3 h default). */
export const DEFAULT_KEY_LIFETIME_PERIODS = 3;

export interface ServerSessionsConfig {
  readonly provider: CryptoProvider;
  /** Shared by every server of a fleet (stateful tickets, TLS 1.2 session IDs, 0-RTT records). Default: in memory. */
  readonly store?: SessionStore | undefined;
  /** `derived` keys: every server holding this secret (≥ 32 bytes) seals and opens the same tickets. */
  readonly ticketSecret?: Uint8Array | undefined;
  /** `static` key (node:tls `ticketKeys`, 48 bytes). Not with `ticketSecret`. */
  readonly ticketKeys?: Uint8Array | undefined;
  /** How long one key seals (ms). Default 1 hour. */
  readonly ticketRotationMs?: number | undefined;
  /** How long a key opens, from when it started sealing (ms). Default 3 × ticketRotationMs. */
  readonly ticketKeyLifetimeMs?: number | undefined;
  /** TLS 1.3 stateful single-use tickets (RFC 8446 §8.1) instead of stateless ones. */
  readonly statefulTickets?: boolean | undefined;
  /** ticket_lifetime (s). Default 7200. */
  readonly ticketLifetimeS?: number | undefined;
  /** TLS 1.2 session-ID cache lifetime (s). Default 300. */
  readonly sessionIdLifetimeS?: number | undefined;
  /** 0-RTT: max_early_data_size in tickets; 0 = off (default). */
  readonly maxEarlyDataSize?: number | undefined;
  /** 0-RTT: RFC 8446 §8.3 freshness window (ms). Default 10 000. */
  readonly earlyDataWindowMs?: number | undefined;
  readonly now?: (() => number) | undefined;
}

/** The session layer and its keyring (for `getTicketKeys()` / `setTicketKeys()`). */
export function createServerSessions(c: ServerSessionsConfig): { readonly sessions: ServerSessions; readonly keys: TicketKeyring } {
  if (c.ticketSecret !== undefined && c.ticketKeys !== undefined) {
    throw new TlsError(ErrorCode.ERR_TLS_INVALID_OPTION, 'give either ticketSecret or ticketKeys, not both');
  }
  const rotation = c.ticketRotationMs ?? DEFAULT_ROTATION_PERIOD_MS;
  const keys = new TicketKeyring({
    provider: c.provider,
    rotationPeriodMs: rotation,
    lifetimeMs: c.ticketKeyLifetimeMs ?? DEFAULT_KEY_LIFETIME_PERIODS * rotation,
    ...(c.ticketSecret !== undefined ? { secret: c.ticketSecret } : {}),
    ...(c.ticketKeys !== undefined ? { ticketKeys: c.ticketKeys } : {}),
    ...(c.now !== undefined ? { now: c.now } : {}),
  });
  const sessions = new ServerSessions({
    provider: c.provider,
    keys,
    ...(c.store !== undefined ? { store: c.store } : {}),
    tickets13: c.statefulTickets === true ? 'stateful' : 'stateless',
    ...(c.ticketLifetimeS !== undefined ? { ticketLifetimeS: c.ticketLifetimeS } : {}),
    ...(c.sessionIdLifetimeS !== undefined ? { sessionIdLifetimeS: c.sessionIdLifetimeS } : {}),
    ...(c.maxEarlyDataSize !== undefined ? { maxEarlyDataSize: c.maxEarlyDataSize } : {}),
    ...(c.earlyDataWindowMs !== undefined ? { earlyDataWindowMs: c.earlyDataWindowMs } : {}),
    ...(c.now !== undefined ? { now: c.now } : {}),
  });
  return { sessions, keys };
}
