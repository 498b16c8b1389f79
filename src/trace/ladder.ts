/**
 * The handshake as a ladder diagram: client on the left, server on the right, one arrow per
 * message with the keys that protected it, its key fields, and a dimmed sentence under it; then
 * the negotiated parameters and the key schedule. Pure functions returning strings; colour
 * (ANSI) only when asked for (the CLI asks when stdout is a TTY and NO_COLOR is unset).
 */
import type { Negotiated } from '../handshake/host.js';
import { tls12Suite } from '../handshake/suites12.js';
import { ContentType, ExtensionType, HandshakeType } from '../registry/codepoints.js';
import { cipherSuiteName, namedGroupName, protocolVersionName, signatureSchemeName } from '../registry/names.js';
import type { Side, TraceEntry, TraceHandshake } from './events.js';
import {
  explainAlert,
  explainHandshake,
  explainRecord,
  Resumption12Tracker,
  keyScheduleSteps,
  messageName,
  protectionLabel,
  shortName,
  tryParseCertificate,
  type Explanation,
  type KeyScheduleInfo,
} from './explain.js';

// ------------------------------------------------------------------ style

export interface Style {
  readonly bold: (s: string) => string;
  readonly dim: (s: string) => string;
  readonly client: (s: string) => string;
  readonly server: (s: string) => string;
  readonly plaintext: (s: string) => string;
  readonly encrypted: (s: string) => string;
  readonly bad: (s: string) => string;
  readonly good: (s: string) => string;
  readonly heading: (s: string) => string;
}

const identity = (s: string): string => s;
const sgr =
  (open: string, close: string) =>
  (s: string): string =>
    s === '' ? s : `\u001b[${open}m${s}\u001b[${close}m`;

export const PLAIN: Style = {
  bold: identity,
  dim: identity,
  client: identity,
  server: identity,
  plaintext: identity,
  encrypted: identity,
  bad: identity,
  good: identity,
  heading: identity,
};

export const ANSI: Style = {
  bold: sgr('1', '22'),
  dim: sgr('2', '22'),
  client: sgr('36', '39'),
  server: sgr('35', '39'),
  plaintext: sgr('33', '39'),
  encrypted: sgr('32', '39'),
  bad: sgr('31', '39'),
  good: sgr('32', '39'),
  heading: sgr('1;4', '22;24'),
};

export interface LadderOptions {
  /** ANSI colours (default false). */
  readonly color?: boolean;
  /** Columns of the arrow (default 60). */
  readonly arrowWidth?: number;
  /** Columns for wrapped text (default 100). */
  readonly width?: number;
  /** Leave out the sentences (default false). */
  readonly brief?: boolean;
}

/** Removes ANSI escapes (for tests and width computations). */
export function stripAnsi(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\u001b\[[0-9;]*m/g, '');
}

/** Wraps text at `width` columns, every line prefixed with `indent`. */
export function wrap(text: string, width: number, indent: string): string[] {
  const words = text.split(/\s+/).filter((w) => w !== '');
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    if (line !== '' && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(indent + line);
  return lines;
}

// ------------------------------------------------------------------ the ladder

const INDENT = '  ';
const TEXT_INDENT = '      ';

/**
 * Renders trace entries one at a time (so `--trace` can print as the handshake happens), keeping
 * what later lines depend on: whether a HelloRetryRequest came, whether the keys changed.
 */
export class LadderRenderer {
  private readonly style: Style;
  private readonly arrow: number;
  private readonly width: number;
  private readonly brief: boolean;
  private hrrSeen = false;
  /** TLS 1.2: the session-resumption state (the last ClientHello; whether the ServerHello resumed). */
  private readonly resumption = new Resumption12Tracker();
  private handshakeKeysShown = false;
  private applicationKeysShown = false;

  constructor(options: LadderOptions = {}) {
    this.style = options.color === true ? ANSI : PLAIN;
    this.arrow = options.arrowWidth ?? 60;
    this.width = options.width ?? 100;
    this.brief = options.brief ?? false;
  }

  /** The column titles. */
  header(): string {
    const s = this.style;
    const gap = Math.max(1, this.arrow - 'client'.length - 'server'.length);
    return `${INDENT}${s.bold(s.client('client'))}${' '.repeat(gap)}${s.bold(s.server('server'))}\n`;
  }

  private arrowLine(from: Side, label: string, protection: string, bad = false): string {
    const s = this.style;
    const dashes = '─'.repeat(Math.max(3, this.arrow - label.length - 2));
    const colour = bad ? s.bad : from === 'client' ? s.client : s.server;
    const prot = protection === '' ? '' : `  ${protection === '[plaintext]' ? s.plaintext(protection) : s.encrypted(protection)}`;
    if (from === 'client') return `${INDENT}${s.bold(colour(label))} ${colour(`${dashes}→`)}${prot}`;
    return `${INDENT}${colour(`←${dashes}`)} ${s.bold(colour(label))}${prot}`;
  }

  private body(e: Explanation): string[] {
    const s = this.style;
    const lines: string[] = [];
    if (e.summary !== '') lines.push(...wrap(e.summary, this.width, TEXT_INDENT));
    if (!this.brief) lines.push(...wrap(e.sentence, this.width, TEXT_INDENT).map((l) => s.dim(l)));
    return lines;
  }

  private milestone(text: string): string[] {
    const s = this.style;
    return wrap(text, this.width, `${INDENT}  `).map((l, i) => s.encrypted(s.dim(i === 0 ? `${INDENT}· ${l.slice(INDENT.length + 2)}` : l)));
  }

  /** The lines for one entry ('' for entries the ladder leaves out, such as handshake records). */
  entry(entry: TraceEntry): string {
    const lines: string[] = [];
    switch (entry.kind) {
      case 'handshake': {
        const hrr = messageName(entry.type, entry.message) === 'HelloRetryRequest';
        const abbreviated12 = this.resumption.see(entry);
        const e = explainHandshake(entry, { afterHelloRetryRequest: this.hrrSeen && entry.type === HandshakeType.client_hello, abbreviated12 });
        lines.push(this.arrowLine(entry.from, e.name, protectionLabel(entry.protection)), ...this.body(e));
        if (hrr) this.hrrSeen = true;
        lines.push(...this.afterMessage(entry, hrr));
        break;
      }
      case 'record': {
        // handshake and alert records are shown as their messages; the rest as records
        if (entry.innerType === ContentType.handshake || entry.innerType === ContentType.alert) return '';
        const e = explainRecord(entry);
        lines.push(this.arrowLine(entry.from, e.name, entry.innerType === ContentType.change_cipher_spec ? '[plaintext]' : protectionLabel(entry.protection)), ...this.body(e));
        break;
      }
      case 'alert': {
        const e = explainAlert(entry);
        lines.push(this.arrowLine(entry.from, e.name, '', e.name !== 'Alert close_notify'), ...this.body(e));
        break;
      }
      default:
        return '';
    }
    return `${lines.join('\n')}\n`;
  }

  private afterMessage(entry: TraceHandshake, hrr: boolean): string[] {
    if (entry.type === HandshakeType.server_hello && this.resumption.abbreviated && !this.handshakeKeysShown) {
      this.handshakeKeysShown = true;
      this.applicationKeysShown = true;
      return this.milestone(
        'key derivation (TLS 1.2, resumed session): no key exchange; master_secret ← the resumed session\'s (from the ticket or the server\'s session cache); key_block ← PRF(master_secret, "key expansion", server_random + client_random) with the two new randoms → new write keys and IVs. The server switches at its ChangeCipherSpec, next.',
      );
    }
    if (entry.type === HandshakeType.client_key_exchange && !this.handshakeKeysShown) {
      this.handshakeKeysShown = true;
      this.applicationKeysShown = true;
      return this.milestone(
        'key derivation (TLS 1.2): pre_master_secret ← ECDHE; master_secret ← PRF(pre_master_secret, "extended master secret", session_hash) (or "master secret" with the randoms); key_block ← PRF(master_secret, "key expansion", randoms) → write keys and IVs. Each side switches at its ChangeCipherSpec.',
      );
    }
    const tls12 = entry.type === HandshakeType.server_hello && 'extensions' in entry.message && Array.isArray(entry.message.extensions) && !entry.message.extensions.some((e: { type: number }) => e.type === 43);
    if (entry.type === HandshakeType.client_hello && entry.from === 'client' && hasExtension(entry.message, ExtensionType.early_data)) {
      return this.milestone(
        'key schedule (0-RTT): early_secret ← HKDF-Extract(0, PSK of the ticket); client_early_traffic_secret ← Derive-Secret(early_secret, "c e traffic", ClientHello). The client sends its early data under these keys now, without waiting for the server.',
      );
    }
    if (entry.type === HandshakeType.server_hello && !hrr && !this.handshakeKeysShown && !tls12) {
      this.handshakeKeysShown = true;
      const transcript = this.hrrSeen ? 'message_hash(ClientHello1), HelloRetryRequest, ClientHello2, ServerHello' : 'ClientHello…ServerHello';
      return this.milestone(
        `key schedule: handshake_secret ← (EC)DHE shared secret; client_/server_handshake_traffic_secret ← Derive-Secret(handshake_secret, transcript ${transcript}). Both sides switch to the handshake keys.`,
      );
    }
    if (entry.type === HandshakeType.finished && entry.from === 'server' && !this.applicationKeysShown) {
      this.applicationKeysShown = true;
      return this.milestone(
        'key schedule: master_secret; client_/server_application_traffic_secret_0 ← Derive-Secret(master_secret, transcript ClientHello…server Finished). The server may now send with the application keys; the client switches after its own Finished.',
      );
    }
    return [];
  }
}

/** Whether a decoded hello (any struct with an `extensions` list) carries extension `type`. */
function hasExtension(message: object, type: number): boolean {
  const exts = (message as { extensions?: unknown }).extensions;
  return Array.isArray(exts) && exts.some((e: { type?: unknown }) => e.type === type);
}

/** The whole ladder for a list of trace entries. */
export function renderLadder(entries: readonly TraceEntry[], options: LadderOptions = {}): string {
  const r = new LadderRenderer(options);
  return r.header() + entries.map((e) => r.entry(e)).join('');
}

// ------------------------------------------------------------------ negotiated parameters

/** What the summary shows; built from a Connection's `negotiated` with `summarizeNegotiated`. */
export interface NegotiatedSummary {
  readonly version: number | undefined;
  readonly cipherSuite: number | undefined;
  readonly group: number | undefined;
  /** The server's CertificateVerify scheme. */
  readonly signatureScheme: number | undefined;
  readonly alpn: string | undefined;
  readonly serverName: string | undefined;
  /** The server's chain (DER, leaf first). */
  readonly certificates: readonly Uint8Array[];
  readonly helloRetryRequest: boolean;
  /** record_size_limit the peer announced (what we may send), if any. */
  readonly peerRecordSizeLimit: number | undefined;
  /** Verification result of the server's chain, when the client checked it. */
  readonly verification?: string | undefined;
}

/** A summary from the `negotiated` of a Connection on `side`. */
export function summarizeNegotiated(neg: Negotiated, side: Side, verification?: string): NegotiatedSummary {
  return {
    version: neg.version === 0 ? undefined : neg.version,
    cipherSuite: neg.cipherSuite === 0 ? undefined : neg.cipherSuite,
    group: neg.group,
    signatureScheme: side === 'client' ? neg.peerSignatureScheme : neg.localSignatureScheme,
    alpn: neg.alpnProtocol,
    serverName: neg.serverName,
    certificates: side === 'client' ? neg.peerCertificates : neg.localCertificates,
    helloRetryRequest: neg.helloRetryRequest,
    peerRecordSizeLimit: neg.peerRecordSizeLimit,
    verification,
  };
}

/** Largest record body seen from each side, and counts. */
export function recordStats(entries: readonly TraceEntry[]): Record<Side, { records: number; bytes: number; largest: number }> {
  const out = { client: { records: 0, bytes: 0, largest: 0 }, server: { records: 0, bytes: 0, largest: 0 } };
  for (const e of entries) {
    if (e.kind !== 'record') continue;
    const s = out[e.from];
    s.records++;
    s.bytes += e.length + 5;
    s.largest = Math.max(s.largest, e.length);
  }
  return out;
}

function table(rows: readonly (readonly [string, string])[], style: Style): string {
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${INDENT}${style.bold(k.padEnd(w))}  ${v}\n`).join('');
}

/** The negotiated parameters as a table. `entries` (optional) adds record statistics. */
export function renderNegotiated(n: NegotiatedSummary, options: LadderOptions = {}, entries: readonly TraceEntry[] = []): string {
  const s = options.color === true ? ANSI : PLAIN;
  const none = '(none)';
  const leaf = n.certificates[0] === undefined ? undefined : tryParseCertificate(n.certificates[0]);
  const rows: [string, string][] = [
    ['version', n.version === undefined ? none : protocolVersionName(n.version)],
    ['cipher suite', n.cipherSuite === undefined ? none : cipherSuiteName(n.cipherSuite)],
    ['group', n.group === undefined ? none : namedGroupName(n.group)],
    ['signature scheme', n.signatureScheme === undefined ? none : signatureSchemeName(n.signatureScheme)],
    ['ALPN', n.alpn ?? none],
    ['SNI', n.serverName ?? none],
    [
      'certificate',
      leaf === undefined
        ? n.certificates.length === 0
          ? none
          : '(unparseable)'
        : `${shortName(leaf, 'subject')} (issuer ${shortName(leaf, 'issuer')}; chain of ${n.certificates.length})`,
    ],
  ];
  if (n.verification !== undefined) rows.push(['verification', n.verification]);
  rows.push(['HelloRetryRequest', n.helloRetryRequest ? 'yes (one extra round trip)' : 'no']);
  rows.push([
    'record sizes',
    n.peerRecordSizeLimit === undefined
      ? 'no record_size_limit: up to 16384 bytes of plaintext per record'
      : `record_size_limit ${n.peerRecordSizeLimit} (at most ${Math.min(16384, n.peerRecordSizeLimit - 1)} bytes of plaintext per record sent)`,
  ]);
  if (entries.length > 0) {
    const st = recordStats(entries);
    rows.push([
      'records',
      `client sent ${st.client.records} (${st.client.bytes} bytes, largest ${st.client.largest}); ` +
        `server sent ${st.server.records} (${st.server.bytes} bytes, largest ${st.server.largest})`,
    ]);
  }
  return `${s.heading('Negotiated parameters')}\n${table(rows, s)}`;
}

/** The key schedule, step by step, without any secret value. */
export function renderKeySchedule(info: KeyScheduleInfo, options: LadderOptions = {}): string {
  const s = options.color === true ? ANSI : PLAIN;
  const width = options.width ?? 100;
  const tls12 = info.cipherSuite !== undefined && tls12Suite(info.cipherSuite) !== undefined;
  const lines = [
    s.heading(tls12 ? 'Key derivation (TLS 1.2 PRF, RFC 5246 §5, §6.3, §8.1)' : 'Key schedule (RFC 8446 §7.1)'),
    ...wrap('Secret values are never printed; `--keylog FILE` writes them in the NSS key log format for Wireshark.', width, INDENT).map((l) => s.dim(l)),
  ];
  keyScheduleSteps(info).forEach((step, i) => {
    lines.push(`${INDENT}${String(i + 1).padStart(2)}. ${s.bold(step.secret)} = ${step.derivation}`);
    if (step.transcript !== '') lines.push(`${INDENT}    transcript: ${step.transcript}`);
    lines.push(...wrap(step.sentence + (step.keylogLabel === undefined ? '' : ` (key log: ${step.keylogLabel})`), width, `${INDENT}    `).map((l) => s.dim(l)));
  });
  if (!tls12) lines.push(
    ...wrap(
      'Each traffic secret gives a key and an IV (HKDF-Expand-Label(secret, "key"/"iv", "", length)); Finished uses finished_key = HKDF-Expand-Label(handshake traffic secret, "finished", "", Hash.length).',
      width,
      INDENT,
    ).map((l) => s.dim(l)),
  );
  return `${lines.join('\n')}\n`;
}
