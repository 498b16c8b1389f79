/**
 * Session ticket keys with rotation (RFC 5077 §4, RFC 8446 §4.6.1).
 *
 * A ticket key is a 16-byte public `key_name` (it travels in clear at the start of every ticket so
 * the server can find the key, RFC 5077 §4) and 32 bytes of AES-256-GCM key material. At any time
 * one key *seals* (the current key); keys that sealed recently still *open* until they expire.
 *
 *   time ───────────────────────────────────────────────────────────────▶
 *   key 1 │■■■■ seals ■■■■│──── opens ────│ expired
 *   key 2                 │■■■■ seals ■■■■│──── opens ────│ expired
 *          ◀ rotationPeriodMs ▶◀ lifetimeMs − rotationPeriodMs ▶
 *
 * Three modes:
 * - `random` (default): a fresh random key every `rotationPeriodMs` (per process: tickets do not
 *   survive a restart and are not shared with other processes).
 * - `derived` (`secret`): a fleet shares one secret; the key of epoch `e = floor(now / period)` is
 *   HKDF(secret, "tlskit ticket key v1" || e). Every server with the same secret and a roughly
 *   right clock computes the same current key and opens its neighbours' tickets, with no
 *   coordination and no store round trip (see README.md, "Sharing keys across a fleet").
 * - `static` (`ticketKeys` / `setTicketKeys()`): node:tls semantics, one 48-byte key set by the
 *   application, no automatic rotation; the key it replaces keeps opening for the grace period.
 *
 * The 48-byte node:tls form (`getTicketKeys()` / `setTicketKeys()`): node uses it as 16 bytes of
 * key name, 16 of HMAC key and 16 of AES-128 key. tlskit reads the same 48 bytes as 16 bytes of
 * key name and 32 bytes of AES-256-GCM key. Buffers are interchangeable with node's API (any 48
 * random bytes work); tickets are not interchangeable with node's (different construction).
 */
import type { AeadKey, CryptoProvider } from '../crypto/provider.js';
import { ErrorCode, TlsError } from '../errors.js';
import { hkdf } from '../keyschedule/hkdf.js';
import { concat, equalBytes, toHex, utf8 } from '../wire/bytes.js';

/** RFC 5077 §4: `opaque key_name[16]`. */
export const TICKET_KEY_NAME_LENGTH = 16;
/** AES-256-GCM key material. */
export const TICKET_KEY_MATERIAL_LENGTH = 32;
/** node:tls `ticketKeys`: 48 bytes. */
export const TICKET_KEYS_LENGTH = TICKET_KEY_NAME_LENGTH + TICKET_KEY_MATERIAL_LENGTH;
/** The shared secret of `derived` mode: at least 32 bytes of entropy. */
export const MIN_TICKET_SECRET_LENGTH = 32;

export const DEFAULT_ROTATION_PERIOD_MS = 60 * 60 * 1000;
export const DEFAULT_KEY_LIFETIME_MS = 3 * 60 * 60 * 1000;

export type TicketKeyMode = 'random' | 'derived' | 'static';

/** One ticket key. `aead` is bound to the key material; the material itself is not exposed. */
export interface TicketKey {
  /** Public: written in clear at the start of each ticket. */
  readonly name: Uint8Array;
  readonly aead: AeadKey;
  /** When the key started sealing (ms since the epoch). */
  readonly createdAt: number;
  /** Seals before this instant. */
  readonly sealUntil: number;
  /** Opens before this instant. */
  readonly openUntil: number;
}

export interface TicketKeyringOptions {
  readonly provider: CryptoProvider;
  /** How long a key seals. Default 1 hour. */
  readonly rotationPeriodMs?: number;
  /**
   * How long a key opens, counted from when it started sealing; at least `rotationPeriodMs`.
   * Set it to at least `rotationPeriodMs` + the longest ticket lifetime you issue, or the last
   * tickets of a key expire early (they then simply resume no more: a full handshake).
   * Default 3 hours.
   */
  readonly lifetimeMs?: number;
  /** `derived` mode: the secret shared by every server of a fleet (≥ 32 bytes). */
  readonly secret?: Uint8Array;
  /** `static` mode: a node:tls-style 48-byte key (name || key material). */
  readonly ticketKeys?: Uint8Array;
  /** The clock (ms since the epoch); injectable for tests. */
  readonly now?: () => number;
}

interface KeyEntry extends TicketKey {
  readonly material: Uint8Array;
  /** derived mode: the epoch number. */
  readonly epoch: number;
}

/** Up to this many keys, `find` compares names instead of looking up their hex. */
const LINEAR_LOOKUP_MAX = 8;

const DERIVE_SALT = utf8('tlskit ticket keys');
const DERIVE_INFO = utf8('tlskit ticket key v1');

/**
 * The set of ticket keys of one server (or, in `derived` mode, of a fleet). Synchronous: the
 * handshake can seal and open without awaiting anything.
 *
 * @example
 * const keys = new TicketKeyring({ provider, secret: fleetSecret });
 * const k = keys.current();            // seals
 * const same = keys.find(k.name);      // opens (any non-expired key)
 */
export class TicketKeyring {
  private modeValue: TicketKeyMode;
  private readonly provider: CryptoProvider;
  private readonly period: number;
  private readonly lifetime: number;
  private readonly now: () => number;
  private readonly prk: Uint8Array | undefined;
  /** Keys by hex(name). */
  private readonly byName = new Map<string, KeyEntry>();
  private currentKey: KeyEntry | undefined;
  private derivedUpTo = Number.NaN;

  constructor(options: TicketKeyringOptions) {
    this.provider = options.provider;
    this.period = options.rotationPeriodMs ?? DEFAULT_ROTATION_PERIOD_MS;
    this.lifetime = options.lifetimeMs ?? Math.max(DEFAULT_KEY_LIFETIME_MS, this.period);
    this.now = options.now ?? Date.now;
    if (!Number.isSafeInteger(this.period) || this.period < 1000) {
      throw new TlsError(ErrorCode.ERR_TLS_INVALID_OPTION, 'ticket keys: rotationPeriodMs must be an integer ≥ 1000');
    }
    if (!Number.isSafeInteger(this.lifetime) || this.lifetime < this.period) {
      throw new TlsError(ErrorCode.ERR_TLS_INVALID_OPTION, 'ticket keys: lifetimeMs must be an integer ≥ rotationPeriodMs');
    }
    if (options.secret !== undefined && options.ticketKeys !== undefined) {
      throw new TlsError(ErrorCode.ERR_TLS_INVALID_OPTION, 'ticket keys: give either secret or ticketKeys, not both');
    }
    if (options.secret !== undefined) {
      if (options.secret.length < MIN_TICKET_SECRET_LENGTH) {
        throw new TlsError(ErrorCode.ERR_TLS_INVALID_OPTION, `ticket keys: the shared secret must be at least ${MIN_TICKET_SECRET_LENGTH} bytes`);
      }
      this.modeValue = 'derived';
      this.prk = hkdf(this.provider, 'sha256').extract(DERIVE_SALT, options.secret);
    } else {
      this.modeValue = 'random';
      this.prk = undefined;
    }
    if (options.ticketKeys !== undefined) this.setTicketKeys(options.ticketKeys);
  }

  get mode(): TicketKeyMode {
    return this.modeValue;
  }

  get rotationPeriodMs(): number {
    return this.period;
  }

  get lifetimeMs(): number {
    return this.lifetime;
  }

  /** The key that seals now (rotating first when its period is over). */
  current(): TicketKey {
    return this.currentEntry(this.now());
  }

  /**
   * The key named `name` if it may still open tickets, else undefined. Key names are public
   * (they are in clear in every ticket), so the lookup need not be constant-time.
   */
  find(name: Uint8Array): TicketKey | undefined {
    if (name.length !== TICKET_KEY_NAME_LENGTH) return undefined;
    const now = this.now();
    this.currentEntry(now); // rotates and prunes
    if (this.modeValue === 'derived') this.deriveOpeningKeys(now);
    let entry: KeyEntry | undefined;
    if (this.byName.size <= LINEAR_LOOKUP_MAX) {
      // usually a few keys (the current one and those in their grace period): comparing names
      // costs less than hex-encoding the name for the map lookup, once per resumption
      for (const e of this.byName.values()) {
        if (equalBytes(e.name, name)) {
          entry = e;
          break;
        }
      }
    } else {
      entry = this.byName.get(toHex(name));
    }
    if (entry === undefined || now >= entry.openUntil) return undefined;
    return entry;
  }

  /** Every key that still opens, the current one first (for diagnostics and tests). */
  keys(): readonly TicketKey[] {
    const now = this.now();
    const cur = this.currentEntry(now);
    return [cur, ...[...this.byName.values()].filter((k) => k !== cur && now < k.openUntil)];
  }

  /**
   * node:tls `getTicketKeys()`: the current key as 48 bytes (16 name || 32 key material). Secret:
   * whoever holds it can open and forge tickets.
   */
  getTicketKeys(): Uint8Array {
    const k = this.currentEntry(this.now());
    return concat(k.name, k.material);
  }

  /**
   * node:tls `setTicketKeys()`: from now on `keys` (48 bytes) seals, with no automatic rotation
   * (`static` mode). The key it replaces still opens for `lifetimeMs − rotationPeriodMs`, so a
   * fleet can roll a new key out without breaking tickets in flight.
   */
  setTicketKeys(keys: Uint8Array): void {
    if (keys.length !== TICKET_KEYS_LENGTH) {
      throw new TlsError(ErrorCode.ERR_TLS_INVALID_OPTION, `ticketKeys must be exactly ${TICKET_KEYS_LENGTH} bytes`);
    }
    const now = this.now();
    this.retireCurrent(now);
    this.modeValue = 'static';
    const entry = this.makeEntry(keys.slice(0, TICKET_KEY_NAME_LENGTH), keys.slice(TICKET_KEY_NAME_LENGTH), now, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, -1);
    this.install(entry);
    this.currentKey = entry;
  }

  /**
   * `random` and `static` modes: start sealing with a fresh random key now (the old one keeps
   * opening for its grace period; `static` mode becomes `random`). `derived` mode: no effect, the
   * epoch clock decides.
   */
  rotate(): void {
    if (this.modeValue === 'derived') return;
    const now = this.now();
    this.retireCurrent(now);
    this.modeValue = 'random';
    this.currentKey = this.randomEntry(now);
  }

  private currentEntry(now: number): KeyEntry {
    this.prune(now);
    let cur = this.currentKey;
    if (this.modeValue === 'derived') {
      const epoch = Math.floor(now / this.period);
      if (cur === undefined || cur.epoch !== epoch) cur = this.derivedEntry(epoch);
    } else if (cur === undefined || now >= cur.sealUntil) {
      cur = this.randomEntry(now);
    }
    this.currentKey = cur;
    return cur;
  }

  /**
   * derived mode: every epoch key that may still open — including epochs before this process
   * started (its neighbours sealed with them) and the next epoch, to tolerate clock skew inside
   * the fleet (a server slightly ahead already seals with it; only holders of the secret can).
   */
  private deriveOpeningKeys(now: number): void {
    const epoch = Math.floor(now / this.period);
    if (this.derivedUpTo === epoch) return;
    const oldest = Math.floor((now - this.lifetime) / this.period);
    for (let e = Math.max(oldest, epoch - 1000); e <= epoch + 1; e++) {
      if ((e + 1) * this.period + (this.lifetime - this.period) > now) this.derivedEntry(e);
    }
    this.derivedUpTo = epoch;
  }

  private randomEntry(now: number): KeyEntry {
    const bytes = this.provider.randomBytes(TICKET_KEYS_LENGTH);
    const entry = this.makeEntry(bytes.slice(0, TICKET_KEY_NAME_LENGTH), bytes.slice(TICKET_KEY_NAME_LENGTH), now, now + this.period, now + this.lifetime, -1);
    this.install(entry);
    return entry;
  }

  /** Key of epoch `e`: HKDF-Expand(PRK, "tlskit ticket key v1" || uint64 e, 48) = name || material. */
  private derivedEntry(epoch: number): KeyEntry {
    for (const e of this.byName.values()) if (e.epoch === epoch) return e;
    const info = new Uint8Array(DERIVE_INFO.length + 8);
    info.set(DERIVE_INFO, 0);
    new DataView(info.buffer).setBigUint64(DERIVE_INFO.length, BigInt(epoch));
    const okm = hkdf(this.provider, 'sha256').expand(this.prk!, info, TICKET_KEYS_LENGTH);
    const start = epoch * this.period;
    const entry = this.makeEntry(okm.slice(0, TICKET_KEY_NAME_LENGTH), okm.slice(TICKET_KEY_NAME_LENGTH), start, start + this.period, start + this.lifetime, epoch);
    this.install(entry);
    return entry;
  }

  private makeEntry(name: Uint8Array, material: Uint8Array, createdAt: number, sealUntil: number, openUntil: number, epoch: number): KeyEntry {
    return { name, material, aead: this.provider.aead('aes-256-gcm', material), createdAt, sealUntil, openUntil, epoch };
  }

  private install(entry: KeyEntry): void {
    this.byName.set(toHex(entry.name), entry);
  }

  /** The current key stops sealing now and opens for the grace period. */
  private retireCurrent(now: number): void {
    const cur = this.currentKey;
    if (cur === undefined) return;
    const grace = this.lifetime - this.period;
    this.install({ ...cur, sealUntil: Math.min(cur.sealUntil, now), openUntil: Math.min(cur.openUntil, now + grace) });
    this.currentKey = undefined;
  }

  private prune(now: number): void {
    for (const [hex, e] of this.byName) {
      // derived mode keeps the next epoch's key (derived early for clock skew) until it is due.
      if (now >= e.openUntil) this.byName.delete(hex);
    }
  }
}
