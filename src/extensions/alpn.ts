import { decodeError } from '../errors.js';
import { latin1, latin1Bytes } from '../wire/bytes.js';
import type { Reader } from '../wire/reader.js';
import { Writer } from '../wire/writer.js';
import { checkLength, decodeWhole, type DecodeInput } from './extension.js';

/**
 * RFC 7301 §3.1: `opaque ProtocolName<1..2^8-1>; ProtocolName protocol_name_list<2..2^16-1>;`.
 * Names are latin1 strings, so any bytes round-trip ("h2", "http/1.1", ...).
 */
function readNames(r: Reader): string[] {
  const list = r.sub16('application_layer_protocol_negotiation.protocol_name_list', 2);
  const out: string[] = [];
  // RFC 7301 §3.1: empty strings MUST NOT be included (ProtocolName<1..2^8-1>).
  while (!list.atEnd) out.push(latin1(list.vec8('ProtocolName', 1)));
  return out;
}

/** The ClientHello list (one or more names). */
export function decodeAlpn(input: DecodeInput): string[] {
  return decodeWhole(input, 'application_layer_protocol_negotiation', readNames);
}

/** RFC 7301 §3.1: the server's list MUST contain exactly one ProtocolName → decode_error otherwise. */
export function decodeAlpnServer(input: DecodeInput): string {
  const names = decodeAlpn(input);
  if (names.length !== 1) {
    throw decodeError(`application_layer_protocol_negotiation: server sent ${names.length} names, exactly one allowed (RFC 7301 §3.1)`, 'application_layer_protocol_negotiation.protocol_name_list');
  }
  return names[0] as string;
}

export function encodeAlpn(names: readonly string[]): Uint8Array {
  checkLength(names.length, 1, 0x7fff, 'application_layer_protocol_negotiation.protocol_name_list');
  const w = new Writer(64);
  w.vec16(() => {
    for (const n of names) {
      checkLength(n.length, 1, 0xff, 'ProtocolName');
      w.opaque8(latin1Bytes(n));
    }
  });
  return w.finish();
}

export function encodeAlpnServer(name: string): Uint8Array {
  return encodeAlpn([name]);
}
