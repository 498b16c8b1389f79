/**
 * A scripted CryptoProvider for deterministic tests (e.g. reproducing RFC 8448 byte for byte).
 *
 * - `randomBytes` returns the queued byte strings in order; it throws when the queue is empty or
 *   the requested length differs from the next entry's.
 * - x25519 key shares (both generateKeyShare and respondToKeyShare) use the queued X25519 private
 *   keys in order, when `x25519PrivateKeys` is given. X25519MLKEM768 also goes through the script:
 *   its X25519 half uses the same queue, and its ML-KEM randomness (64 bytes per key generation,
 *   32 per encapsulation) comes from the `random` queue.
 * - `sign` returns the queued signatures in order, when `signatures` is given (RSA-PSS and ECDSA
 *   are randomised, so a recorded CertificateVerify can only be reproduced this way). The
 *   recorded signature is checked against the key and data first, so a transcript that differs
 *   from the recording fails loudly. `verify` always really verifies.
 * - Everything else is delegated to `base`.
 */
import { internalError } from '../errors.js';
import { generateKeyShare, okpFromPrivate, okpGenerate, respondToKeyShare, type KexContext, type OkpKeyPair } from './node-kex.js';
import { NamedGroup } from '../registry/codepoints.js';
import type { CryptoProvider, KeyShare, KeyShareResponse, PrivateKey } from './provider.js';

/** A fixed X25519 key: the raw 32-byte private scalar, and optionally the public value to check. */
export interface ScriptedX25519Key {
  readonly privateKey: Uint8Array;
  readonly publicKey?: Uint8Array;
}

export interface ProviderScript {
  /** Byte strings returned by randomBytes, in order. */
  readonly random?: readonly Uint8Array[];
  /**
   * X25519 private keys used, in order, by generateKeyShare/respondToKeyShare for x25519 (and the
   * X25519 half of X25519MLKEM768). When omitted, fresh keys are generated.
   */
  readonly x25519PrivateKeys?: readonly (Uint8Array | ScriptedX25519Key)[];
  /** Signatures returned by sign(), in order. When omitted, sign() delegates to base. */
  readonly signatures?: readonly Uint8Array[];
  /** Check each scripted signature against the key and data before returning it (default true). */
  readonly checkSignatures?: boolean;
}

/** A scripted provider, plus what is left in its queues (for asserting a script was used up). */
export interface ScriptedProvider extends CryptoProvider {
  remaining(): { random: number; x25519PrivateKeys: number; signatures: number };
}

const hex = (n: number): string => `0x${n.toString(16).padStart(4, '0')}`;

export function createScriptedProvider(base: CryptoProvider, script: ProviderScript): ScriptedProvider {
  const random = [...(script.random ?? [])];
  const x25519Keys = script.x25519PrivateKeys === undefined ? undefined : [...script.x25519PrivateKeys];
  const signatures = script.signatures === undefined ? undefined : [...script.signatures];
  const checkSignatures = script.checkSignatures ?? true;
  let randomCalls = 0;
  let signCalls = 0;

  const randomBytes = (length: number): Uint8Array => {
    randomCalls++;
    const next = random.shift();
    if (next === undefined) {
      throw internalError(`scripted provider: randomBytes(${length}) call #${randomCalls} but the random queue is empty`);
    }
    if (next.length !== length) {
      throw internalError(
        `scripted provider: randomBytes(${length}) call #${randomCalls} but the next scripted value has ${next.length} bytes`,
      );
    }
    return next.slice(); // a copy: callers may wipe what they get
  };

  const x25519 = (): OkpKeyPair => {
    if (x25519Keys === undefined) return okpGenerate('x25519');
    const next = x25519Keys.shift();
    if (next === undefined) throw internalError('scripted provider: an X25519 key was needed but the x25519PrivateKeys queue is empty');
    return next instanceof Uint8Array ? okpFromPrivate('x25519', next) : okpFromPrivate('x25519', next.privateKey, next.publicKey);
  };

  const kex: KexContext = { random: randomBytes, x25519 };
  const scriptedGroup = (group: number): boolean => group === NamedGroup.x25519 || group === NamedGroup.X25519MLKEM768;

  return {
    name: `scripted(${base.name})`,
    randomBytes,
    hash: (algorithm, data) => base.hash(algorithm, data),
    createHash: (algorithm) => base.createHash(algorithm),
    hmac: (algorithm, key, data) => base.hmac(algorithm, key, data),
    aead: (algorithm, key) => base.aead(algorithm, key),
    supportsGroup: (group) => base.supportsGroup(group),
    generateKeyShare: (group): KeyShare => (scriptedGroup(group) ? generateKeyShare(group, kex) : base.generateKeyShare(group)),
    respondToKeyShare: (group, peerShare): KeyShareResponse =>
      scriptedGroup(group) ? respondToKeyShare(group, peerShare, kex) : base.respondToKeyShare(group, peerShare),
    importPublicKey: (spki) => base.importPublicKey(spki),
    importPrivateKey: (key, passphrase) => base.importPrivateKey(key, passphrase),
    publicKeyOf: (key) => base.publicKeyOf(key),
    generateSigningKey: (kind) => base.generateSigningKey(kind),
    exportPrivateKeyPem: (key) => base.exportPrivateKeyPem(key),
    sign: (scheme: number, key: PrivateKey, data: Uint8Array): Uint8Array => {
      if (signatures === undefined) return base.sign(scheme, key, data);
      signCalls++;
      const next = signatures.shift();
      if (next === undefined) throw internalError(`scripted provider: sign(${hex(scheme)}) call #${signCalls} but the signatures queue is empty`);
      if (checkSignatures && !base.verify(scheme, base.importPublicKey(base.publicKeyOf(key)), data, next)) {
        throw internalError(
          `scripted provider: the scripted signature for sign(${hex(scheme)}) call #${signCalls} does not verify over the data to sign (the transcript differs from the recording)`,
        );
      }
      return next.slice();
    },
    verify: (scheme, key, data, signature) => base.verify(scheme, key, data, signature),
    remaining: () => ({ random: random.length, x25519PrivateKeys: x25519Keys?.length ?? 0, signatures: signatures?.length ?? 0 }),
  };
}
