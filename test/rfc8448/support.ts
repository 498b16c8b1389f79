/**
 * Shared helpers for the RFC 8448 tests: loading the committed vectors (test/vectors/*.json,
 * produced by scripts/extract-rfc8448.mjs), splitting records into handshake messages, and the
 * key exchange from the RFC's fixed private keys.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as nodeCrypto from 'node:crypto';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { nodeCryptoProvider } from '../../src/crypto/node-provider.js';
import { createScriptedProvider } from '../../src/crypto/test-provider.js';
import { NamedGroup } from '../../src/registry/codepoints.js';
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

/**
 * X25519 (RFC 7748) through the provider: the scripted provider (src/crypto/test-provider.ts) uses
 * the RFC's fixed private keys for the client's generateKeyShare and the server's respondToKeyShare.
 */
export function x25519Exchange(
  clientPrivate: Uint8Array,
  serverPrivate: Uint8Array,
): { clientPublic: Uint8Array; serverPublic: Uint8Array; clientShared: Uint8Array; serverShared: Uint8Array } {
  const client = createScriptedProvider(provider, { x25519PrivateKeys: [clientPrivate] });
  const server = createScriptedProvider(provider, { x25519PrivateKeys: [serverPrivate] });
  const share = client.generateKeyShare(NamedGroup.x25519);
  const response = server.respondToKeyShare(NamedGroup.x25519, share.publicKey);
  return {
    clientPublic: share.publicKey,
    serverPublic: response.publicKey,
    clientShared: share.deriveSecret(response.publicKey),
    serverShared: response.sharedSecret,
  };
}

/**
 * P-256 ECDH shared secret (the x coordinate) from a raw private scalar and the peer's uncompressed
 * point. The scripted provider has no fixed-key path for P-256, so this uses node:crypto directly.
 */
export function p256(privateKey: Uint8Array, peerPublic: Uint8Array): { shared: Uint8Array; ownPublic: Uint8Array } {
  const ecdh = nodeCrypto.createECDH('prime256v1');
  ecdh.setPrivateKey(privateKey);
  return { shared: new Uint8Array(ecdh.computeSecret(peerPublic)), ownPublic: new Uint8Array(ecdh.getPublicKey()) };
}

export const provider: CryptoProvider = nodeCryptoProvider;
