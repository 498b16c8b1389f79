/**
 * A trace: the ordered list of what crossed the wire on one connection (handshake messages,
 * records, alerts), each tagged with which side sent it. Built from a Connection's events by
 * `TraceRecorder`; rendered by `ladder.ts`, explained by `explain.ts`, serialised by `json.ts`.
 * A trace never holds secrets: the key log is a separate, opt-in event.
 */
import type { AlertEvent, ConnectionEvents, HandshakeEvent, RecordEvent } from '../connection/connection.js';
import type { ServerHello } from '../messages/server-hello.js';
import { HandshakeType } from '../registry/codepoints.js';
import { serverHelloVersion } from './explain.js';

export type Side = 'client' | 'server';
/** Which keys protected a message or record. */
export type Protection = HandshakeEvent['protection'];

export interface TraceHandshake {
  readonly kind: 'handshake';
  /** Who sent it. */
  readonly from: Side;
  readonly type: number;
  /** The decoded message (the codec's struct). */
  readonly message: object;
  /** 4-byte header and body, as in the transcript. */
  readonly raw: Uint8Array;
  readonly protection: Protection;
  /** Milliseconds since the trace started. */
  readonly at: number;
}

export interface TraceRecord {
  readonly kind: 'record';
  readonly from: Side;
  readonly contentType: number;
  readonly innerType: number;
  /** Length of the record body on the wire. */
  readonly length: number;
  readonly protection: Protection;
  readonly at: number;
  /** The negotiated version once the ServerHello was seen (0x0303 TLS 1.2, 0x0304 TLS 1.3). */
  readonly version?: number;
  /** The negotiated cipher suite once the ServerHello was seen. */
  readonly cipherSuite?: number;
  /** A 0-RTT record the server skipped unread (early data rejected, RFC 8446 §4.2.10). */
  readonly skipped?: true;
}

export interface TraceAlert {
  readonly kind: 'alert';
  readonly from: Side;
  readonly level: number;
  readonly description: number;
  readonly at: number;
}

export type TraceEntry = TraceHandshake | TraceRecord | TraceAlert;

export const otherSide = (side: Side): Side => (side === 'client' ? 'server' : 'client');

/**
 * Collects a trace from one Connection's point of view: events it sent come from `localSide`,
 * events it received from the other side.
 *
 * @example
 * const trace = new TraceRecorder('client');
 * const conn = new Connection(config, { ...trace.events(), secure: () => {} });
 */
export class TraceRecorder {
  readonly entries: TraceEntry[] = [];
  private readonly start = Date.now();
  private version: number | undefined;
  private cipherSuite: number | undefined;

  constructor(
    readonly localSide: Side,
    /** Called after each entry is recorded (e.g. to print the ladder as it happens). */
    private readonly onEntry?: (entry: TraceEntry, recorder: TraceRecorder) => void,
  ) {}

  private from(direction: 'sent' | 'received'): Side {
    return direction === 'sent' ? this.localSide : otherSide(this.localSide);
  }

  private push(entry: TraceEntry): void {
    this.entries.push(entry);
    this.onEntry?.(entry, this);
  }

  /** The Connection listeners that feed this recorder. */
  events(): Required<Pick<ConnectionEvents, 'handshakeMessage' | 'record' | 'alert'>> {
    return {
      handshakeMessage: (e: HandshakeEvent) => {
        if (e.type === HandshakeType.server_hello) {
          const sh = e.message as ServerHello;
          this.version = serverHelloVersion(sh);
          this.cipherSuite = sh.cipherSuite;
        }
        this.push({ kind: 'handshake', from: this.from(e.direction), type: e.type, message: e.message, raw: e.raw, protection: e.protection, at: Date.now() - this.start });
      },
      record: (e: RecordEvent) => {
        this.push({
          kind: 'record',
          from: this.from(e.direction),
          contentType: e.contentType,
          innerType: e.innerType,
          length: e.length,
          protection: e.protection,
          at: Date.now() - this.start,
          ...(this.version === undefined ? {} : { version: this.version }),
          ...(this.cipherSuite === undefined ? {} : { cipherSuite: this.cipherSuite }),
          ...(e.skipped === true ? { skipped: true as const } : {}),
        });
      },
      alert: (e: AlertEvent) => {
        this.push({ kind: 'alert', from: this.from(e.direction), level: e.level, description: e.description, at: Date.now() - this.start });
      },
    };
  }
}
