import { illegalParameter } from '../errors.js';
import type { Reader } from '../wire/reader.js';
import { Writer } from '../wire/writer.js';
import { checkLength, readerOf, type DecodeInput } from '../extensions/extension.js';

/** RFC 8422 §5.4: ECCurveType; only named_curve(3) remains (1 and 2 are deprecated explicit curves). */
export const ECCurveType = { named_curve: 3 } as const;

/**
 * RFC 5246 §4.7 / §7.4.3 `digitally-signed` as used by TLS 1.2 (RFC 5246 §7.4.1.4.1):
 * `SignatureAndHashAlgorithm algorithm; opaque signature<0..2^16-1>;` (algorithm as one u16,
 * the SignatureScheme code point).
 */
export interface DigitallySigned {
  readonly algorithm: number;
  readonly signature: Uint8Array;
}

/**
 * RFC 8422 §5.4 ServerKeyExchange for ec_diffie_hellman:
 * `ServerECDHParams params { ECParameters curve_params; ECPoint public; }; Signature signed_params;`
 * `params` is the raw ServerECDHParams bytes (what the signature covers, after the randoms).
 */
export interface ServerKeyExchangeEcdhe {
  readonly namedCurve: number;
  readonly publicPoint: Uint8Array;
  readonly params: Uint8Array;
  readonly algorithm: number;
  readonly signature: Uint8Array;
}

/**
 * RFC 5246 §7.4.3 ServerKeyExchange for dhe_dss/dhe_rsa:
 * `ServerDHParams params { opaque dh_p<1..2^16-1>; opaque dh_g<1..2^16-1>; opaque dh_Ys<1..2^16-1>; };`
 * followed by the digitally-signed params. `params` is the raw ServerDHParams bytes.
 */
export interface ServerKeyExchangeDhe {
  readonly dhP: Uint8Array;
  readonly dhG: Uint8Array;
  readonly dhYs: Uint8Array;
  readonly params: Uint8Array;
  readonly algorithm: number;
  readonly signature: Uint8Array;
}

function readSigned(r: Reader): DigitallySigned {
  const algorithm = r.u16('ServerKeyExchange.signed_params.algorithm');
  const signature = r.vec16('ServerKeyExchange.signed_params.signature');
  return { algorithm, signature };
}

export function decodeServerKeyExchangeEcdhe(input: DecodeInput): ServerKeyExchangeEcdhe {
  const r = readerOf(input);
  const start = r.offset;
  const curveType = r.u8('ServerECDHParams.curve_params.curve_type');
  // RFC 8422 §5.4: only named_curve is defined; the explicit curve types are deprecated.
  if (curveType !== ECCurveType.named_curve) {
    throw illegalParameter(`ServerECDHParams.curve_params.curve_type ${curveType}: only named_curve(3) is allowed (RFC 8422 §5.4)`, 'ServerECDHParams.curve_params.curve_type');
  }
  const namedCurve = r.u16('ServerECDHParams.curve_params.namedcurve');
  const publicPoint = r.vec8('ServerECDHParams.public.point', 1);
  const params = r.buf.subarray(start, r.offset);
  const { algorithm, signature } = readSigned(r);
  r.end('ServerKeyExchange');
  return { namedCurve, publicPoint, params, algorithm, signature };
}

/** The ServerECDHParams bytes (what the server signs after client_random + server_random). */
export function encodeServerEcdhParams(namedCurve: number, publicPoint: Uint8Array): Uint8Array {
  checkLength(publicPoint.length, 1, 0xff, 'ServerECDHParams.public.point');
  return new Writer(4 + publicPoint.length).u8(ECCurveType.named_curve).u16(namedCurve).opaque8(publicPoint).finish();
}

export function encodeServerKeyExchangeEcdhe(ske: Omit<ServerKeyExchangeEcdhe, 'params'>): Uint8Array {
  const w = new Writer(8 + ske.publicPoint.length + ske.signature.length);
  w.bytes(encodeServerEcdhParams(ske.namedCurve, ske.publicPoint));
  w.u16(ske.algorithm);
  w.opaque16(ske.signature);
  return w.finish();
}

export function decodeServerKeyExchangeDhe(input: DecodeInput): ServerKeyExchangeDhe {
  const r = readerOf(input);
  const start = r.offset;
  const dhP = r.vec16('ServerDHParams.dh_p', 1);
  const dhG = r.vec16('ServerDHParams.dh_g', 1);
  const dhYs = r.vec16('ServerDHParams.dh_Ys', 1);
  const params = r.buf.subarray(start, r.offset);
  const { algorithm, signature } = readSigned(r);
  r.end('ServerKeyExchange');
  return { dhP, dhG, dhYs, params, algorithm, signature };
}

/** The ServerDHParams bytes (what the server signs after client_random + server_random). */
export function encodeServerDhParams(dhP: Uint8Array, dhG: Uint8Array, dhYs: Uint8Array): Uint8Array {
  checkLength(dhP.length, 1, 0xffff, 'ServerDHParams.dh_p');
  checkLength(dhG.length, 1, 0xffff, 'ServerDHParams.dh_g');
  checkLength(dhYs.length, 1, 0xffff, 'ServerDHParams.dh_Ys');
  return new Writer(6 + dhP.length + dhG.length + dhYs.length).opaque16(dhP).opaque16(dhG).opaque16(dhYs).finish();
}

export function encodeServerKeyExchangeDhe(ske: Omit<ServerKeyExchangeDhe, 'params'>): Uint8Array {
  const params = encodeServerDhParams(ske.dhP, ske.dhG, ske.dhYs);
  const w = new Writer(4 + params.length + ske.signature.length);
  w.bytes(params);
  w.u16(ske.algorithm);
  w.opaque16(ske.signature);
  return w.finish();
}
