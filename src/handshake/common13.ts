import type { CryptoProvider, KeyInfo, PublicKey } from '../crypto/provider.js';
import { ErrorCode, TlsError, illegalParameter } from '../errors.js';
import { utf8 } from '../wire/bytes.js';
import { matchesHostName } from '../x509/validate.js';
import { decodeKeyUpdate } from '../messages/key-update.js';
import { decodeNewSessionTicket13 } from '../messages/new-session-ticket13.js';
import { HandshakeType } from '../registry/codepoints.js';
import { isTls13SignatureScheme, schemeFitsKey, type CertifiedKey } from './config.js';
import { expect, type HandshakeGenerator, type HandshakeHost, type HandshakeInput, type HandshakeStep } from './host.js';
import type { HandshakeMessage } from '../messages/handshake.js';

const SPACES_64 = new Uint8Array(64).fill(0x20);
const SERVER_CONTEXT = utf8('TLS 1.3, server CertificateVerify');
const CLIENT_CONTEXT = utf8('TLS 1.3, client CertificateVerify');

/**
 * RFC 8446 §4.4.3: the content covered by CertificateVerify: 64 spaces, the context string,
 * a zero byte, then Transcript-Hash(Handshake Context, Certificate).
 */
export function certificateVerifyContent(side: 'server' | 'client', transcriptHash: Uint8Array): Uint8Array {
  const context = side === 'server' ? SERVER_CONTEXT : CLIENT_CONTEXT;
  const out = new Uint8Array(64 + context.length + 1 + transcriptHash.length);
  out.set(SPACES_64, 0);
  out.set(context, 64);
  out[64 + context.length] = 0;
  out.set(transcriptHash, 65 + context.length);
  return out;
}

/**
 * Checks a peer's CertificateVerify signature. RFC 8446 §4.4.3: the scheme must be one we
 * offered (illegal_parameter), fit the certificate's key, and the signature must verify
 * (decrypt_error).
 */
export function verifyPeerSignature(
  provider: CryptoProvider,
  offered: readonly number[],
  scheme: number,
  key: PublicKey,
  content: Uint8Array,
  signature: Uint8Array,
): void {
  // RFC 8446 §4.4.3: the algorithm MUST be one offered in signature_algorithms; PKCS#1 v1.5 and
  // SHA-1 schemes are never valid in a TLS 1.3 CertificateVerify (§4.2.3).
  if (!offered.includes(scheme) || !isTls13SignatureScheme(scheme)) {
    throw illegalParameter(`CertificateVerify uses signature scheme 0x${scheme.toString(16)}, which was not offered`, 'CertificateVerify.algorithm');
  }
  if (!schemeFitsKey(scheme, key.info)) {
    throw illegalParameter('CertificateVerify signature scheme does not match the certificate key', 'CertificateVerify.algorithm');
  }
  if (!provider.verify(scheme, key, content, signature)) {
    throw new TlsError(ErrorCode.ERR_TLS_DECRYPT_ERROR, 'CertificateVerify signature does not verify', {
      field: 'CertificateVerify.signature',
    });
  }
}

/** Our signature scheme for `key`: the first in our preference order that the peer offered. */
export function chooseSignatureScheme(
  preference: readonly number[],
  peerOffered: readonly number[],
  info: KeyInfo,
): number | undefined {
  for (const scheme of preference) {
    if (isTls13SignatureScheme(scheme) && schemeFitsKey(scheme, info) && peerOffered.includes(scheme)) return scheme;
  }
  return undefined;
}

/** Whether a certificate name covers the requested server name (RFC 6125 §6.4.3, shared with the verifier). */
export const nameMatches = matchesHostName;

/** Server names looked up per certificate list (then the cache of that list starts over). */
const NAME_CACHE_SIZE = 256;
const byNameCache = new WeakMap<readonly CertifiedKey[], Map<string, readonly CertifiedKey[]>>();
const NO_CERTIFICATES: readonly CertifiedKey[] = [];

/**
 * The certificates whose names cover `serverName` (RFC 6125 §6.4.3), in order. The answer only
 * depends on the (immutable) list and the name, so it is kept per list: a server answering the
 * same SNI again matches no names.
 */
export function certificatesForName(certificates: readonly CertifiedKey[], serverName: string | undefined): readonly CertifiedKey[] {
  if (serverName === undefined) return NO_CERTIFICATES;
  let names = byNameCache.get(certificates);
  if (names === undefined) byNameCache.set(certificates, (names = new Map<string, readonly CertifiedKey[]>()));
  const hit = names.get(serverName);
  if (hit !== undefined) return hit;
  const found = certificates.filter((c) => c.names.some((pattern) => nameMatches(pattern, serverName)));
  if (names.size >= NAME_CACHE_SIZE) names.clear();
  names.set(serverName, found.length === 0 ? NO_CERTIFICATES : found);
  return found;
}

/**
 * Chooses the server certificate: among the certificates whose names cover the SNI (all of
 * them when there is no SNI or none match), the first whose key can sign with a scheme the
 * client offered, and that scheme.
 */
export function chooseCertificate(
  certificates: readonly CertifiedKey[],
  serverName: string | undefined,
  preference: readonly number[],
  clientSchemes: readonly number[],
): { certificate: CertifiedKey; scheme: number } | undefined {
  for (const certificate of certificatesForName(certificates, serverName)) {
    const scheme = chooseSignatureScheme(preference, clientSchemes, certificate.key.info);
    if (scheme !== undefined) return { certificate, scheme };
  }
  for (const certificate of certificates) {
    const scheme = chooseSignatureScheme(preference, clientSchemes, certificate.key.info);
    if (scheme !== undefined) return { certificate, scheme };
  }
  return undefined;
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
/** RFC 6066 §3: literal IP addresses are not permitted in SNI. */
export function isIpAddress(host: string): boolean {
  return IPV4.test(host) || host.includes(':');
}

/** What the post-handshake phase needs from the host (nothing of the handshake itself). */
export type PostHandshakeHost = Pick<HandshakeHost, 'received' | 'keyUpdateReceived'>;

/**
 * Post-handshake client authentication (RFC 8446 §4.6.2), when it is possible on this connection:
 * called with a CertificateRequest (client) or a client Certificate (server); it reads the rest
 * of the exchange itself.
 */
export type PostHandshakeAuthHandler = (message: HandshakeMessage) => Generator<HandshakeStep, void, HandshakeInput>;

/**
 * The TLS 1.3 post-handshake phase (RFC 8446 §4.6): KeyUpdate from either peer, NewSessionTicket
 * from a server (so only on the client), and with `auth` post-handshake authentication (the
 * server's CertificateRequest, the client's answer). It holds no handshake state (no transcript,
 * secrets, key shares or certificates), so the connection swaps it in for the handshake
 * generator once the handshake completed, and everything else can be collected.
 */
export function* postHandshake13(host: PostHandshakeHost, side: 'client' | 'server', auth?: PostHandshakeAuthHandler): HandshakeGenerator {
  const types: number[] = side === 'client' ? [HandshakeType.new_session_ticket, HandshakeType.key_update] : [HandshakeType.key_update];
  // §4.6.2: a CertificateRequest when we did not offer post_handshake_auth is unexpected_message.
  if (auth !== undefined) types.push(side === 'client' ? HandshakeType.certificate_request : HandshakeType.certificate);
  for (;;) {
    const post = yield* expect(...types);
    if (post.type === HandshakeType.key_update) {
      const ku = decodeKeyUpdate(post.body);
      host.received(post, ku);
      host.keyUpdateReceived(ku.requestUpdate === 1);
    } else if (post.type === HandshakeType.new_session_ticket) {
      // Tickets are decoded (and so checked) and reported; the connection turns them into
      // resumable sessions (RFC 8446 §4.6.1) for its 'session' listener.
      const nst = decodeNewSessionTicket13(post.body);
      host.received(post, nst);
    } else if (auth !== undefined) {
      yield* auth(post);
    }
  }
}
