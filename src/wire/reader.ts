import { decodeError, internalError } from '../errors.js';
import { fromUtf8 } from './bytes.js';

/** One field read by a traced Reader: its RFC name and its byte range in the root buffer. */
export interface FieldSpan {
  readonly field: string;
  readonly start: number;
  readonly end: number;
  readonly depth: number;
}

/** Receives every field a Reader reads, when tracing is on (see `Reader.traced`). */
export type TraceSink = (span: FieldSpan) => void;

/**
 * A bounded, strict reader over a Uint8Array. Every read names the field it reads (the RFC
 * name, e.g. `ClientHello.legacy_version`); the name appears in errors and, when a trace sink is
 * attached, in the byte-by-byte explanation. Reading past the end is a `decode_error`, and
 * `end()` rejects trailing bytes.
 *
 * @example
 * const r = new Reader(bytes);
 * const version = r.u16('ClientHello.legacy_version');
 * const random = r.bytes(32, 'ClientHello.random');
 * r.end('ClientHello');
 */
export class Reader {
  private pos: number;
  private readonly limit: number;

  constructor(
    readonly buf: Uint8Array,
    start = 0,
    end = buf.length,
    private readonly sink: TraceSink | null = null,
    private readonly depth = 0,
  ) {
    this.pos = start;
    this.limit = end;
  }

  /** A reader that reports every field to `sink`. */
  static traced(buf: Uint8Array, sink: TraceSink): Reader {
    return new Reader(buf, 0, buf.length, sink, 0);
  }

  get offset(): number {
    return this.pos;
  }
  get remaining(): number {
    return this.limit - this.pos;
  }
  get atEnd(): boolean {
    return this.pos === this.limit;
  }

  private need(n: number, field: string): number {
    const at = this.pos;
    // Fix: a negative or fractional count used to move the cursor backwards (or to NaN).
    if (!(n >= 0) || Math.floor(n) !== n) throw internalError(`${field}: invalid byte count ${n}`);
    if (n > this.limit - at) {
      throw decodeError(`${field}: needs ${n} byte(s), ${this.limit - at} left`, field);
    }
    this.pos = at + n;
    if (this.sink !== null) this.sink({ field, start: at, end: at + n, depth: this.depth });
    return at;
  }

  u8(field: string): number {
    const at = this.need(1, field);
    return this.buf[at] as number;
  }
  u16(field: string): number {
    const at = this.need(2, field);
    const b = this.buf;
    return ((b[at] as number) << 8) | (b[at + 1] as number);
  }
  u24(field: string): number {
    const at = this.need(3, field);
    const b = this.buf;
    return ((b[at] as number) << 16) | ((b[at + 1] as number) << 8) | (b[at + 2] as number);
  }
  u32(field: string): number {
    const at = this.need(4, field);
    const b = this.buf;
    return ((b[at] as number) * 0x1000000 + (((b[at + 1] as number) << 16) | ((b[at + 2] as number) << 8) | (b[at + 3] as number)));
  }
  u64(field: string): bigint {
    const at = this.need(8, field);
    const b = this.buf;
    // two 32-bit halves: three BigInt operations instead of two per byte
    const hi = ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
    const lo = ((b[at + 4]! << 24) | (b[at + 5]! << 16) | (b[at + 6]! << 8) | b[at + 7]!) >>> 0;
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** `n` raw bytes (a view, not a copy). */
  bytes(n: number, field: string): Uint8Array {
    const at = this.need(n, field);
    return this.buf.subarray(at, at + n);
  }

  /** Everything that is left (a view). */
  rest(field: string): Uint8Array {
    return this.bytes(this.remaining, field);
  }

  /** An opaque vector with a 1-, 2- or 3-byte length prefix (RFC 8446 §3.4), bounded by min/max. */
  vec8(field: string, min = 0, max = 0xff): Uint8Array {
    return this.vector(this.u8(field + '.length'), field, min, max);
  }
  vec16(field: string, min = 0, max = 0xffff): Uint8Array {
    return this.vector(this.u16(field + '.length'), field, min, max);
  }
  vec24(field: string, min = 0, max = 0xffffff): Uint8Array {
    return this.vector(this.u24(field + '.length'), field, min, max);
  }

  private vector(len: number, field: string, min: number, max: number): Uint8Array {
    if (len < min || len > max) throw decodeError(`${field}: length ${len} outside ${min}..${max}`, field);
    return this.bytes(len, field);
  }

  /** A bounded sub-reader over a length-prefixed vector (1, 2 or 3 length bytes). */
  sub8(field: string, min = 0, max = 0xff): Reader {
    return this.subOf(this.u8(field + '.length'), field, min, max);
  }
  sub16(field: string, min = 0, max = 0xffff): Reader {
    return this.subOf(this.u16(field + '.length'), field, min, max);
  }
  sub24(field: string, min = 0, max = 0xffffff): Reader {
    return this.subOf(this.u24(field + '.length'), field, min, max);
  }

  /** A sub-reader over the next `n` bytes, without a length prefix. */
  sub(n: number, field: string): Reader {
    return this.subOf(n, field, 0, Number.MAX_SAFE_INTEGER);
  }

  private subOf(len: number, field: string, min: number, max: number): Reader {
    if (len < min || len > max) throw decodeError(`${field}: length ${len} outside ${min}..${max}`, field);
    if (Math.floor(len) !== len) throw internalError(`${field}: invalid byte count ${len}`);
    const at = this.pos;
    if (len > this.limit - at) throw decodeError(`${field}: needs ${len} byte(s), ${this.limit - at} left`, field);
    this.pos = at + len;
    if (this.sink !== null) this.sink({ field, start: at, end: at + len, depth: this.depth });
    return new Reader(this.buf, at, at + len, this.sink, this.depth + 1);
  }

  /** Reject trailing bytes: every structure must be consumed exactly. */
  end(field: string): void {
    if (this.pos !== this.limit) throw decodeError(`${field}: ${this.limit - this.pos} trailing byte(s)`, field);
  }
}

/** An optional UTF-8 string in `opaque<0..255>` (empty: none); bytes that are not UTF-8 are decode_error. */
export function readOptionalUtf8(r: Reader, field: string): string | undefined {
  const b = r.vec8(field);
  if (b.length === 0) return undefined;
  try {
    return fromUtf8(b);
  } catch {
    throw decodeError(`${field}: not UTF-8`, field);
  }
}
