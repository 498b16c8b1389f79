import { Writer } from '../wire/writer.js';
import { checkLength, decodeEmpty, decodeWhole, type DecodeInput } from './extension.js';

/** RFC 6962 §3.3.1: the ClientHello signed_certificate_timestamp is empty. */
export function decodeSignedCertificateTimestampClient(input: DecodeInput): void {
  decodeEmpty(input, 'signed_certificate_timestamp');
}
export function encodeSignedCertificateTimestampClient(): Uint8Array {
  return new Uint8Array(0);
}

/**
 * RFC 6962 §3.3: `opaque SerializedSCT<1..2^16-1>; SerializedSCT sct_list<1..2^16-1>;` (server
 * side: TLS 1.2 ServerHello, TLS 1.3 CertificateEntry). SCTs are kept opaque.
 */
export function decodeSignedCertificateTimestampList(input: DecodeInput): Uint8Array[] {
  return decodeWhole(input, 'signed_certificate_timestamp', (r) => {
    const list = r.sub16('SignedCertificateTimestampList.sct_list', 1);
    const out: Uint8Array[] = [];
    while (!list.atEnd) out.push(list.vec16('SerializedSCT', 1));
    return out;
  });
}

export function encodeSignedCertificateTimestampList(scts: readonly Uint8Array[]): Uint8Array {
  checkLength(scts.length, 1, 0x7fff, 'SignedCertificateTimestampList.sct_list');
  const w = new Writer(64);
  w.vec16(() => {
    for (const s of scts) {
      checkLength(s.length, 1, 0xffff, 'SerializedSCT');
      w.opaque16(s);
    }
  });
  return w.finish();
}
