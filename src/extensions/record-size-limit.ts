import { illegalParameter } from '../errors.js';
import { Writer } from '../wire/writer.js';
import { decodeWhole, type DecodeInput } from './extension.js';

/** RFC 8449 §4: the smallest legal record_size_limit. */
export const MIN_RECORD_SIZE_LIMIT = 64;

/** RFC 8449 §4: `uint16 RecordSizeLimit;` values below 64 → illegal_parameter. */
export function decodeRecordSizeLimit(input: DecodeInput): number {
  const v = decodeWhole(input, 'record_size_limit', (r) => r.u16('record_size_limit'));
  // RFC 8449 §4: receipt of a value smaller than 64 MUST be treated as a fatal illegal_parameter.
  if (v < MIN_RECORD_SIZE_LIMIT) throw illegalParameter(`record_size_limit ${v} is below 64 (RFC 8449 §4)`, 'record_size_limit');
  return v;
}

export function encodeRecordSizeLimit(limit: number): Uint8Array {
  return new Writer(2).u16(limit).finish();
}
