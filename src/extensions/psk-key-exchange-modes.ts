import { Writer } from '../wire/writer.js';
import { checkLength, decodeWhole, type DecodeInput } from './extension.js';

/** RFC 8446 §4.2.9: `PskKeyExchangeMode ke_modes<1..255>;` (psk_ke(0), psk_dhe_ke(1); others kept, ignored by callers). */
export function decodePskKeyExchangeModes(input: DecodeInput): number[] {
  return decodeWhole(input, 'psk_key_exchange_modes', (r) => Array.from(r.vec8('psk_key_exchange_modes.ke_modes', 1)));
}

export function encodePskKeyExchangeModes(modes: readonly number[]): Uint8Array {
  checkLength(modes.length, 1, 255, 'psk_key_exchange_modes.ke_modes');
  const w = new Writer(1 + modes.length);
  w.vec8(() => {
    for (const m of modes) w.u8(m);
  });
  return w.finish();
}
