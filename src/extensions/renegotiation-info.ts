import { Writer } from '../wire/writer.js';
import { decodeWhole, type DecodeInput } from './extension.js';

/** RFC 5746 §3.2: `opaque renegotiated_connection<0..255>;` (empty on an initial handshake). */
export function decodeRenegotiationInfo(input: DecodeInput): Uint8Array {
  return decodeWhole(input, 'renegotiation_info', (r) => r.vec8('renegotiation_info.renegotiated_connection'));
}

export function encodeRenegotiationInfo(renegotiatedConnection: Uint8Array = new Uint8Array(0)): Uint8Array {
  return new Writer(1 + renegotiatedConnection.length).opaque8(renegotiatedConnection).finish();
}
