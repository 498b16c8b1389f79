import { Writer } from '../wire/writer.js';
import { checkLength, decodeExtensions, encodeExtensions, readerOf, type DecodeInput, type Extension } from '../extensions/extension.js';

/**
 * RFC 8446 §4.3.2: `opaque certificate_request_context<0..2^8-1>; Extension extensions<2..2^16-1>;`
 * (signature_algorithms MUST be present: the handshake checks that, with missing_extension).
 */
export interface CertificateRequest13 {
  readonly certificateRequestContext: Uint8Array;
  readonly extensions: readonly Extension[];
}

export function decodeCertificateRequest13(input: DecodeInput): CertificateRequest13 {
  const r = readerOf(input);
  const certificateRequestContext = r.vec8('CertificateRequest.certificate_request_context');
  const extensions = decodeExtensions(r, 'CertificateRequest.extensions', 2);
  r.end('CertificateRequest');
  return { certificateRequestContext, extensions };
}

export function encodeCertificateRequest13(cr: CertificateRequest13): Uint8Array {
  checkLength(cr.extensions.length, 1, 0x3fff, 'CertificateRequest.extensions');
  const w = new Writer(64);
  w.opaque8(cr.certificateRequestContext);
  encodeExtensions(w, cr.extensions);
  return w.finish();
}
