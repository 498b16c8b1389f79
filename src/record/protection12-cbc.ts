/**
 * TLS 1.2 record protection for the legacy CBC suites (RFC 5246 §6.2.3.2): an explicit random IV
 * per record, HMAC over seq_num || type || version || length || content (§6.2.3.1), then
 * MAC-then-encrypt by default, or encrypt-then-MAC when negotiated (RFC 7366 §3).
 *
 * Lucky13 (MAC-then-encrypt receive path): padding and MAC failures are the same error
 * (bad_record_mac, RFC 5246 §6.2.3.2 / §7.2.2); the padding is checked over the last 256 bytes
 * whatever the padding length says; the received MAC is extracted without secret-dependent
 * indices; and besides the real HMAC a dummy HMAC runs over the bytes the padding removed, so
 * the hash work is (to within one compression block) the same for every padding length.
 * Residual risk, stated honestly: HMAC runs in OpenSSL through node:crypto, whose per-call cost
 * dominates and is not data-independent to the nanosecond; the ±1 block rounding and the JS
 * engine's own timing are not controlled. Prefer the AEAD suites, or encrypt_then_mac.
 */
import { ErrorCode, TlsError, internalError } from '../errors.js';
import type { CbcKey, CryptoProvider } from '../crypto/provider.js';
import { HASH_LENGTH } from '../crypto/provider.js';
import { ContentType, ProtocolVersion } from '../registry/codepoints.js';
import { constantTimeEqual } from '../wire/bytes.js';
import { RECORD_HEADER_LENGTH } from './deframer.js';
import { SequenceNumber } from './sequence.js';
import { checkRecordHeader, RecordState12, type Plaintext12, type RecordProtection12Options } from './protection12.js';

/** AES block size = record_iv_length for the CBC suites (RFC 5246 §6.2.3.2). */
export const CBC_BLOCK = 16;

export interface CbcParams {
  readonly provider: CryptoProvider;
  readonly cipher: CbcKey;
  readonly mac: 'sha1' | 'sha256';
  readonly macKey: Uint8Array;
  /** RFC 7366: encrypt_then_mac negotiated. */
  readonly encryptThenMac: boolean;
}

/** RFC 5246 §6.2.3.1: the MAC input header seq_num || type || version || length (13 bytes), then `body`. */
function macInput(seq: SequenceNumber, type: number, version: number, body: Uint8Array, bodyLength: number): Uint8Array {
  const out = new Uint8Array(13 + body.length);
  seq.writeTo(out, 0);
  out[8] = type;
  out[9] = version >>> 8;
  out[10] = version & 0xff;
  out[11] = bodyLength >>> 8;
  out[12] = bodyLength & 0xff;
  out.set(body, 13);
  return out;
}

const badRecordMac = (): TlsError => new TlsError(ErrorCode.ERR_TLS_BAD_RECORD_MAC, 'record authentication failed');

/** Protects outgoing TLS 1.2 records with AES-CBC and HMAC. */
export class RecordSealerCbc12 extends RecordState12 {
  private readonly version: number;
  private readonly macLength: number;

  constructor(
    private readonly params: CbcParams,
    options: RecordProtection12Options = {},
  ) {
    super(options);
    this.version = options.version ?? ProtocolVersion.TLS1_2;
    this.macLength = HASH_LENGTH[params.mac];
  }

  /** Returns the complete record: header || IV || ciphertext [|| MAC with encrypt_then_mac]. */
  seal(contentType: number, content: Uint8Array): Uint8Array {
    if (content.length > this.maxPlain) throw internalError(`record plaintext of ${content.length} bytes exceeds the limit ${this.maxPlain}`);
    // RFC 5246 §6.2.1: zero-length Handshake, Alert or ChangeCipherSpec fragments MUST NOT be sent.
    if (content.length === 0 && contentType !== ContentType.application_data) throw internalError('zero-length handshake/alert/change_cipher_spec record cannot be sent');
    this.seq.check(); // RFC 5246 §6.1: sequence numbers MUST NOT wrap.
    const { provider, cipher, mac, macKey, encryptThenMac } = this.params;
    // RFC 5246 §6.2.3.2: a fresh unpredictable IV for every record.
    const iv = provider.randomBytes(CBC_BLOCK);
    const macInBlock = encryptThenMac ? 0 : this.macLength;
    // padding_length + 1 bytes of value padding_length make the plaintext a multiple of the block size (minimal padding).
    const padLength = (CBC_BLOCK - ((content.length + macInBlock + 1) % CBC_BLOCK)) % CBC_BLOCK;
    const plain = new Uint8Array(content.length + macInBlock + padLength + 1);
    plain.set(content, 0);
    if (!encryptThenMac) plain.set(provider.hmac(mac, macKey, macInput(this.seq, contentType, this.version, content, content.length)), content.length);
    plain.fill(padLength, content.length + macInBlock);
    const ciphertext = cipher.encrypt(iv, plain);
    if (ciphertext.length !== plain.length) throw internalError('unexpected CBC output length');
    const length = CBC_BLOCK + ciphertext.length + (encryptThenMac ? this.macLength : 0);
    const out = new Uint8Array(RECORD_HEADER_LENGTH + length);
    out[0] = contentType;
    out[1] = this.version >>> 8;
    out[2] = this.version & 0xff;
    out[3] = length >>> 8;
    out[4] = length & 0xff;
    out.set(iv, RECORD_HEADER_LENGTH);
    out.set(ciphertext, RECORD_HEADER_LENGTH + CBC_BLOCK);
    if (encryptThenMac) {
      // RFC 7366 §3: MAC(MAC_write_key, seq_num || type || version || length || IV || ENC(content || padding)).
      const ivAndCiphertext = out.subarray(RECORD_HEADER_LENGTH, RECORD_HEADER_LENGTH + CBC_BLOCK + ciphertext.length);
      const tag = provider.hmac(mac, macKey, macInput(this.seq, contentType, this.version, ivAndCiphertext, ivAndCiphertext.length));
      out.set(tag, RECORD_HEADER_LENGTH + CBC_BLOCK + ciphertext.length);
    }
    this.seq.increment();
    return out;
  }
}

/** 0xff when x == 0 (x a small non-negative int), else 0, without a branch. */
function ctZero(x: number): number {
  return ((((x | 0) - 1) >>> 31) & 1) * 0xff;
}

/** 0xff when a < b (small non-negative ints), else 0. */
function ctLess(a: number, b: number): number {
  return (((a - b) >>> 31) & 1) * 0xff;
}

/** Deprotects incoming TLS 1.2 CBC records; every failure is bad_record_mac. */
export class RecordOpenerCbc12 extends RecordState12 {
  private readonly macLength: number;

  constructor(
    private readonly params: CbcParams,
    options: RecordProtection12Options = {},
  ) {
    super(options);
    this.macLength = HASH_LENGTH[params.mac];
  }

  open(header: Uint8Array, fragment: Uint8Array): Plaintext12 {
    checkRecordHeader(header, fragment);
    this.seq.check(); // RFC 5246 §6.1: never wrap.
    const type = header[0]!;
    const version = (header[1]! << 8) | header[2]!;
    const content = this.params.encryptThenMac ? this.openEtm(type, version, fragment) : this.openMte(type, version, fragment);
    // RFC 5246 §6.2.1 / RFC 8449 §4: plaintext above the limit → record_overflow.
    if (content.length > this.maxPlain) {
      throw new TlsError(ErrorCode.ERR_TLS_RECORD_OVERFLOW, `record plaintext of ${content.length} bytes exceeds the limit ${this.maxPlain}`, { field: 'TLSCiphertext.length' });
    }
    this.seq.increment();
    return { type, content };
  }

  /** RFC 7366 §3: the MAC over IV || ciphertext is checked before anything is decrypted. */
  private openEtm(type: number, version: number, fragment: Uint8Array): Uint8Array {
    const { provider, cipher, mac, macKey } = this.params;
    const m = this.macLength;
    const encLength = fragment.length - m;
    // lengths are public: IV plus at least one block, whole blocks (RFC 5246 §6.2.3.2)
    if (encLength < 2 * CBC_BLOCK || encLength % CBC_BLOCK !== 0) throw badRecordMac();
    const ivAndCiphertext = fragment.subarray(0, encLength);
    const expected = provider.hmac(mac, macKey, macInput(this.seq, type, version, ivAndCiphertext, encLength));
    // RFC 7366 §3: a MAC that does not verify → bad_record_mac, before decryption.
    if (!constantTimeEqual(expected, fragment.subarray(encLength))) throw badRecordMac();
    const plain = cipher.decrypt(fragment.subarray(0, CBC_BLOCK), fragment.subarray(CBC_BLOCK, encLength));
    const padLength = plain[plain.length - 1]!;
    // the padding is authenticated here, so checking it with branches leaks nothing new; still bad_record_mac (RFC 7366 §3).
    if (padLength + 1 > plain.length) throw badRecordMac();
    let bad = 0;
    for (let i = plain.length - 1 - padLength; i < plain.length; i++) bad |= plain[i]! ^ padLength;
    if (bad !== 0) throw badRecordMac();
    return plain.slice(0, plain.length - 1 - padLength);
  }

  /** RFC 5246 §6.2.3.2 MAC-then-encrypt, with the Lucky13 countermeasures described above. */
  private openMte(type: number, version: number, fragment: Uint8Array): Uint8Array {
    const { provider, cipher, mac, macKey } = this.params;
    const m = this.macLength;
    const minCipher = Math.ceil((m + 1) / CBC_BLOCK) * CBC_BLOCK;
    // public length checks: IV plus whole blocks that can hold the MAC and the padding byte
    if (fragment.length < CBC_BLOCK + minCipher || (fragment.length - CBC_BLOCK) % CBC_BLOCK !== 0) throw badRecordMac();
    const plain = cipher.decrypt(fragment.subarray(0, CBC_BLOCK), fragment.subarray(CBC_BLOCK));
    const n = plain.length;
    const padLength = plain[n - 1]!;
    // good = 0xff when padLength + 1 + m ≤ n
    let good = ~ctLess(n - m - 1, padLength) & 0xff;
    // RFC 5246 §6.2.3.2: every padding byte equals padding_length; scan the last 256 bytes always.
    const scan = Math.min(256, n);
    for (let i = 1; i <= scan; i++) {
      const inPad = ~ctLess(padLength, i - 1) & 0xff; // i - 1 ≤ padLength
      good &= ~(inPad & ~ctZero(plain[n - i]! ^ padLength)) & 0xff;
    }
    // invalid padding: continue as if there were none (RFC 5246 §6.2.3.2 timing note)
    const mask = -(good & 1);
    const effPad = padLength & mask;
    const contentLength = n - m - 1 - effPad;
    const maxContent = n - m - 1;
    // the received MAC at plain[contentLength .. +m], gathered without secret indices: rotate into place
    const rotated = new Uint8Array(m);
    const scanStart = Math.max(0, maxContent - 255);
    for (let i = scanStart; i < n - 1; i++) {
      const inMac = ~ctLess(i, contentLength) & ctLess(i, contentLength + m) & 0xff;
      rotated[(i - scanStart) % m]! |= plain[i]! & inMac;
    }
    const shift = (contentLength - scanStart) % m;
    const received = new Uint8Array(m);
    for (let j = 0; j < m; j++) {
      let b = 0;
      for (let k = 0; k < m; k++) b |= rotated[k]! & ctZero(k ^ ((j + shift) % m));
      received[j] = b;
    }
    // the real MAC, and a dummy HMAC over the bytes the padding removed so the hash work does not depend on it
    const expected = provider.hmac(mac, macKey, macInput(this.seq, type, version, plain.subarray(0, contentLength), contentLength));
    provider.hmac(mac, macKey, plain.subarray(0, maxContent - contentLength));
    const macOk = constantTimeEqual(expected, received);
    // RFC 5246 §6.2.3.2 / §7.2.2: padding and MAC failures are one alert, bad_record_mac.
    if (!macOk || (good & 1) === 0) throw badRecordMac();
    return plain.slice(0, contentLength);
  }
}
