import { Writer } from '../wire/writer.js';
import { checkLength, decodeWhole, readU16List, writeU16List, type DecodeInput } from './extension.js';

/**
 * RFC 8446 §4.2.3: `SignatureScheme supported_signature_algorithms<2..2^16-2>;`, the body of both
 * signature_algorithms and signature_algorithms_cert (u16 entries: even length).
 */
export function decodeSignatureAlgorithms(input: DecodeInput): number[] {
  return decodeWhole(input, 'signature_algorithms', (r) => readU16List(r, 'signature_algorithms.supported_signature_algorithms', 2, 0xfffe));
}

export function encodeSignatureAlgorithms(schemes: readonly number[]): Uint8Array {
  checkLength(schemes.length * 2, 2, 0xfffe, 'signature_algorithms.supported_signature_algorithms');
  const w = new Writer(2 + schemes.length * 2);
  writeU16List(w, schemes);
  return w.finish();
}

/** RFC 8446 §4.2.3: signature_algorithms_cert has the same body. */
export function decodeSignatureAlgorithmsCert(input: DecodeInput): number[] {
  return decodeWhole(input, 'signature_algorithms_cert', (r) => readU16List(r, 'signature_algorithms_cert.supported_signature_algorithms', 2, 0xfffe));
}
export const encodeSignatureAlgorithmsCert = encodeSignatureAlgorithms;
