/**
 * `tlskit serve`'s session options: where tickets' keys come from, whether TLS 1.3 tickets are
 * stateless or single-use, and which store holds the shared state — enough to run several
 * `tlskit serve` processes as one fleet behind a load balancer:
 *
 *   tlskit serve --port 8443 --redis 127.0.0.1:6379 --ticket-secret /etc/tlskit/ticket.secret --stateful-tickets
 *   tlskit serve --port 8444 --redis 127.0.0.1:6379 --ticket-secret /etc/tlskit/ticket.secret --stateful-tickets
 */
import { readFileSync, statSync } from 'node:fs';
import type { CryptoProvider } from '../crypto/provider.js';
import { createServerSessions, type ServerSessionsConfig } from '../session/fleet.js';
import { RedisStore } from '../session/redis-store.js';
import type { ServerSessions } from '../session/server-sessions.js';
import type { SessionStore } from '../session/store.js';
import { DEFAULT_ROTATION_PERIOD_MS, MIN_TICKET_SECRET_LENGTH } from '../session/ticket-keys.js';
import { UsageError } from './names.js';

export const SESSION_OPTIONS_HELP = `Sessions (resumption) and a fleet of servers:
  --no-tickets     send no session tickets: no TLS 1.3 NewSessionTickets (default: 2 per
                   handshake) and no TLS 1.2 tickets (RFC 5077); TLS 1.2 clients then resume by
                   session ID (RFC 5246 §7.4.1.2, cached 300 s in the store), as do TLS 1.2
                   clients that ask for no ticket
  --ticket-secret HEX|FILE  derive the ticket keys from this secret (≥ 32 bytes: 64+ hex digits,
                   or a file holding them or the raw bytes); every server given the same secret
                   and --ticket-rotation seals and opens the same tickets and rotates in lockstep
                   (default: random per-process keys). Prefer a FILE: a command line is visible
  --ticket-rotation SECONDS  how long one ticket key seals (default 3600)
  --ticket-key-lifetime SECONDS  how long a key still opens tickets, from when it started sealing
                   (default 3 × --ticket-rotation; choose ≥ rotation + --ticket-lifetime)
  --ticket-lifetime SECONDS  ticket_lifetime told to clients (default 7200)
  --stateful-tickets  TLS 1.3 tickets are random handles to state kept in the store and deleted
                   on first use (single use across the fleet, RFC 8446 §8.1); default: stateless
                   tickets sealed with the ticket keys (reusable, no store needed)
  --redis HOST:PORT|redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]  keep stateful tickets, the TLS
                   1.2 session-ID cache and 0-RTT anti-replay records in this Redis, shared by
                   the fleet (default: in this process's memory). If Redis is unreachable or
                   lost, the server keeps running with full handshakes where it needs the store
                   (fail closed) and reconnects by itself. Password also from TLSKIT_REDIS_PASSWORD
  --redis-prefix PREFIX  prefix of every Redis key (default tlskit:)
  --early-data-window SECONDS  with --early-data-stateless: the RFC 8446 §8.3 freshness window
                   (default 10); accepted ClientHellos are recorded for 2 × it, and 0-RTT is
                   refused for 2 × it after the store (re)connects (§8.2)
`;

/** The parseArgs options this module reads. */
export const SESSION_OPTIONS = {
  'no-tickets': { type: 'boolean', default: false },
  'ticket-secret': { type: 'string' },
  'ticket-rotation': { type: 'string' },
  'ticket-key-lifetime': { type: 'string' },
  'ticket-lifetime': { type: 'string' },
  'stateful-tickets': { type: 'boolean', default: false },
  redis: { type: 'string' },
  'redis-prefix': { type: 'string' },
  'early-data-window': { type: 'string' },
} as const;

export interface SessionOptionValues {
  readonly 'no-tickets'?: boolean | undefined;
  readonly 'ticket-secret'?: string | undefined;
  readonly 'ticket-rotation'?: string | undefined;
  readonly 'ticket-key-lifetime'?: string | undefined;
  readonly 'ticket-lifetime'?: string | undefined;
  readonly 'stateful-tickets'?: boolean | undefined;
  readonly redis?: string | undefined;
  readonly 'redis-prefix'?: string | undefined;
  readonly 'early-data-window'?: string | undefined;
}

export interface ServeSessions {
  /** The session layer (also with --no-tickets: it holds the store, e.g. for a TLS 1.2 session cache). */
  readonly sessions: ServerSessions;
  /** false with --no-tickets: send no tickets. */
  readonly tickets: boolean;
  /** One line for stdout describing the setup (no secrets). */
  readonly summary: string;
  /** Connects the store now (a failure is logged, not fatal: the server runs fail-closed). */
  start(): Promise<void>;
  close(): Promise<void>;
}

export interface RedisAddress {
  readonly host: string;
  readonly port: number;
  readonly username?: string;
  readonly password?: string;
  readonly db?: number;
}

/** `HOST:PORT`, `[V6]:PORT`, `PORT` or `redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]`. */
export function parseRedisAddress(value: string): RedisAddress {
  const bad = (why: string): never => {
    throw new UsageError(`invalid --redis ${value.includes('@') ? '(address with credentials)' : value}: ${why}`);
  };
  const portOf = (s: string): number => {
    const n = Number(s);
    return /^\d+$/.test(s) && n >= 1 && n <= 65535 ? n : bad('the port must be 1..65535');
  };
  if (value.startsWith('redis://')) {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return bad('not a URL');
    }
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    if (host === '') bad('no host');
    const path = url.pathname.replace(/^\//, '');
    if (path !== '' && !/^\d{1,5}$/.test(path)) bad('the path must be a database number');
    return {
      host,
      port: url.port === '' ? 6379 : portOf(url.port),
      ...(url.username !== '' ? { username: decodeURIComponent(url.username) } : {}),
      ...(url.password !== '' ? { password: decodeURIComponent(url.password) } : {}),
      ...(path !== '' ? { db: Number(path) } : {}),
    };
  }
  if (/^\d+$/.test(value)) return { host: '127.0.0.1', port: portOf(value) };
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(value) ?? /^([^:]+):(\d+)$/.exec(value);
  if (m === null) return bad('expected HOST:PORT or redis://HOST:PORT');
  return { host: m[1]!, port: portOf(m[2]!) };
}

/** --ticket-secret: hex on the command line, or a file holding hex or the raw bytes. */
export function readTicketSecret(value: string, warn: (line: string) => void): Uint8Array {
  const hex = (s: string): Uint8Array | undefined =>
    /^(?:[0-9a-fA-F]{2})+$/.test(s) && s.length >= 2 * MIN_TICKET_SECRET_LENGTH ? new Uint8Array(Buffer.from(s, 'hex')) : undefined;
  const inline = hex(value);
  if (inline !== undefined) return inline;
  let bytes: Buffer;
  try {
    bytes = readFileSync(value);
    if ((statSync(value).mode & 0o077) !== 0) warn(`warning: --ticket-secret ${value} is readable by other users (chmod 600 it)`);
  } catch (e) {
    throw new UsageError(
      `--ticket-secret must be at least ${2 * MIN_TICKET_SECRET_LENGTH} hex digits or a readable file (${e instanceof Error ? e.message : String(e)})`,
    );
  }
  const fromHex = hex(bytes.toString('latin1').trim());
  const secret = fromHex ?? new Uint8Array(bytes);
  if (secret.length < MIN_TICKET_SECRET_LENGTH) throw new UsageError(`--ticket-secret ${value} holds fewer than ${MIN_TICKET_SECRET_LENGTH} bytes`);
  return secret;
}

function seconds(value: string | undefined, name: string, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !Number.isFinite(n) || n <= 0 || n > max) throw new UsageError(`invalid --${name} ${value} (seconds, 0 < n ≤ ${max})`);
  return n;
}

/**
 * The session layer of `tlskit serve` from its options. `extra` carries what other parts of serve
 * decide (0-RTT: max_early_data_size, the freshness window, and single-use tickets if it wants
 * them whatever --stateful-tickets says). `log` writes one line to stderr.
 */
export function serveSessions(
  provider: CryptoProvider,
  values: SessionOptionValues,
  log: (line: string) => void,
  extra: Pick<ServerSessionsConfig, 'maxEarlyDataSize' | 'earlyDataWindowMs' | 'statefulTickets'> = {},
): ServeSessions {
  const rotation = seconds(values['ticket-rotation'], 'ticket-rotation', 30 * 86400);
  const keyLifetime = seconds(values['ticket-key-lifetime'], 'ticket-key-lifetime', 90 * 86400);
  const ticketLifetime = seconds(values['ticket-lifetime'], 'ticket-lifetime', 604800);
  if (ticketLifetime !== undefined && !Number.isInteger(ticketLifetime)) throw new UsageError('--ticket-lifetime must be a whole number of seconds');
  if (rotation !== undefined && rotation < 1) throw new UsageError('--ticket-rotation must be at least 1 second');
  if (keyLifetime !== undefined && keyLifetime < (rotation ?? DEFAULT_ROTATION_PERIOD_MS / 1000)) throw new UsageError('--ticket-key-lifetime must be ≥ --ticket-rotation (default 3600)');
  const window = seconds(values['early-data-window'], 'early-data-window', 600);
  const secret = values['ticket-secret'] === undefined ? undefined : readTicketSecret(values['ticket-secret'], log);

  let store: SessionStore | undefined;
  let redis: RedisStore | undefined;
  let where = 'memory';
  if (values.redis !== undefined) {
    const a = parseRedisAddress(values.redis);
    const password = a.password ?? process.env.TLSKIT_REDIS_PASSWORD;
    const name = `${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`;
    let up: boolean | undefined;
    redis = new RedisStore({
      host: a.host,
      port: a.port,
      ...(a.username !== undefined ? { username: a.username } : {}),
      ...(password !== undefined && password !== '' ? { password } : {}),
      ...(a.db !== undefined ? { db: a.db } : {}),
      ...(values['redis-prefix'] !== undefined ? { prefix: values['redis-prefix'] } : {}),
      // one line per change of state, not per reconnection attempt
      onConnect: () => {
        if (up !== true) log(`redis ${name}: connected`);
        up = true;
      },
      onError: (e) => {
        if (up !== false) log(`redis ${name}: unavailable (${e.message.replace(/^redis: /, '')}); stateful tickets, the session cache and 0-RTT fall back to full handshakes until it is back`);
        up = false;
      },
    });
    store = redis;
    where = `redis ${name}${values['redis-prefix'] !== undefined ? ` (prefix ${values['redis-prefix']})` : ''}`;
  }

  const stateful = extra.statefulTickets ?? values['stateful-tickets'] === true;
  const { sessions, keys } = createServerSessions({
    provider,
    store,
    ticketSecret: secret,
    ticketRotationMs: rotation === undefined ? undefined : Math.round(rotation * 1000),
    ticketKeyLifetimeMs: keyLifetime === undefined ? undefined : Math.round(keyLifetime * 1000),
    ticketLifetimeS: ticketLifetime,
    maxEarlyDataSize: extra.maxEarlyDataSize,
    earlyDataWindowMs: extra.earlyDataWindowMs ?? (window === undefined ? undefined : Math.round(window * 1000)),
    statefulTickets: stateful,
  });
  const tickets = values['no-tickets'] !== true;
  const kind = !tickets ? `no tickets (store: ${where})` : stateful ? `stateful single-use TLS 1.3 tickets in ${where}` : `stateless TLS 1.3 tickets (store: ${where})`;
  const keySource = secret === undefined ? 'random per-process ticket keys' : 'ticket keys derived from the shared secret';
  const early = extra.maxEarlyDataSize ?? 0;
  const windowS = (extra.earlyDataWindowMs ?? (window === undefined ? 10_000 : Math.round(window * 1000))) / 1000;
  const zeroRtt =
    !tickets || early === 0 ? '' : `; 0-RTT up to ${early} bytes, ${stateful ? 'replays refused by single-use tickets' : `replays refused by ClientHello records (freshness window ${windowS} s)`}`;
  const summary = `sessions: ${kind}; ${keySource}, rotating every ${keys.rotationPeriodMs / 1000} s, opening for ${keys.lifetimeMs / 1000} s${zeroRtt}`;
  return {
    sessions,
    tickets,
    summary,
    start: async () => {
      // A Redis that is not there yet is not fatal: commands fail closed and the client reconnects.
      await redis?.connect().catch(() => undefined);
    },
    close: () => sessions.store.close(),
  };
}
