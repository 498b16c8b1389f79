import type { CryptoProvider, KeyInfo, PrivateKey } from '../crypto/provider.js';
import { CipherSuite, NamedGroup, ProtocolVersion, PskKeyExchangeMode, SignatureScheme } from '../registry/codepoints.js';
import type { CertificateVerifier } from '../x509/verify.js';
import { TLSKIT_DEFAULT_PROFILE, type ClientHelloProfile } from './hello-profile.js';
import { DEFAULT_CIPHER_SUITES_12, LEGACY_SUITES_12, legacySuitesAllowed, tls12Suite } from './suites12.js';
import type { ServerTickets13 } from './resumption13.js';
import type { ClientSession, ServerSessions12 } from './resumption12.js';

/** A certificate chain with its private key, as the server (or a client) presents it. */
export interface CertifiedKey {
  /** DER certificates, leaf first. */
  readonly chain: readonly Uint8Array[];
  readonly key: PrivateKey;
  /** The leaf's DNS names and IP addresses, for choosing a certificate by SNI. */
  readonly names: readonly string[];
  /**
   * A DER OCSPResponse for the leaf, stapled when the client asks (status_request: RFC 6066 §8
   * CertificateStatus in TLS 1.2, the leaf CertificateEntry extension in TLS 1.3, RFC 8446 §4.4.2.1).
   */
  readonly ocspResponse?: Uint8Array | undefined;
  /** A TLS-encoded SignedCertificateTimestampList (RFC 6962 §3.3), sent when the client asks. */
  readonly sctList?: Uint8Array | undefined;
}

/**
 * Fetches the OCSP response to staple for a certificate (node's 'OCSPRequest' event); called only
 * when the client sent status_request. null: staple nothing (`certificate.ocspResponse` is then not used either).
 */
export type OcspResponder = (certificate: CertifiedKey, serverName: string | undefined) => Uint8Array | null | Promise<Uint8Array | null>;

/** A request the handshake cannot answer by itself; the adapter answers it (possibly later). */
export type HandshakeRequest = {
  readonly kind: 'select_certificate';
  readonly serverName: string | undefined;
  readonly signatureAlgorithms: readonly number[];
};

/** What a server wants to know about a connection before choosing a certificate. */
export type SelectCertificate = (
  serverName: string | undefined,
  signatureAlgorithms: readonly number[],
) => readonly CertifiedKey[] | Promise<readonly CertifiedKey[]>;

export interface CommonConfig {
  readonly provider: CryptoProvider;
  /** TLS 1.3 cipher suites in preference order. Default: AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305. */
  readonly cipherSuites: readonly number[];
  /** Key exchange groups in preference order. Default: X25519MLKEM768, x25519, secp256r1, secp384r1. */
  readonly groups: readonly number[];
  /** Signature schemes we accept from the peer, in preference order. */
  readonly signatureAlgorithms: readonly number[];
  /** ALPN protocols in preference order; empty: no ALPN. */
  readonly alpnProtocols: readonly string[];
  /** RFC 8449 record_size_limit to advertise; undefined: do not send the extension. */
  readonly recordSizeLimit: number | undefined;
  /** The clock for certificate validity. */
  readonly now: () => Date;
  /** Largest handshake message accepted (bytes). */
  readonly maxHandshakeMessageSize: number;
  /** Lowest and highest protocol version (0x0303 TLS 1.2, 0x0304 TLS 1.3). Default 1.2–1.3, as node:tls. */
  readonly minVersion: number;
  readonly maxVersion: number;
  /** TLS 1.2 cipher suites in preference order (`suites12.ts`). Default: the ECDHE AEAD suites. */
  readonly cipherSuites12: readonly number[];
  /** TLS 1.2: refuse a handshake without extended_master_secret (RFC 7627 §5.2, §5.3). Default false. */
  readonly requireExtendedMasterSecret: boolean;
  /**
   * TLS 1.2 static RSA key exchange (TLS_RSA_*, RFC 5246 §7.4.7.1): no forward secrecy, off by
   * default. Default: true only when `cipherSuites12` names a TLS_RSA_* suite.
   */
  readonly rsaKeyExchange: boolean;
  /**
   * TLS 1.2 legacy CBC suites (RFC 5246 §6.2.3.2, with encrypt_then_mac RFC 7366), for old
   * peers; off by default. Default: true only when `cipherSuites12` names a CBC suite.
   */
  readonly cbcSuites: boolean;
}

export interface ClientConfig extends CommonConfig {
  readonly side: 'client';
  /** DNS name for SNI and for certificate verification; an IP address is verified but not sent. */
  readonly serverName: string | undefined;
  /** Groups to send key shares for in the first ClientHello. Default: the first group (and x25519 with the hybrid). */
  readonly keyShareGroups: readonly number[];
  /** Verifies the server's chain; null turns verification off (rejectUnauthorized: false). */
  readonly verifier: CertificateVerifier | null;
  /** The ordered description of the ClientHello. */
  readonly helloProfile: ClientHelloProfile;
  /** RFC 8446 Appendix D.4: a legacy_session_id and a dummy ChangeCipherSpec. Default true. */
  readonly middleboxCompatibility: boolean;
  /** Client certificates offered when the server asks (first that fits wins). */
  readonly certificates: readonly CertifiedKey[];
  /**
   * A session to resume: TLS 1.3 (RFC 8446 §2.2, offered as a PSK) or TLS 1.2 (RFC 5246 §7.3 session
   * ID and/or RFC 5077 ticket), when still usable.
   */
  readonly session: ClientSession | undefined;
  /** TLS 1.2: send the session_ticket extension (RFC 5077 §3.2: ask for a ticket, or present one). Default true. */
  readonly sessionTickets12: boolean;
  /** RFC 8446 §4.2.9 psk_key_exchange_modes, in preference order. Default [psk_dhe_ke]; psk_ke (no (EC)DHE, no forward secrecy) by option. */
  readonly pskKeyExchangeModes: readonly number[];
  /**
   * 0-RTT (RFC 8446 §2.3): application data to send in the first flight, when `session` allows it
   * (max_early_data_size > 0, and this connection offers the ticket's cipher suite and ALPN). At
   * most max_early_data_size bytes go as early data; the rest follows the handshake. Early data can
   * be replayed by an attacker (RFC 8446 §8): send only idempotent requests. Default: none.
   */
  readonly earlyData: Uint8Array | undefined;
  /**
   * What happens to `earlyData` that did not go as accepted 0-RTT (no usable ticket, or the server
   * rejected it): true (default) sends it as ordinary application data right after the handshake
   * — never when the server selected another ALPN protocol than the ticket's (RFC 8446 §4.2.10);
   * false sends nothing and the `earlyDataRejected` event hands the data back to the application.
   */
  readonly resendEarlyData: boolean;
  /**
   * Ask for a stapled OCSP response (status_request, RFC 6066 §8) and hand it to the verifier.
   * Default false, as node:tls `requestOCSP` (a must-staple certificate, RFC 7633, is only enforced when asked).
   */
  readonly requestOcsp: boolean;
  /** Ask for SCTs in the handshake (signed_certificate_timestamp, RFC 6962 §3.3.1). Default false. */
  readonly requestScts: boolean;
  /**
   * RFC 8446 §4.2.6: offer post_handshake_auth, so that the server may ask for `certificates`
   * after the handshake (§4.6.2; answered with an empty Certificate when none fits). Default:
   * true when `certificates` is not empty.
   */
  readonly postHandshakeAuth: boolean;
}

export interface ServerConfig extends CommonConfig {
  readonly side: 'server';
  /** Certificates (RSA, ECDSA, Ed25519, ...) chosen by SNI and signature_algorithms. */
  readonly certificates: readonly CertifiedKey[];
  /** Optional asynchronous certificate selection (node's SNICallback). */
  readonly selectCertificate: SelectCertificate | undefined;
  /** Cookie sent in HelloRetryRequest (RFC 8446 §4.2.2); undefined: none. */
  readonly helloRetryCookie: boolean;
  /** ALPN mismatch: true sends no_application_protocol (RFC 7301 §3.2), false continues without ALPN. */
  readonly alpnStrict: boolean;
  /** Groups announced in EncryptedExtensions (RFC 8446 §4.2.7); undefined: none are announced. */
  readonly advertisedGroups: readonly number[] | undefined;
  /** TLS 1.3 tickets (RFC 8446 §4.6.1): issue and resume (`ServerSessions`); undefined: no resumption. */
  readonly tickets: ServerTickets13 | undefined;
  /**
   * NewSessionTickets sent after a full handshake when `tickets` is set. Default 2 (as OpenSSL).
   * After a resumption at most one (as OpenSSL: SSL_CTX_set_num_tickets), replacing the one used.
   * Without client authentication they leave with the server Finished (RFC 8446 §4.6.1).
   */
  readonly ticketCount: number;
  /** Resume with psk_ke (no (EC)DHE) when a client offers only that mode (RFC 8446 §4.2.9). Default false. */
  readonly allowPskKe: boolean;
  /**
   * TLS 1.2 resumption (`ServerSessions`): a session-ID cache (RFC 5246 §7.4.1.2) and tickets
   * (RFC 5077); undefined: no TLS 1.2 resumption (empty session_id, no tickets).
   */
  readonly sessions12: ServerSessions12 | undefined;
  /** TLS 1.2: issue RFC 5077 tickets to clients that ask (else cache session IDs). Default true. */
  readonly sessionTickets12: boolean;
  /** Mutual TLS: undefined sends no CertificateRequest. */
  readonly clientAuth?: ClientAuthConfig | undefined;
  /** Where stapled OCSP responses come from; undefined: each certificate's `ocspResponse`. */
  readonly ocspResponder?: OcspResponder | undefined;
  /**
   * RFC 8446 §4.6.2 post-handshake client authentication (`Connection.requestClientCertificate`):
   * how the client's answer is checked. Default: `clientAuth`; neither: no post-handshake requests.
   */
  readonly postHandshakeClientAuth?: ClientAuthConfig | undefined;
}

/** Mutual TLS on the server (RFC 8446 §4.3.2, RFC 5246 §7.4.4). */
export interface ClientAuthConfig {
  /** Verifies the client's chain with purpose clientAuth; null: the chain is not verified. */
  readonly verifier: CertificateVerifier | null;
  /** An empty client Certificate ends the handshake (certificate_required in TLS 1.3, RFC 8446 §4.4.2.4). */
  readonly requireCertificate: boolean;
  /** A chain that fails verification ends the handshake with its alert; false: go on, `negotiated.verifyError` says why. */
  readonly rejectUnverified: boolean;
  /** DER Distinguished Names sent as certificate_authorities (RFC 8446 §4.2.4); empty: not sent. */
  readonly certificateAuthorities: readonly Uint8Array[];
  /** TLS 1.2 certificate_types (RFC 5246 §7.4.4, RFC 8422 §5.5). Default [rsa_sign, ecdsa_sign]. */
  readonly certificateTypes12?: readonly number[] | undefined;
  /**
   * TLS 1.3: ask the client to staple an OCSP response for its certificate (RFC 8446 §4.4.2.1: an
   * empty status_request in the CertificateRequest); one it sends is checked with its chain
   * (revoked: certificate_revoked; unusable: bad_certificate_status_response).
   */
  readonly requestOcsp?: boolean | undefined;
}

export const DEFAULT_CIPHER_SUITES: readonly number[] = [
  CipherSuite.TLS_AES_128_GCM_SHA256,
  CipherSuite.TLS_AES_256_GCM_SHA384,
  CipherSuite.TLS_CHACHA20_POLY1305_SHA256,
];

export const DEFAULT_GROUPS: readonly number[] = [
  NamedGroup.X25519MLKEM768,
  NamedGroup.x25519,
  NamedGroup.secp256r1,
  NamedGroup.secp384r1,
];

/** What we verify in CertificateVerify (RFC 8446 §4.2.3: no PKCS#1 v1.5, no SHA-1 there). */
export const DEFAULT_SIGNATURE_ALGORITHMS: readonly number[] = [
  SignatureScheme.ecdsa_secp256r1_sha256,
  SignatureScheme.ecdsa_secp384r1_sha384,
  SignatureScheme.ed25519,
  SignatureScheme.rsa_pss_rsae_sha256,
  SignatureScheme.rsa_pss_rsae_sha384,
  SignatureScheme.rsa_pss_rsae_sha512,
  SignatureScheme.rsa_pss_pss_sha256,
  SignatureScheme.rsa_pss_pss_sha384,
  SignatureScheme.rsa_pss_pss_sha512,
  SignatureScheme.ecdsa_secp521r1_sha512,
  SignatureScheme.ed448,
  // accepted in certificate signatures (signature_algorithms_cert falls back to this list)
  SignatureScheme.rsa_pkcs1_sha256,
  SignatureScheme.rsa_pkcs1_sha384,
  SignatureScheme.rsa_pkcs1_sha512,
];

export const DEFAULT_MAX_HANDSHAKE_MESSAGE = 256 * 1024;

/** Signature schemes that may sign a TLS 1.3 CertificateVerify (RFC 8446 §4.2.3, §4.4.3). */
export function isTls13SignatureScheme(scheme: number): boolean {
  switch (scheme) {
    case SignatureScheme.ecdsa_secp256r1_sha256:
    case SignatureScheme.ecdsa_secp384r1_sha384:
    case SignatureScheme.ecdsa_secp521r1_sha512:
    case SignatureScheme.rsa_pss_rsae_sha256:
    case SignatureScheme.rsa_pss_rsae_sha384:
    case SignatureScheme.rsa_pss_rsae_sha512:
    case SignatureScheme.rsa_pss_pss_sha256:
    case SignatureScheme.rsa_pss_pss_sha384:
    case SignatureScheme.rsa_pss_pss_sha512:
    case SignatureScheme.ed25519:
    case SignatureScheme.ed448:
      return true;
    default:
      return false;
  }
}

/** Whether `scheme` can be used with a key described by `info` (TLS 1.3 binds the curve). */
export function schemeFitsKey(scheme: number, info: KeyInfo): boolean {
  switch (scheme) {
    case SignatureScheme.ecdsa_secp256r1_sha256:
      return info.type === 'ec' && info.curve === 'P-256';
    case SignatureScheme.ecdsa_secp384r1_sha384:
      return info.type === 'ec' && info.curve === 'P-384';
    case SignatureScheme.ecdsa_secp521r1_sha512:
      return info.type === 'ec' && info.curve === 'P-521';
    case SignatureScheme.rsa_pss_rsae_sha256:
    case SignatureScheme.rsa_pss_rsae_sha384:
    case SignatureScheme.rsa_pss_rsae_sha512:
    case SignatureScheme.rsa_pkcs1_sha256:
    case SignatureScheme.rsa_pkcs1_sha384:
    case SignatureScheme.rsa_pkcs1_sha512:
      return info.type === 'rsa';
    case SignatureScheme.rsa_pss_pss_sha256:
    case SignatureScheme.rsa_pss_pss_sha384:
    case SignatureScheme.rsa_pss_pss_sha512:
      return info.type === 'rsa-pss';
    case SignatureScheme.ed25519:
      return info.type === 'ed25519';
    case SignatureScheme.ed448:
      return info.type === 'ed448';
    default:
      return false;
  }
}

/**
 * Options for `clientConfig`: everything optional except the provider and the verifier, which
 * must be given explicitly (`null` turns verification off), so that no one skips it by omission.
 */
export type ClientConfigOptions = Partial<Omit<ClientConfig, 'side'>> & Pick<ClientConfig, 'provider' | 'verifier'>;
/** Options for `serverConfig`: everything optional except the provider and certificates. */
export type ServerConfigOptions = Partial<Omit<ServerConfig, 'side'>> & Pick<ServerConfig, 'provider' | 'certificates'>;

/**
 * The defaults every side shares. A V8 note for the builders below: an object literal that
 * starts with a spread (`{ ...common, side: 'client' }`) gets a map of its own on every call, and
 * each property added after the spread costs a map transition (micro-seconds per property on
 * Node 20, ~60 µs for a ClientConfig): the configs are written out field by field instead.
 */
function commonDefaults(o: Partial<CommonConfig> & Pick<CommonConfig, 'provider'>): CommonConfig {
  const provider = o.provider;
  const groups = (o.groups ?? DEFAULT_GROUPS).filter((g) => provider.supportsGroup(g));
  // Legacy TLS 1.2 suites: enabled by the options, or by naming them in cipherSuites12 (node's `ciphers`).
  const named = (o.cipherSuites12 ?? []).map(tls12Suite);
  const rsaKeyExchange = o.rsaKeyExchange ?? named.some((s) => s?.keyExchange === 'rsa');
  const cbcSuites = o.cbcSuites ?? named.some((s) => s?.cbc !== undefined);
  const legacy = { rsaKeyExchange, cbcSuites };
  const cipherSuites12 = (o.cipherSuites12 ?? [...DEFAULT_CIPHER_SUITES_12, ...LEGACY_SUITES_12.map((s) => s.suite)]).filter((code) => {
    const suite = tls12Suite(code);
    return suite === undefined || legacySuitesAllowed(suite, legacy);
  });
  return {
    provider,
    cipherSuites: o.cipherSuites ?? DEFAULT_CIPHER_SUITES,
    groups,
    signatureAlgorithms: o.signatureAlgorithms ?? DEFAULT_SIGNATURE_ALGORITHMS,
    alpnProtocols: o.alpnProtocols ?? [],
    recordSizeLimit: o.recordSizeLimit,
    now: o.now ?? defaultNow,
    maxHandshakeMessageSize: o.maxHandshakeMessageSize ?? DEFAULT_MAX_HANDSHAKE_MESSAGE,
    minVersion: o.minVersion ?? ProtocolVersion.TLS1_2,
    maxVersion: o.maxVersion ?? ProtocolVersion.TLS1_3,
    cipherSuites12,
    requireExtendedMasterSecret: o.requireExtendedMasterSecret ?? false,
    rsaKeyExchange,
    cbcSuites,
  };
}

const defaultNow = (): Date => new Date();
const DEFAULT_PSK_MODES: readonly number[] = [PskKeyExchangeMode.psk_dhe_ke];

/**
 * A complete client configuration from a few options; what is left out takes tlskit's defaults.
 *
 * @example
 * const config = clientConfig({ provider: nodeCryptoProvider, serverName: 'example.com', verifier });
 */
export function clientConfig(o: ClientConfigOptions): ClientConfig {
  const common = commonDefaults(o);
  // Default key shares: the first group; with the hybrid first, also x25519 (as browsers do),
  // so that servers without ML-KEM need no HelloRetryRequest.
  let shares = o.keyShareGroups;
  if (shares === undefined) {
    const first = common.groups[0];
    shares = first === undefined ? [] : [first];
    if (first === NamedGroup.X25519MLKEM768 && common.groups.includes(NamedGroup.x25519)) shares = [first, NamedGroup.x25519];
  }
  const certificates = o.certificates ?? [];
  return {
    provider: common.provider,
    cipherSuites: common.cipherSuites,
    groups: common.groups,
    signatureAlgorithms: common.signatureAlgorithms,
    alpnProtocols: common.alpnProtocols,
    recordSizeLimit: common.recordSizeLimit,
    now: common.now,
    maxHandshakeMessageSize: common.maxHandshakeMessageSize,
    minVersion: common.minVersion,
    maxVersion: common.maxVersion,
    cipherSuites12: common.cipherSuites12,
    requireExtendedMasterSecret: common.requireExtendedMasterSecret,
    rsaKeyExchange: common.rsaKeyExchange,
    cbcSuites: common.cbcSuites,
    side: 'client',
    serverName: o.serverName,
    keyShareGroups: shares.filter((g) => common.groups.includes(g)),
    verifier: o.verifier,
    helloProfile: o.helloProfile ?? TLSKIT_DEFAULT_PROFILE,
    middleboxCompatibility: o.middleboxCompatibility ?? true,
    certificates,
    session: o.session,
    sessionTickets12: o.sessionTickets12 ?? true,
    pskKeyExchangeModes: o.pskKeyExchangeModes ?? DEFAULT_PSK_MODES,
    earlyData: o.earlyData,
    resendEarlyData: o.resendEarlyData ?? true,
    requestOcsp: o.requestOcsp ?? false,
    requestScts: o.requestScts ?? false,
    postHandshakeAuth: o.postHandshakeAuth ?? certificates.length > 0,
  };
}

/** What differs between connections made from the same options (see `clientConfigFor`). */
export interface ClientConnectionSettings {
  readonly serverName: string | undefined;
  readonly verifier: CertificateVerifier | null;
  readonly session: ClientSession | undefined;
  readonly earlyData: Uint8Array | undefined;
  readonly resendEarlyData: boolean;
}

/**
 * `base` (a complete configuration, built once per set of options) with this connection's
 * server name, verifier, session and early data: what `clientConfig` would build from the
 * same options, without building the defaults again.
 */
export function clientConfigFor(base: ClientConfig, c: ClientConnectionSettings): ClientConfig {
  return {
    provider: base.provider,
    cipherSuites: base.cipherSuites,
    groups: base.groups,
    signatureAlgorithms: base.signatureAlgorithms,
    alpnProtocols: base.alpnProtocols,
    recordSizeLimit: base.recordSizeLimit,
    now: base.now,
    maxHandshakeMessageSize: base.maxHandshakeMessageSize,
    minVersion: base.minVersion,
    maxVersion: base.maxVersion,
    cipherSuites12: base.cipherSuites12,
    requireExtendedMasterSecret: base.requireExtendedMasterSecret,
    rsaKeyExchange: base.rsaKeyExchange,
    cbcSuites: base.cbcSuites,
    side: 'client',
    serverName: c.serverName,
    keyShareGroups: base.keyShareGroups,
    verifier: c.verifier,
    helloProfile: base.helloProfile,
    middleboxCompatibility: base.middleboxCompatibility,
    certificates: base.certificates,
    session: c.session,
    sessionTickets12: base.sessionTickets12,
    pskKeyExchangeModes: base.pskKeyExchangeModes,
    earlyData: c.earlyData,
    resendEarlyData: c.resendEarlyData,
    requestOcsp: base.requestOcsp,
    requestScts: base.requestScts,
    postHandshakeAuth: base.postHandshakeAuth,
  };
}

/** A complete server configuration; what is left out takes tlskit's defaults. */
export function serverConfig(o: ServerConfigOptions): ServerConfig {
  const common = commonDefaults(o);
  return {
    provider: common.provider,
    cipherSuites: common.cipherSuites,
    groups: common.groups,
    signatureAlgorithms: common.signatureAlgorithms,
    alpnProtocols: common.alpnProtocols,
    recordSizeLimit: common.recordSizeLimit,
    now: common.now,
    maxHandshakeMessageSize: common.maxHandshakeMessageSize,
    minVersion: common.minVersion,
    maxVersion: common.maxVersion,
    cipherSuites12: common.cipherSuites12,
    requireExtendedMasterSecret: common.requireExtendedMasterSecret,
    rsaKeyExchange: common.rsaKeyExchange,
    cbcSuites: common.cbcSuites,
    side: 'server',
    certificates: o.certificates,
    selectCertificate: o.selectCertificate,
    helloRetryCookie: o.helloRetryCookie ?? false,
    alpnStrict: o.alpnStrict ?? true,
    advertisedGroups: o.advertisedGroups,
    tickets: o.tickets,
    ticketCount: o.ticketCount ?? 2,
    allowPskKe: o.allowPskKe ?? false,
    sessions12: o.sessions12,
    sessionTickets12: o.sessionTickets12 ?? true,
    clientAuth: o.clientAuth,
    ocspResponder: o.ocspResponder,
    postHandshakeClientAuth: o.postHandshakeClientAuth,
  };
}
