/**
 * HKDF (RFC 5869) and the TLS 1.3 HKDF-Expand-Label / Derive-Secret functions (RFC 8446 §7.1),
 * built on `CryptoProvider.hmac`. We implement only the construction, never HMAC or the hash.
 *
 * The TLS 1.3 functions are on the hot path of every handshake (about twenty calls), so:
 * - the `"tls13 " + label` prefix of each label is encoded once and cached (`tls13Label`),
 * - HKDF-Expand-Label builds `HkdfLabel || 0x01` in one buffer (reused by each Hkdf instance:
 *   no allocation per call) and, when the output fits in one hash block (always, for TLS 1.3
 *   secrets, keys and IVs), makes exactly one HMAC call,
 * - Hash("") (the context of `Derive-Secret(., "derived", "")`) is computed once per provider
 *   and hash (`Hkdf.emptyHash`).
 */
import { HASH_LENGTH, type CryptoProvider, type HashAlgorithm } from '../crypto/provider.js';
import { internalError } from '../errors.js';

/** The bytes `opaque label<7..255> = "tls13 " + Label` of an HkdfLabel, with its length byte. */
export interface Tls13Label {
  /** The label without the "tls13 " prefix, e.g. `c hs traffic`. */
  readonly name: string;
  /** `len || "tls13 " || name`: the encoded `HkdfLabel.label` field. */
  readonly encoded: Uint8Array;
}

const TLS13_PREFIX = [0x74, 0x6c, 0x73, 0x31, 0x33, 0x20]; // "tls13 "
const labelCache = new Map<string, Tls13Label>();
const LABEL_CACHE_LIMIT = 256;

function encodeLabel(name: string | Uint8Array): Uint8Array {
  const bytes = typeof name === 'string' ? new TextEncoder().encode(name) : name;
  const total = TLS13_PREFIX.length + bytes.length;
  // RFC 8446 §7.1: opaque label<7..255> = "tls13 " + Label.
  if (total > 255) throw internalError('HKDF-Expand-Label: label longer than 249 bytes');
  const out = new Uint8Array(1 + total);
  out[0] = total;
  out.set(TLS13_PREFIX, 1);
  out.set(bytes, 1 + TLS13_PREFIX.length);
  return out;
}

/**
 * The encoded HkdfLabel.label for `name` (without "tls13 "), cached. String labels are cached
 * (bounded); pass a `Uint8Array` for one-off binary labels (e.g. exporter labels), not cached.
 */
export function tls13Label(name: string | Uint8Array): Tls13Label {
  if (typeof name !== 'string') return { name: '', encoded: encodeLabel(name) };
  let label = labelCache.get(name);
  if (label === undefined) {
    label = { name, encoded: encodeLabel(name) };
    if (labelCache.size < LABEL_CACHE_LIMIT) labelCache.set(name, label);
  }
  return label;
}

/** The labels of RFC 8446 §7.1, §7.2, §7.3, §7.5, §4.4.4 and §4.6.1, pre-encoded. */
export const Label = {
  ext_binder: tls13Label('ext binder'),
  res_binder: tls13Label('res binder'),
  c_e_traffic: tls13Label('c e traffic'),
  e_exp_master: tls13Label('e exp master'),
  derived: tls13Label('derived'),
  c_hs_traffic: tls13Label('c hs traffic'),
  s_hs_traffic: tls13Label('s hs traffic'),
  c_ap_traffic: tls13Label('c ap traffic'),
  s_ap_traffic: tls13Label('s ap traffic'),
  exp_master: tls13Label('exp master'),
  res_master: tls13Label('res master'),
  key: tls13Label('key'),
  iv: tls13Label('iv'),
  finished: tls13Label('finished'),
  traffic_upd: tls13Label('traffic upd'),
  exporter: tls13Label('exporter'),
  resumption: tls13Label('resumption'),
} as const;

const EMPTY = new Uint8Array(0);

/**
 * HKDF bound to one provider and hash function. Obtain with `hkdf(provider, hash)` (cached).
 *
 * @example
 * const h = hkdf(provider, 'sha256');
 * const early = h.extract(null, new Uint8Array(32));
 * const derived = h.deriveSecret(early, Label.derived, h.emptyHash);
 */
export class Hkdf {
  readonly hashLength: number;
  private zeros: Uint8Array | undefined;
  private empty: Uint8Array | undefined;
  /** Scratch space for HkdfLabel || 0x01 (see expandLabel). */
  private labelBuffer = new Uint8Array(128);

  constructor(
    readonly provider: CryptoProvider,
    readonly hash: HashAlgorithm,
  ) {
    this.hashLength = HASH_LENGTH[hash];
  }

  /** HashLen zero bytes (the default salt, and the IKM when there is no PSK or no (EC)DHE). */
  get zeroKey(): Uint8Array {
    this.zeros ??= new Uint8Array(this.hashLength);
    return this.zeros;
  }

  /** Hash("") — the Transcript-Hash of an empty message list. Do not modify. */
  get emptyHash(): Uint8Array {
    this.empty ??= this.provider.hash(this.hash, EMPTY);
    return this.empty;
  }

  /** RFC 5869 §2.2: PRK = HMAC-Hash(salt, IKM); a missing salt is HashLen zeros. */
  extract(salt: Uint8Array | null, ikm: Uint8Array): Uint8Array {
    return this.provider.hmac(this.hash, salt === null || salt.length === 0 ? this.zeroKey : salt, ikm);
  }

  /** RFC 5869 §2.3: OKM = first L bytes of T(1) || T(2) || ..., T(i) = HMAC(PRK, T(i-1) || info || i). */
  expand(prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
    checkLength(length, this.hashLength);
    // One block (the usual case): T(1) = HMAC(PRK, info || 0x01).
    const buf = new Uint8Array(info.length + 1);
    buf.set(info, 0);
    buf[info.length] = 1;
    return this.expandBuffer(prk, buf, info.length, length);
  }

  /**
   * RFC 8446 §7.1: HKDF-Expand-Label(Secret, Label, Context, Length) = HKDF-Expand(Secret,
   * HkdfLabel, Length), HkdfLabel = uint16 length || opaque label<7..255> || opaque context<0..255>.
   */
  expandLabel(secret: Uint8Array, label: Tls13Label, context: Uint8Array, length: number): Uint8Array {
    checkLength(length, this.hashLength);
    if (context.length > 255) throw internalError('HKDF-Expand-Label: context longer than 255 bytes');
    // HkdfLabel || 0x01 is written into a buffer kept by this instance: the provider's hmac()
    // reads its input before returning, and nothing else holds the buffer (no allocation per call).
    const size = 2 + label.encoded.length + 1 + context.length + 1;
    if (this.labelBuffer.length < size) this.labelBuffer = new Uint8Array(Math.max(size, 2 * this.labelBuffer.length));
    const buf = this.labelBuffer.subarray(0, size);
    fillHkdfLabel(buf, label, context, length, 1);
    return this.expandBuffer(secret, buf, size - 1, length);
  }

  /**
   * RFC 8446 §7.1: Derive-Secret(Secret, Label, Messages) = HKDF-Expand-Label(Secret, Label,
   * Transcript-Hash(Messages), Hash.length). Takes the transcript hash, not the messages
   * (`emptyHash` for Messages = "").
   */
  deriveSecret(secret: Uint8Array, label: Tls13Label, transcriptHash: Uint8Array): Uint8Array {
    return this.expandLabel(secret, label, transcriptHash, this.hashLength);
  }

  /** `buf` = info || 0x01 (info is `infoLength` bytes). */
  private expandBuffer(prk: Uint8Array, buf: Uint8Array, infoLength: number, length: number): Uint8Array {
    const hashLength = this.hashLength;
    const t1 = this.provider.hmac(this.hash, prk, buf);
    if (length === hashLength) return t1;
    if (length < hashLength) return t1.slice(0, length);
    const out = new Uint8Array(length);
    out.set(t1, 0);
    // T(i) = HMAC(PRK, T(i-1) || info || i) for i >= 2.
    const block = new Uint8Array(hashLength + infoLength + 1);
    block.set(buf.subarray(0, infoLength), hashLength);
    let prev = t1;
    let at = hashLength;
    for (let i = 2; at < length; i++) {
      block.set(prev, 0);
      block[hashLength + infoLength] = i;
      prev = this.provider.hmac(this.hash, prk, block);
      out.set(prev.subarray(0, Math.min(hashLength, length - at)), at);
      at += hashLength;
    }
    return out;
  }
}

/** HkdfLabel (RFC 8446 §7.1) followed by `extra` spare bytes (HKDF-Expand's counter byte, set to 1). */
function writeHkdfLabel(label: Tls13Label, context: Uint8Array, length: number, extra: number): Uint8Array {
  const buf = new Uint8Array(2 + label.encoded.length + 1 + context.length + extra);
  fillHkdfLabel(buf, label, context, length, extra);
  return buf;
}

/** Writes HkdfLabel (and `extra` counter bytes) into `buf`, which has exactly the right size. */
function fillHkdfLabel(buf: Uint8Array, label: Tls13Label, context: Uint8Array, length: number, extra: number): void {
  if (context.length > 255) throw internalError('HKDF-Expand-Label: context longer than 255 bytes');
  const enc = label.encoded;
  const infoLength = 2 + enc.length + 1 + context.length;
  buf[0] = length >>> 8;
  buf[1] = length & 0xff;
  buf.set(enc, 2);
  buf[2 + enc.length] = context.length;
  buf.set(context, 3 + enc.length);
  if (extra > 0) buf[infoLength] = 1;
}

/**
 * The encoded HkdfLabel structure (the HKDF `info` of HKDF-Expand-Label), for traces and tests:
 * `uint16 length || opaque label<7..255> || opaque context<0..255>` (RFC 8446 §7.1).
 */
export function encodeHkdfLabel(label: string | Tls13Label, context: Uint8Array, length: number): Uint8Array {
  return writeHkdfLabel(typeof label === 'string' ? tls13Label(label) : label, context, length, 0);
}

function checkLength(length: number, hashLength: number): void {
  // RFC 5869 §2.3: L <= 255*HashLen.
  if (!Number.isInteger(length) || length < 0 || length > 255 * hashLength || length > 0xffff) {
    throw internalError(`HKDF-Expand: invalid output length ${length}`);
  }
}

const instances = new WeakMap<CryptoProvider, Map<HashAlgorithm, Hkdf>>();

/** The (cached) `Hkdf` for a provider and hash. */
export function hkdf(provider: CryptoProvider, hash: HashAlgorithm): Hkdf {
  let byHash = instances.get(provider);
  if (byHash === undefined) {
    byHash = new Map();
    instances.set(provider, byHash);
  }
  let h = byHash.get(hash);
  if (h === undefined) {
    h = new Hkdf(provider, hash);
    byHash.set(hash, h);
  }
  return h;
}

/** RFC 5869 HKDF-Extract (function form). */
export function hkdfExtract(
  provider: CryptoProvider,
  hash: HashAlgorithm,
  salt: Uint8Array | null,
  ikm: Uint8Array,
): Uint8Array {
  return hkdf(provider, hash).extract(salt, ikm);
}

/** RFC 5869 HKDF-Expand (function form). */
export function hkdfExpand(
  provider: CryptoProvider,
  hash: HashAlgorithm,
  prk: Uint8Array,
  info: Uint8Array,
  length: number,
): Uint8Array {
  return hkdf(provider, hash).expand(prk, info, length);
}

/** RFC 8446 §7.1 HKDF-Expand-Label (function form); `label` without the "tls13 " prefix. */
export function hkdfExpandLabel(
  provider: CryptoProvider,
  hash: HashAlgorithm,
  secret: Uint8Array,
  label: string | Tls13Label,
  context: Uint8Array,
  length: number,
): Uint8Array {
  return hkdf(provider, hash).expandLabel(secret, typeof label === 'string' ? tls13Label(label) : label, context, length);
}

/** RFC 8446 §7.1 Derive-Secret (function form), given Transcript-Hash(Messages). */
export function deriveSecret(
  provider: CryptoProvider,
  hash: HashAlgorithm,
  secret: Uint8Array,
  label: string | Tls13Label,
  transcriptHash: Uint8Array,
): Uint8Array {
  return hkdf(provider, hash).deriveSecret(secret, typeof label === 'string' ? tls13Label(label) : label, transcriptHash);
}
