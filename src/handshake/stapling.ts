/**
 * OCSP stapling (RFC 6066 §8, RFC 8446 §4.4.2.1) and SCT delivery (RFC 6962 §3.3.1) in the
 * handshake, shared by both versions and both sides: what the client offers, what the server
 * staples, and what the client takes out of a TLS 1.3 Certificate message.
 */
import { ErrorCode, TlsError, illegalParameter } from '../errors.js';
import { findExtension, type Extension } from '../extensions/extension.js';
import { isAllowedIn } from '../extensions/allowed.js';
import { decodeStatusRequest, encodeStatusRequest } from '../extensions/status-request.js';
import { decodeSignedCertificateTimestampClient, decodeSignedCertificateTimestampList, encodeSignedCertificateTimestampClient } from '../extensions/signed-certificate-timestamp.js';
import { decodeCertificateStatus, encodeCertificateStatus } from '../messages/certificate-status.js';
import type { CertificateEntry } from '../messages/certificate13.js';
import type { ClientHello } from '../messages/client-hello.js';
import { ExtensionType } from '../registry/codepoints.js';
import type { CertifiedKey, ClientConfig, ServerConfig } from './config.js';
import { awaitValue, type HandshakeInput, type HandshakeStep } from './host.js';

/** What the server sent about its certificate besides the chain. */
export interface StapledData {
  /** DER OCSPResponses (TLS 1.3: leaf first, then any for intermediates). */
  readonly ocspResponses: readonly Uint8Array[];
  /** The one stapled with the leaf (TLS 1.3 entry 0; TLS 1.2 CertificateStatus). */
  readonly leafOcspResponse: Uint8Array | undefined;
  /** The leaf's TLS-encoded SignedCertificateTimestampList. */
  readonly sctList: Uint8Array | undefined;
}

export const NO_STAPLED_DATA: StapledData = { ocspResponses: [], leafOcspResponse: undefined, sctList: undefined };

/** The ClientHello status_request: ocsp with no responder IDs and no request extensions (RFC 6066 §8). */
export function clientStatusRequest(config: ClientConfig): Uint8Array | undefined {
  return config.requestOcsp ? encodeStatusRequest({ responderIdList: [], requestExtensions: new Uint8Array(0) }) : undefined;
}

/** The ClientHello signed_certificate_timestamp: empty (RFC 6962 §3.3.1). */
export function clientSctRequest(config: ClientConfig): Uint8Array | undefined {
  return config.requestScts ? encodeSignedCertificateTimestampClient() : undefined;
}

/**
 * RFC 8446 §4.4.2: the extensions of the server's CertificateEntries. Each must be one we asked
 * for (unsupported_extension) and one defined for Certificate (illegal_parameter, §4.2).
 * status_request carries a CertificateStatus (§4.4.2.1); the leaf's signed_certificate_timestamp
 * carries the SCT list (RFC 6962 §3.3.1).
 */
export function readCertificateEntries13(entries: readonly CertificateEntry[], sent: ReadonlySet<number>): StapledData {
  const ocspResponses: Uint8Array[] = [];
  let sctList: Uint8Array | undefined;
  let leafOcspResponse: Uint8Array | undefined;
  entries.forEach((entry, index) => {
    for (const ext of entry.extensions) {
      if (isAllowedIn(ext.type, 'CT') === false) throw illegalParameter(`extension ${ext.type} is not allowed in a CertificateEntry`, 'CertificateEntry.extensions');
      if (!sent.has(ext.type)) {
        throw new TlsError(ErrorCode.ERR_TLS_UNSUPPORTED_EXTENSION, `CertificateEntry ${index} has extension ${ext.type}, which we did not offer`, { field: 'CertificateEntry.extensions' });
      }
      if (ext.type === ExtensionType.status_request) {
        const status = decodeCertificateStatus(ext.data);
        // the leaf's response first: it is the one a must-staple certificate needs
        if (index === 0) {
          ocspResponses.unshift(status.ocspResponse);
          leafOcspResponse = status.ocspResponse;
        } else ocspResponses.push(status.ocspResponse);
      } else if (ext.type === ExtensionType.signed_certificate_timestamp) {
        decodeSignedCertificateTimestampList(ext.data);
        // RFC 6962 §3.3: SCTs are about the end-entity certificate.
        if (index === 0) sctList = ext.data;
      }
    }
  });
  return { ocspResponses, leafOcspResponse, sctList };
}

/** What a server staples for `certificate` given the client's ClientHello. */
export interface ServerStaple {
  readonly ocspResponse: Uint8Array | undefined;
  readonly sctList: Uint8Array | undefined;
}

/**
 * The OCSP response and SCT list for the chosen certificate, each only when the client asked
 * (RFC 6066 §8: a server staples only in answer to status_request; RFC 6962 §3.3.1 likewise).
 * The responder (node's 'OCSPRequest') is awaited when set.
 */
export function* serverStaple(config: ServerConfig, hello: ClientHello, certificate: CertifiedKey, serverName: string | undefined): Generator<HandshakeStep, ServerStaple, HandshakeInput> {
  let ocspResponse: Uint8Array | undefined;
  const sr = findExtension(hello.extensions, ExtensionType.status_request);
  // a status_type other than ocsp decodes to null: ignored (RFC 6066 §8)
  if (sr !== undefined && decodeStatusRequest(sr.data) !== null) {
    if (config.ocspResponder !== undefined) {
      const r = config.ocspResponder(certificate, serverName);
      const answer = r instanceof Promise ? yield* awaitValue(r) : r;
      ocspResponse = answer === null || answer.length === 0 ? undefined : answer;
    } else ocspResponse = certificate.ocspResponse;
  }
  let sctList: Uint8Array | undefined;
  const sct = findExtension(hello.extensions, ExtensionType.signed_certificate_timestamp);
  if (sct !== undefined) {
    decodeSignedCertificateTimestampClient(sct.data);
    sctList = certificate.sctList;
  }
  return { ocspResponse, sctList };
}

/** TLS 1.3 leaf CertificateEntry extensions for a staple (RFC 8446 §4.4.2.1). */
export function leafEntryExtensions13(staple: ServerStaple): Extension[] {
  const out: Extension[] = [];
  if (staple.ocspResponse !== undefined) out.push({ type: ExtensionType.status_request, data: encodeCertificateStatus({ ocspResponse: staple.ocspResponse }) });
  if (staple.sctList !== undefined) out.push({ type: ExtensionType.signed_certificate_timestamp, data: staple.sctList });
  return out;
}
