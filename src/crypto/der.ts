/**
 * A tiny, strict DER reader for the one structure the provider parses itself: a
 * SubjectPublicKeyInfo (RFC 5280 §4.1.2.7), so that common public keys can be imported through
 * node:crypto's JWK path (a few µs) instead of its DER decoder (~100 µs on Node 20).
 *
 * This is a fast path only. Anything it does not fully understand — long-form tags, odd
 * parameters, compressed points, non-minimal encodings — makes it return `undefined`, and the
 * caller falls back to node:crypto's own DER import, which then accepts or rejects the key.
 * It never throws.
 *
 * Internal to src/crypto.
 */

/** One DER element: tag, and where its contents start and end in the input. */
interface Tlv {
  readonly tag: number;
  readonly start: number;
  readonly end: number;
}

const TAG_SEQUENCE = 0x30;

/** X.690 §8.1.2-§8.1.3 with the DER restrictions of §10.1: low tag numbers, minimal definite lengths. */
function readTlv(b: Uint8Array, at: number, limit: number): Tlv | undefined {
  if (at + 2 > limit) return undefined;
  const tag = b[at]!;
  if ((tag & 0x1f) === 0x1f) return undefined; // high tag number form: never used in an SPKI
  let len = b[at + 1]!;
  let start = at + 2;
  if (len >= 0x80) {
    const n = len & 0x7f;
    // 0x80 is the indefinite form (not DER); more than 3 length bytes is far beyond any key.
    if (n === 0 || n > 3 || start + n > limit) return undefined;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[start + i]!;
    start += n;
    // X.690 §10.1: the length must use the fewest octets (and the short form below 128).
    if (len < 0x80 || (n > 1 && b[at + 2] === 0)) return undefined;
  }
  const end = start + len;
  if (end > limit) return undefined;
  return { tag, start, end };
}

/**
 * True when the input is exactly one DER SEQUENCE (no trailing bytes). OpenSSL's decoder
 * ignores bytes after the first element, so the slow path checks this first.
 */
export function isSingleSequence(der: Uint8Array): boolean {
  const t = readTlv(der, 0, der.length);
  return t !== undefined && t.tag === TAG_SEQUENCE && t.end === der.length;
}

const TAG_INTEGER = 0x02;
const TAG_BIT_STRING = 0x03;
const TAG_NULL = 0x05;
const TAG_OID = 0x06;

/** Content octets of the object identifiers we recognise (X.690 §8.19). */
const OID = {
  rsaEncryption: '2a864886f70d010101', // 1.2.840.113549.1.1.1 (RFC 3279 §2.3.1)
  ecPublicKey: '2a8648ce3d0201', // 1.2.840.10045.2.1 (RFC 5480 §2.1.1)
  prime256v1: '2a8648ce3d030107', // 1.2.840.10045.3.1.7 (RFC 5480 §2.1.1.1)
  secp384r1: '2b81040022', // 1.3.132.0.34
  secp521r1: '2b81040023', // 1.3.132.0.35
  ed25519: '2b6570', // 1.3.101.112 (RFC 8410 §3)
  ed448: '2b6571', // 1.3.101.113 (RFC 8410 §3)
} as const;

function hexOf(b: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) s += b[i]!.toString(16).padStart(2, '0');
  return s;
}

/** What the fast path extracted from an SPKI. Byte fields are subarrays of the input. */
export type ParsedSpki =
  | { readonly kind: 'rsa'; readonly n: Uint8Array; readonly e: Uint8Array; readonly bits: number }
  | { readonly kind: 'ec'; readonly curve: 'P-256' | 'P-384' | 'P-521'; readonly x: Uint8Array; readonly y: Uint8Array }
  | { readonly kind: 'ed25519' | 'ed448'; readonly publicKey: Uint8Array };

const CURVES: Readonly<Record<string, { readonly curve: 'P-256' | 'P-384' | 'P-521'; readonly size: number }>> = {
  [OID.prime256v1]: { curve: 'P-256', size: 32 },
  [OID.secp384r1]: { curve: 'P-384', size: 48 },
  [OID.secp521r1]: { curve: 'P-521', size: 66 },
};

/**
 * A positive INTEGER in minimal two's complement (X.690 §8.3.2): returns the magnitude
 * without the sign octet, or undefined for zero, negative or non-minimal encodings.
 */
function positiveInteger(b: Uint8Array, t: Tlv): Uint8Array | undefined {
  if (t.tag !== TAG_INTEGER || t.end <= t.start) return undefined;
  const first = b[t.start]!;
  if (first & 0x80) return undefined; // negative
  if (first === 0) {
    if (t.end - t.start === 1) return undefined; // zero
    if ((b[t.start + 1]! & 0x80) === 0) return undefined; // non-minimal
    return b.subarray(t.start + 1, t.end);
  }
  return b.subarray(t.start, t.end);
}

function bitLength(magnitude: Uint8Array): number {
  const top = magnitude[0]!;
  return (magnitude.length - 1) * 8 + (32 - Math.clz32(top));
}

/**
 * Parses `SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING }`
 * (RFC 5280 §4.1.2.7) for RSA, EC (named P-curves, uncompressed points), Ed25519 and Ed448.
 * Returns undefined for anything else (the caller falls back to the full DER decoder).
 */
export function parseSpkiFast(spki: Uint8Array): ParsedSpki | undefined {
  const outer = readTlv(spki, 0, spki.length);
  if (outer === undefined || outer.tag !== TAG_SEQUENCE || outer.end !== spki.length) return undefined;
  const alg = readTlv(spki, outer.start, outer.end);
  if (alg === undefined || alg.tag !== TAG_SEQUENCE) return undefined;
  const bits = readTlv(spki, alg.end, outer.end);
  if (bits === undefined || bits.tag !== TAG_BIT_STRING || bits.end !== outer.end) return undefined;
  // X.690 §8.6.2: the first content octet is the number of unused bits; keys use whole octets.
  if (bits.end - bits.start < 1 || spki[bits.start] !== 0) return undefined;
  const key = spki.subarray(bits.start + 1, bits.end);

  const oid = readTlv(spki, alg.start, alg.end);
  if (oid === undefined || oid.tag !== TAG_OID) return undefined;
  const oidHex = hexOf(spki, oid.start, oid.end);
  const params = oid.end < alg.end ? readTlv(spki, oid.end, alg.end) : undefined;
  if (params !== undefined && params.end !== alg.end) return undefined;
  if (params === undefined && oid.end !== alg.end) return undefined;

  switch (oidHex) {
    case OID.rsaEncryption: {
      // RFC 3279 §2.3.1: parameters MUST be NULL. (Absent parameters go to the slow path.)
      if (params === undefined || params.tag !== TAG_NULL || params.end !== params.start) return undefined;
      // RFC 8017 §A.1.1: RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }
      const seq = readTlv(key, 0, key.length);
      if (seq === undefined || seq.tag !== TAG_SEQUENCE || seq.end !== key.length) return undefined;
      const nT = readTlv(key, seq.start, seq.end);
      if (nT === undefined) return undefined;
      const eT = readTlv(key, nT.end, seq.end);
      if (eT === undefined || eT.end !== seq.end) return undefined;
      const n = positiveInteger(key, nT);
      const e = positiveInteger(key, eT);
      if (n === undefined || e === undefined) return undefined;
      return { kind: 'rsa', n, e, bits: bitLength(n) };
    }
    case OID.ecPublicKey: {
      // RFC 5480 §2.1.1: ECParameters is a namedCurve OID (implicit/specified curves are not allowed).
      if (params === undefined || params.tag !== TAG_OID) return undefined;
      const c = CURVES[hexOf(spki, params.start, params.end)];
      if (c === undefined) return undefined;
      // RFC 5480 §2.2: ECPoint; only the uncompressed form (0x04 || X || Y) on the fast path.
      if (key.length !== 1 + 2 * c.size || key[0] !== 0x04) return undefined;
      return { kind: 'ec', curve: c.curve, x: key.subarray(1, 1 + c.size), y: key.subarray(1 + c.size) };
    }
    case OID.ed25519:
    case OID.ed448: {
      // RFC 8410 §3: parameters MUST be absent; §4: the key is the raw public key.
      if (params !== undefined) return undefined;
      const ed25519 = oidHex === OID.ed25519;
      if (key.length !== (ed25519 ? 32 : 57)) return undefined;
      return { kind: ed25519 ? 'ed25519' : 'ed448', publicKey: key };
    }
    default:
      return undefined;
  }
}
