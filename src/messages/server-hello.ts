import { Writer } from '../wire/writer.js';
import { equalBytes } from '../wire/bytes.js';
import { checkLength, decodeExtensions, encodeExtensions, readerOf, type DecodeInput, type Extension } from '../extensions/extension.js';

/** RFC 8446 §4.1.3 (and RFC 5246 §7.4.1.3). Also the shape of a HelloRetryRequest. */
export interface ServerHello {
  readonly legacyVersion: number;
  readonly random: Uint8Array;
  readonly legacySessionIdEcho: Uint8Array;
  readonly cipherSuite: number;
  readonly legacyCompressionMethod: number;
  /** Empty when a TLS 1.2 ServerHello omits the extensions block. */
  readonly extensions: readonly Extension[];
}

/** RFC 8446 §4.1.3: the ServerHello.random of a HelloRetryRequest (SHA-256 of "HelloRetryRequest"). */
export const HELLO_RETRY_REQUEST_RANDOM: Uint8Array = Uint8Array.from([
  0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
  0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
]);

/** RFC 8446 §4.1.3: last 8 bytes of ServerHello.random when a TLS 1.3 server negotiates TLS 1.2 ("DOWNGRD" 01). */
export const DOWNGRADE_TLS12: Uint8Array = Uint8Array.from([0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x01]);
/** RFC 8446 §4.1.3: last 8 bytes of ServerHello.random when a TLS 1.3 server negotiates TLS 1.1 or below ("DOWNGRD" 00). */
export const DOWNGRADE_TLS11: Uint8Array = Uint8Array.from([0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x00]);

/** True when `sh` is a HelloRetryRequest (RFC 8446 §4.1.3: identified by its random). */
export function isHelloRetryRequest(sh: { readonly random: Uint8Array }): boolean {
  return equalBytes(sh.random, HELLO_RETRY_REQUEST_RANDOM);
}

/** Which downgrade sentinel, if any, ends `random` (RFC 8446 §4.1.3). */
export function downgradeSentinel(random: Uint8Array): 'tls12' | 'tls11' | null {
  if (random.length !== 32) return null;
  const tail = random.subarray(24);
  if (equalBytes(tail, DOWNGRADE_TLS12)) return 'tls12';
  if (equalBytes(tail, DOWNGRADE_TLS11)) return 'tls11';
  return null;
}

/**
 * Decode a ServerHello (or HelloRetryRequest) body. As for the ClientHello, the extensions block
 * may be absent (RFC 5246 §7.4.1.3) and its lower bound is 0 rather than RFC 8446's 6; a TLS 1.3
 * ServerHello without supported_versions is then rejected by the handshake, not here.
 */
export function decodeServerHello(input: DecodeInput): ServerHello {
  const r = readerOf(input);
  const legacyVersion = r.u16('ServerHello.legacy_version');
  const random = r.bytes(32, 'ServerHello.random');
  const legacySessionIdEcho = r.vec8('ServerHello.legacy_session_id_echo', 0, 32);
  const cipherSuite = r.u16('ServerHello.cipher_suite');
  const legacyCompressionMethod = r.u8('ServerHello.legacy_compression_method');
  const extensions = r.atEnd ? [] : decodeExtensions(r, 'ServerHello.extensions');
  r.end('ServerHello');
  return { legacyVersion, random, legacySessionIdEcho, cipherSuite, legacyCompressionMethod, extensions };
}

/** Encode a ServerHello body; an empty extension list is omitted (TLS 1.2 style). */
export function encodeServerHello(sh: ServerHello): Uint8Array {
  checkLength(sh.random.length, 32, 32, 'ServerHello.random');
  checkLength(sh.legacySessionIdEcho.length, 0, 32, 'ServerHello.legacy_session_id_echo');
  const w = new Writer(128);
  w.u16(sh.legacyVersion);
  w.bytes(sh.random);
  w.opaque8(sh.legacySessionIdEcho);
  w.u16(sh.cipherSuite);
  w.u8(sh.legacyCompressionMethod);
  if (sh.extensions.length > 0) encodeExtensions(w, sh.extensions);
  return w.finish();
}
