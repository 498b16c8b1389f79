import type { Tls13Suite } from '../keyschedule/suites.js';
import type { Tls12Suite } from './suites12.js';
import type { ClientSession12 } from './resumption12.js';
import type { HandshakeMessage } from '../messages/handshake.js';
import type { Transcript } from '../keyschedule/transcript.js';
import type { NewSessionTicket13 } from '../messages/new-session-ticket13.js';
import { unexpectedMessage, internalError } from '../errors.js';
import { handshakeTypeName } from '../registry/names.js';
import type { StapledOcspReport } from '../x509/stapling.js';

/** Which keys protect records: the 0-RTT keys, the handshake keys or the application keys. */
export type KeyLevel = 'early' | 'handshake' | 'application';

/**
 * 0-RTT early data (RFC 8446 §2.3, §4.2.10) as the handshake settled it: not offered (client) /
 * not asked for (server), accepted (early_data in EncryptedExtensions), or rejected (no early_data
 * in EncryptedExtensions, or a HelloRetryRequest).
 */
export type EarlyDataStatus = 'not-offered' | 'accepted' | 'rejected';

/**
 * Server: how the connection reads application_data records that arrive before the client's
 * second flight (RFC 8446 §4.2.10). `accept`: under the early keys (already installed), delivered
 * as early data, at most `limit` bytes of content. `trial-decrypt`: early data was rejected;
 * records that fail to decrypt under the handshake keys are skipped (at most `limit` bytes), the
 * first one that decrypts ends the skipping. `skip-unprotected`: after a HelloRetryRequest, every
 * application_data record before the second ClientHello is skipped (at most `limit` bytes).
 * More than `limit` bytes → unexpected_message.
 */
export type EarlyDataReadMode = 'accept' | 'trial-decrypt' | 'skip-unprotected';

/** What a handshake learns and the connection reports (getProtocol(), getCipher(), ...). */
export interface Negotiated {
  version: number;
  cipherSuite: number;
  /** The key exchange group (NamedGroup), when there was one. */
  group: number | undefined;
  alpnProtocol: string | undefined;
  /** The SNI the client sent (server side) or asked for (client side). */
  serverName: string | undefined;
  /** The peer's certificate chain, DER, leaf first, as received. */
  peerCertificates: readonly Uint8Array[];
  /** Our certificate chain, as sent. */
  localCertificates: readonly Uint8Array[];
  /** Whether the peer's chain was verified successfully (false when verification was off). */
  peerVerified: boolean;
  /** Why verification failed, when it did and the failure was not fatal. */
  verifyError: Error | undefined;
  /** Signature scheme the peer used in CertificateVerify / we used. */
  peerSignatureScheme: number | undefined;
  localSignatureScheme: number | undefined;
  helloRetryRequest: boolean;
  clientRandom: Uint8Array | undefined;
  /** Finished verify_data as sent by the client and the server. */
  clientFinished: Uint8Array | undefined;
  serverFinished: Uint8Array | undefined;
  /** The peer's RFC 8449 record_size_limit (what we may send). */
  peerRecordSizeLimit: number | undefined;
  /** Whether the server offered / the client sent middlebox-compatibility CCS. */
  middleboxCompatibility: boolean;
  /** TLS 1.2: whether the extended master secret (RFC 7627) was negotiated. */
  extendedMasterSecret: boolean;
  /** Whether this handshake resumed a session (RFC 8446 §2.2 PSK; no certificates exchanged). */
  resumed: boolean;
  /** Server, TLS 1.2: the ID under which this connection's session is cached (RFC 5246 §7.4.1.2), if any. */
  sessionId12: Uint8Array | undefined;
  /** 0-RTT (RFC 8446 §2.3): offered and accepted or rejected. */
  earlyData: EarlyDataStatus;
  /** Why the server rejected 0-RTT (server side; e.g. 'replay-or-store', 'hello-retry-request'). */
  earlyDataRejectReason: string | undefined;
  /** The stapled DER OCSPResponse for the leaf: received (client) or sent (server). */
  ocspResponse: Uint8Array | undefined;
  /** Server: the DER OCSPResponse the client stapled for its certificate (RFC 8446 §4.4.2.1), when asked for. */
  clientOcspResponse: Uint8Array | undefined;
  /** The TLS-encoded SCT list (RFC 6962 §3.3.1): received (client) or sent (server). */
  sctList: Uint8Array | undefined;
  /** Client: what the verifier found in the stapled response (undefined: none, or not verified). */
  ocspStatus: StapledOcspReport | undefined;
  /** TLS 1.3: the client offered post_handshake_auth (RFC 8446 §4.2.6). */
  postHandshakeAuth: boolean;
}

export function emptyNegotiated(): Negotiated {
  return {
    version: 0,
    cipherSuite: 0,
    group: undefined,
    alpnProtocol: undefined,
    serverName: undefined,
    peerCertificates: [],
    localCertificates: [],
    peerVerified: false,
    verifyError: undefined,
    peerSignatureScheme: undefined,
    localSignatureScheme: undefined,
    helloRetryRequest: false,
    clientRandom: undefined,
    clientFinished: undefined,
    serverFinished: undefined,
    peerRecordSizeLimit: undefined,
    middleboxCompatibility: false,
    extendedMasterSecret: false,
    resumed: false,
    sessionId12: undefined,
    earlyData: 'not-offered',
    earlyDataRejectReason: undefined,
    ocspResponse: undefined,
    clientOcspResponse: undefined,
    sctList: undefined,
    ocspStatus: undefined,
    postHandshakeAuth: false,
  };
}

/**
 * What the handshake asks of the connection. The handshake never touches bytes on the wire:
 * it hands messages to `send`, installs keys, and reports.
 */
export interface HandshakeHost {
  /** Sends a handshake message (under the current write keys) and reports it. */
  send(type: number, body: Uint8Array, decoded: object): HandshakeMessage;
  /** Reports a received message with its decoded fields (for events and traces). */
  received(message: HandshakeMessage, decoded: object): void;
  /** RFC 8446 Appendix D.4: the dummy change_cipher_spec. */
  sendChangeCipherSpec(): void;
  setReadKeys(level: KeyLevel, suite: Tls13Suite, secret: Uint8Array): void;
  setWriteKeys(level: KeyLevel, suite: Tls13Suite, secret: Uint8Array): void;
  /**
   * NSS key log line (only delivered when the user asked for a key log). A secret derived only
   * for the key log (the exporter secret) is passed as a function, called only then.
   */
  keyLog(label: string, secret: Uint8Array | (() => Uint8Array)): void;
  /**
   * The handshake is complete: application data may flow both ways. `transcript` runs through
   * the client Finished: the Handshake Context of post-handshake authentication (RFC 8446 §4.4).
   */
  complete(secrets: {
    /** RFC 8446 §7.5: derived on its first call (only exporters and key logs need it). */
    exporterMasterSecret: () => Uint8Array;
    resumptionMasterSecret: Uint8Array;
    transcript?: Transcript;
    /** Server: issues a ticket for the client identity established by post-handshake authentication (RFC 8446 §4.6.1). */
    ticketAfterAuth?: TicketAfterAuth;
  }): void;
  /** Answering a KeyUpdate: rotate the read keys, and the write keys when asked to. */
  keyUpdateReceived(updateRequested: boolean): void;
  readonly negotiated: Negotiated;
  /**
   * TLS 1.2 (RFC 5246 §6.3, §7.1): installs record protection for one direction from the key
   * block (after the ChangeCipherSpec sent or received). Also switches the record layer to TLS 1.2.
   */
  /** `mac`: the MAC key and RFC 7366 encrypt_then_mac for the CBC suites (RFC 5246 §6.2.3.2). */
  setReadKeys12(suite: Tls12Suite, key: Uint8Array, iv: Uint8Array, mac?: MacKeys12): void;
  setWriteKeys12(suite: Tls12Suite, key: Uint8Array, iv: Uint8Array, mac?: MacKeys12): void;
  /** TLS 1.2: the handshake is complete; `exporter` is the RFC 5705 exporter of this session. */
  complete12(exporter: Exporter12): void;
  /** Sends a warning alert (RFC 5746 §4.2 / RFC 5246 §7.2.2: no_renegotiation). */
  sendWarningAlert(description: number): void;
  /**
   * Client, 0-RTT (RFC 8446 §2.3): sends `data` as application_data records under the current
   * write keys, which must be the early keys (client_early_traffic_secret).
   */
  sendEarlyData(data: Uint8Array): void;
  /** Client: back to unprotected records (RFC 8446 §4.1.4: the ClientHello after a HelloRetryRequest, when 0-RTT was offered). */
  clearWriteKeys(): void;
  /** Server: how to read application_data records before the client's second flight (RFC 8446 §4.2.10). */
  readEarlyData(mode: EarlyDataReadMode, limit: number): void;
  /** Client, TLS 1.2: a resumable session (session ID and/or RFC 5077 ticket), after the server Finished verified. */
  newSession12?(session: ClientSession12): void;
}

/** Issues a NewSessionTicket carrying a client identity (null: none issued). */
export type TicketAfterAuth = (peerCertificates: readonly Uint8Array[], peerVerified: boolean) => NewSessionTicket13 | null | Promise<NewSessionTicket13 | null>;

/** RFC 5705 exporter bound to one TLS 1.2 session. */
export type Exporter12 = (label: string, context: Uint8Array | null, length: number) => Uint8Array;

/**
 * TLS 1.2 ChangeCipherSpec (RFC 5246 §7.1) is a record, not a handshake message, but its place
 * in the handshake is fixed: the connection hands a received CCS record to a TLS 1.2 handshake
 * as a pseudo-message of this type (outside the u8 handshake type space), so that the handshake
 * can `expect` it like a message; a CCS anywhere else is unexpected_message.
 */
export const CHANGE_CIPHER_SPEC_MESSAGE = 0x100 + 20;

/** What a handshake generator waits for next. */
export type HandshakeStep =
  | { readonly kind: 'expect'; readonly types: readonly number[] }
  | { readonly kind: 'await'; readonly promise: Promise<unknown> };

/** What the connection feeds back: the next message, or the settled value of an await. */
export type HandshakeInput = HandshakeMessage | { readonly settled: unknown };

export type HandshakeGenerator = Generator<HandshakeStep, void, HandshakeInput>;

function isMessage(input: HandshakeInput): input is HandshakeMessage {
  return 'raw' in input;
}

/**
 * The only way a handshake gets a message: it says which types it accepts; the connection
 * rejects anything else with unexpected_message before the handshake sees it.
 */
export function* expect(...types: number[]): Generator<HandshakeStep, HandshakeMessage, HandshakeInput> {
  const input = yield { kind: 'expect', types };
  if (!isMessage(input)) throw internalError('handshake fed a value where a message was expected');
  if (!types.includes(input.type)) {
    const name = (t: number): string => (t === CHANGE_CIPHER_SPEC_MESSAGE ? 'change_cipher_spec' : handshakeTypeName(t));
    throw unexpectedMessage(`received ${name(input.type)}, expected ${types.map(name).join(' or ')}`);
  }
  return input;
}

/** Waits for an asynchronous answer (a user callback) without blocking the connection. */
export function* awaitValue<T>(promise: Promise<T>): Generator<HandshakeStep, T, HandshakeInput> {
  const input = yield { kind: 'await', promise };
  if (isMessage(input)) throw internalError('handshake fed a message while awaiting');
  return input.settled as T;
}

/** A value that may still be pending: waits only when it is a promise (no asynchronous step otherwise). */
export function* awaitIfPending<T>(value: T | Promise<T>): Generator<HandshakeStep, T, HandshakeInput> {
  return value instanceof Promise ? yield* awaitValue(value) : value;
}

/** The CBC suites' MAC key and whether encrypt_then_mac (RFC 7366) was negotiated. */
export interface MacKeys12 {
  readonly macKey: Uint8Array;
  readonly encryptThenMac: boolean;
}
