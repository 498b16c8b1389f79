import type { KeyShare, PublicKey } from '../crypto/provider.js';
import { ErrorCode, TlsError, decodeError, illegalParameter, internalError, unexpectedMessage } from '../errors.js';
import { EarlySecrets, MasterSecrets, finishedVerifyData, verifyFinished } from '../keyschedule/tls13.js';
import { tls13Suite, type Tls13Suite } from '../keyschedule/suites.js';
import { Transcript } from '../keyschedule/transcript.js';
import { encodeClientHello, type ClientHello } from '../messages/client-hello.js';
import { decodeServerHello, isHelloRetryRequest, type ServerHello } from '../messages/server-hello.js';
import { decodeEncryptedExtensions } from '../messages/encrypted-extensions.js';
import { decodeCertificateRequest13, type CertificateRequest13 } from '../messages/certificate-request13.js';
import { decodeCertificate13, type CertificateEntry } from '../messages/certificate13.js';
import { decodeCertificateVerify } from '../messages/certificate-verify.js';
import { decodeFinished, encodeFinished } from '../messages/finished.js';
import { findExtension, type Extension } from '../extensions/extension.js';
import { encodeServerNameClient } from '../extensions/server-name.js';
import { encodeSupportedGroups } from '../extensions/supported-groups.js';
import { encodeSignatureAlgorithms } from '../extensions/signature-algorithms.js';
import { decodeAlpnServer, encodeAlpn } from '../extensions/alpn.js';
import { decodeSupportedVersionsServer, encodeSupportedVersionsClient } from '../extensions/supported-versions.js';
import { decodeKeyShareHrr, decodeKeyShareServer, encodeKeyShareClient } from '../extensions/key-share.js';
import { decodeCookie, encodeCookie } from '../extensions/cookie.js';
import { encodePskKeyExchangeModes } from '../extensions/psk-key-exchange-modes.js';
import { decodeRecordSizeLimit, encodeRecordSizeLimit } from '../extensions/record-size-limit.js';
import { isAllowedIn } from '../extensions/allowed.js';
import { ExtensionType, HandshakeType, PskKeyExchangeMode, ProtocolVersion, NamedGroup } from '../registry/codepoints.js';
import { parseCertificate, type Certificate } from '../x509/certificate.js';
import { equalBytes } from '../wire/bytes.js';
import type { ClientConfig } from './config.js';
import { certificateVerifyContent, isIpAddress, postHandshake13, verifyPeerSignature } from './common13.js';
import { greasePicker, type ClientHelloProfile } from './hello-profile.js';
import { awaitValue, expect, type HandshakeGenerator, type HandshakeHost, type HandshakeInput, type HandshakeStep } from './host.js';
import { clientHandshake12 } from './client12.js';
import { tls12Suite } from './suites12.js';
import { sendClientCertificate13 } from './client-auth.js';
import { isEcdheGroup12 } from './common12.js';
import { earlyDataUsable, patchBinder, pskOfferPlaceholder, usableSession, type ClientSession13 } from './resumption13.js';
import { decodeEarlyDataEmpty, encodeEarlyDataEmpty } from '../extensions/early-data.js';
import { encodeEndOfEarlyData } from '../messages/end-of-early-data.js';
import { decodePreSharedKeyServer } from '../extensions/pre-shared-key.js';
import { encodeHandshake } from '../messages/handshake.js';
import { messageHash } from '../keyschedule/transcript.js';
import { encodeEcPointFormats, ECPointFormat } from '../extensions/ec-point-formats.js';
import { encodeExtendedMasterSecret, encodePostHandshakeAuth } from '../extensions/empty-extensions.js';
import { encodeRenegotiationInfo } from '../extensions/renegotiation-info.js';
import { clientSctRequest, clientStatusRequest, NO_STAPLED_DATA, readCertificateEntries13, type StapledData } from './stapling.js';
import { encodeSessionTicket } from '../extensions/session-ticket.js';
import { usableSession12, type ClientSession12 } from './resumption12.js';

const EMPTY = new Uint8Array(0);

/** State carried between the first and second ClientHello. */
interface HelloState {
  readonly random: Uint8Array;
  readonly sessionId: Uint8Array;
  shares: KeyShare[];
  cookie: Uint8Array | undefined;
  /** Extension types we sent, to reject unsolicited ones (RFC 8446 §4.2). */
  sent: Set<number>;
  /** The session offered as a PSK (RFC 8446 §4.2.11), if any. */
  psk: ClientSession13 | undefined;
  /** The early secrets of that PSK under its suite, once computed (binders, 0-RTT and the handshake share them). */
  pskEarly: EarlySecrets | undefined;
  /** Whether this ClientHello offers 0-RTT (RFC 8446 §4.2.10): early_data, data sent under the early keys. */
  earlyData: boolean;
  /** A TLS 1.2 session offered by session ID and/or ticket (RFC 5246 §7.4.1.2, RFC 5077 §3.4), if any. */
  readonly session12: ClientSession12 | undefined;
}

/**
 * Our key shares, one per group, in a packed array built by push: `Array.prototype.map` gives a
 * packed array from the interpreter but a holey one once TurboFan inlines it, and code that saw
 * one kind deoptimises on the other (seen as 'wrong map' deopts of clientHandshake13 and the
 * extension builder, each followed by another ~45 ms compile).
 */
function generateShares(p: ClientConfig['provider'], groups: readonly number[]): KeyShare[] {
  const shares: KeyShare[] = [];
  for (const g of groups) shares.push(p.generateKeyShare(g));
  return shares;
}

/**
 * The TLS 1.3 client handshake (RFC 8446 §2, §4), one straight line of named steps:
 * ClientHello → [HelloRetryRequest → ClientHello] → ServerHello → EncryptedExtensions →
 * [CertificateRequest] → Certificate → CertificateVerify → Finished → (our Finished), then the
 * post-handshake messages (NewSessionTicket, KeyUpdate).
 */
export function* clientHandshake13(host: HandshakeHost, config: ClientConfig): HandshakeGenerator {
  const p = config.provider;
  const neg = host.negotiated;
  // RFC 6066 §3: an IP address is never sent as SNI, so it is not the negotiated server name.
  const sni = config.serverName !== undefined && !isIpAddress(config.serverName) ? config.serverName : undefined;
  const session12 = usableSession12(config.session, config, sni, config.now().getTime());
  const state: HelloState = {
    random: p.randomBytes(32),
    sessionId: helloSessionId(config, session12),
    shares: config.maxVersion >= ProtocolVersion.TLS1_3 ? generateShares(p, config.keyShareGroups) : [],
    cookie: undefined,
    sent: new Set(),
    psk: undefined,
    pskEarly: undefined,
    earlyData: false,
    session12,
  };
  neg.clientRandom = state.random;
  neg.serverName = sni;
  neg.middleboxCompatibility = config.middleboxCompatibility;
  const transcript = new Transcript(p);
  if (config.maxVersion >= ProtocolVersion.TLS1_3) {
    state.psk = usableSession(config.session?.version === ProtocolVersion.TLS1_3 ? config.session : undefined, config.cipherSuites, neg.serverName, config.now().getTime());
    const data = config.earlyData;
    state.earlyData = state.psk !== undefined && data !== undefined && data.length > 0 && earlyDataUsable(state.psk, config.cipherSuites, config.alpnProtocols);
  }

  // --- ClientHello (RFC 8446 §4.1.2)
  const ch1 = buildClientHello(config, state);
  const ch1Raw = host.send(HandshakeType.client_hello, clientHelloBody(config, state, ch1, []), ch1).raw;
  transcript.add(ch1Raw);
  let ccsSent = false;
  if (state.earlyData) {
    // Appendix D.4: with 0-RTT, the dummy change_cipher_spec goes right after the first ClientHello.
    if (config.middleboxCompatibility) {
      host.sendChangeCipherSpec();
      ccsSent = true;
    }
    sendEarlyData(host, config, state, ch1Raw);
  }

  // --- ServerHello or HelloRetryRequest (§4.1.3, §4.1.4)
  let shMsg = yield* expect(HandshakeType.server_hello);
  let sh = decodeServerHello(shMsg.body);
  host.received(shMsg, sh);
  // §4.2.1: a ServerHello without supported_versions chose TLS 1.2 (or older): the TLS 1.2 client takes over.
  if (config.minVersion <= ProtocolVersion.TLS1_2 && findExtension(sh.extensions, ExtensionType.supported_versions) === undefined) {
    if (state.earlyData) rejectEarlyData(host, state);
    yield* clientHandshake12(host, config, { clientHello: ch1Raw, random: state.random, sent: state.sent, sessionId: state.sessionId, session: state.session12 }, shMsg, sh);
    return;
  }
  let suite = checkServerHelloCommon(config, state, sh);

  if (isHelloRetryRequest(sh)) {
    neg.helloRetryRequest = true;
    const retryGroup = processHelloRetryRequest(config, state, sh);
    // §4.4.1: ClientHello1 is replaced by message_hash, then the HRR follows.
    transcript.setHash(suite.hash);
    transcript.replaceWithMessageHash();
    transcript.add(shMsg.raw);
    state.shares = [p.generateKeyShare(retryGroup)];
    // §4.1.2, §4.2.10: a HelloRetryRequest rejects 0-RTT; the second ClientHello has no early_data
    // and goes unprotected.
    if (state.earlyData) rejectEarlyData(host, state);
    // §4.1.2: the second ClientHello recomputes the binder (and the ticket age); a PSK whose
    // hash differs from the HelloRetryRequest's suite is dropped.
    if (state.psk !== undefined && tls13Suite(state.psk.cipherSuite)?.hash !== suite.hash) {
      state.psk = undefined;
      state.pskEarly = undefined;
    }
    // Appendix D.4: the dummy change_cipher_spec goes before the second flight (unless it
    // already followed the first ClientHello, with 0-RTT).
    if (config.middleboxCompatibility && !ccsSent) {
      host.sendChangeCipherSpec();
      ccsSent = true;
    }
    const ch2 = buildClientHello(config, state);
    const before = [messageHash(p, suite.hash, ch1Raw), shMsg.raw];
    transcript.add(host.send(HandshakeType.client_hello, clientHelloBody(config, state, ch2, before), ch2).raw);

    shMsg = yield* expect(HandshakeType.server_hello);
    sh = decodeServerHello(shMsg.body);
    host.received(shMsg, sh);
    // §4.1.4: a second HelloRetryRequest is unexpected_message.
    if (isHelloRetryRequest(sh)) throw unexpectedMessage('a second HelloRetryRequest');
    const suite2 = checkServerHelloCommon(config, state, sh);
    // §4.1.4: the ServerHello's cipher suite must be the one in the HelloRetryRequest.
    if (suite2.suite !== suite.suite) {
      throw illegalParameter('ServerHello cipher suite differs from the HelloRetryRequest', 'ServerHello.cipher_suite');
    }
    suite = suite2;
  } else {
    transcript.setHash(suite.hash);
  }

  // --- key exchange (§4.2.8); none with psk_ke (§4.2.9): a ServerHello with pre_shared_key and
  // no key_share, only when we offered psk_ke.
  const pskKe =
    findExtension(sh.extensions, ExtensionType.key_share) === undefined &&
    findExtension(sh.extensions, ExtensionType.pre_shared_key) !== undefined &&
    config.pskKeyExchangeModes.includes(PskKeyExchangeMode.psk_ke);
  let shared: Uint8Array | null = null;
  if (!pskKe) {
    const serverShare = decodeKeyShareServer(requireExtension(sh.extensions, ExtensionType.key_share, 'ServerHello'));
    const share = state.shares.find((s) => s.group === serverShare.group);
    if (share === undefined) {
      throw illegalParameter('ServerHello key_share is for a group we did not send', 'ServerHello.key_share');
    }
    neg.group = share.group;
    shared = share.deriveSecret(serverShare.keyExchange);
  }
  neg.cipherSuite = suite.suite;
  neg.version = ProtocolVersion.TLS1_3;
  transcript.add(shMsg.raw);

  // --- pre_shared_key (§4.2.11): the server accepted our ticket.
  let psk: Uint8Array | null = null;
  let early: EarlySecrets | undefined;
  const pskExt = findExtension(sh.extensions, ExtensionType.pre_shared_key);
  if (pskExt !== undefined) {
    const offered = state.psk;
    // §4.2.11: selected_identity must be one we offered, its hash that of the suite.
    if (offered === undefined || decodePreSharedKeyServer(pskExt.data) !== 0) {
      throw illegalParameter('ServerHello selected a PSK we did not offer', 'ServerHello.pre_shared_key');
    }
    if (tls13Suite(offered.cipherSuite)?.hash !== suite.hash) {
      throw illegalParameter('ServerHello cipher suite does not match the PSK\'s hash', 'ServerHello.cipher_suite');
    }
    psk = offered.psk;
    // RFC 8446 §7.1: the early secret of the PSK, as computed for the binder (same hash)
    early = pskEarlySecrets(config, state).withSuite(suite);
    neg.resumed = true;
    // The resumed session keeps the original server identity (RFC 8446 §2.2).
    neg.peerCertificates = offered.peerCertificates;
    neg.peerVerified = config.verifier !== null;
  }

  const hs = (early ?? EarlySecrets.create(p, suite, null)).handshake(shared);
  const helloHash = transcript.hash();
  const clientHs = hs.clientHandshakeTrafficSecret(helloHash);
  const serverHs = hs.serverHandshakeTrafficSecret(helloHash);
  host.keyLog('CLIENT_HANDSHAKE_TRAFFIC_SECRET', clientHs);
  host.keyLog('SERVER_HANDSHAKE_TRAFFIC_SECRET', serverHs);
  host.setReadKeys('handshake', suite, serverHs);
  if (config.middleboxCompatibility && !ccsSent) host.sendChangeCipherSpec();
  // With 0-RTT offered, our write keys stay the early ones until we know whether it was accepted.
  if (!state.earlyData) host.setWriteKeys('handshake', suite, clientHs);

  // --- EncryptedExtensions (§4.3.1)
  const eeMsg = yield* expect(HandshakeType.encrypted_extensions);
  const ee = decodeEncryptedExtensions(eeMsg.body);
  host.received(eeMsg, ee);
  processEncryptedExtensions(config, state, ee.extensions, host);
  transcript.add(eeMsg.raw);
  if (state.earlyData) {
    if (neg.earlyData === 'accepted') {
      checkEarlyDataAccepted(state, suite, psk, neg.alpnProtocol);
    } else {
      // §4.2.10: no early_data in EncryptedExtensions: the server skipped our 0-RTT records.
      neg.earlyData = 'rejected';
      host.setWriteKeys('handshake', suite, clientHs);
    }
  }

  // --- [CertificateRequest] Certificate CertificateVerify (§4.3.2, §4.4.2, §4.4.3); none with a PSK (§2.2).
  let certRequest: CertificateRequest13 | undefined;
  if (psk === null) {
    let msg = yield* expect(HandshakeType.certificate_request, HandshakeType.certificate);
    if (msg.type === HandshakeType.certificate_request) {
      certRequest = decodeCertificateRequest13(msg.body);
      host.received(msg, certRequest);
      // §4.3.2: in the main handshake the context is empty.
      if (certRequest.certificateRequestContext.length !== 0) {
        throw illegalParameter('CertificateRequest context must be empty during the handshake', 'CertificateRequest.certificate_request_context');
      }
      transcript.add(msg.raw);
      msg = yield* expect(HandshakeType.certificate);
    }
    const cert = decodeCertificate13(msg.body);
    host.received(msg, cert);
    // §4.4.2: for server authentication the request context is empty.
    if (cert.certificateRequestContext.length !== 0) {
      throw illegalParameter('server Certificate has a non-empty request context', 'Certificate.certificate_request_context');
    }
    // §4.4.2.4: an empty server Certificate is a decode_error.
    if (cert.certificateList.length === 0) throw decodeError('the server sent no certificate', 'Certificate.certificate_list');
    const chain = cert.certificateList.map((e: CertificateEntry) => e.certData);
    neg.peerCertificates = chain;
    // §4.4.2.1: a stapled OCSP response and SCTs ride in the CertificateEntry extensions.
    const stapled = readCertificateEntries13(cert.certificateList, state.sent);
    const leafKey = yield* verifyServerChain(config, chain, host, 'digitalSignature', stapled);
    transcript.add(msg.raw);

    const cvMsg = yield* expect(HandshakeType.certificate_verify);
    const cv = decodeCertificateVerify(cvMsg.body);
    host.received(cvMsg, cv);
    verifyPeerSignature(p, config.signatureAlgorithms, cv.algorithm, leafKey, certificateVerifyContent('server', transcript.hash()), cv.signature);
    neg.peerSignatureScheme = cv.algorithm;
    transcript.add(cvMsg.raw);
  }

  // --- server Finished (§4.4.4)
  const finMsg = yield* expect(HandshakeType.finished);
  const fin = decodeFinished(finMsg.body, suite.hashLength);
  host.received(finMsg, fin);
  if (!verifyFinished(p, suite, serverHs, transcript.hash(), fin.verifyData)) {
    throw new TlsError(ErrorCode.ERR_TLS_DECRYPT_ERROR, 'server Finished does not verify', { field: 'Finished.verify_data' });
  }
  neg.serverFinished = fin.verifyData;
  transcript.add(finMsg.raw);

  const master: MasterSecrets = hs.master();
  const finishedHash = transcript.hash();
  const clientAp = master.clientApplicationTrafficSecret0(finishedHash);
  const serverAp = master.serverApplicationTrafficSecret0(finishedHash);
  // derived only if keying material is exported or keys are logged
  const exporter = master.lazyExporterMasterSecret(finishedHash);
  host.keyLog('CLIENT_TRAFFIC_SECRET_0', clientAp);
  host.keyLog('SERVER_TRAFFIC_SECRET_0', serverAp);
  host.keyLog('EXPORTER_SECRET', exporter);
  host.setReadKeys('application', suite, serverAp);

  // --- EndOfEarlyData (§4.5): after the server's Finished, under the early keys, when 0-RTT was accepted.
  if (neg.earlyData === 'accepted') {
    const eoed = {};
    transcript.add(host.send(HandshakeType.end_of_early_data, encodeEndOfEarlyData(eoed), eoed).raw);
    host.setWriteKeys('handshake', suite, clientHs);
  }

  // --- our second flight: [Certificate CertificateVerify] Finished (§4.4)
  if (certRequest !== undefined) sendClientCertificate13(host, config, certRequest, transcript);
  const verifyData = finishedVerifyData(p, suite, clientHs, transcript.hash());
  const ourFin = { verifyData };
  transcript.add(host.send(HandshakeType.finished, encodeFinished(ourFin), ourFin).raw);
  neg.clientFinished = verifyData;
  host.setWriteKeys('application', suite, clientAp);
  // §4.2.6: a post_handshake_auth offer lets the server ask for a certificate later (§4.6.2).
  neg.postHandshakeAuth = config.postHandshakeAuth && state.sent.has(ExtensionType.post_handshake_auth);
  host.complete({ exporterMasterSecret: exporter, resumptionMasterSecret: master.resumptionMasterSecret(transcript.hash()), transcript });

  // --- post-handshake (§4.6)
  yield* postHandshake13(host, 'client');
}

/**
 * RFC 8446 §2.3, §4.2.10: the 0-RTT flight. client_early_traffic_secret = Derive-Secret(early
 * secret of the ticket's PSK, "c e traffic", ClientHello), under the ticket's cipher suite (the
 * PSK must be the first identity: we offer one); at most max_early_data_size bytes (§4.6.1).
 */
function sendEarlyData(host: HandshakeHost, config: ClientConfig, state: HelloState, ch1Raw: Uint8Array): void {
  const session = state.psk;
  const data = config.earlyData;
  const suite = session === undefined ? undefined : tls13Suite(session.cipherSuite);
  if (session === undefined || data === undefined || suite === undefined) throw internalError('0-RTT without a usable session');
  const ctx = config.provider.createHash(suite.hash);
  ctx.update(ch1Raw);
  const helloHash = ctx.digest();
  const secret = pskEarlySecrets(config, state).clientEarlyTrafficSecret(helloHash);
  host.keyLog('CLIENT_EARLY_TRAFFIC_SECRET', secret);
  host.setWriteKeys('early', suite, secret);
  host.sendEarlyData(data.length <= session.maxEarlyDataSize ? data : data.subarray(0, session.maxEarlyDataSize));
}

/** 0-RTT rejected by a HelloRetryRequest or a TLS 1.2 ServerHello: no early_data any more, records unprotected again. */
function rejectEarlyData(host: HandshakeHost, state: HelloState): void {
  state.earlyData = false;
  host.negotiated.earlyData = 'rejected';
  host.clearWriteKeys();
}

/**
 * The server accepted our 0-RTT data (early_data in EncryptedExtensions): it must have selected
 * the first PSK (RFC 8446 §4.2.11: selected_identity 0, else illegal_parameter), with the ticket's
 * cipher suite and ALPN protocol (§4.2.10), the parameters our early data was sent under.
 */
function checkEarlyDataAccepted(state: HelloState, suite: Tls13Suite, psk: Uint8Array | null, alpn: string | undefined): void {
  const session = state.psk;
  if (psk === null || session === undefined) {
    throw illegalParameter('EncryptedExtensions accepts early data without a PSK', 'EncryptedExtensions.early_data');
  }
  if (session.cipherSuite !== suite.suite) {
    throw illegalParameter('early data accepted with a cipher suite other than the ticket\'s', 'ServerHello.cipher_suite');
  }
  if (session.alpn !== alpn) {
    throw illegalParameter('early data accepted with an ALPN protocol other than the ticket\'s', 'EncryptedExtensions.alpn');
  }
}

/**
 * The encoded ClientHello body; with a PSK offer, the binder computed over the truncated
 * ClientHello after `before` (RFC 8446 §4.2.11.2) and written in place.
 */
function clientHelloBody(config: ClientConfig, state: HelloState, ch: ClientHello, before: readonly Uint8Array[]): Uint8Array {
  const body = encodeClientHello(ch);
  if (state.psk === undefined) return body;
  return patchBinder(config.provider, state.psk, encodeHandshake(HandshakeType.client_hello, body), before, pskEarlySecrets(config, state)).body;
}

/** The early secrets of the offered PSK under the ticket's suite (RFC 8446 §7.1), computed once. */
function pskEarlySecrets(config: ClientConfig, state: HelloState): EarlySecrets {
  const session = state.psk;
  const suite = session === undefined ? undefined : tls13Suite(session.cipherSuite);
  if (session === undefined || suite === undefined) throw internalError('no PSK offered');
  state.pskEarly ??= EarlySecrets.create(config.provider, suite, session.psk);
  return state.pskEarly;
}

/**
 * legacy_session_id: a TLS 1.2 session's ID (RFC 5246 §7.4.1.2); with a TLS 1.2 ticket, 32 random
 * bytes that the server echoes when it accepts the ticket (RFC 5077 §3.4); else 32 random bytes
 * for middlebox compatibility (RFC 8446 Appendix D.4), or empty.
 */
function helloSessionId(config: ClientConfig, session12: ClientSession12 | undefined): Uint8Array {
  if (session12 !== undefined && session12.ticket.length === 0) return session12.sessionId;
  return session12 !== undefined || config.middleboxCompatibility ? config.provider.randomBytes(32) : EMPTY;
}

/** The ClientHello from the profile, in the profile's order (RFC 8446 §4.1.2). */
function buildClientHello(config: ClientConfig, state: HelloState): ClientHello {
  const profile: ClientHelloProfile = config.helloProfile;
  const grease = greasePicker(state.random);
  const extensions: Extension[] = [];
  const sent = new Set<number>();
  let greaseExtensions = 0;
  for (const spec of profile.extensions) {
    if (spec.kind === 'grease') {
      extensions.push({ type: grease(8 + greaseExtensions++), data: new Uint8Array(spec.dataLength) });
      continue;
    }
    if (spec.kind === 'raw') {
      extensions.push({ type: spec.type, data: spec.data });
      sent.add(spec.type);
      continue;
    }
    const data = standardExtension(config, state, spec.type, profile, grease);
    if (data === undefined) continue;
    extensions.push({ type: spec.type, data });
    sent.add(spec.type);
  }
  // RFC 8446 §4.2.10: 0-RTT needs early_data beside pre_shared_key (placed by the profile, or here).
  if (state.earlyData && !sent.has(ExtensionType.early_data)) {
    extensions.push({ type: ExtensionType.early_data, data: encodeEarlyDataEmpty() });
    sent.add(ExtensionType.early_data);
  }
  // RFC 8446 §4.2.11: pre_shared_key is the last extension (its binder is filled in later).
  if (state.psk !== undefined) {
    extensions.push({ type: ExtensionType.pre_shared_key, data: pskOfferPlaceholder(state.psk, config.now().getTime()) });
    sent.add(ExtensionType.pre_shared_key);
  }
  state.sent = sent;
  const suites = [
    ...(config.maxVersion >= ProtocolVersion.TLS1_3 ? config.cipherSuites : []),
    ...(config.minVersion <= ProtocolVersion.TLS1_2 ? config.cipherSuites12 : []),
  ];
  const cipherSuites = profile.greaseCipherSuite ? [grease(0), ...suites] : suites;
  return {
    legacyVersion: ProtocolVersion.TLS1_2,
    random: state.random,
    legacySessionId: state.sessionId,
    cipherSuites,
    legacyCompressionMethods: new Uint8Array([0]),
    extensions,
  };
}

function standardExtension(
  config: ClientConfig,
  state: HelloState,
  type: number,
  profile: ClientHelloProfile,
  grease: (i: number) => number,
): Uint8Array | undefined {
  const tls13 = config.maxVersion >= ProtocolVersion.TLS1_3;
  const tls12 = config.minVersion <= ProtocolVersion.TLS1_2;
  switch (type) {
    case ExtensionType.server_name:
      // RFC 6066 §3: literal IP addresses are not sent as SNI.
      return config.serverName === undefined || isIpAddress(config.serverName) ? undefined : encodeServerNameClient(config.serverName);
    case ExtensionType.supported_groups: {
      // A TLS 1.2-only ClientHello lists only the groups TLS 1.2 can use (RFC 8422 §5.1.1).
      const groups = tls13 ? config.groups : config.groups.filter(isEcdheGroup12);
      return encodeSupportedGroups(profile.greaseGroups ? [grease(1), ...groups] : groups);
    }
    case ExtensionType.signature_algorithms:
      return encodeSignatureAlgorithms(
        profile.greaseSignatureAlgorithms ? [grease(2), ...config.signatureAlgorithms] : config.signatureAlgorithms,
      );
    case ExtensionType.application_layer_protocol_negotiation:
      return config.alpnProtocols.length === 0 ? undefined : encodeAlpn(config.alpnProtocols);
    case ExtensionType.supported_versions: {
      // RFC 8446 §4.2.1: only a TLS 1.3-capable client sends it; a TLS 1.2-only one relies on legacy_version.
      if (!tls13) return undefined;
      const versions = tls12 ? [ProtocolVersion.TLS1_3, ProtocolVersion.TLS1_2] : [ProtocolVersion.TLS1_3];
      return encodeSupportedVersionsClient(profile.greaseVersions ? [grease(3), ...versions] : versions);
    }
    // TLS 1.2 extensions, when TLS 1.2 is enabled: RFC 8422 §5.1.2, RFC 7627 §5.1, RFC 5746 §3.4 (empty on the initial handshake).
    case ExtensionType.ec_point_formats:
      return tls12 ? encodeEcPointFormats([ECPointFormat.uncompressed]) : undefined;
    case ExtensionType.extended_master_secret:
      return tls12 ? encodeExtendedMasterSecret() : undefined;
    case ExtensionType.renegotiation_info:
      return tls12 ? encodeRenegotiationInfo() : undefined;
    case ExtensionType.session_ticket:
      // RFC 5077 §3.2: a ticket to resume, or empty to ask for one.
      if (!tls12 || !config.sessionTickets12) return undefined;
      return encodeSessionTicket(state.session12?.ticket);
    case ExtensionType.encrypt_then_mac:
      // RFC 7366 §2: offered (empty) whenever CBC suites are offered.
      return tls12 && config.cbcSuites && config.cipherSuites12.some((c) => tls12Suite(c)?.cbc !== undefined) ? new Uint8Array(0) : undefined;
    case ExtensionType.key_share: {
      if (!tls13) return undefined;
      const entries = state.shares.map((s) => ({ group: s.group, keyExchange: s.publicKey }));
      if (profile.greaseGroups) entries.unshift({ group: grease(1), keyExchange: new Uint8Array(1) });
      return encodeKeyShareClient(entries);
    }
    case ExtensionType.psk_key_exchange_modes:
      if (!tls13) return undefined;
      return encodePskKeyExchangeModes(config.pskKeyExchangeModes);
    case ExtensionType.record_size_limit:
      return config.recordSizeLimit === undefined ? undefined : encodeRecordSizeLimit(config.recordSizeLimit);
    case ExtensionType.cookie:
      return state.cookie === undefined ? undefined : encodeCookie(state.cookie);
    case ExtensionType.early_data:
      // RFC 8446 §4.2.10: only when offering 0-RTT (never in the second ClientHello, §4.1.2).
      return state.earlyData ? encodeEarlyDataEmpty() : undefined;
    // RFC 6066 §8 / RFC 6962 §3.3.1: only when asked for (stapling.ts).
    case ExtensionType.status_request:
      return clientStatusRequest(config);
    case ExtensionType.signed_certificate_timestamp:
      return clientSctRequest(config);
    case ExtensionType.post_handshake_auth:
      // RFC 8446 §4.2.6: empty; offered when we may answer a post-handshake CertificateRequest.
      return tls13 && config.postHandshakeAuth ? encodePostHandshakeAuth() : undefined;
    default:
      // TLS 1.2-only extensions arrive with TLS 1.2 support.
      return undefined;
  }
}

function requireExtension(exts: readonly Extension[], type: number, where: string): Uint8Array {
  const ext = findExtension(exts, type);
  // RFC 8446 §9.2 / §4.2: a missing mandatory extension is missing_extension.
  if (ext === undefined) throw new TlsError(ErrorCode.ERR_TLS_MISSING_EXTENSION, `${where} has no ${type} extension`);
  return ext.data;
}

/** Checks shared by ServerHello and HelloRetryRequest; returns the chosen suite. */
function checkServerHelloCommon(config: ClientConfig, state: HelloState, sh: ServerHello): Tls13Suite {
  const sv = findExtension(sh.extensions, ExtensionType.supported_versions);
  if (sv === undefined) {
    // RFC 8446 §4.2.1: without supported_versions the server chose TLS 1.2 or older, which this
    // client does not speak (yet). §4.1.3: a TLS 1.2 ServerHello with the downgrade sentinel
    // would be illegal_parameter; either way we cannot continue.
    throw new TlsError(ErrorCode.ERR_TLS_PROTOCOL_VERSION, 'the server chose a TLS version older than 1.3', {
      field: 'ServerHello.legacy_version',
    });
  }
  // §4.2.1: the selected version must be one we offered.
  if (decodeSupportedVersionsServer(sv.data) !== ProtocolVersion.TLS1_3) {
    throw illegalParameter('ServerHello selected a version we did not offer', 'ServerHello.supported_versions');
  }
  // §4.1.3: legacy_version 0x0303.
  if (sh.legacyVersion !== ProtocolVersion.TLS1_2) {
    throw illegalParameter('ServerHello legacy_version must be 0x0303', 'ServerHello.legacy_version');
  }
  // §4.1.3: legacy_session_id_echo must equal what we sent.
  if (!equalBytes(sh.legacySessionIdEcho, state.sessionId)) {
    throw illegalParameter('ServerHello legacy_session_id_echo does not match', 'ServerHello.legacy_session_id_echo');
  }
  // §4.1.3: a cipher suite we did not offer is illegal_parameter.
  const suite = config.cipherSuites.includes(sh.cipherSuite) ? tls13Suite(sh.cipherSuite) : undefined;
  if (suite === undefined) throw illegalParameter('ServerHello chose a cipher suite we did not offer', 'ServerHello.cipher_suite');
  if (sh.legacyCompressionMethod !== 0) {
    throw illegalParameter('ServerHello legacy_compression_method must be 0', 'ServerHello.legacy_compression_method');
  }
  const hrr = isHelloRetryRequest(sh);
  for (const ext of sh.extensions) {
    const allowed = isAllowedIn(ext.type, hrr ? 'HRR' : 'SH');
    // §4.2: an extension defined for other messages is illegal_parameter; one we did not offer
    // is unsupported_extension (the cookie is the HRR's own).
    if (allowed === false) throw illegalParameter(`extension ${ext.type} is not allowed in ServerHello`, 'ServerHello.extensions');
    if (!state.sent.has(ext.type) && ext.type !== ExtensionType.cookie) {
      throw new TlsError(ErrorCode.ERR_TLS_UNSUPPORTED_EXTENSION, `ServerHello has extension ${ext.type}, which we did not offer`);
    }
  }
  return suite;
}

/** RFC 8446 §4.1.4: validates a HelloRetryRequest and returns the group to send a share for. */
function processHelloRetryRequest(config: ClientConfig, state: HelloState, hrr: ServerHello): number {
  const ks = findExtension(hrr.extensions, ExtensionType.key_share);
  const cookie = findExtension(hrr.extensions, ExtensionType.cookie);
  if (cookie !== undefined) state.cookie = decodeCookie(cookie.data);
  // §4.1.4: an HRR that would not change the ClientHello is illegal_parameter.
  if (ks === undefined) {
    if (cookie === undefined) throw illegalParameter('HelloRetryRequest changes nothing', 'HelloRetryRequest.extensions');
    return state.shares[0]?.group ?? NamedGroup.x25519;
  }
  const group = decodeKeyShareHrr(ks.data);
  // §4.2.8: the group must be in supported_groups and not one we already sent a share for.
  if (!config.groups.includes(group)) {
    throw illegalParameter('HelloRetryRequest selected a group we did not offer', 'HelloRetryRequest.key_share');
  }
  if (state.shares.some((s) => s.group === group)) {
    throw illegalParameter('HelloRetryRequest selected a group we already sent a key share for', 'HelloRetryRequest.key_share');
  }
  return group;
}

function processEncryptedExtensions(config: ClientConfig, state: HelloState, exts: readonly Extension[], host: HandshakeHost): void {
  for (const ext of exts) {
    const allowed = isAllowedIn(ext.type, 'EE');
    // RFC 8446 §4.2: known extensions not defined for EncryptedExtensions are illegal_parameter.
    if (allowed === false) {
      throw illegalParameter(`extension ${ext.type} is not allowed in EncryptedExtensions`, 'EncryptedExtensions.extensions');
    }
    // §4.2: extensions we did not offer are unsupported_extension.
    if (!state.sent.has(ext.type)) {
      throw new TlsError(ErrorCode.ERR_TLS_UNSUPPORTED_EXTENSION, `EncryptedExtensions has extension ${ext.type}, which we did not offer`);
    }
    switch (ext.type) {
      case ExtensionType.application_layer_protocol_negotiation: {
        const chosen = decodeAlpnServer(ext.data);
        // RFC 7301 §3.2: the server must pick one of the client's protocols.
        if (!config.alpnProtocols.includes(chosen)) {
          throw illegalParameter(`server chose ALPN protocol ${JSON.stringify(chosen)}, which we did not offer`, 'EncryptedExtensions.alpn');
        }
        host.negotiated.alpnProtocol = chosen;
        break;
      }
      case ExtensionType.record_size_limit:
        host.negotiated.peerRecordSizeLimit = decodeRecordSizeLimit(ext.data);
        break;
      case ExtensionType.early_data:
        // RFC 8446 §4.2.10: the server accepts our 0-RTT data (we offered it: checked above).
        decodeEarlyDataEmpty(ext.data);
        host.negotiated.earlyData = 'accepted';
        break;
      case ExtensionType.server_name:
        // RFC 6066 §3: the server's acknowledgement is empty.
        if (ext.data.length !== 0) throw decodeError('server_name acknowledgement must be empty', 'EncryptedExtensions.server_name');
        break;
      default:
        break;
    }
  }
}

/**
 * Runs the verifier on the server's chain and returns the leaf's public key. `usage`: what the
 * key does, digitalSignature (signatures) or keyEncipherment (TLS 1.2 static RSA, RFC 5246 §7.4.2).
 */
export function* verifyServerChain(
  config: ClientConfig,
  chain: readonly Uint8Array[],
  host: HandshakeHost,
  usage: 'digitalSignature' | 'keyEncipherment' = 'digitalSignature',
  stapled: StapledData = NO_STAPLED_DATA,
): Generator<HandshakeStep, PublicKey, HandshakeInput> {
  const leaf = chain[0];
  if (leaf === undefined) throw decodeError('empty certificate chain');
  host.negotiated.ocspResponse = stapled.leafOcspResponse;
  host.negotiated.sctList = stapled.sctList;
  let parsed: Certificate | undefined;
  if (config.verifier !== null) {
    const name = config.serverName;
    const target = name === undefined ? {} : isIpAddress(name) ? { ip: name } : { hostname: name };
    // the staple and SCTs are checked by the verifier against the path it validates (x509/stapling.ts)
    const extra = {
      ...(stapled.ocspResponses.length > 0 ? { ocspResponses: stapled.ocspResponses } : {}),
      ...(stapled.sctList !== undefined ? { sctList: stapled.sctList } : {}),
      ...(config.requestOcsp ? { statusRequested: true } : {}),
    };
    const req = { chain, purpose: 'serverAuth' as const, time: config.now(), ...target, ...extra };
    // a verifier that may fetch (CRLs from distribution points) is waited for
    const result = config.verifier.verifyAsync !== undefined ? yield* awaitValue(config.verifier.verifyAsync(req)) : config.verifier.verify(req);
    if (!result.ok) throw result.error;
    host.negotiated.peerVerified = true;
    host.negotiated.ocspStatus = result.ocsp;
    // the verifier's parsed leaf, when it is exactly our leaf (no second parse)
    const first = result.chain[0];
    if (first !== undefined && equalBytes(first.raw, leaf)) parsed = first;
  }
  parsed ??= parseCertificate(leaf);
  // RFC 5280 §4.2.1.3: a key that signs needs digitalSignature when keyUsage is present; one that
  // receives the RSA-encrypted pre-master secret needs keyEncipherment (RFC 5246 §7.4.2).
  if (config.verifier !== null && parsed.keyUsage !== undefined && !parsed.keyUsage[usage]) {
    throw new TlsError(ErrorCode.ERR_TLS_UNSUPPORTED_CERTIFICATE, `the server certificate's keyUsage does not allow ${usage}`);
  }
  return config.provider.importPublicKey(parsed.subjectPublicKeyInfo);
}
