/**
 * A strict DER (ITU-T X.690 §10) reader and a DER writer, enough for X.509 (RFC 5280).
 *
 * The reader rejects what BER allows and DER forbids: indefinite lengths (X.690 §10.1),
 * non-minimal length encodings (§10.1), non-minimal INTEGERs (§8.3.2), BOOLEANs other than
 * 0x00/0xFF (§11.1), constructed strings (§10.2), trailing bytes, and nesting deeper than
 * `MAX_DER_DEPTH`. Every read names its field (the ASN.1 name from RFC 5280), and every error
 * is a `TlsError` with code ERR_TLS_BAD_CERTIFICATE.
 */
import { ErrorCode, TlsError } from '../errors.js';
import { concat } from '../wire/bytes.js';

/** Universal tags (X.690 §8.x) as complete identifier octets. */
export const Tag = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8String: 0x0c,
  SEQUENCE: 0x30,
  SET: 0x31,
  NumericString: 0x12,
  PrintableString: 0x13,
  TeletexString: 0x14,
  IA5String: 0x16,
  UTCTime: 0x17,
  GeneralizedTime: 0x18,
  VisibleString: 0x1a,
  UniversalString: 0x1c,
  BMPString: 0x1e,
} as const;

/** Context-specific tag `[n]`, constructed (EXPLICIT or IMPLICIT SEQUENCE) or primitive. */
export const contextTag = (n: number, constructed: boolean): number => 0x80 | (constructed ? 0x20 : 0) | n;

/** Deeper nesting than this is rejected (real certificates stay well under 16). */
export const MAX_DER_DEPTH = 32;

export function badCert(message: string, field: string): TlsError {
  return new TlsError(ErrorCode.ERR_TLS_BAD_CERTIFICATE, `${field}: ${message}`, { field });
}

/** One decoded TLV: its identifier octet and views of the whole encoding and of the contents. */
export interface Tlv {
  readonly tag: number;
  /** The whole encoding (identifier, length and contents), a view into the input. */
  readonly raw: Uint8Array;
  /** The contents octets, a view into the input. */
  readonly value: Uint8Array;
}

/**
 * A strict reader over a sequence of DER elements (the contents of a SEQUENCE/SET, or a
 * top-level buffer). Returned views share memory with the input.
 *
 * @example
 * const cert = new DerReader(der, 'Certificate').sequence('Certificate');
 */
export class DerReader {
  private pos: number;

  constructor(
    readonly buf: Uint8Array,
    readonly field: string,
    private readonly depth = 0,
    start = 0,
    private readonly limit = buf.length,
  ) {
    if (depth > MAX_DER_DEPTH) throw badCert(`nesting deeper than ${MAX_DER_DEPTH}`, field);
    this.pos = start;
  }

  get atEnd(): boolean {
    return this.pos >= this.limit;
  }

  /** The identifier octet of the next element, or -1 at the end. */
  peekTag(): number {
    return this.pos < this.limit ? (this.buf[this.pos] as number) : -1;
  }

  /** Reads the next TLV, whatever its tag. */
  next(field: string): Tlv {
    const buf = this.buf;
    const start = this.pos;
    const limit = this.limit;
    if (start >= limit) throw badCert('missing (end of data)', field);
    const tag = buf[start] as number;
    // X.690 §8.1.2.4: high tag numbers; X.509 never uses them.
    if ((tag & 0x1f) === 0x1f) throw badCert(`unsupported high-tag-number identifier 0x${tag.toString(16)}`, field);
    if (start + 1 >= limit) throw badCert('truncated length', field);
    let len = buf[start + 1] as number;
    let at = start + 2;
    if (len & 0x80) {
      const n = len & 0x7f;
      // X.690 §10.1: DER uses the definite form only.
      if (n === 0) throw badCert('indefinite length is not allowed in DER', field);
      if (n > 4) throw badCert(`length of ${n} octets is too large`, field);
      if (at + n > limit) throw badCert('truncated length', field);
      if (buf[at] === 0) throw badCert('non-minimal length encoding (leading zero)', field);
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + (buf[at + i] as number);
      at += n;
      // X.690 §10.1: the minimum number of octets; short form below 128.
      if (len < 0x80) throw badCert('non-minimal length encoding (long form for a length below 128)', field);
    }
    if (len > limit - at) throw badCert(`length ${len} exceeds the ${limit - at} byte(s) available`, field);
    this.pos = at + len;
    return { tag, raw: buf.subarray(start, at + len), value: buf.subarray(at, at + len) };
  }

  /** Reads the next TLV and checks its identifier octet. */
  expect(tag: number, field: string): Tlv {
    const t = this.peekTag();
    if (t !== tag) {
      throw badCert(t === -1 ? `missing (expected tag 0x${hex2(tag)})` : `expected tag 0x${hex2(tag)}, got 0x${hex2(t)}`, field);
    }
    return this.next(field);
  }

  /** The next element if it has `tag`, else undefined (for OPTIONAL / DEFAULT fields). */
  optional(tag: number, field: string): Tlv | undefined {
    return this.peekTag() === tag ? this.next(field) : undefined;
  }

  /** A reader over the contents of a constructed element with `tag`. */
  constructed(tag: number, field: string): DerReader {
    const t = this.expect(tag, field);
    return this.childOf(t, field);
  }

  /** A reader over the contents of an already-read constructed TLV. */
  childOf(t: Tlv, field: string): DerReader {
    if ((t.tag & 0x20) === 0) throw badCert('expected a constructed element', field);
    const start = t.value.byteOffset - this.buf.byteOffset;
    return new DerReader(this.buf, field, this.depth + 1, start, start + t.value.length);
  }

  sequence(field: string): DerReader {
    return this.constructed(Tag.SEQUENCE, field);
  }

  set(field: string): DerReader {
    return this.constructed(Tag.SET, field);
  }

  /** INTEGER contents (two's complement, minimal; X.690 §8.3.2). */
  integerBytes(field: string): Uint8Array {
    return checkInteger(this.expect(Tag.INTEGER, field).value, field);
  }

  /** A non-negative INTEGER that fits a JS number (versions, path lengths, salt lengths). */
  smallInteger(field: string, max = 0x7fffffff): number {
    return smallIntegerValue(this.integerBytes(field), field, max);
  }

  boolean(field: string): boolean {
    const v = this.expect(Tag.BOOLEAN, field).value;
    if (v.length !== 1) throw badCert('BOOLEAN must be one octet', field);
    // X.690 §11.1: TRUE is 0xFF in DER.
    if (v[0] === 0xff) return true;
    if (v[0] === 0x00) return false;
    throw badCert('BOOLEAN TRUE must be encoded as 0xFF in DER', field);
  }

  null(field: string): void {
    if (this.expect(Tag.NULL, field).value.length !== 0) throw badCert('NULL must be empty', field);
  }

  oid(field: string): string {
    return decodeOid(this.expect(Tag.OID, field).value, field);
  }

  octetString(field: string): Uint8Array {
    return this.expect(Tag.OCTET_STRING, field).value;
  }

  /** BIT STRING: the number of unused bits in the last octet and the octets. */
  bitString(field: string): { unusedBits: number; bytes: Uint8Array } {
    return decodeBitString(this.expect(Tag.BIT_STRING, field).value, field);
  }

  /** UTCTime or GeneralizedTime with the RFC 5280 §4.1.2.5 restrictions. */
  time(field: string): Date {
    const t = this.next(field);
    if (t.tag === Tag.UTCTime) return decodeUtcTime(t.value, field);
    if (t.tag === Tag.GeneralizedTime) return decodeGeneralizedTime(t.value, field);
    throw badCert(`expected UTCTime or GeneralizedTime, got tag 0x${hex2(t.tag)}`, field);
  }

  /** Rejects trailing elements. */
  end(field = this.field): void {
    if (this.pos !== this.limit) throw badCert(`${this.limit - this.pos} trailing byte(s)`, field);
  }
}

const hex2 = (n: number): string => n.toString(16).padStart(2, '0');

/** Parses exactly one DER element spanning all of `buf` (no trailing bytes). */
export function readDer(buf: Uint8Array, field: string): Tlv {
  const r = new DerReader(buf, field);
  const t = r.next(field);
  r.end(field);
  return t;
}

/** Checks that INTEGER contents are minimal (X.690 §8.3.2) and returns them. */
export function checkInteger(v: Uint8Array, field: string): Uint8Array {
  if (v.length === 0) throw badCert('INTEGER with no contents', field);
  if (v.length > 1) {
    const a = v[0] as number;
    const b = v[1] as number;
    if ((a === 0x00 && (b & 0x80) === 0) || (a === 0xff && (b & 0x80) !== 0)) {
      throw badCert('non-minimal INTEGER encoding', field);
    }
  }
  return v;
}

export function smallIntegerValue(v: Uint8Array, field: string, max = 0x7fffffff): number {
  if (((v[0] as number) & 0x80) !== 0) throw badCert('negative INTEGER', field);
  if (v.length > 6) throw badCert(`INTEGER too large (maximum ${max})`, field);
  let n = 0;
  for (const b of v) n = n * 256 + b;
  if (n > max) throw badCert(`INTEGER ${n} too large (maximum ${max})`, field);
  return n;
}

export function decodeBitString(v: Uint8Array, field: string): { unusedBits: number; bytes: Uint8Array } {
  if (v.length === 0) throw badCert('BIT STRING with no contents', field);
  const unusedBits = v[0] as number;
  if (unusedBits > 7) throw badCert(`BIT STRING with ${unusedBits} unused bits`, field);
  if (v.length === 1 && unusedBits !== 0) throw badCert('empty BIT STRING with unused bits', field);
  // X.690 §11.2.1: unused bits are zero in DER.
  if (unusedBits !== 0 && ((v[v.length - 1] as number) & ((1 << unusedBits) - 1)) !== 0) {
    throw badCert('BIT STRING unused bits are not zero', field);
  }
  return { unusedBits, bytes: v.subarray(1) };
}

// ---------------------------------------------------------------------------------------------
// OBJECT IDENTIFIER (X.690 §8.19)

/** Recently decoded OIDs (most certificates use a few dozen), keyed by their contents octets. */
const oidCache = new Map<string, string>();
const OID_CACHE_MAX = 1024;

/** Decodes OID contents into dotted form, e.g. "1.2.840.113549.1.1.11". */
export function decodeOid(v: Uint8Array, field: string): string {
  if (v.length === 0) throw badCert('empty OBJECT IDENTIFIER', field);
  if (v.length > 128) throw badCert('OBJECT IDENTIFIER longer than 128 octets', field);
  if (v.length > 16) return decodeOidUncached(v, field);
  const key = String.fromCharCode.apply(null, v as unknown as number[]);
  let oid = oidCache.get(key);
  if (oid === undefined) {
    oid = decodeOidUncached(v, field);
    if (oidCache.size >= OID_CACHE_MAX) oidCache.clear();
    oidCache.set(key, oid);
  }
  return oid;
}

function decodeOidUncached(v: Uint8Array, field: string): string {
  const arcs: string[] = [];
  let n = 0;
  let big: bigint | null = null;
  let first = true;
  let startOfArc = true;
  for (let i = 0; i < v.length; i++) {
    const b = v[i] as number;
    // X.690 §8.19.2: subidentifiers use the fewest octets (no leading 0x80).
    if (startOfArc && b === 0x80) throw badCert('non-minimal OBJECT IDENTIFIER subidentifier', field);
    startOfArc = false;
    if (big !== null) big = (big << 7n) | BigInt(b & 0x7f);
    else {
      n = n * 128 + (b & 0x7f);
      if (n > 2 ** 45) big = BigInt(n);
    }
    if ((b & 0x80) === 0) {
      const value: bigint | number = big ?? n;
      if (first) {
        // X.690 §8.19.4: the first subidentifier is 40 * arc1 + arc2.
        if (typeof value === 'bigint') arcs.push('2', (value - 80n).toString());
        else if (value < 40) arcs.push('0', String(value));
        else if (value < 80) arcs.push('1', String(value - 40));
        else arcs.push('2', String(value - 80));
        first = false;
      } else arcs.push(value.toString());
      n = 0;
      big = null;
      startOfArc = true;
    }
  }
  if (!startOfArc) throw badCert('truncated OBJECT IDENTIFIER', field);
  return arcs.join('.');
}

/** Encodes a dotted OID into its contents octets. */
export function encodeOid(oid: string): Uint8Array {
  const parts = oid.split('.');
  if (parts.length < 2 || parts.some((p) => !/^(0|[1-9][0-9]*)$/.test(p))) {
    throw badCert(`invalid OBJECT IDENTIFIER "${oid}"`, 'OBJECT IDENTIFIER');
  }
  const arcs = parts.map((p) => BigInt(p));
  const a0 = arcs[0] as bigint;
  const a1 = arcs[1] as bigint;
  if (a0 > 2n || (a0 < 2n && a1 > 39n)) throw badCert(`invalid OBJECT IDENTIFIER "${oid}"`, 'OBJECT IDENTIFIER');
  const subs = [a0 * 40n + a1, ...arcs.slice(2)];
  const out: number[] = [];
  for (const s of subs) {
    const groups: number[] = [];
    let x = s;
    do {
      groups.unshift(Number(x & 0x7fn));
      x >>= 7n;
    } while (x > 0n);
    for (let i = 0; i < groups.length; i++) out.push((groups[i] as number) | (i < groups.length - 1 ? 0x80 : 0));
  }
  return Uint8Array.from(out);
}

// ---------------------------------------------------------------------------------------------
// Time (RFC 5280 §4.1.2.5.1 / §4.1.2.5.2)

function digits(v: Uint8Array, at: number, n: number, field: string): number {
  let x = 0;
  for (let i = 0; i < n; i++) {
    const c = (v[at + i] as number) - 0x30;
    if (c < 0 || c > 9) throw badCert('time contains a non-digit', field);
    x = x * 10 + c;
  }
  return x;
}

function makeDate(y: number, mo: number, d: number, h: number, mi: number, s: number, field: string): Date {
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) throw badCert('time field out of range', field);
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s, 0);
  if (date.getUTCDate() !== d) throw badCert('day out of range for the month', field);
  return date;
}

/** RFC 5280 §4.1.2.5.1: YYMMDDHHMMSSZ; YY >= 50 is 19YY, else 20YY. */
export function decodeUtcTime(v: Uint8Array, field: string): Date {
  if (v.length !== 13 || v[12] !== 0x5a) throw badCert('UTCTime must be YYMMDDHHMMSSZ', field);
  const yy = digits(v, 0, 2, field);
  const y = yy >= 50 ? 1900 + yy : 2000 + yy;
  return makeDate(y, digits(v, 2, 2, field), digits(v, 4, 2, field), digits(v, 6, 2, field), digits(v, 8, 2, field), digits(v, 10, 2, field), field);
}

/** RFC 5280 §4.1.2.5.2: YYYYMMDDHHMMSSZ, no fractional seconds. */
export function decodeGeneralizedTime(v: Uint8Array, field: string): Date {
  if (v.length !== 15 || v[14] !== 0x5a) throw badCert('GeneralizedTime must be YYYYMMDDHHMMSSZ', field);
  return makeDate(digits(v, 0, 4, field), digits(v, 4, 2, field), digits(v, 6, 2, field), digits(v, 8, 2, field), digits(v, 10, 2, field), digits(v, 12, 2, field), field);
}

// ---------------------------------------------------------------------------------------------
// Writer: small functions returning complete encodings, composed bottom-up.

function encodeLength(n: number): Uint8Array {
  if (n < 0x80) return Uint8Array.of(n);
  const bytes: number[] = [];
  for (let x = n; x > 0; x = Math.floor(x / 256)) bytes.unshift(x & 0xff);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

/** A TLV with the given identifier octet and contents. */
export function derTlv(tag: number, value: Uint8Array): Uint8Array {
  return concat(Uint8Array.of(tag), encodeLength(value.length), value);
}

export const derSequence = (...items: readonly Uint8Array[]): Uint8Array => derTlv(Tag.SEQUENCE, concat(...items));

/** SET OF: DER sorts the encodings (X.690 §11.6). */
export function derSet(...items: readonly Uint8Array[]): Uint8Array {
  const sorted = [...items].sort(compareBytes);
  return derTlv(Tag.SET, concat(...sorted));
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  return a.length - b.length;
}

/** INTEGER from a (possibly negative) bigint/number, or from unsigned big-endian magnitude bytes. */
export function derInteger(v: bigint | number | Uint8Array): Uint8Array {
  if (v instanceof Uint8Array) {
    let i = 0;
    while (i < v.length - 1 && v[i] === 0) i++;
    const mag = v.subarray(i);
    const body = mag.length === 0 ? Uint8Array.of(0) : ((mag[0] as number) & 0x80) !== 0 ? concat(Uint8Array.of(0), mag) : mag;
    return derTlv(Tag.INTEGER, body);
  }
  let x = BigInt(v);
  const out: number[] = [];
  if (x >= 0n) {
    do {
      out.unshift(Number(x & 0xffn));
      x >>= 8n;
    } while (x > 0n);
    if (((out[0] as number) & 0x80) !== 0) out.unshift(0);
  } else {
    do {
      out.unshift(Number(x & 0xffn));
      x >>= 8n;
    } while (x < -1n || ((out[0] as number) & 0x80) === 0);
  }
  return derTlv(Tag.INTEGER, Uint8Array.from(out));
}

export const derOid = (oid: string): Uint8Array => derTlv(Tag.OID, encodeOid(oid));
export const derNull = (): Uint8Array => Uint8Array.of(Tag.NULL, 0);
export const derBoolean = (b: boolean): Uint8Array => Uint8Array.of(Tag.BOOLEAN, 1, b ? 0xff : 0x00);
export const derOctetString = (v: Uint8Array): Uint8Array => derTlv(Tag.OCTET_STRING, v);
export const derBitString = (v: Uint8Array, unusedBits = 0): Uint8Array => derTlv(Tag.BIT_STRING, concat(Uint8Array.of(unusedBits), v));

/**
 * A named-bit-list BIT STRING (e.g. KeyUsage) from bit numbers (bit 0 = the most significant
 * bit of the first octet); trailing zero bits are dropped (X.690 §11.2.2).
 */
export function derNamedBits(bits: readonly number[]): Uint8Array {
  if (bits.length === 0) return derBitString(new Uint8Array(0));
  const highest = Math.max(...bits);
  const bytes = new Uint8Array((highest >> 3) + 1);
  for (const b of bits) bytes[b >> 3]! |= 0x80 >> (b & 7);
  return derBitString(bytes, 7 - (highest & 7));
}

export const derUtf8String = (s: string): Uint8Array => derTlv(Tag.UTF8String, new TextEncoder().encode(s));

export function derPrintableString(s: string): Uint8Array {
  if (!/^[A-Za-z0-9 '()+,\-./:=?]*$/.test(s)) throw badCert(`"${s}" is not a PrintableString`, 'PrintableString');
  return derTlv(Tag.PrintableString, asciiBytes(s));
}

export function derIa5String(s: string): Uint8Array {
  // eslint-disable-next-line no-control-regex
  if (!/^[\x00-\x7f]*$/.test(s)) throw badCert(`"${s}" is not an IA5String`, 'IA5String');
  return derTlv(Tag.IA5String, asciiBytes(s));
}

function asciiBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

const pad = (n: number, w: number): string => String(n).padStart(w, '0');

function timeBody(d: Date, fourDigitYear: boolean): string {
  const y = d.getUTCFullYear();
  return (
    (fourDigitYear ? pad(y, 4) : pad(y % 100, 2)) +
    pad(d.getUTCMonth() + 1, 2) +
    pad(d.getUTCDate(), 2) +
    pad(d.getUTCHours(), 2) +
    pad(d.getUTCMinutes(), 2) +
    pad(d.getUTCSeconds(), 2) +
    'Z'
  );
}

export function derUtcTime(d: Date): Uint8Array {
  const y = d.getUTCFullYear();
  if (y < 1950 || y > 2049) throw badCert(`year ${y} cannot be a UTCTime`, 'UTCTime');
  return derTlv(Tag.UTCTime, asciiBytes(timeBody(d, false)));
}

export function derGeneralizedTime(d: Date): Uint8Array {
  const y = d.getUTCFullYear();
  if (y < 0 || y > 9999) throw badCert(`year ${y} cannot be a GeneralizedTime`, 'GeneralizedTime');
  return derTlv(Tag.GeneralizedTime, asciiBytes(timeBody(d, true)));
}

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050 (and before 1950). */
export function derTime(d: Date): Uint8Array {
  const y = d.getUTCFullYear();
  return y >= 1950 && y <= 2049 ? derUtcTime(d) : derGeneralizedTime(d);
}

/** `[n] EXPLICIT`: a constructed context tag wrapping complete encodings. */
export const derExplicit = (n: number, ...inner: readonly Uint8Array[]): Uint8Array => derTlv(contextTag(n, true), concat(...inner));

/** `[n] IMPLICIT` for a primitive type: the contents octets under a context tag. */
export const derImplicit = (n: number, contents: Uint8Array): Uint8Array => derTlv(contextTag(n, false), contents);
