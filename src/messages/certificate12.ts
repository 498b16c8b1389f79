import { Writer } from '../wire/writer.js';
import { checkLength, readerOf, type DecodeInput } from '../extensions/extension.js';

/** RFC 5246 §7.4.2: `opaque ASN.1Cert<1..2^24-1>; ASN.1Cert certificate_list<0..2^24-1>;` (sender's cert first). */
export interface Certificate12 {
  readonly certificateList: readonly Uint8Array[];
}

export function decodeCertificate12(input: DecodeInput): Certificate12 {
  const r = readerOf(input);
  const list = r.sub24('Certificate.certificate_list');
  const certificateList: Uint8Array[] = [];
  while (!list.atEnd) certificateList.push(list.vec24('ASN.1Cert', 1));
  r.end('Certificate');
  return { certificateList };
}

export function encodeCertificate12(c: Certificate12): Uint8Array {
  let size = 3;
  for (const cert of c.certificateList) size += 3 + cert.length;
  const w = new Writer(size);
  w.vec24(() => {
    for (const cert of c.certificateList) {
      checkLength(cert.length, 1, 0xffffff, 'ASN.1Cert');
      w.opaque24(cert);
    }
  });
  return w.finish();
}
