import { Writer } from '../wire/writer.js';
import { checkLength, decodeEmpty, decodeWhole, type DecodeInput } from './extension.js';

/** RFC 6066 §8: CertificateStatusType ocsp(1). */
export const CertificateStatusType = { ocsp: 1 } as const;

/**
 * RFC 6066 §8 `CertificateStatusRequest` with status_type ocsp:
 * `ResponderID responder_id_list<0..2^16-1>; Extensions request_extensions;` where
 * `opaque ResponderID<1..2^16-1>;` and `opaque Extensions<0..2^16-1>;` (DER, kept opaque).
 */
export interface OcspStatusRequest {
  readonly responderIdList: readonly Uint8Array[];
  readonly requestExtensions: Uint8Array;
}

/**
 * Decode the ClientHello (or TLS 1.3 CertificateRequest) status_request body. Returns null for a
 * status_type other than ocsp: its layout is unknown, and RFC 6066 §8 lets the server ignore it.
 */
export function decodeStatusRequest(input: DecodeInput): OcspStatusRequest | null {
  return decodeWhole(input, 'status_request', (r) => {
    const statusType = r.u8('CertificateStatusRequest.status_type');
    if (statusType !== CertificateStatusType.ocsp) {
      r.rest('CertificateStatusRequest.request');
      return null;
    }
    const ids = r.sub16('OCSPStatusRequest.responder_id_list');
    const responderIdList: Uint8Array[] = [];
    while (!ids.atEnd) responderIdList.push(ids.vec16('ResponderID', 1));
    const requestExtensions = r.vec16('OCSPStatusRequest.request_extensions');
    return { responderIdList, requestExtensions };
  });
}

export function encodeStatusRequest(req: OcspStatusRequest): Uint8Array {
  const w = new Writer(8);
  w.u8(CertificateStatusType.ocsp);
  w.vec16(() => {
    for (const id of req.responderIdList) {
      checkLength(id.length, 1, 0xffff, 'ResponderID');
      w.opaque16(id);
    }
  });
  w.opaque16(req.requestExtensions);
  return w.finish();
}

/** RFC 6066 §8: the TLS 1.2 ServerHello status_request is empty. */
export function decodeStatusRequestServer(input: DecodeInput): void {
  decodeEmpty(input, 'status_request');
}
export function encodeStatusRequestServer(): Uint8Array {
  return new Uint8Array(0);
}
