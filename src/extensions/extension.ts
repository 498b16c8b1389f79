import { decodeError, illegalParameter, internalError } from '../errors.js';
import { Reader } from '../wire/reader.js';
import type { Writer } from '../wire/writer.js';
import { workCounters } from '../wire/work.js';

/**
 * One extension as it appears in a message (RFC 8446 §4.2): its type and its raw
 * `extension_data`. `data` is a view into the decoded buffer, not a copy.
 */
export interface Extension {
  readonly type: number;
  readonly data: Uint8Array;
}

/** What every decoder accepts: the bytes to decode, or a Reader positioned over exactly them. */
export type DecodeInput = Uint8Array | Reader;

/** A Reader over `input` (a traced Reader passes through, so traces see every field). */
export function readerOf(input: DecodeInput): Reader {
  return input instanceof Reader ? input : new Reader(input);
}

/**
 * Read `Extension extensions<min..2^16-1>` (RFC 8446 §4.2): a u16-length list of
 * `{ ExtensionType extension_type; opaque extension_data<0..2^16-1>; }`.
 * RFC 8446 §4.2: "There MUST NOT be more than one extension of the same type in a given
 * extension block" → illegal_parameter.
 */
export function decodeExtensions(r: Reader, field: string, min = 0, max = 0xffff): Extension[] {
  const list = r.sub16(field, min, max);
  const out: Extension[] = [];
  const typeField = field + '.extension_type';
  const dataField = field + '.extension_data';
  const seen = new SeenSet();
  while (!list.atEnd) {
    const type = list.u16(typeField);
    const data = list.vec16(dataField);
    if (!seen.add(type)) throw illegalParameter(`${field}: duplicate extension type ${type} (RFC 8446 §4.2)`, field);
    out.push({ type, data });
  }
  return out;
}

/**
 * Duplicate detection with bounded work: a linear scan while small (the usual case, no Set
 * allocated), a Set once the list grows (a hostile list of thousands stays O(n)).
 */
export class SeenSet {
  private readonly small: number[] = [];
  private big: Set<number> | null = null;

  /** false when `v` was already added. */
  add(v: number): boolean {
    if (this.big !== null) {
      workCounters.duplicateProbes++;
      if (this.big.has(v)) return false;
      this.big.add(v);
      return true;
    }
    const s = this.small;
    workCounters.duplicateProbes += s.length + 1;
    for (let i = 0; i < s.length; i++) if (s[i] === v) return false;
    s.push(v);
    if (s.length > 16) this.big = new Set(s);
    return true;
  }
}

/** Write the u16-length extension list. */
export function encodeExtensions(w: Writer, exts: readonly Extension[]): void {
  w.vec16(() => {
    for (const e of exts) {
      w.u16(e.type);
      w.opaque16(e.data);
    }
  });
}

/** The first extension of `type`, if any (decoded lists never hold two). */
export function findExtension(exts: readonly Extension[], type: number): Extension | undefined {
  for (const e of exts) if (e.type === type) return e;
  return undefined;
}

/** Run `decode` over a complete extension body and reject trailing bytes. */
export function decodeWhole<T>(input: DecodeInput, field: string, decode: (r: Reader) => T): T {
  const r = readerOf(input);
  const v = decode(r);
  r.end(field);
  return v;
}

/** An extension whose `extension_data` must be empty. */
export function decodeEmpty(input: DecodeInput, field: string): void {
  const r = readerOf(input);
  if (!r.atEnd) throw decodeError(`${field}: extension_data must be empty, got ${r.remaining} byte(s)`, field);
}

/** Read a list of u16 values from a u16-length vector that must be even and within bounds. */
export function readU16List(r: Reader, field: string, min: number, max: number): number[] {
  const list = r.sub16(field, min, max);
  if ((list.remaining & 1) !== 0) throw decodeError(`${field}: odd length ${list.remaining}`, field);
  const out: number[] = new Array<number>(list.remaining >>> 1);
  for (let i = 0; i < out.length; i++) out[i] = list.u16(field);
  return out;
}

/** Write a u16-length list of u16 values. */
export function writeU16List(w: Writer, values: readonly number[]): void {
  w.vec16(() => {
    for (const v of values) w.u16(v);
  });
}

/**
 * Encoders refuse structs that the decoder would refuse (an out-of-range length is our bug, so
 * it is an internal error, never wrong bytes on the wire).
 */
export function checkLength(length: number, min: number, max: number, field: string): void {
  if (length < min || length > max) throw internalError(`${field}: cannot encode length ${length}, must be ${min}..${max}`);
}
