import { illegalParameter } from '../errors.js';
import { ExtensionType } from '../registry/codepoints.js';
import { Writer } from '../wire/writer.js';
import { checkLength, decodeExtensions, encodeExtensions, readerOf, readU16List, writeU16List, type DecodeInput, type Extension } from '../extensions/extension.js';

/** RFC 8446 §4.1.2 (and RFC 5246 §7.4.1.2). `random` and the vectors are views into the input. */
export interface ClientHello {
  readonly legacyVersion: number;
  readonly random: Uint8Array;
  readonly legacySessionId: Uint8Array;
  readonly cipherSuites: readonly number[];
  readonly legacyCompressionMethods: Uint8Array;
  /** Empty when a TLS 1.2-style ClientHello omits the extensions block. */
  readonly extensions: readonly Extension[];
}

const F = 'ClientHello';

/**
 * Decode a ClientHello body. The extensions block is optional (RFC 5246 §7.4.1.2: a TLS 1.2
 * client may omit it); its lower bound is 0, not RFC 8446's 8, so that a TLS 1.2 ClientHello with
 * an empty block still decodes: a TLS 1.3 offer is then refused for its missing
 * supported_versions, not as a decode error.
 */
export function decodeClientHello(input: DecodeInput): ClientHello {
  const r = readerOf(input);
  const legacyVersion = r.u16('ClientHello.legacy_version');
  const random = r.bytes(32, 'ClientHello.random');
  const legacySessionId = r.vec8('ClientHello.legacy_session_id', 0, 32);
  // RFC 8446 §4.1.2: CipherSuite cipher_suites<2..2^16-2>
  const cipherSuites = readU16List(r, 'ClientHello.cipher_suites', 2, 0xfffe);
  // RFC 8446 §4.1.2: opaque legacy_compression_methods<1..2^8-1>
  const legacyCompressionMethods = r.vec8('ClientHello.legacy_compression_methods', 1, 0xff);
  let extensions: Extension[] = [];
  if (!r.atEnd) {
    extensions = decodeExtensions(r, 'ClientHello.extensions');
    // RFC 8446 §4.2.11: pre_shared_key MUST be the last extension in the ClientHello → illegal_parameter.
    for (let i = 0; i < extensions.length - 1; i++) {
      if ((extensions[i] as Extension).type === ExtensionType.pre_shared_key) {
        throw illegalParameter('ClientHello.extensions: pre_shared_key is not the last extension (RFC 8446 §4.2.11)', 'ClientHello.extensions');
      }
    }
  }
  r.end(F);
  return { legacyVersion, random, legacySessionId, cipherSuites, legacyCompressionMethods, extensions };
}

/**
 * Encode a ClientHello body. An empty extension list is omitted (TLS 1.2 style); a TLS 1.3
 * ClientHello always carries extensions. Out-of-range structs are internal errors.
 */
export function encodeClientHello(ch: ClientHello): Uint8Array {
  checkLength(ch.random.length, 32, 32, 'ClientHello.random');
  checkLength(ch.legacySessionId.length, 0, 32, 'ClientHello.legacy_session_id');
  checkLength(ch.cipherSuites.length * 2, 2, 0xfffe, 'ClientHello.cipher_suites');
  checkLength(ch.legacyCompressionMethods.length, 1, 0xff, 'ClientHello.legacy_compression_methods');
  const w = new Writer(512);
  w.u16(ch.legacyVersion);
  w.bytes(ch.random);
  w.opaque8(ch.legacySessionId);
  writeU16List(w, ch.cipherSuites);
  w.opaque8(ch.legacyCompressionMethods);
  if (ch.extensions.length > 0) encodeExtensions(w, ch.extensions);
  return w.finish();
}
