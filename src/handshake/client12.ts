import { ErrorCode, TlsError, decodeError, illegalParameter, unexpectedMessage } from '../errors.js';
import { Transcript } from '../keyschedule/transcript.js';
import { downgradeSentinel, type ServerHello } from '../messages/server-hello.js';
import type { HandshakeMessage } from '../messages/handshake.js';
import { decodeCertificate12, encodeCertificate12 } from '../messages/certificate12.js';
import { decodeServerKeyExchangeDhe, decodeServerKeyExchangeEcdhe } from '../messages/server-key-exchange.js';
import { decodeCertificateRequest12, type CertificateRequest12 } from '../messages/certificate-request12.js';
import { decodeServerHelloDone, decodeHelloRequest } from '../messages/empty-messages.js';
import { encodeClientKeyExchange } from '../messages/client-key-exchange.js';
import { encodeCertificateVerify } from '../messages/certificate-verify.js';
import { decodeNewSessionTicket12, type NewSessionTicket12 } from '../messages/new-session-ticket12.js';
import { decodeAlpnServer } from '../extensions/alpn.js';
import { decodeEcPointFormats, ECPointFormat } from '../extensions/ec-point-formats.js';
import { decodeExtendedMasterSecret } from '../extensions/empty-extensions.js';
import { decodeRecordSizeLimit } from '../extensions/record-size-limit.js';
import { decodeRenegotiationInfo } from '../extensions/renegotiation-info.js';
import { isAllowedIn } from '../extensions/allowed.js';
import { decodeStatusRequestServer } from '../extensions/status-request.js';
import { decodeSignedCertificateTimestampList } from '../extensions/signed-certificate-timestamp.js';
import { decodeCertificateStatus } from '../messages/certificate-status.js';
import { ExtensionType, HandshakeType, ProtocolVersion } from '../registry/codepoints.js';
import type { CertifiedKey, ClientConfig } from './config.js';
import { deriveSession12, resumeSession12, receiveFinished12, sendFinished12, dhePreMasterSecret12, dhPublic12, isEcdheGroup12, rsaClientPreMasterSecret12, serverParamsSignedContent, verifyServerKeyExchange } from './common12.js';
import { ffdheGroupOf } from '../crypto/ffdhe-groups.js';
import { verifyServerChain } from './client13.js';
import { CHANGE_CIPHER_SPEC_MESSAGE, expect, type HandshakeGenerator, type HandshakeHost, type HandshakeInput, type HandshakeStep } from './host.js';
import { chooseSignatureScheme12, keyFitsAuth, tls12Suite, type Tls12Suite } from './suites12.js';
import { certificateTypeAllowed12, chooseClientCertificate as chooseClientCertificateFor } from './client-auth.js';
import { DEFAULT_CLIENT_SESSION_LIFETIME_12_S, type ClientSession12 } from './resumption12.js';
import { equalBytes } from '../wire/bytes.js';

/** What the ClientHello (built by the shared hello code in client13.ts) leaves for TLS 1.2. */
export interface ClientHelloState12 {
  /** The ClientHello as sent (header + body), the first transcript message. */
  readonly clientHello: Uint8Array;
  readonly random: Uint8Array;
  /** Extension types we sent (RFC 5246 §7.4.1.4: the server may only answer those). */
  readonly sent: ReadonlySet<number>;
  /** ClientHello.session_id as sent. */
  readonly sessionId: Uint8Array;
  /** The TLS 1.2 session offered (its session ID, or its ticket in session_ticket), if any. */
  readonly session: ClientSession12 | undefined;
}

/**
 * RFC 5246 §7.4.1.1: a HelloRequest may arrive at any time; a client that does not renegotiate
 * ignores it (it is not part of the transcript). Waits for one of `types`, skipping HelloRequests.
 */
function* expect12(...types: number[]): Generator<HandshakeStep, HandshakeMessage, HandshakeInput> {
  for (;;) {
    const msg = yield* expect(HandshakeType.hello_request, ...types);
    if (msg.type !== HandshakeType.hello_request) return msg;
    decodeHelloRequest(msg.body);
  }
}

/**
 * The TLS 1.2 client handshake after a TLS 1.2 ServerHello (RFC 5246 §7.3, RFC 8422):
 * ServerHello → Certificate → ServerKeyExchange → [CertificateRequest] → ServerHelloDone →
 * [Certificate] ClientKeyExchange [CertificateVerify] ChangeCipherSpec Finished →
 * ChangeCipherSpec → Finished. Renegotiation is refused: HelloRequests are ignored.
 */
export function* clientHandshake12(
  host: HandshakeHost,
  config: ClientConfig,
  hello: ClientHelloState12,
  shMsg: HandshakeMessage,
  sh: ServerHello,
): HandshakeGenerator {
  const p = config.provider;
  const neg = host.negotiated;

  // --- ServerHello (RFC 5246 §7.4.1.3)
  // RFC 5246 §7.4.1.3 / RFC 8996: server_version below TLS 1.2 (or a version we did not enable) → protocol_version.
  if (sh.legacyVersion !== ProtocolVersion.TLS1_2 || config.minVersion > ProtocolVersion.TLS1_2) {
    throw new TlsError(ErrorCode.ERR_TLS_PROTOCOL_VERSION, `the server chose version 0x${sh.legacyVersion.toString(16)}, which we do not accept`, {
      field: 'ServerHello.server_version',
    });
  }
  // RFC 8446 §4.1.3: a TLS 1.3-capable client that negotiates TLS 1.2 MUST check the downgrade
  // sentinel in the last 8 bytes of ServerHello.random and abort with illegal_parameter.
  if (config.maxVersion >= ProtocolVersion.TLS1_3 && downgradeSentinel(sh.random) !== null) {
    throw illegalParameter('TLS 1.2 ServerHello carries the TLS 1.3 downgrade sentinel (a downgrade attack?)', 'ServerHello.random');
  }
  // RFC 5246 §7.4.1.3: cipher_suite must be one the client offered.
  const suite = config.cipherSuites12.includes(sh.cipherSuite) ? tls12Suite(sh.cipherSuite) : undefined;
  if (suite === undefined) throw illegalParameter('ServerHello chose a cipher suite we did not offer', 'ServerHello.cipher_suite');
  // RFC 5246 §7.4.1.3: compression_method must be one offered; we offer only null.
  if (sh.legacyCompressionMethod !== 0) throw illegalParameter('ServerHello compression_method must be null', 'ServerHello.compression_method');
  neg.version = ProtocolVersion.TLS1_2;
  neg.cipherSuite = suite.suite;
  neg.middleboxCompatibility = false;

  let ems = false;
  let encryptThenMac = false;
  let statusAck = false;
  let sctList: Uint8Array | undefined;
  let ticketAck = false;
  for (const ext of sh.extensions) {
    // RFC 5246 §7.4.1.4: an extension the client did not offer → unsupported_extension;
    // RFC 8446 §4.2 spirit: one not defined for a TLS 1.2 ServerHello → illegal_parameter.
    if (!hello.sent.has(ext.type)) {
      throw new TlsError(ErrorCode.ERR_TLS_UNSUPPORTED_EXTENSION, `ServerHello has extension ${ext.type}, which we did not offer`);
    }
    if (isAllowedIn(ext.type, 'SH12') !== true) throw illegalParameter(`extension ${ext.type} is not allowed in a TLS 1.2 ServerHello`, 'ServerHello.extensions');
    switch (ext.type) {
      case ExtensionType.extended_master_secret:
        decodeExtendedMasterSecret(ext.data);
        ems = true;
        break;
      case ExtensionType.encrypt_then_mac:
        // RFC 7366 §2: empty; §3: it applies only to a CBC suite (a server echoing it otherwise is wrong).
        if (ext.data.length !== 0) throw decodeError('encrypt_then_mac must be empty', 'ServerHello.encrypt_then_mac');
        if (suite.cbc === undefined) throw illegalParameter('encrypt_then_mac with a non-CBC cipher suite', 'ServerHello.encrypt_then_mac');
        encryptThenMac = true;
        break;
      case ExtensionType.renegotiation_info:
        // RFC 5746 §3.4: on the initial handshake renegotiated_connection must be empty, else handshake_failure.
        if (decodeRenegotiationInfo(ext.data).length !== 0) {
          throw new TlsError(ErrorCode.ERR_TLS_HANDSHAKE_FAILURE, 'renegotiation_info is not empty on the initial handshake', { field: 'ServerHello.renegotiation_info' });
        }
        // we never renegotiate, so a server without RFC 5746 support is tolerated
        break;
      case ExtensionType.ec_point_formats:
        // RFC 8422 §5.2: the server's list must contain uncompressed.
        if (!decodeEcPointFormats(ext.data).includes(ECPointFormat.uncompressed)) {
          throw illegalParameter('ec_point_formats without uncompressed', 'ServerHello.ec_point_formats');
        }
        break;
      case ExtensionType.application_layer_protocol_negotiation: {
        const chosen = decodeAlpnServer(ext.data);
        // RFC 7301 §3.2: the server must pick one of the client's protocols.
        if (!config.alpnProtocols.includes(chosen)) throw illegalParameter('server chose an ALPN protocol we did not offer', 'ServerHello.alpn');
        neg.alpnProtocol = chosen;
        break;
      }
      case ExtensionType.record_size_limit:
        neg.peerRecordSizeLimit = decodeRecordSizeLimit(ext.data);
        break;
      case ExtensionType.server_name:
        // RFC 6066 §3: the acknowledgement is empty.
        if (ext.data.length !== 0) throw decodeError('server_name acknowledgement must be empty', 'ServerHello.server_name');
        break;
      case ExtensionType.status_request:
        // RFC 6066 §8: an empty acknowledgement; a CertificateStatus may follow the Certificate.
        decodeStatusRequestServer(ext.data);
        statusAck = true;
        break;
      case ExtensionType.signed_certificate_timestamp:
        // RFC 6962 §3.3.1: the SCT list for the server's certificate.
        decodeSignedCertificateTimestampList(ext.data);
        sctList = ext.data;
        break;
      case ExtensionType.session_ticket:
        // RFC 5077 §3.2: empty; it announces a NewSessionTicket (§3.3).
        if (ext.data.length !== 0) throw decodeError('session_ticket must be empty in the ServerHello', 'ServerHello.session_ticket');
        ticketAck = true;
        break;
      default:
        break;
    }
  }
  // RFC 7627 §5.2: a client that requires the extended master secret aborts without it.
  if (!ems && config.requireExtendedMasterSecret) {
    throw new TlsError(ErrorCode.ERR_TLS_HANDSHAKE_FAILURE, 'the server does not support extended_master_secret, which is required');
  }
  neg.extendedMasterSecret = ems;

  // --- resumption? RFC 5246 §7.4.1.3: the server resumes by echoing the session ID we sent (RFC 5077
  // §3.4: also the random one sent with a ticket); RFC 5077 §3.4: with a ticket, the next message
  // tells: NewSessionTicket or ChangeCipherSpec (abbreviated) rather than Certificate (full).
  const offered = hello.session;
  let resumed = offered !== undefined && sh.legacySessionIdEcho.length > 0 && equalBytes(sh.legacySessionIdEcho, hello.sessionId);
  let first: HandshakeMessage | undefined;
  if (!resumed && offered !== undefined && offered.ticket.length > 0) {
    first = yield* expect12(HandshakeType.certificate, HandshakeType.new_session_ticket, CHANGE_CIPHER_SPEC_MESSAGE);
    resumed = first.type !== HandshakeType.certificate;
  }
  if (resumed && offered !== undefined) {
    yield* resumeClient12(host, config, hello, shMsg, sh, suite, offered, { ems, encryptThenMac, ticketAck, first });
    return;
  }

  const transcript = new Transcript(p, suite.prfHash, { retainMessages: config.certificates.length > 0 });
  transcript.add(hello.clientHello);
  transcript.add(shMsg.raw);

  // --- Certificate (RFC 5246 §7.4.2)
  const certMsg = first ?? (yield* expect12(HandshakeType.certificate));
  const cert = decodeCertificate12(certMsg.body);
  host.received(certMsg, cert);
  if (cert.certificateList.length === 0) throw decodeError('the server sent no certificate', 'Certificate.certificate_list');
  neg.peerCertificates = cert.certificateList;
  transcript.add(certMsg.raw);

  // --- [CertificateStatus] (RFC 6066 §8): only after our status_request was acknowledged, and
  // even then optional; the message after it is kept for the step that expects it.
  const ocspResponses: Uint8Array[] = [];
  let pending: HandshakeMessage | undefined;
  if (statusAck) {
    const following = suite.keyExchange === 'rsa' ? [HandshakeType.certificate_request, HandshakeType.server_hello_done] : [HandshakeType.server_key_exchange];
    const msg = yield* expect12(HandshakeType.certificate_status, ...following);
    if (msg.type === HandshakeType.certificate_status) {
      const status = decodeCertificateStatus(msg.body);
      host.received(msg, status);
      ocspResponses.push(status.ocspResponse);
      transcript.add(msg.raw);
    } else pending = msg;
  }
  /** The next message: the one read while looking for a CertificateStatus, else a new one. */
  const next = function* (...types: number[]): Generator<HandshakeStep, HandshakeMessage, HandshakeInput> {
    const m = pending;
    pending = undefined;
    return m ?? (yield* expect12(...types));
  };

  const leafKey = yield* verifyServerChain(config, cert.certificateList, host, suite.keyExchange === 'rsa' ? 'keyEncipherment' : 'digitalSignature', { ocspResponses, leafOcspResponse: ocspResponses[0], sctList });
  // RFC 8422 §5.3 / RFC 5246 §7.4.2: the certificate key must fit the suite's authentication.
  if (!keyFitsAuth(suite.auth, leafKey.info)) {
    throw new TlsError(ErrorCode.ERR_TLS_UNSUPPORTED_CERTIFICATE, `the server certificate key (${leafKey.info.type}) does not fit ${suite.name}`);
  }

  // --- ServerKeyExchange (RFC 8422 §5.4 ECDHE; RFC 5246 §7.4.3 DHE)
  let respond: () => { exchangeKeys: Uint8Array; preMasterSecret: Uint8Array };
  if (suite.keyExchange === 'rsa') {
    // RFC 5246 §7.4.3: no ServerKeyExchange with RSA key exchange; §7.4.2: an RSA key (keyFitsAuth above)
    // whose keyUsage, when present, allows keyEncipherment (checked by verifyServerChain).
    if (p.rsaEncryptPkcs1 === undefined) throw new TlsError(ErrorCode.ERR_TLS_HANDSHAKE_FAILURE, 'the crypto provider cannot do RSA encryption');
    respond = () => {
      // RFC 5246 §7.4.7.1: client_version is the version offered in the ClientHello (legacy_version 0x0303).
      const preMasterSecret = rsaClientPreMasterSecret12(p, ProtocolVersion.TLS1_2);
      const exchangeKeys = p.rsaEncryptPkcs1?.(leafKey, preMasterSecret);
      if (exchangeKeys === undefined) throw new TlsError(ErrorCode.ERR_TLS_HANDSHAKE_FAILURE, 'the crypto provider cannot do RSA encryption');
      return { exchangeKeys, preMasterSecret };
    };
  } else {
  const skeMsg = yield* next(HandshakeType.server_key_exchange);
  if (suite.keyExchange === 'dhe') {
    const ske = decodeServerKeyExchangeDhe(skeMsg.body);
    host.received(skeMsg, ske);
    // the signature first: only the certificate holder can make us validate (and use) its parameters
    verifyServerKeyExchange(p, config.signatureAlgorithms, suite, ske.algorithm, leafKey, serverParamsSignedContent(hello.random, sh.random, ske.params), ske.signature);
    neg.peerSignatureScheme = ske.algorithm;
    if (p.dhKeyShare === undefined) throw new TlsError(ErrorCode.ERR_TLS_HANDSHAKE_FAILURE, 'the crypto provider cannot do finite-field Diffie-Hellman');
    // RFC 7919 §4 / RFC 5246 §7.4.3: any safe prime of at least 2048 bits (insufficient_security / illegal_parameter otherwise)
    const share = p.dhKeyShare(ske.dhP, ske.dhG);
    const group = ffdheGroupOf(ske.dhP);
    if (group !== undefined) neg.group = group;
    respond = () => ({
      exchangeKeys: dhPublic12(share.publicKey),
      // RFC 7919 §5.1: 1 < dh_Ys < p-1 (illegal_parameter); RFC 5246 §8.1.2: leading zeros of Z stripped
      preMasterSecret: dhePreMasterSecret12(share.deriveSecret(ske.dhYs)),
    });
  } else {
    const ske = decodeServerKeyExchangeEcdhe(skeMsg.body);
    host.received(skeMsg, ske);
    // RFC 8422 §5.4: the curve must be one the client offered (illegal_parameter otherwise).
    if (!config.groups.includes(ske.namedCurve) || !isEcdheGroup12(ske.namedCurve)) {
      throw illegalParameter(`ServerKeyExchange uses group 0x${ske.namedCurve.toString(16)}, which we did not offer`, 'ServerECDHParams.curve_params.namedcurve');
    }
    verifyServerKeyExchange(p, config.signatureAlgorithms, suite, ske.algorithm, leafKey, serverParamsSignedContent(hello.random, sh.random, ske.params), ske.signature);
    neg.peerSignatureScheme = ske.algorithm;
    neg.group = ske.namedCurve;
    respond = () => {
      // RFC 8422 §5.10: the server's point is validated by the provider (illegal_parameter if off the curve).
      const response = p.respondToKeyShare(ske.namedCurve, ske.publicPoint);
      return { exchangeKeys: response.publicKey, preMasterSecret: response.sharedSecret };
    };
  }
  transcript.add(skeMsg.raw);
  }

  // --- [CertificateRequest] ServerHelloDone (RFC 5246 §7.4.4, §7.4.5)
  let request: CertificateRequest12 | undefined;
  let msg = yield* next(HandshakeType.certificate_request, HandshakeType.server_hello_done);
  if (msg.type === HandshakeType.certificate_request) {
    request = decodeCertificateRequest12(msg.body);
    host.received(msg, request);
    transcript.add(msg.raw);
    msg = yield* expect12(HandshakeType.server_hello_done);
  }
  host.received(msg, decodeServerHelloDone(msg.body));
  transcript.add(msg.raw);

  // --- our flight: [Certificate] ClientKeyExchange [CertificateVerify] (RFC 5246 §7.4.6–§7.4.8)
  let chosen: { certificate: CertifiedKey; scheme: number } | undefined;
  if (request !== undefined) {
    chosen = chooseClientCertificate(config, request);
    const c = { certificateList: chosen === undefined ? [] : chosen.certificate.chain };
    transcript.add(host.send(HandshakeType.certificate, encodeCertificate12(c), c).raw);
    if (chosen !== undefined) host.negotiated.localCertificates = chosen.certificate.chain;
  }
  const kx = respond();
  const cke = { exchangeKeys: kx.exchangeKeys };
  transcript.add(host.send(HandshakeType.client_key_exchange, encodeClientKeyExchange(cke, suite.keyExchange), cke).raw);
  // RFC 7627 §3: session_hash covers the messages up to and including ClientKeyExchange.
  const session = deriveSession12(host, p, suite, kx.preMasterSecret, hello.random, sh.random, ems ? transcript.hash() : undefined);
  if (chosen !== undefined) {
    // RFC 5246 §7.4.8: the signature covers all handshake messages so far.
    const signature = p.sign(chosen.scheme, chosen.certificate.key, transcript.messages());
    const cv = { algorithm: chosen.scheme, signature };
    host.negotiated.localSignatureScheme = chosen.scheme;
    transcript.add(host.send(HandshakeType.certificate_verify, encodeCertificateVerify(cv), cv).raw);
  }

  // --- ChangeCipherSpec, Finished (RFC 5246 §7.1, §7.4.9)
  const ourFin = sendFinished12(host, p, suite, session, 'client', transcript, encryptThenMac);
  transcript.add(ourFin.raw);
  neg.clientFinished = ourFin.verifyData;

  // --- [NewSessionTicket] (RFC 5077 §3.3: announced by session_ticket in the ServerHello, before the CCS)
  const nst = ticketAck ? yield* receiveNewSessionTicket12(host) : undefined;
  if (nst !== undefined) transcript.add(nst.raw);

  // --- server ChangeCipherSpec, Finished
  yield* expect12(CHANGE_CIPHER_SPEC_MESSAGE);
  // RFC 5246 §7.4.9: recipients MUST verify the Finished (constant time) → decrypt_error.
  const fin = yield* receiveFinished12(host, p, suite, session, 'server', transcript, encryptThenMac, expect12);
  neg.serverFinished = fin.verifyData;
  transcript.add(fin.raw);
  host.complete12(session.exporter);

  // RFC 5077 §3.3: the ticket is valid only now that the server Finished verified; §3.4: a ticket
  // replaces the session ID. Without either the session cannot be resumed.
  const ticket = nst?.message.ticket ?? EMPTY;
  const sessionId = ticket.length > 0 ? EMPTY : sh.legacySessionIdEcho;
  if (ticket.length > 0 || sessionId.length > 0) {
    host.newSession12?.({
      version: ProtocolVersion.TLS1_2,
      cipherSuite: suite.suite,
      masterSecret: session.masterSecret,
      extendedMasterSecret: ems,
      sessionId: sessionId.slice(),
      ticket,
      lifetimeS: lifetimeOf(nst?.message),
      receivedAt: config.now().getTime(),
      serverName: neg.serverName,
      alpn: neg.alpnProtocol,
      peerCertificates: neg.peerCertificates,
    });
  }
  yield* ignoreHelloRequests12(host);
}

const EMPTY = new Uint8Array(0);

/** After the handshake: RFC 5746 §4.2 / RFC 5246 §7.4.1.1, HelloRequests are ignored (no renegotiation). */
function* ignoreHelloRequests12(host: HandshakeHost): HandshakeGenerator {
  for (;;) {
    const hr = yield* expect(HandshakeType.hello_request);
    host.received(hr, decodeHelloRequest(hr.body));
  }
}

/** RFC 5077 §3.3: a ticket_lifetime_hint of 0 means unspecified. */
function lifetimeOf(nst: NewSessionTicket12 | undefined): number {
  return nst === undefined || nst.ticketLifetimeHint === 0 ? DEFAULT_CLIENT_SESSION_LIFETIME_12_S : nst.ticketLifetimeHint;
}

function* receiveNewSessionTicket12(
  host: HandshakeHost,
  msg?: HandshakeMessage,
): Generator<HandshakeStep, { raw: Uint8Array; message: NewSessionTicket12 }, HandshakeInput> {
  const m = msg ?? (yield* expect12(HandshakeType.new_session_ticket));
  // RFC 5077 §3.3: the ServerHello's session_ticket announced it (unexpected_message otherwise).
  if (m.type !== HandshakeType.new_session_ticket) throw unexpectedMessage('expected NewSessionTicket: the ServerHello announced one (RFC 5077 §3.3)');
  const message = decodeNewSessionTicket12(m.body);
  host.received(m, message);
  return { raw: m.raw, message };
}

/**
 * The abbreviated TLS 1.2 handshake (RFC 5246 §7.3 Figure 2; RFC 5077 §3.1 Figure 2): after the
 * ServerHello that resumes our session, [NewSessionTicket] → ChangeCipherSpec → Finished from the
 * server first (verified before we answer), then our ChangeCipherSpec and Finished. No
 * certificates, no key exchange: the session's master secret with the new randoms.
 */
function* resumeClient12(
  host: HandshakeHost,
  config: ClientConfig,
  hello: ClientHelloState12,
  shMsg: HandshakeMessage,
  sh: ServerHello,
  suite: Tls12Suite,
  offered: ClientSession12,
  o: { readonly ems: boolean; readonly encryptThenMac: boolean; readonly ticketAck: boolean; readonly first: HandshakeMessage | undefined },
): HandshakeGenerator {
  const p = config.provider;
  const neg = host.negotiated;
  // RFC 5246 §7.4.1.3: a resumed session keeps its cipher suite.
  if (suite.suite !== offered.cipherSuite) throw illegalParameter('the server resumed our session with another cipher suite', 'ServerHello.cipher_suite');
  // RFC 7627 §5.3: the ServerHello's extended_master_secret must match the original session's (both ways).
  if (o.ems !== offered.extendedMasterSecret) {
    throw new TlsError(
      ErrorCode.ERR_TLS_HANDSHAKE_FAILURE,
      offered.extendedMasterSecret
        ? 'the server resumed a session with the extended master secret without extended_master_secret (RFC 7627 §5.3)'
        : 'the server resumed a session without the extended master secret with extended_master_secret (RFC 7627 §5.3)',
      { field: 'ServerHello.extended_master_secret' },
    );
  }
  neg.resumed = true;
  // The resumed session keeps the original server identity; nothing is verified again.
  neg.peerCertificates = offered.peerCertificates;
  neg.peerVerified = config.verifier !== null;
  const transcript = new Transcript(p, suite.prfHash);
  transcript.add(hello.clientHello);
  transcript.add(shMsg.raw);

  // --- [NewSessionTicket] (RFC 5077 §3.3: the renewed ticket, before the server's ChangeCipherSpec)
  let first = o.first;
  let nst: { raw: Uint8Array; message: NewSessionTicket12 } | undefined;
  if (o.ticketAck) {
    nst = yield* receiveNewSessionTicket12(host, first);
    first = undefined;
    transcript.add(nst.raw);
  }

  // --- server ChangeCipherSpec, Finished (RFC 5246 §7.3: the server's Finished comes first)
  const ccs = first ?? (yield* expect12(CHANGE_CIPHER_SPEC_MESSAGE));
  if (ccs.type !== CHANGE_CIPHER_SPEC_MESSAGE) throw unexpectedMessage('expected ChangeCipherSpec in the abbreviated handshake');
  const session = resumeSession12(host, p, suite, offered.masterSecret, hello.random, sh.random);
  // RFC 5246 §7.4.9: verified (constant time) before we send anything → decrypt_error.
  const fin = yield* receiveFinished12(host, p, suite, session, 'server', transcript, o.encryptThenMac, expect12);
  neg.serverFinished = fin.verifyData;
  transcript.add(fin.raw);

  // --- our ChangeCipherSpec, Finished
  neg.clientFinished = sendFinished12(host, p, suite, session, 'client', transcript, o.encryptThenMac).verifyData;
  host.complete12(session.exporter);

  // RFC 5077 §3.3/§3.4: a new ticket replaces the old one (an empty one: keep the old); the session stays the same.
  const renewed = nst !== undefined && nst.message.ticket.length > 0 ? nst.message : undefined;
  // (Object.assign: a literal starting with a spread gets a map of its own per call in V8)
  host.newSession12?.(
    Object.assign(
      {},
      offered,
      renewed === undefined
        ? { alpn: neg.alpnProtocol }
        : { ticket: renewed.ticket, sessionId: EMPTY, lifetimeS: lifetimeOf(renewed), receivedAt: config.now().getTime(), alpn: neg.alpnProtocol },
    ),
  );
  yield* ignoreHelloRequests12(host);
}

/** RFC 5246 §7.4.6: the first certificate whose key can sign with a scheme the server listed. */
function chooseClientCertificate(config: ClientConfig, request: CertificateRequest12): { certificate: CertifiedKey; scheme: number } | undefined {
  // RFC 5246 §7.4.4: only a key type the server's certificate_types allow; preferring a chain
  // under one of the server's certificate_authorities
  const allowed = config.certificates.filter((c) => certificateTypeAllowed12(request.certificateTypes, c.key.info));
  return chooseClientCertificateFor(allowed, request.supportedSignatureAlgorithms, request.certificateAuthorities, (info, peer) =>
    chooseSignatureScheme12(config.signatureAlgorithms, peer, info),
  );
}
