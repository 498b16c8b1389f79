import { readerOf, type DecodeInput } from '../extensions/extension.js';

/** RFC 8446 §4.5: `struct {} EndOfEarlyData;` */
export type EndOfEarlyData = Readonly<Record<string, never>>;

/** The body must be empty → decode_error otherwise. */
export function decodeEndOfEarlyData(input: DecodeInput): EndOfEarlyData {
  readerOf(input).end('EndOfEarlyData');
  return {};
}

export function encodeEndOfEarlyData(_m?: EndOfEarlyData): Uint8Array {
  return new Uint8Array(0);
}
