/**
 * OCSP (RFC 6960): parsing OCSPResponse / BasicOCSPResponse (§4.2.1), verifying the responder
 * (§4.2.2.2: the issuing CA itself, or a delegated responder certificate issued directly by the
 * CA with id-kp-OCSPSigning), matching the CertID (§4.1.1), freshness (§4.2.2.1, §3.2 (5)(6)),
 * and building an OCSPRequest (§4.1.1) for a certificate/issuer pair.
 */
import type { CryptoProvider, HashAlgorithm } from '../crypto/provider.js';
import { ErrorCode } from '../errors.js';
import { equalBytes, toHex } from '../wire/bytes.js';
import { algorithmIdentifier, parseCertificate, parseDistinguishedName, type AlgorithmIdentifier, type Certificate, type DistinguishedName, type Extension } from './certificate.js';
import { DerReader, Tag, badCert, checkInteger, contextTag, derExplicit, derInteger, derNull, derOctetString, derOid, derSequence, smallIntegerValue } from './der.js';
import { EXT_OID, encodeExtension, parseExtensions } from './ext.js';
import { OID } from './oids.js';
import { CRL_REASONS, type RevocationStatus } from './crl.js';
import { signatureSchemeFor } from './signature.js';
import { CertificateError, displayName, isoSeconds, who } from './validate.js';

/** OCSPResponseStatus (RFC 6960 §4.2.1). */
export const OCSP_RESPONSE_STATUS: Readonly<Record<number, string>> = {
  0: 'successful',
  1: 'malformedRequest',
  2: 'internalError',
  3: 'tryLater',
  5: 'sigRequired',
  6: 'unauthorized',
};

export interface CertId {
  readonly hashAlgorithm: AlgorithmIdentifier;
  readonly issuerNameHash: Uint8Array;
  readonly issuerKeyHash: Uint8Array;
  readonly serialRaw: Uint8Array;
}

export interface SingleResponse {
  readonly certId: CertId;
  readonly status: 'good' | 'revoked' | 'unknown';
  readonly revocationTime: Date | undefined;
  readonly revocationReason: string | undefined;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date | undefined;
  readonly extensions: readonly Extension[];
}

export interface BasicOcspResponse {
  /** The DER of the OCSPResponse. */
  readonly raw: Uint8Array;
  readonly tbsRaw: Uint8Array;
  readonly responderId: { readonly byName: DistinguishedName } | { readonly byKey: Uint8Array };
  readonly producedAt: Date;
  readonly responses: readonly SingleResponse[];
  readonly extensions: readonly Extension[];
  readonly signatureAlgorithm: AlgorithmIdentifier;
  readonly signature: Uint8Array;
  /** Certificates the responder included (a delegated responder certificate, usually). */
  readonly certs: readonly Certificate[];
}

export const MAX_OCSP_RESPONSE_SIZE = 1024 * 1024;

const HASHES: Readonly<Record<string, HashAlgorithm>> = { [OID.sha1]: 'sha1', [OID.sha256]: 'sha256', [OID.sha384]: 'sha384', [OID.sha512]: 'sha512' };

function ocspError(message: string, field?: string): CertificateError {
  return new CertificateError(ErrorCode.OCSP_RESPONSE_INVALID, 'revocation', message, field === undefined ? {} : { field });
}

/**
 * Parses a DER OCSPResponse. A non-successful responseStatus throws a CertificateError
 * (OCSP_RESPONSE_INVALID) naming it; malformed DER throws a TlsError (bad_certificate).
 */
export function parseOcspResponse(der: Uint8Array): BasicOcspResponse {
  if (der.length > MAX_OCSP_RESPONSE_SIZE) throw badCert(`${der.length} bytes exceeds ${MAX_OCSP_RESPONSE_SIZE}`, 'OCSPResponse');
  const top = new DerReader(der, 'OCSPResponse');
  const respTlv = top.expect(Tag.SEQUENCE, 'OCSPResponse');
  top.end();
  const resp = top.childOf(respTlv, 'OCSPResponse');
  // OCSPResponseStatus ::= ENUMERATED
  const status = smallIntegerValue(checkInteger(resp.expect(0x0a, 'OCSPResponse.responseStatus').value, 'OCSPResponse.responseStatus'), 'OCSPResponse.responseStatus', 6);
  if (status !== 0) {
    resp.optional(contextTag(0, true), 'OCSPResponse.responseBytes');
    resp.end();
    throw ocspError(`the OCSP responder answered ${OCSP_RESPONSE_STATUS[status] ?? `status ${status}`}, not a response`, 'OCSPResponse.responseStatus');
  }
  const rb = resp.constructed(contextTag(0, true), 'OCSPResponse.responseBytes').sequence('ResponseBytes');
  resp.end();
  const type = rb.oid('ResponseBytes.responseType');
  if (type !== EXT_OID.ocspBasic) throw ocspError(`unsupported OCSP response type ${type} (RFC 6960 §4.2.1: id-pkix-ocsp-basic)`, 'ResponseBytes.responseType');
  const basicDer = rb.octetString('ResponseBytes.response');
  rb.end();

  const br = new DerReader(basicDer, 'BasicOCSPResponse');
  const basic = br.sequence('BasicOCSPResponse');
  br.end();
  const tbsTlv = basic.expect(Tag.SEQUENCE, 'tbsResponseData');
  const signatureAlgorithm = algorithmIdentifier(basic, 'BasicOCSPResponse.signatureAlgorithm');
  const sig = basic.bitString('BasicOCSPResponse.signature');
  if (sig.unusedBits !== 0) throw badCert('unused bits', 'BasicOCSPResponse.signature');
  const certs: Certificate[] = [];
  const certsTlv = basic.optional(contextTag(0, true), 'BasicOCSPResponse.certs');
  if (certsTlv !== undefined) {
    const seq = basic.childOf(certsTlv, 'BasicOCSPResponse.certs').sequence('BasicOCSPResponse.certs');
    while (!seq.atEnd) {
      if (certs.length >= 8) throw badCert('more than 8 certificates', 'BasicOCSPResponse.certs');
      certs.push(parseCertificate(seq.expect(Tag.SEQUENCE, 'BasicOCSPResponse.certs').raw));
    }
  }
  basic.end();

  const tbs = basic.childOf(tbsTlv, 'tbsResponseData');
  const v = tbs.optional(contextTag(0, true), 'ResponseData.version');
  if (v !== undefined) {
    // DEFAULT v1: an encoded version is not DER (X.690 §11.5), and only v1 exists.
    throw badCert('version present (DEFAULT v1 must not be encoded)', 'ResponseData.version');
  }
  let responderId: BasicOcspResponse['responderId'];
  const rid = tbs.next('ResponseData.responderID');
  if (rid.tag === contextTag(1, true)) {
    const r = new DerReader(rid.value, 'ResponderID.byName');
    const n = r.expect(Tag.SEQUENCE, 'ResponderID.byName');
    r.end();
    responderId = { byName: parseDistinguishedName(n.raw, 'ResponderID.byName') };
  } else if (rid.tag === contextTag(2, true)) {
    const r = new DerReader(rid.value, 'ResponderID.byKey');
    const k = r.octetString('ResponderID.byKey');
    r.end();
    if (k.length !== 20) throw badCert('KeyHash must be a 20-octet SHA-1', 'ResponderID.byKey');
    responderId = { byKey: k };
  } else throw badCert(`unexpected tag 0x${rid.tag.toString(16)}`, 'ResponseData.responderID');
  const producedAtTlv = tbs.expect(Tag.GeneralizedTime, 'ResponseData.producedAt');
  const producedAt = new DerReader(producedAtTlv.raw, 'ResponseData.producedAt').time('ResponseData.producedAt');
  const list = tbs.sequence('ResponseData.responses');
  const responses: SingleResponse[] = [];
  while (!list.atEnd) {
    if (responses.length >= 64) throw badCert('more than 64 responses', 'ResponseData.responses');
    responses.push(parseSingleResponse(list));
  }
  let extensions: Extension[] = [];
  const ext = tbs.optional(contextTag(1, true), 'ResponseData.responseExtensions');
  if (ext !== undefined) {
    const w = tbs.childOf(ext, 'ResponseData.responseExtensions');
    extensions = parseExtensions(w, 'responseExtensions');
    w.end();
  }
  tbs.end();
  return { raw: respTlv.raw, tbsRaw: tbsTlv.raw, responderId, producedAt, responses, extensions, signatureAlgorithm, signature: sig.bytes, certs };
}

function generalizedTime(r: DerReader, field: string): Date {
  const t = r.expect(Tag.GeneralizedTime, field);
  return new DerReader(t.raw, field).time(field);
}

function parseCertId(r: DerReader): CertId {
  const c = r.sequence('CertID');
  const hashAlgorithm = algorithmIdentifier(c, 'CertID.hashAlgorithm');
  const issuerNameHash = c.octetString('CertID.issuerNameHash');
  const issuerKeyHash = c.octetString('CertID.issuerKeyHash');
  const serialRaw = c.integerBytes('CertID.serialNumber');
  c.end();
  return { hashAlgorithm, issuerNameHash, issuerKeyHash, serialRaw };
}

function parseSingleResponse(list: DerReader): SingleResponse {
  const s = list.sequence('SingleResponse');
  const certId = parseCertId(s);
  const cs = s.next('SingleResponse.certStatus');
  let status: SingleResponse['status'];
  let revocationTime: Date | undefined;
  let revocationReason: string | undefined;
  if (cs.tag === contextTag(0, false)) {
    if (cs.value.length !== 0) throw badCert('good must be NULL', 'CertStatus.good');
    status = 'good';
  } else if (cs.tag === contextTag(2, false)) {
    if (cs.value.length !== 0) throw badCert('unknown must be NULL', 'CertStatus.unknown');
    status = 'unknown';
  } else if (cs.tag === contextTag(1, true)) {
    // RevokedInfo ::= SEQUENCE { revocationTime GeneralizedTime, revocationReason [0] EXPLICIT CRLReason OPTIONAL }
    const ri = s.childOf(cs, 'CertStatus.revoked');
    revocationTime = generalizedTime(ri, 'RevokedInfo.revocationTime');
    const rr = ri.optional(contextTag(0, true), 'RevokedInfo.revocationReason');
    if (rr !== undefined) {
      const r = new DerReader(rr.value, 'RevokedInfo.revocationReason');
      const n = smallIntegerValue(checkInteger(r.expect(0x0a, 'RevokedInfo.revocationReason').value, 'RevokedInfo.revocationReason'), 'RevokedInfo.revocationReason', 10);
      r.end();
      revocationReason = CRL_REASONS[n];
    }
    ri.end();
    status = 'revoked';
  } else throw badCert(`unexpected tag 0x${cs.tag.toString(16)}`, 'SingleResponse.certStatus');
  const thisUpdate = generalizedTime(s, 'SingleResponse.thisUpdate');
  let nextUpdate: Date | undefined;
  const nu = s.optional(contextTag(0, true), 'SingleResponse.nextUpdate');
  if (nu !== undefined) {
    const r = new DerReader(nu.value, 'SingleResponse.nextUpdate');
    nextUpdate = generalizedTime(r, 'SingleResponse.nextUpdate');
    r.end();
  }
  let extensions: Extension[] = [];
  const ext = s.optional(contextTag(1, true), 'SingleResponse.singleExtensions');
  if (ext !== undefined) {
    const w = s.childOf(ext, 'SingleResponse.singleExtensions');
    extensions = parseExtensions(w, 'singleExtensions');
    w.end();
  }
  s.end();
  return { certId, status, revocationTime, revocationReason, thisUpdate, nextUpdate, extensions };
}

// ---------------------------------------------------------------------------------------------

/** CertID for `cert` issued by `issuer` (RFC 6960 §4.1.1): hashes of the issuer's Name DER and key bits. */
export function certIdFor(provider: CryptoProvider, cert: Certificate, issuer: Certificate, hash: HashAlgorithm = 'sha1'): Uint8Array {
  const oid = Object.entries(HASHES).find(([, h]) => h === hash)?.[0];
  if (oid === undefined) throw badCert(`unsupported hash ${hash}`, 'CertID.hashAlgorithm');
  return derSequence(
    derSequence(derOid(oid), derNull()),
    derOctetString(provider.hash(hash, issuer.subject.raw)),
    derOctetString(provider.hash(hash, issuer.subjectPublicKey)),
    derInteger(cert.serialRaw),
  );
}

/** Whether a CertID names `cert` issued by `issuer`. */
export function certIdMatches(provider: CryptoProvider, id: CertId, cert: Certificate, issuer: Certificate): boolean {
  const hash = HASHES[id.hashAlgorithm.oid];
  if (hash === undefined) return false;
  if (!equalBytes(id.serialRaw, cert.serialRaw)) return false;
  // §4.1.1: issuerNameHash is over the issuer's DN as in the certificate being checked.
  if (!equalBytes(id.issuerNameHash, provider.hash(hash, cert.issuer.raw))) return false;
  return equalBytes(id.issuerKeyHash, provider.hash(hash, issuer.subjectPublicKey));
}

export interface OcspRequestOptions {
  readonly hash?: HashAlgorithm;
  /** A nonce (RFC 8954: 1 to 32 octets); none by default. */
  readonly nonce?: Uint8Array;
}

/** A DER OCSPRequest for one certificate (RFC 6960 §4.1.1), unsigned. */
export function buildOcspRequest(provider: CryptoProvider, cert: Certificate, issuer: Certificate, o: OcspRequestOptions = {}): Uint8Array {
  const request = derSequence(certIdFor(provider, cert, issuer, o.hash ?? 'sha1'));
  const exts = o.nonce === undefined ? [] : [derExplicit(2, derSequence(encodeExtension(EXT_OID.ocspNonce, false, derOctetString(o.nonce))))];
  return derSequence(derSequence(derSequence(request), ...exts));
}

export interface OcspCheckOptions {
  readonly time: Date;
  /** Allowance for clock differences around thisUpdate/nextUpdate (default 5 minutes). */
  readonly clockSkewMs?: number;
  /** Age beyond which a response without nextUpdate is stale (default 7 days). */
  readonly maxAgeMs?: number;
}

/** Verifies who signed the response (§4.2.2.2); returns the signer description or an error. */
function verifyResponder(provider: CryptoProvider, r: BasicOcspResponse, issuer: Certificate, time: Date, skew: number): string | CertificateError {
  const sigOk = (spki: Uint8Array): boolean => {
    const key = provider.importPublicKey(spki);
    return provider.verify(signatureSchemeFor(r.signatureAlgorithm, key.info), key, r.tbsRaw, r.signature);
  };
  const idMatches = (c: Certificate): boolean =>
    'byName' in r.responderId ? equalBytes(r.responderId.byName.raw, c.subject.raw) : equalBytes(r.responderId.byKey, provider.hash('sha1', c.subjectPublicKey));
  // (1) the CA itself
  if (idMatches(issuer)) {
    if (sigOk(issuer.subjectPublicKeyInfo)) return `the issuing CA (${displayName(issuer)})`;
    return ocspError(`the OCSP response claims to be signed by ${displayName(issuer)} but the signature does not verify — corrupt or forged`, 'BasicOCSPResponse.signature');
  }
  // (3) a delegated responder: issued directly by the CA, with id-kp-OCSPSigning
  for (const c of r.certs) {
    if (!idMatches(c)) continue;
    const name = displayName(c);
    if (!equalBytes(c.issuer.raw, issuer.subject.raw)) return ocspError(`the OCSP responder ${name} was not issued by ${displayName(issuer)} (RFC 6960 §4.2.2.2: delegated responders are issued by the CA directly)`);
    let issuedByCa: boolean;
    try {
      const key = provider.importPublicKey(issuer.subjectPublicKeyInfo);
      issuedByCa = provider.verify(signatureSchemeFor(c.signatureAlgorithm, key.info), key, c.tbsRaw, c.signature);
    } catch {
      issuedByCa = false;
    }
    if (!issuedByCa) return ocspError(`the OCSP responder certificate ${name} is not signed by ${displayName(issuer)}`);
    if (c.extKeyUsage?.includes(OID.OCSPSigning) !== true) {
      return ocspError(`the OCSP responder certificate ${name} lacks extKeyUsage id-kp-OCSPSigning (RFC 6960 §4.2.2.2)`, 'extKeyUsage');
    }
    const t = time.getTime();
    if (t + skew < c.notBefore.getTime() || t - skew > c.notAfter.getTime()) {
      return ocspError(`the OCSP responder certificate ${name} is outside its validity period (${isoSeconds(c.notBefore)} to ${isoSeconds(c.notAfter)})`, 'validity');
    }
    if (!sigOk(c.subjectPublicKeyInfo)) return ocspError(`the signature of the OCSP response by ${name} does not verify — corrupt or forged`, 'BasicOCSPResponse.signature');
    return `delegated responder ${name}`;
  }
  return ocspError(
    `the OCSP response is signed by ${'byName' in r.responderId ? r.responderId.byName.text : `key ${toHex(r.responderId.byKey)}`}, which is neither ${displayName(issuer)} nor a responder it authorised`,
    'ResponseData.responderID',
  );
}

/**
 * The status of `cert` (at `index` in the path) from an OCSP response: the matching
 * SingleResponse, the responder's authority and signature, and freshness. Returns undefined when
 * the response says nothing about this certificate.
 */
export function checkOcsp(
  provider: CryptoProvider,
  response: BasicOcspResponse,
  cert: Certificate,
  index: number,
  issuer: Certificate,
  o: OcspCheckOptions,
): RevocationStatus | CertificateError | undefined {
  const single = response.responses.find((s) => certIdMatches(provider, s.certId, cert, issuer));
  if (single === undefined) return undefined;
  const skew = o.clockSkewMs ?? 5 * 60_000;
  const where = { index, subject: displayName(cert) };
  const signer = verifyResponder(provider, response, issuer, o.time, skew);
  if (signer instanceof CertificateError) {
    return new CertificateError(signer.code, 'revocation', `OCSP for ${who(cert, index)}: ${signer.message}`, { ...where, ...(signer.field !== undefined ? { field: signer.field } : {}) });
  }
  const t = o.time.getTime();
  const src = `OCSP response from ${signer} (thisUpdate ${isoSeconds(single.thisUpdate)})`;
  // RFC 6960 §3.2 (5)(6): thisUpdate sufficiently recent, nextUpdate not passed.
  if (single.thisUpdate.getTime() > t + skew) {
    return new CertificateError(ErrorCode.OCSP_RESPONSE_INVALID, 'revocation', `the ${src} for ${who(cert, index)} is not valid yet — check the clock`, { ...where, field: 'thisUpdate' });
  }
  const expires = single.nextUpdate?.getTime() ?? single.thisUpdate.getTime() + (o.maxAgeMs ?? 7 * 86_400_000);
  if (expires + skew < t) {
    return new CertificateError(
      ErrorCode.OCSP_RESPONSE_INVALID,
      'revocation',
      `the ${src} for ${who(cert, index)} is stale (${single.nextUpdate !== undefined ? `nextUpdate ${isoSeconds(single.nextUpdate)}` : 'no nextUpdate and older than the maximum age'}) — fetch a fresh one`,
      { ...where, field: 'nextUpdate' },
    );
  }
  if (single.status === 'revoked') return { status: 'revoked', source: src, reason: single.revocationReason, revocationDate: single.revocationTime ?? single.thisUpdate };
  return { status: single.status, source: src };
}
