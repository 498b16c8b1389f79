/**
 * Failures a person can act on: which alert, who sent it, and the likely cause with what to try.
 * One table, keyed by TlsError code first, then by alert name.
 */
import { TlsError } from '../errors.js';
import type { Side } from '../trace/events.js';

interface Cause {
  /** Likely cause when we are the client (the server is the peer). */
  readonly client?: string;
  /** Likely cause when we are the server. */
  readonly server?: string;
  /** Whatever our side. */
  readonly any?: string;
}

const CAUSES: Readonly<Record<string, Cause>> = {
  // --- by error code (checked first: more precise than the alert)
  ERR_TLS_CERT_ALTNAME_INVALID: {
    client: "hostname mismatch: the server's certificate does not name the host you asked for — check HOST or use --servername NAME",
  },
  CERT_HAS_EXPIRED: { any: 'the certificate has expired — check the clock, or renew the certificate' },
  CERT_NOT_YET_VALID: { any: 'the certificate is not valid yet — check the clock on both machines' },
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: {
    client: "the server's certificate does not chain to a trusted root — use --cafile CA.pem, or --insecure to look anyway",
    server: "the client's certificate does not chain to a trusted CA",
  },
  SELF_SIGNED_CERT_IN_CHAIN: {
    client: "the server's chain ends in a self-signed certificate that is not trusted — use --cafile CA.pem, or --insecure to look anyway",
  },
  DEPTH_ZERO_SELF_SIGNED_CERT: {
    client: 'the server uses a self-signed certificate — trust it with --cafile CERT.pem, or --insecure to look anyway',
  },
  CERT_SIGNATURE_FAILURE: { any: 'a certificate signature does not verify: the chain is corrupt or was tampered with' },
  INVALID_CA: { any: 'a certificate in the chain is not allowed to act as a CA (basicConstraints/keyUsage)' },
  CERT_CHAIN_TOO_LONG: { any: 'the certificate chain is too long or too tangled to verify' },
  CERT_REVOKED: { any: 'a certificate in the chain has been revoked by its CA — it must be replaced' },
  PATH_LENGTH_EXCEEDED: { any: 'the chain has more intermediate CAs than a pathLenConstraint allows' },
  INVALID_PURPOSE: { any: 'a certificate is not issued for this use (extKeyUsage) — check the certificate profile' },
  KEY_USAGE_INVALID: { any: "a certificate's keyUsage does not allow what it is used for" },
  NAME_CONSTRAINTS_VIOLATION: { any: 'a certificate names a host its CA is not allowed to issue for (name constraints)' },
  UNHANDLED_CRITICAL_EXTENSION: { any: 'a certificate has a critical extension tlskit does not understand' },
  INSECURE_ALGORITHM: { any: 'a certificate is signed with a broken algorithm (SHA-1/MD5) — reissue it with SHA-256' },
  KEY_TOO_SMALL: { any: 'a certificate key is too small (RSA needs at least 2048 bits)' },
  CT_POLICY_NOT_MET: { any: 'the certificate lacks the Certificate Transparency proofs (SCTs) the policy requires' },
  OCSP_RESPONSE_REQUIRED: { any: 'the certificate requires a stapled OCSP response (must-staple, or hard-fail revocation checking) and none came' },
  OCSP_RESPONSE_INVALID: {
    client: "the server stapled an OCSP response that cannot be relied on (stale, for another certificate, or not signed by the CA) — the server's OCSP stapling needs fixing; look with --insecure --status",
    server: 'an OCSP response cannot be relied on (stale, for another certificate, or not signed by the CA)',
  },
  OCSP_STATUS_UNKNOWN: { any: 'the OCSP responder does not know the certificate, and a known status is required' },
  ERR_TLS_HANDSHAKE_TIMEOUT: { any: 'the peer did not complete the handshake in time — is it a TLS server, and is the port right?' },
  ERR_TLS_CONNECTION_CLOSED: {
    client: 'the server closed the connection without an alert — it may not speak TLS 1.3, or not TLS at all on this port',
    server: 'the client went away during the handshake',
  },
  // --- by alert
  handshake_failure: {
    client: 'no cipher suite or group in common — try --ciphers/--groups',
    server: 'the client offers no cipher suite, group or signature scheme we accept — check --ciphers/--groups',
  },
  protocol_version: {
    client: 'no protocol version in common: the server does not speak the versions we offered (TLS 1.3 and 1.2 by default; see --tls1.2/--tls1.3)',
    server: 'no protocol version in common: the client offers none of the versions we enabled (TLS 1.3 and 1.2 by default; see --tls1.2/--tls1.3)',
  },
  bad_certificate: {
    client: "the server's certificate was rejected — use --cafile CA.pem if it comes from your own CA, or --insecure to look anyway",
    server: "the client's certificate was rejected",
  },
  unknown_ca: {
    client: "the server's certificate does not chain to a trusted root — use --cafile CA.pem, or --insecure to look anyway",
    server: 'the client does not trust our certificate: give it the CA (for tlskit connect: --cafile CA.pem)',
  },
  certificate_expired: { any: 'a certificate has expired or is not valid yet — check the clocks and the certificate dates' },
  certificate_unknown: { any: 'a certificate was not accepted for an unspecified reason' },
  unsupported_certificate: { any: 'the certificate type or key is not supported by the other side' },
  certificate_required: { client: 'the server requires a client certificate' },
  no_application_protocol: {
    client: 'the server supports none of the ALPN protocols offered — change --alpn',
    server: 'the client offers none of our ALPN protocols — change --alpn',
  },
  unrecognized_name: { client: 'the server does not know the name sent in SNI — check --servername' },
  illegal_parameter: { any: 'a message carried a value that is out of range or inconsistent — likely an interoperability bug (try --trace)' },
  decode_error: { any: 'a message could not be decoded — likely an interoperability bug (try --trace)' },
  decrypt_error: { any: 'a signature or Finished did not verify — a broken implementation or tampering (try --trace)' },
  bad_record_mac: { any: 'a record did not decrypt — a broken implementation or tampering on the path' },
  unexpected_message: { any: 'a message came at the wrong time — likely an interoperability bug (try --trace)' },
  missing_extension: { any: 'a required extension was missing (RFC 8446 §9.2)' },
  unsupported_extension: { any: 'an extension appeared that was not offered or is not allowed there' },
  insufficient_security: { any: 'the other side requires stronger parameters' },
  internal_error: { any: 'the other side failed internally' },
  record_overflow: { any: 'a record was larger than allowed (record_size_limit?)' },
  access_denied: { any: 'access denied by the other side' },
};

/** Socket-level errors before TLS started. */
const ERRNO: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused: nothing listens on that port',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name could not be resolved (DNS)',
  ETIMEDOUT: 'the TCP connection timed out',
  EHOSTUNREACH: 'the host is unreachable',
  ECONNRESET: 'the peer reset the connection',
  EADDRINUSE: 'the address is already in use — choose another --port',
  EACCES: 'permission denied (ports below 1024 need privileges)',
};

export interface FailureReport {
  /** The alert involved, or null when there was none. */
  readonly alert: string | null;
  /** Who sent the alert / found the problem: 'us' or 'peer'. */
  readonly sentBy: 'us' | 'peer';
  /** The peer's role from our point of view. */
  readonly peer: Side;
  /** The likely cause and what to try. */
  readonly cause: string;
  /** One line for a person. */
  readonly line: string;
}

const pick = (c: Cause | undefined, side: Side): string | undefined => (c === undefined ? undefined : (c[side] ?? c.any));

/** Explains a TLS failure seen by our `side`. */
export function explainFailure(err: unknown, side: Side): FailureReport {
  const peer: Side = side === 'client' ? 'server' : 'client';
  if (!(err instanceof TlsError)) {
    const code = err !== null && typeof err === 'object' && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
    const message = err instanceof Error ? err.message : String(err);
    const cause = (code === undefined ? undefined : ERRNO[code]) ?? message;
    return { alert: null, sentBy: 'us', peer, cause, line: cause };
  }
  const sentBy = err.source === 'peer' ? 'peer' : 'us';
  if (/plaintext protocol/i.test(err.message)) {
    const cause = `the ${peer} does not speak TLS on this port (it answered in plaintext, e.g. HTTP) — check the port`;
    return { alert: err.alert, sentBy, peer, cause, line: `${cause} (${err.message})` };
  }
  const cause = pick(CAUSES[err.code], side) ?? (err.alert === null ? undefined : pick(CAUSES[err.alert], side)) ?? err.message;
  let line: string;
  if (err.alert !== null && err.alert !== 'close_notify') {
    const who = sentBy === 'peer' ? `from the ${peer}` : `sent by us (the ${side})`;
    line = `${err.alert} ${who}: ${cause}`;
    if (sentBy === 'us' && cause !== err.message) line += ` (${err.message})`;
  } else {
    line = cause === err.message ? cause : `${cause} (${err.message})`;
  }
  return { alert: err.alert, sentBy, peer, cause, line };
}
