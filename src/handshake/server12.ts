import { ErrorCode, TlsError, decodeError, illegalParameter } from '../errors.js';
import { finishedVerifyData12, verifyFinished12, VERIFY_DATA_LENGTH } from '../keyschedule/prf12.js';
import { Transcript } from '../keyschedule/transcript.js';
import { decodeClientHello, type ClientHello } from '../messages/client-hello.js';
import { DOWNGRADE_TLS12, encodeServerHello, type ServerHello } from '../messages/server-hello.js';
import type { HandshakeMessage } from '../messages/handshake.js';
import { encodeCertificate12 } from '../messages/certificate12.js';
import { encodeServerDhParams, encodeServerEcdhParams, encodeServerKeyExchangeDhe, encodeServerKeyExchangeEcdhe } from '../messages/server-key-exchange.js';
import { FFDHE_GROUPS, G2 } from '../crypto/ffdhe-groups.js';
import { encodeServerHelloDone } from '../messages/empty-messages.js';
import { decodeClientKeyExchange } from '../messages/client-key-exchange.js';
import { decodeFinished, encodeFinished } from '../messages/finished.js';
import { findExtension, type Extension } from '../extensions/extension.js';
import { decodeServerNameClient } from '../extensions/server-name.js';
import { decodeSupportedGroups } from '../extensions/supported-groups.js';
import { decodeSignatureAlgorithms } from '../extensions/signature-algorithms.js';
import { decodeAlpn, encodeAlpnServer } from '../extensions/alpn.js';
import { decodeSupportedVersionsClient } from '../extensions/supported-versions.js';
import { decodeEcPointFormats, encodeEcPointFormats, ECPointFormat } from '../extensions/ec-point-formats.js';
import { decodeExtendedMasterSecret, encodeExtendedMasterSecret } from '../extensions/empty-extensions.js';
import { decodeRecordSizeLimit, encodeRecordSizeLimit } from '../extensions/record-size-limit.js';
import { decodeRenegotiationInfo, encodeRenegotiationInfo } from '../extensions/renegotiation-info.js';
import { AlertDescription } from '../registry/alerts.js';
import { CipherSuite, ExtensionType, HandshakeType, NamedGroup, ProtocolVersion } from '../registry/codepoints.js';
import type { CertifiedKey, ServerConfig } from './config.js';
import { nameMatches } from './common13.js';
import { deriveSession12, dhePreMasterSecret12, dhPublic12, isEcdheGroup12, isFfdheGroup, macKeys12, MAX_RECORD_SIZE_LIMIT_12, rsaPreMasterSecret12, serverParamsSignedContent } from './common12.js';
import { awaitValue, CHANGE_CIPHER_SPEC_MESSAGE, expect, type HandshakeGenerator, type HandshakeHost } from './host.js';
import { chooseSignatureScheme12, keyFitsAuth, tls12Suite, type Tls12Suite } from './suites12.js';
import { receiveCertificateVerify12, receiveClientCertificate12, sendCertificateRequest12 } from './client-auth.js';
import { serverStaple } from './stapling.js';
import { encodeStatusRequestServer } from '../extensions/status-request.js';
import { encodeCertificateStatus } from '../messages/certificate-status.js';

const EMPTY = new Uint8Array(0);
const CURVE_GROUP = { 'P-256': NamedGroup.secp256r1, 'P-384': NamedGroup.secp384r1, 'P-521': NamedGroup.secp521r1 } as const;

/** The versions a ClientHello offers: supported_versions, or legacy_version without it (RFC 8446 §4.2.1). */
export function offeredVersions(hello: ClientHello): readonly number[] {
  const sv = findExtension(hello.extensions, ExtensionType.supported_versions);
  if (sv !== undefined) return decodeSupportedVersionsClient(sv.data);
  // RFC 5246 Appendix E.1: client_version is the highest version the client supports.
  return hello.legacyVersion >= ProtocolVersion.TLS1_2 ? [ProtocolVersion.TLS1_2] : [hello.legacyVersion];
}

/**
 * The version a server speaks with this ClientHello: the highest one both enable (RFC 8446
 * §4.2.1, RFC 5246 Appendix E.1); none in common is protocol_version.
 */
export function selectServerVersion(config: ServerConfig, hello: ClientHello): number {
  const offered = offeredVersions(hello);
  for (const v of [ProtocolVersion.TLS1_3, ProtocolVersion.TLS1_2]) {
    if (v >= config.minVersion && v <= config.maxVersion && offered.includes(v)) return v;
  }
  throw new TlsError(ErrorCode.ERR_TLS_PROTOCOL_VERSION, 'no protocol version in common with the client', { field: 'ClientHello.supported_versions' });
}

interface Offer12 {
  readonly groups: readonly number[];
  readonly signatureAlgorithms: readonly number[];
  readonly serverName: string | undefined;
  readonly alpn: readonly string[] | undefined;
  readonly recordSizeLimit: number | undefined;
  readonly ecPointFormats: boolean;
  readonly extendedMasterSecret: boolean;
  readonly secureRenegotiation: boolean;
}

function readOffer12(hello: ClientHello): Offer12 {
  const ext = (type: number): Uint8Array | undefined => findExtension(hello.extensions, type)?.data;
  const groups = ext(ExtensionType.supported_groups);
  const sigs = ext(ExtensionType.signature_algorithms);
  const sni = ext(ExtensionType.server_name);
  const alpn = ext(ExtensionType.application_layer_protocol_negotiation);
  const rsl = ext(ExtensionType.record_size_limit);
  const pf = ext(ExtensionType.ec_point_formats);
  const ems = ext(ExtensionType.extended_master_secret);
  const ri = ext(ExtensionType.renegotiation_info);
  if (ems !== undefined) decodeExtendedMasterSecret(ems);
  // RFC 5746 §3.6: on the initial handshake renegotiated_connection must be empty (handshake_failure).
  if (ri !== undefined && decodeRenegotiationInfo(ri).length !== 0) {
    throw new TlsError(ErrorCode.ERR_TLS_HANDSHAKE_FAILURE, 'renegotiation_info is not empty on the initial handshake', { field: 'ClientHello.renegotiation_info' });
  }
  // RFC 8422 §5.1.2: a list without uncompressed cannot be used → illegal_parameter.
  if (pf !== undefined && !decodeEcPointFormats(pf).includes(ECPointFormat.uncompressed)) {
    throw illegalParameter('ec_point_formats without uncompressed', 'ClientHello.ec_point_formats');
  }
  return {
    // RFC 8422 §4: without supported_groups the server may use any curve; we take secp256r1.
    groups: groups === undefined ? [NamedGroup.secp256r1] : decodeSupportedGroups(groups),
    signatureAlgorithms: sigs === undefined ? [] : decodeSignatureAlgorithms(sigs),
    serverName: sni === undefined ? undefined : (decodeServerNameClient(sni).hostName ?? undefined),
    alpn: alpn === undefined ? undefined : decodeAlpn(alpn),
    recordSizeLimit: rsl === undefined ? undefined : decodeRecordSizeLimit(rsl),
    ecPointFormats: pf !== undefined,
    extendedMasterSecret: ems !== undefined,
    // RFC 5746 §3.6: the SCSV or the empty extension signal secure renegotiation support.
    secureRenegotiation: ri !== undefined || hello.cipherSuites.includes(CipherSuite.TLS_EMPTY_RENEGOTIATION_INFO_SCSV),
  };
}

interface Choice12 {
  readonly suite: Tls12Suite;
  readonly certificate: CertifiedKey;
  /** The ServerKeyExchange signature scheme; undefined with RSA key exchange (no ServerKeyExchange). */
  readonly scheme: number | undefined;
}

/** Server preference: the first of our suites the client offered for which a certificate and a signature scheme fit. */
function chooseSuite12(config: ServerConfig, hello: ClientHello, offer: Offer12, certificates: readonly CertifiedKey[]): Choice12 {
  const name = offer.serverName;
  const byName = name === undefined ? [] : certificates.filter((c) => c.names.some((pattern) => nameMatches(pattern, name)));
  for (const code of config.cipherSuites12) {
    const suite = hello.cipherSuites.includes(code) ? tls12Suite(code) : undefined;
    if (suite === undefined) continue;
    // RFC 7919 §4: a client that lists FFDHE groups, none of which we support, gets no DHE suite.
    if (suite.keyExchange === 'dhe' && (chooseDheGroup(offer) === undefined || config.provider.dhKeyShare === undefined)) continue;
    // legacy suites need their (optional) provider primitives
    if (suite.keyExchange === 'rsa' && config.provider.rsaDecryptPkcs1 === undefined) continue;
    if (suite.cbc !== undefined && config.provider.cbc === undefined) continue;
    for (const pool of [byName, certificates]) {
      for (const certificate of pool) {
        if (!keyFitsAuth(suite.auth, certificate.key.info)) continue;
        // RFC 5246 §7.4.2: RSA key exchange needs an RSA key (no ServerKeyExchange, so no signature scheme).
        if (suite.keyExchange === 'rsa') {
          if (certificate.key.info.type === 'rsa') return { suite, certificate, scheme: undefined };
          continue;
        }
        // RFC 8422 §5.3: an ECDSA certificate's curve must be one the client listed in supported_groups.
        const curve = certificate.key.info.curve;
        if (curve !== undefined && !offer.groups.includes(CURVE_GROUP[curve])) continue;
        const scheme = chooseSignatureScheme12(config.signatureAlgorithms, offer.signatureAlgorithms, certificate.key.info);
        if (scheme !== undefined) return { suite, certificate, scheme };
      }
    }
  }
  // RFC 5246 §7.4.1.3: no acceptable choice → handshake_failure.
  throw new TlsError(ErrorCode.ERR_TLS_HANDSHAKE_FAILURE, 'no TLS 1.2 cipher suite in common (with a certificate and signature algorithm that fit)');
}

/** Our FFDHE groups, in preference order (RFC 7919 Appendix A). */
const DHE_GROUPS: readonly number[] = [NamedGroup.ffdhe2048, NamedGroup.ffdhe3072];

/**
 * RFC 7919 §4: the first of our FFDHE groups the client lists; a client listing no FFDHE group
 * (an RFC 7919-unaware client) gets ffdhe2048; listing only others, none (undefined).
 */
function chooseDheGroup(offer: Offer12): number | undefined {
  const listed = offer.groups.filter(isFfdheGroup);
  if (listed.length === 0) return NamedGroup.ffdhe2048;
  return DHE_GROUPS.find((g) => listed.includes(g));
}

function chooseAlpn(config: ServerConfig, offered: readonly string[] | undefined): string | undefined {
  if (offered === undefined || config.alpnProtocols.length === 0) return undefined;
  for (const proto of config.alpnProtocols) if (offered.includes(proto)) return proto;
  // RFC 7301 §3.2: no protocol in common → no_application_protocol.
  if (config.alpnStrict) throw new TlsError(ErrorCode.ERR_TLS_NO_APPLICATION_PROTOCOL, 'no ALPN protocol in common');
  return undefined;
}

/**
 * The TLS 1.2 server handshake (RFC 5246 §7.3, RFC 8422), from a ClientHello already received:
 * ServerHello, Certificate, ServerKeyExchange, ServerHelloDone → ClientKeyExchange,
 * ChangeCipherSpec, Finished → ChangeCipherSpec, Finished. Renegotiation is refused with a
 * no_renegotiation warning (RFC 5746 §4.4).
 */
export function* serverHandshake12(host: HandshakeHost, config: ServerConfig, chMsg: HandshakeMessage, hello: ClientHello): HandshakeGenerator {
  const p = config.provider;
  const neg = host.negotiated;

  // RFC 7507 §3: TLS_FALLBACK_SCSV with a client version below our highest → inappropriate_fallback.
  if (hello.cipherSuites.includes(CipherSuite.TLS_FALLBACK_SCSV) && config.maxVersion > Math.max(...offeredVersions(hello))) {
    throw new TlsError(ErrorCode.ERR_TLS_INAPPROPRIATE_FALLBACK, 'TLS_FALLBACK_SCSV from a client below our highest version');
  }
  // RFC 5246 §7.4.1.2: the null compression method must be offered.
  if (!hello.legacyCompressionMethods.includes(0)) {
    throw illegalParameter('ClientHello compression_methods lacks null', 'ClientHello.compression_methods');
  }
  const offer = readOffer12(hello);
  neg.version = ProtocolVersion.TLS1_2;
  neg.clientRandom = hello.random;
  neg.serverName = offer.serverName;

  let certificates: readonly CertifiedKey[] = config.certificates;
  if (config.selectCertificate !== undefined) {
    const selected = config.selectCertificate(offer.serverName, offer.signatureAlgorithms);
    certificates = selected instanceof Promise ? yield* awaitValue(selected) : selected;
  }
  const choice = chooseSuite12(config, hello, offer, certificates);
  const suite = choice.suite;
  neg.cipherSuite = suite.suite;
  // RFC 8422 §5.1.1 / §5.4: a curve from the client's list (our preference order); RFC 7919 §4 for DHE.
  const group =
    suite.keyExchange === 'dhe' ? chooseDheGroup(offer) : config.groups.find((g) => isEcdheGroup12(g) && offer.groups.includes(g) && p.supportsGroup(g));
  if (group === undefined && suite.keyExchange !== 'rsa') throw new TlsError(ErrorCode.ERR_TLS_HANDSHAKE_FAILURE, 'no ECDHE group in common');
  neg.group = group;
  const alpn = chooseAlpn(config, offer.alpn);
  neg.alpnProtocol = alpn;
  const ems = offer.extendedMasterSecret;
  // RFC 7627 §5.3: a server that requires the extended master secret aborts without it.
  if (!ems && config.requireExtendedMasterSecret) {
    throw new TlsError(ErrorCode.ERR_TLS_HANDSHAKE_FAILURE, 'the client does not offer extended_master_secret, which is required');
  }
  neg.extendedMasterSecret = ems;

  // --- ServerHello (RFC 5246 §7.4.1.3)
  const random = p.randomBytes(32);
  // RFC 8446 §4.1.3: a TLS 1.3-capable server negotiating TLS 1.2 sets the downgrade sentinel.
  if (config.maxVersion >= ProtocolVersion.TLS1_3) random.set(DOWNGRADE_TLS12, 24);
  const extensions: Extension[] = [];
  if (offer.secureRenegotiation) extensions.push({ type: ExtensionType.renegotiation_info, data: encodeRenegotiationInfo() });
  if (ems) extensions.push({ type: ExtensionType.extended_master_secret, data: encodeExtendedMasterSecret() });
  // RFC 7366 §2/§3: echo encrypt_then_mac (empty) only when a CBC suite is selected and the client offered it.
  const etmOffer = findExtension(hello.extensions, ExtensionType.encrypt_then_mac);
  if (etmOffer !== undefined && etmOffer.data.length !== 0) throw decodeError('encrypt_then_mac must be empty', 'ClientHello.encrypt_then_mac');
  const encryptThenMac = suite.cbc !== undefined && etmOffer !== undefined;
  if (encryptThenMac) extensions.push({ type: ExtensionType.encrypt_then_mac, data: EMPTY });
  // RFC 8422 §5.2: answer ec_point_formats with uncompressed.
  if (offer.ecPointFormats) extensions.push({ type: ExtensionType.ec_point_formats, data: encodeEcPointFormats([ECPointFormat.uncompressed]) });
  // RFC 6066 §3: acknowledge a server_name we used, with an empty extension.
  if (offer.serverName !== undefined) extensions.push({ type: ExtensionType.server_name, data: EMPTY });
  if (alpn !== undefined) extensions.push({ type: ExtensionType.application_layer_protocol_negotiation, data: encodeAlpnServer(alpn) });
  if (offer.recordSizeLimit !== undefined) {
    neg.peerRecordSizeLimit = Math.min(offer.recordSizeLimit, MAX_RECORD_SIZE_LIMIT_12);
    // RFC 8449 §4: in TLS 1.2 the limit is at most 2^14.
    const ours = Math.min(config.recordSizeLimit ?? MAX_RECORD_SIZE_LIMIT_12, MAX_RECORD_SIZE_LIMIT_12);
    extensions.push({ type: ExtensionType.record_size_limit, data: encodeRecordSizeLimit(ours) });
  }
  // RFC 6066 §8: acknowledge status_request (empty) only when a CertificateStatus will follow;
  // RFC 6962 §3.3.1: the SCT list rides in the ServerHello.
  const staple = yield* serverStaple(config, hello, choice.certificate, offer.serverName);
  if (staple.ocspResponse !== undefined) extensions.push({ type: ExtensionType.status_request, data: encodeStatusRequestServer() });
  if (staple.sctList !== undefined) extensions.push({ type: ExtensionType.signed_certificate_timestamp, data: staple.sctList });
  neg.ocspResponse = staple.ocspResponse;
  neg.sctList = staple.sctList;
  const sh: ServerHello = {
    legacyVersion: ProtocolVersion.TLS1_2,
    random,
    // RFC 5246 §7.4.1.3: an empty session_id: the session will not be cached (no resumption).
    legacySessionIdEcho: EMPTY,
    cipherSuite: suite.suite,
    legacyCompressionMethod: 0,
    extensions,
  };
  // (mutual TLS: the client's CertificateVerify signs the handshake messages themselves, RFC 5246 §7.4.8)
  const clientAuth = config.clientAuth;
  const transcript = new Transcript(p, suite.prfHash, { retainMessages: clientAuth !== undefined });
  transcript.add(chMsg.raw);
  transcript.add(host.send(HandshakeType.server_hello, encodeServerHello(sh), sh).raw);

  // --- Certificate (RFC 5246 §7.4.2)
  const cert = { certificateList: choice.certificate.chain };
  transcript.add(host.send(HandshakeType.certificate, encodeCertificate12(cert), cert).raw);
  neg.localCertificates = choice.certificate.chain;

  // --- [CertificateStatus] (RFC 6066 §8): right after the Certificate.
  if (staple.ocspResponse !== undefined) {
    const status = { ocspResponse: staple.ocspResponse };
    transcript.add(host.send(HandshakeType.certificate_status, encodeCertificateStatus(status), status).raw);
  }

  // --- ServerKeyExchange (RFC 8422 §5.4 / RFC 5246 §7.4.3): our ephemeral public value, signed with the randoms.
  let deriveSecret: (peer: Uint8Array) => Uint8Array;
  const scheme = choice.scheme ?? 0;
  if (suite.keyExchange === 'rsa' || group === undefined) {
    // RFC 5246 §7.4.3: no ServerKeyExchange; §7.4.7.1: the pre-master secret comes encrypted to our key,
    // decrypted with the Bleichenbacher countermeasure against ClientHello.client_version.
    const key = choice.certificate.key;
    deriveSecret = (encrypted) => rsaPreMasterSecret12(p, key, encrypted, hello.legacyVersion);
  } else if (suite.keyExchange === 'dhe') {
    const prime = FFDHE_GROUPS.get(group);
    if (prime === undefined || p.dhKeyShare === undefined) throw new TlsError(ErrorCode.ERR_TLS_HANDSHAKE_FAILURE, 'no DHE group');
    const share = p.dhKeyShare(prime, G2);
    const dhYs = dhPublic12(share.publicKey);
    const params = encodeServerDhParams(prime, G2, dhYs);
    const signature = p.sign(scheme, choice.certificate.key, serverParamsSignedContent(hello.random, random, params));
    neg.localSignatureScheme = scheme;
    const ske = { dhP: prime, dhG: G2, dhYs, algorithm: scheme, signature };
    transcript.add(host.send(HandshakeType.server_key_exchange, encodeServerKeyExchangeDhe(ske), { ...ske, params }).raw);
    // RFC 7919 §5.1: 1 < dh_Yc < p-1 (illegal_parameter); RFC 5246 §8.1.2: leading zeros of Z stripped
    deriveSecret = (peer) => dhePreMasterSecret12(share.deriveSecret(peer));
  } else {
    const share = p.generateKeyShare(group);
    const params = encodeServerEcdhParams(group, share.publicKey);
    const signature = p.sign(scheme, choice.certificate.key, serverParamsSignedContent(hello.random, random, params));
    neg.localSignatureScheme = scheme;
    const ske = { namedCurve: group, publicPoint: share.publicKey, algorithm: scheme, signature };
    transcript.add(host.send(HandshakeType.server_key_exchange, encodeServerKeyExchangeEcdhe(ske), { ...ske, params }).raw);
    // RFC 8422 §5.10 / §5.11: the provider validates the client's point (illegal_parameter).
    deriveSecret = (peer) => share.deriveSecret(peer);
  }

  // --- [CertificateRequest] (RFC 5246 §7.4.4), ServerHelloDone (§7.4.5)
  if (clientAuth !== undefined) sendCertificateRequest12(host, config, clientAuth, transcript);
  transcript.add(host.send(HandshakeType.server_hello_done, encodeServerHelloDone(), {}).raw);

  // --- [client Certificate] (§7.4.6)
  const clientKey = clientAuth === undefined ? undefined : yield* receiveClientCertificate12(host, config, clientAuth, transcript);

  // --- ClientKeyExchange (RFC 8422 §5.7)
  const ckeMsg = yield* expect(HandshakeType.client_key_exchange);
  const cke = decodeClientKeyExchange(ckeMsg.body, suite.keyExchange);
  host.received(ckeMsg, cke);
  const preMaster = deriveSecret(cke.exchangeKeys);
  transcript.add(ckeMsg.raw);
  // RFC 7627 §3: session_hash up to and including ClientKeyExchange.
  const session = deriveSession12(host, p, suite, preMaster, hello.random, random, ems ? transcript.hash() : undefined);
  // --- [client CertificateVerify] (§7.4.8)
  if (clientKey !== undefined) yield* receiveCertificateVerify12(host, config, clientKey, transcript);

  // --- client ChangeCipherSpec, Finished (RFC 5246 §7.1, §7.4.9)
  yield* expect(CHANGE_CIPHER_SPEC_MESSAGE);
  host.setReadKeys12(suite, session.keys.clientWriteKey, session.keys.clientWriteIv, macKeys12(suite, session.keys.clientWriteMacKey, encryptThenMac));
  const cfMsg = yield* expect(HandshakeType.finished);
  const cf = decodeFinished(cfMsg.body, VERIFY_DATA_LENGTH);
  host.received(cfMsg, cf);
  // RFC 5246 §7.4.9: recipients MUST verify (constant-time comparison) → decrypt_error.
  if (!verifyFinished12(p, suite.prfHash, session.masterSecret, 'client', transcript.hash(), cf.verifyData)) {
    throw new TlsError(ErrorCode.ERR_TLS_DECRYPT_ERROR, 'client Finished does not verify', { field: 'Finished.verify_data' });
  }
  neg.clientFinished = cf.verifyData;
  transcript.add(cfMsg.raw);

  // --- our ChangeCipherSpec, Finished
  host.sendChangeCipherSpec();
  host.setWriteKeys12(suite, session.keys.serverWriteKey, session.keys.serverWriteIv, macKeys12(suite, session.keys.serverWriteMacKey, encryptThenMac));
  const verifyData = finishedVerifyData12(p, suite.prfHash, session.masterSecret, 'server', transcript.hash());
  const fin = { verifyData };
  transcript.add(host.send(HandshakeType.finished, encodeFinished(fin), fin).raw);
  neg.serverFinished = verifyData;
  host.complete12(session.exporter);

  // --- renegotiation refused: RFC 5746 §4.4 / RFC 5246 §7.4.1.2, a ClientHello gets a no_renegotiation warning.
  for (;;) {
    const again = yield* expect(HandshakeType.client_hello);
    host.received(again, decodeClientHello(again.body));
    host.sendWarningAlert(AlertDescription.no_renegotiation);
  }
}
