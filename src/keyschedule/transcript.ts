/**
 * The handshake transcript hash (RFC 8446 §4.4.1; RFC 5246 §7.4.9 handshake_messages).
 *
 * The hash is chosen by the cipher suite, which a client learns only from the ServerHello (or a
 * HelloRetryRequest), so messages added before `setHash` are kept and hashed once the hash is
 * known. Messages are the full handshake messages (4-byte header + body, `HandshakeMessage.raw`);
 * their bytes are copied in.
 */
import { HASH_LENGTH, type CryptoProvider, type HashAlgorithm, type HashContext } from '../crypto/provider.js';
import { internalError } from '../errors.js';
import { HandshakeType } from '../registry/codepoints.js';

export interface TranscriptOptions {
  /**
   * Also keep the raw message bytes (TLS 1.2 CertificateVerify signs `handshake_messages`
   * themselves, RFC 5246 §7.4.8). Off by default.
   */
  readonly retainMessages?: boolean;
}

/**
 * While the transcript is at most this many bytes it is kept as bytes and each Transcript-Hash
 * is a one-shot digest of them (no hash object: on Node a Hash object, and the copy() per digest
 * point, are native objects finalised by the garbage collector); past it, a running hash context
 * takes over, so that long transcripts (certificate chains) are not rehashed at every point.
 */
const BYTES_LIMIT = 1024;
const EMPTY = new Uint8Array(0);

/**
 * @example
 * const t = new Transcript(provider);
 * t.add(clientHello.raw);
 * t.setHash(suite.hash);      // once the ServerHello is seen
 * t.add(serverHello.raw);
 * const helloHash = t.hash(); // Transcript-Hash(ClientHello, ServerHello)
 */
export class Transcript {
  private alg: HashAlgorithm | null = null;
  /** The running hash, once the transcript outgrew BYTES_LIMIT (null before). */
  private ctx: HashContext | null = null;
  /**
   * The messages' bytes: all of them while `ctx` is null (also before the hash is known), and
   * always when messages are retained. Bytes from `len` on are scratch space.
   */
  private buf: Uint8Array = EMPTY;
  private len = 0;
  private readonly retain: boolean;
  private count = 0;
  /** Transcript-Hash at the current point, once computed (cleared by every update). */
  private current: Uint8Array | null = null;

  constructor(
    private readonly provider: CryptoProvider,
    hash?: HashAlgorithm,
    options: TranscriptOptions = {},
  ) {
    this.retain = options.retainMessages === true;
    if (hash !== undefined) this.setHash(hash);
  }

  /** The hash algorithm, or null while it is not known yet. */
  get algorithm(): HashAlgorithm | null {
    return this.alg;
  }

  /** Number of messages added (a message_hash counts as one). */
  get messageCount(): number {
    return this.count;
  }

  /** Fixes the hash (messages added before are hashed with it). Only once (unless the same hash again). */
  setHash(hash: HashAlgorithm): void {
    if (this.alg !== null) {
      if (this.alg !== hash) throw internalError('transcript hash already chosen');
      return;
    }
    if (!(hash in HASH_LENGTH)) throw internalError(`unsupported hash ${hash}`);
    this.alg = hash;
    this.current = null;
    this.maybeSwitch();
  }

  /** Appends one handshake message (header + body). */
  add(raw: Uint8Array): void {
    this.append(raw);
    this.current = null;
    this.count++;
    this.maybeSwitch();
  }

  /**
   * Appends one handshake message and returns Transcript-Hash(messages before it ||
   * raw[0..prefixLength]), hashing `raw` once: the PSK binder's hash over the ClientHello up to
   * its binders (RFC 8446 §4.2.11.2) as the ClientHello goes into the transcript.
   */
  addWithPrefixHash(raw: Uint8Array, prefixLength: number): Uint8Array {
    const alg = this.hashAlgorithm();
    if (!Number.isInteger(prefixLength) || prefixLength < 0 || prefixLength > raw.length) throw internalError('transcript: bad prefix length');
    let prefixHash: Uint8Array;
    const ctx = this.ctx;
    if (ctx !== null) {
      ctx.update(raw.subarray(0, prefixLength));
      prefixHash = ctx.digest();
      ctx.update(raw.subarray(prefixLength));
      if (this.retain) this.appendBytes(raw);
    } else {
      const before = this.len;
      this.appendBytes(raw);
      prefixHash = this.provider.hash(alg, this.buf.subarray(0, before + prefixLength));
    }
    this.current = null;
    this.count++;
    this.maybeSwitch();
    return prefixHash;
  }

  /**
   * Transcript-Hash of the messages so far; the transcript stays usable. The digest is computed
   * once per point of the transcript (the Finished and the secrets derived at the same point share
   * it): do not modify the result.
   */
  hash(): Uint8Array {
    this.current ??= this.digestNow();
    return this.current;
  }

  /**
   * Transcript-Hash of the messages so far followed by `extra`, without adding `extra` — e.g.
   * the PSK binder over a truncated ClientHello (RFC 8446 §4.2.11.2), or the CertificateVerify
   * and Finished inputs while the message itself is still being built.
   */
  hashWith(extra: Uint8Array): Uint8Array {
    const alg = this.hashAlgorithm();
    if (this.ctx !== null) {
      const c = this.ctx.clone();
      c.update(extra);
      return c.digest();
    }
    // `extra` goes into the scratch space after the messages; len does not move
    this.reserve(extra.length);
    this.buf.set(extra, this.len);
    return this.provider.hash(alg, this.buf.subarray(0, this.len + extra.length));
  }

  /**
   * RFC 8446 §4.4.1: on a HelloRetryRequest, ClientHello1 is replaced by the synthetic
   * message_hash message `254 || 00 00 Hash.length || Hash(ClientHello1)`. Call after adding
   * ClientHello1 (the only message so far) and before adding the HelloRetryRequest; the hash
   * must be set (it comes from the HRR's cipher_suite).
   */
  replaceWithMessageHash(): void {
    this.hashAlgorithm();
    if (this.count !== 1) throw internalError('message_hash: the transcript must hold exactly ClientHello1');
    const h = this.digestNow();
    this.ctx = null;
    this.len = 0;
    const header = new Uint8Array([HandshakeType.message_hash, 0, 0, h.length]);
    this.appendBytes(header);
    this.appendBytes(h);
    this.current = null;
  }

  /** The concatenated raw messages (requires `retainMessages`). */
  messages(): Uint8Array {
    if (!this.retain) throw internalError('transcript does not retain messages');
    return this.buf.slice(0, this.len);
  }

  /** An independent copy (e.g. to fork the transcript for a speculative computation). */
  clone(): Transcript {
    const t = new Transcript(this.provider, undefined, { retainMessages: this.retain });
    t.alg = this.alg;
    t.ctx = this.ctx === null ? null : this.ctx.clone();
    t.buf = this.buf.slice(0, this.len);
    t.len = this.len;
    t.current = this.current;
    t.count = this.count;
    return t;
  }

  private hashAlgorithm(): HashAlgorithm {
    if (this.alg === null) throw internalError('transcript hash used before the cipher suite is known');
    return this.alg;
  }

  private digestNow(): Uint8Array {
    const alg = this.hashAlgorithm();
    return this.ctx !== null ? this.ctx.digest() : this.provider.hash(alg, this.buf.subarray(0, this.len));
  }

  private append(raw: Uint8Array): void {
    if (this.ctx !== null) {
      this.ctx.update(raw);
      if (this.retain) this.appendBytes(raw);
    } else {
      this.appendBytes(raw);
    }
  }

  private appendBytes(raw: Uint8Array): void {
    this.reserve(raw.length);
    this.buf.set(raw, this.len);
    this.len += raw.length;
  }

  /** Room for `n` more bytes after `len` (the buffer doubles: appends stay linear). */
  private reserve(n: number): void {
    const need = this.len + n;
    if (need <= this.buf.length) return;
    const next = new Uint8Array(Math.max(need, 2 * this.buf.length, 512));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  /** Past BYTES_LIMIT (and once the hash is known) a running hash context takes over. */
  private maybeSwitch(): void {
    if (this.ctx !== null || this.alg === null || this.len <= BYTES_LIMIT) return;
    const ctx = this.provider.createHash(this.alg);
    ctx.update(this.buf.subarray(0, this.len));
    this.ctx = ctx;
    if (!this.retain) {
      this.buf = EMPTY;
      this.len = 0;
    }
  }
}

/** The message_hash message of RFC 8446 §4.4.1 for a given ClientHello1 (for tests and traces). */
export function messageHash(provider: CryptoProvider, hash: HashAlgorithm, clientHello1: Uint8Array): Uint8Array {
  const h = provider.hash(hash, clientHello1);
  const out = new Uint8Array(4 + HASH_LENGTH[hash]);
  out[0] = HandshakeType.message_hash;
  out[3] = h.length;
  out.set(h, 4);
  return out;
}
