/** Command-line names for cipher suites and groups: IANA spellings (any case) plus common aliases. */
import { CipherSuite, NamedGroup } from '../registry/codepoints.js';
import { tls13Suite } from '../keyschedule/suites.js';
import { TLS12_SUITES } from '../handshake/suites12.js';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const GROUP_ALIASES: Readonly<Record<string, number>> = {
  'p-256': NamedGroup.secp256r1,
  p256: NamedGroup.secp256r1,
  prime256v1: NamedGroup.secp256r1,
  'p-384': NamedGroup.secp384r1,
  p384: NamedGroup.secp384r1,
  'p-521': NamedGroup.secp521r1,
  p521: NamedGroup.secp521r1,
  x25519kyber768: NamedGroup.X25519MLKEM768,
};

const SUITE_ALIASES: Readonly<Record<string, number>> = {
  aes128: CipherSuite.TLS_AES_128_GCM_SHA256,
  'aes-128-gcm': CipherSuite.TLS_AES_128_GCM_SHA256,
  aes256: CipherSuite.TLS_AES_256_GCM_SHA384,
  'aes-256-gcm': CipherSuite.TLS_AES_256_GCM_SHA384,
  chacha20: CipherSuite.TLS_CHACHA20_POLY1305_SHA256,
  'chacha20-poly1305': CipherSuite.TLS_CHACHA20_POLY1305_SHA256,
};

function lookup(table: Readonly<Record<string, number>>, aliases: Readonly<Record<string, number>>, name: string): number | undefined {
  const n = name.trim().toLowerCase();
  for (const [k, v] of Object.entries(table)) if (k.toLowerCase() === n) return v;
  return aliases[n];
}

/** A NamedGroup from its IANA name (x25519, secp256r1, X25519MLKEM768) or an alias (P-256). */
export function parseGroup(name: string): number {
  const g = lookup(NamedGroup, GROUP_ALIASES, name);
  if (g === undefined) {
    throw new UsageError(`unknown group "${name}" (try X25519MLKEM768, x25519, secp256r1, secp384r1)`);
  }
  return g;
}

/** A TLS 1.3 cipher suite from its IANA name (TLS_AES_128_GCM_SHA256) or an alias (aes128, chacha20). */
export function parseCipherSuite(name: string): number {
  const s = lookup(CipherSuite, SUITE_ALIASES, name);
  if (s === undefined || tls13Suite(s) === undefined) {
    throw new UsageError(`unknown or non-TLS 1.3 cipher suite "${name}" (try TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256)`);
  }
  return s;
}

/** A TLS 1.2 suite by IANA or OpenSSL name (TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 or ECDHE-RSA-AES128-GCM-SHA256). */
export function parseCipherSuite12(name: string): number {
  const s = TLS12_SUITES.find((x) => x.name.toLowerCase() === name.toLowerCase() || x.opensslName.toLowerCase() === name.toLowerCase());
  if (s === undefined) throw new UsageError(`unknown TLS 1.2 cipher suite "${name}" (try ${TLS12_SUITES.map((x) => x.opensslName).join(', ')})`);
  return s.suite;
}

/** Splits a comma or colon separated list (OpenSSL uses colons). */
export function splitList(value: string): string[] {
  return value
    .split(/[,:]/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export const parseGroupList = (v: string): number[] => splitList(v).map(parseGroup);
export const parseCipherList = (v: string): number[] => splitList(v).map(parseCipherSuite);
/** ALPN is comma separated only (protocol ids may contain colons in principle). */
export const parseAlpnList = (v: string): string[] =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
