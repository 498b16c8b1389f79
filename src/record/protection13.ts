import { ErrorCode, TlsError, internalError, unexpectedMessage } from '../errors.js';
import { AEAD_NONCE_LENGTH, AEAD_TAG_LENGTH, type AeadKey } from '../crypto/provider.js';
import { ContentType } from '../registry/codepoints.js';
import { RECORD_HEADER_LENGTH } from './deframer.js';
import { SequenceNumber } from './sequence.js';

/** RFC 8446 §5.4: the full TLSInnerPlaintext MUST NOT exceed 2^14 + 1 octets. */
export const MAX_INNER_PLAINTEXT_LENGTH = (1 << 14) + 1;

export interface RecordProtection13Options {
  /** First sequence number (tests only; RFC 8446 §5.3 says it starts at 0 for every key). */
  readonly initialSequence?: bigint;
  /**
   * Largest TLSInnerPlaintext (content + type byte + padding). Default 2^14 + 1 (RFC 8446 §5.4).
   * Sealer: the peer's record_size_limit; opener: our advertised record_size_limit (RFC 8449 §4).
   */
  readonly maxInnerPlaintext?: number;
}

/** A deprotected TLS 1.3 record: the real content type and content (a view, padding removed). */
export interface InnerPlaintext {
  readonly type: number;
  readonly content: Uint8Array;
}

function checkIv(iv: Uint8Array): void {
  if (iv.length !== AEAD_NONCE_LENGTH) throw internalError(`TLS 1.3 write_iv must be ${AEAD_NONCE_LENGTH} bytes, got ${iv.length}`);
}

function checkLimit(n: number): number {
  // RFC 8449 §4: 64 is the smallest record_size_limit; 2^14 + 1 the TLS 1.3 maximum.
  if (!Number.isInteger(n) || n < 1 || n > MAX_INNER_PLAINTEXT_LENGTH) {
    throw new TlsError(ErrorCode.ERR_TLS_INVALID_OPTION, `maxInnerPlaintext ${n} outside 1..${MAX_INNER_PLAINTEXT_LENGTH}`);
  }
  return n;
}

/**
 * Protects outgoing TLS 1.3 records with one traffic key (RFC 8446 §5.2–§5.4). A new sealer is
 * made for every key change, so the sequence number starts at 0 (§5.3).
 *
 * @example
 * const sealer = new RecordSealer13(provider.aead('aes-128-gcm', key), iv);
 * const record = sealer.seal(ContentType.application_data, data);
 */
export class RecordSealer13 {
  private readonly seq: SequenceNumber;
  private readonly nonce = new Uint8Array(AEAD_NONCE_LENGTH);
  private readonly aad = new Uint8Array(RECORD_HEADER_LENGTH);
  /** Reused argument arrays (no per-record garbage). */
  private readonly scratch: Uint8Array[] = [EMPTY];
  private readonly parts: Uint8Array[] = [];
  private maxInner: number;

  constructor(
    private readonly key: AeadKey,
    private readonly iv: Uint8Array,
    options: RecordProtection13Options = {},
  ) {
    checkIv(iv);
    this.seq = new SequenceNumber(options.initialSequence ?? 0n);
    this.maxInner = checkLimit(options.maxInnerPlaintext ?? MAX_INNER_PLAINTEXT_LENGTH);
    this.nonce.set(iv);
    // RFC 8446 §5.2: opaque_type = application_data(23), legacy_record_version = 0x0303.
    this.aad[0] = ContentType.application_data;
    this.aad[1] = 0x03;
    this.aad[2] = 0x03;
  }

  /** The sequence number of the next record (RFC 8446 §5.3). */
  get sequenceNumber(): bigint {
    return this.seq.value;
  }

  /** Largest TLSInnerPlaintext this sealer will produce. */
  get maxInnerPlaintext(): number {
    return this.maxInner;
  }

  /** Applies the peer's record_size_limit (RFC 8449 §4: covers type byte and padding). */
  setMaxInnerPlaintext(n: number): void {
    this.maxInner = checkLimit(n);
  }

  /** Largest content that fits one record with `padding` zero bytes. */
  maxContentLength(padding = 0): number {
    return Math.max(0, this.maxInner - 1 - padding);
  }

  /** Bytes on the wire of one record carrying `contentLength` bytes and `padding` zeros. */
  static recordLength(contentLength: number, padding = 0): number {
    return RECORD_HEADER_LENGTH + contentLength + 1 + padding + AEAD_TAG_LENGTH;
  }

  /**
   * Returns the complete record: header (23, 0x0303, length) || AEAD(content || type || zeros).
   * Throws internal_error when the inner plaintext would exceed the limit (fragment first).
   */
  seal(contentType: number, content: Uint8Array, padding = 0): Uint8Array {
    const out = new Uint8Array(RecordSealer13.recordLength(content.length, padding));
    this.scratch[0] = content;
    const end = this.sealParts(contentType, this.scratch, 1, content.length, out, 0, padding);
    this.scratch[0] = EMPTY;
    if (end !== out.length) throw internalError(`record of ${end} bytes, expected ${out.length}`);
    return out;
  }

  /**
   * Seals one record whose content is the concatenation of `parts` (no copy of them is made)
   * into `out` at `offset`, which must have `recordLength(total, padding)` bytes free. Returns
   * the offset just past the record. Same checks and bytes as `seal`.
   */
  sealInto(contentType: number, parts: readonly Uint8Array[], out: Uint8Array, offset: number, padding = 0): number {
    let contentLength = 0;
    for (const p of parts) contentLength += p.length;
    return this.sealParts(contentType, parts, parts.length, contentLength, out, offset, padding);
  }

  private sealParts(
    contentType: number,
    parts: readonly Uint8Array[],
    count: number,
    contentLength: number,
    out: Uint8Array,
    offset: number,
    padding: number,
  ): number {
    if (!Number.isInteger(padding) || padding < 0) throw internalError(`invalid padding ${padding}`);
    const innerLength = contentLength + 1 + padding;
    // RFC 8446 §5.4 and RFC 8449 §4: the limit covers content, type and padding.
    if (innerLength > this.maxInner) {
      throw internalError(`TLSInnerPlaintext of ${innerLength} bytes exceeds the limit ${this.maxInner}`);
    }
    // RFC 8446 §5.4: Handshake and Alert records MUST NOT have zero-length content.
    if (contentLength === 0 && (contentType === ContentType.handshake || contentType === ContentType.alert)) {
      throw internalError('zero-length handshake or alert content cannot be sent');
    }
    if (!Number.isInteger(contentType) || contentType <= 0 || contentType > 0xff) throw internalError(`invalid inner content type ${contentType}`);
    const length = innerLength + AEAD_TAG_LENGTH;
    if (offset < 0 || out.length - offset < RECORD_HEADER_LENGTH + length) {
      throw internalError(`no room for a record of ${RECORD_HEADER_LENGTH + length} bytes`);
    }
    this.seq.check(); // RFC 8446 §5.3: never wrap.

    // RFC 8446 §5.2: the header is also the AAD.
    const aad = this.aad;
    aad[3] = length >>> 8;
    aad[4] = length & 0xff;
    this.seq.xorInto(this.iv, this.nonce);
    // TLSInnerPlaintext = content || type || zeros[padding] (RFC 8446 §5.2); the content parts
    // are encrypted where they lie, the type byte and padding follow as one more part.
    const trailer = padding === 0 && contentType < TRAILERS.length ? TRAILERS[contentType]! : trailerOf(contentType, padding);
    const key = this.key;
    let end: number;
    if (key.sealInto !== undefined) {
      const all = this.parts;
      all.length = 0;
      for (let i = 0; i < count; i++) all.push(parts[i]!);
      all.push(trailer);
      end = key.sealInto(this.nonce, aad, all, out, offset + RECORD_HEADER_LENGTH);
      all.length = 0;
    } else {
      // a provider without the fast path: build the inner plaintext, seal, copy
      const inner = new Uint8Array(innerLength);
      let at = 0;
      for (let i = 0; i < count; i++) {
        inner.set(parts[i]!, at);
        at += parts[i]!.length;
      }
      inner.set(trailer, at);
      const sealed = key.seal(this.nonce, aad, inner);
      out.set(sealed, offset + RECORD_HEADER_LENGTH);
      end = offset + RECORD_HEADER_LENGTH + sealed.length;
    }
    if (end !== offset + RECORD_HEADER_LENGTH + length) {
      throw internalError(`AEAD output of ${end - offset - RECORD_HEADER_LENGTH} bytes, expected ${length}`);
    }
    out.set(aad, offset);
    this.seq.increment();
    return end;
  }
}

const EMPTY = new Uint8Array(0);
/** The one-byte trailers (inner content type, no padding) of the content types, shared. */
const TRAILERS: readonly Uint8Array[] = Array.from({ length: ContentType.application_data + 1 }, (_, t) => Uint8Array.of(t));

function trailerOf(contentType: number, padding: number): Uint8Array {
  const t = new Uint8Array(1 + padding);
  t[0] = contentType;
  return t;
}

/**
 * Deprotects incoming TLS 1.3 records (RFC 8446 §5.2–§5.4). The sequence number advances only
 * when a record is accepted; any failure is fatal to the connection.
 */
export class RecordOpener13 {
  private readonly seq: SequenceNumber;
  private readonly nonce = new Uint8Array(AEAD_NONCE_LENGTH);
  private maxInner: number;

  constructor(
    private readonly key: AeadKey,
    private readonly iv: Uint8Array,
    options: RecordProtection13Options = {},
  ) {
    checkIv(iv);
    this.seq = new SequenceNumber(options.initialSequence ?? 0n);
    this.maxInner = checkLimit(options.maxInnerPlaintext ?? MAX_INNER_PLAINTEXT_LENGTH);
    this.nonce.set(iv);
  }

  /** The sequence number the next record must carry (RFC 8446 §5.3). */
  get sequenceNumber(): bigint {
    return this.seq.value;
  }

  get maxInnerPlaintext(): number {
    return this.maxInner;
  }

  /** Applies our own advertised record_size_limit (RFC 8449 §4). */
  setMaxInnerPlaintext(n: number): void {
    this.maxInner = checkLimit(n);
  }

  /**
   * `header` is the 5-byte record header as received (it is the AAD), `ciphertext` the
   * encrypted_record. Returns the inner content type and the content without padding.
   */
  open(header: Uint8Array, ciphertext: Uint8Array): InnerPlaintext {
    if (header.length !== RECORD_HEADER_LENGTH || ((header[3]! << 8) | header[4]!) !== ciphertext.length) {
      throw internalError('record header does not match the ciphertext length');
    }
    // RFC 8446 §5.2: opaque_type is always 23; §5: a protected change_cipher_spec (or any other
    // outer type) MUST be answered with unexpected_message.
    if (header[0] !== ContentType.application_data) {
      throw unexpectedMessage(`protected record with outer content type ${header[0]}, expected 23`);
    }
    // RFC 8446 §5.2 / §5.4 and RFC 8449 §4: TLSInnerPlaintext longer than the limit →
    // record_overflow. The AEADs of RFC 8446 add exactly a 16-byte tag, so this is known now.
    if (ciphertext.length - AEAD_TAG_LENGTH > this.maxInner) {
      throw new TlsError(
        ErrorCode.ERR_TLS_RECORD_OVERFLOW,
        `TLSInnerPlaintext of ${ciphertext.length - AEAD_TAG_LENGTH} bytes exceeds the limit ${this.maxInner}`,
        { field: 'TLSCiphertext.length' },
      );
    }
    if (ciphertext.length < AEAD_TAG_LENGTH) {
      throw new TlsError(ErrorCode.ERR_TLS_BAD_RECORD_MAC, 'record shorter than the AEAD tag');
    }
    this.seq.check(); // RFC 8446 §5.3: never wrap.
    this.seq.xorInto(this.iv, this.nonce);
    const inner = this.key.open(this.nonce, header, ciphertext);
    // RFC 8446 §5.2: decryption failure MUST be answered with bad_record_mac.
    if (inner === null) throw new TlsError(ErrorCode.ERR_TLS_BAD_RECORD_MAC, 'record authentication failed');

    // RFC 8446 §5.4: scan from the end for the first non-zero octet (the content type); only the
    // cleartext returned by the AEAD is scanned. None → unexpected_message.
    let i = inner.length - 1;
    while (i >= 0 && inner[i] === 0) i--;
    if (i < 0) throw unexpectedMessage('protected record has no non-zero content type (all padding)');
    const type = inner[i]!;
    // RFC 8446 §5: unknown or protected change_cipher_spec inner types → unexpected_message.
    if (type !== ContentType.alert && type !== ContentType.handshake && type !== ContentType.application_data) {
      throw unexpectedMessage(`protected record with inner content type ${type}`);
    }
    // RFC 8446 §5.4: zero-length Handshake or Alert content → unexpected_message.
    if (i === 0 && type !== ContentType.application_data) {
      throw unexpectedMessage(`zero-length ${type === ContentType.alert ? 'alert' : 'handshake'} record`);
    }
    this.seq.increment();
    return { type, content: inner.subarray(0, i) };
  }
}
