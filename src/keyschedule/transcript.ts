/**
 * The handshake transcript hash (RFC 8446 §4.4.1; RFC 5246 §7.4.9 handshake_messages).
 *
 * The hash is chosen by the cipher suite, which a client learns only from the ServerHello (or a
 * HelloRetryRequest), so messages added before `setHash` are buffered and hashed once the hash is
 * known. Messages are the full handshake messages (4-byte header + body, `HandshakeMessage.raw`);
 * the Transcript keeps references to them until `setHash`, so callers must not modify them.
 */
import { HASH_LENGTH, type CryptoProvider, type HashAlgorithm, type HashContext } from '../crypto/provider.js';
import { internalError } from '../errors.js';
import { HandshakeType } from '../registry/codepoints.js';
import { concat } from '../wire/bytes.js';

export interface TranscriptOptions {
  /**
   * Also keep the raw message bytes (TLS 1.2 CertificateVerify signs `handshake_messages`
   * themselves, RFC 5246 §7.4.8). Off by default.
   */
  readonly retainMessages?: boolean;
}

/**
 * @example
 * const t = new Transcript(provider);
 * t.add(clientHello.raw);
 * t.setHash(suite.hash);      // once the ServerHello is seen
 * t.add(serverHello.raw);
 * const helloHash = t.hash(); // Transcript-Hash(ClientHello, ServerHello)
 */
export class Transcript {
  private ctx: HashContext | null = null;
  private pending: Uint8Array[] = [];
  private readonly retained: Uint8Array[] | null;
  private count = 0;
  /** Transcript-Hash at the current point, once computed (cleared by every update). */
  private current: Uint8Array | null = null;

  constructor(
    private readonly provider: CryptoProvider,
    hash?: HashAlgorithm,
    options: TranscriptOptions = {},
  ) {
    this.retained = options.retainMessages === true ? [] : null;
    if (hash !== undefined) this.setHash(hash);
  }

  /** The hash algorithm, or null while it is not known yet. */
  get algorithm(): HashAlgorithm | null {
    return this.ctx === null ? null : this.ctx.algorithm;
  }

  /** Number of messages added (a message_hash counts as one). */
  get messageCount(): number {
    return this.count;
  }

  /** Fixes the hash and hashes the buffered messages. Only once (unless the same hash again). */
  setHash(hash: HashAlgorithm): void {
    if (this.ctx !== null) {
      if (this.ctx.algorithm !== hash) throw internalError('transcript hash already chosen');
      return;
    }
    const ctx = this.provider.createHash(hash);
    for (const m of this.pending) ctx.update(m);
    this.pending = [];
    this.ctx = ctx;
  }

  /** Appends one handshake message (header + body). */
  add(raw: Uint8Array): void {
    if (this.ctx === null) this.pending.push(raw);
    else this.ctx.update(raw);
    this.current = null;
    this.retained?.push(raw);
    this.count++;
  }

  /**
   * Appends one handshake message and returns Transcript-Hash(messages before it ||
   * raw[0..prefixLength]), hashing `raw` once: the PSK binder's hash over the ClientHello up to
   * its binders (RFC 8446 §4.2.11.2) as the ClientHello goes into the transcript.
   */
  addWithPrefixHash(raw: Uint8Array, prefixLength: number): Uint8Array {
    const ctx = this.context();
    if (!Number.isInteger(prefixLength) || prefixLength < 0 || prefixLength > raw.length) throw internalError('transcript: bad prefix length');
    ctx.update(raw.subarray(0, prefixLength));
    const prefixHash = ctx.digest();
    ctx.update(raw.subarray(prefixLength));
    this.current = null;
    this.retained?.push(raw);
    this.count++;
    return prefixHash;
  }

  /**
   * Transcript-Hash of the messages so far; the transcript stays usable. The digest is computed
   * once per point of the transcript (the Finished and the secrets derived at the same point share
   * it): do not modify the result.
   */
  hash(): Uint8Array {
    this.current ??= this.context().digest();
    return this.current;
  }

  /**
   * Transcript-Hash of the messages so far followed by `extra`, without adding `extra` — e.g.
   * the PSK binder over a truncated ClientHello (RFC 8446 §4.2.11.2), or the CertificateVerify
   * and Finished inputs while the message itself is still being built.
   */
  hashWith(extra: Uint8Array): Uint8Array {
    const c = this.context().clone();
    c.update(extra);
    return c.digest();
  }

  /**
   * RFC 8446 §4.4.1: on a HelloRetryRequest, ClientHello1 is replaced by the synthetic
   * message_hash message `254 || 00 00 Hash.length || Hash(ClientHello1)`. Call after adding
   * ClientHello1 (the only message so far) and before adding the HelloRetryRequest; the hash
   * must be set (it comes from the HRR's cipher_suite).
   */
  replaceWithMessageHash(): void {
    const ctx = this.context();
    if (this.count !== 1) throw internalError('message_hash: the transcript must hold exactly ClientHello1');
    const h = ctx.digest();
    const header = new Uint8Array([HandshakeType.message_hash, 0, 0, h.length]);
    const next = this.provider.createHash(ctx.algorithm);
    next.update(header);
    next.update(h);
    this.ctx = next;
    this.current = null;
    if (this.retained !== null) this.retained.splice(0, this.retained.length, concat(header, h));
  }

  /** The concatenated raw messages (requires `retainMessages`). */
  messages(): Uint8Array {
    if (this.retained === null) throw internalError('transcript does not retain messages');
    return concat(...this.retained);
  }

  /** An independent copy (e.g. to fork the transcript for a speculative computation). */
  clone(): Transcript {
    const t = new Transcript(this.provider, undefined, { retainMessages: this.retained !== null });
    t.ctx = this.ctx === null ? null : this.ctx.clone();
    t.current = this.current;
    t.pending = [...this.pending];
    if (this.retained !== null) t.retained?.push(...this.retained);
    t.count = this.count;
    return t;
  }

  private context(): HashContext {
    if (this.ctx === null) throw internalError('transcript hash used before the cipher suite is known');
    return this.ctx;
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
