/**
 * The default CryptoProvider: node:crypto (OpenSSL) for everything, @noble/post-quantum for
 * ML-KEM-768 (X25519MLKEM768). All methods are synchronous.
 */
import { createHash, createHmac, hash as oneShotHash, randomFillSync, type Hash } from 'node:crypto';
import { internalError } from '../errors.js';
import { NodeAead } from './node-aead.js';
import {
  exportPrivateKeyPem,
  generateSigningKey,
  importPrivateKey,
  NodePrivateKey,
  PublicKeyCache,
  sign,
  verify,
} from './node-keys.js';
import { dhKeyShare } from './node-ffdhe.js';
import { cbcKey, rsaDecryptPkcs1, rsaEncryptPkcs1 } from './node-rsa-cbc.js';
import { generateKeyShare, okpGenerate, respondToKeyShare, supportsGroup, type KexContext } from './node-kex.js';
import { view } from './node-util.js';
import { HASH_LENGTH, type CryptoProvider, type HashAlgorithm, type HashContext } from './provider.js';

class NodeHashContext implements HashContext {
  readonly algorithm: HashAlgorithm;
  readonly #hash: Hash;

  constructor(algorithm: HashAlgorithm, hash?: Hash) {
    if (!(algorithm in HASH_LENGTH)) throw internalError(`unsupported hash ${algorithm}`);
    this.algorithm = algorithm;
    this.#hash = hash ?? createHash(algorithm);
  }

  update(data: Uint8Array): void {
    this.#hash.update(data);
  }

  digest(): Uint8Array {
    // Hash.digest() finalises the object; digesting a copy leaves this context usable.
    return view(this.#hash.copy().digest());
  }

  clone(): HashContext {
    return new NodeHashContext(this.algorithm, this.#hash.copy());
  }
}

/**
 * Small random requests (client/server randoms, session ids, ML-KEM seeds) are served from a
 * pool refilled 4 KiB at a time: one randomFillSync call costs ~2.5 µs regardless of size up
 * to a few KiB. Bytes are zeroed in the pool once handed out.
 */
const POOL_SIZE = 4096;
const POOL_MAX_REQUEST = 256;

class RandomPool {
  readonly #pool = new Uint8Array(POOL_SIZE);
  #at = POOL_SIZE;

  take(length: number): Uint8Array {
    if (!Number.isSafeInteger(length) || length < 0) throw internalError('invalid random length');
    if (length > POOL_MAX_REQUEST) return randomFillSync(new Uint8Array(length));
    if (this.#at + length > POOL_SIZE) {
      randomFillSync(this.#pool);
      this.#at = 0;
    }
    const end = this.#at + length;
    const out = this.#pool.slice(this.#at, end);
    this.#pool.fill(0, this.#at, end);
    this.#at = end;
    return out;
  }
}

export interface NodeCryptoProviderOptions {
  /** Provider name reported in `name` (default `node:crypto`). */
  readonly name?: string;
  /** How many imported public keys to keep, keyed by SPKI bytes (default 256; 0 disables). */
  readonly publicKeyCacheSize?: number;
}

/** A CryptoProvider over node:crypto. Stateless apart from its random pool and public key cache. */
export function createNodeCryptoProvider(options: NodeCryptoProviderOptions = {}): CryptoProvider {
  const pool = new RandomPool();
  const randomBytes = (length: number): Uint8Array => pool.take(length);
  const kex: KexContext = { random: randomBytes, x25519: () => okpGenerate('x25519') };
  const publicKeys = new PublicKeyCache(options.publicKeyCacheSize ?? 256);

  return {
    name: options.name ?? 'node:crypto',
    randomBytes,
    hash: (algorithm, data) => view(oneShotHash(algorithm, data, 'buffer')),
    createHash: (algorithm) => new NodeHashContext(algorithm),
    hmac: (algorithm, key, data) => view(createHmac(algorithm, key).update(data).digest()),
    aead: (algorithm, key) => new NodeAead(algorithm, key),
    supportsGroup,
    generateKeyShare: (group) => generateKeyShare(group, kex),
    respondToKeyShare: (group, peerShare) => respondToKeyShare(group, peerShare, kex),
    dhKeyShare: (prime, generator) => dhKeyShare(prime, generator),
    rsaEncryptPkcs1,
    rsaDecryptPkcs1,
    cbc: cbcKey,
    importPublicKey: (spki) => publicKeys.import(spki),
    importPrivateKey: (key, passphrase) => importPrivateKey(key, passphrase),
    publicKeyOf: (key) => NodePrivateKey.spkiOf(key),
    generateSigningKey,
    exportPrivateKeyPem,
    sign,
    verify,
  };
}

/** The default provider. */
export const nodeCryptoProvider: CryptoProvider = createNodeCryptoProvider();
