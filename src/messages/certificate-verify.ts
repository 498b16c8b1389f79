import { Writer } from '../wire/writer.js';
import { readerOf, type DecodeInput } from '../extensions/extension.js';

/**
 * RFC 8446 §4.4.3 (same layout as RFC 5246 §7.4.8 with TLS 1.2 signature_algorithms):
 * `SignatureScheme algorithm; opaque signature<0..2^16-1>;`
 */
export interface CertificateVerify {
  readonly algorithm: number;
  readonly signature: Uint8Array;
}

export function decodeCertificateVerify(input: DecodeInput): CertificateVerify {
  const r = readerOf(input);
  const algorithm = r.u16('CertificateVerify.algorithm');
  const signature = r.vec16('CertificateVerify.signature');
  r.end('CertificateVerify');
  return { algorithm, signature };
}

export function encodeCertificateVerify(cv: CertificateVerify): Uint8Array {
  const w = new Writer(4 + cv.signature.length);
  w.u16(cv.algorithm);
  w.opaque16(cv.signature);
  return w.finish();
}
