import { internalError } from '../errors.js';

/**
 * Fix: values that do not fit the field used to be silently truncated (e.g. `u8(256)` wrote 0),
 * so an encoder bug produced well-formed but wrong bytes. They are an internal error now.
 */
function checkUint(v: number, max: number, what: string): void {
  if (!(v >= 0 && v <= max) || Math.floor(v) !== v) throw internalError(`${what} value ${v} out of range`);
}

/** The largest typed array V8 keeps on its heap (flag typed_array_max_size_in_heap). */
const ON_HEAP_MAX = 64;
/** Scratch buffers for writers of up to this initial size; a few are kept for reuse. */
const SCRATCH_SIZE = 4096;
const SCRATCH_KEEP = 8;
const SCRATCH: Uint8Array[] = [];

/**
 * A growable writer. Length-prefixed vectors are written with `vec8/16/24(fn)`, which reserve
 * the prefix and patch it afterwards, so a length can never disagree with its contents.
 *
 * @example
 * const w = new Writer();
 * w.u16(0x0303);
 * w.vec16(() => { w.u16(0x1301); w.u16(0x1302); });
 * const out = w.finish();
 */
export class Writer {
  private buf: Uint8Array;
  private pos = 0;
  /** Whether `buf` is a scratch buffer borrowed from SCRATCH (given back by finish() or when it grows). */
  private scratch: boolean;

  constructor(initialSize = 256) {
    // Up to 64 bytes a typed array lives on the V8 heap (cheap); a larger one has its own
    // backing store (malloc, zero-fill, freed by the GC): messages are written into a reused
    // scratch buffer instead and copied out once, sized exactly, by finish().
    if (initialSize > ON_HEAP_MAX && initialSize <= SCRATCH_SIZE) {
      this.buf = SCRATCH.pop() ?? new Uint8Array(SCRATCH_SIZE);
      this.scratch = true;
    } else {
      this.buf = new Uint8Array(initialSize);
      this.scratch = false;
    }
  }

  get length(): number {
    return this.pos;
  }

  private ensure(n: number): void {
    const needed = this.pos + n;
    if (needed <= this.buf.length) return;
    // Fix: a Writer created with initialSize 0 used to loop forever here (0 * 2 === 0).
    let size = Math.max(this.buf.length * 2, 16);
    while (size < needed) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.release();
    this.buf = next;
  }

  /** Gives the scratch buffer back (its old bytes stay unread: only [0, pos) of a buffer is ever copied out). */
  private release(): void {
    if (!this.scratch) return;
    this.scratch = false;
    if (SCRATCH.length < SCRATCH_KEEP) SCRATCH.push(this.buf);
  }

  u8(v: number): this {
    checkUint(v, 0xff, 'u8');
    this.ensure(1);
    this.buf[this.pos++] = v;
    return this;
  }
  u16(v: number): this {
    checkUint(v, 0xffff, 'u16');
    this.ensure(2);
    const b = this.buf;
    b[this.pos++] = v >>> 8;
    b[this.pos++] = v;
    return this;
  }
  u24(v: number): this {
    checkUint(v, 0xffffff, 'u24');
    this.ensure(3);
    const b = this.buf;
    b[this.pos++] = v >>> 16;
    b[this.pos++] = v >>> 8;
    b[this.pos++] = v;
    return this;
  }
  u32(v: number): this {
    checkUint(v, 0xffffffff, 'u32');
    this.ensure(4);
    const b = this.buf;
    b[this.pos++] = v >>> 24;
    b[this.pos++] = v >>> 16;
    b[this.pos++] = v >>> 8;
    b[this.pos++] = v;
    return this;
  }
  u64(v: bigint): this {
    if (v < 0n || v > 0xffffffffffffffffn) throw internalError(`u64 value out of range`);
    this.ensure(8);
    // two 32-bit halves: two BigInt operations instead of three per byte
    const hi = Number(v >> 32n);
    const lo = Number(v & 0xffffffffn);
    const b = this.buf;
    b[this.pos++] = hi >>> 24;
    b[this.pos++] = hi >>> 16;
    b[this.pos++] = hi >>> 8;
    b[this.pos++] = hi;
    b[this.pos++] = lo >>> 24;
    b[this.pos++] = lo >>> 16;
    b[this.pos++] = lo >>> 8;
    b[this.pos++] = lo;
    return this;
  }
  bytes(data: Uint8Array): this {
    this.ensure(data.length);
    this.buf.set(data, this.pos);
    this.pos += data.length;
    return this;
  }

  /** Opaque vectors with a 1/2/3-byte length prefix. */
  opaque8(data: Uint8Array): this {
    return this.vec8(() => this.bytes(data));
  }
  opaque16(data: Uint8Array): this {
    return this.vec16(() => this.bytes(data));
  }
  opaque24(data: Uint8Array): this {
    return this.vec24(() => this.bytes(data));
  }

  vec8(body: () => unknown): this {
    return this.prefixed(1, 0xff, body);
  }
  vec16(body: () => unknown): this {
    return this.prefixed(2, 0xffff, body);
  }
  vec24(body: () => unknown): this {
    return this.prefixed(3, 0xffffff, body);
  }

  private prefixed(width: number, max: number, body: () => unknown): this {
    this.ensure(width);
    const at = this.pos;
    this.pos += width;
    body();
    const len = this.pos - at - width;
    if (len > max) throw internalError(`vector of ${len} bytes does not fit a ${width}-byte length`);
    const b = this.buf;
    if (width === 3) b[at] = len >>> 16;
    if (width >= 2) b[at + width - 2] = len >>> 8;
    b[at + width - 1] = len;
    return this;
  }

  /** The bytes written so far (a copy sized exactly). The writer may go on writing after it. */
  finish(): Uint8Array {
    const out = this.buf.slice(0, this.pos);
    if (this.scratch) {
      this.release();
      // later writes (if any) continue after a copy, never in the scratch buffer given back
      this.buf = out;
    }
    return out;
  }
}
