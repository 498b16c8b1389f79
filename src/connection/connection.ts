import { ErrorCode, TlsError, unexpectedMessage } from '../errors.js';
import type { ClientConfig, ServerConfig } from '../handshake/config.js';
import { clientHandshake13 } from '../handshake/client13.js';
import { serverHandshake13 } from '../handshake/server13.js';
import { postHandshake13, type PostHandshakeAuthHandler } from '../handshake/common13.js';
import { PostHandshakeAuthClient, PostHandshakeAuthServer, type ClientCertificateResult, type PostHandshakeAuthHost } from '../handshake/post-handshake-auth.js';
import type { Transcript } from '../keyschedule/transcript.js';
import { clientSessionFromTicket } from '../handshake/resumption13.js';
import type { ClientSession } from '../handshake/resumption12.js';
import type { NewSessionTicket13 } from '../messages/new-session-ticket13.js';
import {
  emptyNegotiated,
  type HandshakeGenerator,
  type HandshakeHost,
  type HandshakeInput,
  type HandshakeStep,
  type EarlyDataReadMode,
  type EarlyDataStatus,
  type KeyLevel,
  type TicketAfterAuth,
  type Negotiated,
} from '../handshake/host.js';
import { exportKeyingMaterial, nextTrafficSecret, trafficKeys } from '../keyschedule/tls13.js';
import type { Tls13Suite } from '../keyschedule/suites.js';
import { encodeHandshake, type HandshakeMessage } from '../messages/handshake.js';
import { encodeKeyUpdate } from '../messages/key-update.js';
import { alertIsClosure, alertReceivedError, decodeAlert } from '../record/alert.js';
import { RecordDeframer, type TlsRecord } from '../record/deframer.js';
import { checkPlaintextRecord, encodePlaintextRecords } from '../record/plaintext.js';
import { RecordOpener13, RecordSealer13, type InnerPlaintext } from '../record/protection13.js';
import { AEAD_TAG_LENGTH } from '../crypto/provider.js';
import { RecordOpener12, RecordSealer12 } from '../record/protection12.js';
import { RecordOpenerCbc12, RecordSealerCbc12, type CbcParams } from '../record/protection12-cbc.js';
import type { AeadKey } from '../crypto/provider.js';
import { MAX_CIPHERTEXT_LENGTH_TLS12 } from '../record/deframer.js';
import { CHANGE_CIPHER_SPEC_MESSAGE, type Exporter12, type MacKeys12 } from '../handshake/host.js';
import type { Tls12Suite } from '../handshake/suites12.js';
import { HandshakeReassembler } from '../record/reassembler.js';
import { AlertDescription, AlertLevel } from '../registry/alerts.js';
import { ContentType, ExtensionType, HandshakeType, ProtocolVersion } from '../registry/codepoints.js';
import { decodeEarlyDataTicket } from '../extensions/early-data.js';
import { findExtension } from '../extensions/extension.js';
import { concat, toHex } from '../wire/bytes.js';

/** A handshake message as it crossed the wire, with its decoded fields. */
export interface HandshakeEvent {
  readonly direction: 'sent' | 'received';
  readonly type: number;
  /** Decoded fields, named as in the RFC (the codec's struct). */
  readonly message: object;
  /** The message bytes: 4-byte header and body. */
  readonly raw: Uint8Array;
  /** Which keys protected it. */
  readonly protection: 'plaintext' | KeyLevel;
}

/** A record as it crossed the wire. */
export interface RecordEvent {
  readonly direction: 'sent' | 'received';
  /** The outer content type (23 for every protected TLS 1.3 record). */
  readonly contentType: number;
  /** The inner content type of a protected record. */
  readonly innerType: number;
  /** Length of the record body on the wire. */
  readonly length: number;
  readonly protection: 'plaintext' | KeyLevel;
  /** Server: a 0-RTT record skipped unread because early data was rejected (RFC 8446 §4.2.10). */
  readonly skipped?: true;
}

/** Client: what became of `ClientConfig.earlyData` (RFC 8446 §2.3, §4.2.10). */
export interface EarlyDataOutcome {
  /** accepted: sent as 0-RTT and accepted; rejected: sent but rejected; not-offered: no usable ticket allowed it. */
  readonly status: EarlyDataStatus;
  readonly accepted: boolean;
  /** Whether the data was sent again as ordinary application data after the handshake. */
  readonly resent: boolean;
  /** The application's early data. */
  readonly data: Uint8Array;
}

export interface AlertEvent {
  readonly direction: 'sent' | 'received';
  readonly level: number;
  readonly description: number;
}

/** Listeners; every one is optional. The core calls them synchronously. */
export interface ConnectionEvents {
  handshakeMessage?: (event: HandshakeEvent) => void;
  record?: (event: RecordEvent) => void;
  alert?: (event: AlertEvent) => void;
  /** NSS key log lines. Only produced when this listener is set (RFC: secrets are opt-in). */
  keylog?: (line: string) => void;
  /** The handshake completed. */
  secure?: () => void;
  /** Application data from the peer. */
  data?: (data: Uint8Array) => void;
  /**
   * Server: application data the client sent as 0-RTT early data (RFC 8446 §2.3), delivered as it
   * arrives, before the handshake completes, and not through `data`. It may be a replay (RFC 8446
   * §8): act on it only if it is idempotent.
   */
  earlyData?: (data: Uint8Array) => void;
  /** Client with `earlyData` configured: once the handshake completed, whether it was accepted, resent, or handed back. */
  earlyDataOutcome?: (outcome: EarlyDataOutcome) => void;
  /** The peer sent close_notify. */
  end?: () => void;
  /** The connection failed; the error is sticky (`connection.error`). */
  error?: (error: TlsError) => void;
  /** Output became available outside a `receive()` call (after an asynchronous callback). */
  output?: () => void;
  /**
   * Client: a resumable session, to pass as `session` later: TLS 1.3, one per NewSessionTicket
   * (RFC 8446 §4.6.1); TLS 1.2, after the handshake when the server gave a session ID or a ticket
   * (RFC 5246 §7.4.1.3, RFC 5077 §3.3).
   */
  session?: (session: ClientSession) => void;
  /**
   * Server: the client answered a post-handshake CertificateRequest (RFC 8446 §4.6.2) and its
   * Finished verified; `negotiated` already holds the new peer identity when it sent a chain.
   */
  clientCertificate?: (result: ClientCertificateResult) => void;
}

/** Bounds on what a peer can make us do (each with its reason). */
export const LIMITS = {
  /** Consecutive empty application_data records before we call it abuse. */
  maxEmptyRecords: 32,
  /** Warning alerts (user_canceled) tolerated over the connection's life. */
  maxWarningAlerts: 8,
  /** KeyUpdates from the peer per second (each costs an HKDF and an AEAD key setup). */
  maxKeyUpdatesPerSecond: 32,
  /** Post-handshake CertificateRequests answered per second (each costs a signature). */
  maxCertificateRequestsPerSecond: 8,
  /** Middlebox-compatibility ChangeCipherSpec records tolerated (RFC 8446 Appendix D.4: one per flight). */
  maxChangeCipherSpecs: 2,
  /**
   * Records sealed under one key before we update it ourselves. RFC 8446 §5.5: AES-GCM keys
   * must not protect more than 2^24.5 full-size records; we stay well below.
   */
  keyUpdateAfterRecords: 2 ** 24,
} as const;

/** Client: a NewSessionTicket kept as it came, with what its session needs (RFC 8446 §4.6.1). */
interface PendingTicket {
  readonly nst: NewSessionTicket13;
  readonly suite: Tls13Suite;
  readonly secret: Uint8Array;
  readonly context: { readonly serverName: string | undefined; readonly alpn: string | undefined; readonly peerCertificates: readonly Uint8Array[] };
  readonly receivedAt: number;
}

/** Records sealed into one output buffer (about 1 MiB of full-size records). */
const RECORDS_PER_BUFFER = 64;
const EMPTY_BYTES = new Uint8Array(0);

type State = 'handshaking' | 'connected' | 'failed' | 'closed';

/**
 * A sans-I/O TLS connection: feed it the peer's bytes with `receive`, collect what to send with
 * `takeOutput`, write application data with `write`, close with `end`. It never touches a
 * socket; adapters (the Node TLSSocket, the CLI) do the I/O.
 *
 * @example
 * const conn = new Connection(clientConfig, { data: (d) => console.log(d) });
 * conn.start();
 * socket.write(concat(...conn.takeOutput()));
 * socket.on('data', (b) => { conn.receive(b); socket.write(concat(...conn.takeOutput())); });
 */
export class Connection {
  readonly negotiated: Negotiated = emptyNegotiated();
  private state: State = 'handshaking';
  private failure: TlsError | null = null;
  private readonly deframer = new RecordDeframer();
  private readonly reassembler: HandshakeReassembler;
  /** The handshake; once a TLS 1.3 handshake completed, the stateless post-handshake phase. */
  private gen: HandshakeGenerator;
  private postHandshake = false;
  private step: HandshakeStep | null = null;
  private awaiting = false;
  private started = false;
  private out: Uint8Array[] = [];
  private pendingHandshake: Uint8Array[] = [];

  private opener: RecordOpener13 | null = null;
  /** TLS 1.2 record protection (RFC 5246 §6.2.3.3), once the peer's ChangeCipherSpec arrived. */
  private opener12: RecordOpener12 | RecordOpenerCbc12 | null = null;
  private sealer: RecordSealer13 | RecordSealer12 | RecordSealerCbc12 | null = null;
  private exporter12: Exporter12 | null = null;
  private readLevel: 'plaintext' | KeyLevel = 'plaintext';
  private writeLevel: 'plaintext' | KeyLevel = 'plaintext';
  private readSuite: Tls13Suite | null = null;
  private writeSuite: Tls13Suite | null = null;
  private readSecret: Uint8Array | null = null;
  private writeSecret: Uint8Array | null = null;
  private readKeyChanged = false;
  private exporterSecret: (() => Uint8Array) | null = null;
  /** Client, TLS 1.3: the base of the PSKs of NewSessionTickets (RFC 8446 §4.6.1). */
  private resumptionSecret: Uint8Array | null = null;
  /** Client: the latest session (see `latestSession`), or the ticket it is derived from when asked. */
  private lastSession: ClientSession | null = null;
  private lastTicket: PendingTicket | null = null;

  private writeClosed = false;
  private peerClosed = false;
  private emptyRecords = 0;
  private warningAlerts = 0;
  private ccsReceived = 0;
  private keyUpdateWindowStart = 0;
  private keyUpdatesInWindow = 0;
  private helloSeen = false;
  /** Server: how 0-RTT records are read before the client's second flight (RFC 8446 §4.2.10). */
  private earlyRead: { mode: EarlyDataReadMode; limit: number; count: number } | null = null;
  /** Client: bytes sent as 0-RTT early data. */
  private earlySent = 0;
  /** TLS 1.3 post-handshake client authentication (RFC 8446 §4.6.2), when possible on this connection. */
  private phaClient: PostHandshakeAuthClient | null = null;
  private phaServer: PostHandshakeAuthServer | null = null;
  private certificateRequestWindowStart = 0;
  private certificateRequestsInWindow = 0;

  constructor(
    readonly config: ClientConfig | ServerConfig,
    readonly events: ConnectionEvents = {},
  ) {
    this.reassembler = new HandshakeReassembler({ maxMessageLength: config.maxHandshakeMessageSize });
    const host = this.host();
    this.gen = config.side === 'client' ? clientHandshake13(host, config) : serverHandshake13(host, config);
  }

  get side(): 'client' | 'server' {
    return this.config.side;
  }
  /** True once the handshake completed (and until the connection failed). */
  get isSecure(): boolean {
    return this.state === 'connected' || (this.state === 'closed' && this.failure === null);
  }
  get isHandshaking(): boolean {
    return this.state === 'handshaking';
  }
  /**
   * True while the handshake waits for an asynchronous step (a session store, a verifier, a user
   * callback). Bytes received meanwhile wait unprocessed until it settles; `output` fires then.
   */
  get isAwaiting(): boolean {
    return this.awaiting;
  }
  /** Whether 0-RTT early data was accepted (RFC 8446 §4.2.10; client: learnt from EncryptedExtensions). */
  get earlyDataAccepted(): boolean {
    return this.negotiated.earlyData === 'accepted';
  }
  /** The sticky error, once the connection failed. */
  get error(): TlsError | null {
    return this.failure;
  }
  get receivedCloseNotify(): boolean {
    return this.peerClosed;
  }
  get sentCloseNotify(): boolean {
    return this.writeClosed;
  }

  /** Starts the handshake: a client produces its ClientHello; a server waits for one. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.guard(() => {
      this.advance(undefined);
    });
  }

  /** Feeds bytes received from the peer. Errors are reported through `error` and the `error` event. */
  receive(data: Uint8Array): void {
    if (this.failure !== null || this.state === 'closed') return;
    if (!this.started) this.start();
    this.guard(() => {
      this.deframer.push(data);
      this.processRecords();
    });
  }

  /** Bytes to send to the peer, in order (empty when there is nothing). */
  takeOutput(): Uint8Array[] {
    const out = this.out;
    this.out = [];
    return out;
  }

  /** Whether `takeOutput` has something. */
  get hasOutput(): boolean {
    return this.out.length > 0;
  }

  /** Sends application data. Throws when the handshake is not complete or the write side is closed. */
  write(data: Uint8Array): void {
    if (this.failure !== null) throw this.failure;
    if (this.state !== 'connected' || this.sealer === null) {
      throw new TlsError(ErrorCode.ERR_TLS_INVALID_STATE, 'write() before the handshake completed');
    }
    if (this.writeClosed) throw new TlsError(ErrorCode.ERR_TLS_INVALID_STATE, 'write() after end()');
    // RFC 8446 §5.5: rekey before the AEAD's usage limit.
    if (this.sealer instanceof RecordSealer13 && this.sealer.sequenceNumber >= LIMITS.keyUpdateAfterRecords) this.sendKeyUpdate(false);
    this.sealRecords(ContentType.application_data, data);
  }

  /**
   * Sends the concatenation of `chunks` as application data, in full-size records (small chunks
   * share records; nothing is copied before encryption). Same rules as `write`.
   */
  writev(chunks: readonly Uint8Array[]): void {
    if (this.failure !== null) throw this.failure;
    if (this.state !== 'connected' || this.sealer === null) {
      throw new TlsError(ErrorCode.ERR_TLS_INVALID_STATE, 'write() before the handshake completed');
    }
    if (this.writeClosed) throw new TlsError(ErrorCode.ERR_TLS_INVALID_STATE, 'write() after end()');
    const sealer = this.sealer;
    if (!(sealer instanceof RecordSealer13)) {
      for (const chunk of chunks) this.sealRecords(ContentType.application_data, chunk);
      return;
    }
    let total = 0;
    for (const chunk of chunks) total += chunk.length;
    // RFC 8446 §5.5: rekey before the AEAD's usage limit.
    if (sealer.sequenceNumber >= LIMITS.keyUpdateAfterRecords) this.sendKeyUpdate(false);
    this.sealRecords13(ContentType.application_data, chunks, total);
  }

  /** Sends close_notify (RFC 8446 §6.1). The read side stays open (half-close). */
  end(): void {
    if (this.writeClosed || this.failure !== null) return;
    this.flushHandshake();
    this.sendAlert(AlertLevel.warning, AlertDescription.close_notify);
    this.writeClosed = true;
    if (this.peerClosed) this.state = 'closed';
  }

  /** RFC 8446 §4.6.3: updates our write keys, and asks the peer to update too when `requestPeer`. */
  keyUpdate(requestPeer = false): void {
    if (this.failure !== null) throw this.failure;
    if (this.state !== 'connected') throw new TlsError(ErrorCode.ERR_TLS_INVALID_STATE, 'keyUpdate() before the handshake completed');
    if (this.exporter12 !== null) throw new TlsError(ErrorCode.ERR_TLS_INVALID_STATE, 'keyUpdate() is TLS 1.3 only');
    this.sendKeyUpdate(requestPeer);
  }

  /**
   * Server, TLS 1.3: asks the client for a certificate now (RFC 8446 §4.6.2), with a fresh random
   * certificate_request_context, which it returns. The answer arrives through the
   * `clientCertificate` event (checked as `postHandshakeClientAuth`, else `clientAuth`, says);
   * the caller sends `takeOutput()`. Throws (without failing the connection) when the client did
   * not offer post_handshake_auth (§4.2.6: the server MUST NOT ask then), or it is not possible.
   */
  requestClientCertificate(): Uint8Array {
    if (this.failure !== null) throw this.failure;
    if (this.side !== 'server') throw new TlsError(ErrorCode.ERR_TLS_INVALID_STATE, 'only a server requests a client certificate');
    if (this.state !== 'connected' || this.writeClosed) throw new TlsError(ErrorCode.ERR_TLS_INVALID_STATE, 'requestClientCertificate() needs an open, established connection');
    // after its close_notify the client can send nothing more (RFC 8446 §6.1), so it could not answer
    if (this.peerClosed) throw new TlsError(ErrorCode.ERR_TLS_INVALID_STATE, 'the client closed its side (close_notify): it cannot answer a CertificateRequest');
    if (this.negotiated.version !== ProtocolVersion.TLS1_3) throw new TlsError(ErrorCode.ERR_TLS_INVALID_STATE, 'post-handshake authentication is TLS 1.3 only');
    if (!this.negotiated.postHandshakeAuth) {
      throw new TlsError(ErrorCode.ERR_TLS_INVALID_STATE, 'the client did not offer post_handshake_auth (RFC 8446 §4.2.6)');
    }
    const pha = this.phaServer;
    if (pha === null) throw new TlsError(ErrorCode.ERR_TLS_INVALID_OPTION, 'no postHandshakeClientAuth (or clientAuth) configured');
    const context = pha.request(this.host());
    this.flushHandshake();
    return context;
  }

  /** RFC 8446 §7.5 exporter (RFC 5705 interface). */
  exportKeyingMaterial(length: number, label: string, context: Uint8Array | null = null): Uint8Array {
    if (this.exporter12 !== null) return this.exporter12(label, context, length);
    if (this.exporterSecret === null || this.writeSuite === null) {
      throw new TlsError(ErrorCode.ERR_TLS_INVALID_STATE, 'exportKeyingMaterial() before the handshake completed');
    }
    return exportKeyingMaterial(this.config.provider, this.writeSuite, this.exporterSecret(), label, context, length);
  }

  // ---------------------------------------------------------------- inbound

  private processRecords(): void {
    for (;;) {
      if (this.awaiting || this.failure !== null) return;
      // finish any handshake messages left from the previous record (after an await)
      if (!this.drainHandshake()) return;
      const record = this.deframer.next();
      if (record === null) return;
      this.processRecord(record);
    }
  }

  private processRecord(record: TlsRecord): void {
    if (this.peerClosed) return; // RFC 8446 §6.1: data after close_notify is ignored
    let type = record.type;
    let content = record.fragment;
    if (type === ContentType.change_cipher_spec) {
      this.receiveChangeCipherSpec(content);
      return;
    }
    if (this.opener12 !== null) {
      // RFC 5246 §6.2.3.3: after the ChangeCipherSpec every TLS 1.2 record is protected, whatever its type.
      const plain = this.opener12.open(record.header, record.fragment);
      content = plain.content;
    } else if (this.opener !== null && type === ContentType.application_data) {
      const inner = this.earlyRead?.mode === 'trial-decrypt' ? this.trialOpen(record) : this.opener.open(record.header, record.fragment);
      if (inner === null) return; // a rejected 0-RTT record, skipped
      type = inner.type;
      content = inner.content;
      if (type === ContentType.change_cipher_spec) {
        // RFC 8446 §5: a protected change_cipher_spec is unexpected_message.
        throw unexpectedMessage('protected change_cipher_spec record');
      }
    } else if (this.opener !== null && !(type === ContentType.alert && this.state === 'handshaking')) {
      // RFC 8446 §5.2: once keys are in use every record is protected.
      throw unexpectedMessage(`unprotected ${type} record after the keys changed`);
    } else if (this.opener === null && type === ContentType.application_data) {
      // RFC 8446 §4.2.10: after a HelloRetryRequest, the client's 0-RTT records are skipped unread.
      if (this.earlyRead?.mode === 'skip-unprotected') {
        this.skipEarlyRecord(record);
        return;
      }
      throw unexpectedMessage('application_data before the handshake keys');
    } else {
      // RFC 8446 §5.1: an unprotected record carries at most 2^14 bytes.
      content = checkPlaintextRecord(record);
    }
    this.events.record?.({
      direction: 'received',
      contentType: record.type,
      innerType: type,
      length: record.fragment.length,
      protection: this.opener === null && this.opener12 === null ? 'plaintext' : this.readLevel,
    });
    // RFC 8446 §5.1: handshake messages must not be interleaved with other record types.
    if (type !== ContentType.handshake && this.reassembler.hasPartial) {
      throw unexpectedMessage('a record interleaved with a fragmented handshake message');
    }
    switch (type) {
      case ContentType.handshake:
        this.emptyRecords = 0;
        this.reassembler.push(content);
        this.drainHandshake();
        return;
      case ContentType.alert:
        this.receiveAlert(content);
        return;
      case ContentType.application_data:
        if (content.length === 0) {
          if (++this.emptyRecords > LIMITS.maxEmptyRecords) {
            throw new TlsError(ErrorCode.ERR_TLS_UNEXPECTED_MESSAGE, `more than ${LIMITS.maxEmptyRecords} empty records in a row`);
          }
          return;
        }
        this.emptyRecords = 0;
        if (this.state !== 'connected' && this.state !== 'closed') {
          const early = this.earlyRead;
          if (early?.mode === 'accept' && this.readLevel === 'early') {
            // RFC 8446 §4.6.1: more than max_early_data_size bytes of 0-RTT data → unexpected_message.
            early.count += content.length;
            if (early.count > early.limit) throw unexpectedMessage(`more than max_early_data_size (${early.limit}) bytes of early data`);
            this.events.earlyData?.(content);
            return;
          }
          throw unexpectedMessage('application_data before the handshake completed');
        }
        // RFC 8446 §4.6.2: the client's Certificate, CertificateVerify and Finished are consecutive.
        if (this.phaServer?.inResponse === true) throw unexpectedMessage('application_data inside a post-handshake authentication answer');
        this.events.data?.(content);
        return;
      default:
        throw unexpectedMessage(`record of content type ${type}`);
    }
  }

  /** Hands complete handshake messages to the handshake. Returns false while awaiting. */
  private drainHandshake(): boolean {
    for (;;) {
      if (this.awaiting) return false;
      if (this.failure !== null) return false;
      const msg = this.reassembler.next();
      if (msg === null) return true;
      this.readKeyChanged = false;
      this.advance(msg);
      // RFC 8446 §5.1: a message that changes the read keys must end its record.
      if (this.readKeyChanged && this.reassembler.hasPartial) {
        throw unexpectedMessage('handshake data after a key change in the same record');
      }
    }
  }

  /**
   * RFC 8446 §4.2.10: with 0-RTT rejected, a record that does not decrypt under the handshake keys
   * is early data and skipped; the first that decrypts starts the client's second flight.
   */
  private trialOpen(record: TlsRecord): InnerPlaintext | null {
    const opener = this.opener as RecordOpener13;
    try {
      const inner = opener.open(record.header, record.fragment);
      this.earlyRead = null;
      return inner;
    } catch (err) {
      if (!(err instanceof TlsError) || err.code !== ErrorCode.ERR_TLS_BAD_RECORD_MAC) throw err;
      this.skipEarlyRecord(record);
      return null;
    }
  }

  /** Counts a skipped 0-RTT record against the limit (RFC 8446 §4.2.10: more → unexpected_message). */
  private skipEarlyRecord(record: TlsRecord): void {
    const early = this.earlyRead as { limit: number; count: number };
    // the content of a protected record: less the AEAD tag and the inner content type byte
    early.count += Math.max(0, record.fragment.length - AEAD_TAG_LENGTH - 1);
    if (early.count > early.limit) throw unexpectedMessage(`more than ${early.limit} bytes of rejected early data`);
    this.events.record?.({
      direction: 'received',
      contentType: record.type,
      innerType: record.type,
      length: record.fragment.length,
      protection: 'early',
      skipped: true,
    });
  }

  private receiveChangeCipherSpec(content: Uint8Array): void {
    if (this.negotiated.version === ProtocolVersion.TLS1_2 || this.config.maxVersion < ProtocolVersion.TLS1_3) {
      // RFC 5246 §7.1: one byte of value 1, between handshake messages (not inside a fragmented
      // one), exactly where the handshake expects it (anywhere else: unexpected_message).
      if (content.length !== 1 || content[0] !== 1 || this.reassembler.hasPartial) throw unexpectedMessage('malformed or misplaced change_cipher_spec');
      this.events.record?.({ direction: 'received', contentType: ContentType.change_cipher_spec, innerType: ContentType.change_cipher_spec, length: 1, protection: this.opener12 === null ? 'plaintext' : this.readLevel });
      this.advance({ type: CHANGE_CIPHER_SPEC_MESSAGE, body: content, raw: content });
      return;
    }
    // RFC 8446 §5 / Appendix D.4: after the first ClientHello and before the peer's Finished, a
    // single-byte 0x01 change_cipher_spec is dropped; anything else is unexpected_message.
    const peerFinished = this.side === 'client' ? this.negotiated.serverFinished : this.negotiated.clientFinished;
    const allowed =
      this.helloSeen &&
      peerFinished === undefined &&
      content.length === 1 &&
      content[0] === 1 &&
      ++this.ccsReceived <= LIMITS.maxChangeCipherSpecs;
    if (!allowed) throw unexpectedMessage('unexpected change_cipher_spec');
    this.events.record?.({ direction: 'received', contentType: ContentType.change_cipher_spec, innerType: ContentType.change_cipher_spec, length: 1, protection: 'plaintext' });
  }

  private receiveAlert(content: Uint8Array): void {
    const alert = decodeAlert(content);
    this.events.alert?.({ direction: 'received', level: alert.level, description: alert.description });
    if (alert.description === AlertDescription.close_notify) {
      this.peerClosed = true;
      if (this.writeClosed) this.state = 'closed';
      if (this.state === 'handshaking') {
        this.fail(new TlsError(ErrorCode.ERR_TLS_CONNECTION_CLOSED, 'the peer closed the connection during the handshake', { source: 'peer', alert: 'close_notify' }));
        return;
      }
      this.events.end?.();
      return;
    }
    if (alertIsClosure(alert.description)) {
      // user_canceled: RFC 8446 §6.1 says a close_notify follows; tolerate a few.
      if (++this.warningAlerts > LIMITS.maxWarningAlerts) throw unexpectedMessage('too many warning alerts');
      return;
    }
    // RFC 8446 §6.2: every other alert is fatal, whatever its level.
    this.fail(alertReceivedError(alert));
  }

  // ---------------------------------------------------------------- handshake driving

  private advance(input: HandshakeInput | undefined): void {
    if (input !== undefined && 'raw' in input && input.type === HandshakeType.client_hello) this.helloSeen = true;
    const result = input === undefined ? this.gen.next() : this.gen.next(input);
    this.flushHandshake();
    if (result.done === true) {
      this.step = null;
      return;
    }
    this.step = result.value;
    if (!this.postHandshake && this.state !== 'handshaking' && this.negotiated.version === ProtocolVersion.TLS1_3 && this.step.kind === 'expect') {
      // The handshake completed and waits for post-handshake messages: swap in the stateless
      // phase so that its transcript, secrets, key shares and certificates can be collected.
      this.postHandshake = true;
      this.gen = postHandshake13(
        {
          received: (message, decoded): void => {
            this.events.handshakeMessage?.({ direction: 'received', type: message.type, message: decoded, raw: message.raw, protection: this.readLevel });
            if (message.type === HandshakeType.new_session_ticket) this.ticketReceived(decoded as NewSessionTicket13);
          },
          keyUpdateReceived: (updateRequested): void => {
            this.keyUpdateReceived(updateRequested);
          },
        },
        this.side,
        this.postHandshakeAuthHandler(),
      );
      const first = this.gen.next();
      if (first.done === true) return;
      this.step = first.value;
    }
    if (this.step.kind === 'await') {
      this.awaiting = true;
      this.step.promise.then(
        (value: unknown) => {
          this.resume({ settled: value });
        },
        (err: unknown) => {
          this.awaiting = false;
          this.fail(err);
          this.events.output?.();
        },
      );
    }
  }

  private resume(input: HandshakeInput): void {
    this.awaiting = false;
    this.guard(() => {
      this.advance(input);
      this.processRecords();
    });
    this.events.output?.();
  }

  private host(): HandshakeHost {
    return {
      negotiated: this.negotiated,
      send: (type, body, decoded): HandshakeMessage => {
        const raw = encodeHandshake(type, body);
        if (type === HandshakeType.client_hello) this.helloSeen = true;
        this.pendingHandshake.push(raw);
        this.events.handshakeMessage?.({ direction: 'sent', type, message: decoded, raw, protection: this.writeLevel });
        return { type, body: raw.subarray(4), raw };
      },
      received: (message, decoded): void => {
        this.events.handshakeMessage?.({
          direction: 'received',
          type: message.type,
          message: decoded,
          raw: message.raw,
          protection: this.readLevel,
        });
      },
      sendChangeCipherSpec: (): void => {
        this.flushHandshake();
        this.out.push(encodePlaintextRecords(ContentType.change_cipher_spec, Uint8Array.of(1)));
        this.events.record?.({
          direction: 'sent',
          contentType: ContentType.change_cipher_spec,
          innerType: ContentType.change_cipher_spec,
          length: 1,
          protection: 'plaintext',
        });
      },
      setReadKeys: (level, suite, secret): void => {
        this.installReadKeys(level, suite, secret);
      },
      setWriteKeys: (level, suite, secret): void => {
        this.flushHandshake();
        this.installWriteKeys(level, suite, secret);
      },
      keyLog: (label, secret): void => {
        const random = this.negotiated.clientRandom;
        if (this.events.keylog === undefined || random === undefined) return;
        this.events.keylog(`${label} ${toHex(random)} ${toHex(typeof secret === 'function' ? secret() : secret)}`);
      },
      complete: (secrets): void => {
        this.exporterSecret = secrets.exporterMasterSecret;
        this.preparePostHandshakeAuth(secrets.transcript, secrets.ticketAfterAuth);
        if (this.side === 'client') this.resumptionSecret = secrets.resumptionMasterSecret;
        this.state = 'connected';
        this.flushHandshake();
        this.settleEarlyData();
        this.events.secure?.();
      },
      keyUpdateReceived: (updateRequested): void => {
        this.keyUpdateReceived(updateRequested);
      },
      setReadKeys12: (suite, key, iv, mac): void => {
        this.installReadKeys12(suite, key, iv, mac);
      },
      setWriteKeys12: (suite, key, iv, mac): void => {
        this.flushHandshake();
        const peer = this.negotiated.peerRecordSizeLimit;
        // RFC 8449 §4: in TLS 1.2 the peer's record_size_limit bounds our plaintext (at most 2^14).
        const options = { maxPlaintext: Math.min(peer ?? 1 << 14, 1 << 14) };
        const cbc = this.cbcParams12(suite, key, mac);
        this.sealer = cbc === undefined ? new RecordSealer12(this.aead12(suite, key), iv, options) : new RecordSealerCbc12(cbc, options);
        this.writeLevel = 'application';
      },
      complete12: (exporter): void => {
        this.exporter12 = exporter;
        this.state = 'connected';
        this.flushHandshake();
        this.settleEarlyData();
        this.events.secure?.();
      },
      sendWarningAlert: (description): void => {
        this.flushHandshake();
        this.sendAlert(AlertLevel.warning, description);
      },
      sendEarlyData: (data): void => {
        if (this.writeLevel !== 'early') throw new TlsError(ErrorCode.ERR_TLS_INTERNAL_ERROR, 'early data without the early keys');
        this.flushHandshake();
        this.sealRecords(ContentType.application_data, data);
        this.earlySent += data.length;
      },
      clearWriteKeys: (): void => {
        this.flushHandshake();
        this.sealer = null;
        this.writeSuite = null;
        this.writeSecret = null;
        this.writeLevel = 'plaintext';
      },
      readEarlyData: (mode, limit): void => {
        this.earlyRead = { mode, limit, count: 0 };
      },
      newSession12: (session): void => {
        this.lastSession = session;
        this.lastTicket = null;
        this.events.session?.(session);
      },
    };
  }

  /**
   * Client, once the handshake completed: what becomes of `earlyData` (RFC 8446 §4.2.10). Accepted:
   * what did not fit max_early_data_size follows now. Not accepted: sent now when `resendEarlyData`
   * — never when early data was sent and the server selected another ALPN protocol than the
   * ticket's (§4.2.10 MUST NOT) — else handed back to the application.
   */
  private settleEarlyData(): void {
    if (this.config.side !== 'client') return;
    const config = this.config;
    const data = config.earlyData;
    if (data === undefined || data.length === 0) return;
    const neg = this.negotiated;
    const accepted = neg.earlyData === 'accepted';
    let resent = false;
    if (accepted) {
      if (this.earlySent < data.length) this.write(data.subarray(this.earlySent));
    } else {
      const sameAlpn = neg.earlyData === 'not-offered' || neg.alpnProtocol === config.session?.alpn;
      resent = config.resendEarlyData && sameAlpn;
      if (resent) this.write(data);
    }
    this.events.earlyDataOutcome?.({ status: neg.earlyData, accepted, resent, data });
  }

  /** RFC 8446 §4.6.2: keeps what post-handshake authentication needs, when it is possible here. */
  private preparePostHandshakeAuth(transcript: Transcript | undefined, ticketAfterAuth: TicketAfterAuth | undefined): void {
    const suite = this.writeSuite;
    if (transcript === undefined || suite === null || !this.negotiated.postHandshakeAuth) return;
    const config = this.config;
    if (config.side === 'client') {
      this.phaClient = new PostHandshakeAuthClient(config, suite, transcript);
    } else {
      const auth = config.postHandshakeClientAuth ?? config.clientAuth;
      if (auth !== undefined) this.phaServer = new PostHandshakeAuthServer(config, auth, suite, transcript, ticketAfterAuth);
    }
  }

  private postHandshakeAuthHandler(): PostHandshakeAuthHandler | undefined {
    // most connections have no post-handshake authentication: nothing to build then
    if (this.phaClient === null && this.phaServer === null) return undefined;
    // Object.assign: a literal starting with a spread gets a map of its own per call in V8
    const host: PostHandshakeAuthHost = Object.assign(this.host(), {
      // RFC 8446 §4.4: the base key is the client's current application traffic secret.
      clientTrafficSecret: (): Uint8Array => {
        const secret = this.side === 'client' ? this.writeSecret : this.readSecret;
        if (secret === null) throw new TlsError(ErrorCode.ERR_TLS_INVALID_STATE, 'no application traffic secret');
        return secret;
      },
    });
    const client = this.phaClient;
    if (client !== null) {
      // eslint-disable-next-line require-yield -- the client answers at once; the handler shape is a generator
      return function* (this: Connection, message: HandshakeMessage): Generator<HandshakeStep, void, HandshakeInput> {
        this.checkCertificateRequestRate();
        // after our close_notify nothing more can be sent (RFC 8446 §6.1): the request goes unanswered
        if (this.writeClosed) return;
        client.answer(host, message);
      }.bind(this);
    }
    const server = this.phaServer;
    if (server !== null) {
      return function* (this: Connection, message: HandshakeMessage): Generator<HandshakeStep, void, HandshakeInput> {
        const result = yield* server.receive(host, message);
        this.events.clientCertificate?.(result);
      }.bind(this);
    }
    // a server whose client offered post_handshake_auth but which cannot ask: a Certificate is unexpected
    return undefined;
  }

  private checkCertificateRequestRate(): void {
    const now = Date.now();
    if (now - this.certificateRequestWindowStart >= 1000) {
      this.certificateRequestWindowStart = now;
      this.certificateRequestsInWindow = 0;
    }
    if (++this.certificateRequestsInWindow > LIMITS.maxCertificateRequestsPerSecond) {
      throw new TlsError(ErrorCode.ERR_TLS_LIMIT_EXCEEDED, `more than ${LIMITS.maxCertificateRequestsPerSecond} post-handshake CertificateRequests in one second`);
    }
  }

  /**
   * Client: a NewSessionTicket becomes a resumable session (RFC 8446 §4.6.1) for the `session`
   * listener. Without a listener (node's TLSSocket sets one only when the application listens
   * for 'session') the ticket is kept as it came and the session derived only if `latestSession`
   * is read: most connections never resume from their tickets.
   */
  private ticketReceived(nst: NewSessionTicket13): void {
    if (this.resumptionSecret === null || this.readSuite === null) return;
    // RFC 8446 §4.2.10: a malformed early_data (max_early_data_size) fails now, not when the session is read
    const ed = findExtension(nst.extensions, ExtensionType.early_data);
    if (ed !== undefined) decodeEarlyDataTicket(ed.data);
    const n = this.negotiated;
    const ticket = {
      nst,
      suite: this.readSuite,
      secret: this.resumptionSecret,
      context: { serverName: n.serverName, alpn: n.alpnProtocol, peerCertificates: n.peerCertificates },
      receivedAt: this.config.now().getTime(),
    };
    const listener = this.events.session;
    if (listener === undefined) {
      this.lastTicket = ticket;
      this.lastSession = null;
      return;
    }
    this.lastTicket = null;
    const session = this.sessionFromTicket(ticket);
    this.lastSession = session;
    listener(session);
  }

  private sessionFromTicket(t: PendingTicket): ClientSession {
    return clientSessionFromTicket(this.config.provider, t.suite, t.secret, t.nst, t.context, t.receivedAt);
  }

  /**
   * Client: the most recent resumable session of this connection (TLS 1.3: from the last
   * NewSessionTicket; TLS 1.2: from the handshake), also when no `session` listener was set; undefined: none yet.
   */
  get latestSession(): ClientSession | undefined {
    if (this.lastSession === null && this.lastTicket !== null) {
      this.lastSession = this.sessionFromTicket(this.lastTicket);
      this.lastTicket = null;
    }
    return this.lastSession ?? undefined;
  }

  private keyUpdateReceived(updateRequested: boolean): void {
    this.checkKeyUpdateRate();
    if (this.readSuite === null || this.readSecret === null) throw unexpectedMessage('KeyUpdate before keys');
    // RFC 8446 §4.6.3 / §7.2: the next generation of the peer's traffic secret.
    this.installReadKeys('application', this.readSuite, nextTrafficSecret(this.config.provider, this.readSuite, this.readSecret));
    // RFC 8446 §4.6.3: answer update_requested with our own KeyUpdate before more data.
    if (updateRequested && !this.writeClosed) this.sendKeyUpdate(false);
  }

  private checkKeyUpdateRate(): void {
    const now = Date.now();
    if (now - this.keyUpdateWindowStart >= 1000) {
      this.keyUpdateWindowStart = now;
      this.keyUpdatesInWindow = 0;
    }
    if (++this.keyUpdatesInWindow > LIMITS.maxKeyUpdatesPerSecond) {
      throw new TlsError(ErrorCode.ERR_TLS_LIMIT_EXCEEDED, `more than ${LIMITS.maxKeyUpdatesPerSecond} KeyUpdates in one second`);
    }
  }

  private sendKeyUpdate(requestPeer: boolean): void {
    if (this.writeSuite === null || this.writeSecret === null) throw new TlsError(ErrorCode.ERR_TLS_INVALID_STATE, 'no write keys');
    const ku = { requestUpdate: requestPeer ? 1 : 0 } as const;
    const raw = encodeHandshake(HandshakeType.key_update, encodeKeyUpdate(ku));
    this.events.handshakeMessage?.({ direction: 'sent', type: HandshakeType.key_update, message: ku, raw, protection: this.writeLevel });
    this.sealRecords(ContentType.handshake, raw);
    this.installWriteKeys('application', this.writeSuite, nextTrafficSecret(this.config.provider, this.writeSuite, this.writeSecret));
  }

  private installReadKeys(level: KeyLevel, suite: Tls13Suite, secret: Uint8Array): void {
    // 0-RTT reading ends with the early keys (EndOfEarlyData) or the second ClientHello.
    if (level !== 'early') this.earlyRead = null;
    const { key, iv } = trafficKeys(this.config.provider, suite, secret);
    const limit = this.config.recordSizeLimit;
    this.opener = new RecordOpener13(this.config.provider.aead(suite.aead, key), iv, limit === undefined ? {} : { maxInnerPlaintext: Math.min(limit, (1 << 14) + 1) });
    this.readSuite = suite;
    this.readSecret = secret;
    this.readLevel = level;
    this.readKeyChanged = true;
  }

  private installReadKeys12(suite: Tls12Suite, key: Uint8Array, iv: Uint8Array, mac: MacKeys12 | undefined): void {
    const limit = this.config.recordSizeLimit;
    // RFC 8449 §4: our advertised limit bounds the peer's plaintext (at most 2^14 in TLS 1.2).
    const options = { maxPlaintext: Math.min(limit ?? 1 << 14, 1 << 14) };
    const cbc = this.cbcParams12(suite, key, mac);
    this.opener12 = cbc === undefined ? new RecordOpener12(this.aead12(suite, key), iv, options) : new RecordOpenerCbc12(cbc, options);
    // RFC 5246 §6.2.3: TLSCiphertext.length may be up to 2^14 + 2048.
    this.deframer.setMaxRecordLength(MAX_CIPHERTEXT_LENGTH_TLS12);
    this.readLevel = 'application';
    this.readKeyChanged = true;
  }

  private aead12(suite: Tls12Suite, key: Uint8Array): AeadKey {
    if (suite.aead === undefined) throw new TlsError(ErrorCode.ERR_TLS_INTERNAL_ERROR, `${suite.name} has no AEAD`);
    return this.config.provider.aead(suite.aead, key);
  }

  /** RFC 5246 §6.2.3.2: the CBC record protection parameters, or undefined for an AEAD suite. */
  private cbcParams12(suite: Tls12Suite, key: Uint8Array, mac: MacKeys12 | undefined): CbcParams | undefined {
    if (suite.cbc === undefined) return undefined;
    const provider = this.config.provider;
    if (mac === undefined || provider.cbc === undefined) throw new TlsError(ErrorCode.ERR_TLS_INTERNAL_ERROR, `${suite.name} needs a MAC key and a CBC-capable provider`);
    return { provider, cipher: provider.cbc(suite.cbc.cipher, key), mac: suite.cbc.mac, macKey: mac.macKey, encryptThenMac: mac.encryptThenMac };
  }

  private installWriteKeys(level: KeyLevel, suite: Tls13Suite, secret: Uint8Array): void {
    const { key, iv } = trafficKeys(this.config.provider, suite, secret);
    this.sealer = new RecordSealer13(this.config.provider.aead(suite.aead, key), iv);
    this.writeSuite = suite;
    this.writeSecret = secret;
    this.writeLevel = level;
  }

  // ---------------------------------------------------------------- outbound

  /** Writes the handshake messages of the current flight as few records as possible. */
  private flushHandshake(): void {
    if (this.pendingHandshake.length === 0) return;
    const data = this.pendingHandshake.length === 1 ? (this.pendingHandshake[0] as Uint8Array) : concat(...this.pendingHandshake);
    this.pendingHandshake = [];
    if (this.sealer === null) {
      // RFC 8446 §5.1: the first ClientHello's record version may be 0x0301 for compatibility.
      const version = this.side === 'client' && this.negotiated.version === 0 ? ProtocolVersion.TLS1_0 : ProtocolVersion.TLS1_2;
      this.out.push(encodePlaintextRecords(ContentType.handshake, data, { version }));
      this.events.record?.({ direction: 'sent', contentType: ContentType.handshake, innerType: ContentType.handshake, length: data.length, protection: 'plaintext' });
    } else {
      this.sealRecords(ContentType.handshake, data);
    }
  }

  /** The most content one protected record may carry: RFC 8449 §4 (limit includes the type byte). */
  private maxContent(): number {
    const peer = this.negotiated.peerRecordSizeLimit;
    // RFC 8449 §4: the TLS 1.3 limit counts the inner content type byte; the TLS 1.2 one does not.
    return peer === undefined ? 1 << 14 : Math.min(1 << 14, this.sealer instanceof RecordSealer13 ? peer - 1 : peer);
  }

  private sealRecords(type: number, data: Uint8Array): void {
    const sealer = this.sealer;
    if (sealer === null) throw new TlsError(ErrorCode.ERR_TLS_INVALID_STATE, 'no write keys');
    if (sealer instanceof RecordSealer13) {
      this.oneChunk[0] = data;
      this.sealRecords13(type, this.oneChunk, data.length);
      this.oneChunk[0] = EMPTY_BYTES;
      return;
    }
    const max = this.maxContent();
    const events = this.events;
    for (let at = 0; at < data.length || (at === 0 && data.length === 0); ) {
      const n = Math.min(max, data.length - at);
      const record = sealer.seal(type, at === 0 && n === data.length ? data : data.subarray(at, at + n));
      this.out.push(record);
      events.record?.({ direction: 'sent', contentType: sealer instanceof RecordSealer13 ? ContentType.application_data : type, innerType: type, length: record.length - 5, protection: this.writeLevel });
      at += n;
      if (n === 0) break;
    }
  }

  /**
   * Allocates the buffers protected records are sealed into. Every byte of each buffer is
   * overwritten before any of it is output, so an adapter may hand out uninitialised memory
   * (the Node adapter uses Buffer.allocUnsafe and saves zero-filling ~1 MiB per MiB sent).
   */
  allocateOutput: (size: number) => Uint8Array = (size) => new Uint8Array(size);

  private readonly oneChunk: Uint8Array[] = [EMPTY_BYTES];
  private readonly recordParts: Uint8Array[] = [];

  /**
   * TLS 1.3: seals `total` bytes from `chunks` into records of at most maxContent() bytes (one
   * empty record when total is 0). Records are sealed straight into one buffer per batch of up to
   * RECORDS_PER_BUFFER records; each record is pushed to the output as its own view, so adjacent
   * records can leave in one socket write. The content is read where it lies (no copy).
   */
  private sealRecords13(type: number, chunks: readonly Uint8Array[], total: number): void {
    const sealer = this.sealer as RecordSealer13;
    const max = this.maxContent();
    const events = this.events;
    const overhead = RecordSealer13.recordLength(0);
    const parts = this.recordParts;
    let left = total === 0 ? 1 : Math.ceil(total / max); // records still to seal
    let remaining = total;
    let ci = 0; // chunk index
    let co = 0; // offset inside chunks[ci]
    while (left > 0) {
      const batch = Math.min(left, RECORDS_PER_BUFFER);
      const buf = this.allocateOutput(Math.min(remaining, batch * max) + batch * overhead);
      let off = 0;
      for (let r = 0; r < batch; r++) {
        const n = Math.min(max, remaining);
        parts.length = 0;
        for (let need = n; need > 0; ) {
          const c = chunks[ci]!;
          const take = Math.min(c.length - co, need);
          if (take > 0) parts.push(take === c.length ? c : c.subarray(co, co + take));
          co += take;
          need -= take;
          if (co === c.length) {
            ci++;
            co = 0;
          }
        }
        const start = off;
        off = sealer.sealInto(type, parts, buf, off);
        this.out.push(off - start === buf.length ? buf : buf.subarray(start, off));
        events.record?.({ direction: 'sent', contentType: ContentType.application_data, innerType: type, length: off - start - 5, protection: this.writeLevel });
        remaining -= n;
      }
      parts.length = 0;
      left -= batch;
    }
  }

  private sendAlert(level: number, description: number): void {
    const body = Uint8Array.of(level, description);
    if (this.sealer !== null) this.sealRecords(ContentType.alert, body);
    else this.out.push(encodePlaintextRecords(ContentType.alert, body));
    this.events.alert?.({ direction: 'sent', level, description });
  }

  // ---------------------------------------------------------------- failure

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.fail(err);
    }
  }

  private fail(err: unknown): void {
    if (this.failure !== null) return;
    const error =
      err instanceof TlsError
        ? err
        : new TlsError(ErrorCode.ERR_TLS_INTERNAL_ERROR, `internal error: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    this.failure = error;
    this.state = 'failed';
    this.pendingHandshake = [];
    // RFC 5246 §7.2.2: a TLS 1.2 session whose connection ends with a fatal alert must not be resumed
    // (the cache forgets it; a stateless ticket cannot be recalled). The store never rejects.
    const sessionId = this.negotiated.sessionId12;
    if (this.config.side === 'server' && sessionId !== undefined) void this.config.sessions12?.removeSession12(sessionId);
    // The error's alert goes out (only for errors we detected), under the current write keys.
    const alert = error.alertNumber;
    if (error.source === 'local' && alert !== null && !this.writeClosed) {
      try {
        this.sendAlert(AlertLevel.fatal, alert);
      } catch {
        // nothing more can be sent
      }
    }
    this.writeClosed = true;
    this.events.error?.(error);
  }
}
