/**
 * `createSecureContext()`: node's SecureContext look-alike. It carries what tlskit needs from
 * node's context options (certificates with their keys, trust anchors, protocol preferences);
 * `SNICallback` answers with one of these, and `connect({ secureContext })` accepts one.
 */
import type { CryptoProvider } from '../crypto/provider.js';
import { nodeCryptoProvider } from '../crypto/node-provider.js';
import type { CertifiedKey } from '../handshake/config.js';
import {
  certificatesFrom,
  certifiedKeysFrom,
  checkVersions,
  parseCiphers,
  parseEcdhCurve,
  type BinaryLike,
  type KeyCertOptions,
} from './options.js';

export interface SecureContextOptions extends KeyCertOptions {
  /** Trust anchors (PEM text, Buffers, or arrays of them). Given: they replace node's bundled roots. */
  readonly ca?: BinaryLike | readonly BinaryLike[] | undefined;
  readonly ciphers?: string | undefined;
  readonly ecdhCurve?: string | undefined;
  readonly minVersion?: string | undefined;
  readonly maxVersion?: string | undefined;
  /** tlskit extra: the crypto provider (default: node:crypto). */
  readonly provider?: CryptoProvider | undefined;
}

/** What tlskit understands of a secure context. */
export class SecureContext {
  /** Our certificates (server certificates, or client certificates). */
  readonly certificates: readonly CertifiedKey[];
  /** Trust anchors (DER) when `ca` was given. */
  readonly ca: readonly Uint8Array[] | undefined;
  readonly cipherSuites: readonly number[];
  readonly groups: readonly number[];
  readonly provider: CryptoProvider;
  /** node code reads `context.context`; here it is the context itself. */
  readonly context: SecureContext = this;

  constructor(options: SecureContextOptions = {}) {
    this.provider = options.provider ?? nodeCryptoProvider;
    checkVersions(options.minVersion, options.maxVersion);
    this.cipherSuites = parseCiphers(options.ciphers);
    this.groups = parseEcdhCurve(options.ecdhCurve, this.provider);
    this.certificates = certifiedKeysFrom(this.provider, options);
    this.ca = options.ca === undefined ? undefined : certificatesFrom(options.ca, 'ca');
  }
}

/**
 * Like node's `tls.createSecureContext(options)`; the result goes to `SNICallback`'s callback,
 * `connect({ secureContext })` or `server.addContext()`.
 *
 * @example
 * SNICallback: (name, cb) => cb(null, createSecureContext({ key, cert }))
 */
export function createSecureContext(options: SecureContextOptions = {}): SecureContext {
  return new SecureContext(options);
}
