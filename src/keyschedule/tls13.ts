/**
 * The TLS 1.3 key schedule (RFC 8446 §7.1) as three typed stages, so a later stage cannot be
 * built without the earlier one:
 *
 * ```
 *   EarlySecrets.create(psk | null)          early_secret, binder keys, client_early_traffic_secret,
 *        │ .handshake((EC)DHE | null)         early_exporter_master_secret
 *   HandshakeSecrets                          handshake_secret, {client,server}_handshake_traffic_secret
 *        │ .master()
 *   MasterSecrets                             master_secret, {client,server}_application_traffic_secret_0,
 *                                             exporter_master_secret, resumption_master_secret
 * ```
 *
 * Stages take transcript hashes (`Transcript.hash()`), not messages. Plus the functions on top of a
 * traffic secret: traffic key/IV (§7.3), Finished (§4.4.4), KeyUpdate (§7.2), exporters (§7.5) and
 * the resumption PSK (§4.6.1). Secret values are plain Uint8Arrays: never log them (use keylog.ts
 * only when the user asked for a key log).
 */
import type { CryptoProvider } from '../crypto/provider.js';
import { internalError } from '../errors.js';
import { constantTimeEqual, utf8 } from '../wire/bytes.js';
import { hkdf, Label, tls13Label, type Hkdf } from './hkdf.js';
import type { Tls13Suite } from './suites.js';

const EMPTY = new Uint8Array(0);

/**
 * Without a PSK, early_secret and Derive-Secret(early_secret, "derived", "") depend on the hash
 * alone (public constants): computed once per Hkdf instead of two HMACs per handshake.
 */
const noPsk = new WeakMap<Hkdf, { readonly earlySecret: Uint8Array; readonly derived: Uint8Array }>();
function noPskSecrets(h: Hkdf): { readonly earlySecret: Uint8Array; readonly derived: Uint8Array } {
  let v = noPsk.get(h);
  if (v === undefined) {
    // RFC 8446 §7.1: if no PSK is selected, the IKM is a string of Hash.length zeros.
    const earlySecret = h.extract(null, h.zeroKey);
    v = { earlySecret, derived: h.deriveSecret(earlySecret, Label.derived, h.emptyHash) };
    noPsk.set(h, v);
  }
  return v;
}

/** Stage 1: from the PSK (or none). RFC 8446 §7.1, top of the diagram. */
export class EarlySecrets {
  /** early_secret = HKDF-Extract(salt 0, PSK or HashLen zeros). */
  readonly earlySecret: Uint8Array;
  /** Whether a PSK went in (otherwise the binder / early-data secrets are meaningless). */
  readonly hasPsk: boolean;

  /** binder_key by kind, once computed (see binderKey). */
  private readonly binderKeys: { external?: Uint8Array; resumption?: Uint8Array } = {};

  private constructor(
    readonly suite: Tls13Suite,
    private readonly h: Hkdf,
    earlySecret: Uint8Array,
    hasPsk: boolean,
  ) {
    this.earlySecret = earlySecret;
    this.hasPsk = hasPsk;
  }

  /** Starts the schedule for `suite`; `psk` is the resumption or external PSK, or null. */
  static create(provider: CryptoProvider, suite: Tls13Suite, psk: Uint8Array | null = null): EarlySecrets {
    const h = hkdf(provider, suite.hash);
    // RFC 8446 §7.1: if no PSK is selected, the IKM is a string of Hash.length zeros.
    if (psk !== null && psk.length === 0) throw internalError('empty PSK');
    return new EarlySecrets(suite, h, psk === null ? noPskSecrets(h).earlySecret.slice() : h.extract(null, psk), psk !== null);
  }

  /**
   * The same early secret for another suite with the same hash, without recomputing it: a PSK is
   * tied to a hash, not to a suite (RFC 8446 §4.2.11), so the binder computed under the ticket's
   * suite and the handshake under the negotiated one share early_secret.
   */
  withSuite(suite: Tls13Suite): EarlySecrets {
    if (suite === this.suite) return this;
    if (suite.hash !== this.suite.hash) throw internalError('early secret reused with a suite of another hash');
    const other = new EarlySecrets(suite, this.h, this.earlySecret, this.hasPsk);
    Object.assign(other.binderKeys, this.binderKeys);
    return other;
  }

  /**
   * binder_key = Derive-Secret(early_secret, "ext binder" | "res binder", ""). `external` for an
   * external PSK, `resumption` for a ticket (RFC 8446 §4.2.11.2). The binder itself is
   * `finishedVerifyData(provider, suite, binderKey, Transcript-Hash(truncated ClientHello))`.
   * Computed once per instance (a client after a HelloRetryRequest binds its second ClientHello
   * with the same key); do not modify the result.
   */
  binderKey(kind: 'external' | 'resumption'): Uint8Array {
    let key = this.binderKeys[kind];
    if (key === undefined) {
      key = this.h.deriveSecret(this.earlySecret, kind === 'external' ? Label.ext_binder : Label.res_binder, this.h.emptyHash);
      this.binderKeys[kind] = key;
    }
    return key;
  }

  /** client_early_traffic_secret = Derive-Secret(early_secret, "c e traffic", ClientHello). */
  clientEarlyTrafficSecret(clientHelloHash: Uint8Array): Uint8Array {
    return this.h.deriveSecret(this.earlySecret, Label.c_e_traffic, clientHelloHash);
  }

  /** early_exporter_master_secret = Derive-Secret(early_secret, "e exp master", ClientHello). */
  earlyExporterMasterSecret(clientHelloHash: Uint8Array): Uint8Array {
    return this.h.deriveSecret(this.earlySecret, Label.e_exp_master, clientHelloHash);
  }

  /**
   * handshake_secret = HKDF-Extract(Derive-Secret(early_secret, "derived", ""), (EC)DHE).
   * `sharedSecret` null for psk_ke (no (EC)DHE): HashLen zeros (RFC 8446 §7.1).
   */
  handshake(sharedSecret: Uint8Array | null): HandshakeSecrets {
    const salt = this.hasPsk ? this.h.deriveSecret(this.earlySecret, Label.derived, this.h.emptyHash) : noPskSecrets(this.h).derived;
    return new HandshakeSecrets(this.suite, this.h, this.h.extract(salt, sharedSecret ?? this.h.zeroKey));
  }
}

/** Stage 2: after the key exchange. */
export class HandshakeSecrets {
  /** @internal use `EarlySecrets.handshake`. */
  constructor(
    readonly suite: Tls13Suite,
    private readonly h: Hkdf,
    readonly handshakeSecret: Uint8Array,
  ) {}

  /** client_handshake_traffic_secret = Derive-Secret(handshake_secret, "c hs traffic", ClientHello...ServerHello). */
  clientHandshakeTrafficSecret(helloHash: Uint8Array): Uint8Array {
    return this.h.deriveSecret(this.handshakeSecret, Label.c_hs_traffic, helloHash);
  }

  /** server_handshake_traffic_secret = Derive-Secret(handshake_secret, "s hs traffic", ClientHello...ServerHello). */
  serverHandshakeTrafficSecret(helloHash: Uint8Array): Uint8Array {
    return this.h.deriveSecret(this.handshakeSecret, Label.s_hs_traffic, helloHash);
  }

  /** master_secret = HKDF-Extract(Derive-Secret(handshake_secret, "derived", ""), HashLen zeros). */
  master(): MasterSecrets {
    const salt = this.h.deriveSecret(this.handshakeSecret, Label.derived, this.h.emptyHash);
    return new MasterSecrets(this.suite, this.h, this.h.extract(salt, this.h.zeroKey));
  }
}

/** Stage 3: application traffic, exporters, resumption. */
export class MasterSecrets {
  /** @internal use `HandshakeSecrets.master`. */
  constructor(
    readonly suite: Tls13Suite,
    private readonly h: Hkdf,
    readonly masterSecret: Uint8Array,
  ) {}

  /** client_application_traffic_secret_0 = Derive-Secret(master_secret, "c ap traffic", ClientHello...server Finished). */
  clientApplicationTrafficSecret0(serverFinishedHash: Uint8Array): Uint8Array {
    return this.h.deriveSecret(this.masterSecret, Label.c_ap_traffic, serverFinishedHash);
  }

  /** server_application_traffic_secret_0 = Derive-Secret(master_secret, "s ap traffic", ClientHello...server Finished). */
  serverApplicationTrafficSecret0(serverFinishedHash: Uint8Array): Uint8Array {
    return this.h.deriveSecret(this.masterSecret, Label.s_ap_traffic, serverFinishedHash);
  }

  /** exporter_master_secret = Derive-Secret(master_secret, "exp master", ClientHello...server Finished). */
  exporterMasterSecret(serverFinishedHash: Uint8Array): Uint8Array {
    return this.h.deriveSecret(this.masterSecret, Label.exp_master, serverFinishedHash);
  }

  /**
   * exporter_master_secret as a function that derives it on its first call and then returns the
   * same value: most connections never export keying material (RFC 8446 §7.5) nor log keys, so
   * the handshake keeps the transcript hash instead of spending an HMAC on it.
   */
  lazyExporterMasterSecret(serverFinishedHash: Uint8Array): () => Uint8Array {
    let secret: Uint8Array | undefined;
    return () => (secret ??= this.exporterMasterSecret(serverFinishedHash));
  }

  /** resumption_master_secret = Derive-Secret(master_secret, "res master", ClientHello...client Finished). */
  resumptionMasterSecret(clientFinishedHash: Uint8Array): Uint8Array {
    return this.h.deriveSecret(this.masterSecret, Label.res_master, clientFinishedHash);
  }
}

/** An AEAD write key and IV for one direction and epoch. */
export interface TrafficKeys {
  readonly key: Uint8Array;
  readonly iv: Uint8Array;
}

/**
 * RFC 8446 §7.3: [sender]_write_key = HKDF-Expand-Label(Secret, "key", "", key_length),
 * [sender]_write_iv = HKDF-Expand-Label(Secret, "iv", "", iv_length).
 */
export function trafficKeys(provider: CryptoProvider, suite: Tls13Suite, secret: Uint8Array): TrafficKeys {
  const h = hkdf(provider, suite.hash);
  return {
    key: h.expandLabel(secret, Label.key, EMPTY, suite.keyLength),
    iv: h.expandLabel(secret, Label.iv, EMPTY, suite.ivLength),
  };
}

/** RFC 8446 §4.4.4: finished_key = HKDF-Expand-Label(BaseKey, "finished", "", Hash.length). */
export function finishedKey(provider: CryptoProvider, suite: Tls13Suite, baseKey: Uint8Array): Uint8Array {
  return hkdf(provider, suite.hash).expandLabel(baseKey, Label.finished, EMPTY, suite.hashLength);
}

/**
 * RFC 8446 §4.4.4: verify_data = HMAC(finished_key, Transcript-Hash(Handshake Context,
 * Certificate*, CertificateVerify*)). BaseKey is the sender's handshake traffic secret (or a
 * binder_key, RFC 8446 §4.2.11.2, for PSK binders).
 */
export function finishedVerifyData(
  provider: CryptoProvider,
  suite: Tls13Suite,
  baseKey: Uint8Array,
  transcriptHash: Uint8Array,
): Uint8Array {
  return provider.hmac(suite.hash, finishedKey(provider, suite, baseKey), transcriptHash);
}

/** Recomputes verify_data and compares it in constant time (RFC 8446 §4.4.4: recipients MUST verify). */
export function verifyFinished(
  provider: CryptoProvider,
  suite: Tls13Suite,
  baseKey: Uint8Array,
  transcriptHash: Uint8Array,
  received: Uint8Array,
): boolean {
  return constantTimeEqual(finishedVerifyData(provider, suite, baseKey, transcriptHash), received);
}

/**
 * RFC 8446 §7.2: application_traffic_secret_N+1 =
 * HKDF-Expand-Label(application_traffic_secret_N, "traffic upd", "", Hash.length).
 */
export function nextTrafficSecret(provider: CryptoProvider, suite: Tls13Suite, secret: Uint8Array): Uint8Array {
  return hkdf(provider, suite.hash).expandLabel(secret, Label.traffic_upd, EMPTY, suite.hashLength);
}

/**
 * RFC 8446 §7.5: TLS-Exporter(label, context_value, key_length) =
 * HKDF-Expand-Label(Derive-Secret(Secret, label, ""), "exporter", Hash(context_value), key_length),
 * with Secret = exporter_master_secret (or early_exporter_master_secret for 0-RTT exporters).
 * RFC 8446 §7.5: a missing context and an empty context are the same.
 */
export function exportKeyingMaterial(
  provider: CryptoProvider,
  suite: Tls13Suite,
  exporterSecret: Uint8Array,
  label: string | Uint8Array,
  context: Uint8Array | null,
  length: number,
): Uint8Array {
  const h = hkdf(provider, suite.hash);
  const labelBytes = typeof label === 'string' ? utf8(label) : label;
  const secret = h.deriveSecret(exporterSecret, tls13Label(labelBytes), h.emptyHash);
  const contextHash = context === null || context.length === 0 ? h.emptyHash : provider.hash(suite.hash, context);
  return h.expandLabel(secret, Label.exporter, contextHash, length);
}

/**
 * RFC 8446 §4.6.1: the PSK of a ticket =
 * HKDF-Expand-Label(resumption_master_secret, "resumption", ticket_nonce, Hash.length).
 */
export function resumptionPsk(
  provider: CryptoProvider,
  suite: Tls13Suite,
  resumptionMasterSecret: Uint8Array,
  ticketNonce: Uint8Array,
): Uint8Array {
  return hkdf(provider, suite.hash).expandLabel(resumptionMasterSecret, Label.resumption, ticketNonce, suite.hashLength);
}

