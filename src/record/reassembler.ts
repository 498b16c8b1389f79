import { ErrorCode, TlsError, unexpectedMessage } from '../errors.js';
import type { HandshakeMessage } from '../messages/handshake.js';
import { handshakeTypeName } from '../registry/names.js';
import { ByteQueue } from './byte-queue.js';

/** Handshake header: msg_type(1) || length(3) (RFC 8446 §4). */
export const HANDSHAKE_HEADER_LENGTH = 4;
/** Default bound on a handshake message body: 64 KiB. */
export const DEFAULT_MAX_HANDSHAKE_MESSAGE = 64 * 1024;

export interface HandshakeReassemblerOptions {
  /**
   * Largest handshake body accepted, in bytes (default 64 KiB). A larger announced length is
   * refused with ERR_TLS_LIMIT_EXCEEDED (a local resource limit, not a malformed message; it
   * sends an internal_error alert) as soon as the 4-byte header has arrived, before buffering.
   */
  readonly maxMessageLength?: number;
}

/**
 * Rebuilds handshake messages from the content of handshake records (RFC 8446 §5.1,
 * RFC 5246 §6.2.1): a message may be split over many records, and one record may carry several
 * messages. Push each record's content, then call `next()` until it returns null.
 *
 * A message that lies within one pushed fragment is returned as views into it (`raw`, `body`);
 * a message split across fragments is copied once. Errors are sticky.
 *
 * For the RFC 8446 §5.1 checks the connection uses `hasPartial`: handshake messages MUST NOT be
 * interleaved with other record types, and a key change MUST happen on a record boundary; both
 * are violated (→ unexpected_message) when `hasPartial` is true at that point.
 *
 * @example
 * reassembler.push(record.fragment);
 * for (let m = reassembler.next(); m !== null; m = reassembler.next()) handle(m);
 * if (keysChanged && reassembler.hasPartial) throw unexpectedMessage('...');
 */
export class HandshakeReassembler {
  private readonly queue = new ByteQueue();
  private readonly maxLength: number;
  private failure: TlsError | null = null;

  constructor(options: HandshakeReassemblerOptions = {}) {
    const max = options.maxMessageLength ?? DEFAULT_MAX_HANDSHAKE_MESSAGE;
    if (!Number.isInteger(max) || max < 0 || max > 0xffffff) {
      throw new TlsError(ErrorCode.ERR_TLS_INVALID_OPTION, `maxMessageLength ${max} outside 0..2^24-1`);
    }
    this.maxLength = max;
  }

  get maxMessageLength(): number {
    return this.maxLength;
  }

  /**
   * Adds the content of one handshake record (taken by reference; do not modify it afterwards).
   * RFC 8446 §5.1 / §5.4: a zero-length handshake fragment → unexpected_message.
   */
  push(fragment: Uint8Array): void {
    if (this.failure !== null) throw this.failure;
    if (fragment.length === 0) {
      this.failure = unexpectedMessage('zero-length handshake record (RFC 8446 §5.1)');
      throw this.failure;
    }
    this.queue.push(fragment);
  }

  /**
   * True when bytes not yet returned by `next()` are buffered. After `next()` has returned null
   * this means exactly: part of a message is pending (more records of it must follow).
   */
  get hasPartial(): boolean {
    return this.queue.length > 0;
  }

  /** Bytes buffered and not yet returned as messages. */
  get bufferedLength(): number {
    return this.queue.length;
  }

  /** The next complete message, or null when more bytes are needed. */
  next(): HandshakeMessage | null {
    if (this.failure !== null) throw this.failure;
    const q = this.queue;
    if (q.length < HANDSHAKE_HEADER_LENGTH) return null;
    const type = q.peek(0);
    const length = (q.peek(1) << 16) | (q.peek(2) << 8) | q.peek(3);
    if (length > this.maxLength) {
      this.failure = new TlsError(
        ErrorCode.ERR_TLS_LIMIT_EXCEEDED,
        `${handshakeTypeName(type)} message of ${length} bytes exceeds the limit of ${this.maxLength} bytes (maxMessageLength)`,
        { field: 'Handshake.length' },
      );
      throw this.failure;
    }
    if (q.length < HANDSHAKE_HEADER_LENGTH + length) return null;
    const raw = q.take(HANDSHAKE_HEADER_LENGTH + length);
    return { type, body: raw.subarray(HANDSHAKE_HEADER_LENGTH), raw };
  }
}
