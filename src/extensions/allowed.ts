import { ExtensionType } from '../registry/codepoints.js';

/**
 * The messages that carry extensions, as abbreviated in RFC 8446 §4.2: ClientHello, ServerHello,
 * EncryptedExtensions, Certificate, CertificateRequest, NewSessionTicket, HelloRetryRequest;
 * plus `SH12`, a TLS 1.2 ServerHello (RFC 5246 §7.4.1.4 and the extension RFCs).
 */
export type MessageKind = 'CH' | 'SH' | 'EE' | 'CT' | 'CR' | 'NST' | 'HRR' | 'SH12';

const T = ExtensionType;

/**
 * RFC 8446 §4.2 table (and the later RFCs for the extensions they define). TLS 1.2-only extensions
 * are allowed in a ClientHello (a client offering both versions sends them) and in a TLS 1.2
 * ServerHello, never in a TLS 1.3 server message.
 */
const TABLE: ReadonlyMap<number, readonly MessageKind[]> = new Map<number, readonly MessageKind[]>([
  [T.server_name, ['CH', 'EE', 'SH12']],
  [T.max_fragment_length, ['CH', 'EE', 'SH12']],
  [T.status_request, ['CH', 'CR', 'CT', 'SH12']],
  [T.supported_groups, ['CH', 'EE']],
  [T.ec_point_formats, ['CH', 'SH12']], // RFC 8422 §5.1.2 (TLS 1.2)
  [T.signature_algorithms, ['CH', 'CR']],
  [T.use_srtp, ['CH', 'EE', 'SH12']],
  [T.heartbeat, ['CH', 'EE', 'SH12']],
  [T.application_layer_protocol_negotiation, ['CH', 'EE', 'SH12']],
  [T.signed_certificate_timestamp, ['CH', 'CR', 'CT', 'SH12']],
  [T.client_certificate_type, ['CH', 'EE', 'SH12']],
  [T.server_certificate_type, ['CH', 'EE', 'SH12']],
  [T.padding, ['CH']],
  [T.encrypt_then_mac, ['CH', 'SH12']], // RFC 7366 (TLS 1.2)
  [T.extended_master_secret, ['CH', 'SH12']], // RFC 7627 (TLS 1.2)
  [T.compress_certificate, ['CH', 'CR']], // RFC 8879 §3
  [T.record_size_limit, ['CH', 'EE', 'SH12']], // RFC 8449 §4
  [T.delegated_credential, ['CH', 'CR', 'CT']], // RFC 9345
  [T.session_ticket, ['CH', 'SH12']], // RFC 5077 (TLS 1.2)
  [T.pre_shared_key, ['CH', 'SH']],
  [T.early_data, ['CH', 'EE', 'NST']],
  [T.supported_versions, ['CH', 'SH', 'HRR']],
  [T.cookie, ['CH', 'HRR']],
  [T.psk_key_exchange_modes, ['CH']],
  [T.certificate_authorities, ['CH', 'CR']],
  [T.oid_filters, ['CR']],
  [T.post_handshake_auth, ['CH']],
  [T.signature_algorithms_cert, ['CH', 'CR']],
  [T.key_share, ['CH', 'SH', 'HRR']],
  [T.encrypted_client_hello, ['CH', 'EE', 'HRR']], // draft-ietf-tls-esni
  [T.renegotiation_info, ['CH', 'SH12']], // RFC 5746 §3.2 (TLS 1.2)
]);

/**
 * Whether `extType` may appear in `kind`. RFC 8446 §4.2: a recognized extension in a message it
 * is not specified for MUST be answered with illegal_parameter; `'unknown'` means we do not know
 * the extension, which a ClientHello receiver ignores (RFC 8446 §4.1.2) and a client treats as
 * unsupported_extension in a server message.
 */
export function isAllowedIn(extType: number, kind: MessageKind): boolean | 'unknown' {
  const kinds = TABLE.get(extType);
  if (kinds === undefined) return 'unknown';
  return kinds.includes(kind);
}

/** Every extension type in the table (the ones tlskit recognizes). */
export const KNOWN_EXTENSION_TYPES: readonly number[] = [...TABLE.keys()];
