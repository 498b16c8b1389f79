// Finite-field DH (RFC 7919 groups, TLS 1.2 DHE parameters): validation of p, g and public values,
// padding of Z (TLS 1.3, RFC 8446 §7.4.1) vs stripping (TLS 1.2, RFC 5246 §8.1.2) on a seeded case.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkPrimeSync, createHash } from 'node:crypto';
import { FFDHE2048_P, FFDHE3072_P, G2 } from './ffdhe-groups.js';
import { FfdheKeyShare, checkDhParams, checkDhPublic, dhKeyShare } from './node-ffdhe.js';
import { nodeCryptoProvider } from './node-provider.js';
import { NamedGroup } from '../registry/codepoints.js';
import { ErrorCode, TlsError } from '../errors.js';
import { dhePreMasterSecret12 } from '../handshake/common12.js';
import { masterSecret12 } from '../keyschedule/prf12.js';

const big = (b: Uint8Array): bigint => BigInt(`0x${Buffer.from(b).toString('hex')}`);
const bytes = (v: bigint, len: number): Uint8Array => Uint8Array.from(Buffer.from(v.toString(16).padStart(len * 2, '0'), 'hex'));
const code = (f: () => unknown): string | undefined => {
  try {
    f();
    return undefined;
  } catch (e) {
    return e instanceof TlsError ? e.code : 'not a TlsError';
  }
};
const seed = (s: string): Uint8Array => Uint8Array.from(createHash('sha256').update(s).digest());

describe('FFDHE', () => {
  it('the RFC 7919 primes are safe primes of 2048 and 3072 bits', () => {
    for (const [p, bits] of [[FFDHE2048_P, 2048], [FFDHE3072_P, 3072]] as const) {
      assert.equal(big(p).toString(2).length, bits);
      assert.ok(checkPrimeSync(big(p), { checks: 4 }) && checkPrimeSync((big(p) - 1n) / 2n, { checks: 4 }));
    }
  });

  it('named groups: TLS 1.3 key shares padded to the length of p, both sides agree', () => {
    const p = nodeCryptoProvider;
    for (const group of [NamedGroup.ffdhe2048, NamedGroup.ffdhe3072]) {
      assert.ok(p.supportsGroup(group));
      const a = p.generateKeyShare(group);
      const len = group === NamedGroup.ffdhe2048 ? 256 : 384;
      assert.equal(a.publicKey.length, len);
      const r = p.respondToKeyShare(group, a.publicKey);
      assert.equal(r.sharedSecret.length, len);
      assert.deepEqual(a.deriveSecret(r.publicKey), r.sharedSecret);
      // RFC 8446 §4.2.8.1: a share of the wrong length is illegal_parameter
      assert.equal(code(() => p.respondToKeyShare(group, a.publicKey.subarray(1))), ErrorCode.ERR_TLS_ILLEGAL_PARAMETER);
    }
  });

  it('public values outside 1 < y < p-1 are illegal_parameter (RFC 7919 §5.1)', () => {
    const p = FFDHE2048_P;
    const pv = big(p);
    for (const y of [0n, 1n, pv - 1n, pv, pv + 1n]) {
      assert.equal(code(() => checkDhPublic(p, bytes(y, 256), 'y')), ErrorCode.ERR_TLS_ILLEGAL_PARAMETER, `y = ${y.toString(16).slice(0, 8)}`);
    }
    assert.equal(code(() => checkDhPublic(p, Uint8Array.of(2), 'y')), undefined);
    assert.equal(code(() => checkDhPublic(p, new Uint8Array(257).fill(1), 'y')), ErrorCode.ERR_TLS_ILLEGAL_PARAMETER);
    const share = dhKeyShare(p, G2);
    assert.equal(code(() => share.deriveSecret(Uint8Array.of(1))), ErrorCode.ERR_TLS_ILLEGAL_PARAMETER);
    assert.equal(code(() => share.deriveSecret(bytes(pv - 1n, 256))), ErrorCode.ERR_TLS_ILLEGAL_PARAMETER);
  });

  it('server parameters: small primes → insufficient_security, non-safe primes and bad g → illegal_parameter', () => {
    assert.equal(code(() => checkDhParams(FFDHE2048_P, G2)), undefined);
    assert.equal(code(() => checkDhParams(FFDHE3072_P, Uint8Array.of(5))), undefined);
    const p1024 = bytes((1n << 1023n) + 1n, 128);
    assert.equal(code(() => checkDhParams(p1024, G2)), ErrorCode.ERR_TLS_INSUFFICIENT_SECURITY);
    // p+2 (odd, 2048 bits) is not a (safe) prime
    assert.equal(code(() => checkDhParams(bytes(big(FFDHE2048_P) - 4n, 256), G2)), ErrorCode.ERR_TLS_ILLEGAL_PARAMETER);
    assert.equal(code(() => checkDhParams(FFDHE2048_P, Uint8Array.of(1))), ErrorCode.ERR_TLS_ILLEGAL_PARAMETER);
    assert.equal(code(() => checkDhParams(FFDHE2048_P, bytes(big(FFDHE2048_P) - 1n, 256))), ErrorCode.ERR_TLS_ILLEGAL_PARAMETER);
    assert.equal(code(() => checkDhParams(Uint8Array.of(0, ...FFDHE2048_P), G2)), ErrorCode.ERR_TLS_ILLEGAL_PARAMETER);
  });

  it('seeded: Z with a leading zero byte is kept padded (TLS 1.3) but stripped for the TLS 1.2 pre_master_secret', () => {
    const a = new FfdheKeyShare(NamedGroup.ffdhe2048, FFDHE2048_P, G2, false, seed('tlskit dhe a 329'));
    const b = new FfdheKeyShare(NamedGroup.ffdhe2048, FFDHE2048_P, G2, false, seed('tlskit dhe b'));
    const z = a.deriveSecret(b.publicKey);
    assert.deepEqual(b.deriveSecret(a.publicKey), z);
    assert.equal(z.length, 256, 'padded to the length of p');
    assert.equal(z[0], 0, 'this seed gives a leading zero byte');
    assert.notEqual(z[1], 0);
    // the same Z from first principles: Z = g^(ab) mod p
    const expected = (() => {
      let r = 1n;
      let base = big(b.publicKey);
      let e = big(seed('tlskit dhe a 329'));
      const m = big(FFDHE2048_P);
      while (e > 0n) {
        if ((e & 1n) === 1n) r = (r * base) % m;
        base = (base * base) % m;
        e >>= 1n;
      }
      return r;
    })();
    assert.equal(big(z), expected);
    const pms = dhePreMasterSecret12(z);
    assert.equal(pms.length, 255);
    assert.deepEqual(pms, z.subarray(1));
    // the master secret depends on it: a peer that kept the zero would derive different keys
    const r1 = new Uint8Array(32).fill(1);
    const r2 = new Uint8Array(32).fill(2);
    const p = nodeCryptoProvider;
    assert.notDeepEqual(masterSecret12(p, 'sha256', pms, r1, r2), masterSecret12(p, 'sha256', z, r1, r2));
    // a peer value sent without its leading zeros (TLS 1.2 integer encoding) is accepted
    assert.deepEqual(a.deriveSecret(dhePreMasterSecret12(b.publicKey)), z);
  });
});
