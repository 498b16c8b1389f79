import { illegalParameter } from '../errors.js';
import { Writer } from '../wire/writer.js';
import { checkLength, readerOf, type DecodeInput } from '../extensions/extension.js';

/**
 * RFC 6066 §8 CertificateStatus: `CertificateStatusType status_type; select (status_type) { case
 * ocsp: OCSPResponse response; }` with `opaque OCSPResponse<1..2^24-1>;` (DER OCSPResponse, RFC 6960).
 * The same body is the TLS 1.3 CertificateEntry status_request extension (RFC 8446 §4.4.2.1).
 */
export interface CertificateStatus {
  readonly ocspResponse: Uint8Array;
}

export function decodeCertificateStatus(input: DecodeInput): CertificateStatus {
  const r = readerOf(input);
  const statusType = r.u8('CertificateStatus.status_type');
  // Only ocsp(1) is defined by RFC 6066 §8; another type cannot answer our ocsp request.
  if (statusType !== 1) throw illegalParameter(`CertificateStatus.status_type ${statusType}: only ocsp(1) is defined (RFC 6066 §8)`, 'CertificateStatus.status_type');
  const ocspResponse = r.vec24('CertificateStatus.response', 1);
  r.end('CertificateStatus');
  return { ocspResponse };
}

export function encodeCertificateStatus(s: CertificateStatus): Uint8Array {
  checkLength(s.ocspResponse.length, 1, 0xffffff, 'CertificateStatus.response');
  return new Writer(4 + s.ocspResponse.length).u8(1).opaque24(s.ocspResponse).finish();
}
