import { decodeError } from '../errors.js';
import { Writer } from '../wire/writer.js';
import { checkLength, decodeWhole, type DecodeInput } from './extension.js';

/** RFC 8879 §7.3: CertificateCompressionAlgorithm zlib(1), brotli(2), zstd(3). */
export const CertificateCompressionAlgorithm = { zlib: 1, brotli: 2, zstd: 3 } as const;

/** RFC 8879 §3: `CertificateCompressionAlgorithm algorithms<2..2^8-2>;` (u8 length, u16 entries). */
export function decodeCompressCertificate(input: DecodeInput): number[] {
  return decodeWhole(input, 'compress_certificate', (r) => {
    const list = r.sub8('compress_certificate.algorithms', 2, 254);
    if ((list.remaining & 1) !== 0) throw decodeError(`compress_certificate.algorithms: odd length ${list.remaining}`, 'compress_certificate.algorithms');
    const out: number[] = [];
    while (!list.atEnd) out.push(list.u16('compress_certificate.algorithms'));
    return out;
  });
}

export function encodeCompressCertificate(algorithms: readonly number[]): Uint8Array {
  checkLength(algorithms.length * 2, 2, 254, 'compress_certificate.algorithms');
  const w = new Writer(1 + algorithms.length * 2);
  w.vec8(() => {
    for (const a of algorithms) w.u16(a);
  });
  return w.finish();
}
