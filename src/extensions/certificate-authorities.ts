import { Writer } from '../wire/writer.js';
import { checkLength, decodeWhole, type DecodeInput } from './extension.js';

/**
 * RFC 8446 §4.2.4: `opaque DistinguishedName<1..2^16-1>; DistinguishedName authorities<3..2^16-1>;`
 * (DER-encoded X.501 names, kept opaque).
 */
export function decodeCertificateAuthorities(input: DecodeInput): Uint8Array[] {
  return decodeWhole(input, 'certificate_authorities', (r) => {
    const list = r.sub16('certificate_authorities.authorities', 3);
    const out: Uint8Array[] = [];
    while (!list.atEnd) out.push(list.vec16('DistinguishedName', 1));
    return out;
  });
}

export function encodeCertificateAuthorities(authorities: readonly Uint8Array[]): Uint8Array {
  checkLength(authorities.length, 1, 0x5555, 'certificate_authorities.authorities');
  const w = new Writer(64);
  w.vec16(() => {
    for (const dn of authorities) {
      checkLength(dn.length, 1, 0xffff, 'DistinguishedName');
      w.opaque16(dn);
    }
  });
  return w.finish();
}
