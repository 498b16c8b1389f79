import { readerOf, type DecodeInput } from './extension.js';

/**
 * RFC 5077 §3.2: the session_ticket extension_data is the opaque ticket itself (empty to ask for
 * a new ticket; empty in the ServerHello).
 */
export function decodeSessionTicket(input: DecodeInput): Uint8Array {
  return readerOf(input).rest('session_ticket.ticket');
}

export function encodeSessionTicket(ticket: Uint8Array = new Uint8Array(0)): Uint8Array {
  return ticket.slice();
}
