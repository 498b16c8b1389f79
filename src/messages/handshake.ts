import { decodeError, internalError } from '../errors.js';

/**
 * A handshake message (RFC 8446 §4): `{ HandshakeType msg_type; uint24 length; body }`.
 * `raw` is the 4-byte header followed by the body: the exact bytes the transcript hashes.
 */
export interface HandshakeMessage {
  readonly type: number;
  readonly body: Uint8Array;
  readonly raw: Uint8Array;
}

/** The largest body a u24 length can describe. */
export const MAX_HANDSHAKE_BODY = 0xffffff;

/** Header + body: the handshake message bytes (`raw`). */
export function encodeHandshake(type: number, body: Uint8Array): Uint8Array {
  if (!(type >= 0 && type <= 0xff) || Math.floor(type) !== type) throw internalError(`handshake type ${type} out of range`);
  if (body.length > MAX_HANDSHAKE_BODY) throw internalError(`handshake body of ${body.length} bytes exceeds 2^24-1`);
  const raw = new Uint8Array(4 + body.length);
  raw[0] = type;
  raw[1] = body.length >>> 16;
  raw[2] = body.length >>> 8;
  raw[3] = body.length;
  raw.set(body, 4);
  return raw;
}

/** A HandshakeMessage for an outgoing body (`body` is a view into `raw`). */
export function handshakeMessage(type: number, body: Uint8Array): HandshakeMessage {
  const raw = encodeHandshake(type, body);
  return { type, body: raw.subarray(4), raw };
}

/**
 * Split one complete handshake message (header + body, exactly) into a HandshakeMessage.
 * The body length must match the header (RFC 8446 §4) → decode_error otherwise.
 */
export function parseHandshake(raw: Uint8Array): HandshakeMessage {
  if (raw.length < 4) throw decodeError(`Handshake: needs 4 header bytes, got ${raw.length}`, 'Handshake');
  const len = ((raw[1] as number) << 16) | ((raw[2] as number) << 8) | (raw[3] as number);
  if (len !== raw.length - 4) throw decodeError(`Handshake.length ${len} does not match ${raw.length - 4} body byte(s)`, 'Handshake.length');
  return { type: raw[0] as number, body: raw.subarray(4), raw };
}
