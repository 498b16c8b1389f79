import { Writer } from '../wire/writer.js';
import { checkLength, decodeWhole, type DecodeInput } from './extension.js';

/** RFC 8446 §4.2.2: `opaque cookie<1..2^16-1>;` */
export function decodeCookie(input: DecodeInput): Uint8Array {
  return decodeWhole(input, 'cookie', (r) => r.vec16('cookie.cookie', 1));
}

export function encodeCookie(cookie: Uint8Array): Uint8Array {
  checkLength(cookie.length, 1, 0xffff, 'cookie.cookie');
  return new Writer(2 + cookie.length).opaque16(cookie).finish();
}
