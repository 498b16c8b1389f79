import { ErrorCode, TlsError, illegalParameter } from '../errors.js';
import { EarlySecrets, finishedVerifyData, verifyFinished } from '../keyschedule/tls13.js';
import { tls13Suite, type Tls13Suite } from '../keyschedule/suites.js';
import { Transcript } from '../keyschedule/transcript.js';
import { decodeClientHello, type ClientHello } from '../messages/client-hello.js';
import { encodeServerHello, HELLO_RETRY_REQUEST_RANDOM, type ServerHello } from '../messages/server-hello.js';
import { encodeEncryptedExtensions } from '../messages/encrypted-extensions.js';
import { encodeCertificate13 } from '../messages/certificate13.js';
import { encodeCertificateVerify } from '../messages/certificate-verify.js';
import { decodeFinished, encodeFinished } from '../messages/finished.js';
import { findExtension, type Extension } from '../extensions/extension.js';
import { decodeServerNameClient } from '../extensions/server-name.js';
import { decodeSupportedGroups, encodeSupportedGroups } from '../extensions/supported-groups.js';
import { decodeSignatureAlgorithms } from '../extensions/signature-algorithms.js';
import { decodeAlpn, encodeAlpnServer } from '../extensions/alpn.js';
import { decodeSupportedVersionsClient, encodeSupportedVersionsServer } from '../extensions/supported-versions.js';
import {
  decodeKeyShareClient,
  encodeKeyShareHrr,
  encodeKeyShareServer,
  type KeyShareEntry,
} from '../extensions/key-share.js';
import { decodeCookie, encodeCookie } from '../extensions/cookie.js';
import { decodeRecordSizeLimit, encodeRecordSizeLimit } from '../extensions/record-size-limit.js';
import { decodePostHandshakeAuth } from '../extensions/empty-extensions.js';
import { ExtensionType, HandshakeType, ProtocolVersion } from '../registry/codepoints.js';
import { constantTimeEqual } from '../wire/bytes.js';
import { encodeHandshake } from '../messages/handshake.js';
import type { CertifiedKey, ServerConfig } from './config.js';
import { certificateVerifyContent, chooseCertificate, postHandshake13 } from './common13.js';
import { awaitIfPending, awaitValue, expect, type HandshakeGenerator, type HandshakeHost, type Negotiated, type TicketAfterAuth } from './host.js';
import { selectServerVersion, serverHandshake12 } from './server12.js';
import type { EarlyDataVerdict, ResumedSession13, ServerTickets13 } from './resumption13.js';
import { decodeEarlyDataEmpty, encodeEarlyDataEmpty } from '../extensions/early-data.js';
import { decodeEndOfEarlyData } from '../messages/end-of-early-data.js';
import { bindersLength, decodePreSharedKeyClient, encodePreSharedKeyServer } from '../extensions/pre-shared-key.js';
import { decodePskKeyExchangeModes } from '../extensions/psk-key-exchange-modes.js';
import { encodeNewSessionTicket13, type NewSessionTicket13 } from '../messages/new-session-ticket13.js';
import { PskKeyExchangeMode } from '../registry/codepoints.js';
import type { HandshakeInput, HandshakeStep } from './host.js';
import { receiveClientCertificate13, sendCertificateRequest13 } from './client-auth.js';
import { leafEntryExtensions13, serverStaple } from './stapling.js';

const EMPTY = new Uint8Array(0);
/** RFC 8449 §4: the largest value for TLS 1.3 is 2^14 + 1. */
const MAX_RECORD_SIZE_LIMIT_13 = (1 << 14) + 1;

interface Offer {
  readonly hello: ClientHello;
  readonly versions: readonly number[];
  readonly groups: readonly number[];
  readonly shares: readonly KeyShareEntry[];
  readonly signatureAlgorithms: readonly number[];
  readonly serverName: string | undefined;
  readonly alpn: readonly string[] | undefined;
  readonly recordSizeLimit: number | undefined;
}

/**
 * The TLS 1.3 server handshake (RFC 8446 §2, §4): ClientHello → [HelloRetryRequest →
 * ClientHello] → ServerHello, EncryptedExtensions, Certificate, CertificateVerify, Finished →
 * client Finished, then post-handshake KeyUpdate.
 */
export function* serverHandshake13(host: HandshakeHost, config: ServerConfig): HandshakeGenerator {
  const p = config.provider;
  const neg = host.negotiated;
  const transcript = new Transcript(p);

  // --- ClientHello (§4.1.2)
  const chMsg = yield* expect(HandshakeType.client_hello);
  const hello = decodeClientHello(chMsg.body);
  host.received(chMsg, hello);
  // RFC 8446 §4.2.1: the highest version in common; TLS 1.2 continues in the TLS 1.2 server.
  if (selectServerVersion(config, hello) === ProtocolVersion.TLS1_2) {
    yield* serverHandshake12(host, config, chMsg, hello);
    return;
  }
  let offer = readOffer(hello);
  checkVersions(offer);
  neg.clientRandom = hello.random;
  neg.serverName = offer.serverName;
  // RFC 8446 §4.2.6: the client accepts post-handshake CertificateRequests (empty body, or decode_error).
  const pha = findExtension(hello.extensions, ExtensionType.post_handshake_auth);
  if (pha !== undefined) decodePostHandshakeAuth(pha.data);
  neg.postHandshakeAuth = pha !== undefined;
  const suite = chooseSuite(config, hello.cipherSuites);
  neg.cipherSuite = suite.suite;
  neg.version = ProtocolVersion.TLS1_3;

  // Certificate and signature scheme (by SNI and signature_algorithms).
  let certificates: readonly CertifiedKey[] = config.certificates;
  if (config.selectCertificate !== undefined) {
    const selected = config.selectCertificate(offer.serverName, offer.signatureAlgorithms);
    certificates = selected instanceof Promise ? yield* awaitValue(selected) : selected;
  }
  const choice = chooseCertificate(certificates, offer.serverName, config.signatureAlgorithms, offer.signatureAlgorithms);
  // RFC 8446 §4.4.2.2: no certificate the client can verify → handshake_failure.
  if (choice === undefined) {
    throw new TlsError(ErrorCode.ERR_TLS_HANDSHAKE_FAILURE, 'no certificate fits the client\'s signature_algorithms');
  }
  const alpn = chooseAlpn(config, offer.alpn);
  neg.alpnProtocol = alpn;

  // --- key share: prefer a group the client already sent a share for (no extra round trip).
  const mutual = config.groups.filter((g) => offer.groups.includes(g) && p.supportsGroup(g));
  // RFC 8446 §4.2.8: with no common group the handshake fails.
  if (mutual.length === 0) throw new TlsError(ErrorCode.ERR_TLS_HANDSHAKE_FAILURE, 'no key exchange group in common');
  let entry = pickShare(mutual, offer.shares);
  const compat = hello.legacySessionId.length > 0;
  neg.middleboxCompatibility = compat;
  let ccsSent = false;
  let resumed: AcceptedPsk | undefined;
  // RFC 8446 §4.2.10: the client sends 0-RTT data right after this ClientHello.
  const earlyExt = findExtension(hello.extensions, ExtensionType.early_data);
  if (earlyExt !== undefined) decodeEarlyDataEmpty(earlyExt.data);
  let earlyAccepted = false;

  if (entry === undefined) {
    // --- HelloRetryRequest (§4.1.4)
    const group = mutual[0] as number;
    neg.helloRetryRequest = true;
    transcript.setHash(suite.hash);
    transcript.add(chMsg.raw);
    transcript.replaceWithMessageHash();
    const cookie = config.helloRetryCookie ? p.randomBytes(32) : undefined;
    const hrrExtensions: Extension[] = [
      { type: ExtensionType.supported_versions, data: encodeSupportedVersionsServer(ProtocolVersion.TLS1_3) },
      { type: ExtensionType.key_share, data: encodeKeyShareHrr(group) },
    ];
    if (cookie !== undefined) hrrExtensions.push({ type: ExtensionType.cookie, data: encodeCookie(cookie) });
    const hrr: ServerHello = {
      legacyVersion: ProtocolVersion.TLS1_2,
      random: HELLO_RETRY_REQUEST_RANDOM,
      legacySessionIdEcho: hello.legacySessionId,
      cipherSuite: suite.suite,
      legacyCompressionMethod: 0,
      extensions: hrrExtensions,
    };
    transcript.add(host.send(HandshakeType.server_hello, encodeServerHello(hrr), hrr).raw);
    // Appendix D.4: in compatibility mode the CCS follows the first server flight.
    if (compat) {
      host.sendChangeCipherSpec();
      ccsSent = true;
    }
    // §4.2.10: a HelloRetryRequest rejects 0-RTT; the early records before the second
    // ClientHello are skipped unread (bounded).
    if (earlyExt !== undefined) {
      rejectEarlyData(neg, 'hello-retry-request');
      host.readEarlyData('skip-unprotected', skipLimit(config));
    }

    const ch2Msg = yield* expect(HandshakeType.client_hello);
    const hello2 = decodeClientHello(ch2Msg.body);
    host.received(ch2Msg, hello2);
    const offer2 = readOffer(hello2);
    checkVersions(offer2);
    checkSecondHello(hello, hello2, suite, group, offer2, cookie);
    offer = offer2;
    entry = offer2.shares[0];
    // §4.2.11.2: the binder of ClientHello2 covers message_hash, the HelloRetryRequest and ClientHello2.
    resumed = yield* acceptPsk(config, suite, offer2, ch2Msg.raw, transcript);
  } else {
    transcript.setHash(suite.hash);
    resumed = yield* acceptPsk(config, suite, offer, chMsg.raw, transcript);
    if (earlyExt !== undefined) {
      const verdict = yield* decideEarlyData(config, suite, resumed, alpn);
      if (verdict.accept && resumed !== undefined) {
        // §2.3, §7.1: client_early_traffic_secret = Derive-Secret(early secret, "c e traffic", ClientHello).
        const earlySecret = resumed.early.clientEarlyTrafficSecret(transcript.hash());
        host.keyLog('CLIENT_EARLY_TRAFFIC_SECRET', earlySecret);
        host.setReadKeys('early', suite, earlySecret);
        // §4.2.10 / §4.6.1: at most the ticket's max_early_data_size bytes.
        host.readEarlyData('accept', resumed.session.state.maxEarlyDataSize);
        neg.earlyData = 'accepted';
        earlyAccepted = true;
      } else {
        rejectEarlyData(neg, verdict.reason ?? 'rejected');
      }
    }
  }
  if (entry === undefined) throw illegalParameter('no usable key share', 'ClientHello.key_share');
  const pskKe = resumed?.mode === PskKeyExchangeMode.psk_ke;
  neg.group = pskKe ? undefined : entry.group;
  const response = p.respondToKeyShare(entry.group, entry.keyExchange);

  // --- ServerHello (§4.1.3)
  const sh: ServerHello = {
    legacyVersion: ProtocolVersion.TLS1_2,
    random: p.randomBytes(32),
    legacySessionIdEcho: hello.legacySessionId,
    cipherSuite: suite.suite,
    legacyCompressionMethod: 0,
    // (pre_shared_key, key_share, supported_versions: the order of the RFC 8448 traces)
    extensions: [
      ...(resumed === undefined ? [] : [{ type: ExtensionType.pre_shared_key, data: encodePreSharedKeyServer(resumed.index) }]),
      // §4.2.9: psk_ke has no key_share
      ...(pskKe ? [] : [{ type: ExtensionType.key_share, data: encodeKeyShareServer({ group: entry.group, keyExchange: response.publicKey }) }]),
      { type: ExtensionType.supported_versions, data: encodeSupportedVersionsServer(ProtocolVersion.TLS1_3) },
    ],
  };
  transcript.add(host.send(HandshakeType.server_hello, encodeServerHello(sh), sh).raw);
  if (compat && !ccsSent) host.sendChangeCipherSpec();

  if (resumed !== undefined) {
    neg.resumed = true;
    // RFC 8446 §2.2: the resumed session keeps the original peer identity.
    const peer = resumed.session.state.peer;
    if (peer.kind === 'certificates') neg.peerCertificates = peer.chain;
    // ... and whether its chain was verified (node's `authorized` on the resumed connection)
    neg.peerVerified = peer.kind !== 'none' && peer.verified === true;
  }
  // the early secret of the PSK was computed for its binder (RFC 8446 §7.1: the same early_secret)
  const early = resumed?.early ?? EarlySecrets.create(p, suite, null);
  const hs = early.handshake(pskKe ? null : response.sharedSecret);
  const helloHash = transcript.hash();
  const clientHs = hs.clientHandshakeTrafficSecret(helloHash);
  const serverHs = hs.serverHandshakeTrafficSecret(helloHash);
  host.keyLog('CLIENT_HANDSHAKE_TRAFFIC_SECRET', clientHs);
  host.keyLog('SERVER_HANDSHAKE_TRAFFIC_SECRET', serverHs);
  host.setWriteKeys('handshake', suite, serverHs);
  if (!earlyAccepted) {
    host.setReadKeys('handshake', suite, clientHs);
    // §4.2.10: 0-RTT rejected without a HelloRetryRequest: skip the records that do not decrypt
    // under the handshake keys (the early data), up to the limit.
    if (earlyExt !== undefined && !neg.helloRetryRequest) host.readEarlyData('trial-decrypt', skipLimit(config));
  }

  // --- EncryptedExtensions (§4.3.1)
  const eeExtensions: Extension[] = [];
  // RFC 8446 §4.2.7: the server may tell the client which groups it prefers (for later connections).
  if (config.advertisedGroups !== undefined && config.advertisedGroups.length > 0) {
    eeExtensions.push({ type: ExtensionType.supported_groups, data: encodeSupportedGroups(config.advertisedGroups) });
  }
  if (offer.recordSizeLimit !== undefined) {
    neg.peerRecordSizeLimit = offer.recordSizeLimit;
    // RFC 8449 §4: we answer with our own limit (the protocol maximum unless configured lower).
    const ours = Math.min(config.recordSizeLimit ?? MAX_RECORD_SIZE_LIMIT_13, MAX_RECORD_SIZE_LIMIT_13);
    eeExtensions.push({ type: ExtensionType.record_size_limit, data: encodeRecordSizeLimit(ours) });
  }
  // RFC 6066 §3: acknowledge a server_name we used, with an empty extension.
  if (offer.serverName !== undefined) eeExtensions.push({ type: ExtensionType.server_name, data: EMPTY });
  if (alpn !== undefined) {
    eeExtensions.push({ type: ExtensionType.application_layer_protocol_negotiation, data: encodeAlpnServer(alpn) });
  }
  // §4.2.10: early_data in EncryptedExtensions tells the client its 0-RTT data is accepted.
  if (earlyAccepted) eeExtensions.push({ type: ExtensionType.early_data, data: encodeEarlyDataEmpty() });
  const ee = { extensions: eeExtensions };
  transcript.add(host.send(HandshakeType.encrypted_extensions, encodeEncryptedExtensions(ee), ee).raw);

  // --- [CertificateRequest] (§4.3.2): mutual TLS, with an empty context in the main handshake;
  // never when authenticating with a PSK.
  const clientAuth = resumed === undefined ? config.clientAuth : undefined;
  if (clientAuth !== undefined) sendCertificateRequest13(host, config, clientAuth, transcript, EMPTY);

  // --- Certificate, CertificateVerify (§4.4.2, §4.4.3); none when resuming with a PSK (§2.2)
  if (resumed === undefined) {
    // RFC 8446 §4.4.2.1: a stapled OCSP response (and SCTs, RFC 6962 §3.3.1) in the leaf's entry, when asked for.
    const staple = yield* serverStaple(config, offer.hello, choice.certificate, offer.serverName);
    neg.ocspResponse = staple.ocspResponse;
    neg.sctList = staple.sctList;
    const certMsg = {
      certificateRequestContext: EMPTY,
      certificateList: choice.certificate.chain.map((certData, i) => ({ certData, extensions: i === 0 ? leafEntryExtensions13(staple) : [] })),
    };
    transcript.add(host.send(HandshakeType.certificate, encodeCertificate13(certMsg), certMsg).raw);
    neg.localCertificates = choice.certificate.chain;
    neg.localSignatureScheme = choice.scheme;
    const signature = p.sign(choice.scheme, choice.certificate.key, certificateVerifyContent('server', transcript.hash()));
    const cv = { algorithm: choice.scheme, signature };
    transcript.add(host.send(HandshakeType.certificate_verify, encodeCertificateVerify(cv), cv).raw);
  }

  // --- Finished (§4.4.4)
  const verifyData = finishedVerifyData(p, suite, serverHs, transcript.hash());
  const fin = { verifyData };
  transcript.add(host.send(HandshakeType.finished, encodeFinished(fin), fin).raw);
  neg.serverFinished = verifyData;

  const master = hs.master();
  const finishedHash = transcript.hash();
  const clientAp = master.clientApplicationTrafficSecret0(finishedHash);
  const serverAp = master.serverApplicationTrafficSecret0(finishedHash);
  // derived only if keying material is exported or keys are logged
  const exporter = master.lazyExporterMasterSecret(finishedHash);
  host.keyLog('CLIENT_TRAFFIC_SECRET_0', clientAp);
  host.keyLog('SERVER_TRAFFIC_SECRET_0', serverAp);
  host.keyLog('EXPORTER_SECRET', exporter);
  host.setWriteKeys('application', suite, serverAp);

  // --- NewSessionTicket (§4.6.1): only for a client that can use them (psk_dhe_ke offered, §4.2.9).
  const tickets = config.tickets;
  const modes = findExtension(offer.hello.extensions, ExtensionType.psk_key_exchange_modes);
  const ticketsUsable = tickets !== undefined && modes !== undefined && pskMode(config, decodePskKeyExchangeModes(modes.data)) !== undefined;
  // As OpenSSL (SSL_CTX_set_num_tickets): at most one ticket after a resumption (it replaces the one used).
  const ticketCount = resumed === undefined ? config.ticketCount : Math.min(config.ticketCount, 1);
  const ticketParams = { suite, serverName: offer.serverName, alpn, peerCertificates: neg.peerCertificates, peerVerified: neg.peerVerified };

  // RFC 8446 §4.6.1: a server that did not ask for a client certificate knows the rest of the
  // client's flight ([EndOfEarlyData] Finished), so it can compute the client Finished it expects
  // and the resumption_master_secret now, and send the tickets with its own Finished (same flight:
  // "half-RTT tickets"); the client Finished is then compared with the expected one. The expected
  // messages go into the transcript now (the received ones, once checked, are the same bytes).
  let expectedClientFinished: Uint8Array | undefined;
  let resumptionMasterSecret: Uint8Array | undefined;
  if (clientAuth === undefined) {
    // §4.5: with 0-RTT accepted the client's flight starts with EndOfEarlyData (empty body).
    if (earlyAccepted) transcript.add(END_OF_EARLY_DATA);
    expectedClientFinished = finishedVerifyData(p, suite, clientHs, earlyAccepted ? transcript.hash() : finishedHash);
    transcript.add(encodeHandshake(HandshakeType.finished, encodeFinished({ verifyData: expectedClientFinished })));
    resumptionMasterSecret = master.resumptionMasterSecret(transcript.hash());
    if (ticketsUsable) yield* sendTickets(host, tickets, ticketCount, { ...ticketParams, resumptionMasterSecret });
  }

  // --- EndOfEarlyData (§4.5): with 0-RTT accepted, the early records end with it (under the early
  // keys); then the client's second flight comes under the handshake keys.
  if (earlyAccepted) {
    const eoedMsg = yield* expect(HandshakeType.end_of_early_data);
    // (an empty body, else decode_error: the bytes the transcript already holds)
    const eoed = decodeEndOfEarlyData(eoedMsg.body);
    host.received(eoedMsg, eoed);
    if (expectedClientFinished === undefined) transcript.add(eoedMsg.raw);
    host.setReadKeys('handshake', suite, clientHs);
  }

  // --- [client Certificate, CertificateVerify] (§4.4.2, §4.4.3)
  if (clientAuth !== undefined) yield* receiveClientCertificate13(host, config, clientAuth, transcript, EMPTY);

  // --- client Finished (§4.4.4), checked in constant time
  const cfMsg = yield* expect(HandshakeType.finished);
  const cf = decodeFinished(cfMsg.body, suite.hashLength);
  host.received(cfMsg, cf);
  const finishedOk =
    expectedClientFinished !== undefined
      ? constantTimeEqual(expectedClientFinished, cf.verifyData)
      : verifyFinished(p, suite, clientHs, transcript.hash(), cf.verifyData);
  if (!finishedOk) {
    throw new TlsError(ErrorCode.ERR_TLS_DECRYPT_ERROR, 'client Finished does not verify', { field: 'Finished.verify_data' });
  }
  neg.clientFinished = cf.verifyData;
  // (with half-RTT tickets the transcript already holds these bytes: the Finished verified)
  if (expectedClientFinished === undefined) transcript.add(cfMsg.raw);
  host.setReadKeys('application', suite, clientAp);
  const rms = resumptionMasterSecret ?? master.resumptionMasterSecret(transcript.hash());
  // §4.6.1: after post-handshake authentication, a ticket that carries the new client identity
  // (nonces 0x01 n: distinct from the handshake's one-byte ones; at most 255 per connection).
  let authTickets = 0;
  const ticketAfterAuth: TicketAfterAuth | undefined =
    ticketsUsable && tickets !== undefined
      ? (peerCertificates, peerVerified) =>
          authTickets >= 255
            ? null
            : tickets.issueTicket13({ suite, resumptionMasterSecret: rms, ticketNonce: Uint8Array.of(1, authTickets++), serverName: offer.serverName, alpn, peerCertificates, peerVerified })
      : undefined;
  host.complete({ exporterMasterSecret: exporter, resumptionMasterSecret: rms, transcript, ...(ticketAfterAuth === undefined ? {} : { ticketAfterAuth }) });

  // with client authentication, the tickets follow the client's Finished (they carry its identity)
  if (resumptionMasterSecret === undefined && ticketsUsable) {
    yield* sendTickets(host, tickets, ticketCount, { ...ticketParams, peerCertificates: neg.peerCertificates, peerVerified: neg.peerVerified, resumptionMasterSecret: rms });
  }

  // --- post-handshake (§4.6): only KeyUpdate from a client.
  yield* postHandshake13(host, 'server');
}

/** RFC 8446 §4.5: EndOfEarlyData, a handshake message with an empty body. */
const END_OF_EARLY_DATA = Uint8Array.of(HandshakeType.end_of_early_data, 0, 0, 0);

/**
 * RFC 8446 §4.6.1: sends `count` NewSessionTickets, each with a distinct one-byte nonce. All are
 * issued at once: no asynchronous step when they are made synchronously (stateless tickets), else
 * one wait for all of them (not one per ticket).
 */
function* sendTickets(
  host: HandshakeHost,
  tickets: ServerTickets13 | undefined,
  count: number,
  params: Omit<Parameters<ServerTickets13['issueTicket13']>[0], 'ticketNonce'>,
): Generator<HandshakeStep, void, HandshakeInput> {
  if (tickets === undefined) return;
  const issued: (NewSessionTicket13 | null | Promise<NewSessionTicket13 | null>)[] = [];
  let pending = false;
  for (let i = 0; i < count; i++) {
    // §4.6.1: a distinct nonce per ticket on this connection.
    const t = tickets.issueTicket13({ ...params, ticketNonce: Uint8Array.of(i) });
    issued.push(t);
    if (t instanceof Promise) pending = true;
  }
  const nsts = pending ? yield* awaitValue(Promise.all(issued.map((t) => Promise.resolve(t)))) : (issued as readonly (NewSessionTicket13 | null)[]);
  for (const nst of nsts) {
    if (nst !== null) host.send(HandshakeType.new_session_ticket, encodeNewSessionTicket13(nst), nst);
  }
}

/** A PSK the server selected (RFC 8446 §4.2.11). */
interface AcceptedPsk {
  readonly index: number;
  readonly session: ResumedSession13;
  /** The verified binder of the selected identity (the RFC 8446 §8.2 anti-replay key). */
  readonly binder: Uint8Array;
  /** psk_dhe_ke (with an (EC)DHE share) or psk_ke (none; RFC 8446 §4.2.9). */
  readonly mode: PskKeyExchangeMode;
  /** The key schedule's first stage for this PSK (computed for the binder, reused for the handshake). */
  readonly early: EarlySecrets;
}

/** The PSK mode we use (§4.2.9): psk_dhe_ke when offered, psk_ke only when allowed and it is all the client offers. */
function pskMode(config: ServerConfig, modes: readonly number[]): PskKeyExchangeMode | undefined {
  if (modes.includes(PskKeyExchangeMode.psk_dhe_ke)) return PskKeyExchangeMode.psk_dhe_ke;
  if (config.allowPskKe && modes.includes(PskKeyExchangeMode.psk_ke)) return PskKeyExchangeMode.psk_ke;
  return undefined;
}

/** Identities tried per ClientHello (each may cost a store lookup). */
const MAX_PSK_IDENTITIES_TRIED = 4;

/**
 * RFC 8446 §4.2.11: the PSK to resume with, or undefined (full handshake). `transcript` holds
 * what precedes this ClientHello (nothing, or message_hash + HelloRetryRequest); the ClientHello
 * `raw` is added to it here. Only the binder of the selected identity is checked (§4.2.11:
 * servers SHOULD NOT validate several).
 */
function* acceptPsk(
  config: ServerConfig,
  suite: Tls13Suite,
  offer: Offer,
  raw: Uint8Array,
  transcript: Transcript,
): Generator<HandshakeStep, AcceptedPsk | undefined, HandshakeInput> {
  const exts = offer.hello.extensions;
  const ext = findExtension(exts, ExtensionType.pre_shared_key);
  if (ext === undefined) {
    transcript.add(raw);
    return undefined;
  }
  // §4.2.11: pre_shared_key MUST be the last extension of the ClientHello.
  if (exts[exts.length - 1]?.type !== ExtensionType.pre_shared_key) {
    throw illegalParameter('pre_shared_key is not the last extension', 'ClientHello.extensions');
  }
  const modesExt = findExtension(exts, ExtensionType.psk_key_exchange_modes);
  // §4.2.9: a client offering pre_shared_key MUST send psk_key_exchange_modes.
  if (modesExt === undefined) {
    throw new TlsError(ErrorCode.ERR_TLS_MISSING_EXTENSION, 'pre_shared_key without psk_key_exchange_modes');
  }
  const offered = decodePreSharedKeyClient(ext.data);
  const tickets = config.tickets;
  // psk_dhe_ke by default: the (EC)DHE share gives forward secrecy to the resumed session.
  const mode = pskMode(config, decodePskKeyExchangeModes(modesExt.data));
  if (tickets === undefined || mode === undefined) {
    transcript.add(raw);
    return undefined;
  }
  // §4.2.11.2: every binder is over the ClientHello truncated before the binders list (and what
  // precedes it in the transcript); its hash is taken as the ClientHello goes in, hashing it once.
  const truncatedHash = transcript.addWithPrefixHash(raw, raw.length - bindersLength(offered.binders));
  const tried = Math.min(offered.identities.length, MAX_PSK_IDENTITIES_TRIED);
  for (let index = 0; index < tried; index++) {
    const identity = offered.identities[index];
    const binder = offered.binders[index];
    if (identity === undefined || binder === undefined) break;
    const session = yield* awaitIfPending(tickets.resumeTicket13(identity));
    if (session === null) continue;
    // §4.2.11: the PSK's hash must be that of the selected cipher suite.
    if (tls13Suite(session.state.cipherSuite)?.hash !== suite.hash) continue;
    // RFC 8446 §4.6.1 / RFC 6066 §3: resume only for the same server name.
    if ((session.state.serverName ?? '').toLowerCase() !== (offer.serverName ?? '').toLowerCase()) continue;
    // §4.2.11.2: the binder over the truncated ClientHello, checked in constant time.
    const early = EarlySecrets.create(config.provider, suite, session.state.psk);
    if (!verifyFinished(config.provider, suite, early.binderKey('resumption'), truncatedHash, binder)) {
      throw new TlsError(ErrorCode.ERR_TLS_DECRYPT_ERROR, 'PSK binder does not verify', { field: 'ClientHello.pre_shared_key.binders' });
    }
    return { index, session, mode, binder, early };
  }
  return undefined;
}

/** RFC 8446 §4.2.10: early data skipped when rejected is bounded by our max_early_data_size (at least 16 KiB, for tickets of other configurations). */
const MIN_EARLY_DATA_SKIP = 16_384;

function skipLimit(config: ServerConfig): number {
  return Math.max(config.tickets?.maxEarlyDataSize ?? 0, MIN_EARLY_DATA_SKIP);
}

function rejectEarlyData(neg: Negotiated, reason: string): void {
  neg.earlyData = 'rejected';
  neg.earlyDataRejectReason = reason;
}

/**
 * RFC 8446 §4.2.10, §8: whether to accept the client's 0-RTT data. Needs a resumed PSK (the
 * first identity, checked with the ticket's suite, ALPN, freshness and the anti-replay record by
 * `ServerTickets13.checkEarlyData`).
 */
function* decideEarlyData(
  config: ServerConfig,
  suite: Tls13Suite,
  resumed: AcceptedPsk | undefined,
  alpn: string | undefined,
): Generator<HandshakeStep, EarlyDataVerdict, HandshakeInput> {
  const tickets = config.tickets;
  if (tickets === undefined || tickets.maxEarlyDataSize === 0) return { accept: false, reason: 'disabled' };
  if (resumed === undefined) return { accept: false, reason: 'no-psk' };
  return yield* awaitValue(
    tickets.checkEarlyData(resumed.session, { binder: resumed.binder, selectedIdentity: resumed.index, cipherSuite: suite.suite, alpn }),
  );
}

function readOffer(hello: ClientHello): Offer {
  const ext = (type: number): Uint8Array | undefined => findExtension(hello.extensions, type)?.data;
  const sv = ext(ExtensionType.supported_versions);
  const groups = ext(ExtensionType.supported_groups);
  const shares = ext(ExtensionType.key_share);
  const sigs = ext(ExtensionType.signature_algorithms);
  const sni = ext(ExtensionType.server_name);
  const alpn = ext(ExtensionType.application_layer_protocol_negotiation);
  const rsl = ext(ExtensionType.record_size_limit);
  return {
    hello,
    versions: sv === undefined ? [] : decodeSupportedVersionsClient(sv),
    groups: groups === undefined ? [] : decodeSupportedGroups(groups),
    shares: shares === undefined ? [] : decodeKeyShareClient(shares),
    signatureAlgorithms: sigs === undefined ? [] : decodeSignatureAlgorithms(sigs),
    serverName: sni === undefined ? undefined : (decodeServerNameClient(sni).hostName ?? undefined),
    alpn: alpn === undefined ? undefined : decodeAlpn(alpn),
    recordSizeLimit: rsl === undefined ? undefined : decodeRecordSizeLimit(rsl),
  };
}

function checkVersions(offer: Offer): void {
  // RFC 8446 §4.2.1: without supported_versions (or without 0x0304 in it) the client wants TLS
  // 1.2 or older; this server speaks TLS 1.3 only (TLS 1.2 arrives with its own issue).
  if (!offer.versions.includes(ProtocolVersion.TLS1_3)) {
    throw new TlsError(ErrorCode.ERR_TLS_PROTOCOL_VERSION, 'the client does not offer TLS 1.3', {
      field: 'ClientHello.supported_versions',
    });
  }
  const hello = offer.hello;
  // RFC 8446 §4.1.2: legacy_compression_methods must be exactly one zero byte in TLS 1.3.
  if (hello.legacyCompressionMethods.length !== 1 || hello.legacyCompressionMethods[0] !== 0) {
    throw illegalParameter('legacy_compression_methods must be [null]', 'ClientHello.legacy_compression_methods');
  }
  // RFC 8446 §9.2: without a PSK, signature_algorithms, supported_groups and key_share are required.
  const has = (type: number): boolean => findExtension(hello.extensions, type) !== undefined;
  for (const [type, name] of [
    [ExtensionType.signature_algorithms, 'signature_algorithms'],
    [ExtensionType.supported_groups, 'supported_groups'],
    [ExtensionType.key_share, 'key_share'],
  ] as const) {
    if (!has(type)) throw new TlsError(ErrorCode.ERR_TLS_MISSING_EXTENSION, `ClientHello has no ${name} extension`);
  }
  // RFC 8446 §4.2.8: every KeyShareEntry must be for a group in supported_groups.
  for (const share of offer.shares) {
    if (!offer.groups.includes(share.group)) {
      throw illegalParameter('key_share has a group that is not in supported_groups', 'ClientHello.key_share');
    }
  }
}

function chooseSuite(config: ServerConfig, offered: readonly number[]): Tls13Suite {
  for (const code of config.cipherSuites) {
    const suite = offered.includes(code) ? tls13Suite(code) : undefined;
    if (suite !== undefined) return suite;
  }
  throw new TlsError(ErrorCode.ERR_TLS_HANDSHAKE_FAILURE, 'no TLS 1.3 cipher suite in common');
}

function pickShare(mutual: readonly number[], shares: readonly KeyShareEntry[]): KeyShareEntry | undefined {
  for (const group of mutual) {
    const share = shares.find((s) => s.group === group);
    if (share !== undefined) return share;
  }
  return undefined;
}

function chooseAlpn(config: ServerConfig, offered: readonly string[] | undefined): string | undefined {
  if (offered === undefined || config.alpnProtocols.length === 0) return undefined;
  for (const proto of config.alpnProtocols) if (offered.includes(proto)) return proto;
  // RFC 7301 §3.2: no protocol in common → no_application_protocol.
  if (config.alpnStrict) {
    throw new TlsError(ErrorCode.ERR_TLS_NO_APPLICATION_PROTOCOL, 'no ALPN protocol in common');
  }
  return undefined;
}

/** RFC 8446 §4.1.2 / §4.1.4: what the second ClientHello may (not) change. */
function checkSecondHello(
  first: ClientHello,
  second: ClientHello,
  suite: Tls13Suite,
  group: number,
  offer: Offer,
  cookie: Uint8Array | undefined,
): void {
  if (!constantTimeEqual(first.random, second.random) || !constantTimeEqual(first.legacySessionId, second.legacySessionId)) {
    throw illegalParameter('the second ClientHello changed random or legacy_session_id', 'ClientHello');
  }
  if (!second.cipherSuites.includes(suite.suite)) {
    throw illegalParameter('the second ClientHello dropped the selected cipher suite', 'ClientHello.cipher_suites');
  }
  // §4.2.8: exactly one share, for the group the HelloRetryRequest selected.
  if (offer.shares.length !== 1 || offer.shares[0]?.group !== group) {
    throw illegalParameter('the second ClientHello must send one key share for the selected group', 'ClientHello.key_share');
  }
  if (cookie !== undefined) {
    const echoed = findExtension(second.extensions, ExtensionType.cookie);
    // §4.2.2: the client must echo the cookie.
    if (echoed === undefined || !constantTimeEqual(decodeCookie(echoed.data), cookie)) {
      throw illegalParameter('the second ClientHello did not echo the cookie', 'ClientHello.cookie');
    }
  }
  // §4.1.2: early_data must not be in the second ClientHello.
  if (findExtension(second.extensions, ExtensionType.early_data) !== undefined) {
    throw illegalParameter('early_data in the second ClientHello', 'ClientHello.early_data');
  }
}
