import { ErrorCode, TlsError, internalError } from '../errors.js';
import { AEAD_NONCE_LENGTH, AEAD_TAG_LENGTH, type AeadKey } from '../crypto/provider.js';
import { ContentType, ProtocolVersion } from '../registry/codepoints.js';
import { RECORD_HEADER_LENGTH } from './deframer.js';
import { MAX_FRAGMENT_LENGTH } from './fragment.js';
import { SequenceNumber } from './sequence.js';

/** RFC 5288 §3: GCM salt (fixed_iv_length) and nonce_explicit (record_iv_length) sizes. */
export const GCM_SALT_LENGTH = 4;
export const GCM_EXPLICIT_NONCE_LENGTH = 8;

export interface RecordProtection12Options {
  /** The negotiated version written in headers and the AAD; default 0x0303. */
  readonly version?: number;
  /** First sequence number (tests only; RFC 5246 §6.1 starts it at 0 for every key). */
  readonly initialSequence?: bigint;
  /**
   * Largest plaintext per record. Default 2^14 (RFC 5246 §6.2.1). Sealer: the peer's
   * record_size_limit; opener: our advertised record_size_limit (RFC 8449 §4).
   */
  readonly maxPlaintext?: number;
}

/** A deprotected TLS 1.2 record. */
export interface Plaintext12 {
  readonly type: number;
  readonly content: Uint8Array;
}

/** Which TLS 1.2 AEAD construction a key uses. */
type Mode = 'gcm' | 'chacha';

function modeOf(key: AeadKey, iv: Uint8Array): Mode {
  const mode: Mode = key.algorithm === 'chacha20-poly1305' ? 'chacha' : 'gcm';
  // RFC 5288 §3: 4-byte salt; RFC 7905 §2: 12-byte IV.
  const want = mode === 'gcm' ? GCM_SALT_LENGTH : AEAD_NONCE_LENGTH;
  if (iv.length !== want) throw internalError(`${key.algorithm} TLS 1.2 write IV must be ${want} bytes, got ${iv.length}`);
  return mode;
}

function checkLimit(n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > MAX_FRAGMENT_LENGTH) {
    throw new TlsError(ErrorCode.ERR_TLS_INVALID_OPTION, `maxPlaintext ${n} outside 1..${MAX_FRAGMENT_LENGTH}`);
  }
  return n;
}

/**
 * What every TLS 1.2 record sealer and opener (AEAD here, CBC in protection12-cbc.ts) keeps: the
 * record sequence number (RFC 5246 §6.1) and the plaintext limit — the peer's record_size_limit
 * when sealing, our own when opening (RFC 8449 §4).
 */
export abstract class RecordState12 {
  protected readonly seq: SequenceNumber;
  protected maxPlain: number;

  constructor(options: RecordProtection12Options) {
    this.seq = new SequenceNumber(options.initialSequence ?? 0n);
    this.maxPlain = checkLimit(options.maxPlaintext ?? MAX_FRAGMENT_LENGTH);
  }

  /** The sequence number the next record will use. */
  get sequenceNumber(): bigint {
    return this.seq.value;
  }

  get maxPlaintext(): number {
    return this.maxPlain;
  }

  /** Sealer: applies the peer's record_size_limit; opener: our own advertised one (RFC 8449 §4). */
  setMaxPlaintext(n: number): void {
    this.maxPlain = checkLimit(n);
  }
}

/** An opener's input: the 5-byte header as received and a fragment of the length it states. */
export function checkRecordHeader(header: Uint8Array, fragment: Uint8Array): void {
  if (header.length !== RECORD_HEADER_LENGTH || ((header[3]! << 8) | header[4]!) !== fragment.length) {
    throw internalError('record header does not match the fragment length');
  }
}

/**
 * additional_data = seq_num(8) || TLSCompressed.type(1) || TLSCompressed.version(2) ||
 * TLSCompressed.length(2) (RFC 5246 §6.2.3.3), written into a reused 13-byte buffer.
 */
function writeAad(aad: Uint8Array, seq: SequenceNumber, type: number, version: number, length: number): void {
  seq.writeTo(aad, 0);
  aad[8] = type;
  aad[9] = version >>> 8;
  aad[10] = version & 0xff;
  aad[11] = length >>> 8;
  aad[12] = length & 0xff;
}

/**
 * Protects outgoing TLS 1.2 records with an AEAD (RFC 5246 §6.2.3.3): AES-GCM with a 4-byte
 * salt and the sequence number as the 8-byte explicit nonce (RFC 5288 §3), or
 * ChaCha20-Poly1305 with nonce = IV XOR sequence number and no explicit nonce (RFC 7905 §2).
 */
export class RecordSealer12 extends RecordState12 {
  private readonly mode: Mode;
  private readonly nonce = new Uint8Array(AEAD_NONCE_LENGTH);
  private readonly aad = new Uint8Array(13);
  private readonly version: number;

  constructor(
    private readonly key: AeadKey,
    private readonly iv: Uint8Array,
    options: RecordProtection12Options = {},
  ) {
    super(options);
    this.mode = modeOf(key, iv);
    this.version = options.version ?? ProtocolVersion.TLS1_2;
    this.nonce.set(iv); // GCM: the 4-byte salt; ChaCha20: the high 4 bytes never change (seq is 8 bytes)
  }

  /** Returns the complete record: header || [nonce_explicit] || ciphertext || tag. */
  seal(contentType: number, content: Uint8Array): Uint8Array {
    if (content.length > this.maxPlain) {
      throw internalError(`record plaintext of ${content.length} bytes exceeds the limit ${this.maxPlain}`);
    }
    // RFC 5246 §6.2.1: zero-length Handshake, Alert or ChangeCipherSpec fragments MUST NOT be sent.
    if (content.length === 0 && contentType !== ContentType.application_data) {
      throw internalError('zero-length handshake/alert/change_cipher_spec record cannot be sent');
    }
    if (!Number.isInteger(contentType) || contentType < 0 || contentType > 0xff) throw internalError(`invalid content type ${contentType}`);
    this.seq.check(); // RFC 5246 §6.1: sequence numbers MUST NOT wrap.
    writeAad(this.aad, this.seq, contentType, this.version, content.length);
    const explicit = this.mode === 'gcm' ? GCM_EXPLICIT_NONCE_LENGTH : 0;
    if (this.mode === 'gcm') this.seq.writeTo(this.nonce, GCM_SALT_LENGTH); // RFC 5288 §3: nonce_explicit = seq_num
    else this.seq.xorInto(this.iv, this.nonce); // RFC 7905 §2
    const room = RECORD_HEADER_LENGTH + explicit;
    const out = this.key.seal(this.nonce, this.aad, content, room);
    const length = explicit + content.length + AEAD_TAG_LENGTH;
    if (out.length !== RECORD_HEADER_LENGTH + length) throw internalError('unexpected AEAD output length');
    out[0] = contentType;
    out[1] = this.version >>> 8;
    out[2] = this.version & 0xff;
    out[3] = length >>> 8;
    out[4] = length & 0xff;
    if (explicit > 0) out.set(this.nonce.subarray(GCM_SALT_LENGTH), RECORD_HEADER_LENGTH);
    this.seq.increment();
    return out;
  }
}

/** Deprotects incoming TLS 1.2 AEAD records (RFC 5246 §6.2.3.3, RFC 5288 §3, RFC 7905 §2). */
export class RecordOpener12 extends RecordState12 {
  private readonly mode: Mode;
  private readonly nonce = new Uint8Array(AEAD_NONCE_LENGTH);
  private readonly aad = new Uint8Array(13);

  constructor(
    private readonly key: AeadKey,
    private readonly iv: Uint8Array,
    options: RecordProtection12Options = {},
  ) {
    super(options);
    this.mode = modeOf(key, iv);
    this.nonce.set(iv); // GCM: the 4-byte salt; ChaCha20: the high 4 bytes never change (seq is 8 bytes)
  }

  /** `header` is the 5-byte record header as received, `fragment` the record body. */
  open(header: Uint8Array, fragment: Uint8Array): Plaintext12 {
    checkRecordHeader(header, fragment);
    const explicit = this.mode === 'gcm' ? GCM_EXPLICIT_NONCE_LENGTH : 0;
    const plainLength = fragment.length - explicit - AEAD_TAG_LENGTH;
    // RFC 5246 §6.2.3.3: a record too short to hold the nonce and tag cannot authenticate.
    if (plainLength < 0) throw new TlsError(ErrorCode.ERR_TLS_BAD_RECORD_MAC, 'record shorter than the AEAD overhead');
    // RFC 5246 §6.2.1 / §7.2.2 and RFC 8449 §4: plaintext above the limit → record_overflow.
    if (plainLength > this.maxPlain) {
      throw new TlsError(ErrorCode.ERR_TLS_RECORD_OVERFLOW, `record plaintext of ${plainLength} bytes exceeds the limit ${this.maxPlain}`, {
        field: 'TLSCiphertext.length',
      });
    }
    this.seq.check(); // RFC 5246 §6.1: never wrap.
    const type = header[0]!;
    const version = (header[1]! << 8) | header[2]!;
    writeAad(this.aad, this.seq, type, version, plainLength);
    if (this.mode === 'gcm') this.nonce.set(fragment.subarray(0, GCM_EXPLICIT_NONCE_LENGTH), GCM_SALT_LENGTH); // RFC 5288 §3
    else this.seq.xorInto(this.iv, this.nonce); // RFC 7905 §2
    const content = this.key.open(this.nonce, this.aad, fragment.subarray(explicit));
    // RFC 5246 §6.2.3.3: authentication failure → bad_record_mac.
    if (content === null) throw new TlsError(ErrorCode.ERR_TLS_BAD_RECORD_MAC, 'record authentication failed');
    this.seq.increment();
    return { type, content };
  }
}
