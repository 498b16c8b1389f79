/**
 * TLSSocket: a `stream.Duplex` that runs a sans-I/O `Connection` over any underlying Duplex (a
 * net.Socket, or anything else that moves bytes). node:tls's socket API on top.
 *
 * Data path: underlying 'data' → `conn.receive()` → core `data` events → `this.push()` (the
 * underlying stream is paused when push() says so, and resumed in `_read`). Writes go through
 * `conn.write()`; each batch of records is handed to the underlying stream under one cork (one
 * writev). What the core produces while handling one chunk of input leaves at the end of that pass
 * (one microtask), together with what the application wrote meanwhile: one write per flight.
 * Buffers are views of the core's Uint8Arrays: no copies in the adapter.
 */
import { Buffer } from 'node:buffer';
import { X509Certificate } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { Socket as NetSocket, type AddressInfo } from 'node:net';
import { Duplex } from 'node:stream';
import { Connection, type ConnectionEvents } from '../connection/connection.js';
import { ErrorCode, TlsError } from '../errors.js';
import type { ClientConfig, ServerConfig } from '../handshake/config.js';
import type { Negotiated } from '../handshake/host.js';
import type { ClientCertificateResult } from '../handshake/post-handshake-auth.js';
import { NamedGroup, ProtocolVersion } from '../registry/codepoints.js';
import { buildClientConfig, hostnameOf, type TlsClientOptions, type VerifyState } from './client-config.js';
import { bufferView, suiteNames } from './options.js';
import { encodeAnyClientSession, type ClientSession } from '../handshake/resumption12.js';
import { describeCertificate, describeChain, type DetailedPeerCertificate, type PeerCertificate } from './peer-certificate.js';
import { buildServerConfig, type TlsServerOptions } from './server-config.js';

/** Default handshake timeout, as node:tls (ms). */
export const DEFAULT_HANDSHAKE_TIMEOUT = 120_000;
/** ms a post-handshake CertificateRequest waits for the client's answer by default (`requestClientCertificate`). */
export const DEFAULT_CLIENT_CERTIFICATE_TIMEOUT = 120_000;

/** `requestClientCertificate`'s callback: the client's answer checked (authorized or not), or why there is none. */
export type ClientCertificateCallback = (err: Error | null, authorized?: boolean) => void;

interface PendingClientCertificate {
  readonly callback: ClientCertificateCallback;
  readonly timer: NodeJS.Timeout | undefined;
}

export interface TLSSocketOptions extends TlsClientOptions, TlsServerOptions {
  /** Server side of the handshake (default false: client). */
  isServer?: boolean | undefined;
  /** A handshake not complete after this many ms destroys the socket (ERR_TLS_HANDSHAKE_TIMEOUT). Default 120000. */
  handshakeTimeout?: number | undefined;
  /** Keep the write side open after the peer ended (default false, as net.Socket). */
  allowHalfOpen?: boolean | undefined;
  /** tlskit extra: a complete core configuration (the node-style options are then ignored). */
  config?: ClientConfig | ServerConfig | undefined;
  /** tlskit extra (used by Server): handshake errors go here instead of the socket's 'error'. */
  onHandshakeError?: ((err: Error, socket: TLSSocket) => void) | undefined;
  /** Internal (connect()): the client configuration already built from these options. */
  prebuilt?: { config: ClientConfig; verify: VerifyState } | undefined;
  /** Internal (Server): the SSLKEYLOGFILE value read once for all its sockets (undefined: read the environment now). */
  keylogFile?: string | undefined;
  /** Internal (Server): called once the handshake completed, after 'secure' (emits 'secureConnection'). */
  onSecure?: ((socket: TLSSocket) => void) | undefined;
  /** Underlying stream's readable high-water mark for this socket (default 64 KiB). */
  readableHighWaterMark?: number | undefined;
}

export interface CipherInfo {
  name: string;
  standardName: string;
  version: string;
}

export interface EphemeralKeyInfo {
  type?: string;
  name?: string;
  size?: number;
}

const GROUP_INFO: Readonly<Record<number, { name: string; size: number; type: string }>> = {
  [NamedGroup.x25519]: { type: 'ECDH', name: 'X25519', size: 253 },
  [NamedGroup.x448]: { type: 'ECDH', name: 'X448', size: 448 },
  [NamedGroup.secp256r1]: { type: 'ECDH', name: 'prime256v1', size: 256 },
  [NamedGroup.secp384r1]: { type: 'ECDH', name: 'secp384r1', size: 384 },
  [NamedGroup.secp521r1]: { type: 'ECDH', name: 'secp521r1', size: 521 },
  [NamedGroup.X25519MLKEM768]: { type: 'ECDH', name: 'X25519MLKEM768', size: 253 },
};

type Callback = (error?: Error | null) => void;

/** Output of several separate buffers up to this size is copied into one and written once. */
const FLIGHT_CONCAT_MAX = 16 * 1024;

/** Records are sealed over every byte of these buffers before they are written (no zero-fill). */
const allocUnsafe = (size: number): Uint8Array => Buffer.allocUnsafe(size);

/**
 * Handshake timeouts of at least this many ms share one coarse 1 s timer (they fire up to 1 s
 * late) instead of a timer per connection; shorter ones keep their own precise timer.
 */
const COARSE_TIMEOUT_MIN = 10_000;
const WHEEL_TICK = 1000;

/** Events the core produces only when asked (they cost a little on every record). */
const CORE_EVENTS = new Set(['record', 'handshakeMessage', 'alert']);

/** The TLSSocket running over an underlying stream (its listeners are shared functions). */
const kOwner = Symbol('tlskit.TLSSocket');
type OwnedDuplex = Duplex & { [kOwner]?: TLSSocket };

/**
 * A TLS connection as a Duplex, like node's `tls.TLSSocket`.
 *
 * @example
 * const tls = new TLSSocket(someDuplex, { servername: 'example.com' });
 * tls.on('secureConnect', () => tls.end('GET / HTTP/1.0\r\n\r\n'));
 */
export class TLSSocket extends Duplex {
  readonly encrypted = true;
  authorized = false;
  /** node: the error code (a string) why the peer's certificate is not authorized. */
  authorizationError: string | null = null;
  alpnProtocol: string | false | null = null;
  servername: string | false | null = null;
  /** The sans-I/O connection (tlskit extra). */
  readonly connection: Connection;
  /** The underlying stream. */
  readonly underlying: Duplex;

  private readonly isServer: boolean;
  private readonly coreEvents: ConnectionEvents;
  private readonly verifyState: VerifyState | undefined;
  private readonly onHandshakeError: ((err: Error, socket: TLSSocket) => void) | undefined;
  private readonly onSecure: ((socket: TLSSocket) => void) | undefined;
  private handshakeTimer: NodeJS.Timeout | undefined;
  /** Date.now() after which the handshake times out (coarse wheel), 0 when not on the wheel. */
  private handshakeDeadline = 0;
  private handshakeTimeoutMs = 0;
  private secureReady = false;
  private secureDelivered = false;
  private errorHandled = false;
  private rawPaused = false;
  private rawEnded = false;
  private rawClosed = false;
  /** The raw stream's 'end' / 'close' came while the core still held unprocessed bytes (see onRawEnd). */
  private rawEndDeferred = false;
  private rawCloseDeferred = false;
  private pushedEof = false;
  private pendingWrite: { chunks: Buffer[]; cb: Callback } | undefined;
  private pendingFinal: Callback | undefined;
  private drainCb: Callback | undefined;
  /** getPeerCertificate()'s answers, made when first asked. */
  private peerCertPlain: PeerCertificate | undefined;
  private peerCertDetailed: DetailedPeerCertificate | undefined;
  private timeoutForwarding = false;
  private idleTimer: NodeJS.Timeout | undefined;
  private idleMs = 0;
  private lastSession: Buffer | undefined;
  /** The core session `lastSession` encodes. */
  private lastSessionFrom: ClientSession | undefined;
  private earlyChunks: Buffer[] | undefined;
  /** Callbacks of requestClientCertificate() by request context (hex), with their timeout timers. */
  private phaCallbacks: Map<string, PendingClientCertificate> | undefined;
  /** Sessions that came before 'secure' (TLS 1.2: at the end of the handshake), emitted once `authorized` is known. */
  private pendingSessions: ClientSession[] | undefined;

  constructor(socket: Duplex, options: TLSSocketOptions = {}) {
    super({
      allowHalfOpen: options.allowHalfOpen ?? false,
      readableHighWaterMark: options.readableHighWaterMark ?? 64 * 1024,
      emitClose: true,
      autoDestroy: true,
    });
    this.underlying = socket;
    this.isServer = options.isServer === true;
    this.onHandshakeError = options.onHandshakeError;
    this.onSecure = options.onSecure;

    let config: ClientConfig | ServerConfig;
    if (options.config !== undefined) {
      config = options.config;
    } else if (this.isServer) {
      config = buildServerConfig(options);
    } else {
      const built = options.prebuilt ?? buildClientConfig(options);
      config = built.config;
      this.verifyState = built.verify;
    }
    if ((config.side === 'server') !== this.isServer) {
      throw new TlsError(ErrorCode.ERR_TLS_INVALID_OPTION, `a ${config.side} config given to a ${this.isServer ? 'server' : 'client'} TLSSocket`);
    }
    if (!this.isServer) this.servername = options.config !== undefined ? ((config as ClientConfig).serverName ?? null) : hostnameOf(options);

    // one object with shared prototype methods, not a closure per event per connection
    this.coreEvents = new TLSSocket.CoreEvents(this);
    if (!this.isServer) {
      // node:tls 'session' (one per NewSessionTicket in TLS 1.3, per handshake in TLS 1.2): the core
      // reports sessions once a 'session' listener is added (enableSessionEvents), as node enables
      // its session callbacks; without one getSession() derives the latest session when asked.
      // 0-RTT early data that was not accepted: handed back (and said whether it was resent)
      if ((config as ClientConfig).earlyData !== undefined) {
        this.coreEvents.earlyDataOutcome = (o): void => {
          if (!o.accepted) this.emit('earlyDataRejected', bufferView(o.data), o.resent);
        };
      }
    } else if (((config as ServerConfig).tickets?.maxEarlyDataSize ?? 0) > 0) {
      // 0-RTT is on: early data is kept, announced and read
      this.coreEvents.earlyData = (d): void => {
        this.onCoreEarlyData(d);
      };
    }
    if (this.isServer) {
      // RFC 8446 §4.6.2: a post-handshake client certificate that verified (or an empty answer)
      this.coreEvents.clientCertificate = (r): void => { this.onClientCertificate(r); };
    }
    // (process.env is slow to read: a Server reads it once, when created, and passes it on)
    const keylogFile = options.keylogFile !== undefined ? options.keylogFile : process.env['SSLKEYLOGFILE'];
    if (keylogFile !== undefined && keylogFile !== '') this.enableKeylog(keylogFile);
    this.connection = new Connection(config, this.coreEvents);
    // records are sealed over every byte of these buffers before they are written (no zero-fill)
    this.connection.allocateOutput = allocUnsafe;

    // shared listeners (called with `this` = this socket): no closures per connection
    // eslint-disable-next-line @typescript-eslint/unbound-method -- an emitter calls it with `this` = this socket
    this.on('newListener', TLSSocket.onNewListener);

    const timeout = options.handshakeTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT;
    if (timeout >= COARSE_TIMEOUT_MIN && Number.isFinite(timeout)) {
      this.handshakeTimeoutMs = timeout;
      this.handshakeDeadline = Date.now() + timeout;
      TLSSocket.wheelAdd(this);
    } else if (timeout > 0 && Number.isFinite(timeout)) {
      this.handshakeTimer = setTimeout(() => {
        this.handshakeTimer = undefined;
        if (!this.secureDelivered) {
          this.failWith(new TlsError(ErrorCode.ERR_TLS_HANDSHAKE_TIMEOUT, `TLS handshake not complete after ${timeout} ms`));
        }
      }, timeout);
      // the socket keeps the process alive while it is open; the timer alone must not
      this.handshakeTimer.unref();
    }

    // shared listeners (called with `this` = the underlying stream, which points back here)
    (socket as OwnedDuplex)[kOwner] = this;
    /* eslint-disable @typescript-eslint/unbound-method -- the stream calls them with `this` = itself */
    socket.on('data', TLSSocket.rawDataListener);
    socket.on('end', TLSSocket.rawEndListener);
    socket.on('close', TLSSocket.rawCloseListener);
    socket.on('error', TLSSocket.rawErrorListener);
    /* eslint-enable @typescript-eslint/unbound-method */
    // 'end' is emitted once: on(), not once() (no wrapper per connection)
    // eslint-disable-next-line @typescript-eslint/unbound-method -- an emitter calls it with `this` = this socket
    this.on('end', TLSSocket.onSelfEnd);

    const connecting = socket instanceof NetSocket && socket.connecting;
    if (connecting) {
      // 'connect' comes once: on() with a shared listener, no closure or once-wrapper per connection
      // eslint-disable-next-line @typescript-eslint/unbound-method -- the stream calls it with `this` = itself
      socket.on('connect', TLSSocket.rawConnectListener);
    } else if (!this.isServer) {
      // next tick: let the caller attach listeners ('handshakeMessage', 'keylog') first
      process.nextTick(TLSSocket.startHandshakeOf, this);
    }
    // a server speaks second: its core starts with the first bytes received (Connection.receive)
  }

  // ------------------------------------------------------------------ core wiring

  private keylogOn = false;
  private keylogFile: string | undefined;
  private enableKeylog(file: string | undefined): void {
    if (file !== undefined) this.keylogFile = file;
    if (this.keylogOn) return;
    this.keylogOn = true;
    this.coreEvents.keylog = (line: string) => {
      if (this.keylogFile !== undefined) {
        try {
          appendFileSync(this.keylogFile, `${line}\n`);
        } catch {
          // a key log that cannot be written must not break the connection
        }
      }
      if (this.listenerCount('keylog') > 0) this.emit('keylog', Buffer.from(`${line}\n`, 'latin1'));
    };
  }

  /** The core's events for one socket: shared prototype methods (optional events are own properties). */
  private static readonly CoreEvents = class implements ConnectionEvents {
    constructor(private readonly s: TLSSocket) {}
    data(d: Uint8Array): void {
      this.s.onCoreData(d);
    }
    end(): void {
      this.s.onCoreEnd();
    }
    secure(): void {
      this.s.secureReady = true;
    }
    error(): void {
      // handled after the core call returns (pump), once its alert is queued
    }
    output(): void {
      this.s.pump();
    }
  };

  private static readonly rawDataListener = function (this: OwnedDuplex, chunk: Buffer | string): void {
    this[kOwner]?.onRawData(chunk);
  };
  private static readonly rawEndListener = function (this: OwnedDuplex): void {
    this[kOwner]?.onRawEnd();
  };
  private static readonly rawCloseListener = function (this: OwnedDuplex): void {
    this[kOwner]?.onRawClose();
  };
  private static readonly rawErrorListener = function (this: OwnedDuplex, err: Error): void {
    this[kOwner]?.onRawError(err);
  };
  private static readonly rawConnectListener = function (this: OwnedDuplex): void {
    const s = this[kOwner];
    if (s === undefined) return;
    s.emit('connect');
    s.startHandshake();
  };
  private static readonly rawDrainListener = function (this: OwnedDuplex): void {
    this[kOwner]?.onRawDrain();
  };

  private static readonly onNewListener = function (this: TLSSocket, event: string | symbol): void {
    if (event === 'keylog') this.enableKeylog(undefined);
    else if (event === 'session') this.enableSessionEvents();
    else if (typeof event === 'string' && CORE_EVENTS.has(event)) this.enableCoreEvent(event);
  };

  private static readonly onSelfEnd = function (this: TLSSocket): void {
    if (this.rawClosed) this.destroy();
  };

  private static readonly startHandshakeOf = (s: TLSSocket): void => {
    s.startHandshake();
  };

  private enableSessionEvents(): void {
    if (this.isServer || this.coreEvents.session !== undefined) return;
    this.coreEvents.session = (s): void => {
      if (this.secureDelivered) this.emitSession(s);
      else (this.pendingSessions ??= []).push(s);
    };
  }

  private enableCoreEvent(event: string): void {
    const ev = this.coreEvents;
    if ((ev as Record<string, unknown>)[event] !== undefined) return;
    if (event === 'record') {
      ev.record = (e): void => {
        this.emit('record', e);
      };
    } else if (event === 'handshakeMessage') {
      ev.handshakeMessage = (e): void => {
        this.emit('handshakeMessage', e);
      };
    } else if (event === 'alert') {
      ev.alert = (e): void => {
        this.emit('alert', e);
      };
    }
  }

  private startHandshake(): void {
    if (this.destroyed) return;
    this.connection.start();
    this.pump();
  }

  private onRawData(chunk: Buffer | string): void {
    if (this.idleMs > 0) this.touchIdle();
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk;
    this.connection.receive(bytes);
    this.pump();
  }

  private onCoreData(d: Uint8Array): void {
    // node order: 'secureConnect' before the first data
    if (this.secureReady && !this.secureDelivered) this.deliverSecure();
    if (!this.push(bufferView(d)) && !this.rawPaused) {
      this.rawPaused = true;
      this.underlying.pause();
    }
  }

  /** Server: 0-RTT data (RFC 8446 §2.3): kept in `earlyData`, announced, then read like any data. */
  private onCoreEarlyData(d: Uint8Array): void {
    const chunk = bufferView(d);
    (this.earlyChunks ??= []).push(chunk);
    this.emit('earlyData', chunk);
    // never paused here: the handshake must go on to completion (the data is bounded by max_early_data_size)
    this.push(chunk);
  }

  private onCoreEnd(): void {
    if (this.secureReady && !this.secureDelivered) this.deliverSecure();
    this.pushEof();
  }

  private pushEof(): void {
    if (this.pushedEof) return;
    this.pushedEof = true;
    this.push(null);
  }

  private onRawEnd(): void {
    this.rawEnded = true;
    // The peer's last bytes may still wait in the core behind an asynchronous step (the session
    // store, a verifier): its EOF comes after them, once they are processed (pump).
    if (this.connection.isAwaiting) {
      this.rawEndDeferred = true;
      return;
    }
    this.handleRawEnd();
  }

  private handleRawEnd(): void {
    if (this.connection.isHandshaking) {
      this.failWith(new TlsError(ErrorCode.ERR_TLS_CONNECTION_CLOSED, 'the peer closed the connection before the TLS handshake completed (socket disconnected)'));
      return;
    }
    // EOF without close_notify: reported as a plain end, as node does
    this.pushEof();
  }

  private onRawClose(): void {
    this.rawClosed = true;
    this.clearIdle();
    if (this.destroyed) return;
    if (this.rawEndDeferred) {
      this.rawCloseDeferred = true; // after the deferred end (pump)
      return;
    }
    this.handleRawClose();
  }

  private handleRawClose(): void {
    if (this.destroyed) return;
    if (this.connection.isHandshaking || !this.secureDelivered) {
      this.failWith(new TlsError(ErrorCode.ERR_TLS_CONNECTION_CLOSED, 'the connection closed before the TLS handshake completed (socket disconnected)'));
      return;
    }
    this.pushEof();
    if (this.readableEnded) this.destroy();
    // a pending end() cannot complete any more
    const fin = this.pendingFinal;
    this.pendingFinal = undefined;
    fin?.();
  }

  private onRawError(err: Error): void {
    if (!this.secureDelivered && this.onHandshakeError !== undefined) {
      this.failWith(err);
      return;
    }
    this.destroy(err);
  }

  /**
   * After every core call: deliver 'secure', act on a failure, and send what the core produced —
   * at the end of the current pass (one microtask), so that what the application writes or ends in
   * the meantime, from the events of this pass ('secureConnect' → end(), 'end' → end(), which
   * streams emit on the next tick), leaves in the same write: a handshake flight and a close_notify
   * in one segment rather than two. Nothing waits for a timer or for I/O.
   */
  private pump(): void {
    if (this.secureReady && !this.secureDelivered) this.deliverSecure();
    const err = this.connection.error;
    if (err !== null && !this.errorHandled) {
      this.errorHandled = true;
      this.flush(); // the alert leaves before the socket is destroyed
      this.failWith(err);
      return;
    }
    if (this.rawEndDeferred && !this.connection.isAwaiting) {
      // the bytes that came before the peer's EOF are processed now: the EOF follows them
      this.rawEndDeferred = false;
      this.handleRawEnd();
      if (this.rawCloseDeferred) {
        this.rawCloseDeferred = false;
        this.handleRawClose();
      }
    }
    if (this.flushQueued || !this.connection.hasOutput) return;
    this.flushQueued = true;
    queueMicrotask(this.flushAtEndOfPass);
  }

  /** Whether a flush waits for the end of the current pass. */
  private flushQueued = false;

  private readonly flushAtEndOfPass = (): void => {
    this.flushQueued = false;
    this.flush();
  };

  /** Writes the core's pending output; returns false when the underlying stream wants a drain. */
  private flush(): boolean {
    const raw = this.underlying;
    if (!this.connection.hasOutput) return !raw.writableNeedDrain;
    const out = this.connection.takeOutput();
    if (raw.destroyed || !raw.writable || this.rawClosed) return true;
    if (this.idleMs > 0) this.touchIdle();
    // Records sealed side by side into one buffer leave as one write (one Buffer, one syscall).
    let n = 0;
    for (let i = 0; i < out.length; i++) {
      const c = out[i]!;
      const prev = n > 0 ? out[n - 1]! : undefined;
      if (prev !== undefined && prev.buffer === c.buffer && prev.byteOffset + prev.byteLength === c.byteOffset) {
        out[n - 1] = new Uint8Array(c.buffer, prev.byteOffset, prev.byteLength + c.byteLength);
      } else {
        out[n++] = c;
      }
    }
    if (n === 1) return raw.write(bufferView(out[0]!));
    let total = 0;
    for (let i = 0; i < n; i++) total += out[i]!.byteLength;
    if (total <= FLIGHT_CONCAT_MAX) {
      // a handshake flight (plaintext ServerHello + sealed records): one small copy, one write
      const one = Buffer.allocUnsafe(total);
      let at = 0;
      for (let i = 0; i < n; i++) {
        one.set(out[i]!, at);
        at += out[i]!.byteLength;
      }
      return raw.write(one);
    }
    raw.cork();
    for (let i = 0; i < n; i++) raw.write(bufferView(out[i]!));
    raw.uncork();
    return !raw.writableNeedDrain;
  }

  private failWith(err: Error): void {
    if (this.destroyed) return;
    this.clearHandshakeTimer();
    if (!this.secureDelivered) this.emitOcspResponseOnFailure();
    if (!this.secureDelivered && this.onHandshakeError !== undefined) {
      this.onHandshakeError(err, this);
      this.destroy();
      return;
    }
    this.destroy(err);
  }

  /**
   * node:tls emits 'OCSPResponse' during the handshake, before the verification outcome: a client
   * (requestOCSP) whose handshake fails once the server's certificate arrived — a revoked or bad
   * staple, a chain that does not verify, a later alert — still reports the staple (or null), just
   * before its 'error'. (A handshake that completes reports it before 'secureConnect'.)
   */
  private emitOcspResponseOnFailure(): void {
    if (this.isServer || !(this.connection.config as ClientConfig).requestOcsp) return;
    const neg = this.connection.negotiated;
    if (neg.ocspResponse === undefined && neg.peerCertificates.length === 0) return;
    this.emit('OCSPResponse', neg.ocspResponse === undefined ? null : Buffer.from(neg.ocspResponse));
  }

  /** Sockets waiting for their handshake on the shared coarse timer. */
  private static readonly wheel = new Set<TLSSocket>();
  private static wheelTimer: NodeJS.Timeout | undefined;

  private static wheelAdd(s: TLSSocket): void {
    TLSSocket.wheel.add(s);
    if (TLSSocket.wheelTimer === undefined) {
      TLSSocket.wheelTimer = setInterval(TLSSocket.wheelTick, WHEEL_TICK);
      TLSSocket.wheelTimer.unref();
    }
  }

  private static readonly wheelTick = (): void => {
    const now = Date.now();
    for (const s of TLSSocket.wheel) {
      if (s.handshakeDeadline > now) continue;
      TLSSocket.wheel.delete(s);
      s.handshakeDeadline = 0;
      if (!s.secureDelivered) {
        s.failWith(new TlsError(ErrorCode.ERR_TLS_HANDSHAKE_TIMEOUT, `TLS handshake not complete after ${s.handshakeTimeoutMs} ms`));
      }
    }
    if (TLSSocket.wheel.size === 0 && TLSSocket.wheelTimer !== undefined) {
      clearInterval(TLSSocket.wheelTimer);
      TLSSocket.wheelTimer = undefined;
    }
  };

  private clearHandshakeTimer(): void {
    if (this.handshakeDeadline !== 0) {
      this.handshakeDeadline = 0;
      TLSSocket.wheel.delete(this);
    }
    if (this.handshakeTimer !== undefined) {
      clearTimeout(this.handshakeTimer);
      this.handshakeTimer = undefined;
    }
  }

  private deliverSecure(): void {
    this.secureDelivered = true;
    this.clearHandshakeTimer();
    const neg = this.connection.negotiated;
    this.alpnProtocol = neg.alpnProtocol ?? false;
    if (this.isServer) {
      this.servername = neg.serverName ?? false;
      if ((this.connection.config as ServerConfig).clientAuth !== undefined) {
        // node: no client certificate reads as UNABLE_TO_GET_ISSUER_CERT
        this.authorized = neg.peerVerified;
        this.authorizationError = neg.peerVerified
          ? null
          : neg.verifyError !== undefined
            ? ((neg.verifyError as { code?: string }).code ?? neg.verifyError.message)
            : neg.peerCertificates.length === 0
              ? 'UNABLE_TO_GET_ISSUER_CERT'
              : null;
      }
    } else {
      const v = this.verifyState;
      if (v === undefined) {
        this.authorized = neg.peerVerified;
      } else if (v.error !== undefined) {
        this.authorized = false;
        const user = v.userError as (Error & { code?: unknown }) | undefined;
        this.authorizationError = user !== undefined ? (typeof user.code === 'string' ? user.code : user.message) : v.error.code;
      } else {
        // a resumed session has no certificate to verify: it inherits the original connection's result
        this.authorized = neg.resumed ? (this.connection.config as ClientConfig).session?.verified === true : v.ran;
      }
    }
    // node:tls: 'OCSPResponse' (the stapled response, or null) before 'secureConnect' when requestOCSP was set
    if (!this.isServer && (this.connection.config as ClientConfig).requestOcsp) {
      this.emit('OCSPResponse', neg.ocspResponse === undefined ? null : Buffer.from(neg.ocspResponse));
    }
    const sessions = this.pendingSessions;
    this.pendingSessions = undefined;
    // node:tls emits a TLS 1.2 'session' before 'secureConnect'
    if (sessions !== undefined) for (const s of sessions) this.emitSession(s);
    this.emit('secure');
    if (this.onSecure !== undefined) this.onSecure(this);
    if (!this.isServer) this.emit('secureConnect');
    // writes and end() that waited for the handshake
    const w = this.pendingWrite;
    if (w !== undefined) {
      this.pendingWrite = undefined;
      this.writeChunks(w.chunks, w.cb);
    }
    const fin = this.pendingFinal;
    if (fin !== undefined) {
      this.pendingFinal = undefined;
      this._final(fin);
    }
  }

  // ------------------------------------------------------------------ Duplex implementation

  override _read(): void {
    if (this.rawPaused) {
      this.rawPaused = false;
      this.underlying.resume();
    }
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, cb: Callback): void {
    this.writeChunks([chunk], cb);
  }

  override _writev(chunks: { chunk: Buffer; encoding: BufferEncoding }[], cb: Callback): void {
    this.writeChunks(
      chunks.map((c) => c.chunk),
      cb,
    );
  }

  private writeChunks(chunks: Buffer[], cb: Callback): void {
    if (!this.secureDelivered) {
      // data written before the handshake completes waits for it
      this.pendingWrite = { chunks, cb };
      return;
    }
    try {
      // one chunk: write(); several (from _writev): sealed together into full-size records
      if (chunks.length === 1) this.connection.write(chunks[0]!);
      else this.connection.writev(chunks);
    } catch (e) {
      cb(e instanceof Error ? e : new Error(String(e)));
      return;
    }
    if (this.flush()) {
      cb();
      return;
    }
    this.drainCb = cb;
    // eslint-disable-next-line @typescript-eslint/unbound-method -- the stream calls it with `this` = itself
    this.underlying.once('drain', TLSSocket.rawDrainListener);
  }

  private onRawDrain(): void {
    const cb = this.drainCb;
    this.drainCb = undefined;
    cb?.();
  }

  override _final(cb: Callback): void {
    if (!this.secureDelivered) {
      this.pendingFinal = cb;
      return;
    }
    this.connection.end(); // close_notify; TLS 1.3 half-close: reading goes on
    this.flush();
    const raw = this.underlying;
    if (raw.destroyed || !raw.writable || this.rawClosed) {
      cb();
      return;
    }
    raw.end(() => { cb(); });
  }

  override _destroy(err: Error | null, cb: (error?: Error | null) => void): void {
    // what the core produced in this pass (a Finished, an alert) still goes out, as it would have
    // without the end-of-pass flush (before clearIdle: a write touches the idle timer)
    if (this.connection.hasOutput) this.flush();
    this.clearHandshakeTimer();
    this.clearIdle();
    const pha = this.phaCallbacks;
    if (pha !== undefined && pha.size > 0) {
      this.phaCallbacks = undefined;
      const failure = err ?? new TlsError(ErrorCode.ERR_TLS_CONNECTION_CLOSED, 'the socket closed before the client answered the CertificateRequest');
      for (const { callback, timer } of pha.values()) {
        clearTimeout(timer);
        process.nextTick(callback, failure);
      }
    }
    const w = this.pendingWrite;
    this.pendingWrite = undefined;
    const d = this.drainCb;
    this.drainCb = undefined;
    if (w !== undefined || d !== undefined) {
      // only built when a callback is waiting: a normal close constructs no error
      const failure = err ?? new TlsError(ErrorCode.ERR_TLS_CONNECTION_CLOSED, 'the socket was destroyed');
      if (w !== undefined) process.nextTick(w.cb, failure);
      if (d !== undefined) process.nextTick(d, failure);
    }
    // eslint-disable-next-line @typescript-eslint/unbound-method -- the stream calls it with `this` = itself
    this.underlying.removeListener('drain', TLSSocket.rawDrainListener);
    const raw = this.underlying;
    if (!raw.destroyed) {
      if (raw.writable && raw.writableLength > 0) {
        // let a queued alert reach the peer, but do not wait long for it
        raw.end();
        const t = setTimeout(() => raw.destroy(), 1000);
        t.unref();
        raw.once('close', () => { clearTimeout(t); });
      } else {
        raw.destroy();
      }
    }
    cb(err);
  }

  // ------------------------------------------------------------------ node:tls API

  /** tlskit extra: what the handshake negotiated. */
  get negotiated(): Negotiated {
    return this.connection.negotiated;
  }

  /** 'TLSv1.3' once connected; 'unknown' during the handshake; null once destroyed before it. */
  getProtocol(): string | null {
    const v = this.connection.negotiated.version;
    if (this.secureDelivered || this.connection.isSecure) {
      if (v === ProtocolVersion.TLS1_3) return 'TLSv1.3';
      if (v === ProtocolVersion.TLS1_2) return 'TLSv1.2';
    }
    return this.destroyed ? null : 'unknown';
  }

  getCipher(): CipherInfo {
    const code = this.connection.negotiated.cipherSuite;
    return { ...suiteNames(code), version: this.getProtocol() ?? 'unknown' };
  }

  getEphemeralKeyInfo(): EphemeralKeyInfo | null {
    if (!this.secureDelivered) return null;
    if (this.isServer) return {};
    const g = this.connection.negotiated.group;
    const info = g === undefined ? undefined : GROUP_INFO[g];
    return info === undefined ? {} : { ...info };
  }

  getPeerCertificate(detailed: true): DetailedPeerCertificate | Record<string, never> | null;
  getPeerCertificate(detailed?: false): PeerCertificate | Record<string, never> | null;
  getPeerCertificate(detailed?: boolean): PeerCertificate | DetailedPeerCertificate | Record<string, never> | null;
  getPeerCertificate(detailed = false): PeerCertificate | DetailedPeerCertificate | Record<string, never> | null {
    const neg = this.connection.negotiated;
    const chain = neg.peerCertificates;
    if (chain.length === 0) return this.destroyed && !this.secureDelivered ? null : {};
    const provider = this.connection.config.provider;
    if (detailed) {
      if (this.peerCertDetailed === undefined) {
        const path = this.verifyState?.path;
        const ders = path !== undefined && path.length > 0 ? path.map((c) => c.raw) : chain;
        const d = describeChain(provider, ders);
        if (d === undefined) return {};
        this.peerCertDetailed = d;
      }
      return this.peerCertDetailed;
    }
    this.peerCertPlain ??= describeCertificate(provider, chain[0] as Uint8Array);
    return this.peerCertPlain;
  }

  /** Our own certificate (server: the one chosen by SNI; client: the one sent, if any). */
  getCertificate(): PeerCertificate | Record<string, never> | null {
    const leaf = this.connection.negotiated.localCertificates[0];
    if (leaf === undefined) return this.secureDelivered ? {} : null;
    return describeCertificate(this.connection.config.provider, leaf);
  }

  /** Our Finished verify_data. */
  getFinished(): Buffer | undefined {
    const neg = this.connection.negotiated;
    const f = this.isServer ? neg.serverFinished : neg.clientFinished;
    return f === undefined ? undefined : Buffer.from(f);
  }

  /** The peer's Finished verify_data. */
  getPeerFinished(): Buffer | undefined {
    const neg = this.connection.negotiated;
    const f = this.isServer ? neg.clientFinished : neg.serverFinished;
    return f === undefined ? undefined : Buffer.from(f);
  }

  /** RFC 8446 §7.5 exporter, like node's (RFC 5705 interface). */
  exportKeyingMaterial(length: number, label: string, context?: Buffer | Uint8Array): Buffer {
    const out = this.connection.exportKeyingMaterial(length, label, context ?? null);
    return bufferView(out);
  }

  /** node:crypto X509Certificate of the peer's leaf. */
  getPeerX509Certificate(): X509Certificate | undefined {
    const leaf = this.connection.negotiated.peerCertificates[0];
    return leaf === undefined ? undefined : new X509Certificate(bufferView(leaf));
  }

  /** node:crypto X509Certificate of our leaf. */
  getX509Certificate(): X509Certificate | undefined {
    const leaf = this.connection.negotiated.localCertificates[0];
    return leaf === undefined ? undefined : new X509Certificate(bufferView(leaf));
  }

  private emitSession(s: ClientSession): void {
    this.lastSession = this.encodeSession(s);
    this.lastSessionFrom = s;
    this.emit('session', this.lastSession);
  }

  /** node keeps the verification result in the session: a resumed connection inherits `authorized`. */
  private encodeSession(s: ClientSession): Buffer {
    return Buffer.from(encodeAnyClientSession(Object.assign({}, s, { verified: this.authorized })));
  }

  isSessionReused(): boolean {
    return this.connection.negotiated.resumed;
  }

  /**
   * tlskit: whether TLS 1.3 0-RTT early data was accepted (RFC 8446 §2.3). Client: the server
   * took our `earlyData` as 0-RTT (known at 'secureConnect'). Server: the client's early data was
   * accepted; `earlyData` holds it.
   */
  get earlyDataAccepted(): boolean {
    return this.connection.earlyDataAccepted;
  }

  /**
   * tlskit, server: the bytes that arrived as 0-RTT early data (they are also the first bytes read
   * from this socket), or undefined. They may be a replay (RFC 8446 §8): act only on idempotent requests.
   */
  get earlyData(): Buffer | undefined {
    const chunks = this.earlyChunks;
    if (chunks === undefined) return undefined;
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
  }

  /** The latest resumable session (client, TLS 1.3: from the last NewSessionTicket). */
  getSession(): Buffer | undefined {
    // without a 'session' listener the core keeps the latest ticket; its session is made here
    if (this.isServer || !this.secureDelivered) return this.lastSession;
    const s = this.connection.latestSession;
    if (s !== undefined && s !== this.lastSessionFrom) {
      this.lastSession = this.encodeSession(s);
      this.lastSessionFrom = s;
    }
    return this.lastSession;
  }

  getTLSTicket(): Buffer | undefined {
    return undefined;
  }

  getSharedSigalgs(): string[] {
    return [];
  }

  /** TLS 1.3 has no renegotiation. */
  disableRenegotiation(): void {}

  renegotiate(_options: object, callback?: (err: Error | null) => void): boolean {
    if (callback !== undefined) process.nextTick(callback, new TlsError(ErrorCode.ERR_TLS_NO_RENEGOTIATION, 'TLS 1.3 has no renegotiation'));
    return false;
  }

  setMaxSendFragment(_size: number): boolean {
    return false;
  }

  /**
   * tlskit extra, server, TLS 1.3: post-handshake client authentication (RFC 8446 §4.6.2; what
   * OpenSSL calls SSL_verify_client_post_handshake). Sends a CertificateRequest now; once the
   * client's answer checked out, `authorized`, `authorizationError` and `getPeerCertificate()`
   * describe the client it authenticated as, 'clientCertificate' is emitted with
   * `{ authorized, authorizationError, certificates }` and `callback(null, authorized)` is called.
   * A failing answer (bad signature, untrusted chain with rejectUnauthorized, none when required)
   * ends the connection with its alert. Needs the server option `postHandshakeAuth: true` (or
   * `requestCert`) and a client that offered post_handshake_auth; otherwise returns false and
   * `callback` gets the error.
   *
   * `options.timeout` (ms, default 120000 like `handshakeTimeout`; 0: wait forever): when the
   * client has not answered by then, `callback` gets an `ERR_TLS_CLIENT_CERTIFICATE_TIMEOUT`
   * error (RFC 8446 §4.6.2 sets no deadline; a client may simply never answer). The connection
   * stays open — destroy it in the callback to refuse the client — and the request outstanding: a
   * late answer is still checked and emits 'clientCertificate'.
   *
   * @example
   * server.on('secureConnection', (s) => s.requestClientCertificate((err, ok) => console.log(err ?? ok, s.getPeerCertificate().subject)));
   * s.requestClientCertificate({ timeout: 10_000 }, (err, ok) => { if (err || !ok) s.destroy(); });
   */
  requestClientCertificate(callback?: ClientCertificateCallback): boolean;
  requestClientCertificate(options: { readonly timeout?: number | undefined }, callback?: ClientCertificateCallback): boolean;
  requestClientCertificate(
    optionsOrCallback?: { readonly timeout?: number | undefined } | ClientCertificateCallback,
    maybeCallback?: ClientCertificateCallback,
  ): boolean {
    const callback = typeof optionsOrCallback === 'function' ? optionsOrCallback : maybeCallback;
    const timeout = (typeof optionsOrCallback === 'object' ? optionsOrCallback.timeout : undefined) ?? DEFAULT_CLIENT_CERTIFICATE_TIMEOUT;
    let context: Uint8Array;
    try {
      if (!Number.isFinite(timeout) || timeout < 0) throw new TlsError(ErrorCode.ERR_TLS_INVALID_OPTION, 'requestClientCertificate: timeout must be a number of ms ≥ 0');
      if (!this.isServer) throw new TlsError(ErrorCode.ERR_TLS_INVALID_STATE, 'only a server requests a client certificate');
      context = this.connection.requestClientCertificate();
    } catch (e) {
      if (callback !== undefined) process.nextTick(callback, e instanceof Error ? e : new Error(String(e)));
      return false;
    }
    if (callback !== undefined) {
      const key = Buffer.from(context).toString('hex');
      const pending = (this.phaCallbacks ??= new Map<string, PendingClientCertificate>());
      const timer =
        timeout === 0
          ? undefined
          : setTimeout(() => {
              if (pending.get(key)?.callback !== callback) return;
              pending.delete(key);
              callback(new TlsError(ErrorCode.ERR_TLS_CLIENT_CERTIFICATE_TIMEOUT, `the client did not answer the post-handshake CertificateRequest within ${timeout} ms`));
            }, timeout);
      // the socket keeps the process alive while it is open; the timer alone does not
      timer?.unref();
      pending.set(key, { callback, timer });
    }
    this.flush();
    return true;
  }

  private onClientCertificate(r: ClientCertificateResult): void {
    this.peerCertPlain = undefined;
    this.peerCertDetailed = undefined;
    const neg = this.connection.negotiated;
    if (r.certificates.length > 0) {
      this.authorized = r.verified;
      this.authorizationError = r.verified ? null : ((r.verifyError as { code?: string } | undefined)?.code ?? r.verifyError?.message ?? null);
    } else if (!this.authorized) {
      // node: no client certificate reads as UNABLE_TO_GET_ISSUER_CERT
      this.authorizationError = neg.peerCertificates.length === 0 ? 'UNABLE_TO_GET_ISSUER_CERT' : this.authorizationError;
    }
    const key = Buffer.from(r.context).toString('hex');
    const pending = this.phaCallbacks?.get(key);
    this.phaCallbacks?.delete(key);
    clearTimeout(pending?.timer);
    const callback = pending?.callback;
    const info = { authorized: this.authorized, authorizationError: this.authorizationError, certificates: r.certificates.map((c) => Buffer.from(c)) };
    // outside the core's receive(): listeners may write
    process.nextTick(() => {
      this.emit('clientCertificate', info);
      if (callback !== undefined) callback(null, info.authorized);
    });
  }

  /** tlskit extra: RFC 8446 §4.6.3 KeyUpdate (and ask the peer to update too when `requestPeer`). */
  keyUpdate(requestPeer = false): void {
    this.connection.keyUpdate(requestPeer);
    this.flush();
  }

  // ------------------------------------------------------------------ net.Socket pass-throughs

  /** net.Socket's: end, then destroy once everything is written. */
  destroySoon(): void {
    if (this.writable) this.end();
    if (this.writableFinished) this.destroy();
    else this.once('finish', () => this.destroy());
  }

  /** net.Socket's readyState. */
  get readyState(): 'opening' | 'open' | 'readOnly' | 'writeOnly' | 'closed' {
    if (this.connecting) return 'opening';
    if (this.readable && this.writable) return 'open';
    if (this.readable) return 'readOnly';
    if (this.writable) return 'writeOnly';
    return 'closed';
  }

  private get net(): NetSocket | undefined {
    return this.underlying instanceof NetSocket ? this.underlying : undefined;
  }

  get connecting(): boolean {
    return this.net?.connecting ?? false;
  }

  get remoteAddress(): string | undefined {
    return this.net?.remoteAddress;
  }
  get remotePort(): number | undefined {
    return this.net?.remotePort;
  }
  get remoteFamily(): string | undefined {
    return this.net?.remoteFamily;
  }
  get localAddress(): string | undefined {
    return this.net?.localAddress;
  }
  get localPort(): number | undefined {
    return this.net?.localPort;
  }
  get bytesRead(): number {
    return this.net?.bytesRead ?? 0;
  }
  get bytesWritten(): number {
    return this.net?.bytesWritten ?? 0;
  }

  address(): AddressInfo | Record<string, never> {
    const a = this.net?.address();
    return a === undefined || typeof a === 'string' ? {} : (a);
  }

  setNoDelay(noDelay = true): this {
    this.net?.setNoDelay(noDelay);
    return this;
  }

  setKeepAlive(enable = false, initialDelay = 0): this {
    this.net?.setKeepAlive(enable, initialDelay);
    return this;
  }

  ref(): this {
    this.net?.ref();
    return this;
  }

  unref(): this {
    this.net?.unref();
    return this;
  }

  /** Inactivity timeout: emits 'timeout' (the socket stays open, as net.Socket). */
  setTimeout(ms: number, callback?: () => void): this {
    if (callback !== undefined) {
      if (ms === 0) this.removeListener('timeout', callback);
      else this.once('timeout', callback);
    }
    const net = this.net;
    if (net !== undefined) {
      if (!this.timeoutForwarding) {
        this.timeoutForwarding = true;
        net.on('timeout', () => this.emit('timeout'));
      }
      net.setTimeout(ms);
      return this;
    }
    // any other Duplex: our own idle timer on the bytes moving
    this.idleMs = ms > 0 ? ms : 0;
    this.clearIdle();
    if (this.idleMs > 0) this.touchIdle();
    return this;
  }

  get timeout(): number | undefined {
    return this.net?.timeout ?? (this.idleMs > 0 ? this.idleMs : undefined);
  }

  private touchIdle(): void {
    if (this.idleTimer !== undefined) {
      this.idleTimer.refresh();
      return;
    }
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      this.emit('timeout');
    }, this.idleMs);
    this.idleTimer.unref();
  }

  private clearIdle(): void {
    if (this.idleTimer !== undefined) {
      clearTimeout(this.idleTimer);
      this.idleTimer = undefined;
    }
  }
}
