import { illegalParameter } from '../errors.js';
import { Writer } from '../wire/writer.js';
import { checkLength, decodeWhole, type DecodeInput } from './extension.js';

/** RFC 8446 §4.2.11: `opaque identity<1..2^16-1>; uint32 obfuscated_ticket_age;` */
export interface PskIdentity {
  readonly identity: Uint8Array;
  readonly obfuscatedTicketAge: number;
}

/**
 * RFC 8446 §4.2.11 ClientHello:
 * `PskIdentity identities<7..2^16-1>; PskBinderEntry binders<33..2^16-1>;` with
 * `opaque PskBinderEntry<32..255>;`, one binder per identity, in the same order.
 */
export interface OfferedPsks {
  readonly identities: readonly PskIdentity[];
  readonly binders: readonly Uint8Array[];
}

export function decodePreSharedKeyClient(input: DecodeInput): OfferedPsks {
  return decodeWhole(input, 'pre_shared_key', (r) => {
    const ids = r.sub16('OfferedPsks.identities', 7);
    const identities: PskIdentity[] = [];
    while (!ids.atEnd) {
      const identity = ids.vec16('PskIdentity.identity', 1);
      const obfuscatedTicketAge = ids.u32('PskIdentity.obfuscated_ticket_age');
      identities.push({ identity, obfuscatedTicketAge });
    }
    const bs = r.sub16('OfferedPsks.binders', 33);
    const binders: Uint8Array[] = [];
    while (!bs.atEnd) binders.push(bs.vec8('PskBinderEntry', 32, 255));
    // RFC 8446 §4.2.11: one binder for each identity, same order → illegal_parameter on mismatch.
    if (binders.length !== identities.length) {
      throw illegalParameter(`pre_shared_key: ${identities.length} identities but ${binders.length} binders (RFC 8446 §4.2.11)`, 'OfferedPsks.binders');
    }
    return { identities, binders };
  });
}

/**
 * The byte length of the encoded `binders` vector including its u16 length: what RFC 8446
 * §4.2.11.2 strips from the end of the ClientHello to form the partial transcript.
 */
export function bindersLength(binders: readonly Uint8Array[]): number {
  let n = 2;
  for (const b of binders) n += 1 + b.length;
  return n;
}

export function encodePreSharedKeyClient(psks: OfferedPsks): Uint8Array {
  checkLength(psks.identities.length, 1, 0x2492, 'OfferedPsks.identities');
  checkLength(psks.binders.length, 1, 0x7fff, 'OfferedPsks.binders');
  const w = new Writer(128);
  w.vec16(() => {
    for (const id of psks.identities) {
      checkLength(id.identity.length, 1, 0xffff, 'PskIdentity.identity');
      w.opaque16(id.identity);
      w.u32(id.obfuscatedTicketAge);
    }
  });
  w.vec16(() => {
    for (const b of psks.binders) {
      checkLength(b.length, 32, 255, 'PskBinderEntry');
      w.opaque8(b);
    }
  });
  return w.finish();
}

/** RFC 8446 §4.2.11 ServerHello: `uint16 selected_identity;` */
export function decodePreSharedKeyServer(input: DecodeInput): number {
  return decodeWhole(input, 'pre_shared_key', (r) => r.u16('pre_shared_key.selected_identity'));
}

export function encodePreSharedKeyServer(selectedIdentity: number): Uint8Array {
  return new Writer(2).u16(selectedIdentity).finish();
}
