import { readerOf, type DecodeInput } from './extension.js';

/** RFC 7685 §3: the padding extension_data: `length` bytes that MUST all be zero (client side). */
export interface Padding {
  readonly length: number;
  /** RFC 7685 §3: the client MUST fill it with zero bytes. Exposed, not enforced: a receiver may ignore it. */
  readonly allZero: boolean;
}

export function decodePadding(input: DecodeInput): Padding {
  const r = readerOf(input);
  const b = r.rest('padding.zeros');
  let acc = 0;
  for (let i = 0; i < b.length; i++) acc |= b[i] as number;
  return { length: b.length, allZero: acc === 0 };
}

/** `length` zero bytes. */
export function encodePadding(length: number | Padding): Uint8Array {
  return new Uint8Array(typeof length === 'number' ? length : length.length);
}
