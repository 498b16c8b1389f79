/**
 * Finite-field Diffie-Hellman for TLS: the RFC 7919 named groups (ffdhe2048, ffdhe3072; TLS 1.3
 * key shares, RFC 8446 §4.2.8.1) and TLS 1.2 DHE with the parameters a server sends (RFC 5246
 * §7.4.3). Public values are validated (RFC 7919 §5.1: 1 < y < p-1). The shared secret is always
 * returned left-padded to the length of p (RFC 8446 §7.4.1); TLS 1.2 strips the leading zero
 * bytes itself (RFC 5246 §8.1.2, see `dhePreMasterSecret12`).
 */
import { checkPrimeSync, createDiffieHellman, type DiffieHellman } from 'node:crypto';
import { ErrorCode, TlsError, illegalParameter } from '../errors.js';
import type { KeyShare, KeyShareResponse } from './provider.js';
import { FFDHE2048_P, FFDHE3072_P, FFDHE_GROUPS, G2, ffdheGroupOf } from './ffdhe-groups.js';

/** Prime sizes tlskit accepts from a TLS 1.2 server (RFC 7919 §4: a client may refuse weak groups). */
export const MIN_DH_BITS = 2048;
export const MAX_DH_BITS = 8192;

const toBig = (b: Uint8Array): bigint => (b.length === 0 ? 0n : BigInt(`0x${Buffer.from(b).toString('hex')}`));

function leftPad(b: Uint8Array, length: number): Uint8Array {
  if (b.length === length) return Uint8Array.from(b);
  const out = new Uint8Array(length);
  out.set(b.subarray(Math.max(0, b.length - length)), Math.max(0, length - b.length));
  return out;
}

/** RFC 7919 §5.1 / RFC 8446 §4.2.8.1: the peer's public value must satisfy 1 < y < p-1. */
export function checkDhPublic(p: Uint8Array, y: Uint8Array, field: string): void {
  const yv = toBig(y);
  if (y.length > p.length || yv <= 1n || yv >= toBig(p) - 1n) throw illegalParameter('Diffie-Hellman public value outside 1 < y < p-1', field);
}

const known = new Set([FFDHE2048_P, FFDHE3072_P].map((p) => Buffer.from(p).toString('hex')));
const checkedPrimes = new Map<string, boolean>();

/**
 * TLS 1.2 DHE parameters from a server (RFC 5246 §7.4.3): p a safe prime of 2048..8192 bits and
 * 1 < g < p-1. The RFC 7919 primes are known; another prime is tested (p and (p-1)/2 prime;
 * results cached). Too small → insufficient_security (RFC 7919 §4); not a safe prime → illegal_parameter.
 */
export function checkDhParams(p: Uint8Array, g: Uint8Array): void {
  const field = 'ServerDHParams.dh_p';
  if (p.length > 0 && p[0] === 0) throw illegalParameter('dh_p has a leading zero byte', field);
  const pv = toBig(p);
  const bits = pv.toString(2).length;
  if (bits < MIN_DH_BITS) {
    throw new TlsError(ErrorCode.ERR_TLS_INSUFFICIENT_SECURITY, `the server's DH prime has ${bits} bits (at least ${MIN_DH_BITS} needed)`, { field });
  }
  if (bits > MAX_DH_BITS) throw illegalParameter(`the server's DH prime has ${bits} bits (at most ${MAX_DH_BITS})`, field);
  const gv = toBig(g);
  if (gv <= 1n || gv >= pv - 1n) throw illegalParameter('dh_g outside 1 < g < p-1', 'ServerDHParams.dh_g');
  const key = Buffer.from(p).toString('hex');
  if (known.has(key)) return;
  let safe = checkedPrimes.get(key);
  if (safe === undefined) {
    safe = (pv & 3n) === 3n && checkPrimeSync(pv, { checks: 24 }) && checkPrimeSync((pv - 1n) >> 1n, { checks: 24 });
    if (checkedPrimes.size > 16) checkedPrimes.clear();
    checkedPrimes.set(key, safe);
  }
  if (!safe) throw illegalParameter("the server's DH prime is not a safe prime", field);
}

function modPow(base: bigint, exp: bigint, mod: bigint): bigint {
  let result = 1n;
  let b = base % mod;
  let e = exp;
  while (e > 0n) {
    if ((e & 1n) === 1n) result = (result * b) % mod;
    b = (b * b) % mod;
    e >>= 1n;
  }
  return result;
}

/** An ephemeral key in the finite field (p, g). `publicKey` is padded to the length of p. */
export class FfdheKeyShare implements KeyShare {
  readonly publicKey: Uint8Array;
  readonly #dh: DiffieHellman;

  constructor(
    readonly group: number,
    private readonly p: Uint8Array,
    g: Uint8Array,
    /** TLS 1.3 (named group key share): the peer's value must be exactly as long as p. */
    private readonly exactLength: boolean,
    /** A fixed private key (tests only). */
    privateKey?: Uint8Array,
  ) {
    this.#dh = createDiffieHellman(Buffer.from(p), Buffer.from(g));
    if (privateKey === undefined) this.#dh.generateKeys();
    else {
      this.#dh.setPrivateKey(Buffer.from(privateKey));
      const pub = modPow(toBig(g), toBig(privateKey), toBig(p));
      this.#dh.setPublicKey(Buffer.from(pub.toString(16).padStart(p.length * 2, '0'), 'hex'));
    }
    this.publicKey = leftPad(this.#dh.getPublicKey(), p.length);
  }

  deriveSecret(peerShare: Uint8Array): Uint8Array {
    const field = this.exactLength ? 'KeyShareEntry.key_exchange' : 'DiffieHellman public value';
    if (this.exactLength && peerShare.length !== this.p.length) throw illegalParameter(`FFDHE key_exchange must be ${this.p.length} bytes`, field);
    checkDhPublic(this.p, peerShare, field);
    return leftPad(this.#dh.computeSecret(Buffer.from(peerShare)), this.p.length);
  }
}

/** A named FFDHE group (RFC 7919) key share, TLS 1.3 encoding (padded to the length of p). */
export function ffdheGenerate(group: number): FfdheKeyShare | undefined {
  const p = FFDHE_GROUPS.get(group);
  return p === undefined ? undefined : new FfdheKeyShare(group, p, G2, true);
}

export function ffdheRespond(group: number, peerShare: Uint8Array): KeyShareResponse | undefined {
  const p = FFDHE_GROUPS.get(group);
  if (p === undefined) return undefined;
  if (peerShare.length !== p.length) throw illegalParameter(`FFDHE key_exchange must be ${p.length} bytes`, 'KeyShareEntry.key_exchange');
  checkDhPublic(p, peerShare, 'KeyShareEntry.key_exchange');
  const share = new FfdheKeyShare(group, p, G2, true);
  return { publicKey: share.publicKey, sharedSecret: share.deriveSecret(peerShare) };
}

/**
 * TLS 1.2 DHE with explicit parameters (RFC 5246 §7.4.3): validates them (`checkDhParams`), then
 * a fresh key pair. The peer's public value may be shorter than p (leading zeros stripped).
 */
export function dhKeyShare(p: Uint8Array, g: Uint8Array): KeyShare {
  checkDhParams(p, g);
  const group = ffdheGroupOf(p) ?? 0;
  return new FfdheKeyShare(group, p, g, false);
}
