import type { CryptoProvider, PublicKey } from '../crypto/provider.js';
import { ErrorCode, TlsError, illegalParameter } from '../errors.js';
import {
  exportKeyingMaterial12,
  extendedMasterSecret,
  keyBlock12,
  masterSecret12,
  type KeyBlock12,
} from '../keyschedule/prf12.js';
import { NamedGroup } from '../registry/codepoints.js';
import type { Exporter12, HandshakeHost } from './host.js';
import { schemeFitsKey12, type Tls12Suite } from './suites12.js';

/** Groups usable for TLS 1.2 ECDHE (RFC 8422 §5.1.1 and RFC 8422 §3 for x25519). */
export const ECDHE_GROUPS_12: readonly number[] = [NamedGroup.x25519, NamedGroup.secp256r1, NamedGroup.secp384r1, NamedGroup.x448, NamedGroup.secp521r1];

export function isEcdheGroup12(group: number): boolean {
  return ECDHE_GROUPS_12.includes(group);
}

/**
 * RFC 5246 §7.4.3 / RFC 8422 §5.4: the ServerKeyExchange signature covers
 * ClientHello.random + ServerHello.random + ServerECDHParams.
 */
export function serverParamsSignedContent(clientRandom: Uint8Array, serverRandom: Uint8Array, params: Uint8Array): Uint8Array {
  const out = new Uint8Array(64 + params.length);
  out.set(clientRandom, 0);
  out.set(serverRandom, 32);
  out.set(params, 64);
  return out;
}

/**
 * Checks the ServerKeyExchange signature: RFC 5246 §7.4.1.4.1 the algorithm must be one we
 * offered (illegal_parameter), fit the certificate key and the suite (RFC 8422 §5.4), and
 * verify (decrypt_error, RFC 5246 §7.4.3 / §7.2.2).
 */
export function verifyServerKeyExchange(
  provider: CryptoProvider,
  offered: readonly number[],
  suite: Tls12Suite,
  scheme: number,
  key: PublicKey,
  content: Uint8Array,
  signature: Uint8Array,
): void {
  if (!offered.includes(scheme)) {
    throw illegalParameter(`ServerKeyExchange uses signature scheme 0x${scheme.toString(16)}, which was not offered`, 'ServerKeyExchange.signed_params.algorithm');
  }
  if (!schemeFitsKey12(scheme, key.info)) {
    throw illegalParameter('ServerKeyExchange signature scheme does not match the certificate key', 'ServerKeyExchange.signed_params.algorithm');
  }
  if (suite.auth === 'rsa' ? key.info.type !== 'rsa' : key.info.type === 'rsa' || key.info.type === 'rsa-pss') {
    throw illegalParameter('ServerKeyExchange signed with a key that does not fit the cipher suite', 'ServerKeyExchange.signed_params');
  }
  if (!provider.verify(scheme, key, content, signature)) {
    throw new TlsError(ErrorCode.ERR_TLS_DECRYPT_ERROR, 'ServerKeyExchange signature does not verify', { field: 'ServerKeyExchange.signed_params.signature' });
  }
}

/** The master secret, key block and exporter of a TLS 1.2 session. */
export interface Session12 {
  readonly masterSecret: Uint8Array;
  readonly keys: KeyBlock12;
  readonly exporter: Exporter12;
}

/**
 * RFC 5246 §8.1 (or RFC 7627 §4 with the session hash) and §6.3: from the pre-master secret to the
 * key block. Logs the master secret as CLIENT_RANDOM (NSS key log format).
 */
export function deriveSession12(
  host: HandshakeHost,
  provider: CryptoProvider,
  suite: Tls12Suite,
  preMasterSecret: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  sessionHash: Uint8Array | undefined,
): Session12 {
  const masterSecret =
    sessionHash === undefined
      ? masterSecret12(provider, suite.prfHash, preMasterSecret, clientRandom, serverRandom)
      : extendedMasterSecret(provider, suite.prfHash, preMasterSecret, sessionHash);
  preMasterSecret.fill(0);
  host.keyLog('CLIENT_RANDOM', masterSecret);
  const keys = keyBlock12(provider, suite.prfHash, masterSecret, clientRandom, serverRandom, suite.layout);
  const exporter: Exporter12 = (label, context, length) =>
    exportKeyingMaterial12(provider, suite.prfHash, masterSecret, clientRandom, serverRandom, label, context, length);
  return { masterSecret, keys, exporter };
}

/** RFC 8449 §4: in TLS 1.2 the record_size_limit bounds the plaintext, at most 2^14. */
export const MAX_RECORD_SIZE_LIMIT_12 = 1 << 14;

/** RFC 5246 §8.1.2: in TLS 1.2 DHE the leading zero bytes of Z are stripped before it is used as the pre_master_secret (TLS 1.3 keeps them, RFC 8446 §7.4.1). */
export function dhePreMasterSecret12(z: Uint8Array): Uint8Array {
  let i = 0;
  while (i < z.length - 1 && z[i] === 0) i++;
  return z.slice(i);
}

/** A DH public value as a TLS 1.2 integer (dh_Ys / dh_Yc): without leading zero bytes. */
export const dhPublic12 = dhePreMasterSecret12;

/** The FFDHE named groups (RFC 7919 §2). */
export function isFfdheGroup(group: number): boolean {
  return group >= NamedGroup.ffdhe2048 && group <= NamedGroup.ffdhe8192;
}
