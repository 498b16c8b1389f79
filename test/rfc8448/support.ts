/**
 * Shared helpers for the RFC 8448 tests: loading the committed vectors (test/vectors/*.json,
 * produced by scripts/extract-rfc8448.mjs), splitting records into handshake messages, and the
 * key exchange from the RFC's fixed private keys.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as nodeCrypto from 'node:crypto';
import type { CryptoProvider, HashAlgorithm, HashContext } from '../../src/crypto/provider.js';
import { fromHex } from '../../src/wire/bytes.js';

export interface Rfc8448Entry {
  readonly label: string;
  readonly actor: 'client' | 'server';
  readonly step: string;
  readonly field: string;
  readonly hex: string;
}
export interface Rfc8448Record {
  readonly sender: 'client' | 'server';
  readonly type: 'handshake' | 'application_data' | 'alert';
  readonly payload: string;
  readonly record: string;
  readonly epoch: 'plaintext' | 'early' | 'handshake' | 'application';
  readonly seq: number;
}
export interface Rfc8448Vectors {
  readonly section: number;
  readonly title: string;
  readonly entries: readonly Rfc8448Entry[];
  readonly values: Readonly<Record<string, string>>;
  readonly records: readonly Rfc8448Record[];
}

/** The repository root (works from test/ under tsx and from dist/test/ after tsc). */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'test', 'vectors'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('repository root not found');
    dir = up;
  }
}

export function loadVectors(name: 'simple' | 'resumption' | 'hrr'): Rfc8448Vectors & { value(name: string): Uint8Array } {
  const v = JSON.parse(readFileSync(join(repoRoot(), 'test', 'vectors', `rfc8448-${name}.json`), 'utf8')) as Rfc8448Vectors;
  return {
    ...v,
    value(key: string): Uint8Array {
      const hex = v.values[key];
      if (hex === undefined) throw new Error(`no RFC 8448 value named "${key}"`);
      return fromHex(hex);
    },
  };
}

export interface Message {
  readonly sender: 'client' | 'server';
  readonly type: number;
  readonly raw: Uint8Array;
}

/** Every handshake message in record order (the handshake records' payloads split on the 4-byte headers). */
export function handshakeMessages(v: Rfc8448Vectors): Message[] {
  const out: Message[] = [];
  for (const r of v.records) {
    if (r.type !== 'handshake') continue;
    const p = fromHex(r.payload);
    let at = 0;
    while (at < p.length) {
      const len = (p[at + 1]! << 16) | (p[at + 2]! << 8) | p[at + 3]!;
      if (at + 4 + len > p.length) throw new Error('truncated handshake message in vector');
      out.push({ sender: r.sender, type: p[at]!, raw: p.subarray(at, at + 4 + len) });
      at += 4 + len;
    }
  }
  return out;
}

/** X25519 (RFC 7748) shared secret from a raw private key and the peer's raw public key. */
export function x25519(privateKey: Uint8Array, peerPublic: Uint8Array, ownPublic: Uint8Array): Uint8Array {
  const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64url');
  const priv = nodeCrypto.createPrivateKey({
    key: { kty: 'OKP', crv: 'X25519', d: b64(privateKey), x: b64(ownPublic) },
    format: 'jwk',
  });
  const pub = nodeCrypto.createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: b64(peerPublic) }, format: 'jwk' });
  return new Uint8Array(nodeCrypto.diffieHellman({ privateKey: priv, publicKey: pub }));
}

/** The raw X25519 public key of a raw private key. */
export function x25519Public(privateKey: Uint8Array): Uint8Array {
  const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b656e04220420', 'hex'), Buffer.from(privateKey)]);
  const jwk = nodeCrypto.createPublicKey(nodeCrypto.createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' })).export({ format: 'jwk' });
  return new Uint8Array(Buffer.from(jwk.x ?? '', 'base64url'));
}

/** P-256 ECDH shared secret (the x coordinate) from a raw private scalar and the peer's uncompressed point. */
export function p256(privateKey: Uint8Array, peerPublic: Uint8Array): { shared: Uint8Array; ownPublic: Uint8Array } {
  const ecdh = nodeCrypto.createECDH('prime256v1');
  ecdh.setPrivateKey(privateKey);
  return { shared: new Uint8Array(ecdh.computeSecret(peerPublic)), ownPublic: new Uint8Array(ecdh.getPublicKey()) };
}

// The hash functions the key schedule needs, from node:crypto (the full provider is not needed here).
function wrap(h: nodeCrypto.Hash, algorithm: HashAlgorithm): HashContext {
  return {
    algorithm,
    update: (d) => void h.update(d),
    digest: () => new Uint8Array(h.copy().digest()),
    clone: () => wrap(h.copy(), algorithm),
  };
}
const unsupported = (): never => {
  throw new Error('not in this test provider');
};
export const provider: CryptoProvider = {
  name: 'rfc8448 hash-only provider',
  randomBytes: unsupported,
  hash: (a, d) => new Uint8Array(nodeCrypto.createHash(a).update(d).digest()),
  createHash: (a) => wrap(nodeCrypto.createHash(a), a),
  hmac: (a, k, d) => new Uint8Array(nodeCrypto.createHmac(a, k).update(d).digest()),
  aead: unsupported,
  supportsGroup: () => false,
  generateKeyShare: unsupported,
  respondToKeyShare: unsupported,
  importPublicKey: unsupported,
  importPrivateKey: unsupported,
  publicKeyOf: unsupported,
  generateSigningKey: unsupported,
  exportPrivateKeyPem: unsupported,
  sign: unsupported,
  verify: unsupported,
};
