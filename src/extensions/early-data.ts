import { Writer } from '../wire/writer.js';
import { decodeEmpty, decodeWhole, type DecodeInput } from './extension.js';

/** RFC 8446 §4.2.10: in ClientHello and EncryptedExtensions, early_data's extension_data is empty. */
export function decodeEarlyDataEmpty(input: DecodeInput): void {
  decodeEmpty(input, 'early_data');
}

export function encodeEarlyDataEmpty(): Uint8Array {
  return new Uint8Array(0);
}

/** RFC 8446 §4.2.10 NewSessionTicket: `uint32 max_early_data_size;` */
export function decodeEarlyDataTicket(input: DecodeInput): number {
  return decodeWhole(input, 'early_data', (r) => r.u32('early_data.max_early_data_size'));
}

export function encodeEarlyDataTicket(maxEarlyDataSize: number): Uint8Array {
  return new Writer(4).u32(maxEarlyDataSize).finish();
}
