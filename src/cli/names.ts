/** Command-line names for cipher suites and groups: IANA spellings (any case) plus common aliases. */
import { CipherSuite, NamedGroup, ProtocolVersion } from '../registry/codepoints.js';
import { tls13Suite } from '../keyschedule/suites.js';
import { ALL_TLS12_SUITES } from '../handshake/suites12.js';

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
  const s = ALL_TLS12_SUITES.find((x) => x.name.toLowerCase() === name.toLowerCase() || x.opensslName.toLowerCase() === name.toLowerCase());
  if (s === undefined) throw new UsageError(`unknown TLS 1.2 cipher suite "${name}" (try ${ALL_TLS12_SUITES.map((x) => x.opensslName).join(', ')})`);
  return s.suite;
}

/** Splits a comma or colon separated list (OpenSSL uses colons). */
export function splitList(value: string): string[] {
  return value
    .split(/[,:]/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/**
 * A --ciphers list that may mix TLS 1.3 suites (TLS_AES_128_GCM_SHA256) and TLS 1.2 suites (IANA
 * or OpenSSL names): each version's list is replaced only when the list names suites of it.
 */
export function parseMixedCipherList(v: string): { cipherSuites?: number[]; cipherSuites12?: number[] } {
  const s13: number[] = [];
  const s12: number[] = [];
  for (const name of splitList(v)) {
    const code = lookup(CipherSuite, SUITE_ALIASES, name);
    if (code !== undefined && tls13Suite(code) !== undefined) s13.push(code);
    else s12.push(parseCipherSuite12(name));
  }
  return { ...(s13.length > 0 ? { cipherSuites: s13 } : {}), ...(s12.length > 0 ? { cipherSuites12: s12 } : {}) };
}

/** --tls1.2 / --tls1.3: one flag means only that version; none (or both) means TLS 1.2 and 1.3. */
export function versionRange(tls12: boolean, tls13: boolean): { minVersion: number; maxVersion: number } {
  if (tls12 && !tls13) return { minVersion: ProtocolVersion.TLS1_2, maxVersion: ProtocolVersion.TLS1_2 };
  if (tls13 && !tls12) return { minVersion: ProtocolVersion.TLS1_3, maxVersion: ProtocolVersion.TLS1_3 };
  return { minVersion: ProtocolVersion.TLS1_2, maxVersion: ProtocolVersion.TLS1_3 };
}

/** Checks that the chosen versions have cipher suites left (a usage error otherwise). */
export function checkSuitesForVersions(range: { minVersion: number; maxVersion: number }, suites: { cipherSuites?: number[]; cipherSuites12?: number[] }): void {
  const only12 = range.maxVersion === ProtocolVersion.TLS1_2;
  const only13 = range.minVersion === ProtocolVersion.TLS1_3;
  if (only12 && suites.cipherSuites12 === undefined && suites.cipherSuites !== undefined) {
    throw new UsageError('--tls1.2 with only TLS 1.3 cipher suites in --ciphers (name TLS 1.2 suites, e.g. ECDHE-ECDSA-AES128-GCM-SHA256)');
  }
  if (only13 && suites.cipherSuites === undefined && suites.cipherSuites12 !== undefined) {
    throw new UsageError('--tls1.3 with only TLS 1.2 cipher suites in --ciphers (name TLS 1.3 suites, e.g. TLS_AES_128_GCM_SHA256)');
  }
}

export const parseGroupList = (v: string): number[] => splitList(v).map(parseGroup);
export const parseCipherList = (v: string): number[] => splitList(v).map(parseCipherSuite);
/** ALPN is comma separated only (protocol ids may contain colons in principle). */
export const parseAlpnList = (v: string): string[] =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
