/**
 * tlskit's `node:tls` look-alike (the package's main export): `connect()`, `createServer()`,
 * `TLSSocket` (over a net.Socket or any Duplex), `createSecureContext()`.
 *
 * @example
 * import * as tlskit from 'tlskit';
 * const s = tlskit.connect({ host: 'example.com', port: 443 }, () => console.log(s.getProtocol()));
 *
 * Works as the transport of node's HTTP stack:
 * - `https.request({ ..., createConnection: () => tlskit.connect({ host, port, servername }) })`,
 *   or an `https.Agent` subclass whose `createConnection()` returns `tlskit.connect(...)`;
 * - undici: `new Agent({ connect: (opts, cb) => { const s = tlskit.connect({ host: opts.hostname,
 *   port: Number(opts.port), servername: opts.servername, ALPNProtocols: ['http/1.1'] },
 *   () => cb(null, s)); s.once('error', (e) => cb(e, null)); } })` (not tested here: undici is not
 *   a dependency);
 * - servers: `tlskitServer.on('secureConnection', (s) => httpServer.emit('connection', s))`.
 *
 * Session resumption: TLS 1.3 tickets, TLS 1.2 session IDs and tickets (client `session` event and
 * `connect({ session })` with tlskit's own session encoding, `isSessionReused()`, server
 * `ticketKeys`, `getTicketKeys()` / `setTicketKeys()`, `sessionTimeout`; `ticketCount: 0`: no
 * tickets, TLS 1.2 clients resume by session ID from the server's own cache). A fleet of servers: `createServer({ ticketSecret,
 * ticketRotation, statefulTickets, sessionStore: new RedisStore({ host, port }) })` on every server
 * (see README, "Running a fleet").
 *
 * Mutual TLS: server `requestCert` / `rejectUnauthorized` / `ca` (with `authorized`,
 * `authorizationError`, `getPeerCertificate()`), client `cert` / `key`; TLS 1.3 post-handshake
 * authentication with `createServer({ postHandshakeAuth: true })` and
 * `socket.requestClientCertificate(cb)` (the client offers it when it has a `cert`).
 */
import { rootCertificates } from 'node:tls';

export { rootCertificates };
export { TLSSocket, DEFAULT_HANDSHAKE_TIMEOUT, DEFAULT_CLIENT_CERTIFICATE_TIMEOUT, type TLSSocketOptions, type CipherInfo, type EphemeralKeyInfo, type ClientCertificateCallback } from './socket.js';
export { connect, type ConnectionOptions } from './connect.js';
export { Server, createServer, type TlsServerCreateOptions } from './server.js';
export { OcspStapler, httpOcspFetch, type OcspStaplerOptions, type OcspFetch } from './ocsp-stapler.js';
export { SecureContext, createSecureContext, type SecureContextOptions } from './secure-context.js';
export { DEFAULT_MIN_VERSION, DEFAULT_MAX_VERSION } from './options.js';
export type { PeerCertificate, DetailedPeerCertificate, CertificateSubject } from './peer-certificate.js';
export type { SNICallback, TlsServerOptions } from './server-config.js';
export type { TlsClientOptions } from './client-config.js';
export { TlsError, ErrorCode } from '../errors.js';
export { RedisStore, type RedisStoreOptions } from '../session/redis-store.js';
export { MemoryStore, type MemoryStoreOptions, type SessionStore } from '../session/store.js';
export { ServerSessions, type ServerSessionsOptions } from '../session/server-sessions.js';
export { TicketKeyring, type TicketKeyringOptions } from '../session/ticket-keys.js';
export { createServerSessions, type ServerSessionsConfig } from '../session/fleet.js';
export type { Negotiated } from '../handshake/host.js';
export type { HandshakeEvent, RecordEvent, AlertEvent } from '../connection/connection.js';

/** node's default cipher list, TLS 1.3 part (what tlskit offers by default). */
export const DEFAULT_CIPHERS = 'TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256';
export const DEFAULT_ECDH_CURVE = 'auto';
