import { illegalParameter } from '../errors.js';
import { latin1, latin1Bytes } from '../wire/bytes.js';
import { Writer } from '../wire/writer.js';
import { checkLength, decodeEmpty, readerOf, type DecodeInput } from './extension.js';

/** RFC 6066 §3: NameType host_name(0). */
export const NameType = { host_name: 0 } as const;

/** A ServerName of a type other than host_name, kept opaque (RFC 6066 §3: it starts with a u16 length). */
export interface OtherServerName {
  readonly nameType: number;
  readonly name: Uint8Array;
}

/**
 * RFC 6066 §3 `ServerName server_name_list<1..2^16-1>` from a ClientHello. `hostName` is the
 * host_name entry decoded as latin1 (so any bytes round-trip; RFC 6066 says ASCII, without a
 * trailing dot; policy checks belong to the caller), or null when there is none.
 */
export interface ServerNameList {
  readonly hostName: string | null;
  readonly others: readonly OtherServerName[];
}

export function decodeServerNameClient(input: DecodeInput): ServerNameList {
  const r = readerOf(input);
  const list = r.sub16('server_name.server_name_list', 1);
  let hostName: string | null = null;
  const others: OtherServerName[] = [];
  while (!list.atEnd) {
    const nameType = list.u8('ServerName.name_type');
    const name = list.vec16(nameType === NameType.host_name ? 'ServerName.host_name' : 'ServerName.name', 1);
    // RFC 6066 §3: the list MUST NOT contain more than one name of the same name_type.
    const dup = nameType === NameType.host_name ? hostName !== null : others.some((o) => o.nameType === nameType);
    if (dup) throw illegalParameter(`server_name: more than one name of type ${nameType} (RFC 6066 §3)`, 'ServerName.name_type');
    if (nameType === NameType.host_name) hostName = latin1(name);
    else others.push({ nameType, name });
  }
  r.end('server_name');
  return { hostName, others };
}

/** Encode a ClientHello server_name (host_name first). `hostName` must be latin1 (ASCII in practice). */
export function encodeServerNameClient(v: ServerNameList | string): Uint8Array {
  const list: ServerNameList = typeof v === 'string' ? { hostName: v, others: [] } : v;
  const w = new Writer(16 + (list.hostName?.length ?? 0));
  checkLength((list.hostName === null ? 0 : 1) + list.others.length, 1, 0xffff, 'server_name.server_name_list');
  w.vec16(() => {
    if (list.hostName !== null) {
      checkLength(list.hostName.length, 1, 0xffff, 'ServerName.host_name');
      w.u8(NameType.host_name);
      w.opaque16(latin1Bytes(list.hostName));
    }
    for (const o of list.others) {
      checkLength(o.name.length, 1, 0xffff, 'ServerName.name');
      w.u8(o.nameType);
      w.opaque16(o.name);
    }
  });
  return w.finish();
}

/** RFC 6066 §3: the server's server_name extension_data is empty. */
export function decodeServerNameServer(input: DecodeInput): void {
  decodeEmpty(input, 'server_name');
}
export function encodeServerNameServer(): Uint8Array {
  return new Uint8Array(0);
}
