/**
 * TLS 1.3 post-handshake client authentication (RFC 8446 §4.6.2): once the handshake is
 * complete, a server whose client offered post_handshake_auth (§4.2.6) may send a
 * CertificateRequest with a fresh, non-empty certificate_request_context at any time; the client
 * answers with Certificate, CertificateVerify (when the Certificate is not empty) and Finished.
 *
 * §4.4: the Handshake Context of every such exchange is the main handshake's transcript through
 * the client Finished plus that CertificateRequest (exchanges never include each other), and the
 * Finished key comes from client_application_traffic_secret_N, the client's current sending
 * secret. Both sides keep a copy of the transcript hash state for this; nothing else of the
 * handshake.
 */
import { ErrorCode, TlsError, illegalParameter, unexpectedMessage } from '../errors.js';
import type { Tls13Suite } from '../keyschedule/suites.js';
import { finishedVerifyData, verifyFinished } from '../keyschedule/tls13.js';
import type { Transcript } from '../keyschedule/transcript.js';
import { decodeCertificate13 } from '../messages/certificate13.js';
import { decodeCertificateRequest13 } from '../messages/certificate-request13.js';
import { decodeFinished, encodeFinished } from '../messages/finished.js';
import type { HandshakeMessage } from '../messages/handshake.js';
import { encodeNewSessionTicket13 } from '../messages/new-session-ticket13.js';
import { HandshakeType } from '../registry/codepoints.js';
import { toHex } from '../wire/bytes.js';
import { receiveClientCertificate13, sendCertificateRequest13, sendClientCertificate13 } from './client-auth.js';
import type { ClientAuthConfig, ClientConfig, ServerConfig } from './config.js';
import { awaitIfPending, emptyNegotiated, expect, type HandshakeHost, type TicketAfterAuth, type HandshakeInput, type HandshakeStep, type Negotiated } from './host.js';

/** Bytes of a server's certificate_request_context: random, so unpredictable to the client (§4.3.2). */
export const PHA_CONTEXT_LENGTH = 32;
/** Post-handshake CertificateRequests a server may have outstanding at once (each holds a transcript copy). */
export const MAX_OUTSTANDING_REQUESTS = 8;

/** What post-handshake authentication needs from the connection. */
export interface PostHandshakeAuthHost extends Pick<HandshakeHost, 'send' | 'received' | 'negotiated'> {
  /** The client's current application traffic secret (client: write side; server: read side). */
  clientTrafficSecret(): Uint8Array;
}

/** The outcome of one post-handshake authentication, as the server saw it. */
export interface ClientCertificateResult {
  /** The certificate_request_context of the request answered. */
  readonly context: Uint8Array;
  /** The client's chain, DER, leaf first; empty when it declined. */
  readonly certificates: readonly Uint8Array[];
  /** Whether the chain was verified (purpose clientAuth). */
  readonly verified: boolean;
  /** Why verification failed, when it did and the configuration let the connection go on. */
  readonly verifyError: Error | undefined;
}

/** The client side: answers each CertificateRequest in the order received. */
export class PostHandshakeAuthClient {
  constructor(
    private readonly config: ClientConfig,
    private readonly suite: Tls13Suite,
    /** The transcript through our Finished; never modified (each request works on a copy). */
    private readonly transcript: Transcript,
  ) {}

  /** RFC 8446 §4.6.2: Certificate, [CertificateVerify], Finished, consecutively (one flight). */
  answer(host: PostHandshakeAuthHost, message: HandshakeMessage): void {
    const request = decodeCertificateRequest13(message.body);
    host.received(message, request);
    // §4.3.2: a zero-length context belongs to the main handshake only.
    if (request.certificateRequestContext.length === 0) {
      throw illegalParameter('post-handshake CertificateRequest with an empty context', 'CertificateRequest.certificate_request_context');
    }
    const transcript = this.transcript.clone();
    transcript.add(message.raw);
    sendClientCertificate13(host, this.config, request, transcript);
    // §4.4.4: the Finished key from client_application_traffic_secret_N.
    const verifyData = finishedVerifyData(this.config.provider, this.suite, host.clientTrafficSecret(), transcript.hash());
    const fin = { verifyData };
    host.send(HandshakeType.finished, encodeFinished(fin), fin);
  }
}

/** The server side: sends requests, and checks the answers (in any order, by their context). */
export class PostHandshakeAuthServer {
  /** Outstanding requests by context (hex): the transcript with that CertificateRequest. */
  private readonly pending = new Map<string, Transcript>();
  /** True between a client's Certificate and its Finished (§4.6.2: nothing else may come between). */
  inResponse = false;

  constructor(
    private readonly config: ServerConfig,
    private readonly auth: ClientAuthConfig,
    private readonly suite: Tls13Suite,
    /** The transcript through the client Finished; never modified. */
    private readonly transcript: Transcript,
    /** §4.6.1: a ticket for the newly authenticated identity, when tickets are issued to this client. */
    private readonly ticketAfterAuth?: TicketAfterAuth,
  ) {}

  /** Whether a client Certificate may arrive now. */
  get outstanding(): number {
    return this.pending.size;
  }

  /** RFC 8446 §4.6.2, §4.3.2: sends a CertificateRequest with a fresh random context and returns it. */
  request(host: Pick<HandshakeHost, 'send'>): Uint8Array {
    if (this.pending.size >= MAX_OUTSTANDING_REQUESTS) {
      throw new TlsError(ErrorCode.ERR_TLS_LIMIT_EXCEEDED, `more than ${MAX_OUTSTANDING_REQUESTS} post-handshake CertificateRequests outstanding`);
    }
    // §4.3.2: unique within the connection and unpredictable (random; a repeat is re-drawn).
    let context = this.config.provider.randomBytes(PHA_CONTEXT_LENGTH);
    while (this.pending.has(toHex(context))) context = this.config.provider.randomBytes(PHA_CONTEXT_LENGTH);
    const transcript = this.transcript.clone();
    sendCertificateRequest13(host, this.config, this.auth, transcript, context);
    this.pending.set(toHex(context), transcript);
    return context;
  }

  /**
   * The client's answer, from its Certificate on: CertificateVerify when it sent a chain, then
   * Finished. The connection's negotiated peer identity changes only once the Finished verified.
   */
  *receive(host: PostHandshakeAuthHost, certMsg: HandshakeMessage): Generator<HandshakeStep, ClientCertificateResult, HandshakeInput> {
    const context = decodeCertificate13(certMsg.body).certificateRequestContext;
    const key = toHex(context);
    const transcript = this.pending.get(key);
    // §4.6.2: a Certificate answers one of our outstanding requests (any order), or it is unexpected.
    if (transcript === undefined) {
      if (this.pending.size === 0) throw unexpectedMessage('client Certificate without a post-handshake CertificateRequest');
      throw illegalParameter('client Certificate for a request context we did not send', 'Certificate.certificate_request_context');
    }
    this.pending.delete(key);
    this.inResponse = true;
    // checks run on a scratch copy of what was negotiated, so that a failed answer changes nothing
    const scratch: Negotiated = { ...emptyNegotiated(), version: host.negotiated.version };
    const sub = { received: (m: HandshakeMessage, d: object): void => { host.received(m, d); }, negotiated: scratch };
    yield* receiveClientCertificate13(sub, this.config, this.auth, transcript, context, certMsg);

    const finMsg = yield* expect(HandshakeType.finished);
    const fin = decodeFinished(finMsg.body, this.suite.hashLength);
    host.received(finMsg, fin);
    // §4.4.4: keyed with client_application_traffic_secret_N; a mismatch is decrypt_error.
    if (!verifyFinished(this.config.provider, this.suite, host.clientTrafficSecret(), transcript.hash(), fin.verifyData)) {
      throw new TlsError(ErrorCode.ERR_TLS_DECRYPT_ERROR, 'post-handshake client Finished does not verify', { field: 'Finished.verify_data' });
    }
    this.inResponse = false;
    const neg = host.negotiated;
    if (scratch.peerCertificates.length > 0) {
      neg.peerCertificates = scratch.peerCertificates;
      neg.peerVerified = scratch.peerVerified;
      neg.verifyError = scratch.verifyError;
      neg.peerSignatureScheme = scratch.peerSignatureScheme;
      neg.clientOcspResponse = scratch.clientOcspResponse;
    }
    const result = { context, certificates: scratch.peerCertificates, verified: scratch.peerVerified, verifyError: scratch.verifyError };
    // RFC 8446 §4.6.1: a new ticket encapsulates the additional client authentication state
    if (this.ticketAfterAuth !== undefined && scratch.peerCertificates.length > 0) {
      const nst = yield* awaitIfPending(this.ticketAfterAuth(neg.peerCertificates, neg.peerVerified));
      if (nst !== null) host.send(HandshakeType.new_session_ticket, encodeNewSessionTicket13(nst), nst);
    }
    return result;
  }
}
