/**
 * The TLS 1.2 key derivation (RFC 5246) on `CryptoProvider.hmac`:
 * - PRF(secret, label, seed) = P_<hash>(secret, label + seed) (§5), SHA-256 unless the suite says
 *   otherwise (the *_SHA384 suites use SHA-384, RFC 5289 §3),
 * - master_secret (§8.1) and the extended master secret (RFC 7627 §4),
 * - the key block and its split into MAC keys, write keys and implicit IVs (§6.3),
 * - Finished verify_data (§7.4.9), 12 bytes,
 * - the RFC 5705 exporter.
 * TLS 1.0/1.1 (MD5/SHA-1 PRF) are not supported (RFC 8996).
 */
import type { CryptoProvider, HashAlgorithm } from '../crypto/provider.js';
import { ErrorCode, TlsError, internalError } from '../errors.js';
import { constantTimeEqual, utf8 } from '../wire/bytes.js';

/** The PRF hashes TLS 1.2 suites use (RFC 5246 §5; RFC 5289 §3). */
export type Prf12Hash = 'sha256' | 'sha384';

/** Pre-encoded PRF labels (RFC 5246 §7.4.9, §8.1, §6.3; RFC 7627 §4). */
export const Label12 = {
  master_secret: utf8('master secret'),
  extended_master_secret: utf8('extended master secret'),
  key_expansion: utf8('key expansion'),
  client_finished: utf8('client finished'),
  server_finished: utf8('server finished'),
} as const;

/** 48 bytes (RFC 5246 §8.1). */
export const MASTER_SECRET_LENGTH = 48;
/** RFC 5246 §7.4.9: verify_data_length is 12 for all TLS 1.2 cipher suites we support. */
export const VERIFY_DATA_LENGTH = 12;
const RANDOM_LENGTH = 32;

/** P_hash(secret, seed) (RFC 5246 §5): HMAC(secret, A(1) + seed) + HMAC(secret, A(2) + seed) + ... */
export function pHash(
  provider: CryptoProvider,
  hash: HashAlgorithm,
  secret: Uint8Array,
  seed: Uint8Array,
  length: number,
): Uint8Array {
  if (!Number.isInteger(length) || length < 0 || length > 1 << 20) {
    throw internalError(`P_hash: invalid output length ${length}`);
  }
  const out = new Uint8Array(length);
  // `block` = A(i) || seed; A(0) = seed, A(i) = HMAC(secret, A(i-1)).
  let a = provider.hmac(hash, secret, seed);
  const block = new Uint8Array(a.length + seed.length);
  block.set(seed, a.length);
  for (let at = 0; at < length; ) {
    block.set(a, 0);
    const chunk = provider.hmac(hash, secret, block);
    const n = Math.min(chunk.length, length - at);
    out.set(n === chunk.length ? chunk : chunk.subarray(0, n), at);
    at += n;
    if (at < length) a = provider.hmac(hash, secret, a);
  }
  return out;
}

/** PRF(secret, label, seed) = P_<hash>(secret, label + seed) (RFC 5246 §5). */
export function prf12(
  provider: CryptoProvider,
  hash: Prf12Hash,
  secret: Uint8Array,
  label: Uint8Array,
  seed: Uint8Array,
  length: number,
): Uint8Array {
  const labelSeed = new Uint8Array(label.length + seed.length);
  labelSeed.set(label, 0);
  labelSeed.set(seed, label.length);
  return pHash(provider, hash, secret, labelSeed, length);
}

function randoms(first: Uint8Array, second: Uint8Array): Uint8Array {
  if (first.length !== RANDOM_LENGTH || second.length !== RANDOM_LENGTH) throw internalError('TLS 1.2: randoms must be 32 bytes');
  const out = new Uint8Array(2 * RANDOM_LENGTH);
  out.set(first, 0);
  out.set(second, RANDOM_LENGTH);
  return out;
}

/**
 * RFC 5246 §8.1: master_secret = PRF(pre_master_secret, "master secret",
 * ClientHello.random + ServerHello.random)[0..47].
 */
export function masterSecret12(
  provider: CryptoProvider,
  hash: Prf12Hash,
  preMasterSecret: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
): Uint8Array {
  return prf12(provider, hash, preMasterSecret, Label12.master_secret, randoms(clientRandom, serverRandom), MASTER_SECRET_LENGTH);
}

/**
 * RFC 7627 §4: master_secret = PRF(pre_master_secret, "extended master secret", session_hash)[0..47],
 * session_hash = Hash(handshake_messages) from ClientHello up to and including ClientKeyExchange
 * (RFC 7627 §3), with the PRF hash.
 */
export function extendedMasterSecret(
  provider: CryptoProvider,
  hash: Prf12Hash,
  preMasterSecret: Uint8Array,
  sessionHash: Uint8Array,
): Uint8Array {
  return prf12(provider, hash, preMasterSecret, Label12.extended_master_secret, sessionHash, MASTER_SECRET_LENGTH);
}

/** Sizes for the key block of a TLS 1.2 cipher suite (RFC 5246 §6.3, Appendix C). */
export interface KeyBlockLayout {
  /** mac_key_length: 0 for AEAD suites, 20 (HMAC-SHA1) / 32 (HMAC-SHA256) / 48 for CBC suites. */
  readonly macKeyLength: number;
  /** enc_key_length: 16 or 32. */
  readonly encKeyLength: number;
  /** fixed_iv_length: 4 for AES-GCM (RFC 5288 §3), 12 for ChaCha20-Poly1305 (RFC 7905 §2), 0 for CBC. */
  readonly fixedIvLength: number;
}

export interface KeyBlock12 {
  readonly clientWriteMacKey: Uint8Array;
  readonly serverWriteMacKey: Uint8Array;
  readonly clientWriteKey: Uint8Array;
  readonly serverWriteKey: Uint8Array;
  readonly clientWriteIv: Uint8Array;
  readonly serverWriteIv: Uint8Array;
}

/**
 * RFC 5246 §6.3: key_block = PRF(master_secret, "key expansion", server_random + client_random),
 * split in order into client_write_MAC_key, server_write_MAC_key, client_write_key,
 * server_write_key, client_write_IV, server_write_IV.
 */
export function keyBlock12(
  provider: CryptoProvider,
  hash: Prf12Hash,
  masterSecret: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  layout: KeyBlockLayout,
): KeyBlock12 {
  const { macKeyLength: m, encKeyLength: k, fixedIvLength: v } = layout;
  // Note the order: server_random first (unlike the master secret).
  const block = prf12(provider, hash, masterSecret, Label12.key_expansion, randoms(serverRandom, clientRandom), 2 * (m + k + v));
  let at = 0;
  const take = (n: number): Uint8Array => block.slice(at, (at += n));
  return {
    clientWriteMacKey: take(m),
    serverWriteMacKey: take(m),
    clientWriteKey: take(k),
    serverWriteKey: take(k),
    clientWriteIv: take(v),
    serverWriteIv: take(v),
  };
}

/**
 * RFC 5246 §7.4.9: verify_data = PRF(master_secret, finished_label, Hash(handshake_messages))
 * [0..verify_data_length-1]; finished_label is "client finished" or "server finished".
 */
export function finishedVerifyData12(
  provider: CryptoProvider,
  hash: Prf12Hash,
  masterSecret: Uint8Array,
  sender: 'client' | 'server',
  handshakeHash: Uint8Array,
): Uint8Array {
  const label = sender === 'client' ? Label12.client_finished : Label12.server_finished;
  return prf12(provider, hash, masterSecret, label, handshakeHash, VERIFY_DATA_LENGTH);
}

/** Recomputes verify_data and compares in constant time (RFC 5246 §7.4.9: recipients MUST verify). */
export function verifyFinished12(
  provider: CryptoProvider,
  hash: Prf12Hash,
  masterSecret: Uint8Array,
  sender: 'client' | 'server',
  handshakeHash: Uint8Array,
  received: Uint8Array,
): boolean {
  return constantTimeEqual(finishedVerifyData12(provider, hash, masterSecret, sender, handshakeHash), received);
}

/** RFC 5705 §6 (and RFC 7627 §6): labels reserved for TLS itself, never valid exporter labels. */
const RESERVED_EXPORTER_LABELS = new Set(['client finished', 'server finished', 'master secret', 'key expansion', 'extended master secret']);

/**
 * RFC 5705 §4: PRF(master_secret, label, client_random + server_random [+ context_value_length +
 * context_value])[length]. `context` null means "no context", which differs from an empty context.
 * Throws ERR_TLS_INVALID_OPTION for a reserved label.
 */
export function exportKeyingMaterial12(
  provider: CryptoProvider,
  hash: Prf12Hash,
  masterSecret: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  label: string,
  context: Uint8Array | null,
  length: number,
): Uint8Array {
  if (RESERVED_EXPORTER_LABELS.has(label)) {
    throw new TlsError(ErrorCode.ERR_TLS_INVALID_OPTION, `exporter label "${label}" is reserved (RFC 5705 §6)`);
  }
  if (context !== null && context.length > 0xffff) {
    throw new TlsError(ErrorCode.ERR_TLS_INVALID_OPTION, 'exporter context longer than 65535 bytes (RFC 5705 §4)');
  }
  const seedLength = 2 * RANDOM_LENGTH + (context === null ? 0 : 2 + context.length);
  const seed = new Uint8Array(seedLength);
  seed.set(randoms(clientRandom, serverRandom), 0);
  if (context !== null) {
    seed[2 * RANDOM_LENGTH] = context.length >>> 8;
    seed[2 * RANDOM_LENGTH + 1] = context.length & 0xff;
    seed.set(context, 2 * RANDOM_LENGTH + 2);
  }
  return prf12(provider, hash, masterSecret, utf8(label), seed, length);
}
