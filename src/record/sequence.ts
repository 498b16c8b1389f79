import { ErrorCode, TlsError } from '../errors.js';

/**
 * A 64-bit record sequence number kept as two uint32 halves (no bigint on the hot path).
 * RFC 8446 §5.3 / RFC 5246 §6.1: it MUST NOT wrap; the record after 2^64 - 1 is refused
 * (the connection must rekey or close before that).
 */
export class SequenceNumber {
  private hi: number;
  private lo: number;
  private exhausted = false;

  constructor(initial: bigint = 0n) {
    if (initial < 0n || initial > 0xffff_ffff_ffff_ffffn) {
      throw new TlsError(ErrorCode.ERR_TLS_INVALID_OPTION, 'sequence number outside 0..2^64-1');
    }
    this.hi = Number(initial >> 32n);
    this.lo = Number(initial & 0xffff_ffffn);
  }

  /** The sequence number the next record will use. */
  get value(): bigint {
    return (BigInt(this.hi) << 32n) | BigInt(this.lo);
  }

  get high(): number {
    return this.hi;
  }
  get low(): number {
    return this.lo;
  }

  /** Throws if every sequence number has been used (RFC 8446 §5.3: never wrap). */
  check(): void {
    if (this.exhausted) {
      throw new TlsError(
        ErrorCode.ERR_TLS_LIMIT_EXCEEDED,
        'record sequence number would wrap: the key must be updated or the connection closed (RFC 8446 §5.3)',
      );
    }
  }

  /** Moves to the next value after a record was protected or accepted. */
  increment(): void {
    if (this.lo === 0xffff_ffff) {
      if (this.hi === 0xffff_ffff) {
        this.exhausted = true;
        return;
      }
      this.lo = 0;
      this.hi++;
    } else {
      this.lo++;
    }
  }

  /** Writes the 8-byte big-endian value into `out` at `at`. */
  writeTo(out: Uint8Array, at: number): void {
    const hi = this.hi;
    const lo = this.lo;
    out[at] = hi >>> 24;
    out[at + 1] = hi >>> 16;
    out[at + 2] = hi >>> 8;
    out[at + 3] = hi;
    out[at + 4] = lo >>> 24;
    out[at + 5] = lo >>> 16;
    out[at + 6] = lo >>> 8;
    out[at + 7] = lo;
  }

  /**
   * nonce = iv XOR (seq left-padded to iv.length) (RFC 8446 §5.3, RFC 7905 §2), written into
   * `nonce` (same length as `iv`, at least 8).
   */
  xorInto(iv: Uint8Array, nonce: Uint8Array): void {
    const n = iv.length;
    const hi = this.hi;
    const lo = this.lo;
    nonce[n - 8] = iv[n - 8]! ^ (hi >>> 24);
    nonce[n - 7] = iv[n - 7]! ^ ((hi >>> 16) & 0xff);
    nonce[n - 6] = iv[n - 6]! ^ ((hi >>> 8) & 0xff);
    nonce[n - 5] = iv[n - 5]! ^ (hi & 0xff);
    nonce[n - 4] = iv[n - 4]! ^ (lo >>> 24);
    nonce[n - 3] = iv[n - 3]! ^ ((lo >>> 16) & 0xff);
    nonce[n - 2] = iv[n - 2]! ^ ((lo >>> 8) & 0xff);
    nonce[n - 1] = iv[n - 1]! ^ (lo & 0xff);
  }
}
