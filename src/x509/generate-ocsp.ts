/**
 * OCSP response generation (RFC 6960 §4.2.1) for tests, the demo and `tlskit serve`: a
 * BasicOCSPResponse with one SingleResponse, signed by the issuing CA or a delegated responder
 * (whose certificate is then included, §4.2.2.2). Signatures come from the CryptoProvider.
 */
import type { CryptoProvider, PrivateKey } from '../crypto/provider.js';
import { ErrorCode, TlsError } from '../errors.js';
import { concat, equalBytes } from '../wire/bytes.js';
import type { Certificate } from './certificate.js';
import { CRL_REASONS } from './crl.js';
import { derBitString, derExplicit, derGeneralizedTime, derImplicit, derOctetString, derOid, derSequence, derTlv } from './der.js';
import { EXT_OID } from './ext.js';
import { certIdFor } from './ocsp.js';
import { signingAlgorithmFor } from './signature.js';

export interface GenerateOcspOptions {
  /** The certificate the response is about, and its issuer (the CertID, RFC 6960 §4.1.1). */
  readonly cert: Certificate;
  readonly issuer: Certificate;
  /** Who signs: the issuer itself, or a delegated responder with id-kp-OCSPSigning issued by it. */
  readonly signer: { readonly cert: Certificate; readonly key: PrivateKey };
  readonly status: 'good' | 'revoked' | 'unknown';
  /** For 'revoked': when, and the CRLReason name (e.g. 'keyCompromise'). Default: thisUpdate, no reason. */
  readonly revocationTime?: Date;
  readonly revocationReason?: string;
  /** Default: now − 1 hour. */
  readonly thisUpdate?: Date;
  /** Default: thisUpdate + 7 days; null: no nextUpdate. */
  readonly nextUpdate?: Date | null;
  /** Default: thisUpdate. */
  readonly producedAt?: Date;
  /** Responder ID by name (default) or by key hash (§4.2.2.3). */
  readonly responderId?: 'name' | 'key';
  /** Include the signer's certificate (default: only when it is not the issuer). */
  readonly includeSigner?: boolean;
  /** DER Extensions for the SingleResponse (e.g. an SCT list). */
  readonly singleExtensions?: readonly Uint8Array[];
}

/**
 * A DER OCSPResponse (responseStatus successful, id-pkix-ocsp-basic).
 *
 * @example
 * const der = generateOcspResponse(provider, { cert: leaf.cert, issuer: ca.cert, signer: ca, status: 'good' });
 */
export function generateOcspResponse(provider: CryptoProvider, o: GenerateOcspOptions): Uint8Array {
  const thisUpdate = o.thisUpdate ?? new Date(Math.floor((Date.now() - 3_600_000) / 1000) * 1000);
  const nextUpdate = o.nextUpdate === undefined ? new Date(thisUpdate.getTime() + 7 * 86_400_000) : o.nextUpdate;
  let certStatus: Uint8Array;
  if (o.status === 'good') certStatus = derImplicit(0, new Uint8Array(0));
  else if (o.status === 'unknown') certStatus = derImplicit(2, new Uint8Array(0));
  else {
    let reason: Uint8Array[] = [];
    if (o.revocationReason !== undefined) {
      const n = CRL_REASONS.indexOf(o.revocationReason);
      if (n < 0) throw new TlsError(ErrorCode.ERR_TLS_INVALID_OPTION, `unknown CRLReason ${o.revocationReason}`);
      reason = [derExplicit(0, derTlv(0x0a, Uint8Array.of(n)))];
    }
    // RevokedInfo ::= SEQUENCE { revocationTime, revocationReason [0] EXPLICIT CRLReason OPTIONAL }, [1] IMPLICIT
    certStatus = derTlv(0xa1, concat(derGeneralizedTime(o.revocationTime ?? thisUpdate), ...reason));
  }
  const single = derSequence(
    certIdFor(provider, o.cert, o.issuer),
    certStatus,
    derGeneralizedTime(thisUpdate),
    ...(nextUpdate === null ? [] : [derExplicit(0, derGeneralizedTime(nextUpdate))]),
    ...(o.singleExtensions !== undefined && o.singleExtensions.length > 0 ? [derExplicit(1, derSequence(...o.singleExtensions))] : []),
  );
  // ResponderID: byName [1] Name, byKey [2] KeyHash (SHA-1 of the subjectPublicKey bits)
  const responderId = o.responderId === 'key' ? derExplicit(2, derOctetString(provider.hash('sha1', o.signer.cert.subjectPublicKey))) : derExplicit(1, o.signer.cert.subject.raw);
  const tbs = derSequence(responderId, derGeneralizedTime(o.producedAt ?? thisUpdate), derSequence(single));
  const alg = signingAlgorithmFor(o.signer.key);
  const signature = provider.sign(alg.scheme, o.signer.key, tbs);
  const include = o.includeSigner ?? !equalBytes(o.signer.cert.raw, o.issuer.raw);
  const basic = derSequence(tbs, alg.algorithmIdentifier, derBitString(signature), ...(include ? [derExplicit(0, derSequence(o.signer.cert.raw))] : []));
  // OCSPResponse ::= SEQUENCE { responseStatus ENUMERATED successful(0), responseBytes [0] EXPLICIT ResponseBytes }
  return derSequence(derTlv(0x0a, Uint8Array.of(0)), derExplicit(0, derSequence(derOid(EXT_OID.ocspBasic), derOctetString(basic))));
}
