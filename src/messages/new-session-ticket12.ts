import { Writer } from '../wire/writer.js';
import { readerOf, type DecodeInput } from '../extensions/extension.js';

/** RFC 5077 §3.3: `uint32 ticket_lifetime_hint; opaque ticket<0..2^16-1>;` */
export interface NewSessionTicket12 {
  readonly ticketLifetimeHint: number;
  readonly ticket: Uint8Array;
}

export function decodeNewSessionTicket12(input: DecodeInput): NewSessionTicket12 {
  const r = readerOf(input);
  const ticketLifetimeHint = r.u32('NewSessionTicket.ticket_lifetime_hint');
  const ticket = r.vec16('NewSessionTicket.ticket');
  r.end('NewSessionTicket');
  return { ticketLifetimeHint, ticket };
}

export function encodeNewSessionTicket12(t: NewSessionTicket12): Uint8Array {
  return new Writer(6 + t.ticket.length).u32(t.ticketLifetimeHint).opaque16(t.ticket).finish();
}
