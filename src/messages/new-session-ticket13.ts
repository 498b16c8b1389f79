import { illegalParameter } from '../errors.js';
import { Writer } from '../wire/writer.js';
import { checkLength, decodeExtensions, encodeExtensions, readerOf, type DecodeInput, type Extension } from '../extensions/extension.js';

/** RFC 8446 §4.6.1: the longest allowed ticket_lifetime (7 days). */
export const MAX_TICKET_LIFETIME = 604800;

/**
 * RFC 8446 §4.6.1:
 * `uint32 ticket_lifetime; uint32 ticket_age_add; opaque ticket_nonce<0..255>;
 *  opaque ticket<1..2^16-1>; Extension extensions<0..2^16-2>;`
 */
export interface NewSessionTicket13 {
  readonly ticketLifetime: number;
  readonly ticketAgeAdd: number;
  readonly ticketNonce: Uint8Array;
  readonly ticket: Uint8Array;
  readonly extensions: readonly Extension[];
}

export function decodeNewSessionTicket13(input: DecodeInput): NewSessionTicket13 {
  const r = readerOf(input);
  const ticketLifetime = r.u32('NewSessionTicket.ticket_lifetime');
  // RFC 8446 §4.6.1: servers MUST NOT use a lifetime above 604800 seconds → illegal_parameter.
  if (ticketLifetime > MAX_TICKET_LIFETIME) {
    throw illegalParameter(`NewSessionTicket.ticket_lifetime ${ticketLifetime} exceeds ${MAX_TICKET_LIFETIME} (RFC 8446 §4.6.1)`, 'NewSessionTicket.ticket_lifetime');
  }
  const ticketAgeAdd = r.u32('NewSessionTicket.ticket_age_add');
  const ticketNonce = r.vec8('NewSessionTicket.ticket_nonce');
  const ticket = r.vec16('NewSessionTicket.ticket', 1);
  const extensions = decodeExtensions(r, 'NewSessionTicket.extensions', 0, 0xfffe);
  r.end('NewSessionTicket');
  return { ticketLifetime, ticketAgeAdd, ticketNonce, ticket, extensions };
}

export function encodeNewSessionTicket13(t: NewSessionTicket13): Uint8Array {
  checkLength(t.ticket.length, 1, 0xffff, 'NewSessionTicket.ticket');
  const w = new Writer(32 + t.ticket.length + t.ticketNonce.length);
  w.u32(t.ticketLifetime);
  w.u32(t.ticketAgeAdd);
  w.opaque8(t.ticketNonce);
  w.opaque16(t.ticket);
  const at = w.length;
  encodeExtensions(w, t.extensions);
  checkLength(w.length - at - 2, 0, 0xfffe, 'NewSessionTicket.extensions');
  return w.finish();
}
