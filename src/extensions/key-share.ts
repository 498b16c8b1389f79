import { illegalParameter } from '../errors.js';
import type { Reader } from '../wire/reader.js';
import { Writer } from '../wire/writer.js';
import { checkLength, decodeWhole, SeenSet, type DecodeInput } from './extension.js';

/** RFC 8446 §4.2.8: `NamedGroup group; opaque key_exchange<1..2^16-1>;` */
export interface KeyShareEntry {
  readonly group: number;
  readonly keyExchange: Uint8Array;
}

function readEntry(r: Reader): KeyShareEntry {
  const group = r.u16('KeyShareEntry.group');
  const keyExchange = r.vec16('KeyShareEntry.key_exchange', 1);
  return { group, keyExchange };
}

function writeEntry(w: Writer, e: KeyShareEntry): void {
  checkLength(e.keyExchange.length, 1, 0xffff, 'KeyShareEntry.key_exchange');
  w.u16(e.group);
  w.opaque16(e.keyExchange);
}

/**
 * RFC 8446 §4.2.8 ClientHello: `KeyShareEntry client_shares<0..2^16-1>;`.
 * RFC 8446 §4.2.8: clients MUST NOT offer multiple KeyShareEntry values for the same group;
 * servers MAY check and abort with illegal_parameter, which we do.
 */
export function decodeKeyShareClient(input: DecodeInput): KeyShareEntry[] {
  return decodeWhole(input, 'key_share', (r) => {
    const list = r.sub16('key_share.client_shares');
    const out: KeyShareEntry[] = [];
    const seen = new SeenSet();
    while (!list.atEnd) {
      const e = readEntry(list);
      if (!seen.add(e.group)) throw illegalParameter(`key_share: two entries for group ${e.group} (RFC 8446 §4.2.8)`, 'KeyShareEntry.group');
      out.push(e);
    }
    return out;
  });
}

export function encodeKeyShareClient(shares: readonly KeyShareEntry[]): Uint8Array {
  const w = new Writer(64);
  w.vec16(() => {
    for (const e of shares) writeEntry(w, e);
  });
  return w.finish();
}

/** RFC 8446 §4.2.8 ServerHello: `KeyShareEntry server_share;` */
export function decodeKeyShareServer(input: DecodeInput): KeyShareEntry {
  return decodeWhole(input, 'key_share', readEntry);
}

export function encodeKeyShareServer(share: KeyShareEntry): Uint8Array {
  const w = new Writer(4 + share.keyExchange.length);
  writeEntry(w, share);
  return w.finish();
}

/** RFC 8446 §4.2.8 HelloRetryRequest: `NamedGroup selected_group;` */
export function decodeKeyShareHrr(input: DecodeInput): number {
  return decodeWhole(input, 'key_share', (r) => r.u16('key_share.selected_group'));
}

export function encodeKeyShareHrr(group: number): Uint8Array {
  return new Writer(2).u16(group).finish();
}
