import { Writer } from '../wire/writer.js';
import { decodeExtensions, encodeExtensions, readerOf, type DecodeInput, type Extension } from '../extensions/extension.js';

/** RFC 8446 §4.3.1: `struct { Extension extensions<0..2^16-1>; } EncryptedExtensions;` */
export interface EncryptedExtensions {
  readonly extensions: readonly Extension[];
}

export function decodeEncryptedExtensions(input: DecodeInput): EncryptedExtensions {
  const r = readerOf(input);
  const extensions = decodeExtensions(r, 'EncryptedExtensions.extensions');
  r.end('EncryptedExtensions');
  return { extensions };
}

export function encodeEncryptedExtensions(ee: EncryptedExtensions): Uint8Array {
  const w = new Writer(64);
  encodeExtensions(w, ee.extensions);
  return w.finish();
}
