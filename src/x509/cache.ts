/**
 * Bounded caches for the certificate verifier: an exact-bytes LRU, and the cache of verified
 * certificate signatures that keeps repeated handshakes with the same chain off the public-key
 * operations.
 */
import type { CryptoProvider, PublicKey } from '../crypto/provider.js';
import { equalBytes } from '../wire/bytes.js';
import type { Certificate } from './certificate.js';
import { verifyCertificateSignature } from './signature.js';

/**
 * A bounded LRU keyed by the SHA-256 of some byte strings; each entry keeps private copies of
 * those bytes and a hit compares them, so a hit means exactly the same bytes.
 */
export class BytesLru<V> {
  private readonly map = new Map<string, { readonly parts: readonly Uint8Array[]; readonly value: V }>();

  constructor(
    private readonly provider: CryptoProvider,
    private readonly max: number,
  ) {}

  key(parts: readonly Uint8Array[]): string {
    let n = 0;
    for (const p of parts) n += 4 + p.length;
    const buf = new Uint8Array(n);
    let at = 0;
    for (const p of parts) {
      // length-prefixed, so that different splits of the same bytes never share a key
      buf[at] = p.length >>> 24;
      buf[at + 1] = (p.length >>> 16) & 0xff;
      buf[at + 2] = (p.length >>> 8) & 0xff;
      buf[at + 3] = p.length & 0xff;
      buf.set(p, at + 4);
      at += 4 + p.length;
    }
    // the 32 digest octets as a 32-character string: a cheaper map key than hex
    return String.fromCharCode(...this.provider.hash('sha256', buf));
  }

  get(key: string, parts: readonly Uint8Array[]): V | undefined {
    if (this.max === 0) return undefined;
    const hit = this.map.get(key);
    if (hit === undefined || hit.parts.length !== parts.length) return undefined;
    for (let i = 0; i < parts.length; i++) if (!equalBytes(hit.parts[i] as Uint8Array, parts[i] as Uint8Array)) return undefined;
    this.map.delete(key);
    this.map.set(key, hit);
    return hit.value;
  }

  set(key: string, parts: readonly Uint8Array[], value: V): void {
    if (this.max === 0) return;
    if (this.map.size >= this.max) {
      const oldest = this.map.keys().next();
      if (oldest.done !== true) this.map.delete(oldest.value);
    }
    this.map.set(key, { parts: parts.map((p) => p.slice()), value });
  }
}

/**
 * Remembers verified certificate signatures. A signature's validity is a pure function of the
 * issuer's public key and the certificate's bytes, so the key is (issuer SPKI, certificate DER)
 * and a hit compares those bytes exactly; only successes are remembered (a failure is rare, and
 * the peer's choice). Every other check runs every time.
 *
 * @example
 * const cache = new SignatureCache(provider, 256);
 * verifyCertificateChain({ leaf, intermediates, trustAnchors, signatureCache: cache });
 */
export class SignatureCache {
  private readonly lru: BytesLru<true>;
  /**
   * The same facts keyed by the certificate objects: the verifier's certificates come from its
   * parse cache (parsed from private copies) and the trust store, so a repeated chain is the same
   * objects and needs no hashing at all. Entries die with the objects.
   */
  private readonly byObject = new WeakMap<Certificate, WeakSet<Certificate>>();

  constructor(
    private readonly provider: CryptoProvider,
    private readonly max = 256,
  ) {
    this.lru = new BytesLru<true>(provider, max);
  }

  /** Whether `issuer`'s key signed `child`; `key` is only called on a miss. Throws for unsupported algorithms. */
  verify(child: Certificate, issuer: Certificate, key: () => PublicKey): boolean {
    if (this.max === 0) return verifyCertificateSignature(this.provider, child, key());
    if (this.byObject.get(child)?.has(issuer) === true) return true;
    const parts = [issuer.subjectPublicKeyInfo, child.raw];
    const k = this.lru.key(parts);
    let good = this.lru.get(k, parts) !== undefined;
    if (!good) {
      good = verifyCertificateSignature(this.provider, child, key());
      if (good) this.lru.set(k, parts, true);
    }
    if (good) {
      let issuers = this.byObject.get(child);
      if (issuers === undefined) this.byObject.set(child, (issuers = new WeakSet<Certificate>()));
      issuers.add(issuer);
    }
    return good;
  }
}
