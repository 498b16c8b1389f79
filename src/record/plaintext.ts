import { ErrorCode, TlsError, internalError } from '../errors.js';
import { ContentType, ProtocolVersion } from '../registry/codepoints.js';
import { RECORD_HEADER_LENGTH, type TlsRecord } from './deframer.js';
import { MAX_FRAGMENT_LENGTH } from './fragment.js';

export interface PlaintextRecordOptions {
  /** Largest fragment per record; default 2^14 (RFC 8446 §5.1). */
  readonly maxFragmentLength?: number;
  /**
   * legacy_record_version; default 0x0303. RFC 8446 §5.1: an initial ClientHello SHOULD use
   * 0x0301; a second ClientHello or a ServerHello MUST use 0x0303.
   */
  readonly version?: number;
}

/**
 * Encodes `data` as unprotected records (TLSPlaintext, RFC 8446 §5.1 / RFC 5246 §6.2.1) of
 * content type `type`, split at `maxFragmentLength`, into one new buffer (a single allocation).
 * Used for the first flight (ClientHello/ServerHello, HelloRetryRequest), plaintext alerts, and
 * the compatibility change_cipher_spec (RFC 8446 Appendix D.4).
 *
 * Empty `data` is refused for handshake, alert and change_cipher_spec (RFC 8446 §5.1:
 * zero-length handshake fragments MUST NOT be sent) and gives one empty record otherwise.
 */
export function encodePlaintextRecords(type: number, data: Uint8Array, options: PlaintextRecordOptions = {}): Uint8Array {
  const max = options.maxFragmentLength ?? MAX_FRAGMENT_LENGTH;
  const version = options.version ?? ProtocolVersion.TLS1_2;
  if (!Number.isInteger(max) || max < 1 || max > MAX_FRAGMENT_LENGTH) {
    throw new TlsError(ErrorCode.ERR_TLS_INVALID_OPTION, `maxFragmentLength ${max} outside 1..${MAX_FRAGMENT_LENGTH}`);
  }
  if (!Number.isInteger(type) || type < 0 || type > 0xff) throw internalError(`invalid content type ${type}`);
  if (data.length === 0 && type !== ContentType.application_data) {
    throw internalError('zero-length handshake/alert/change_cipher_spec record cannot be sent (RFC 8446 §5.1)');
  }
  // RFC 8446 §5.1: alert messages MUST NOT be fragmented across records.
  if (type === ContentType.alert && data.length > max) throw internalError('an alert does not fit one record');
  const count = data.length === 0 ? 1 : Math.ceil(data.length / max);
  const out = new Uint8Array(data.length + count * RECORD_HEADER_LENGTH);
  let src = 0;
  let dst = 0;
  for (let i = 0; i < count; i++) {
    const n = Math.min(max, data.length - src);
    out[dst] = type;
    out[dst + 1] = version >>> 8;
    out[dst + 2] = version & 0xff;
    out[dst + 3] = n >>> 8;
    out[dst + 4] = n & 0xff;
    out.set(data.subarray(src, src + n), dst + RECORD_HEADER_LENGTH);
    src += n;
    dst += RECORD_HEADER_LENGTH + n;
  }
  return out;
}

/**
 * Checks a received unprotected record: RFC 8446 §5.1 / RFC 5246 §6.2.1, TLSPlaintext.length
 * MUST NOT exceed 2^14 (record_overflow). Returns the fragment.
 */
export function checkPlaintextRecord(record: TlsRecord, maxFragmentLength = MAX_FRAGMENT_LENGTH): Uint8Array {
  if (record.fragment.length > maxFragmentLength) {
    throw new TlsError(
      ErrorCode.ERR_TLS_RECORD_OVERFLOW,
      `plaintext record of ${record.fragment.length} bytes exceeds ${maxFragmentLength}`,
      { field: 'TLSPlaintext.length' },
    );
  }
  return record.fragment;
}
