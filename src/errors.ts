import { AlertDescription, type AlertDescriptionName } from './registry/alerts.js';

/**
 * Stable error codes. Each maps to exactly one alert (the table below is the only place
 * that decides which alert an error sends). Codes never contain secrets or peer data.
 */
export const ErrorCode = {
  // protocol errors, named after the alert they send
  ERR_TLS_UNEXPECTED_MESSAGE: 'ERR_TLS_UNEXPECTED_MESSAGE',
  ERR_TLS_BAD_RECORD_MAC: 'ERR_TLS_BAD_RECORD_MAC',
  ERR_TLS_RECORD_OVERFLOW: 'ERR_TLS_RECORD_OVERFLOW',
  ERR_TLS_HANDSHAKE_FAILURE: 'ERR_TLS_HANDSHAKE_FAILURE',
  ERR_TLS_BAD_CERTIFICATE: 'ERR_TLS_BAD_CERTIFICATE',
  ERR_TLS_UNSUPPORTED_CERTIFICATE: 'ERR_TLS_UNSUPPORTED_CERTIFICATE',
  ERR_TLS_CERTIFICATE_REVOKED: 'ERR_TLS_CERTIFICATE_REVOKED',
  ERR_TLS_CERTIFICATE_EXPIRED: 'ERR_TLS_CERTIFICATE_EXPIRED',
  ERR_TLS_CERTIFICATE_UNKNOWN: 'ERR_TLS_CERTIFICATE_UNKNOWN',
  ERR_TLS_ILLEGAL_PARAMETER: 'ERR_TLS_ILLEGAL_PARAMETER',
  ERR_TLS_UNKNOWN_CA: 'ERR_TLS_UNKNOWN_CA',
  ERR_TLS_ACCESS_DENIED: 'ERR_TLS_ACCESS_DENIED',
  ERR_TLS_DECODE_ERROR: 'ERR_TLS_DECODE_ERROR',
  ERR_TLS_DECRYPT_ERROR: 'ERR_TLS_DECRYPT_ERROR',
  ERR_TLS_PROTOCOL_VERSION: 'ERR_TLS_PROTOCOL_VERSION',
  ERR_TLS_INSUFFICIENT_SECURITY: 'ERR_TLS_INSUFFICIENT_SECURITY',
  ERR_TLS_INTERNAL_ERROR: 'ERR_TLS_INTERNAL_ERROR',
  ERR_TLS_INAPPROPRIATE_FALLBACK: 'ERR_TLS_INAPPROPRIATE_FALLBACK',
  ERR_TLS_MISSING_EXTENSION: 'ERR_TLS_MISSING_EXTENSION',
  ERR_TLS_UNSUPPORTED_EXTENSION: 'ERR_TLS_UNSUPPORTED_EXTENSION',
  ERR_TLS_UNRECOGNIZED_NAME: 'ERR_TLS_UNRECOGNIZED_NAME',
  ERR_TLS_BAD_CERTIFICATE_STATUS_RESPONSE: 'ERR_TLS_BAD_CERTIFICATE_STATUS_RESPONSE',
  ERR_TLS_UNKNOWN_PSK_IDENTITY: 'ERR_TLS_UNKNOWN_PSK_IDENTITY',
  ERR_TLS_CERTIFICATE_REQUIRED: 'ERR_TLS_CERTIFICATE_REQUIRED',
  ERR_TLS_NO_APPLICATION_PROTOCOL: 'ERR_TLS_NO_APPLICATION_PROTOCOL',
  ERR_TLS_NO_RENEGOTIATION: 'ERR_TLS_NO_RENEGOTIATION',
  // certificate verification (node:tls spellings where they exist)
  ERR_TLS_CERT_ALTNAME_INVALID: 'ERR_TLS_CERT_ALTNAME_INVALID',
  CERT_HAS_EXPIRED: 'CERT_HAS_EXPIRED',
  CERT_NOT_YET_VALID: 'CERT_NOT_YET_VALID',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  SELF_SIGNED_CERT_IN_CHAIN: 'SELF_SIGNED_CERT_IN_CHAIN',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'DEPTH_ZERO_SELF_SIGNED_CERT',
  CERT_SIGNATURE_FAILURE: 'CERT_SIGNATURE_FAILURE',
  INVALID_CA: 'INVALID_CA',
  CERT_CHAIN_TOO_LONG: 'CERT_CHAIN_TOO_LONG',
  CERT_REVOKED: 'CERT_REVOKED',
  CERT_UNTRUSTED: 'CERT_UNTRUSTED',
  CERT_REJECTED: 'CERT_REJECTED',
  PATH_LENGTH_EXCEEDED: 'PATH_LENGTH_EXCEEDED',
  INVALID_PURPOSE: 'INVALID_PURPOSE',
  KEY_USAGE_INVALID: 'KEY_USAGE_INVALID',
  NAME_CONSTRAINTS_VIOLATION: 'NAME_CONSTRAINTS_VIOLATION',
  UNSUPPORTED_NAME_CONSTRAINT: 'UNSUPPORTED_NAME_CONSTRAINT',
  INVALID_POLICY: 'INVALID_POLICY',
  UNHANDLED_CRITICAL_EXTENSION: 'UNHANDLED_CRITICAL_EXTENSION',
  INSECURE_ALGORITHM: 'INSECURE_ALGORITHM',
  KEY_TOO_SMALL: 'KEY_TOO_SMALL',
  UNABLE_TO_GET_CRL: 'UNABLE_TO_GET_CRL',
  CRL_HAS_EXPIRED: 'CRL_HAS_EXPIRED',
  CRL_NOT_YET_VALID: 'CRL_NOT_YET_VALID',
  CRL_SIGNATURE_FAILURE: 'CRL_SIGNATURE_FAILURE',
  OCSP_RESPONSE_INVALID: 'OCSP_RESPONSE_INVALID',
  OCSP_STATUS_UNKNOWN: 'OCSP_STATUS_UNKNOWN',
  OCSP_RESPONSE_REQUIRED: 'OCSP_RESPONSE_REQUIRED',
  CT_POLICY_NOT_MET: 'CT_POLICY_NOT_MET',
  // the peer sent an alert
  ERR_TLS_ALERT_RECEIVED: 'ERR_TLS_ALERT_RECEIVED',
  // adapter / connection level
  ERR_TLS_HANDSHAKE_TIMEOUT: 'ERR_TLS_HANDSHAKE_TIMEOUT',
  ERR_TLS_CLIENT_CERTIFICATE_TIMEOUT: 'ERR_TLS_CLIENT_CERTIFICATE_TIMEOUT',
  ERR_TLS_CONNECTION_CLOSED: 'ERR_TLS_CONNECTION_CLOSED',
  ERR_TLS_LIMIT_EXCEEDED: 'ERR_TLS_LIMIT_EXCEEDED',
  ERR_TLS_INVALID_STATE: 'ERR_TLS_INVALID_STATE',
  ERR_TLS_INVALID_OPTION: 'ERR_TLS_INVALID_OPTION',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The one table that decides which alert an error sends. `null`: no alert (local API misuse). */
const ALERT_FOR_CODE: Readonly<Record<ErrorCode, AlertDescriptionName | null>> = {
  ERR_TLS_UNEXPECTED_MESSAGE: 'unexpected_message',
  ERR_TLS_BAD_RECORD_MAC: 'bad_record_mac',
  ERR_TLS_RECORD_OVERFLOW: 'record_overflow',
  ERR_TLS_HANDSHAKE_FAILURE: 'handshake_failure',
  ERR_TLS_BAD_CERTIFICATE: 'bad_certificate',
  ERR_TLS_UNSUPPORTED_CERTIFICATE: 'unsupported_certificate',
  ERR_TLS_CERTIFICATE_REVOKED: 'certificate_revoked',
  ERR_TLS_CERTIFICATE_EXPIRED: 'certificate_expired',
  ERR_TLS_CERTIFICATE_UNKNOWN: 'certificate_unknown',
  ERR_TLS_ILLEGAL_PARAMETER: 'illegal_parameter',
  ERR_TLS_UNKNOWN_CA: 'unknown_ca',
  ERR_TLS_ACCESS_DENIED: 'access_denied',
  ERR_TLS_DECODE_ERROR: 'decode_error',
  ERR_TLS_DECRYPT_ERROR: 'decrypt_error',
  ERR_TLS_PROTOCOL_VERSION: 'protocol_version',
  ERR_TLS_INSUFFICIENT_SECURITY: 'insufficient_security',
  ERR_TLS_INTERNAL_ERROR: 'internal_error',
  ERR_TLS_INAPPROPRIATE_FALLBACK: 'inappropriate_fallback',
  ERR_TLS_MISSING_EXTENSION: 'missing_extension',
  ERR_TLS_UNSUPPORTED_EXTENSION: 'unsupported_extension',
  ERR_TLS_UNRECOGNIZED_NAME: 'unrecognized_name',
  ERR_TLS_BAD_CERTIFICATE_STATUS_RESPONSE: 'bad_certificate_status_response',
  ERR_TLS_UNKNOWN_PSK_IDENTITY: 'unknown_psk_identity',
  ERR_TLS_CERTIFICATE_REQUIRED: 'certificate_required',
  ERR_TLS_NO_APPLICATION_PROTOCOL: 'no_application_protocol',
  ERR_TLS_NO_RENEGOTIATION: 'no_renegotiation',
  ERR_TLS_CERT_ALTNAME_INVALID: 'bad_certificate',
  CERT_HAS_EXPIRED: 'certificate_expired',
  CERT_NOT_YET_VALID: 'bad_certificate',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'unknown_ca',
  SELF_SIGNED_CERT_IN_CHAIN: 'unknown_ca',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'unknown_ca',
  CERT_SIGNATURE_FAILURE: 'bad_certificate',
  INVALID_CA: 'bad_certificate',
  CERT_CHAIN_TOO_LONG: 'bad_certificate',
  CERT_REVOKED: 'certificate_revoked',
  CERT_UNTRUSTED: 'unknown_ca',
  CERT_REJECTED: 'bad_certificate',
  PATH_LENGTH_EXCEEDED: 'bad_certificate',
  INVALID_PURPOSE: 'unsupported_certificate',
  KEY_USAGE_INVALID: 'unsupported_certificate',
  NAME_CONSTRAINTS_VIOLATION: 'bad_certificate',
  UNSUPPORTED_NAME_CONSTRAINT: 'unsupported_certificate',
  INVALID_POLICY: 'bad_certificate',
  UNHANDLED_CRITICAL_EXTENSION: 'unsupported_certificate',
  INSECURE_ALGORITHM: 'bad_certificate',
  KEY_TOO_SMALL: 'bad_certificate',
  UNABLE_TO_GET_CRL: 'certificate_unknown',
  CRL_HAS_EXPIRED: 'certificate_unknown',
  CRL_NOT_YET_VALID: 'certificate_unknown',
  CRL_SIGNATURE_FAILURE: 'certificate_unknown',
  OCSP_RESPONSE_INVALID: 'bad_certificate_status_response',
  OCSP_STATUS_UNKNOWN: 'certificate_unknown',
  OCSP_RESPONSE_REQUIRED: 'bad_certificate_status_response',
  CT_POLICY_NOT_MET: 'bad_certificate',
  ERR_TLS_ALERT_RECEIVED: null,
  ERR_TLS_HANDSHAKE_TIMEOUT: null,
  ERR_TLS_CLIENT_CERTIFICATE_TIMEOUT: null,
  ERR_TLS_CONNECTION_CLOSED: null,
  ERR_TLS_LIMIT_EXCEEDED: 'internal_error',
  ERR_TLS_INVALID_STATE: null,
  ERR_TLS_INVALID_OPTION: null,
};

export interface TlsErrorOptions {
  /** The RFC name of the field at fault, e.g. `ClientHello.cipher_suites`. */
  readonly field?: string;
  /** `local`: we detected it. `peer`: the peer told us with an alert. */
  readonly source?: 'local' | 'peer';
  /** For ERR_TLS_ALERT_RECEIVED: the alert the peer sent. */
  readonly alert?: AlertDescriptionName;
  readonly cause?: unknown;
}

/**
 * The one error type of tlskit. `code` is stable (match on it); `alert` is what was (or will
 * be) sent to the peer, or what the peer sent when `source === 'peer'`.
 *
 * @example
 * try { conn.receive(bytes) } catch (e) { if (e instanceof TlsError) console.log(e.code, e.alert) }
 */
export class TlsError extends Error {
  override readonly name = 'TlsError';
  readonly code: ErrorCode;
  readonly alert: AlertDescriptionName | null;
  readonly source: 'local' | 'peer';
  readonly field: string | undefined;

  constructor(code: ErrorCode, message: string, options: TlsErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.source = options.source ?? 'local';
    this.alert = options.alert ?? ALERT_FOR_CODE[code];
    this.field = options.field;
  }

  /** Numeric alert description to send, or null when no alert goes out. */
  get alertNumber(): number | null {
    return this.alert === null ? null : AlertDescription[this.alert];
  }
}

/** Shorthands used throughout the protocol code. */
export const decodeError = (message: string, field?: string): TlsError =>
  new TlsError(ErrorCode.ERR_TLS_DECODE_ERROR, message, field === undefined ? {} : { field });
export const illegalParameter = (message: string, field?: string): TlsError =>
  new TlsError(ErrorCode.ERR_TLS_ILLEGAL_PARAMETER, message, field === undefined ? {} : { field });
export const unexpectedMessage = (message: string): TlsError =>
  new TlsError(ErrorCode.ERR_TLS_UNEXPECTED_MESSAGE, message);
export const internalError = (message: string): TlsError => new TlsError(ErrorCode.ERR_TLS_INTERNAL_ERROR, message);
