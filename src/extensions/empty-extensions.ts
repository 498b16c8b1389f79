import { decodeEmpty, type DecodeInput } from './extension.js';

/** RFC 7627 §5.1: extended_master_secret's extension_data is empty → decode_error otherwise. */
export function decodeExtendedMasterSecret(input: DecodeInput): void {
  decodeEmpty(input, 'extended_master_secret');
}

/** RFC 7366 §2: encrypt_then_mac's extension_data is empty → decode_error otherwise. */
export function decodeEncryptThenMac(input: DecodeInput): void {
  decodeEmpty(input, 'encrypt_then_mac');
}

/** RFC 8446 §4.2.6: post_handshake_auth's extension_data is empty → decode_error otherwise. */
export function decodePostHandshakeAuth(input: DecodeInput): void {
  decodeEmpty(input, 'post_handshake_auth');
}

/** The body of every empty extension. */
export function encodeEmptyExtension(): Uint8Array {
  return new Uint8Array(0);
}
export const encodeExtendedMasterSecret = encodeEmptyExtension;
export const encodeEncryptThenMac = encodeEmptyExtension;
export const encodePostHandshakeAuth = encodeEmptyExtension;
