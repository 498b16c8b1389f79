import { decodeError } from '../errors.js';
import { Writer } from '../wire/writer.js';
import { checkLength, decodeWhole, type DecodeInput } from './extension.js';

/** RFC 8446 §4.2.1 ClientHello: `ProtocolVersion versions<2..254>;` (u8 length, u16 entries). */
export function decodeSupportedVersionsClient(input: DecodeInput): number[] {
  return decodeWhole(input, 'supported_versions', (r) => {
    const list = r.sub8('supported_versions.versions', 2, 254);
    if ((list.remaining & 1) !== 0) throw decodeError(`supported_versions.versions: odd length ${list.remaining}`, 'supported_versions.versions');
    const out: number[] = [];
    while (!list.atEnd) out.push(list.u16('supported_versions.versions'));
    return out;
  });
}

export function encodeSupportedVersionsClient(versions: readonly number[]): Uint8Array {
  checkLength(versions.length * 2, 2, 254, 'supported_versions.versions');
  const w = new Writer(1 + versions.length * 2);
  w.vec8(() => {
    for (const v of versions) w.u16(v);
  });
  return w.finish();
}

/** RFC 8446 §4.2.1 ServerHello / HelloRetryRequest: `ProtocolVersion selected_version;` */
export function decodeSupportedVersionsServer(input: DecodeInput): number {
  return decodeWhole(input, 'supported_versions', (r) => r.u16('supported_versions.selected_version'));
}

export function encodeSupportedVersionsServer(version: number): Uint8Array {
  return new Writer(2).u16(version).finish();
}
