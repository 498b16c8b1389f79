import { ErrorCode, TlsError, illegalParameter } from '../errors.js';

/** RFC 8446 §5.1 / RFC 5246 §6.2.1: a record carries at most 2^14 bytes of content. */
export const MAX_FRAGMENT_LENGTH = 1 << 14;
/** RFC 8449 §4: the smallest record_size_limit an endpoint may send. */
export const MIN_RECORD_SIZE_LIMIT = 64;

export type RecordProtocol = 'tls1.3' | 'tls1.2';

export interface FragmentLimitOptions {
  readonly version: RecordProtocol;
  /** The peer's record_size_limit (RFC 8449), when negotiated. */
  readonly recordSizeLimit?: number;
  /** A max_fragment_length (RFC 6066 §4) in bytes (512..4096), when negotiated (TLS 1.2). */
  readonly maxFragmentLength?: number;
}

/**
 * Checks a received record_size_limit value (RFC 8449 §4): below 64 is illegal_parameter.
 * Values above the protocol maximum (2^14 + 1 for TLS 1.3, 2^14 for TLS 1.2) are accepted and
 * clamped by `fragmentLimit` (a server MUST NOT enforce the maximum; a client MAY).
 */
export function checkRecordSizeLimit(value: number): number {
  if (!Number.isInteger(value) || value < MIN_RECORD_SIZE_LIMIT || value > 0xffff) {
    throw illegalParameter(`record_size_limit ${value} is below ${MIN_RECORD_SIZE_LIMIT}`, 'RecordSizeLimit');
  }
  return value;
}

/**
 * The most content bytes one protected record may carry towards the peer.
 * - default: 2^14 (RFC 8446 §5.1, RFC 5246 §6.2.1);
 * - TLS 1.3 with record_size_limit L: L covers TLSInnerPlaintext, i.e. content + the 1-byte
 *   content type + padding (RFC 8449 §4, RFC 8446 §5.4), so content ≤ min(2^14, L - 1);
 * - TLS 1.2 with record_size_limit L: content ≤ min(2^14, L) (RFC 8449 §4);
 * - max_fragment_length (RFC 6066 §4) bounds the content directly.
 * Unprotected records are not subject to record_size_limit (RFC 8449 §4).
 */
export function fragmentLimit(options: FragmentLimitOptions): number {
  let limit = MAX_FRAGMENT_LENGTH;
  if (options.recordSizeLimit !== undefined) {
    const l = checkRecordSizeLimit(options.recordSizeLimit);
    limit = Math.min(limit, options.version === 'tls1.3' ? l - 1 : l);
  }
  if (options.maxFragmentLength !== undefined) {
    const m = options.maxFragmentLength;
    if (!Number.isInteger(m) || m < 1) {
      throw new TlsError(ErrorCode.ERR_TLS_INVALID_OPTION, `maxFragmentLength ${m} is not a positive integer`);
    }
    limit = Math.min(limit, m);
  }
  return limit;
}

/**
 * TLS 1.3 only: the most zero padding a record with `contentLength` bytes may carry under the
 * limit on TLSInnerPlaintext (`maxInnerPlaintext`, 2^14 + 1 or the peer's record_size_limit).
 */
export function maxPadding(contentLength: number, maxInnerPlaintext: number): number {
  return Math.max(0, maxInnerPlaintext - 1 - contentLength);
}

/**
 * Splits `data` into views of at most `limit` bytes, in order. Empty data gives no fragments
 * (RFC 8446 §5.1: zero-length handshake fragments MUST NOT be sent; an empty application data
 * record, if wanted, is the caller's explicit choice).
 */
export function splitFragments(data: Uint8Array, limit: number): Uint8Array[] {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new TlsError(ErrorCode.ERR_TLS_INVALID_OPTION, `fragment limit ${limit} is not a positive integer`);
  }
  const out: Uint8Array[] = [];
  for (let at = 0; at < data.length; at += limit) out.push(data.subarray(at, Math.min(at + limit, data.length)));
  return out;
}
