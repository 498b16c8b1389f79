/**
 * Session state and its sealing into tickets.
 *
 * 1. `encodeSessionState` / `decodeSessionState`: a strict, versioned codec for what a server
 *    needs to resume a session (RFC 5077 §4 `StatePlaintext`, extended for TLS 1.3 with the
 *    resumption PSK and the RFC 8446 §4.6.1 ticket parameters).
 * 2. `sealTicket` / `openTicket`: AES-256-GCM under a named ticket key (RFC 5077 §4 structure
 *    with an AEAD instead of CBC + HMAC):
 *
 *    ```
 *    struct {
 *        opaque key_name[16];          // which TicketKey; in clear
 *        opaque nonce[12];             // random per ticket
 *        opaque encrypted_state<..>;   // AES-256-GCM(key, nonce, aad, state) incl. the 16-byte tag
 *    } ticket;                          // aad = key_name || purpose || format
 *    ```
 *
 *    `purpose` binds a sealed blob to its use: a TLS 1.3 ticket, a TLS 1.2 ticket, or a value
 *    kept in a session store, so a blob of one kind never opens as another (e.g. a stateful
 *    store value replayed as a stateless ticket to dodge single use).
 *
 * A ticket that fails to open for any reason (too short or long, unknown or expired key,
 * authentication failure, bad plaintext, past its lifetime) is simply unknown: `null`, never an
 * exception and never an alert; the server falls back to a full handshake (RFC 5077 §3.4,
 * RFC 8446 §4.2.11). The failure paths run the same AEAD work (a dummy open for an unknown key),
 * so timing does not tell which check failed.
 */
import { AEAD_NONCE_LENGTH, AEAD_TAG_LENGTH, type AeadKey, type CryptoProvider } from '../crypto/provider.js';
import { decodeError, ErrorCode, TlsError } from '../errors.js';
import { MASTER_SECRET_LENGTH } from '../keyschedule/prf12.js';
import { utf8 } from '../wire/bytes.js';
import { Reader, readOptionalUtf8 } from '../wire/reader.js';
import { Writer } from '../wire/writer.js';
import { TICKET_KEY_NAME_LENGTH, type TicketKeyring } from './ticket-keys.js';

/** The codec version: the first byte of every encoded state. Bump on any layout change. */
export const SESSION_STATE_FORMAT = 1;
/** RFC 8446 §4.6.1 / RFC 5077 §3.3: `opaque ticket<1..2^16-1>`. */
export const MAX_TICKET_LENGTH = 0xffff;
/** Bytes a ticket adds around the state: key_name, nonce, tag. */
export const TICKET_OVERHEAD = TICKET_KEY_NAME_LENGTH + AEAD_NONCE_LENGTH + AEAD_TAG_LENGTH;
/** The longest encoded state (so that the ticket fits its 16-bit length). */
export const MAX_SESSION_STATE_LENGTH = MAX_TICKET_LENGTH - TICKET_OVERHEAD;
/** At most this many certificates of a peer chain are kept in a session. */
export const MAX_PEER_CERTIFICATES = 10;
/** RFC 8446 §4.6.1: ticket_lifetime ≤ 604800 s (7 days). */
export const MAX_SESSION_LIFETIME_S = 604800;

/** What a blob is sealed for (part of the AAD). */
export const TicketPurpose = {
  tls13Ticket: 0x13,
  tls12Ticket: 0x12,
  storeValue: 0x01,
} as const;
export type TicketPurpose = (typeof TicketPurpose)[keyof typeof TicketPurpose];

/**
 * The peer's identity kept across resumption (RFC 8446 §4.6.1 / §2.2: a resumed session keeps the
 * original peer identity; RFC 5077 §4 `ClientIdentity`): nothing (no client certificate), the
 * chain itself (so `getPeerCertificate()` works after resumption), or a SHA-256 of it (when the
 * chain is too big to carry; the application can then only compare).
 */
export type PeerIdentity =
  | { readonly kind: 'none' }
  | { readonly kind: 'certificates'; readonly chain: readonly Uint8Array[]; readonly verified?: boolean }
  | { readonly kind: 'digest'; readonly sha256: Uint8Array; readonly verified?: boolean };

interface SessionCommon {
  readonly cipherSuite: number;
  /** When the server issued it (ms since the epoch, server clock). */
  readonly issuedAt: number;
  /** Lifetime in seconds (≤ 604800). */
  readonly lifetime: number;
  /** The SNI of the original handshake (RFC 8446 §4.2.11 / RFC 6066 §3 consistency checks). */
  readonly serverName: string | undefined;
  /** The ALPN protocol of the original handshake (RFC 8446 §4.2.10: 0-RTT must use the same). */
  readonly alpn: string | undefined;
  readonly peer: PeerIdentity;
}

/** TLS 1.3 resumption state (RFC 8446 §4.6.1). */
export interface SessionState13 extends SessionCommon {
  readonly version: 0x0304;
  /** HKDF-Expand-Label(resumption_master_secret, "resumption", ticket_nonce, Hash.length). */
  readonly psk: Uint8Array;
  readonly ticketAgeAdd: number;
  /** RFC 8446 §4.2.10: 0 = no early data with this ticket. */
  readonly maxEarlyDataSize: number;
  /** RFC 8446 §8.3: estimated RTT, added to issuedAt for the adjusted creation time (ms). */
  readonly rttMs: number;
}

/** TLS 1.2 resumption state (RFC 5077 §4 StatePlaintext, RFC 7627 §5.3 EMS flag). */
export interface SessionState12 extends SessionCommon {
  readonly version: 0x0303;
  readonly masterSecret: Uint8Array;
  readonly extendedMasterSecret: boolean;
}

export type SessionState = SessionState13 | SessionState12;

const PEER_NONE = 0;
const PEER_CERTIFICATES = 1;
const PEER_DIGEST = 2;
/**
 * Set in the peer kind byte when the chain was verified in the original handshake (the resumed
 * connection inherits the verdict, as node's `authorized`). States written without it read as
 * unverified.
 */
const PEER_VERIFIED = 0x80;

/** Encodes a session state (throws TlsError ERR_TLS_LIMIT_EXCEEDED / INVALID_OPTION when it cannot be represented). */
export function encodeSessionState(s: SessionState): Uint8Array {
  const invalid = (what: string): TlsError => new TlsError(ErrorCode.ERR_TLS_INVALID_OPTION, `session state: ${what}`);
  if (!Number.isSafeInteger(s.issuedAt) || s.issuedAt < 0) throw invalid('issuedAt');
  if (!Number.isInteger(s.lifetime) || s.lifetime < 0 || s.lifetime > MAX_SESSION_LIFETIME_S) throw invalid('lifetime (RFC 8446 §4.6.1)');
  const w = new Writer(256);
  w.u8(SESSION_STATE_FORMAT);
  w.u16(s.version);
  w.u16(s.cipherSuite);
  writeU64(w, s.issuedAt);
  w.u32(s.lifetime);
  writeString8(w, s.serverName, 'serverName');
  writeString8(w, s.alpn, 'alpn');
  const peer = s.peer;
  switch (peer.kind) {
    case 'none':
      w.u8(PEER_NONE);
      break;
    case 'certificates':
      if (peer.chain.length < 1 || peer.chain.length > MAX_PEER_CERTIFICATES) throw invalid('peer chain length');
      w.u8(PEER_CERTIFICATES | (peer.verified === true ? PEER_VERIFIED : 0));
      w.u8(peer.chain.length);
      for (const c of peer.chain) {
        if (c.length < 1 || c.length > 0xffff) throw invalid('peer certificate size');
        w.opaque16(c);
      }
      break;
    case 'digest':
      if (peer.sha256.length !== 32) throw invalid('peer digest');
      w.u8(PEER_DIGEST | (peer.verified === true ? PEER_VERIFIED : 0));
      w.bytes(peer.sha256);
      break;
  }
  if (s.version === 0x0304) {
    if (s.psk.length !== 32 && s.psk.length !== 48) throw invalid('psk length');
    w.opaque8(s.psk);
    w.u32(s.ticketAgeAdd >>> 0);
    w.u32(s.maxEarlyDataSize >>> 0);
    w.u32(Math.min(Math.max(0, Math.floor(s.rttMs)), 0xffffffff));
  } else {
    if (s.masterSecret.length !== MASTER_SECRET_LENGTH) throw invalid('master secret length');
    w.bytes(s.masterSecret);
    w.u8(s.extendedMasterSecret ? 1 : 0);
  }
  const out = w.finish();
  if (out.length > MAX_SESSION_STATE_LENGTH) {
    throw new TlsError(ErrorCode.ERR_TLS_LIMIT_EXCEEDED, `session state of ${out.length} bytes does not fit a ticket`);
  }
  return out;
}

/** Decodes a session state strictly: unknown format, bad lengths or trailing bytes are decode_error. */
export function decodeSessionState(bytes: Uint8Array): SessionState {
  if (bytes.length > MAX_SESSION_STATE_LENGTH) throw decodeError('session state too long', 'SessionState');
  const r = new Reader(bytes);
  const format = r.u8('SessionState.format');
  if (format !== SESSION_STATE_FORMAT) throw decodeError(`session state format ${format} unknown`, 'SessionState.format');
  const version = r.u16('SessionState.version');
  const cipherSuite = r.u16('SessionState.cipher_suite');
  const issuedAt = readU64(r, 'SessionState.issued_at');
  if (!Number.isSafeInteger(issuedAt)) throw decodeError('issued_at out of range', 'SessionState.issued_at');
  const lifetime = r.u32('SessionState.lifetime');
  if (lifetime > MAX_SESSION_LIFETIME_S) throw decodeError('lifetime out of range', 'SessionState.lifetime');
  const serverName = readOptionalUtf8(r, 'SessionState.server_name');
  const alpn = readOptionalUtf8(r, 'SessionState.alpn');
  let peer: PeerIdentity;
  const kindByte = r.u8('SessionState.peer.kind');
  const kind = kindByte & ~PEER_VERIFIED;
  const verified = (kindByte & PEER_VERIFIED) !== 0;
  if (kindByte === PEER_NONE) {
    peer = { kind: 'none' };
  } else if (kind === PEER_CERTIFICATES) {
    const n = r.u8('SessionState.peer.count');
    if (n < 1 || n > MAX_PEER_CERTIFICATES) throw decodeError('peer chain length out of range', 'SessionState.peer.count');
    const chain: Uint8Array[] = [];
    for (let i = 0; i < n; i++) chain.push(r.vec16('SessionState.peer.certificate', 1).slice());
    peer = { kind: 'certificates', chain, verified };
  } else if (kind === PEER_DIGEST) {
    peer = { kind: 'digest', sha256: r.bytes(32, 'SessionState.peer.sha256').slice(), verified };
  } else {
    throw decodeError(`peer kind ${kindByte} unknown`, 'SessionState.peer.kind');
  }
  const common = { cipherSuite, issuedAt, lifetime, serverName, alpn, peer };
  let state: SessionState;
  if (version === 0x0304) {
    const psk = r.vec8('SessionState.psk', 32, 48).slice();
    if (psk.length !== 32 && psk.length !== 48) throw decodeError('psk length', 'SessionState.psk');
    const ticketAgeAdd = r.u32('SessionState.ticket_age_add');
    const maxEarlyDataSize = r.u32('SessionState.max_early_data_size');
    const rttMs = r.u32('SessionState.rtt_ms');
    state = { version, ...common, psk, ticketAgeAdd, maxEarlyDataSize, rttMs };
  } else if (version === 0x0303) {
    const masterSecret = r.bytes(MASTER_SECRET_LENGTH, 'SessionState.master_secret').slice();
    const ems = r.u8('SessionState.extended_master_secret');
    if (ems > 1) throw decodeError('extended_master_secret flag', 'SessionState.extended_master_secret');
    state = { version, ...common, masterSecret, extendedMasterSecret: ems === 1 };
  } else {
    throw decodeError(`session version 0x${version.toString(16)} unknown`, 'SessionState.version');
  }
  r.end('SessionState');
  return state;
}

/** A uint64 from a safe integer, as two u32 (the bytes of Writer.u64, without BigInt arithmetic). */
function writeU64(w: Writer, v: number): void {
  w.u32(Math.floor(v / 0x100000000)).u32(v >>> 0);
}

/** A uint64 as a number; not a safe integer when the value is above 2^53 - 1 (the caller checks). */
function readU64(r: Reader, field: string): number {
  const high = r.u32(field);
  return high * 0x100000000 + r.u32(field);
}

function writeString8(w: Writer, s: string | undefined, what: string): void {
  const b = s === undefined ? new Uint8Array(0) : utf8(s);
  if (s !== undefined && (b.length < 1 || b.length > 255)) throw new TlsError(ErrorCode.ERR_TLS_INVALID_OPTION, `session state: ${what} length`);
  w.opaque8(b);
}

function aadFor(name: Uint8Array, purpose: TicketPurpose): Uint8Array {
  const aad = new Uint8Array(TICKET_KEY_NAME_LENGTH + 2);
  aad.set(name, 0);
  aad[TICKET_KEY_NAME_LENGTH] = purpose;
  aad[TICKET_KEY_NAME_LENGTH + 1] = SESSION_STATE_FORMAT;
  return aad;
}

/** Seals `plaintext` under the keyring's current key: key_name || nonce || AES-256-GCM(...). */
export function sealTicket(keys: TicketKeyring, provider: CryptoProvider, purpose: TicketPurpose, plaintext: Uint8Array): Uint8Array {
  if (plaintext.length > MAX_SESSION_STATE_LENGTH) throw new TlsError(ErrorCode.ERR_TLS_LIMIT_EXCEEDED, 'ticket plaintext too long');
  const key = keys.current();
  const nonce = provider.randomBytes(AEAD_NONCE_LENGTH);
  const head = TICKET_KEY_NAME_LENGTH + AEAD_NONCE_LENGTH;
  const out = key.aead.seal(nonce, aadFor(key.name, purpose), plaintext, head);
  out.set(key.name, 0);
  out.set(nonce, TICKET_KEY_NAME_LENGTH);
  return out;
}

let dummyKey: AeadKey | undefined;

/**
 * Opens a ticket sealed by `sealTicket` with any key that still opens. Returns null for anything
 * else, without saying why (a dummy AEAD open keeps an unknown key as slow as a bad tag).
 */
export function openTicket(keys: TicketKeyring, provider: CryptoProvider, purpose: TicketPurpose, ticket: Uint8Array): Uint8Array | null {
  if (ticket.length < TICKET_OVERHEAD || ticket.length > MAX_TICKET_LENGTH) return null;
  const name = ticket.subarray(0, TICKET_KEY_NAME_LENGTH);
  const nonce = ticket.subarray(TICKET_KEY_NAME_LENGTH, TICKET_KEY_NAME_LENGTH + AEAD_NONCE_LENGTH);
  const body = ticket.subarray(TICKET_KEY_NAME_LENGTH + AEAD_NONCE_LENGTH);
  const key = keys.find(name);
  let aead = key?.aead;
  if (aead === undefined) {
    dummyKey ??= provider.aead('aes-256-gcm', new Uint8Array(32));
    aead = dummyKey;
  }
  const plain = aead.open(nonce, aadFor(name, purpose), body);
  return key === undefined ? null : plain;
}

/**
 * Seals a session state for `purpose`. Chains too big for a ticket are replaced by their digest
 * by `peerIdentity()` before this point; this throws only on invalid states.
 */
export function sealSession(keys: TicketKeyring, provider: CryptoProvider, purpose: TicketPurpose, state: SessionState): Uint8Array {
  return sealTicket(keys, provider, purpose, encodeSessionState(state));
}

/**
 * Opens and decodes a sealed session; null when it does not open, does not decode, is of the
 * wrong version for the purpose, or is past its lifetime at `now` (or issued in the future by
 * more than a minute of clock skew).
 */
export function openSession(keys: TicketKeyring, provider: CryptoProvider, purpose: TicketPurpose, sealed: Uint8Array, now: number): SessionState | null {
  const plain = openTicket(keys, provider, purpose, sealed);
  if (plain === null) return null;
  let state: SessionState;
  try {
    state = decodeSessionState(plain);
  } catch {
    return null;
  }
  if (purpose === TicketPurpose.tls13Ticket && state.version !== 0x0304) return null;
  if (purpose === TicketPurpose.tls12Ticket && state.version !== 0x0303) return null;
  if (!isLive(state, now)) return null;
  return state;
}

const CLOCK_SKEW_MS = 60_000;

/** Whether `state` is within its lifetime at `now` (RFC 8446 §4.6.1: no use past ticket_lifetime). */
export function isLive(state: SessionState, now: number): boolean {
  return now < state.issuedAt + state.lifetime * 1000 && state.issuedAt <= now + CLOCK_SKEW_MS;
}

/**
 * The peer identity to keep for `chain` (DER, leaf first): none for an empty chain, the chain when
 * it fits `maxBytes` (default 16 KiB) and MAX_PEER_CERTIFICATES, else its SHA-256 (over each
 * certificate's u24 length and bytes, as in a TLS 1.2 Certificate message body); `verified`:
 * whether the original handshake verified the chain.
 */
export function peerIdentity(provider: CryptoProvider, chain: readonly Uint8Array[], maxBytes = 16384, verified = false): PeerIdentity {
  if (chain.length === 0) return { kind: 'none' };
  let total = 0;
  for (const c of chain) total += c.length + 2;
  if (chain.length <= MAX_PEER_CERTIFICATES && total <= maxBytes && chain.every((c) => c.length <= 0xffff)) {
    return { kind: 'certificates', chain, verified };
  }
  const w = new Writer(total + 3 * chain.length);
  for (const c of chain) w.opaque24(c);
  return { kind: 'digest', sha256: provider.hash('sha256', w.finish()), verified };
}
