import { ExtensionType, GREASE_VALUES } from '../registry/codepoints.js';

/**
 * An explicit, ordered description of a ClientHello: which extensions, in which order, where
 * GREASE goes. Values (groups, signature algorithms, ALPN, the server name, key shares) come
 * from the configuration; the profile only shapes the message. Browser fingerprints are
 * profiles, i.e. data, not forks of the handshake code.
 */
export interface ClientHelloProfile {
  readonly name: string;
  /** Insert a GREASE cipher suite first (RFC 8701 §3). */
  readonly greaseCipherSuite: boolean;
  /** GREASE entries in supported_groups, key_share, supported_versions, signature_algorithms? */
  readonly greaseGroups: boolean;
  readonly greaseVersions: boolean;
  readonly greaseSignatureAlgorithms: boolean;
  /** Extensions in order. */
  readonly extensions: readonly HelloExtensionSpec[];
  /** Pad the ClientHello to at least this many bytes with the padding extension (RFC 7685); 0: never. */
  readonly padTo: number;
}

export type HelloExtensionSpec =
  /** An extension whose contents tlskit derives from the configuration. */
  | { readonly kind: 'standard'; readonly type: StandardHelloExtension }
  /** A GREASE extension (RFC 8701); `data` bytes of zeros as payload. */
  | { readonly kind: 'grease'; readonly dataLength: number }
  /** Fixed bytes, sent as given. */
  | { readonly kind: 'raw'; readonly type: number; readonly data: Uint8Array };

export type StandardHelloExtension =
  | typeof ExtensionType.server_name
  | typeof ExtensionType.supported_groups
  | typeof ExtensionType.signature_algorithms
  | typeof ExtensionType.signature_algorithms_cert
  | typeof ExtensionType.application_layer_protocol_negotiation
  | typeof ExtensionType.supported_versions
  | typeof ExtensionType.key_share
  | typeof ExtensionType.psk_key_exchange_modes
  | typeof ExtensionType.record_size_limit
  | typeof ExtensionType.ec_point_formats
  | typeof ExtensionType.extended_master_secret
  | typeof ExtensionType.encrypt_then_mac
  | typeof ExtensionType.renegotiation_info
  | typeof ExtensionType.session_ticket
  | typeof ExtensionType.status_request
  | typeof ExtensionType.signed_certificate_timestamp
  | typeof ExtensionType.post_handshake_auth
  | typeof ExtensionType.cookie
  | typeof ExtensionType.early_data
  | typeof ExtensionType.padding;

const std = (type: StandardHelloExtension): HelloExtensionSpec => ({ kind: 'standard', type });

/** tlskit's own modern ClientHello. */
export const TLSKIT_DEFAULT_PROFILE: ClientHelloProfile = {
  name: 'tlskit',
  greaseCipherSuite: false,
  greaseGroups: false,
  greaseVersions: false,
  greaseSignatureAlgorithms: false,
  padTo: 0,
  extensions: [
    std(ExtensionType.server_name),
    std(ExtensionType.supported_groups),
    std(ExtensionType.signature_algorithms),
    std(ExtensionType.application_layer_protocol_negotiation),
    // only when asked for: requestOcsp, requestScts
    std(ExtensionType.status_request),
    std(ExtensionType.signed_certificate_timestamp),
    std(ExtensionType.record_size_limit),
    // TLS 1.2 extensions: only sent when TLS 1.2 is enabled
    std(ExtensionType.ec_point_formats),
    std(ExtensionType.extended_master_secret),
    // RFC 7366: only when CBC suites are offered
    std(ExtensionType.encrypt_then_mac),
    std(ExtensionType.renegotiation_info),
    // RFC 5077: TLS 1.2 session tickets (only when TLS 1.2 is enabled)
    std(ExtensionType.session_ticket),
    std(ExtensionType.supported_versions),
    std(ExtensionType.psk_key_exchange_modes),
    std(ExtensionType.key_share),
    // RFC 8446 §4.2.6: only when post-handshake client authentication is enabled
    std(ExtensionType.post_handshake_auth),
    // the cookie is only sent in the second ClientHello, where an HRR asked for it
    std(ExtensionType.cookie),
  ],
};

/**
 * A deterministic choice of GREASE values for one ClientHello: `pick(i)` returns one of the 16
 * values, indices 0..15 giving 16 different values (one random offset from the seed, plus the
 * index): two GREASE extensions must not share a type (RFC 8446 §4.2: no duplicate extensions;
 * RFC 8701 §3).
 */
export function greasePicker(seed: Uint8Array): (index: number) => number {
  const offset = seed[0] ?? 0;
  return (index) => GREASE_VALUES[(offset + index) & 0x0f] ?? 0x0a0a;
}
