import { readerOf, type DecodeInput } from '../extensions/extension.js';

/** RFC 5246 §7.4.5: `struct { } ServerHelloDone;` → decode_error on any byte. */
export function decodeServerHelloDone(input: DecodeInput): Record<string, never> {
  readerOf(input).end('ServerHelloDone');
  return {};
}

/** RFC 5246 §7.4.1.1: `struct { } HelloRequest;` → decode_error on any byte. */
export function decodeHelloRequest(input: DecodeInput): Record<string, never> {
  readerOf(input).end('HelloRequest');
  return {};
}

export function encodeServerHelloDone(): Uint8Array {
  return new Uint8Array(0);
}
export function encodeHelloRequest(): Uint8Array {
  return new Uint8Array(0);
}
