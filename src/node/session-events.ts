/**
 * node:tls's server session events, for an external session cache:
 *
 * - `'newSession' (sessionId, sessionData, callback)`: a new session. TLS 1.2: a full handshake
 *   whose session is resumable by session ID (no ticket issued, RFC 5246 §7.4.1.2); the server's
 *   ChangeCipherSpec and Finished wait for `callback()`. TLS 1.3: each NewSessionTicket (RFC 8446
 *   §4.6.1), which waits for `callback()` — as node (OpenSSL calls its new-session callback for
 *   every TLS 1.3 ticket). A TLS 1.3 ticket resumes by itself (stateless) or through the
 *   `sessionStore` (stateful, single use), never through 'resumeSession': the event only reports it.
 * - `'resumeSession' (sessionId, callback(err, sessionData | null))`: a TLS 1.2 ClientHello with a
 *   session_id and no ticket (RFC 5077 §3.4: a ticket resumes by itself). The handshake waits for
 *   the callback; `sessionData` from an earlier 'newSession' resumes it, `null` (or data that does
 *   not open) gives a full handshake, an error fails the handshake. Unlike node, not emitted for
 *   TLS 1.3 ClientHellos (their legacy_session_id is no session identifier, RFC 8446 §4.1.2).
 *
 * With a listener for either event the server's own session-ID cache (the `sessionStore`) is not
 * used for TLS 1.2 session IDs, as in node (whose internal cache is off). `sessionData` is the
 * session state sealed with the server's ticket keys (never the master secret in the clear): a
 * server opens it while the key that sealed it still opens (share `ticketKeys`/`ticketSecret`
 * across servers that share the cache) and within `sessionTimeout`. A listener added later takes
 * effect for connections that start afterwards (node: "only on connections established after the
 * addition of the event listener").
 */
import { Buffer } from 'node:buffer';
import type { EventEmitter } from 'node:events';
import type { CryptoProvider } from '../crypto/provider.js';
import { ErrorCode, TlsError } from '../errors.js';
import type { ServerSessions12 } from '../handshake/resumption12.js';
import type { ServerTickets13 } from '../handshake/resumption13.js';
import type { ServerSessions } from '../session/server-sessions.js';

const SESSION_EVENTS: ReadonlySet<string | symbol> = new Set(['newSession', 'resumeSession']);

/** The session layer as the handshakes see it, routed through the session events. */
export interface SessionEventHooks {
  readonly tickets13: ServerTickets13;
  readonly sessions12: ServerSessions12;
}

/** Calls `changed` (once the listener list is updated) whenever a session-event listener is added or removed. */
export function watchSessionListeners(server: EventEmitter, changed: () => void): void {
  // 'newListener' fires before the listener is in the list; 'removeListener' after it left.
  server.on('newListener', (name: string | symbol) => {
    if (SESSION_EVENTS.has(name)) queueMicrotask(changed);
  });
  server.on('removeListener', (name: string | symbol) => {
    if (SESSION_EVENTS.has(name)) changed();
  });
}

/** undefined without listeners (the handshakes then call `sessions` directly). */
export function sessionEventHooks(server: EventEmitter, sessions: ServerSessions, provider: CryptoProvider): SessionEventHooks | undefined {
  const onNew = server.listenerCount('newSession') > 0;
  const onResume = server.listenerCount('resumeSession') > 0;
  if (!onNew && !onResume) return undefined;

  const tickets13: ServerTickets13 = !onNew
    ? sessions
    : {
        maxEarlyDataSize: sessions.maxEarlyDataSize,
        checkEarlyData: sessions.checkEarlyData.bind(sessions),
        resumeTicket13: sessions.resumeTicket13.bind(sessions),
        issueTicket13: async (p) => {
          const nst = await sessions.issueTicket13(p);
          // node gives a 32-byte session ID: here SHA-256 of the ticket (stateless tickets are longer)
          if (nst !== null) await emitNewSession(server, provider.hash('sha256', nst.ticket), nst.ticket);
          return nst;
        },
      };

  const sessions12: ServerSessions12 = {
    sealTicket12: (p) => sessions.sealTicket12(p),
    openTicket12: (ticket) => sessions.openTicket12(ticket),
    ticketNeedsRenewal12: (ticket) => sessions.ticketNeedsRenewal12(ticket),
    saveSession12: (sessionId, p) => (onNew ? emitNewSession(server, sessionId, sessions.sealSessionValue12(p)).then(() => true) : Promise.resolve(false)),
    findSession12: (sessionId) => (onResume ? emitResumeSession(server, sessionId, sessions) : Promise.resolve(null)),
    // the external cache keeps the session until it expires (node cannot remove it either)
    removeSession12: () => Promise.resolve(),
  };
  return { tickets13, sessions12 };
}

/** 'newSession' (sessionId, sessionData, callback): settles when the listener calls back. */
function emitNewSession(server: EventEmitter, sessionId: Uint8Array, data: Uint8Array): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    try {
      server.emit('newSession', Buffer.from(sessionId), Buffer.from(data), () => { resolve(); });
    } catch (e) {
      reject(listenerError('newSession', e));
    }
  });
}

/** 'resumeSession' (sessionId, callback(err, sessionData)): the session it answers, null for none. */
function emitResumeSession(server: EventEmitter, sessionId: Uint8Array, sessions: ServerSessions): ReturnType<ServerSessions12['findSession12']> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const callback = (err?: Error | null, data?: Buffer | Uint8Array | null): void => {
      if (settled) return;
      settled = true;
      if (err !== null && err !== undefined) reject(listenerError('resumeSession', err));
      else resolve(data === null || data === undefined || data.length === 0 ? null : sessions.openSessionValue12(new Uint8Array(data)));
    };
    try {
      server.emit('resumeSession', Buffer.from(sessionId), callback);
    } catch (e) {
      settled = true;
      reject(listenerError('resumeSession', e));
    }
  });
}

function listenerError(event: string, e: unknown): TlsError {
  const message = e instanceof Error ? e.message : String(e);
  return new TlsError(ErrorCode.ERR_TLS_INTERNAL_ERROR, `${event} listener failed: ${message}`, { cause: e });
}
