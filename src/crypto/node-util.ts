/** Small helpers shared by the node:crypto provider modules. Internal to src/crypto. */

/** A Uint8Array view of a Buffer's bytes (no copy). */
export function view(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** A Buffer view of a Uint8Array's bytes (no copy), for node APIs that need Buffer methods. */
export function asBuffer(u: Uint8Array): Buffer {
  return Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

export function base64url(u: Uint8Array): string {
  return asBuffer(u).toString('base64url');
}

export function fromBase64url(s: string): Uint8Array {
  return view(Buffer.from(s, 'base64url'));
}

/** True when every byte is zero, without an early exit (the value is a secret). */
export function isAllZero(b: Uint8Array): boolean {
  let acc = 0;
  for (let i = 0; i < b.length; i++) acc |= b[i]!;
  return acc === 0;
}
