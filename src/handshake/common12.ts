import type { CryptoProvider, PrivateKey, PublicKey } from '../crypto/provider.js';
import { ErrorCode, TlsError, illegalParameter } from '../errors.js';
import {
  exportKeyingMaterial12,
  extendedMasterSecret,
  finishedVerifyData12,
  keyBlock12,
  masterSecret12,
  verifyFinished12,
  VERIFY_DATA_LENGTH,
  type KeyBlock12,
} from '../keyschedule/prf12.js';
import type { Transcript } from '../keyschedule/transcript.js';
import { decodeFinished, encodeFinished } from '../messages/finished.js';
import type { HandshakeMessage } from '../messages/handshake.js';
import { HandshakeType, NamedGroup } from '../registry/codepoints.js';
import type { Exporter12, HandshakeHost, HandshakeInput, HandshakeStep } from './host.js';
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
  return resumeSession12(host, provider, suite, masterSecret, clientRandom, serverRandom);
}

/**
 * RFC 5246 §7.3 / §6.3: the keys of a connection from a master secret — a new one, or that of a
 * resumed session (the abbreviated handshake: the same master secret, a key block from the new
 * randoms). Logs the master secret as CLIENT_RANDOM (NSS key log format).
 */
export function resumeSession12(
  host: HandshakeHost,
  provider: CryptoProvider,
  suite: Tls12Suite,
  masterSecret: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
): Session12 {
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

/**
 * RFC 5246 §7.4.7.1: the server's pre_master_secret from an EncryptedPreMasterSecret, with the
 * Bleichenbacher countermeasure: R (46+2 random bytes) is drawn BEFORE decrypting; when the
 * decryption fails (a throw, or a provider's implicit-rejection output), the result is not 48
 * bytes, or its first two bytes are not ClientHello.client_version, R is used instead. The
 * choice is a constant-time byte select, so nothing (alert, error, timing of our code)
 * distinguishes the cases: a bad ClientKeyExchange shows up as a Finished that does not verify.
 */
export function rsaPreMasterSecret12(provider: CryptoProvider, key: PrivateKey, encrypted: Uint8Array, clientVersion: number): Uint8Array {
  const r = provider.randomBytes(48);
  let decrypted: Uint8Array = r; // never used unmasked when decryption throws
  let threw = 0;
  try {
    if (provider.rsaDecryptPkcs1 === undefined) throw new TlsError(ErrorCode.ERR_TLS_INTERNAL_ERROR, 'no RSA decryption');
    decrypted = provider.rsaDecryptPkcs1(key, encrypted);
  } catch {
    threw = 1;
  }
  const m = new Uint8Array(48);
  m.set(decrypted.subarray(0, 48));
  // ok = 1 when it did not throw, is 48 bytes long and starts with client_version — arithmetic, no branches
  const lengthDiff = decrypted.length ^ 48;
  const versionDiff = (m[0]! ^ (clientVersion >>> 8)) | (m[1]! ^ (clientVersion & 0xff));
  const bad = threw | lengthDiff | versionDiff;
  const ok = ((bad - 1) >>> 31) & 1; // 1 iff bad == 0 (bad < 2^31)
  const mask = -ok & 0xff;
  const out = new Uint8Array(48);
  for (let i = 0; i < 48; i++) out[i] = (m[i]! & mask) | (r[i]! & ~mask & 0xff);
  m.fill(0);
  r.fill(0);
  if (decrypted !== r) decrypted.fill(0);
  return out;
}

/** RFC 5246 §7.4.7.1: the client's pre_master_secret: client_version (as offered in the ClientHello) || 46 random bytes. */
export function rsaClientPreMasterSecret12(provider: CryptoProvider, clientVersion: number): Uint8Array {
  const pms = provider.randomBytes(48);
  pms[0] = clientVersion >>> 8;
  pms[1] = clientVersion & 0xff;
  return pms;
}

/** The key block's MAC keys for a CBC suite (RFC 5246 §6.3), and encrypt_then_mac (RFC 7366). */
export function macKeys12(suite: Tls12Suite, macKey: Uint8Array, encryptThenMac: boolean): { macKey: Uint8Array; encryptThenMac: boolean } | undefined {
  return suite.cbc === undefined ? undefined : { macKey, encryptThenMac };
}

/** One side's write key, IV and (CBC suites) MAC keys from the key block (RFC 5246 §6.3). */
function writeKeysOf12(suite: Tls12Suite, session: Session12, side: 'client' | 'server', encryptThenMac: boolean) {
  const k = session.keys;
  return side === 'client'
    ? { key: k.clientWriteKey, iv: k.clientWriteIv, mac: macKeys12(suite, k.clientWriteMacKey, encryptThenMac) }
    : { key: k.serverWriteKey, iv: k.serverWriteIv, mac: macKeys12(suite, k.serverWriteMacKey, encryptThenMac) };
}

/**
 * Our ChangeCipherSpec and Finished (RFC 5246 §7.1, §7.4.9): switches to our write keys and sends
 * verify_data over the transcript so far. Returns the Finished as sent (the caller adds it to the
 * transcript when more messages follow).
 */
export function sendFinished12(
  host: HandshakeHost,
  provider: CryptoProvider,
  suite: Tls12Suite,
  session: Session12,
  side: 'client' | 'server',
  transcript: Transcript,
  encryptThenMac: boolean,
): { readonly raw: Uint8Array; readonly verifyData: Uint8Array } {
  host.sendChangeCipherSpec();
  const w = writeKeysOf12(suite, session, side, encryptThenMac);
  host.setWriteKeys12(suite, w.key, w.iv, w.mac);
  const verifyData = finishedVerifyData12(provider, suite.prfHash, session.masterSecret, side, transcript.hash());
  const fin = { verifyData };
  return { raw: host.send(HandshakeType.finished, encodeFinished(fin), fin).raw, verifyData };
}

/**
 * The peer's Finished after its ChangeCipherSpec (which the caller has consumed): switches to the
 * peer's write keys for reading, then waits for the Finished (with `expectMessage`) and verifies it.
 * RFC 5246 §7.4.9: recipients MUST verify the Finished (constant-time comparison) → decrypt_error.
 */
export function* receiveFinished12(
  host: HandshakeHost,
  provider: CryptoProvider,
  suite: Tls12Suite,
  session: Session12,
  peer: 'client' | 'server',
  transcript: Transcript,
  encryptThenMac: boolean,
  expectMessage: (type: number) => Generator<HandshakeStep, HandshakeMessage, HandshakeInput>,
): Generator<HandshakeStep, { readonly raw: Uint8Array; readonly verifyData: Uint8Array }, HandshakeInput> {
  const r = writeKeysOf12(suite, session, peer, encryptThenMac);
  host.setReadKeys12(suite, r.key, r.iv, r.mac);
  const finMsg = yield* expectMessage(HandshakeType.finished);
  const fin = decodeFinished(finMsg.body, VERIFY_DATA_LENGTH);
  host.received(finMsg, fin);
  if (!verifyFinished12(provider, suite.prfHash, session.masterSecret, peer, transcript.hash(), fin.verifyData)) {
    throw new TlsError(ErrorCode.ERR_TLS_DECRYPT_ERROR, `${peer} Finished does not verify`, { field: 'Finished.verify_data' });
  }
  return { raw: finMsg.raw, verifyData: fin.verifyData };
}
