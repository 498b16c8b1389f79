import { Writer } from '../wire/writer.js';
import { checkLength, decodeWhole, type DecodeInput } from './extension.js';

/** RFC 8422 §5.1.2: ECPointFormat uncompressed(0) (the only one RFC 8422 keeps). */
export const ECPointFormat = { uncompressed: 0, deprecated1: 1, deprecated2: 2 } as const;

/** RFC 8422 §5.1.2: `ECPointFormat ec_point_format_list<1..2^8-1>;` */
export function decodeEcPointFormats(input: DecodeInput): number[] {
  return decodeWhole(input, 'ec_point_formats', (r) => Array.from(r.vec8('ec_point_formats.ec_point_format_list', 1)));
}

export function encodeEcPointFormats(formats: readonly number[]): Uint8Array {
  checkLength(formats.length, 1, 255, 'ec_point_formats.ec_point_format_list');
  const w = new Writer(1 + formats.length);
  w.vec8(() => {
    for (const f of formats) w.u8(f);
  });
  return w.finish();
}
