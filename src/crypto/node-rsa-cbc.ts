/**
 * node:crypto helpers for the legacy TLS 1.2 primitives: RSAES-PKCS1-v1_5 for the static RSA
 * key exchange (RFC 5246 §7.4.7.1) and AES-CBC without padding for the CBC suites (§6.2.3.2).
 */
import { constants, createCipheriv, createDecipheriv, privateDecrypt, publicEncrypt, randomFillSync } from 'node:crypto';
import { ErrorCode, TlsError, internalError } from '../errors.js';
import { NodePrivateKey, NodePublicKey } from './node-keys.js';
import { view } from './node-util.js';
import { concat } from '../wire/bytes.js';
import type { CbcAlgorithm, CbcKey, PrivateKey, PublicKey } from './provider.js';

export function rsaEncryptPkcs1(key: PublicKey, data: Uint8Array): Uint8Array {
  if (key.info.type !== 'rsa') throw new TlsError(ErrorCode.ERR_TLS_UNSUPPORTED_CERTIFICATE, 'RSA encryption needs an RSA key');
  return view(publicEncrypt({ key: NodePublicKey.unwrap(key), padding: constants.RSA_PKCS1_PADDING }, data));
}

/**
 * RSAES-PKCS1-v1_5 decryption. Node 20 refuses RSA_PKCS1_PADDING in privateDecrypt
 * (CVE-2023-46809), so OpenSSL does the raw RSA operation (RSA_NO_PADDING) and the
 * EM = 0x00 || 0x02 || PS (≥ 8 non-zero bytes) || 0x00 || M check (RFC 8017 §7.2.2 step 3) runs
 * here without secret-dependent branches or indices. Invalid padding does not throw: the
 * result is then random bytes of the longest possible length (randomised rejection, in the
 * spirit of OpenSSL's implicit rejection), so the caller's validity checks see the same shapes.
 * Residual: the returned length follows the (valid) message length; the final copy's offset
 * is selected arithmetically but the engine's memory access pattern is not audited.
 */
export function rsaDecryptPkcs1(key: PrivateKey, data: Uint8Array): Uint8Array {
  if (key.info.type !== 'rsa') throw internalError('RSA decryption needs an RSA key');
  const k = (key.info.bits + 7) >>> 3;
  // Public checks (RFC 8017 §7.2.2 step 1): the ciphertext length is not secret.
  if (data.length !== k || k < 11) throw new TlsError(ErrorCode.ERR_TLS_DECRYPT_ERROR, 'RSA ciphertext length does not match the key');
  let em: Uint8Array;
  try {
    em = view(privateDecrypt({ key: NodePrivateKey.unwrap(key), padding: constants.RSA_NO_PADDING }, data));
  } catch {
    // only a ciphertext ≥ the modulus fails here: a public property of the input
    throw new TlsError(ErrorCode.ERR_TLS_DECRYPT_ERROR, 'RSA ciphertext out of range');
  }
  if (em.length !== k) throw internalError('unexpected RSA output length');
  // good = 0xff when em[0] == 0 and em[1] == 2
  let good = ctIsZero(em[0]!) & ctIsZero(em[1]! ^ 2);
  // the first zero byte after PS: separator index (0 when none), scanned over every byte
  let sep = 0;
  let seen = 0; // 0xff once a zero was found
  for (let i = 2; i < k; i++) {
    const zero = ctIsZero(em[i]!);
    const first = zero & ~seen & 0xff;
    sep |= i & -(first & 1);
    seen |= zero;
  }
  good &= seen;
  // PS at least 8 bytes: sep ≥ 10
  good &= ~ctLessThan(sep, 10) & 0xff;
  const fake = new Uint8Array(k);
  randomFillSync(fake);
  const mask = -(good & 1); // all ones when valid
  const msgLength = ((k - sep - 1) & mask) | ((k - 11) & ~mask);
  const start = k - msgLength;
  // constant-time select of the whole block, then one slice at a position chosen arithmetically
  const out = new Uint8Array(k);
  for (let i = 0; i < k; i++) out[i] = (em[i]! & mask) | (fake[i]! & ~mask);
  em.fill(0);
  const result = out.slice(start);
  out.fill(0);
  return result;
}

/** 0xff when x (a byte or small int ≥ 0) is zero, else 0, without a branch. */
function ctIsZero(x: number): number {
  return ((((x | 0) - 1) >>> 31) & 1) * 0xff;
}

/** 0xff when a < b (both small non-negative ints), else 0. */
function ctLessThan(a: number, b: number): number {
  return (((a - b) >>> 31) & 1) * 0xff;
}

class NodeCbc implements CbcKey {
  constructor(
    readonly algorithm: CbcAlgorithm,
    private readonly key: Uint8Array,
  ) {
    const want = algorithm === 'aes-128-cbc' ? 16 : 32;
    if (key.length !== want) throw internalError(`${algorithm} key must be ${want} bytes`);
  }

  encrypt(iv: Uint8Array, data: Uint8Array): Uint8Array {
    const c = createCipheriv(this.algorithm, this.key, iv).setAutoPadding(false);
    const a = c.update(data);
    const b = c.final();
    return b.length === 0 ? view(a) : concat(view(a), view(b));
  }

  decrypt(iv: Uint8Array, data: Uint8Array): Uint8Array {
    const d = createDecipheriv(this.algorithm, this.key, iv).setAutoPadding(false);
    const a = d.update(data);
    const b = d.final();
    return b.length === 0 ? view(a) : concat(view(a), view(b));
  }
}

export function cbcKey(algorithm: CbcAlgorithm, key: Uint8Array): CbcKey {
  return new NodeCbc(algorithm, key.slice());
}
