import { ErrorCode, TlsError } from '../errors.js';
import { ContentType } from '../registry/codepoints.js';
import { ByteQueue } from './byte-queue.js';

/** Size of the record header: type(1) || legacy_record_version(2) || length(2). */
export const RECORD_HEADER_LENGTH = 5;
/** RFC 8446 §5.1 / RFC 5246 §6.2.1: TLSPlaintext.length MUST NOT exceed 2^14. */
export const MAX_PLAINTEXT_LENGTH = 1 << 14;
/** RFC 8446 §5.2: TLSCiphertext.length MUST NOT exceed 2^14 + 256. */
export const MAX_CIPHERTEXT_LENGTH_TLS13 = (1 << 14) + 256;
/** RFC 5246 §6.2.3: TLSCiphertext.length MUST NOT exceed 2^14 + 2048. */
export const MAX_CIPHERTEXT_LENGTH_TLS12 = (1 << 14) + 2048;

/** One record as framed on the wire. All byte fields are views (no copies). */
export interface TlsRecord {
  /** ContentType (outer type; for TLS 1.3 protected records always 23). */
  readonly type: number;
  /** legacy_record_version as received (RFC 8446 §5.1: otherwise ignored). */
  readonly version: number;
  /** The record body (TLSPlaintext.fragment or TLSCiphertext.encrypted_record). May be empty. */
  readonly fragment: Uint8Array;
  /** The 5-byte header (the AAD of TLS 1.3 record protection). */
  readonly header: Uint8Array;
  /** header || fragment: the complete record bytes (for traces). */
  readonly raw: Uint8Array;
}

export interface RecordDeframerOptions {
  /**
   * Largest record body accepted. Default 2^14 + 256 (RFC 8446 §5.2); use
   * `MAX_CIPHERTEXT_LENGTH_TLS12` (2^14 + 2048, RFC 5246 §6.2.3) for TLS 1.2.
   */
  readonly maxRecordLength?: number;
}

/**
 * Splits a byte stream into TLS records (RFC 8446 §5.1, RFC 5246 §6.2). Sans-I/O and
 * synchronous: `push()` what arrives, then call `next()` until it returns null.
 *
 * `push()` keeps the chunk by reference (no copy): the caller hands over ownership and must not
 * modify it afterwards. A record that lies within one pushed chunk is returned as a view into
 * it; a record split across chunks is copied once. Cost is linear in the bytes received however
 * they are split. Bounds are checked as soon as the header is complete, so an oversized record is
 * rejected before its body is buffered. Errors are sticky: after a TlsError every `next()`
 * throws it again.
 *
 * Zero-length records are returned as such (`fragment.length === 0`): whether they are allowed
 * depends on the content type and state (RFC 8446 §5.1), which the caller decides.
 *
 * @example
 * const d = new RecordDeframer();
 * d.push(bytesFromSocket);
 * for (let r = d.next(); r !== null; r = d.next()) handle(r.type, r.fragment);
 */
export class RecordDeframer {
  private readonly queue = new ByteQueue();
  private maxLength: number;
  private failure: TlsError | null = null;

  constructor(options: RecordDeframerOptions = {}) {
    this.maxLength = options.maxRecordLength ?? MAX_CIPHERTEXT_LENGTH_TLS13;
  }

  /** Current bound on the record body length. */
  get maxRecordLength(): number {
    return this.maxLength;
  }

  /** Changes the bound (e.g. once TLS 1.2 is negotiated). */
  setMaxRecordLength(n: number): void {
    if (!Number.isInteger(n) || n < 0 || n > 0xffff) {
      throw new TlsError(ErrorCode.ERR_TLS_INVALID_OPTION, `maxRecordLength ${n} outside 0..65535`);
    }
    this.maxLength = n;
  }

  /** Adds received bytes (taken by reference; do not modify them afterwards). */
  push(bytes: Uint8Array): void {
    if (this.failure !== null) throw this.failure;
    this.queue.push(bytes);
  }

  /** Bytes received but not yet returned as records. */
  get bufferedLength(): number {
    return this.queue.length;
  }

  /**
   * True when bytes of an incomplete record are buffered (after `next()` returned null).
   * At close_notify / EOF this means the stream was truncated mid-record.
   */
  get hasBufferedBytes(): boolean {
    return this.queue.length > 0;
  }

  /** The next complete record, or null when more bytes are needed. */
  next(): TlsRecord | null {
    if (this.failure !== null) throw this.failure;
    const q = this.queue;
    if (q.length < RECORD_HEADER_LENGTH) {
      // Reject garbage early where possible, so a non-TLS peer fails fast.
      if (q.length >= 1) this.checkType(q.peek(0));
      return null;
    }
    const type = q.peek(0);
    const major = q.peek(1);
    const minor = q.peek(2);
    const length = (q.peek(3) << 8) | q.peek(4);
    this.checkType(type);
    if (major !== 0x03) {
      // RFC 8446 §5.1 / Appendix D: legacy_record_version is otherwise ignored, but every TLS and
      // SSL 3.0 record has major version 3; anything else is not a TLS record at all.
      this.fail(ErrorCode.ERR_TLS_DECODE_ERROR, `record version 0x${hex2(major)}${hex2(minor)} has major version ≠ 3: not a TLS record`);
    }
    if (length > this.maxLength) {
      // RFC 8446 §5.2 / RFC 5246 §6.2.3: too long → record_overflow.
      this.fail(ErrorCode.ERR_TLS_RECORD_OVERFLOW, `record length ${length} exceeds ${this.maxLength}`);
    }
    if (type === ContentType.change_cipher_spec && length !== 1) {
      // RFC 8446 §5 / RFC 5246 §7.1: a change_cipher_spec record is the single byte 0x01 (we never
      // renegotiate, so it is never protected): any other length is unexpected_message, said at
      // the header rather than after waiting for a body that a truncated or garbled stream may
      // never send.
      this.fail(ErrorCode.ERR_TLS_UNEXPECTED_MESSAGE, `change_cipher_spec record of ${length} bytes (it is one byte, 0x01)`);
    }
    if (q.length < RECORD_HEADER_LENGTH + length) return null;
    const raw = q.take(RECORD_HEADER_LENGTH + length);
    return {
      type,
      version: (major << 8) | minor,
      fragment: raw.subarray(RECORD_HEADER_LENGTH),
      header: raw.subarray(0, RECORD_HEADER_LENGTH),
      raw,
    };
  }

  private checkType(type: number): void {
    // RFC 8446 §5: an unexpected record type MUST be answered with unexpected_message.
    // Only the four types of RFC 8446 §5.1 are known; heartbeat (24) is never negotiated.
    if (
      type !== ContentType.change_cipher_spec &&
      type !== ContentType.alert &&
      type !== ContentType.handshake &&
      type !== ContentType.application_data
    ) {
      const hint = looksLikeText(this.queue) ? ' (the peer appears to speak a plaintext protocol, e.g. HTTP)' : '';
      this.fail(ErrorCode.ERR_TLS_UNEXPECTED_MESSAGE, `unknown record content type ${type}${hint}`);
    }
  }

  private fail(code: ErrorCode, message: string): never {
    this.failure = new TlsError(code, message, { field: 'TLSPlaintext' });
    throw this.failure;
  }
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

function looksLikeText(q: ByteQueue): boolean {
  const n = Math.min(q.length, 4);
  if (n < 2) return false;
  for (let i = 0; i < n; i++) {
    const b = q.peek(i);
    if (b < 0x20 || b > 0x7e) return false;
  }
  return true;
}
