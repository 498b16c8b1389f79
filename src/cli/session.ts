/**
 * Wires a sans-I/O Connection to a net.Socket for the CLI: bytes from the socket go to
 * `receive`, `takeOutput` goes to the socket after every call that may produce output.
 */
import type { Socket } from 'node:net';
import { Connection, type ConnectionEvents, type EarlyDataOutcome } from '../connection/connection.js';
import { ErrorCode, TlsError } from '../errors.js';
import type { ClientConfig, ServerConfig } from '../handshake/config.js';
import { TraceRecorder, type TraceEntry } from '../trace/events.js';
import type { ClientSession } from '../handshake/resumption12.js';
import type { ClientCertificateResult } from '../handshake/post-handshake-auth.js';

export interface SessionHandlers {
  /** Application data from the peer. */
  readonly data?: (data: Buffer) => void;
  /** The peer sent close_notify (or closed the TCP connection after the handshake). */
  readonly end?: () => void;
  /** NSS key log lines (only pass this when the user asked for --keylog). */
  readonly keylog?: (line: string) => void;
  /** Each trace entry as it happens. */
  readonly trace?: (entry: TraceEntry, recorder: TraceRecorder) => void;
  /** Client: a resumable session (TLS 1.3: from a NewSessionTicket; TLS 1.2: session ID or ticket). */
  readonly session?: (session: ClientSession) => void;
  /** Server: 0-RTT early data (RFC 8446 §2.3), before the handshake completes. */
  readonly earlyData?: (data: Buffer) => void;
  /** Client with early data configured: what became of it (accepted, resent, or not). */
  readonly earlyDataOutcome?: (outcome: EarlyDataOutcome) => void;
  /** The handshake completed (called synchronously, before any data that follows it). */
  readonly secure?: () => void;
  /** Server: the client answered a post-handshake CertificateRequest (RFC 8446 §4.6.2). */
  readonly clientCertificate?: (result: ClientCertificateResult) => void;
}

export interface Session {
  readonly conn: Connection;
  readonly trace: TraceRecorder;
  readonly socket: Socket;
  /** Resolves when the handshake completes; rejects with the TlsError when it fails. */
  readonly secure: Promise<void>;
  /** Resolves when the TCP connection is closed (never rejects). */
  readonly closed: Promise<void>;
  /** The error that ended the connection, if one did. */
  error(): TlsError | null;
  write(data: Uint8Array | string): void;
  /** Server, TLS 1.3: sends a post-handshake CertificateRequest (throws the TlsError when it cannot). */
  requestClientCertificate(): void;
  /** Sends close_notify and half-closes the TCP connection. */
  end(): void;
  destroy(): void;
}

/** Runs `config` over `socket`. The client starts its handshake right away. */
export function openSession(socket: Socket, config: ClientConfig | ServerConfig, handlers: SessionHandlers = {}, handshakeTimeoutMs = 15_000): Session {
  let settle: { resolve: () => void; reject: (e: TlsError) => void } | undefined;
  const secure = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  secure.catch(() => undefined); // observed through `secure` by the caller; never unhandled
  let failure: TlsError | null = null;
  let ended = false;

  const trace = new TraceRecorder(config.side, handlers.trace);
  const flush = (): void => {
    if (socket.destroyed) return;
    for (const chunk of conn.takeOutput()) socket.write(chunk);
  };
  const fail = (err: TlsError): void => {
    if (failure !== null) return;
    failure = err;
    clearTimeout(timer);
    settle?.reject(err);
    flush(); // the alert, if the connection sent one
    socket.end();
  };
  const events: ConnectionEvents = {
    ...trace.events(),
    secure: () => {
      clearTimeout(timer);
      handlers.secure?.();
      settle?.resolve();
    },
    data: (d) => handlers.data?.(Buffer.from(d.buffer, d.byteOffset, d.byteLength)),
    end: () => {
      if (ended) return;
      ended = true;
      handlers.end?.();
    },
    error: (e) => {
      fail(e);
    },
    output: () => {
      flush();
    },
  };
  if (handlers.keylog !== undefined) events.keylog = handlers.keylog;
  if (handlers.session !== undefined) events.session = handlers.session;
  const early = handlers.earlyData;
  if (early !== undefined) events.earlyData = (d): void => { early(Buffer.from(d.buffer, d.byteOffset, d.byteLength)); };
  if (handlers.earlyDataOutcome !== undefined) events.earlyDataOutcome = handlers.earlyDataOutcome;
  if (handlers.clientCertificate !== undefined) events.clientCertificate = handlers.clientCertificate;
  const conn = new Connection(config, events);

  const timer = setTimeout(() => {
    fail(new TlsError(ErrorCode.ERR_TLS_HANDSHAKE_TIMEOUT, `no complete handshake within ${handshakeTimeoutMs / 1000} s`));
    socket.destroy();
  }, handshakeTimeoutMs);
  timer.unref();

  socket.on('data', (chunk: Buffer) => {
    conn.receive(chunk);
    flush();
  });
  socket.on('end', () => {
    if (conn.isHandshaking) {
      fail(new TlsError(ErrorCode.ERR_TLS_CONNECTION_CLOSED, 'the peer closed the TCP connection during the handshake', { source: 'peer' }));
      return;
    }
    // TCP FIN without close_notify after the handshake: report the end anyway (truncation is the application's concern)
    if (!ended) {
      ended = true;
      handlers.end?.();
    }
  });
  const closed = new Promise<void>((resolve) => socket.on('close', () => { resolve(); }));
  socket.on('close', () => {
    clearTimeout(timer);
    if (conn.isHandshaking && failure === null) {
      fail(new TlsError(ErrorCode.ERR_TLS_CONNECTION_CLOSED, 'the connection closed during the handshake', { source: 'peer' }));
    }
  });
  socket.on('error', (e: NodeJS.ErrnoException) => {
    if (failure === null && conn.isHandshaking) {
      fail(new TlsError(ErrorCode.ERR_TLS_CONNECTION_CLOSED, `socket error: ${e.code ?? e.message}`, { source: 'peer', cause: e }));
    }
  });

  conn.start();
  flush();

  return {
    conn,
    trace,
    socket,
    secure,
    closed,
    error: () => failure ?? conn.error,
    write(data) {
      conn.write(typeof data === 'string' ? new TextEncoder().encode(data) : data);
      flush();
    },
    requestClientCertificate() {
      conn.requestClientCertificate();
      flush();
    },
    end() {
      conn.end();
      flush();
      socket.end();
    },
    destroy() {
      socket.destroy();
    },
  };
}
