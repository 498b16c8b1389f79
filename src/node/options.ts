/**
 * node:tls option parsing: PEM/DER inputs, `ciphers`, `ecdhCurve`, `minVersion`/`maxVersion`,
 * `ALPNProtocols`, key/cert pairs → CertifiedKey. Every bad option is a TlsError with code
 * ERR_TLS_INVALID_OPTION (no alert: it is local API misuse).
 */
import { Buffer } from 'node:buffer';
import type { CryptoProvider, PrivateKey } from '../crypto/provider.js';
import { ErrorCode, TlsError } from '../errors.js';
import type { CertifiedKey } from '../handshake/config.js';
import { DEFAULT_CIPHER_SUITES, DEFAULT_GROUPS } from '../handshake/config.js';
import { CipherSuite, NamedGroup, ProtocolVersion } from '../registry/codepoints.js';
import { ALL_TLS12_SUITES, DEFAULT_CIPHER_SUITES_12 } from '../handshake/suites12.js';
import { equalBytes } from '../wire/bytes.js';
import { parseCertificate } from '../x509/certificate.js';
import { decodeCertificatesPem, decodePem } from '../x509/pem.js';

export type BinaryLike = string | Buffer | Uint8Array;
/** node's `key` entries: PEM text / Buffer, or `{ pem, passphrase }`. */
export type KeyInput = BinaryLike | { readonly pem: BinaryLike; readonly passphrase?: string | undefined };

export const invalidOption = (message: string): TlsError => new TlsError(ErrorCode.ERR_TLS_INVALID_OPTION, message);

export type TlsVersionName = 'TLSv1.3' | 'TLSv1.2' | 'TLSv1.1' | 'TLSv1';

export const DEFAULT_MIN_VERSION: TlsVersionName = 'TLSv1.2';
export const DEFAULT_MAX_VERSION: TlsVersionName = 'TLSv1.3';

const VERSION_RANK: Readonly<Record<string, number>> = { TLSv1: 1, 'TLSv1.1': 2, 'TLSv1.2': 3, 'TLSv1.3': 4 };

/**
 * Checks minVersion/maxVersion and returns the bounds tlskit uses (TLS 1.2 and 1.3; RFC 8996
 * deprecates 1.0/1.1): a range without TLS 1.2 or 1.3, or an unknown name, is ERR_TLS_INVALID_OPTION.
 */
export function checkVersions(minVersion: string | undefined, maxVersion: string | undefined): { minVersion: number; maxVersion: number } {
  const min = minVersion ?? DEFAULT_MIN_VERSION;
  const max = maxVersion ?? DEFAULT_MAX_VERSION;
  const lo = VERSION_RANK[min];
  const hi = VERSION_RANK[max];
  if (lo === undefined) throw invalidOption(`minVersion ${JSON.stringify(min)} is not one of TLSv1, TLSv1.1, TLSv1.2, TLSv1.3`);
  if (hi === undefined) throw invalidOption(`maxVersion ${JSON.stringify(max)} is not one of TLSv1, TLSv1.1, TLSv1.2, TLSv1.3`);
  if (lo > hi) throw invalidOption(`minVersion ${min} is above maxVersion ${max}`);
  if (hi < 3) {
    throw invalidOption(`tlskit supports TLSv1.2 and TLSv1.3 (RFC 8996 deprecates older versions); the options allow ${min === max ? min : `${min}..${max}`}`);
  }
  return { minVersion: lo <= 3 ? ProtocolVersion.TLS1_2 : ProtocolVersion.TLS1_3, maxVersion: hi >= 4 ? ProtocolVersion.TLS1_3 : ProtocolVersion.TLS1_2 };
}

/**
 * The TLS 1.2 suites named in node's `ciphers` (OpenSSL names such as ECDHE-ECDSA-AES128-GCM-SHA256),
 * in the given order; naming a legacy suite (static RSA such as AES128-GCM-SHA256, or CBC such as
 * ECDHE-RSA-AES128-SHA) enables it (`rsaKeyExchange` / `cbcSuites`). Other OpenSSL cipher strings (HIGH, DEFAULT, !aNULL, ...) are not
 * interpreted: a list with only those gives tlskit's TLS 1.2 defaults.
 */
export function parseCiphers12(ciphers: string | undefined): readonly number[] {
  if (ciphers === undefined) return DEFAULT_CIPHER_SUITES_12;
  const entries = ciphers.split(':').map((s) => s.trim()).filter((s) => s.length > 0 && !s.startsWith('TLS_'));
  const out: number[] = [];
  for (const name of entries) {
    const suite = ALL_TLS12_SUITES.find((s) => s.opensslName === name || s.name === name);
    if (suite !== undefined && !out.includes(suite.suite)) out.push(suite.suite);
  }
  if (out.length > 0) return out;
  return entries.some((e) => !e.startsWith('!') && !e.startsWith('-') && !e.startsWith('+')) ? DEFAULT_CIPHER_SUITES_12 : [];
}

/** OpenSSL name and IANA name of a negotiated suite (node's getCipher().name / standardName). */
export function suiteNames(code: number): { name: string; standardName: string } {
  const s13 = SUITE_NAMES[code];
  if (s13 !== undefined) return { name: s13, standardName: s13 };
  const s12 = ALL_TLS12_SUITES.find((s) => s.suite === code);
  return s12 === undefined ? { name: '', standardName: '' } : { name: s12.opensslName, standardName: s12.name };
}

const SUITE_BY_NAME: Readonly<Record<string, number>> = {
  TLS_AES_128_GCM_SHA256: CipherSuite.TLS_AES_128_GCM_SHA256,
  TLS_AES_256_GCM_SHA384: CipherSuite.TLS_AES_256_GCM_SHA384,
  TLS_CHACHA20_POLY1305_SHA256: CipherSuite.TLS_CHACHA20_POLY1305_SHA256,
};

export const SUITE_NAMES: Readonly<Record<number, string>> = Object.fromEntries(Object.entries(SUITE_BY_NAME).map(([k, v]) => [v, k]));

/**
 * node's `ciphers`: colon-separated OpenSSL names. `TLS_*` names are TLS 1.3 suites (as node
 * splits them); other entries are TLS 1.2 cipher strings, accepted and ignored until TLS 1.2
 * lands. Like node, a list without TLS 1.3 suites means "TLS 1.2 only" (an error for now).
 */
/**
 * The version bounds and TLS 1.2 suites from node's options: without TLS 1.3 suites in `ciphers`
 * only TLS 1.2 remains (as in node), and without TLS 1.2 suites only TLS 1.3.
 */
export function versionOptions(o: { minVersion?: string | undefined; maxVersion?: string | undefined; ciphers?: string | undefined }, tls13Suites: readonly number[]): { minVersion: number; maxVersion: number; cipherSuites12: readonly number[] } {
  const v = checkVersions(o.minVersion, o.maxVersion);
  const cipherSuites12 = parseCiphers12(o.ciphers);
  const maxVersion = tls13Suites.length === 0 ? ProtocolVersion.TLS1_2 : v.maxVersion;
  const minVersion = cipherSuites12.length === 0 ? ProtocolVersion.TLS1_3 : v.minVersion;
  if (minVersion > maxVersion) throw invalidOption('ciphers leaves no cipher suite for the allowed protocol versions');
  return { minVersion, maxVersion, cipherSuites12 };
}

export function parseCiphers(ciphers: string | undefined): readonly number[] {
  if (ciphers === undefined) return DEFAULT_CIPHER_SUITES;
  const entries = ciphers.split(':').map((s) => s.trim()).filter((s) => s.length > 0);
  const tls13 = entries.filter((s) => s.startsWith('TLS_') && !s.startsWith('TLS_ECDHE_'));
  if (entries.length === 0) throw invalidOption('ciphers is empty');
  const out: number[] = [];
  for (const name of tls13) {
    const code = SUITE_BY_NAME[name];
    if (code === undefined) {
      throw invalidOption(`unsupported TLS 1.3 cipher suite ${JSON.stringify(name)} (supported: ${Object.keys(SUITE_BY_NAME).join(', ')})`);
    }
    if (!out.includes(code)) out.push(code);
  }
  return out;
}

const GROUP_BY_NAME: Readonly<Record<string, number>> = {
  x25519: NamedGroup.x25519,
  X25519: NamedGroup.x25519,
  'P-256': NamedGroup.secp256r1,
  prime256v1: NamedGroup.secp256r1,
  secp256r1: NamedGroup.secp256r1,
  'P-384': NamedGroup.secp384r1,
  secp384r1: NamedGroup.secp384r1,
  'P-521': NamedGroup.secp521r1,
  secp521r1: NamedGroup.secp521r1,
  X25519MLKEM768: NamedGroup.X25519MLKEM768,
  x25519mlkem768: NamedGroup.X25519MLKEM768,
  X448: NamedGroup.x448,
  x448: NamedGroup.x448,
};

/** node's `ecdhCurve`: `auto` (the defaults) or a colon-separated list of curve names. */
export function parseEcdhCurve(ecdhCurve: string | undefined, provider: CryptoProvider): readonly number[] {
  if (ecdhCurve === undefined || ecdhCurve === 'auto') return DEFAULT_GROUPS;
  const out: number[] = [];
  for (const raw of ecdhCurve.split(':')) {
    const name = raw.trim();
    if (name === '') continue;
    const g = GROUP_BY_NAME[name];
    if (g === undefined) throw invalidOption(`unknown ecdhCurve ${JSON.stringify(name)} (known: X25519, P-256, P-384, P-521, X25519MLKEM768, auto)`);
    if (!provider.supportsGroup(g)) throw invalidOption(`ecdhCurve ${name} is not supported by the crypto provider ${provider.name}`);
    if (!out.includes(g)) out.push(g);
  }
  if (out.length === 0) throw invalidOption('ecdhCurve lists no curve');
  return out;
}

/** node's `ALPNProtocols`: string[], Buffer[]/Uint8Array[], or one Buffer in wire format. */
export function parseAlpn(alpn: readonly (string | Uint8Array)[] | Uint8Array | undefined): readonly string[] {
  if (alpn === undefined) return [];
  if (alpn instanceof Uint8Array) {
    const out: string[] = [];
    for (let at = 0; at < alpn.length; ) {
      const len = alpn[at] as number;
      if (len === 0 || at + 1 + len > alpn.length) throw invalidOption('ALPNProtocols buffer is not in wire format (length-prefixed names)');
      out.push(Buffer.from(alpn.buffer, alpn.byteOffset + at + 1, len).toString('latin1'));
      at += 1 + len;
    }
    return out;
  }
  return alpn.map((p) => {
    const s = typeof p === 'string' ? p : Buffer.from(p.buffer, p.byteOffset, p.byteLength).toString('latin1');
    if (s.length === 0 || s.length > 255) throw invalidOption(`ALPN protocol name of length ${s.length} (1..255 allowed)`);
    return s;
  });
}

function asText(x: BinaryLike): string | undefined {
  if (typeof x === 'string') return x;
  // A Buffer that holds PEM text.
  const head = Buffer.from(x.buffer, x.byteOffset, Math.min(x.byteLength, 64)).toString('latin1');
  if (head.trimStart().startsWith('-----BEGIN') || head.includes('-----BEGIN')) return Buffer.from(x.buffer, x.byteOffset, x.byteLength).toString('utf8');
  return undefined;
}

/** Certificates from PEM text (any number of blocks) or one DER buffer, leaf first. */
export function certificatesFrom(input: BinaryLike | readonly BinaryLike[] | undefined, what = 'cert'): Uint8Array[] {
  if (input === undefined) return [];
  const list: readonly BinaryLike[] = Array.isArray(input) ? (input as readonly BinaryLike[]) : [input as BinaryLike];
  const out: Uint8Array[] = [];
  for (const item of list) {
    const text = asText(item);
    try {
      if (text !== undefined) out.push(...decodeCertificatesPem(text));
      else if (typeof item !== 'string') out.push(new Uint8Array(item.buffer, item.byteOffset, item.byteLength));
    } catch (e) {
      throw new TlsError(ErrorCode.ERR_TLS_INVALID_OPTION, `${what}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }
  return out;
}

function importKey(provider: CryptoProvider, input: KeyInput, passphrase: string | undefined): PrivateKey {
  let data: BinaryLike;
  let pass = passphrase;
  if (typeof input === 'object' && !(input instanceof Uint8Array)) {
    data = input.pem;
    if (input.passphrase !== undefined) pass = input.passphrase;
  } else {
    data = input;
  }
  const text = asText(data);
  try {
    const keyData: string | Uint8Array = text ?? (typeof data === 'string' ? data : new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return pass === undefined ? provider.importPrivateKey(keyData) : provider.importPrivateKey(keyData, pass);
  } catch (e) {
    throw new TlsError(ErrorCode.ERR_TLS_INVALID_OPTION, `key: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

/** One certificate chain per PEM entry (several chains may not share one string: each string is leaf + its intermediates). */
function chainsFrom(cert: BinaryLike | readonly BinaryLike[]): Uint8Array[][] {
  const list: readonly BinaryLike[] = Array.isArray(cert) ? (cert as readonly BinaryLike[]) : [cert as BinaryLike];
  return list.map((c) => certificatesFrom(c)).filter((chain) => chain.length > 0);
}

/** DNS names and IP addresses of the leaf (its subjectAltName), for SNI selection. */
export function leafNames(leaf: Uint8Array): string[] {
  try {
    const san = parseCertificate(leaf).subjectAltName;
    return san === undefined ? [] : [...san.dnsNames, ...san.ipAddresses];
  } catch (e) {
    throw new TlsError(ErrorCode.ERR_TLS_INVALID_OPTION, `cert: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

export interface KeyCertOptions {
  readonly key?: KeyInput | readonly KeyInput[] | undefined;
  readonly cert?: BinaryLike | readonly BinaryLike[] | undefined;
  readonly passphrase?: string | undefined;
  /**
   * tlskit extra: explicit pairs; a server staples `ocspResponse` (DER OCSPResponse) and sends
   * `sctList` (TLS-encoded SignedCertificateTimestampList) for the pair when the client asks.
   */
  readonly certificates?:
    | readonly {
        readonly key: KeyInput;
        readonly cert: BinaryLike;
        readonly passphrase?: string;
        readonly ocspResponse?: Uint8Array | undefined;
        readonly sctList?: Uint8Array | undefined;
      }[]
    | undefined;
}

/**
 * node's key/cert options (single values or arrays of RSA/ECDSA/Ed25519 keys and chains, paired
 * by public key as OpenSSL does) and tlskit's `certificates: [{key, cert}]` → CertifiedKeys.
 */
export function certifiedKeysFrom(provider: CryptoProvider, o: KeyCertOptions): CertifiedKey[] {
  const out: CertifiedKey[] = [];
  for (const pair of o.certificates ?? []) {
    const chain = certificatesFrom(pair.cert);
    const leaf = chain[0];
    if (leaf === undefined) throw invalidOption('certificates[]: a cert has no CERTIFICATE');
    const key = importKey(provider, pair.key, pair.passphrase ?? o.passphrase);
    checkKeyMatches(provider, key, leaf);
    out.push({
      chain,
      key,
      names: leafNames(leaf),
      ...(pair.ocspResponse !== undefined ? { ocspResponse: new Uint8Array(pair.ocspResponse) } : {}),
      ...(pair.sctList !== undefined ? { sctList: new Uint8Array(pair.sctList) } : {}),
    });
  }
  if (o.key === undefined && o.cert === undefined) return out;
  if (o.key === undefined || o.cert === undefined) throw invalidOption(o.key === undefined ? 'cert given without key' : 'key given without cert');
  const keyList: readonly KeyInput[] = Array.isArray(o.key) ? (o.key as readonly KeyInput[]) : [o.key as KeyInput];
  const keys = keyList.map((k) => importKey(provider, k, o.passphrase));
  const spkis = keys.map((k) => provider.publicKeyOf(k));
  const chains = chainsFrom(o.cert);
  if (chains.length === 0) throw invalidOption('cert holds no certificate');
  for (const chain of chains) {
    const leaf = chain[0] as Uint8Array;
    let spki: Uint8Array;
    try {
      spki = parseCertificate(leaf).subjectPublicKeyInfo;
    } catch (e) {
      throw new TlsError(ErrorCode.ERR_TLS_INVALID_OPTION, `cert: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    const i = spkis.findIndex((s) => equalBytes(s, spki));
    if (i < 0) throw invalidOption('key values mismatch: no key given for a certificate (its public key matches none of the keys)');
    out.push({ chain, key: keys[i] as PrivateKey, names: leafNames(leaf) });
  }
  return out;
}

function checkKeyMatches(provider: CryptoProvider, key: PrivateKey, leaf: Uint8Array): void {
  const spki = parseCertificate(leaf).subjectPublicKeyInfo;
  if (!equalBytes(provider.publicKeyOf(key), spki)) throw invalidOption('key values mismatch: the key does not belong to the certificate');
}

/** Whether a PEM text holds a private key (used to tell `key` contents apart in messages). */
export function hasPemBlock(text: string, label: string): boolean {
  try {
    return decodePem(text).some((b) => b.label === label);
  } catch {
    return false;
  }
}

/** A zero-copy Buffer view of a Uint8Array. */
export function bufferView(u8: Uint8Array): Buffer {
  return Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
}
