import { Writer } from '../wire/writer.js';
import { checkLength, decodeExtensions, encodeExtensions, readerOf, type DecodeInput, type Extension } from '../extensions/extension.js';

/** RFC 8446 §4.4.2 CertificateEntry (X509 or RawPublicKey: both are opaque<1..2^24-1>). */
export interface CertificateEntry {
  readonly certData: Uint8Array;
  readonly extensions: readonly Extension[];
}

/**
 * RFC 8446 §4.4.2:
 * `opaque certificate_request_context<0..2^8-1>; CertificateEntry certificate_list<0..2^24-1>;`
 */
export interface Certificate13 {
  readonly certificateRequestContext: Uint8Array;
  readonly certificateList: readonly CertificateEntry[];
}

export function decodeCertificate13(input: DecodeInput): Certificate13 {
  const r = readerOf(input);
  const certificateRequestContext = r.vec8('Certificate.certificate_request_context');
  const list = r.sub24('Certificate.certificate_list');
  const certificateList: CertificateEntry[] = [];
  while (!list.atEnd) {
    const certData = list.vec24('CertificateEntry.cert_data', 1);
    const extensions = decodeExtensions(list, 'CertificateEntry.extensions');
    certificateList.push({ certData, extensions });
  }
  r.end('Certificate');
  return { certificateRequestContext, certificateList };
}

export function encodeCertificate13(c: Certificate13): Uint8Array {
  let size = 8 + c.certificateRequestContext.length;
  for (const e of c.certificateList) size += 5 + e.certData.length + 64;
  const w = new Writer(size);
  w.opaque8(c.certificateRequestContext);
  w.vec24(() => {
    for (const e of c.certificateList) {
      checkLength(e.certData.length, 1, 0xffffff, 'CertificateEntry.cert_data');
      w.opaque24(e.certData);
      encodeExtensions(w, e.extensions);
    }
  });
  return w.finish();
}
