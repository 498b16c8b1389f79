/**
 * node:tls client options → the core ClientConfig, with a verifier that records what it found
 * so that `rejectUnauthorized: false` keeps node's semantics (verification runs and sets
 * `authorized` / `authorizationError`, but does not fail the handshake).
 */
import { Buffer } from 'node:buffer';
import { isIP } from 'node:net';
import { rootCertificates } from 'node:tls';
import type { CryptoProvider } from '../crypto/provider.js';
import { nodeCryptoProvider } from '../crypto/node-provider.js';
import { ErrorCode, TlsError } from '../errors.js';
import { clientConfig, clientConfigFor, type ClientConfig } from '../handshake/config.js';
import type { ClientHelloProfile } from '../handshake/hello-profile.js';
import { decodeAnyClientSession, type ClientSession } from '../handshake/resumption12.js';
import type { Certificate } from '../x509/certificate.js';
import { createDefaultVerifier, type CertificateVerifier, type VerifyRequest, type VerifyResult } from '../x509/verify.js';
import type { CtPolicy } from '../x509/ct.js';
import { decodePem } from '../x509/pem.js';
import { describeChain, type DetailedPeerCertificate, type PeerCertificate } from './peer-certificate.js';
import {
  certificatesFrom,
  certifiedKeysFrom,
  versionOptions,
  parseAlpn,
  parseCiphers,
  parseEcdhCurve,
  type BinaryLike,
  type KeyCertOptions,
  type KeyInput,
} from './options.js';
import type { SecureContext } from './secure-context.js';

export interface TlsClientOptions {
  host?: string | undefined;
  port?: number | undefined;
  /** SNI and the name checked against the certificate. Default: `host` (not sent when an IP). */
  servername?: string | undefined;
  /** A session from a previous connection's 'session' event / getSession(), to resume (node:tls). */
  session?: Buffer | Uint8Array | undefined;
  ca?: BinaryLike | readonly BinaryLike[] | undefined;
  cert?: BinaryLike | readonly BinaryLike[] | undefined;
  key?: KeyInput | readonly KeyInput[] | undefined;
  passphrase?: string | undefined;
  /**
   * tlskit extra: explicit client certificate pairs (besides `cert`/`key`); the one that fits the
   * server's CertificateRequest is sent, and in TLS 1.3 its `ocspResponse` is stapled when the
   * server asks (RFC 8446 §4.4.2.1).
   */
  certificates?: KeyCertOptions['certificates'] | undefined;
  ALPNProtocols?: readonly (string | Uint8Array)[] | Uint8Array | undefined;
  minVersion?: string | undefined;
  maxVersion?: string | undefined;
  ciphers?: string | undefined;
  ecdhCurve?: string | undefined;
  /** Default true: a certificate that does not verify fails the handshake. */
  rejectUnauthorized?: boolean | undefined;
  /** node's hook: returns an Error when `cert` is not acceptable for `hostname`. */
  checkServerIdentity?: ((hostname: string, cert: PeerCertificate) => Error | undefined) | undefined;
  secureContext?: SecureContext | undefined;
  /** Ask the server for a stapled OCSP response (node:tls); it is verified, and the 'OCSPResponse' event reports it. */
  requestOCSP?: boolean | undefined;
  /** tlskit extras */
  /** Stapled OCSP policy: 'soft' (default) accepts no staple; 'hard' requires a good one (and implies requestOCSP). */
  ocsp?: 'soft' | 'hard' | undefined;
  /** Certificate Transparency: a log list (v3 JSON text or object); asks for SCTs and verifies them. */
  ctLogs?: string | object | undefined;
  /** With ctLogs: the SCTs required (e.g. { minScts: 2, minOperators: 2 }); without it SCTs are only checked and reported. */
  ctPolicy?: CtPolicy | undefined;
  /** CRLs (PEM or DER, one or several) the server's chain is checked against (node:tls `crl`). */
  crl?: BinaryLike | readonly BinaryLike[] | undefined;
  /**
   * tlskit: fetch CRLs from the distribution points of the server's chain (http only, bounded,
   * cached until nextUpdate) during the handshake. Off by default (no network access is made).
   */
  fetchCrls?: boolean | undefined;
  /** tlskit: CRL revocation policy: 'soft' (default) accepts a certificate no CRL covers, 'hard' requires one. */
  revocation?: 'none' | 'soft' | 'hard' | undefined;
  provider?: CryptoProvider | undefined;
  helloProfile?: ClientHelloProfile | undefined;
  recordSizeLimit?: number | undefined;
  /**
   * tlskit: data to send as TLS 1.3 0-RTT early data (RFC 8446 §2.3) with `session`, in the first
   * flight, before the handshake completes — when the session's ticket allows it (the server's
   * max_early_data_size; the rest follows the handshake). Early data can be replayed by an
   * attacker: send only idempotent requests. `socket.earlyDataAccepted` says whether the server
   * took it; when it did not (or there was no usable ticket) it is sent after the handshake, unless
   * `resendEarlyData: false` (then only the 'earlyDataRejected' event hands it back).
   */
  earlyData?: Buffer | Uint8Array | string | undefined;
  /** tlskit: send `earlyData` after the handshake when it was not accepted as 0-RTT (default true; never under another ALPN protocol than the ticket's). */
  resendEarlyData?: boolean | undefined;
  /**
   * Offer TLS 1.3 post-handshake authentication (RFC 8446 §4.2.6): the server may then ask for
   * `cert`/`key` after the handshake; answered automatically. Default: true when `cert` is given.
   */
  postHandshakeAuth?: boolean | undefined;
}

/** What the verifier found (read by the socket after the handshake). */
export interface VerifyState {
  ran: boolean;
  error: TlsError | undefined;
  /** An Error returned by the user's checkServerIdentity. */
  userError: Error | undefined;
  /** The validated path leaf → anchor, when verification succeeded. */
  path: readonly Certificate[] | undefined;
}

let defaultVerifier: CertificateVerifier | undefined;
/** One verifier over node's bundled roots, shared (the trust store is indexed once). */
function rootsVerifier(provider: CryptoProvider): CertificateVerifier {
  if (provider !== nodeCryptoProvider) return createDefaultVerifier({ provider, trustAnchors: rootCertificates });
  defaultVerifier ??= createDefaultVerifier({ provider, trustAnchors: rootCertificates });
  return defaultVerifier;
}

/**
 * Verifiers for `ca` option values, keyed by the option's content: node builds a new
 * SecureContext (and trust store) on every connect() given `ca`; we index the anchors, parse
 * them and import their keys once per distinct value. A small LRU per provider.
 */
const CA_CACHE_SIZE = 16;
const caVerifiers = new WeakMap<CryptoProvider, Map<string, CertificateVerifier>>();

function caKey(ca: BinaryLike | readonly BinaryLike[]): string {
  const list: readonly BinaryLike[] = Array.isArray(ca) ? (ca as readonly BinaryLike[]) : [ca as BinaryLike];
  // type-tagged, length-prefixed parts: different option values never share a key
  let key = '';
  for (const item of list) {
    const text = typeof item === 'string' ? `s${item}` : `b${Buffer.from(item.buffer, item.byteOffset, item.byteLength).toString('latin1')}`;
    key += `${text.length}:${text}`;
  }
  return key;
}

function caVerifier(provider: CryptoProvider, ca: BinaryLike | readonly BinaryLike[]): CertificateVerifier {
  let byKey = caVerifiers.get(provider);
  if (byKey === undefined) caVerifiers.set(provider, (byKey = new Map<string, CertificateVerifier>()));
  const key = caKey(ca);
  const hit = byKey.get(key);
  if (hit !== undefined) {
    byKey.delete(key);
    byKey.set(key, hit);
    return hit;
  }
  // private copies: the cached anchors must not change when the caller reuses its buffers
  const anchors = certificatesFrom(ca, 'ca').map((der) => der.slice());
  const verifier = createDefaultVerifier({ provider, trustAnchors: anchors });
  if (byKey.size >= CA_CACHE_SIZE) {
    const oldest = byKey.keys().next();
    if (oldest.done !== true) byKey.delete(oldest.value);
  }
  byKey.set(key, verifier);
  return verifier;
}

/** node's `crl` and tlskit's `fetchCrls` / `revocation` → the verifier's revocation options. */
export function revocationOptions(o: {
  crl?: BinaryLike | readonly BinaryLike[] | undefined;
  fetchCrls?: boolean | undefined;
  revocation?: 'none' | 'soft' | 'hard' | undefined;
}): { crls?: Uint8Array[]; fetchCrls?: boolean; revocation?: 'none' | 'soft' | 'hard' } {
  return {
    ...(o.crl !== undefined ? { crls: crlsFrom(o.crl) } : {}),
    ...(o.fetchCrls === true ? { fetchCrls: true } : {}),
    ...(o.revocation !== undefined ? { revocation: o.revocation } : {}),
  };
}

/** CRLs given as PEM text (X509 CRL blocks) and/or DER. */
function crlsFrom(input: BinaryLike | readonly BinaryLike[]): Uint8Array[] {
  const items: readonly BinaryLike[] = Array.isArray(input) ? (input as readonly BinaryLike[]) : [input as BinaryLike];
  const out: Uint8Array[] = [];
  for (const item of items) {
    const bytes = typeof item === 'string' ? new TextEncoder().encode(item) : new Uint8Array(item.buffer, item.byteOffset, item.byteLength);
    const text = new TextDecoder('latin1').decode(bytes.subarray(0, Math.min(bytes.length, 64)));
    if (text.includes('-----BEGIN')) {
      const pem = new TextDecoder('latin1').decode(bytes);
      const blocks = decodePem(pem).filter((b) => b.label === 'X509 CRL');
      if (blocks.length === 0) throw new TlsError(ErrorCode.ERR_TLS_INVALID_OPTION, 'crl: no X509 CRL PEM block found');
      for (const b of blocks) out.push(b.der);
    } else out.push(bytes.slice());
  }
  return out;
}

/** The name node verifies: `servername`, else `host`, else `localhost`. */
export function hostnameOf(o: TlsClientOptions): string {
  return o.servername !== undefined && o.servername !== '' ? o.servername : (o.host ?? 'localhost');
}

/**
 * What a client config takes from the options that are the same for every connection made with
 * them (protocol settings, certificates, the base verifier), built once per distinct set of
 * options (`templateFor`): node rebuilds a SecureContext on every connect(); tlskit parses the
 * options, imports keys and indexes trust anchors once.
 */
interface ClientTemplate {
  /** The option values this template was built from (private copies of arrays), in TEMPLATE_FIELDS order. */
  readonly inputs: readonly unknown[];
  /** A complete config; serverName, verifier, session and early data are per connection. */
  readonly config: ClientConfig;
  /** The verifier before node's checkServerIdentity / rejectUnauthorized semantics. */
  readonly base: CertificateVerifier;
  readonly provider: CryptoProvider;
}

/** The options a template depends on (everything in buildClientTemplate but the per-connection ones). */
const TEMPLATE_FIELDS = [
  'provider',
  'secureContext',
  'ciphers',
  'ecdhCurve',
  'minVersion',
  'maxVersion',
  'ALPNProtocols',
  'ca',
  'cert',
  'key',
  'passphrase',
  'helloProfile',
  'recordSizeLimit',
  'postHandshakeAuth',
  'requestOCSP',
  'ocsp',
  'ctLogs',
  'ctPolicy',
  'crl',
  'fetchCrls',
  'revocation',
  // tlskit's explicit key/cert pairs: objects, so options holding them are never cached
  'certificates',
] as const satisfies readonly (keyof TlsClientOptions)[];
const TEMPLATE_CACHE_SIZE = 16;
const templates: ClientTemplate[] = [];

/** Option values a template may be keyed by: immutable ones (strings, numbers, ...; arrays of strings are compared element by element). */
function cacheableValue(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  const t = typeof v;
  if (t === 'string' || t === 'number' || t === 'boolean') return true;
  if (Array.isArray(v)) return (v as readonly unknown[]).every((x) => typeof x === 'string');
  return false;
}

/** Fields whose objects are taken by identity (immutable by contract, or our own). */
function identityField(field: (typeof TEMPLATE_FIELDS)[number]): boolean {
  return field === 'provider' || field === 'secureContext' || field === 'helloProfile';
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The template for these options: a cached one when every option it depends on has the same
 * value (strings, numbers, booleans and arrays of strings by value; the provider, secure context
 * and hello profile by identity); options holding Buffers or other objects (which the caller may
 * change in place) are built afresh each time.
 */
function templateFor(o: TlsClientOptions): ClientTemplate {
  const opts = o as Readonly<Record<string, unknown>>;
  // the usual case, connect() after connect() with the same options: the most recent template
  // (values equal to cacheable ones are cacheable themselves)
  const recent = templates[0];
  if (recent !== undefined && sameOptions(recent, o)) return recent;
  let cacheable = true;
  for (const f of TEMPLATE_FIELDS) {
    if (!identityField(f) && !cacheableValue(opts[f])) {
      cacheable = false;
      break;
    }
  }
  if (!cacheable) return buildClientTemplate(o, []);
  search: for (let i = 0; i < templates.length; i++) {
    const t = templates[i]!;
    for (let k = 0; k < TEMPLATE_FIELDS.length; k++) if (!sameValue(t.inputs[k], opts[TEMPLATE_FIELDS[k]!])) continue search;
    if (i > 0) {
      // most recently used first
      templates.splice(i, 1);
      templates.unshift(t);
    }
    return t;
  }
  const inputs = TEMPLATE_FIELDS.map((f) => {
    const v = opts[f];
    return Array.isArray(v) ? [...(v as readonly unknown[])] : v;
  });
  const t = buildClientTemplate(o, inputs);
  templates.unshift(t);
  if (templates.length > TEMPLATE_CACHE_SIZE) templates.pop();
  return t;
}

/** Whether `o` has the values `t` was built from (TEMPLATE_FIELDS, named: no keyed loads). */
function sameOptions(t: ClientTemplate, o: TlsClientOptions): boolean {
  const i = t.inputs;
  return (
    i[0] === o.provider &&
    i[1] === o.secureContext &&
    i[2] === o.ciphers &&
    i[3] === o.ecdhCurve &&
    i[4] === o.minVersion &&
    i[5] === o.maxVersion &&
    sameValue(i[6], o.ALPNProtocols) &&
    sameValue(i[7], o.ca) &&
    sameValue(i[8], o.cert) &&
    sameValue(i[9], o.key) &&
    i[10] === o.passphrase &&
    i[11] === o.helloProfile &&
    i[12] === o.recordSizeLimit &&
    i[13] === o.postHandshakeAuth &&
    i[14] === o.requestOCSP &&
    i[15] === o.ocsp &&
    i[16] === o.ctLogs &&
    i[17] === o.ctPolicy &&
    sameValue(i[18], o.crl) &&
    i[19] === o.fetchCrls &&
    i[20] === o.revocation &&
    i[21] === o.certificates
  );
}

/** Test hook: forget the cached templates. */
export function clearClientTemplates(): void {
  templates.length = 0;
}

function buildClientTemplate(o: TlsClientOptions, inputs: readonly unknown[]): ClientTemplate {
  const provider = o.provider ?? o.secureContext?.provider ?? nodeCryptoProvider;
  const cipherSuites = o.ciphers !== undefined ? parseCiphers(o.ciphers) : (o.secureContext?.cipherSuites ?? parseCiphers(undefined));
  const groups = o.ecdhCurve !== undefined ? parseEcdhCurve(o.ecdhCurve, provider) : (o.secureContext?.groups ?? parseEcdhCurve(undefined, provider));
  const ca = o.secureContext?.ca;
  const hardOcsp = o.ocsp === 'hard';
  const base =
    // a stapling, CT or revocation policy: a verifier of its own (the shared ones use the defaults)
    hardOcsp || o.ctLogs !== undefined || o.crl !== undefined || o.fetchCrls === true || o.revocation !== undefined
      ? createDefaultVerifier({
          provider,
          trustAnchors: o.ca !== undefined ? certificatesFrom(o.ca, 'ca') : (ca ?? rootCertificates),
          ...(hardOcsp ? { ocsp: 'hard' as const } : {}),
          ...(o.ctLogs !== undefined ? { ct: { logs: o.ctLogs, ...(o.ctPolicy !== undefined ? { policy: o.ctPolicy } : {}) } } : {}),
          ...revocationOptions(o),
        })
      : o.ca !== undefined
        ? caVerifier(provider, o.ca)
        : ca !== undefined
          ? createDefaultVerifier({ provider, trustAnchors: ca })
          : rootsVerifier(provider);
  const certificates = [...(o.secureContext?.certificates ?? []), ...certifiedKeysFrom(provider, o)];
  const config = clientConfig({
    provider,
    verifier: null,
    cipherSuites,
    ...versionOptions(o, cipherSuites),
    groups,
    alpnProtocols: parseAlpn(o.ALPNProtocols),
    certificates,
    ...(o.helloProfile !== undefined ? { helloProfile: o.helloProfile } : {}),
    ...(o.recordSizeLimit !== undefined ? { recordSizeLimit: o.recordSizeLimit } : {}),
    ...(o.postHandshakeAuth !== undefined ? { postHandshakeAuth: o.postHandshakeAuth } : {}),
    requestOcsp: o.requestOCSP === true || hardOcsp,
    requestScts: o.ctLogs !== undefined,
  });
  return { inputs, config, base, provider };
}

export function buildClientConfig(o: TlsClientOptions): { config: ClientConfig; verify: VerifyState } {
  const template = templateFor(o);
  const { base, provider } = template;
  const hostname = hostnameOf(o);
  const reject = o.rejectUnauthorized !== false;
  const state: VerifyState = { ran: false, error: undefined, userError: undefined, path: undefined };
  const userCheck = o.checkServerIdentity;

  /** The user's identity hook replaces the built-in one (node semantics): the base runs without a name. */
  function baseRequest(req: VerifyRequest): VerifyRequest {
    if (userCheck === undefined) return req;
    const { hostname: _h, ip: _i, ...rest } = req;
    return rest;
  }

  /** What follows the base verification: node's checkServerIdentity hook, the state, rejectUnauthorized. */
  function after(req: VerifyRequest, baseResult: VerifyResult): VerifyResult {
    let result = baseResult;
    if (result.ok) state.path = result.chain;
    if (userCheck !== undefined && result.ok) {
      let err: Error | undefined;
      try {
        const chain = result.chain.length > 0 ? result.chain.map((c) => c.raw) : req.chain;
        err = userCheck(hostname, describeChain(provider, chain) as DetailedPeerCertificate);
      } catch (e) {
        err = e instanceof Error ? e : new Error(String(e));
      }
      if (err !== undefined) {
        state.userError = err;
        const code = (err as { code?: unknown }).code;
        const known = typeof code === 'string' && code in ErrorCode ? (code as ErrorCode) : ErrorCode.ERR_TLS_CERT_ALTNAME_INVALID;
        result = { ok: false, error: new TlsError(known, err.message, { cause: err }) };
      }
    }
    if (!result.ok) {
      state.error = result.error;
      // rejectUnauthorized: false — the handshake goes on; the socket reports authorized = false.
      if (!reject) return { ok: true, chain: [] };
    }
    return result;
  }

  const baseAsync = base.verifyAsync?.bind(base);
  const verifier: CertificateVerifier = {
    verify(req: VerifyRequest): VerifyResult {
      state.ran = true;
      return after(req, base.verify(baseRequest(req)));
    },
    ...(baseAsync !== undefined
      ? {
          async verifyAsync(req: VerifyRequest): Promise<VerifyResult> {
            state.ran = true;
            return after(req, await baseAsync(baseRequest(req)));
          },
        }
      : {}),
  };

  const config = clientConfigFor(template.config, {
    serverName: hostname,
    verifier,
    session: sessionFrom(o.session),
    earlyData: o.earlyData === undefined ? undefined : typeof o.earlyData === 'string' ? Buffer.from(o.earlyData, 'utf8') : o.earlyData,
    resendEarlyData: o.resendEarlyData ?? true,
  });
  return { config, verify: state };
}

/** node's `session` option: a session tlskit encoded; anything else (e.g. node's own format) is ignored, as node ignores a bad one. */
function sessionFrom(session: Buffer | Uint8Array | undefined): ClientSession | undefined {
  if (session === undefined) return undefined;
  // the same session bytes again (a client resuming one session many times): decoded once. The
  // cached session is decoded from a private copy, so changing the caller's buffer changes nothing.
  const last = lastSession;
  if (last !== undefined && last.bytes.length === session.length && Buffer.compare(last.bytes, session) === 0) return last.session;
  try {
    const bytes = Buffer.from(session);
    const decoded = decodeAnyClientSession(bytes);
    lastSession = { bytes, session: decoded };
    return decoded;
  } catch {
    return undefined;
  }
}
/** The last session decoded by sessionFrom, with its bytes. */
let lastSession: { readonly bytes: Buffer; readonly session: ClientSession } | undefined;

/** SNI is not sent for IP addresses (RFC 6066 §3); node's `servername` default follows. */
export function defaultServername(host: string | undefined): string | undefined {
  if (host === undefined || isIP(host) !== 0) return undefined;
  return host;
}
