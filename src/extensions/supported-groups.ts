import { Writer } from '../wire/writer.js';
import { checkLength, decodeWhole, readU16List, writeU16List, type DecodeInput } from './extension.js';

/** RFC 8446 §4.2.7: `NamedGroup named_group_list<2..2^16-1>;` (u16 entries: even length). */
export function decodeSupportedGroups(input: DecodeInput): number[] {
  return decodeWhole(input, 'supported_groups', (r) => readU16List(r, 'supported_groups.named_group_list', 2, 0xffff));
}

export function encodeSupportedGroups(groups: readonly number[]): Uint8Array {
  checkLength(groups.length * 2, 2, 0xfffe, 'supported_groups.named_group_list');
  const w = new Writer(2 + groups.length * 2);
  writeU16List(w, groups);
  return w.finish();
}
