/**
 * `createServer()`: a net.Server whose connections are TLSSockets (server side), like node's
 * `tls.Server`. Events: 'secureConnection' (socket), 'tlsClientError' (err, socket),
 * 'keylog' (line, socket), and net.Server's own.
 *
 * Client certificates: `requestCert`, `rejectUnauthorized` and `ca` as node:tls, and (tlskit)
 * `postHandshakeAuth: true` for `socket.requestClientCertificate()` after a TLS 1.3 handshake.
 *
 * An external session cache: node's 'newSession' and 'resumeSession' events (session-events.ts).
 */
import { Buffer } from 'node:buffer';
import { Server as NetServer, type Socket as NetSocket } from 'node:net';
import type { CertifiedKey, ServerConfig } from '../handshake/config.js';
import { buildServerConfig, type ContextList, type TlsServerOptions } from './server-config.js';
import { createSecureContext, SecureContext, type SecureContextOptions } from './secure-context.js';
import { OcspStapler, type OcspStaplerOptions } from './ocsp-stapler.js';
import { DEFAULT_HANDSHAKE_TIMEOUT, TLSSocket, type TLSSocketOptions } from './socket.js';
import { nodeCryptoProvider } from '../crypto/node-provider.js';
import { ErrorCode, TlsError } from '../errors.js';
import { createServerSessions } from '../session/fleet.js';
import type { ServerSessions } from '../session/server-sessions.js';
import type { SessionStore } from '../session/store.js';
import type { TicketKeyring } from '../session/ticket-keys.js';
import { sessionEventHooks, watchSessionListeners } from './session-events.js';

export interface TlsServerCreateOptions extends TlsServerOptions {
  /** ms before an incomplete handshake is abandoned ('tlsClientError' with ERR_TLS_HANDSHAKE_TIMEOUT). Default 120000. */
  handshakeTimeout?: number | undefined;
  /**
   * tlskit: staple OCSP responses fetched from each certificate's responder (authorityInfoAccess),
   * checked and cached until halfway to their nextUpdate (ocsp-stapler.ts). `true` for the
   * defaults, or the stapler's options. Used when no 'OCSPRequest' listener answers and the
   * certificate has no configured `ocspResponse`.
   */
  ocspStapling?: boolean | Omit<OcspStaplerOptions, 'provider'> | OcspStapler | undefined;
  /** The TLS sockets' allowHalfOpen (default false, as node). */
  allowHalfOpen?: boolean | undefined;
  pauseOnConnect?: boolean | undefined;
  noDelay?: boolean | undefined;
  keepAlive?: boolean | undefined;
  keepAliveInitialDelay?: number | undefined;
  /** node:tls: 48 bytes of ticket key (tlskit: 16 name + 32 AES-256-GCM key; tickets are not interchangeable with node's). */
  ticketKeys?: Buffer | undefined;
  /**
   * node:tls: session lifetime in seconds: tickets (TLS 1.3 and 1.2) and the TLS 1.2 session-ID
   * cache. Default: tickets 7200, the session-ID cache 300 (node's default).
   */
  sessionTimeout?: number | undefined;
  /**
   * tlskit, a fleet of servers: the store shared by every server (e.g. `new RedisStore({ port })`)
   * for stateful tickets, the TLS 1.2 session cache and 0-RTT anti-replay records. Default: in
   * memory (this process only). The server does not close it.
   */
  sessionStore?: SessionStore | undefined;
  /** tlskit, a fleet: ticket keys derived from this secret (≥ 32 bytes), so every server holding it seals and opens the same tickets. Not with ticketKeys. */
  ticketSecret?: Buffer | Uint8Array | undefined;
  /** tlskit: seconds one ticket key seals before the next takes over (default 3600; with ticketSecret the fleet rotates in lockstep). */
  ticketRotation?: number | undefined;
  /** tlskit: seconds a ticket key opens tickets, from when it started sealing (default 3 × ticketRotation). */
  ticketKeyLifetime?: number | undefined;
  /** tlskit: TLS 1.3 stateful single-use tickets kept in sessionStore (RFC 8446 §8.1) instead of stateless ones. */
  statefulTickets?: boolean | undefined;
  /** tlskit: the session layer to use, built by hand; overrides the session options above. */
  sessions?: ServerSessions | undefined;
  /**
   * tlskit: TLS 1.3 NewSessionTickets per full handshake (default 2); after a resumption at most
   * one, as node:tls/OpenSSL. 0 turns tickets off (TLS 1.3 and 1.2: TLS 1.2 clients then resume by
   * session ID, as with node's SSL_OP_NO_TICKET). Unless the server asks for a client certificate,
   * the tickets leave in the same flight as its Finished (RFC 8446 §4.6.1), not after the client's.
   */
  ticketCount?: number | undefined;
  /**
   * tlskit: accept TLS 1.3 0-RTT early data (RFC 8446 §2.3; default false). Tickets then carry
   * max_early_data_size and are single use (RFC 8446 §8.1: a ticket resumes once, so a replayed
   * ClientHello finds no ticket and its early data is refused) unless `statefulTickets: false`:
   * then stateless tickets, with 0-RTT only inside the freshness window and each ClientHello
   * recorded in `sessionStore` (RFC 8446 §8.2, §8.3; refused for 20 s after the store starts). Early data arrives before the
   * handshake completes, as the first bytes read from the socket; `socket.earlyData` holds them and
   * the 'earlyData' events ((chunk) on the socket, (chunk, socket) on the server) announce them. It
   * can be a replay: act on it only for idempotent requests. With `sessions`, that object decides.
   */
  earlyData?: boolean | undefined;
  /** tlskit: max_early_data_size in tickets when `earlyData` is on (default 16384). */
  maxEarlyDataSize?: number | undefined;
}

/** max_early_data_size of `createServer({ earlyData: true })` tickets (as OpenSSL's default). */
export const DEFAULT_MAX_EARLY_DATA_SIZE = 16_384;

/**
 * A TLS server, like node's `tls.Server`.
 *
 * @example
 * const server = createServer({ key, cert, ALPNProtocols: ['http/1.1'] }, (s) => s.end('hello\n'));
 * server.listen(8443);
 */
export class Server extends NetServer {
  private options: TlsServerCreateOptions;
  private config: ServerConfig;
  private readonly contexts: ContextList = [];
  private readonly handshakeTimeout: number;
  private readonly tlsAllowHalfOpen: boolean;
  private readonly keyring: TicketKeyring | undefined;
  private readonly sessions: ServerSessions;
  private stapler: OcspStapler | undefined;

  constructor(options: TlsServerCreateOptions = {}, secureConnectionListener?: (socket: TLSSocket) => void) {
    // The TCP sockets stay half-open: the TLS layer decides when to end them (close_notify).
    super({
      allowHalfOpen: true,
      pauseOnConnect: false,
      ...(options.noDelay !== undefined ? { noDelay: options.noDelay } : {}),
      ...(options.keepAlive !== undefined ? { keepAlive: options.keepAlive } : {}),
      ...(options.keepAliveInitialDelay !== undefined ? { keepAliveInitialDelay: options.keepAliveInitialDelay } : {}),
    });
    this.options = options;
    if (options.sessions !== undefined) {
      this.sessions = options.sessions;
    } else {
      const seconds = (v: number | undefined, name: string): number | undefined => {
        if (v === undefined) return undefined;
        if (!Number.isFinite(v) || v <= 0) throw new TlsError(ErrorCode.ERR_TLS_INVALID_OPTION, `${name} must be a positive number of seconds`);
        return Math.round(v * 1000);
      };
      const built = createServerSessions({
        provider: options.provider ?? nodeCryptoProvider,
        store: options.sessionStore,
        ticketKeys: options.ticketKeys === undefined ? undefined : new Uint8Array(options.ticketKeys),
        ticketSecret: options.ticketSecret === undefined ? undefined : new Uint8Array(options.ticketSecret),
        ticketRotationMs: seconds(options.ticketRotation, 'ticketRotation'),
        ticketKeyLifetimeMs: seconds(options.ticketKeyLifetime, 'ticketKeyLifetime'),
        // RFC 8446 §8.1: with 0-RTT on, single-use tickets are the default anti-replay defence
        statefulTickets: options.statefulTickets ?? options.earlyData === true,
        ticketLifetimeS: options.sessionTimeout,
        sessionIdLifetimeS: options.sessionTimeout,
        maxEarlyDataSize: options.earlyData === true ? (options.maxEarlyDataSize ?? DEFAULT_MAX_EARLY_DATA_SIZE) : 0,
      });
      this.keyring = built.keys;
      this.sessions = built.sessions;
    }
    this.config = this.buildConfig(options);
    this.keylogFile = process.env['SSLKEYLOGFILE'] ?? '';
    // 'newSession'/'resumeSession' listeners: new connections use the external session cache
    watchSessionListeners(this, () => { this.config = this.buildConfig(this.options); });
    this.handshakeTimeout = options.handshakeTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT;
    this.tlsAllowHalfOpen = options.allowHalfOpen ?? false;
    this.on('connection', (raw: NetSocket) => { this.onTcpConnection(raw); });
    if (secureConnectionListener !== undefined) this.on('secureConnection', secureConnectionListener);
  }

  private socketOptions: TLSSocketOptions | undefined;
  /** SSLKEYLOGFILE when the config was built ('' when unset). */
  private keylogFile: string;
  private readonly onTlsClientError = (err: Error, socket: TLSSocket): void => {
    this.emit('tlsClientError', err, socket);
  };

  private readonly onTlsSecure = (socket: TLSSocket): void => {
    this.emit('secureConnection', socket);
  };

  private onTcpConnection(raw: NetSocket): void {
    let s: TLSSocket;
    try {
      // one options object per config, not per connection
      if (this.socketOptions?.config !== this.config) {
        this.socketOptions = {
          isServer: true,
          config: this.config,
          handshakeTimeout: this.handshakeTimeout,
          allowHalfOpen: this.tlsAllowHalfOpen,
          onHandshakeError: this.onTlsClientError,
          // 'secureConnection' from the socket itself: no listener or closure per connection
          onSecure: this.onTlsSecure,
          // NSS key log lines to SSLKEYLOGFILE, as set when the server (or its latest config) was made
          keylogFile: this.keylogFile,
        };
      }
      s = new TLSSocket(raw, this.socketOptions);
    } catch (e) {
      raw.destroy();
      this.emit('tlsClientError', e, raw);
      return;
    }
    if (this.listenerCount('keylog') > 0) s.on('keylog', (line: Buffer) => this.emit('keylog', line, s));
    if (this.listenerCount('earlyData') > 0) s.on('earlyData', (chunk: Buffer) => this.emit('earlyData', chunk, s));
  }

  /** Replaces the server's certificates and settings for new connections (node's API). */
  setSecureContext(options: TlsServerCreateOptions): void {
    this.options = options;
    this.config = this.buildConfig(options);
    this.keylogFile = process.env['SSLKEYLOGFILE'] ?? '';
  }

  /**
   * The core config with resumption from this server's session layer: TLS 1.3 tickets (RFC 8446
   * §4.6.1), TLS 1.2 tickets (RFC 5077) and the TLS 1.2 session-ID cache (RFC 5246 §7.4.1.2).
   */
  private buildConfig(options: TlsServerCreateOptions): ServerConfig {
    const count = options.ticketCount ?? 2;
    const hooks = sessionEventHooks(this, this.sessions, options.provider ?? nodeCryptoProvider);
    return {
      ...buildServerConfig(options, this.contexts),
      tickets: count > 0 ? (hooks?.tickets13 ?? this.sessions) : undefined,
      ticketCount: count,
      ocspResponder: (certificate) => this.ocspResponse(certificate),
      sessions12: hooks?.sessions12 ?? this.sessions,
      sessionTickets12: count > 0,
    };
  }

  /**
   * The OCSP response to staple when a client sends status_request: node's 'OCSPRequest' event
   * (certificate, issuer, callback(err, response)) when it has listeners, else the response
   * configured with the certificate (`certificates: [{ key, cert, ocspResponse }]`).
   */
  private ocspResponse(certificate: CertifiedKey): Uint8Array | null | Promise<Uint8Array | null> {
    if (this.listenerCount('OCSPRequest') === 0) {
      if (certificate.ocspResponse !== undefined) return certificate.ocspResponse;
      const o = this.options.ocspStapling;
      if (o === undefined || o === false) return null;
      this.stapler ??= o instanceof OcspStapler ? o : new OcspStapler({ provider: this.options.provider ?? nodeCryptoProvider, ...(o === true ? {} : o) });
      return this.stapler.get(certificate);
    }
    const leaf = Buffer.from(certificate.chain[0] ?? new Uint8Array(0));
    const issuer = Buffer.from(certificate.chain[1] ?? new Uint8Array(0));
    return new Promise<Uint8Array | null>((resolve, reject) => {
      let settled = false;
      this.emit('OCSPRequest', leaf, issuer, (err: Error | null, response?: Buffer | Uint8Array | null) => {
        if (settled) return;
        settled = true;
        if (err !== null && err !== undefined) reject(new TlsError(ErrorCode.ERR_TLS_INTERNAL_ERROR, `OCSPRequest listener failed: ${err.message}`, { cause: err }));
        else resolve(response === null || response === undefined || response.length === 0 ? null : new Uint8Array(response));
      });
    });
  }

  /** Adds a certificate for clients asking for `hostname` (wildcards allowed), like node. */
  addContext(hostname: string, context: SecureContext | SecureContextOptions): void {
    const ctx = context instanceof SecureContext ? context : createSecureContext(context);
    this.contexts.push({ pattern: hostname, context: ctx });
    // the selection function is built once per config: rebuild it when the first context arrives
    if (this.contexts.length === 1 && this.options.SNICallback === undefined) this.config = this.buildConfig(this.options);
  }

  /** node:tls: the current ticket key (48 bytes, secret). */
  getTicketKeys(): Buffer {
    if (this.keyring === undefined) throw new TlsError(ErrorCode.ERR_TLS_INVALID_OPTION, 'getTicketKeys: the server uses an external sessions object');
    return Buffer.from(this.keyring.getTicketKeys());
  }
  /** node:tls: seal new tickets with `keys` (48 bytes); tickets under the previous key still open for a while. */
  setTicketKeys(keys: Buffer): void {
    if (this.keyring === undefined) throw new TlsError(ErrorCode.ERR_TLS_INVALID_OPTION, 'setTicketKeys: the server uses an external sessions object');
    this.keyring.setTicketKeys(new Uint8Array(keys));
  }
}

/** Like node's `tls.createServer(options, secureConnectionListener)`. */
export function createServer(options: TlsServerCreateOptions = {}, secureConnectionListener?: (socket: TLSSocket) => void): Server {
  return new Server(options, secureConnectionListener);
}
