import { Writer } from '../wire/writer.js';
import { checkLength, readerOf, readU16List, writeU16List, type DecodeInput } from '../extensions/extension.js';

/** RFC 5246 §7.4.4 ClientCertificateType (plus RFC 8422 §5.5 ecdsa_sign). */
export const ClientCertificateType = { rsa_sign: 1, dss_sign: 2, rsa_fixed_dh: 3, dss_fixed_dh: 4, ecdsa_sign: 64 } as const;

/**
 * RFC 5246 §7.4.4:
 * `ClientCertificateType certificate_types<1..2^8-1>;
 *  SignatureAndHashAlgorithm supported_signature_algorithms<2..2^16-2>;
 *  DistinguishedName certificate_authorities<0..2^16-1>;` with `opaque DistinguishedName<1..2^16-1>;`
 * (the printed `<2^16-1>` bound of supported_signature_algorithms is read as in §7.4.1.4.1).
 */
export interface CertificateRequest12 {
  readonly certificateTypes: Uint8Array;
  readonly supportedSignatureAlgorithms: readonly number[];
  readonly certificateAuthorities: readonly Uint8Array[];
}

export function decodeCertificateRequest12(input: DecodeInput): CertificateRequest12 {
  const r = readerOf(input);
  const certificateTypes = r.vec8('CertificateRequest.certificate_types', 1);
  const supportedSignatureAlgorithms = readU16List(r, 'CertificateRequest.supported_signature_algorithms', 2, 0xfffe);
  const cas = r.sub16('CertificateRequest.certificate_authorities');
  const certificateAuthorities: Uint8Array[] = [];
  while (!cas.atEnd) certificateAuthorities.push(cas.vec16('DistinguishedName', 1));
  r.end('CertificateRequest');
  return { certificateTypes, supportedSignatureAlgorithms, certificateAuthorities };
}

export function encodeCertificateRequest12(cr: CertificateRequest12): Uint8Array {
  checkLength(cr.certificateTypes.length, 1, 0xff, 'CertificateRequest.certificate_types');
  checkLength(cr.supportedSignatureAlgorithms.length * 2, 2, 0xfffe, 'CertificateRequest.supported_signature_algorithms');
  const w = new Writer(64);
  w.opaque8(cr.certificateTypes);
  writeU16List(w, cr.supportedSignatureAlgorithms);
  w.vec16(() => {
    for (const dn of cr.certificateAuthorities) {
      checkLength(dn.length, 1, 0xffff, 'DistinguishedName');
      w.opaque16(dn);
    }
  });
  return w.finish();
}
