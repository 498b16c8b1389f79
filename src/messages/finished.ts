import { decodeError } from '../errors.js';
import { readerOf, type DecodeInput } from '../extensions/extension.js';

/**
 * RFC 8446 §4.4.4: `opaque verify_data[Hash.length];` (TLS 1.2, RFC 5246 §7.4.9: verify_data of
 * verify_data_length, 12 for every suite we support). Compare it with `constantTimeEqual`.
 */
export interface Finished {
  readonly verifyData: Uint8Array;
}

/** Decode a Finished body whose verify_data must be exactly `hashLength` bytes → decode_error otherwise. */
export function decodeFinished(input: DecodeInput, hashLength: number): Finished {
  const r = readerOf(input);
  if (r.remaining !== hashLength) {
    throw decodeError(`Finished.verify_data: ${r.remaining} byte(s), expected ${hashLength}`, 'Finished.verify_data');
  }
  const verifyData = r.bytes(hashLength, 'Finished.verify_data');
  r.end('Finished');
  return { verifyData };
}

export function encodeFinished(f: Finished): Uint8Array {
  return f.verifyData.slice();
}
