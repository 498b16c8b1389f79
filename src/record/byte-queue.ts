import { workCounters } from '../wire/work.js';

/**
 * A FIFO of byte chunks used by the deframer and the handshake reassembler.
 *
 * Chunks are kept by reference (push never copies). `take(n)` returns a view when the `n` bytes
 * lie inside one chunk, and otherwise copies them exactly once into a fresh array. Peeking a
 * few header bytes walks at most a handful of chunks. Together this keeps the cost linear in
 * the number of bytes, however the stream is split.
 */
export class ByteQueue {
  private chunks: Uint8Array[] = [];
  /** Index of the first live chunk in `chunks`. */
  private head = 0;
  /** Bytes of `chunks[head]` already consumed. */
  private headOffset = 0;
  private total = 0;

  /** Number of buffered (unconsumed) bytes. */
  get length(): number {
    return this.total;
  }

  /** Appends a chunk by reference. The caller must not modify it afterwards. */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.total += chunk.length;
  }

  /** The byte at `index` (0-based from the front); the caller checks `index < length`. */
  peek(index: number): number {
    let i = index;
    let c = this.head;
    let off = this.headOffset;
    for (;;) {
      workCounters.queueChunkSteps++;
      const chunk = this.chunks[c]!;
      const avail = chunk.length - off;
      if (i < avail) return chunk[off + i]!;
      i -= avail;
      c++;
      off = 0;
    }
  }

  /** Removes and returns the first `n` bytes (`n <= length`): a view if contiguous, else one copy. */
  take(n: number): Uint8Array {
    if (n === 0) return new Uint8Array(0);
    const first = this.chunks[this.head]!;
    const avail = first.length - this.headOffset;
    if (n <= avail) {
      const view = first.subarray(this.headOffset, this.headOffset + n);
      this.advanceWithin(first, n);
      return view;
    }
    const out = new Uint8Array(n);
    workCounters.queueBytesCopied += n;
    let at = 0;
    while (at < n) {
      const chunk = this.chunks[this.head]!;
      const have = chunk.length - this.headOffset;
      const want = Math.min(have, n - at);
      out.set(chunk.subarray(this.headOffset, this.headOffset + want), at);
      at += want;
      this.advanceWithin(chunk, want);
    }
    return out;
  }

  /** Drops everything. */
  clear(): void {
    this.chunks = [];
    this.head = 0;
    this.headOffset = 0;
    this.total = 0;
  }

  private advanceWithin(chunk: Uint8Array, n: number): void {
    this.total -= n;
    this.headOffset += n;
    if (this.headOffset === chunk.length) {
      this.chunks[this.head] = EMPTY; // release the reference early
      this.head++;
      this.headOffset = 0;
      if (this.head === this.chunks.length) {
        this.chunks.length = 0;
        this.head = 0;
      } else if (this.head >= 1024 && this.head * 2 >= this.chunks.length) {
        // Amortised O(1): compact only when the dead prefix dominates.
        workCounters.queueChunkSteps += this.chunks.length - this.head;
        this.chunks = this.chunks.slice(this.head);
        this.head = 0;
      }
    }
  }
}

const EMPTY = new Uint8Array(0);
