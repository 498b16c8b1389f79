/**
 * AEADs over node:crypto (RFC 5116): AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305 (RFC 8439),
 * all with 12-byte nonces and 16-byte tags as TLS uses them (RFC 8446 §5.3, RFC 5288, RFC 7905).
 * Internal to src/crypto.
 *
 * This is the bulk-data hot path. The key is kept as raw bytes (a private copy): on Node 20 a
 * cipher context made from raw key bytes is cheaper than one made from a KeyObject (~0.8 µs per
 * record for AES-128-GCM, measured with bench-primitives.ts), and the KeyObject itself costs
 * ~1.4 µs to create, for handshake keys that protect one or two records. A seal costs one
 * cipher context plus one copy of the ciphertext into the output (node's update() cannot write
 * into a caller's buffer; `sealInto` encrypts the record's parts where they lie and copies each
 * ciphertext straight into the caller's record buffer), and open returns node's output buffer
 * as a view without copying.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { internalError } from '../errors.js';
import { view } from './node-util.js';
import { AEAD_KEY_LENGTH, AEAD_NONCE_LENGTH, AEAD_TAG_LENGTH, type AeadAlgorithm, type AeadKey } from './provider.js';

const OPTIONS = { authTagLength: AEAD_TAG_LENGTH } as const;

/**
 * sealInto: records whose parts total at most this many bytes are copied into one buffer and
 * encrypted with one update() call (~0.4 µs per call saved, measured; the copy of a small record
 * costs less).
 */
const COALESCE_LIMIT = 1024;
/** Shared by all keys: used and wiped within one synchronous call. */
const SCRATCH = new Uint8Array(COALESCE_LIMIT);

export class NodeAead implements AeadKey {
  readonly algorithm: AeadAlgorithm;
  readonly #key: Uint8Array;

  constructor(algorithm: AeadAlgorithm, key: Uint8Array) {
    const expected = AEAD_KEY_LENGTH[algorithm] as number | undefined;
    if (expected === undefined) throw internalError('unsupported AEAD algorithm');
    if (key.length !== expected) throw internalError(`${algorithm} key must be ${expected} bytes`);
    this.algorithm = algorithm;
    this.#key = key.slice(); // our own copy: the caller may wipe theirs
  }

  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, headerRoom = 0): Uint8Array {
    if (nonce.length !== AEAD_NONCE_LENGTH) throw internalError('AEAD nonce must be 12 bytes');
    const cipher =
      this.algorithm === 'chacha20-poly1305'
        ? createCipheriv('chacha20-poly1305', this.#key, nonce, OPTIONS)
        : createCipheriv(this.algorithm, this.#key, nonce, OPTIONS);
    cipher.setAAD(aad, { plaintextLength: plaintext.length });
    const ct = cipher.update(plaintext);
    cipher.final(); // GCM and ChaCha20-Poly1305 are stream modes: final() outputs nothing
    const tag = cipher.getAuthTag();
    const out = new Uint8Array(headerRoom + ct.length + AEAD_TAG_LENGTH);
    out.set(ct, headerRoom);
    out.set(tag, headerRoom + ct.length);
    return out;
  }

  sealInto(nonce: Uint8Array, aad: Uint8Array, parts: readonly Uint8Array[], out: Uint8Array, offset: number): number {
    if (nonce.length !== AEAD_NONCE_LENGTH) throw internalError('AEAD nonce must be 12 bytes');
    const cipher =
      this.algorithm === 'chacha20-poly1305'
        ? createCipheriv('chacha20-poly1305', this.#key, nonce, OPTIONS)
        : createCipheriv(this.algorithm, this.#key, nonce, OPTIONS);
    let total = 0;
    for (let i = 0; i < parts.length; i++) total += parts[i]!.length;
    cipher.setAAD(aad, { plaintextLength: total });
    let at = offset;
    if (parts.length > 1 && total <= COALESCE_LIMIT) {
      // small records (handshake messages, alerts, short writes: content plus the TLS 1.3 type
      // byte): one update() over a copy costs less than one update() call per part
      const scratch = SCRATCH;
      let n = 0;
      for (let i = 0; i < parts.length; i++) {
        scratch.set(parts[i]!, n);
        n += parts[i]!.length;
      }
      const ct = cipher.update(scratch.subarray(0, n));
      scratch.fill(0, 0, n); // plaintext does not linger
      out.set(ct, at);
      at += ct.length;
    } else {
      // each part is encrypted where it lies; its ciphertext is copied once, into `out`
      for (let i = 0; i < parts.length; i++) {
        const ct = cipher.update(parts[i]!);
        out.set(ct, at);
        at += ct.length;
      }
    }
    cipher.final(); // stream modes: final() outputs nothing
    out.set(cipher.getAuthTag(), at);
    return at + AEAD_TAG_LENGTH;
  }

  open(nonce: Uint8Array, aad: Uint8Array, ciphertextAndTag: Uint8Array): Uint8Array | null {
    if (nonce.length !== AEAD_NONCE_LENGTH) throw internalError('AEAD nonce must be 12 bytes');
    const ctLength = ciphertextAndTag.length - AEAD_TAG_LENGTH;
    if (ctLength < 0) return null;
    const decipher =
      this.algorithm === 'chacha20-poly1305'
        ? createDecipheriv('chacha20-poly1305', this.#key, nonce, OPTIONS)
        : createDecipheriv(this.algorithm, this.#key, nonce, OPTIONS);
    decipher.setAuthTag(ciphertextAndTag.subarray(ctLength));
    decipher.setAAD(aad, { plaintextLength: ctLength });
    const pt = decipher.update(ciphertextAndTag.subarray(0, ctLength));
    try {
      decipher.final(); // throws when the tag does not verify
    } catch {
      pt.fill(0); // never let unauthenticated plaintext escape
      return null;
    }
    return view(pt);
  }
}
