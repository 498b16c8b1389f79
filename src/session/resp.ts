/**
 * A small Redis client: RESP2 over one TCP connection, written for the session store.
 * (Redis protocol specification, RESP2: simple strings `+`, errors `-`, integers `:`, bulk
 * strings `$`, arrays `*`; requests are arrays of bulk strings.)
 *
 * - Pipelining: commands are written as they come; replies are matched in order (FIFO).
 * - Every command has a timeout. A timed-out reply can no longer be matched safely, so a timeout
 *   closes the connection and fails every command in flight; the client then reconnects.
 * - Reconnects in the background with exponential backoff (50 ms → 1 s); while the connection is
 *   down, commands fail at once (no queue grows while Redis is away).
 * - Bounded: commands in flight (`maxPending`), reply size (`maxReplyBytes`), array length and
 *   nesting depth. A violation closes the connection.
 * - Never logs; error messages carry no key or value bytes.
 *
 * Failures reject with a TlsError (ERR_TLS_CONNECTION_CLOSED for an unavailable or lost
 * connection and timeouts, ERR_TLS_LIMIT_EXCEEDED for bounds, ERR_TLS_DECODE_ERROR for a
 * malformed reply). Error *replies* (`-ERR ...`) resolve as `RespError` values.
 */
import { connect, type Socket } from 'node:net';
import { ErrorCode, TlsError } from '../errors.js';
import { utf8 } from '../wire/bytes.js';

/** An error reply (`-ERR unknown command ...`), delivered as a value. */
export class RespError {
  constructor(readonly message: string) {}
}

/** A RESP2 reply: simple string (string), bulk string (bytes), integer, nil (null), array, error. */
export type RespValue = string | Uint8Array | number | null | RespError | readonly RespValue[];

export type RespArg = string | Uint8Array;

const CR = 13;
const LF = 10;

const closedError = (message: string): TlsError => new TlsError(ErrorCode.ERR_TLS_CONNECTION_CLOSED, `redis: ${message}`);
const protocolError = (message: string): TlsError => new TlsError(ErrorCode.ERR_TLS_DECODE_ERROR, `redis: ${message}`);
const limitError = (message: string): TlsError => new TlsError(ErrorCode.ERR_TLS_LIMIT_EXCEEDED, `redis: ${message}`);

/** Encodes one request: `*N\r\n` then `$len\r\n<bytes>\r\n` per argument. */
export function encodeCommand(args: readonly RespArg[]): Uint8Array {
  const parts = args.map((a) => (typeof a === 'string' ? utf8(a) : a));
  const header = (c: string, n: number): Uint8Array => utf8(`${c}${n}\r\n`);
  const chunks: Uint8Array[] = [header('*', parts.length)];
  let total = chunks[0]!.length;
  for (const p of parts) {
    const h = header('$', p.length);
    chunks.push(h, p);
    total += h.length + p.length + 2;
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (let i = 0; i < chunks.length; i++) {
    const c = chunks[i]!;
    out.set(c, at);
    at += c.length;
    if (i > 0 && i % 2 === 0) {
      out[at++] = CR;
      out[at++] = LF;
    }
  }
  return out;
}

export interface RespParserLimits {
  /** Most bytes buffered for one incomplete reply (and largest bulk string). Default 1 MiB. */
  readonly maxReplyBytes?: number;
  /** Most elements of one array. Default 1024. */
  readonly maxArrayLength?: number;
  /** Deepest array nesting. Default 4. */
  readonly maxDepth?: number;
}

const INCOMPLETE = Symbol('incomplete');
type Parsed = { readonly value: RespValue; readonly end: number } | typeof INCOMPLETE;

/** Incremental RESP2 reply parser: feed chunks, get complete replies. Throws TlsError on a bad stream. */
export class RespParser {
  private buf = new Uint8Array(0);
  private readonly maxReplyBytes: number;
  private readonly maxArrayLength: number;
  private readonly maxDepth: number;

  constructor(limits: RespParserLimits = {}) {
    this.maxReplyBytes = limits.maxReplyBytes ?? 1024 * 1024;
    this.maxArrayLength = limits.maxArrayLength ?? 1024;
    this.maxDepth = limits.maxDepth ?? 4;
  }

  /** Bytes buffered (an incomplete reply). */
  get buffered(): number {
    return this.buf.length;
  }

  push(chunk: Uint8Array): RespValue[] {
    let buf: Uint8Array;
    if (this.buf.length === 0) {
      buf = chunk;
    } else {
      buf = new Uint8Array(this.buf.length + chunk.length);
      buf.set(this.buf, 0);
      buf.set(chunk, this.buf.length);
    }
    const out: RespValue[] = [];
    let at = 0;
    for (;;) {
      if (at === buf.length) break;
      const p = this.parse(buf, at, 0);
      if (p === INCOMPLETE) break;
      out.push(p.value);
      at = p.end;
    }
    const rest = buf.length - at;
    if (rest > this.maxReplyBytes) throw limitError(`reply larger than ${this.maxReplyBytes} bytes`);
    this.buf = rest === 0 ? new Uint8Array(0) : buf.slice(at);
    return out;
  }

  private line(buf: Uint8Array, from: number): number {
    for (let i = from; i + 1 < buf.length; i++) {
      if (buf[i] === CR) {
        if (buf[i + 1] !== LF) throw protocolError('CR without LF');
        return i;
      }
      if (i - from > 1024) throw protocolError('header line too long');
    }
    if (buf.length - from > 1024) throw protocolError('header line too long');
    return -1;
  }

  private int(buf: Uint8Array, from: number, to: number): number {
    let i = from;
    let neg = false;
    if (buf[i] === 0x2d) {
      neg = true;
      i++;
    }
    if (i === to || to - i > 18) throw protocolError('bad integer');
    let v = 0;
    for (; i < to; i++) {
      const d = buf[i]! - 0x30;
      if (d < 0 || d > 9) throw protocolError('bad integer');
      v = v * 10 + d;
    }
    return neg ? -v : v;
  }

  private parse(buf: Uint8Array, at: number, depth: number): Parsed {
    if (at >= buf.length) return INCOMPLETE;
    const type = buf[at]!;
    const eol = this.line(buf, at + 1);
    if (eol < 0) return INCOMPLETE;
    const text = (): string => new TextDecoder('utf-8').decode(buf.subarray(at + 1, eol));
    switch (type) {
      case 0x2b: // '+'
        return { value: text(), end: eol + 2 };
      case 0x2d: // '-'
        return { value: new RespError(text()), end: eol + 2 };
      case 0x3a: // ':'
        return { value: this.int(buf, at + 1, eol), end: eol + 2 };
      case 0x24: {
        // '$'
        const n = this.int(buf, at + 1, eol);
        if (n === -1) return { value: null, end: eol + 2 };
        if (n < 0) throw protocolError('bad bulk length');
        if (n > this.maxReplyBytes) throw limitError(`bulk string larger than ${this.maxReplyBytes} bytes`);
        const start = eol + 2;
        if (buf.length < start + n + 2) return INCOMPLETE;
        if (buf[start + n] !== CR || buf[start + n + 1] !== LF) throw protocolError('bulk string not terminated');
        return { value: buf.slice(start, start + n), end: start + n + 2 };
      }
      case 0x2a: {
        // '*'
        const n = this.int(buf, at + 1, eol);
        if (n === -1) return { value: null, end: eol + 2 };
        if (n < 0) throw protocolError('bad array length');
        if (n > this.maxArrayLength) throw limitError(`array longer than ${this.maxArrayLength}`);
        if (depth >= this.maxDepth) throw limitError('arrays nested too deep');
        const items: RespValue[] = [];
        let end = eol + 2;
        for (let i = 0; i < n; i++) {
          const p = this.parse(buf, end, depth + 1);
          if (p === INCOMPLETE) return INCOMPLETE;
          items.push(p.value);
          end = p.end;
        }
        return { value: items, end };
      }
      default:
        throw protocolError(`unknown reply type 0x${type.toString(16)}`);
    }
  }
}

export interface RespClientOptions {
  readonly host?: string;
  readonly port: number;
  /** Default 1000 ms. */
  readonly connectTimeoutMs?: number;
  /** Per command, from the call until its reply. Default 500 ms. */
  readonly commandTimeoutMs?: number;
  /** Most commands in flight. Default 10 000. */
  readonly maxPending?: number;
  readonly maxReplyBytes?: number;
  /** Longest wait between reconnection attempts. Default 1000 ms. */
  readonly maxBackoffMs?: number;
  /** AUTH (Redis ≥ 6 ACL user optional). */
  readonly password?: string;
  readonly username?: string;
  /** SELECT db. */
  readonly db?: number;
  /** Told about connection failures (for metrics; the message carries no secrets). */
  readonly onError?: (error: Error) => void;
  /** Told when a connection is established (the first one and every reconnection). */
  readonly onConnect?: () => void;
}

interface Pending {
  readonly resolve: (v: RespValue) => void;
  readonly reject: (e: Error) => void;
  readonly timer: NodeJS.Timeout | undefined;
}

type State = 'idle' | 'connecting' | 'ready' | 'down' | 'closed';

/**
 * @example
 * const redis = new RespClient({ port: 6379 });
 * await redis.command(['SET', 'k', value, 'PX', '1000', 'NX']);   // 'OK' or null
 * await redis.close();
 */
export class RespClient {
  private state: State = 'idle';
  private socket: Socket | undefined;
  private parser: RespParser;
  private pending: Pending[] = [];
  private head = 0;
  /** Written once connected (commands issued while connecting). */
  private unsent: Uint8Array[] = [];
  private backoff = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private connectedAt: number | null = null;
  private readonly host: string;
  private readonly port: number;
  private readonly connectTimeoutMs: number;
  private readonly commandTimeoutMs: number;
  private readonly maxPending: number;
  private readonly maxBackoffMs: number;

  constructor(private readonly options: RespClientOptions) {
    this.host = options.host ?? '127.0.0.1';
    this.port = options.port;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 1000;
    this.commandTimeoutMs = options.commandTimeoutMs ?? 500;
    this.maxPending = options.maxPending ?? 10_000;
    this.maxBackoffMs = options.maxBackoffMs ?? 1000;
    this.parser = this.newParser();
  }

  /** When the current connection was established (ms since the epoch); null when not connected. */
  get connectedSince(): number | null {
    return this.state === 'ready' ? this.connectedAt : null;
  }

  get inFlight(): number {
    return this.pending.length - this.head;
  }

  /** Sends one command; resolves with its reply (error replies as RespError), rejects on failure. */
  command(args: readonly RespArg[]): Promise<RespValue> {
    if (this.state === 'closed') return Promise.reject(closedError('client closed'));
    if (this.state === 'down') return Promise.reject(closedError('not connected'));
    if (this.inFlight >= this.maxPending) return Promise.reject(limitError(`more than ${this.maxPending} commands in flight`));
    const bytes = encodeCommand(args);
    return new Promise<RespValue>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(closedError(`command timed out after ${this.commandTimeoutMs} ms`));
      }, this.commandTimeoutMs);
      timer.unref();
      this.pending.push({ resolve, reject, timer });
      if (this.state === 'ready') this.socket!.write(bytes);
      else {
        this.unsent.push(bytes);
        if (this.state === 'idle') this.connectNow();
      }
    });
  }

  /** Connects now (instead of on the first command) and waits for a PING reply. */
  async connect(): Promise<void> {
    const r = await this.command(['PING']);
    if (r !== 'PONG') throw closedError('unexpected PING reply');
  }

  /** Closes the connection; commands in flight fail. */
  close(): Promise<void> {
    if (this.state === 'closed') return Promise.resolve();
    this.state = 'closed';
    clearTimeout(this.reconnectTimer);
    const socket = this.socket;
    this.socket = undefined;
    this.failPending(closedError('client closed'));
    if (socket === undefined || socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      socket.once('close', () => {
        resolve();
      });
      socket.destroy();
    });
  }

  private newParser(): RespParser {
    return new RespParser(this.options.maxReplyBytes === undefined ? {} : { maxReplyBytes: this.options.maxReplyBytes });
  }

  private connectNow(): void {
    this.state = 'connecting';
    this.parser = this.newParser();
    const socket = connect({ host: this.host, port: this.port });
    this.socket = socket;
    socket.setNoDelay(true);
    const connectTimer = setTimeout(() => {
      this.fail(closedError(`connect timed out after ${this.connectTimeoutMs} ms`), socket);
    }, this.connectTimeoutMs);
    connectTimer.unref();
    socket.once('connect', () => {
      clearTimeout(connectTimer);
      if (this.socket !== socket) return;
      this.state = 'ready';
      this.connectedAt = Date.now();
      this.backoff = 0;
      const setup: Uint8Array[] = [];
      if (this.options.password !== undefined) {
        const auth = this.options.username === undefined ? ['AUTH', this.options.password] : ['AUTH', this.options.username, this.options.password];
        setup.push(encodeCommand(auth));
      }
      if (this.options.db !== undefined) setup.push(encodeCommand(['SELECT', String(this.options.db)]));
      // Setup replies come first: internal pending entries at the head of the queue.
      const internal: Pending[] = setup.map(() => ({
        resolve: (v: RespValue) => {
          if (v instanceof RespError) this.fail(closedError('connection setup (AUTH/SELECT) refused'), socket);
        },
        reject: () => undefined,
        timer: undefined,
      }));
      this.pending = [...internal, ...this.pending.slice(this.head)];
      this.head = 0;
      for (const b of [...setup, ...this.unsent]) socket.write(b);
      this.unsent = [];
      this.options.onConnect?.();
    });
    socket.on('data', (chunk: Uint8Array) => {
      if (this.socket !== socket) return;
      let replies: RespValue[];
      try {
        // A plain Uint8Array view (not a Buffer): replies are Uint8Array slices.
        replies = this.parser.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      } catch (e) {
        this.fail(e instanceof Error ? e : protocolError('bad reply'), socket);
        return;
      }
      for (const r of replies) {
        const p = this.pending[this.head];
        if (p === undefined) {
          this.fail(protocolError('reply without a command'), socket);
          return;
        }
        this.pending[this.head++] = undefined as unknown as Pending;
        clearTimeout(p.timer);
        p.resolve(r);
      }
      if (this.head > 1024 && this.head * 2 > this.pending.length) {
        this.pending = this.pending.slice(this.head);
        this.head = 0;
      }
    });
    socket.on('error', (e) => {
      clearTimeout(connectTimer);
      this.fail(closedError(`connection error (${(e as NodeJS.ErrnoException).code ?? 'unknown'})`), socket);
    });
    socket.on('close', () => {
      clearTimeout(connectTimer);
      this.fail(closedError('connection closed'), socket);
    });
  }

  /** Drops the connection (if `socket` is still the current one), fails everything in flight, schedules a reconnect. */
  private fail(error: Error, socket: Socket | undefined = this.socket): void {
    if (socket !== this.socket || this.state === 'closed') return;
    this.socket = undefined;
    this.connectedAt = null;
    socket?.destroy();
    this.failPending(error);
    this.options.onError?.(error);
    this.state = 'down';
    this.backoff = this.backoff === 0 ? 50 : Math.min(this.backoff * 2, this.maxBackoffMs);
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      if (this.state === 'down') this.connectNow();
    }, this.backoff);
    this.reconnectTimer.unref();
  }

  private failPending(error: Error): void {
    const pending = this.pending.slice(this.head);
    this.pending = [];
    this.head = 0;
    this.unsent = [];
    for (const p of pending) {
      clearTimeout(p.timer);
      p.reject(error);
    }
  }
}
