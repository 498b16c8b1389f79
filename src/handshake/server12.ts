import { ErrorCode, TlsError, decodeError, illegalParameter, internalError } from '../errors.js';
import { Transcript } from '../keyschedule/transcript.js';
import { decodeClientHello, type ClientHello } from '../messages/client-hello.js';
import { DOWNGRADE_TLS12, encodeServerHello, type ServerHello } from '../messages/server-hello.js';
import type { HandshakeMessage } from '../messages/handshake.js';
import { encodeCertificate12 } from '../messages/certificate12.js';
import { encodeServerDhParams, encodeServerEcdhParams, encodeServerKeyExchangeDhe, encodeServerKeyExchangeEcdhe } from '../messages/server-key-exchange.js';
import { FFDHE_GROUPS, G2 } from '../crypto/ffdhe-groups.js';
import { encodeServerHelloDone } from '../messages/empty-messages.js';
import { decodeClientKeyExchange } from '../messages/client-key-exchange.js';
import { encodeNewSessionTicket12 } from '../messages/new-session-ticket12.js';
import { decodeSessionTicket } from '../extensions/session-ticket.js';
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
import { certificatesForName } from './common13.js';
import { deriveSession12, resumeSession12, receiveFinished12, sendFinished12, dhePreMasterSecret12, dhPublic12, isEcdheGroup12, isFfdheGroup, MAX_RECORD_SIZE_LIMIT_12, rsaPreMasterSecret12, serverParamsSignedContent } from './common12.js';
import { awaitValue, CHANGE_CIPHER_SPEC_MESSAGE, expect, type HandshakeGenerator, type HandshakeHost } from './host.js';
import { chooseSignatureScheme12, keyFitsAuth, tls12Suite, type Tls12Suite } from './suites12.js';
import { receiveCertificateVerify12, receiveClientCertificate12, sendCertificateRequest12 } from './client-auth.js';
import { serverStaple } from './stapling.js';
import { encodeStatusRequestServer } from '../extensions/status-request.js';
import { encodeCertificateStatus } from '../messages/certificate-status.js';
import { findResumable12, MAX_SESSION_ID_LENGTH_12, type Resumption12, type ServerSessions12, type SessionParams12 } from './resumption12.js';

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
  /** RFC 5077 §3.2: the session_ticket extension's ticket; undefined: not sent; empty: asks for one. */
  readonly sessionTicket: Uint8Array | undefined;
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
  const ticket = ext(ExtensionType.session_ticket);
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
    sessionTicket: ticket === undefined ? undefined : decodeSessionTicket(ticket),
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
  const byName = certificatesForName(certificates, name);
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

/** RFC 8446 §4.1.3: a TLS 1.3-capable server negotiating TLS 1.2 sets the downgrade sentinel. */
function serverRandom12(config: ServerConfig): Uint8Array {
  const random = config.provider.randomBytes(32);
  if (config.maxVersion >= ProtocolVersion.TLS1_3) random.set(DOWNGRADE_TLS12, 24);
  return random;
}

/**
 * The TLS 1.2 ServerHello extensions answering the client's (RFC 5246 §7.4.1.4: only ones it
 * sent); `resumed`: RFC 6066 §3, no server_name when resuming a session.
 */
function serverHelloExtensions12(
  config: ServerConfig,
  hello: ClientHello,
  offer: Offer12,
  suite: Tls12Suite,
  alpn: string | undefined,
  ems: boolean,
  resumed: boolean,
): { extensions: Extension[]; encryptThenMac: boolean } {
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
  if (offer.serverName !== undefined && !resumed) extensions.push({ type: ExtensionType.server_name, data: EMPTY });
  if (alpn !== undefined) extensions.push({ type: ExtensionType.application_layer_protocol_negotiation, data: encodeAlpnServer(alpn) });
  if (offer.recordSizeLimit !== undefined) {
    // RFC 8449 §4: in TLS 1.2 the limit is at most 2^14.
    const ours = Math.min(config.recordSizeLimit ?? MAX_RECORD_SIZE_LIMIT_12, MAX_RECORD_SIZE_LIMIT_12);
    extensions.push({ type: ExtensionType.record_size_limit, data: encodeRecordSizeLimit(ours) });
  }
  return { extensions, encryptThenMac };
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

  // --- resumption: a ticket (RFC 5077 §3.4) or a cached session ID (RFC 5246 §7.4.1.2) → the abbreviated handshake
  const resumption = yield* findResumable12(config, {
    sessionId: hello.legacySessionId,
    sessionTicket: offer.sessionTicket,
    cipherSuites: hello.cipherSuites,
    serverName: offer.serverName,
    extendedMasterSecret: offer.extendedMasterSecret,
  });
  if (resumption !== undefined) {
    yield* resumeServer12(host, config, chMsg, hello, offer, resumption);
    return;
  }

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
  const random = serverRandom12(config);
  const { extensions, encryptThenMac } = serverHelloExtensions12(config, hello, offer, suite, alpn, ems, false);
  // RFC 8449 §4: in TLS 1.2 the limit is at most 2^14.
  if (offer.recordSizeLimit !== undefined) neg.peerRecordSizeLimit = Math.min(offer.recordSizeLimit, MAX_RECORD_SIZE_LIMIT_12);
  // RFC 5077 §3.2: a client that sent session_ticket gets a ticket (announced by an empty
  // session_ticket) and, RFC 5077 §3.4, an empty session_id; otherwise a session ID to cache.
  const sessions = config.sessions12;
  const issueTicket = sessions !== undefined && config.sessionTickets12 && offer.sessionTicket !== undefined;
  if (issueTicket) extensions.push({ type: ExtensionType.session_ticket, data: EMPTY });
  const sessionId = sessions !== undefined && !issueTicket ? p.randomBytes(MAX_SESSION_ID_LENGTH_12) : EMPTY;
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
    // RFC 5246 §7.4.1.3: an empty session_id means the session will not be cached.
    legacySessionIdEcho: sessionId,
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
  // RFC 5246 §7.4.9: recipients MUST verify (constant-time comparison) → decrypt_error.
  const cf = yield* receiveFinished12(host, p, suite, session, 'client', transcript, encryptThenMac, expect);
  neg.clientFinished = cf.verifyData;
  transcript.add(cf.raw);

  // --- the session, now that the client Finished verified (RFC 5077 §3.3): a NewSessionTicket
  // before our ChangeCipherSpec, or the session cached under its ID (RFC 5246 §7.4.1.2)
  if (sessions !== undefined) {
    const params: SessionParams12 = {
      cipherSuite: suite.suite,
      masterSecret: session.masterSecret,
      extendedMasterSecret: ems,
      serverName: offer.serverName,
      alpn,
      peerCertificates: neg.peerCertificates,
      peerVerified: neg.peerVerified,
    };
    if (issueTicket) transcript.add(sendNewSessionTicket12(host, sessions, params));
    else if (sessionId.length > 0 && (yield* awaitValue(sessions.saveSession12(sessionId, params)))) neg.sessionId12 = sessionId;
  }

  // --- our ChangeCipherSpec, Finished
  const fin = sendFinished12(host, p, suite, session, 'server', transcript, encryptThenMac);
  transcript.add(fin.raw);
  neg.serverFinished = fin.verifyData;
  host.complete12(session.exporter);
  yield* refuseRenegotiation12(host);
}

/** RFC 5746 §4.4 / RFC 5246 §7.4.1.2: renegotiation refused, a ClientHello gets a no_renegotiation warning. */
function* refuseRenegotiation12(host: HandshakeHost): HandshakeGenerator {
  for (;;) {
    const again = yield* expect(HandshakeType.client_hello);
    host.received(again, decodeClientHello(again.body));
    host.sendWarningAlert(AlertDescription.no_renegotiation);
  }
}

/** RFC 5077 §3.3: seals the session into a ticket and sends it; returns the message for the transcript. */
function sendNewSessionTicket12(host: HandshakeHost, sessions: ServerSessions12, params: SessionParams12): Uint8Array {
  const nst = sessions.sealTicket12(params);
  return host.send(HandshakeType.new_session_ticket, encodeNewSessionTicket12(nst), nst).raw;
}

/**
 * The abbreviated TLS 1.2 handshake (RFC 5246 §7.3 Figure 2, RFC 5077 §3.1 Figure 2): ServerHello
 * with the client's session_id, [NewSessionTicket] (a renewed ticket), ChangeCipherSpec,
 * Finished → the client's ChangeCipherSpec, Finished. No certificate, no key exchange: the
 * session's master secret with the new randoms. The resumed session keeps the original client
 * identity and its chain is not validated again.
 */
function* resumeServer12(
  host: HandshakeHost,
  config: ServerConfig,
  chMsg: HandshakeMessage,
  hello: ClientHello,
  offer: Offer12,
  resumption: Resumption12,
): HandshakeGenerator {
  const p = config.provider;
  const neg = host.negotiated;
  const state = resumption.session;
  const suite = tls12Suite(state.cipherSuite);
  if (suite === undefined) throw internalError('resumed session with an unknown cipher suite');
  neg.cipherSuite = suite.suite;
  neg.resumed = true;
  neg.extendedMasterSecret = state.extendedMasterSecret;
  if (resumption.via === 'session_id') neg.sessionId12 = hello.legacySessionId;
  // RFC 7301 §3.1 / RFC 6066 §3: the other extensions are negotiated again on resumption.
  const alpn = chooseAlpn(config, offer.alpn);
  neg.alpnProtocol = alpn;
  if (offer.recordSizeLimit !== undefined) neg.peerRecordSizeLimit = Math.min(offer.recordSizeLimit, MAX_RECORD_SIZE_LIMIT_12);
  // the verification result of the original handshake (not run again)
  if (state.peer.kind !== 'none') neg.peerVerified = state.peer.verified === true;
  if (state.peer.kind === 'certificates') neg.peerCertificates = state.peer.chain;

  // RFC 5077 §3.3: renew a ticket sealed under an older key (announced by an empty session_ticket).
  // A session that only keeps a digest of the client's chain is not renewed (the identity would be lost).
  const sessions = config.sessions12;
  const renew = sessions !== undefined && resumption.renewTicket && state.peer.kind !== 'digest';
  const random = serverRandom12(config);
  const { extensions, encryptThenMac } = serverHelloExtensions12(config, hello, offer, suite, alpn, state.extendedMasterSecret, true);
  if (renew) extensions.push({ type: ExtensionType.session_ticket, data: EMPTY });
  const sh: ServerHello = {
    legacyVersion: ProtocolVersion.TLS1_2,
    random,
    // RFC 5246 §7.4.1.3 / RFC 5077 §3.4: the client's session_id, which tells it the session is resumed.
    legacySessionIdEcho: hello.legacySessionId,
    cipherSuite: suite.suite,
    legacyCompressionMethod: 0,
    extensions,
  };
  const transcript = new Transcript(p, suite.prfHash);
  transcript.add(chMsg.raw);
  transcript.add(host.send(HandshakeType.server_hello, encodeServerHello(sh), sh).raw);
  if (renew) {
    transcript.add(
      sendNewSessionTicket12(host, sessions, {
        cipherSuite: suite.suite,
        masterSecret: state.masterSecret,
        extendedMasterSecret: state.extendedMasterSecret,
        serverName: state.serverName,
        alpn,
        peerCertificates: state.peer.kind === 'certificates' ? state.peer.chain : [],
        peerVerified: neg.peerVerified,
      }),
    );
  }

  // --- our ChangeCipherSpec, Finished first (RFC 5246 §7.3)
  const session = resumeSession12(host, p, suite, state.masterSecret, hello.random, random);
  const fin = sendFinished12(host, p, suite, session, 'server', transcript, encryptThenMac);
  transcript.add(fin.raw);
  neg.serverFinished = fin.verifyData;

  // --- the client's ChangeCipherSpec, Finished
  yield* expect(CHANGE_CIPHER_SPEC_MESSAGE);
  // RFC 5246 §7.4.9: recipients MUST verify (constant-time comparison) → decrypt_error.
  const cf = yield* receiveFinished12(host, p, suite, session, 'client', transcript, encryptThenMac, expect);
  neg.clientFinished = cf.verifyData;
  host.complete12(session.exporter);
  yield* refuseRenegotiation12(host);
}
