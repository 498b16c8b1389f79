/**
 * node:tls server options → the core ServerConfig. `SNICallback(servername, cb)` becomes the
 * asynchronous `selectCertificate`; `addContext()` contexts are matched by name before it.
 */
import type { CryptoProvider } from '../crypto/provider.js';
import { nodeCryptoProvider } from '../crypto/node-provider.js';
import { ErrorCode, TlsError } from '../errors.js';
import { nameMatches } from '../handshake/common13.js';
import { rootCertificates } from 'node:tls';
import { serverConfig, type CertifiedKey, type ClientAuthConfig, type SelectCertificate, type ServerConfig } from '../handshake/config.js';
import { parseCertificate } from '../x509/certificate.js';
import { createDefaultVerifier } from '../x509/verify.js';
import { revocationOptions } from './client-config.js';
import { certificatesFrom, certifiedKeysFrom, parseAlpn, versionOptions, parseCiphers, parseEcdhCurve, type BinaryLike, type KeyCertOptions, type KeyInput } from './options.js';
import { SecureContext } from './secure-context.js';

/** node's SNICallback: answers with a context (ours), or null/undefined for the default one. */
export type SNICallback = (servername: string, cb: (err: Error | null, ctx?: SecureContext | null) => void) => void;

export interface TlsServerOptions {
  key?: KeyInput | readonly KeyInput[] | undefined;
  cert?: BinaryLike | readonly BinaryLike[] | undefined;
  passphrase?: string | undefined;
  /** tlskit extra: explicit key/cert pairs, each with an optional OCSP response to staple and SCT list to send. */
  certificates?: KeyCertOptions['certificates'];
  secureContext?: SecureContext | undefined;
  SNICallback?: SNICallback | undefined;
  ALPNProtocols?: readonly (string | Uint8Array)[] | Uint8Array | undefined;
  ciphers?: string | undefined;
  ecdhCurve?: string | undefined;
  minVersion?: string | undefined;
  maxVersion?: string | undefined;
  /** Mutual TLS: ask the client for a certificate (verified against `ca`, purpose clientAuth). */
  requestCert?: boolean | undefined;
  /** With requestCert: a missing or unverifiable client certificate fails the handshake (default true, as node). */
  rejectUnauthorized?: boolean | undefined;
  /** Trust anchors for client certificates (default: node's root store); their subjects go in certificate_authorities. */
  ca?: BinaryLike | readonly BinaryLike[] | undefined;
  /**
   * tlskit extra: TLS 1.3 post-handshake client authentication (RFC 8446 §4.6.2) with
   * `socket.requestClientCertificate()`, checked like requestCert (`ca`, `rejectUnauthorized`).
   * Independent of requestCert, which asks during the handshake.
   */
  postHandshakeAuth?: boolean | undefined;
  /**
   * tlskit extra: with requestCert / postHandshakeAuth in TLS 1.3, ask the client to staple an OCSP
   * response for its certificate (RFC 8446 §4.4.2.1); one it sends is checked with its chain
   * (`socket.negotiated.clientOcspResponse` holds it). The client staples what its
   * `certificates: [{ cert, key, ocspResponse }]` give.
   */
  requestClientOCSP?: boolean | undefined;
  /** CRLs (PEM or DER) client certificates are checked against (node:tls `crl`). */
  crl?: BinaryLike | readonly BinaryLike[] | undefined;
  /** tlskit: fetch CRLs from the distribution points of client chains (http only, bounded, cached). Off by default. */
  fetchCrls?: boolean | undefined;
  /** tlskit: CRL revocation policy for client certificates: 'soft' (default), 'hard' or 'none'. */
  revocation?: 'none' | 'soft' | 'hard' | undefined;
  /** tlskit extras */
  provider?: CryptoProvider | undefined;
  recordSizeLimit?: number | undefined;
  helloRetryCookie?: boolean | undefined;
}

/** Contexts added with `server.addContext(hostname, context)`. */
export type ContextList = { pattern: string; context: SecureContext }[];

function contextFrom(value: unknown): SecureContext {
  if (value instanceof SecureContext) return value;
  throw new TlsError(
    ErrorCode.ERR_TLS_INTERNAL_ERROR,
    'SNICallback must answer with a context from tlskit createSecureContext() (a node:tls SecureContext cannot be used by tlskit)',
  );
}

export function buildServerConfig(o: TlsServerOptions, contexts: ContextList = []): ServerConfig {
  const provider = o.provider ?? o.secureContext?.provider ?? nodeCryptoProvider;
  const cipherSuites = o.ciphers !== undefined ? parseCiphers(o.ciphers) : (o.secureContext?.cipherSuites ?? parseCiphers(undefined));
  const groups = o.ecdhCurve !== undefined ? parseEcdhCurve(o.ecdhCurve, provider) : (o.secureContext?.groups ?? parseEcdhCurve(undefined, provider));
  const certificates: CertifiedKey[] = [...(o.secureContext?.certificates ?? []), ...certifiedKeysFrom(provider, o)];
  const sni = o.SNICallback;

  let selectCertificate: SelectCertificate | undefined;
  if (sni !== undefined || contexts.length > 0) {
    selectCertificate = (serverName) => {
      if (serverName === undefined) return certificates;
      // node: the most recently added matching context wins
      for (let i = contexts.length - 1; i >= 0; i--) {
        const c = contexts[i];
        if (c !== undefined && nameMatches(c.pattern, serverName)) return c.context.certificates;
      }
      if (sni === undefined) return certificates;
      return new Promise<readonly CertifiedKey[]>((resolve, reject) => {
        let settled = false;
        try {
          sni(serverName, (err, ctx) => {
            if (settled) return;
            settled = true;
            if (err !== null && err !== undefined) {
              reject(new TlsError(ErrorCode.ERR_TLS_INTERNAL_ERROR, `SNICallback failed: ${err.message}`, { cause: err }));
              return;
            }
            if (ctx === null || ctx === undefined) {
              resolve(certificates);
              return;
            }
            try {
              resolve(contextFrom(ctx).certificates);
            } catch (e) {
              reject(e instanceof Error ? e : new Error(String(e)));
            }
          });
        } catch (e) {
          settled = true;
          reject(new TlsError(ErrorCode.ERR_TLS_INTERNAL_ERROR, `SNICallback threw: ${e instanceof Error ? e.message : String(e)}`, { cause: e }));
        }
      });
    };
  }

  return serverConfig({
    provider,
    certificates,
    selectCertificate,
    cipherSuites,
    ...versionOptions(o, cipherSuites),
    groups,
    alpnProtocols: parseAlpn(o.ALPNProtocols),
    ...(o.recordSizeLimit !== undefined ? { recordSizeLimit: o.recordSizeLimit } : {}),
    ...(o.helloRetryCookie !== undefined ? { helloRetryCookie: o.helloRetryCookie } : {}),
    ...(o.requestCert === true ? { clientAuth: clientAuthFrom(provider, o) } : {}),
    ...(o.postHandshakeAuth === true ? { postHandshakeClientAuth: clientAuthFrom(provider, o) } : {}),
  });
}

/** node's requestCert / rejectUnauthorized / ca → the core's ClientAuthConfig. */
function clientAuthFrom(provider: CryptoProvider, o: TlsServerOptions): ClientAuthConfig {
  const reject = o.rejectUnauthorized !== false;
  const anchors = o.ca !== undefined ? certificatesFrom(o.ca, 'ca') : undefined;
  const verifier = createDefaultVerifier({ provider, trustAnchors: anchors ?? [...rootCertificates], ...revocationOptions(o) });
  const certificateAuthorities: Uint8Array[] = [];
  for (const der of anchors ?? []) certificateAuthorities.push(parseCertificate(der).subject.raw);
  return { verifier, requireCertificate: reject, rejectUnverified: reject, certificateAuthorities, ...(o.requestClientOCSP === true ? { requestOcsp: true } : {}) };
}
