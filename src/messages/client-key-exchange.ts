import { Writer } from '../wire/writer.js';
import { checkLength, readerOf, type DecodeInput } from '../extensions/extension.js';

/** The TLS 1.2 key exchange that decides the ClientKeyExchange layout. */
export type KeyExchangeKind = 'ecdhe' | 'dhe' | 'rsa';

/**
 * RFC 5246 §7.4.7 / RFC 8422 §5.7 ClientKeyExchange `exchange_keys`:
 * - ecdhe: `ClientECDiffieHellmanPublic { ECPoint ecdh_Yc; }` with `opaque point<1..2^8-1>`;
 * - dhe: `ClientDiffieHellmanPublic { opaque dh_Yc<1..2^16-1>; }` (explicit encoding);
 * - rsa: `EncryptedPreMasterSecret`, the RSA ciphertext with a u16 length (RFC 5246 §7.4.7.1).
 */
export interface ClientKeyExchange {
  readonly exchangeKeys: Uint8Array;
}

const FIELD: Readonly<Record<KeyExchangeKind, string>> = {
  ecdhe: 'ClientECDiffieHellmanPublic.ecdh_Yc.point',
  dhe: 'ClientDiffieHellmanPublic.dh_Yc',
  rsa: 'EncryptedPreMasterSecret.pre_master_secret',
};

export function decodeClientKeyExchange(input: DecodeInput, kex: KeyExchangeKind): ClientKeyExchange {
  const r = readerOf(input);
  const field = FIELD[kex];
  const exchangeKeys = kex === 'ecdhe' ? r.vec8(field, 1) : r.vec16(field, 1);
  r.end('ClientKeyExchange');
  return { exchangeKeys };
}

export function encodeClientKeyExchange(cke: ClientKeyExchange, kex: KeyExchangeKind): Uint8Array {
  const w = new Writer(2 + cke.exchangeKeys.length);
  checkLength(cke.exchangeKeys.length, 1, kex === 'ecdhe' ? 0xff : 0xffff, FIELD[kex]);
  if (kex === 'ecdhe') w.opaque8(cke.exchangeKeys);
  else w.opaque16(cke.exchangeKeys);
  return w.finish();
}
