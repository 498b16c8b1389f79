/**
 * Mutual TLS (RFC 8446 §4.3.2, §4.4.2, §4.4.2.4, §4.4.3; RFC 5246 §7.4.4, §7.4.6, §7.4.8): the
 * server's CertificateRequest and its checks of the client's Certificate and CertificateVerify;
 * the client's choice of certificate and its answer.
 */
import type { KeyInfo, PublicKey } from '../crypto/provider.js';
import { ErrorCode, TlsError, illegalParameter } from '../errors.js';
import type { Transcript } from '../keyschedule/transcript.js';
import { encodeCertificateRequest13, type CertificateRequest13 } from '../messages/certificate-request13.js';
import { decodeCertificate13, encodeCertificate13 } from '../messages/certificate13.js';
import { decodeCertificate12 } from '../messages/certificate12.js';
import { ClientCertificateType, encodeCertificateRequest12, type CertificateRequest12 } from '../messages/certificate-request12.js';
import { decodeCertificateVerify, encodeCertificateVerify } from '../messages/certificate-verify.js';
import { findExtension, type Extension } from '../extensions/extension.js';
import { decodeSignatureAlgorithms, encodeSignatureAlgorithms } from '../extensions/signature-algorithms.js';
import { decodeCertificateAuthorities, encodeCertificateAuthorities } from '../extensions/certificate-authorities.js';
import { ExtensionType, HandshakeType, SignatureScheme } from '../registry/codepoints.js';
import { schemeFitsKey12 } from './suites12.js';
import { equalBytes } from '../wire/bytes.js';
import { parseCertificate, type Certificate } from '../x509/certificate.js';
import type { CertifiedKey, ClientAuthConfig, ClientConfig, ServerConfig } from './config.js';
import { certificateVerifyContent, chooseSignatureScheme, verifyPeerSignature } from './common13.js';
import { awaitValue, expect, type HandshakeHost, type HandshakeInput, type HandshakeStep } from './host.js';
import type { HandshakeMessage } from '../messages/handshake.js';
import { leafEntryExtensions13, readCertificateEntries13, type StapledData } from './stapling.js';

const EMPTY = new Uint8Array(0);
/** The extensions a client CertificateEntry may carry: those our CertificateRequest asked for (RFC 8446 §4.4.2). */
const OCSP_REQUESTED: ReadonlySet<number> = new Set([ExtensionType.status_request]);
const NOTHING_REQUESTED: ReadonlySet<number> = new Set();

/** RFC 8446 §4.3.2: sends a CertificateRequest (signature_algorithms, certificate_authorities when configured). */
export function sendCertificateRequest13(
  host: Pick<HandshakeHost, 'send'>,
  config: ServerConfig,
  auth: ClientAuthConfig,
  transcript: Transcript,
  context: Uint8Array,
): void {
  const extensions: Extension[] = [
    { type: ExtensionType.signature_algorithms, data: encodeSignatureAlgorithms(config.signatureAlgorithms) },
  ];
  if (auth.certificateAuthorities.length > 0) {
    extensions.push({ type: ExtensionType.certificate_authorities, data: encodeCertificateAuthorities(auth.certificateAuthorities) });
  }
  // §4.4.2.1: an empty status_request asks the client to staple an OCSP response.
  if (auth.requestOcsp === true) extensions.push({ type: ExtensionType.status_request, data: EMPTY });
  const cr: CertificateRequest13 = { certificateRequestContext: context, extensions };
  transcript.add(host.send(HandshakeType.certificate_request, encodeCertificateRequest13(cr), cr).raw);
}

/**
 * RFC 8446 §4.4.2, §4.4.3: the client's Certificate (for `context`) and, when it is not empty,
 * its CertificateVerify; both are added to the transcript.
 */
export function* receiveClientCertificate13(
  host: Pick<HandshakeHost, 'received' | 'negotiated'>,
  config: ServerConfig,
  auth: ClientAuthConfig,
  transcript: Transcript,
  context: Uint8Array,
  received?: HandshakeMessage,
): Generator<HandshakeStep, void, HandshakeInput> {
  // (post-handshake, §4.6.2: the Certificate was already read to find its request)
  const certMsg = received ?? (yield* expect(HandshakeType.certificate));
  const cert = decodeCertificate13(certMsg.body);
  host.received(certMsg, cert);
  // §4.4.2: the context echoes the CertificateRequest's.
  if (!equalBytes(cert.certificateRequestContext, context)) {
    throw illegalParameter('client Certificate has the wrong request context', 'Certificate.certificate_request_context');
  }
  // §4.4.2: a client's entry extensions answer ones in our CertificateRequest: status_request
  // when we asked for a staple (§4.4.2.1), nothing else.
  const stapled = readCertificateEntries13(cert.certificateList, auth.requestOcsp === true ? OCSP_REQUESTED : NOTHING_REQUESTED);
  transcript.add(certMsg.raw);
  if (cert.certificateList.length === 0) {
    // §4.4.2.4: the server may abort with certificate_required, or continue without client authentication.
    if (auth.requireCertificate) throw new TlsError(ErrorCode.ERR_TLS_CERTIFICATE_REQUIRED, 'the client sent no certificate');
    return;
  }
  const chain = cert.certificateList.map((e) => e.certData);
  host.negotiated.peerCertificates = chain;
  host.negotiated.clientOcspResponse = stapled.leafOcspResponse;
  const key = yield* verifyClientChain(host, config, auth, chain, auth.requestOcsp === true ? stapled : undefined);

  const cvMsg = yield* expect(HandshakeType.certificate_verify);
  const cv = decodeCertificateVerify(cvMsg.body);
  host.received(cvMsg, cv);
  verifyPeerSignature(
    config.provider,
    config.signatureAlgorithms,
    cv.algorithm,
    key,
    certificateVerifyContent('client', transcript.hash()),
    cv.signature,
  );
  host.negotiated.peerSignatureScheme = cv.algorithm;
  transcript.add(cvMsg.raw);
}

/**
 * Verifies the client's chain (purpose clientAuth) and returns the leaf's public key. A chain that
 * fails is fatal when `rejectUnverified`, otherwise the reason is kept in `negotiated.verifyError`.
 */
export function* verifyClientChain(
  host: Pick<HandshakeHost, 'negotiated'>,
  config: ServerConfig,
  auth: ClientAuthConfig,
  chain: readonly Uint8Array[],
  stapled?: StapledData,
): Generator<HandshakeStep, PublicKey, HandshakeInput> {
  const leaf = chain[0] as Uint8Array;
  let parsed: Certificate | undefined;
  if (auth.verifier !== null) {
    // a staple we asked for is checked with the chain (RFC 8446 §4.4.2.1, RFC 6960)
    const req = {
      chain,
      purpose: 'clientAuth' as const,
      time: config.now(),
      ...(stapled !== undefined ? { ocspResponses: stapled.ocspResponses, statusRequested: true } : {}),
    };
    // a verifier that may fetch (CRLs from distribution points) is waited for
    const result = auth.verifier.verifyAsync !== undefined ? yield* awaitValue(auth.verifier.verifyAsync(req)) : auth.verifier.verify(req);
    if (result.ok) {
      host.negotiated.peerVerified = true;
      const first = result.chain[0];
      if (first !== undefined && equalBytes(first.raw, leaf)) parsed = first;
    } else if (auth.rejectUnverified) {
      throw result.error;
    } else {
      host.negotiated.verifyError = result.error;
    }
  }
  parsed ??= parseCertificate(leaf);
  // RFC 5280 §4.2.1.3: a key that signs CertificateVerify needs digitalSignature when keyUsage is present.
  if (host.negotiated.peerVerified && parsed.keyUsage !== undefined && !parsed.keyUsage.digitalSignature) {
    throw new TlsError(ErrorCode.ERR_TLS_UNSUPPORTED_CERTIFICATE, 'the client certificate\'s keyUsage does not allow digitalSignature');
  }
  return config.provider.importPublicKey(parsed.subjectPublicKeyInfo);
}

/**
 * RFC 8446 §4.4.2, §4.4.3: answers a CertificateRequest (in the handshake or after it, §4.6.2)
 * with our Certificate (the request's context; empty when no certificate fits) and, when it is
 * not empty, our CertificateVerify; both are added to `transcript`.
 */
export function sendClientCertificate13(
  host: Pick<HandshakeHost, 'send' | 'negotiated'>,
  config: ClientConfig,
  request: CertificateRequest13,
  transcript: Transcript,
): void {
  const sa = findExtension(request.extensions, ExtensionType.signature_algorithms);
  // §4.3.2: signature_algorithms MUST be in a CertificateRequest.
  if (sa === undefined) throw new TlsError(ErrorCode.ERR_TLS_MISSING_EXTENSION, 'CertificateRequest without signature_algorithms');
  const schemes = decodeSignatureAlgorithms(sa.data);
  const ca = findExtension(request.extensions, ExtensionType.certificate_authorities);
  const authorities = ca === undefined ? undefined : decodeCertificateAuthorities(ca.data);
  const chosen = chooseClientCertificate(config.certificates, schemes, authorities, (info, peer) =>
    chooseSignatureScheme(config.signatureAlgorithms, peer, info),
  );
  // §4.4.2.1: a server that sent status_request gets our OCSP response for the leaf, if we have one.
  const staple = findExtension(request.extensions, ExtensionType.status_request) !== undefined ? chosen?.certificate.ocspResponse : undefined;
  const certMsg = {
    certificateRequestContext: request.certificateRequestContext,
    certificateList:
      chosen === undefined
        ? []
        : chosen.certificate.chain.map((certData, i) => ({ certData, extensions: i === 0 && staple !== undefined ? leafEntryExtensions13({ ocspResponse: staple, sctList: undefined }) : [] })),
  };
  transcript.add(host.send(HandshakeType.certificate, encodeCertificate13(certMsg), certMsg).raw);
  if (chosen === undefined) return;
  host.negotiated.localCertificates = chosen.certificate.chain;
  host.negotiated.localSignatureScheme = chosen.scheme;
  const signature = config.provider.sign(chosen.scheme, chosen.certificate.key, certificateVerifyContent('client', transcript.hash()));
  const cv = { algorithm: chosen.scheme, signature };
  transcript.add(host.send(HandshakeType.certificate_verify, encodeCertificateVerify(cv), cv).raw);
}

/**
 * The client certificate for a CertificateRequest: the first whose key can sign with a scheme
 * the server listed, preferring chains issued under one of the server's certificate_authorities
 * (RFC 8446 §4.2.4, RFC 5246 §7.4.4); with no such chain, the first that can sign at all.
 */
export function chooseClientCertificate(
  certificates: readonly CertifiedKey[],
  peerSchemes: readonly number[],
  authorities: readonly Uint8Array[] | undefined,
  pickScheme: (info: KeyInfo, peerSchemes: readonly number[]) => number | undefined,
): { certificate: CertifiedKey; scheme: number } | undefined {
  const fits = (c: CertifiedKey): boolean => {
    if (authorities === undefined || authorities.length === 0) return true;
    for (const der of c.chain) {
      let cert: Certificate;
      try {
        cert = parseCertificate(der);
      } catch {
        continue;
      }
      if (authorities.some((dn) => equalBytes(dn, cert.issuer.raw) || equalBytes(dn, cert.subject.raw))) return true;
    }
    return false;
  };
  const preferred = certificates.filter(fits);
  for (const pool of [preferred, certificates]) {
    for (const certificate of pool) {
      const scheme = pickScheme(certificate.key.info, peerSchemes);
      if (scheme !== undefined) return { certificate, scheme };
    }
  }
  return undefined;
}

/**
 * RFC 5246 §7.4.4: whether a client key may answer a TLS 1.2 CertificateRequest listing
 * `certificateTypes`: RSA keys need rsa_sign, ECDSA keys ecdsa_sign, and EdDSA keys also
 * ecdsa_sign (RFC 8422 §5.5). A certificate of another type is not sent.
 */
export function certificateTypeAllowed12(certificateTypes: Uint8Array, info: KeyInfo): boolean {
  switch (info.type) {
    case 'rsa':
    case 'rsa-pss':
      return certificateTypes.includes(ClientCertificateType.rsa_sign);
    case 'ec':
    case 'ed25519':
    case 'ed448':
      return certificateTypes.includes(ClientCertificateType.ecdsa_sign);
    default:
      return false;
  }
}

/** RFC 5246 §7.4.4: the TLS 1.2 CertificateRequest (RSA and ECDSA/EdDSA certificates, RFC 8422 §5.5). */
export function sendCertificateRequest12(host: HandshakeHost, config: ServerConfig, auth: ClientAuthConfig, transcript: Transcript): void {
  const cr: CertificateRequest12 = {
    certificateTypes: new Uint8Array(auth.certificateTypes12 ?? [ClientCertificateType.rsa_sign, ClientCertificateType.ecdsa_sign]),
    supportedSignatureAlgorithms: signatureAlgorithms12(config),
    certificateAuthorities: auth.certificateAuthorities,
  };
  transcript.add(host.send(HandshakeType.certificate_request, encodeCertificateRequest12(cr), cr).raw);
}

/** The schemes we list (and accept) for a TLS 1.2 client CertificateVerify. */
function signatureAlgorithms12(config: ServerConfig): number[] {
  return config.signatureAlgorithms.filter((s) => s !== SignatureScheme.rsa_pss_pss_sha256 && s !== SignatureScheme.rsa_pss_pss_sha384 && s !== SignatureScheme.rsa_pss_pss_sha512);
}

/**
 * RFC 5246 §7.4.6: the client's Certificate (after ServerHelloDone). Returns the leaf key, or
 * undefined for an empty Certificate (then no CertificateVerify follows).
 */
export function* receiveClientCertificate12(
  host: HandshakeHost,
  config: ServerConfig,
  auth: ClientAuthConfig,
  transcript: Transcript,
): Generator<HandshakeStep, PublicKey | undefined, HandshakeInput> {
  const certMsg = yield* expect(HandshakeType.certificate);
  const cert = decodeCertificate12(certMsg.body);
  host.received(certMsg, cert);
  transcript.add(certMsg.raw);
  if (cert.certificateList.length === 0) {
    // §7.4.6: a server that requires client authentication responds with a fatal handshake_failure.
    if (auth.requireCertificate) throw new TlsError(ErrorCode.ERR_TLS_HANDSHAKE_FAILURE, 'the client sent no certificate');
    return undefined;
  }
  host.negotiated.peerCertificates = cert.certificateList;
  return yield* verifyClientChain(host, config, auth, cert.certificateList);
}

/** RFC 5246 §7.4.8: the client's CertificateVerify, a signature over all handshake messages so far. */
export function* receiveCertificateVerify12(
  host: HandshakeHost,
  config: ServerConfig,
  key: PublicKey,
  transcript: Transcript,
): Generator<HandshakeStep, void, HandshakeInput> {
  const cvMsg = yield* expect(HandshakeType.certificate_verify);
  const cv = decodeCertificateVerify(cvMsg.body);
  host.received(cvMsg, cv);
  // §7.4.8: the algorithm must be one of those in our CertificateRequest (§7.4.1.4.1) and fit the key.
  if (!signatureAlgorithms12(config).includes(cv.algorithm)) {
    throw illegalParameter(`CertificateVerify uses signature scheme 0x${cv.algorithm.toString(16)}, which was not requested`, 'CertificateVerify.algorithm');
  }
  if (!schemeFitsKey12(cv.algorithm, key.info)) {
    throw illegalParameter('CertificateVerify signature scheme does not match the certificate key', 'CertificateVerify.algorithm');
  }
  if (!config.provider.verify(cv.algorithm, key, transcript.messages(), cv.signature)) {
    throw new TlsError(ErrorCode.ERR_TLS_DECRYPT_ERROR, 'CertificateVerify signature does not verify', { field: 'CertificateVerify.signature' });
  }
  host.negotiated.peerSignatureScheme = cv.algorithm;
  transcript.add(cvMsg.raw);
}
