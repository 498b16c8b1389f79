/**
 * `tlskit/core`: the sans-I/O TLS engine. Bytes in (`receive`), bytes out (`takeOutput`),
 * events for every record, handshake message and key-log line. No sockets, no timers.
 */
export { Connection, LIMITS, type ConnectionEvents, type HandshakeEvent, type RecordEvent, type AlertEvent } from './connection/connection.js';
export {
  clientConfig,
  serverConfig,
  DEFAULT_CIPHER_SUITES,
  DEFAULT_GROUPS,
  DEFAULT_SIGNATURE_ALGORITHMS,
  type ClientConfig,
  type ServerConfig,
  type ClientConfigOptions,
  type ServerConfigOptions,
  type CertifiedKey,
} from './handshake/config.js';
export { TLSKIT_DEFAULT_PROFILE, type ClientHelloProfile, type HelloExtensionSpec } from './handshake/hello-profile.js';
export type { Negotiated } from './handshake/host.js';
export type { ClientAuthConfig } from './handshake/config.js';
export type { ClientCertificateResult } from './handshake/post-handshake-auth.js';
export { TlsError, ErrorCode } from './errors.js';
export * from './registry/index.js';
export type { CryptoProvider } from './crypto/provider.js';
export { nodeCryptoProvider, createNodeCryptoProvider } from './crypto/node-provider.js';
export { createDefaultVerifier, type CertificateVerifier, type VerifyRequest, type VerifyResult } from './x509/verify.js';
export { generateCertificate, generateTestPki } from './x509/generate.js';
