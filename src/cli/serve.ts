/**
 * `tlskit serve` (like `openssl s_server`): a TLS 1.3/1.2 server that echoes, or with --www answers
 * every HTTP request with an HTML page describing the connection and the client's ClientHello.
 * Prints "listening on HOST:PORT" on stdout when ready; one log line per connection on stderr.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, isIP, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { nodeCryptoProvider } from '../crypto/node-provider.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { rootCertificates } from 'node:tls';
import { serverConfig, type CertifiedKey, type ClientAuthConfig, type ServerConfig, type ServerConfigOptions } from '../handshake/config.js';
import { createDefaultVerifier } from '../x509/verify.js';
import type { ClientHello } from '../messages/client-hello.js';
import { HandshakeType, ProtocolVersion } from '../registry/codepoints.js';
import type { ClientCertificateResult } from '../handshake/post-handshake-auth.js';
import { cipherSuiteName, extensionTypeName, namedGroupName, protocolVersionName, signatureSchemeName } from '../registry/names.js';
import type { TraceEntry } from '../trace/events.js';
import { clientHelloOffer } from '../trace/explain.js';
import { LadderRenderer, renderLadder } from '../trace/ladder.js';
import { commonName, fingerprint256, parseCertificate } from '../x509/certificate.js';
import { decodeCertificatesPem } from '../x509/pem.js';
import { explainFailure } from './errors.js';
import { UsageError, checkSuitesForVersions, parseAlpnList, parseGroupList, parseMixedCipherList, versionRange } from './names.js';
import { openSession, type Session } from './session.js';
import { SESSION_OPTIONS, SESSION_OPTIONS_HELP, serveSessions } from './serve-sessions.js';
import { generatePki, keylogWriter, preview, useColor } from './util.js';
import { readOcspFile } from './ocsp-status.js';
import { OcspStapler } from '../node/ocsp-stapler.js';

export const SERVE_HELP = `Usage: tlskit serve [options]

Runs a TLS 1.3/1.2 server. Without --cert it generates a CA and a certificate for localhost,
127.0.0.1 and ::1, prints its SHA-256 fingerprint and writes the CA to a file for --cafile.

Options:
  --cert FILE      certificate chain (PEM, leaf first); repeatable, paired in order with --key
  --key FILE       private key (PEM) of the --cert at the same position
  --port N         port to listen on (default 8443; 0 picks a free one)
  --host ADDR      address to listen on (default 127.0.0.1)
  --www            answer any HTTP request with an HTML page describing the connection
                   (with --verify-client: the client's certificate and its verification result)
  --verify-client  mutual TLS: ask the client for a certificate and verify it (purpose clientAuth)
                   against --cafile (default: the system roots); a missing or failing one is shown, not fatal
  --require-client-cert  like --verify-client, and a missing (certificate_required) or failing
                   client certificate ends the handshake
  --ocsp FILE      staple this OCSP response (DER, e.g. from openssl ocsp -respout) when a client
                   asks (status_request: TLS 1.3 CertificateEntry, TLS 1.2 CertificateStatus);
                   repeatable, paired in order with --cert
  --post-handshake-auth  TLS 1.3 post-handshake client authentication (RFC 8446 §4.6.2): ask for
                   the client certificate after the handshake instead of during it (checked as
                   --verify-client / --require-client-cert say) — with --www when a request's path
                   starts with /pha (the page then shows the certificate), else right after the
                   handshake. Only clients that offered post_handshake_auth can be asked
                   (tlskit connect --cert, openssl s_client -enable_pha); others are served without
  --pha-timeout SECONDS  with --post-handshake-auth: how long to wait for the client's answer
                   before going on without it (the --www page then says so; default 30, 0 = forever)
  --ocsp-fetch     staple responses fetched from each certificate's OCSP responder (its
                   authorityInfoAccess URL), checked, cached and refreshed halfway to nextUpdate
  --cafile FILE    CA certificates (PEM) trusted for client certificates; their names are sent
                   as certificate_authorities
                   (ALPN defaults to http/1.1); without it, echo what the client sends
  --ciphers LIST   cipher suites in preference order, comma separated: TLS 1.3 and/or TLS 1.2
                   (IANA or OpenSSL names, e.g. ECDHE-ECDSA-AES128-GCM-SHA256)
  --groups LIST    key exchange groups in preference order, comma separated
  --alpn LIST      ALPN protocols, comma separated
  --keylog FILE    append the secrets to FILE in NSS key log format (for Wireshark)
  --trace          print each handshake as a ladder to stderr as it happens
  --early-data     accept TLS 1.3 0-RTT early data (RFC 8446 §2.3): tickets allow
                   max_early_data_size 16384 and are single use (RFC 8446 §8.1 anti-replay: a
                   replayed ClientHello finds no ticket; with --redis, across the fleet). Early
                   data is logged as such ("early data (0-RTT)") and then echoed (or answered
                   with --www) after the handshake
  --early-data-stateless  with --early-data: stateless tickets instead; 0-RTT only within a 10 s
                   freshness window of the ticket age, each accepted ClientHello recorded in the
                   store (RFC 8446 §8.2, §8.3; with --redis, across the fleet) and 0-RTT refused
                   for 20 s after the store (re)connects
  --tls1.3         TLS 1.3 only (default: TLS 1.3 and 1.2, the highest the client offers)
  --tls1.2         TLS 1.2 only
  -h, --help       this help

${SESSION_OPTIONS_HELP}
Prints "listening on HOST:PORT" when ready. Stops cleanly on SIGINT/SIGTERM.
`;

/** --pha-timeout default: how long a post-handshake CertificateRequest waits for its answer. */
const DEFAULT_PHA_TIMEOUT_S = 30;
const MAX_REQUEST = 64 * 1024;
/** max_early_data_size in tickets with --early-data (as OpenSSL's default). */
const EARLY_DATA_SIZE = 16_384;

/** The log line's 0-RTT part. */
function earlyDataNote(n: Session['conn']['negotiated']): string {
  if (n.earlyData === 'accepted') return ' 0-RTT=accepted';
  if (n.earlyData === 'rejected') return ` 0-RTT=rejected (${n.earlyDataRejectReason ?? '?'})`;
  return '';
}

export function loadCertificates(provider: CryptoProvider, certs: readonly string[], keys: readonly string[]): CertifiedKey[] {
  if (certs.length !== keys.length) throw new UsageError('--cert and --key must come in pairs');
  return certs.map((certFile, i) => {
    const keyFile = keys[i] as string;
    let chain: Uint8Array[];
    let keyPem: string;
    try {
      chain = decodeCertificatesPem(readFileSync(certFile, 'utf8'));
      keyPem = readFileSync(keyFile, 'utf8');
    } catch (e) {
      throw new UsageError(`cannot read ${certFile} / ${keyFile}: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (chain.length === 0) throw new UsageError(`${certFile} holds no CERTIFICATE`);
    const key = provider.importPrivateKey(keyPem);
    const leaf = parseCertificate(chain[0] as Uint8Array);
    const names = [...(leaf.subjectAltName?.dnsNames ?? []), ...(leaf.subjectAltName?.ipAddresses ?? [])];
    const cn = commonName(leaf.subject);
    if (names.length === 0 && cn !== undefined) names.push(cn);
    return { chain, key, names };
  });
}

/** --verify-client / --require-client-cert → the core's ClientAuthConfig. */
function clientAuthOption(provider: CryptoProvider, cafile: string | undefined, require: boolean): ClientAuthConfig {
  let anchors: Uint8Array[];
  try {
    anchors = decodeCertificatesPem(cafile === undefined ? rootCertificates.join('\n') : readFileSync(cafile, 'utf8'));
  } catch (e) {
    throw new UsageError(`cannot read --cafile ${cafile ?? ''}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (anchors.length === 0) throw new UsageError(`--cafile ${cafile ?? ''} holds no CERTIFICATE`);
  return {
    verifier: createDefaultVerifier({ provider, trustAnchors: anchors }),
    requireCertificate: require,
    rejectUnverified: require,
    // only a given --cafile is announced (the whole system store would be too long)
    certificateAuthorities: cafile === undefined ? [] : anchors.map((der) => parseCertificate(der).subject.raw),
  };
}

/** The --www rows about the client's certificate (mutual TLS). */
function clientCertificateRows(conn: Session['conn'], phaNote: string | undefined): [string, string][] {
  const config = conn.config as ServerConfig;
  if (config.clientAuth === undefined && config.postHandshakeClientAuth === undefined) return [];
  const neg = conn.negotiated;
  const when: [string, string][] =
    config.clientAuth !== undefined
      ? []
      : [['Client authentication', phaNote ?? (neg.postHandshakeAuth ? 'post-handshake (RFC 8446 §4.6.2): not requested on this path (try /pha)' : 'post-handshake: not possible, the client did not offer post_handshake_auth')]];
  const leaf = neg.peerCertificates[0];
  if (leaf === undefined) return [...when, ['Client certificate', '(none sent)']];
  let subject: string;
  try {
    const c = parseCertificate(leaf);
    subject = `${c.subject.text} (issuer ${c.issuer.text}; serial ${c.serialNumber}; valid ${c.notBefore.toISOString()} – ${c.notAfter.toISOString()})`;
  } catch (e) {
    subject = `(unparsable: ${e instanceof Error ? e.message : String(e)})`;
  }
  const result = neg.peerVerified ? 'OK (trusted, purpose clientAuth)' : `FAILED: ${neg.verifyError?.message ?? 'not verified'}`;
  return [
    ...when,
    ['Client certificate', subject],
    ['Client certificate chain', `${neg.peerCertificates.length} certificate(s)`],
    ['Client certificate verification', result],
  ];
}

/** One log line's worth about a post-handshake client certificate. */
function describeClientCertificate(r: ClientCertificateResult): string {
  const leaf = r.certificates[0];
  if (leaf === undefined) return 'none sent';
  let subject: string;
  try {
    subject = parseCertificate(leaf).subject.text;
  } catch {
    subject = '(unparsable)';
  }
  return `${subject}: ${r.verified ? 'verified (purpose clientAuth)' : `NOT verified: ${r.verifyError?.message ?? 'no verification'}`}`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The --www page: the connection's parameters and the client's ClientHello. */
export function wwwPage(session: Pick<Session, 'conn' | 'trace'>, requestLine: string, peer: string, phaNote?: string): string {
  const neg = session.conn.negotiated;
  const hellos = session.trace.entries.filter((e): e is Extract<TraceEntry, { kind: 'handshake' }> => e.kind === 'handshake' && e.type === HandshakeType.client_hello && e.from === 'client');
  const hello = hellos[hellos.length - 1];
  const rows: [string, string][] = [
    ['Client', peer],
    ['Request', requestLine],
    ['Protocol', neg.version === 0 ? '?' : protocolVersionName(neg.version)],
    ['Cipher suite', cipherSuiteName(neg.cipherSuite)],
    ['Key exchange group', neg.group === undefined ? '(none)' : namedGroupName(neg.group)],
    ['Signature scheme', neg.localSignatureScheme === undefined ? '(none)' : signatureSchemeName(neg.localSignatureScheme)],
    ['SNI (server_name)', neg.serverName ?? '(none)'],
    ['ALPN', neg.alpnProtocol ?? '(none)'],
    ['HelloRetryRequest', neg.helloRetryRequest ? 'yes' : 'no'],
    ['Resumed', !neg.resumed ? 'no' : neg.version === ProtocolVersion.TLS1_3 ? 'yes: a PSK from an earlier ticket (RFC 8446 §2.2)' : 'yes: the abbreviated handshake (RFC 5246 §7.3)'],
    [
      'Early data (0-RTT)',
      neg.earlyData === 'accepted'
        ? 'accepted: this request arrived as 0-RTT early data, before the handshake completed (it could be a replay: RFC 8446 §8)'
        : neg.earlyData === 'rejected'
          ? `offered, rejected (${neg.earlyDataRejectReason ?? '?'})`
          : 'not offered',
    ],
    ['OCSP stapled', neg.ocspResponse === undefined ? 'no' : `yes (${neg.ocspResponse.length} bytes, asked with status_request)`],
    ...clientCertificateRows(session.conn, phaNote),
  ];
  const offerRows: [string, string][] = [];
  if (hello !== undefined) {
    const o = clientHelloOffer(hello.message as ClientHello);
    offerRows.push(
      ['cipher_suites', o.cipherSuites.map(cipherSuiteName).join(', ')],
      ['supported_versions', (o.versions ?? []).map(protocolVersionName).join(', ') || '(none)'],
      ['supported_groups', (o.groups ?? []).map(namedGroupName).join(', ') || '(none)'],
      ['key_share', (o.keyShares ?? []).map((s) => `${namedGroupName(s.group)} (${s.length} bytes)`).join(', ') || '(none)'],
      ['signature_algorithms', (o.signatureAlgorithms ?? []).map(signatureSchemeName).join(', ') || '(none)'],
      ['application_layer_protocol_negotiation', (o.alpn ?? []).join(', ') || '(none)'],
      ['extensions (in order)', o.extensions.map(extensionTypeName).join(', ')],
    );
  }
  const table = (r: readonly (readonly [string, string])[]): string =>
    `<table>\n${r.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('\n')}\n</table>`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>tlskit serve</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:70em}th{text-align:left;padding-right:1em;vertical-align:top}td{font-family:monospace}pre{background:#f4f4f4;padding:1em;overflow-x:auto}</style>
</head><body>
<h1>tlskit: your TLS connection</h1>
${table(rows)}
<h2>Your ClientHello</h2>
${hello === undefined ? '<p>(not recorded)</p>' : table(offerRows)}
<h2>The handshake</h2>
<pre>${escapeHtml(renderLadder(session.trace.entries, { brief: true }))}</pre>
</body></html>
`;
}

export async function runServe(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      cert: { type: 'string', multiple: true },
      key: { type: 'string', multiple: true },
      port: { type: 'string', default: '8443' },
      host: { type: 'string', default: '127.0.0.1' },
      www: { type: 'boolean', default: false },
      'verify-client': { type: 'boolean', default: false },
      'require-client-cert': { type: 'boolean', default: false },
      'post-handshake-auth': { type: 'boolean', default: false },
      'pha-timeout': { type: 'string' },
      cafile: { type: 'string' },
      ocsp: { type: 'string', multiple: true },
      'ocsp-fetch': { type: 'boolean', default: false },
      ciphers: { type: 'string' },
      groups: { type: 'string' },
      alpn: { type: 'string' },
      keylog: { type: 'string' },
      ...SESSION_OPTIONS,
      'early-data': { type: 'boolean', default: false },
      'early-data-stateless': { type: 'boolean', default: false },
      trace: { type: 'boolean', default: false },
      'tls1.3': { type: 'boolean', default: false },
      'tls1.2': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(SERVE_HELP);
    return 0;
  }
  const versions = versionRange(values['tls1.2'], values['tls1.3']);
  const suites = values.ciphers === undefined ? {} : parseMixedCipherList(values.ciphers);
  checkSuitesForVersions(versions, suites);
  if (values['early-data'] && values['no-tickets']) throw new UsageError('--early-data needs tickets: leave out --no-tickets');
  if (values['early-data-stateless'] && !values['early-data']) throw new UsageError('--early-data-stateless goes with --early-data');
  if (values['early-data-stateless'] && values['stateful-tickets']) throw new UsageError('--early-data-stateless and --stateful-tickets exclude each other');
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`invalid --port ${values.port}`);
  const phaTimeoutS = values['pha-timeout'] === undefined ? DEFAULT_PHA_TIMEOUT_S : Number(values['pha-timeout']);
  if (!Number.isFinite(phaTimeoutS) || phaTimeoutS < 0 || phaTimeoutS > 86_400) throw new UsageError(`invalid --pha-timeout ${String(values['pha-timeout'])} (seconds, 0 to 86400)`);
  if (values['pha-timeout'] !== undefined && !values['post-handshake-auth']) throw new UsageError('--pha-timeout goes with --post-handshake-auth');
  const host = values.host;
  const provider = nodeCryptoProvider;

  let certificates: CertifiedKey[];
  const certs = values.cert ?? [];
  if (certs.length > 0 || (values.key ?? []).length > 0) {
    certificates = loadCertificates(provider, certs, values.key ?? []);
  } else {
    const dns = ['localhost'];
    const ips = ['127.0.0.1', '::1'];
    if (isIP(host) !== 0 && !ips.includes(host) && host !== '0.0.0.0' && host !== '::') ips.push(host);
    else if (isIP(host) === 0 && !dns.includes(host)) dns.push(host);
    const pki = generatePki(provider, 'tlskit serve CA', dns, ips);
    const dir = mkdtempSync(join(tmpdir(), 'tlskit-serve-'));
    const caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, pki.ca.certPem);
    certificates = [pki.certified];
    process.stdout.write(
      `generated a certificate for ${[...dns, ...ips].join(', ')}\n` +
        `  SHA-256 fingerprint ${fingerprint256(provider, pki.leaf.certDer)}\n` +
        `  its CA is in ${caFile} (tlskit connect ${host}:${port === 0 ? 'PORT' : port} --cafile ${caFile})\n`,
    );
  }

  // --ocsp: a stapled response per certificate, in --cert order (RFC 6066 §8, RFC 8446 §4.4.2.1)
  const ocspFiles = values.ocsp ?? [];
  if (ocspFiles.length > certificates.length) throw new UsageError(`${ocspFiles.length} --ocsp files for ${certificates.length} certificate(s)`);
  certificates = certificates.map((c, i) => {
    const file = ocspFiles[i];
    if (file === undefined) return c;
    const { der, summary } = readOcspFile(file);
    process.stdout.write(`stapling ${file} (${summary}) for certificate ${i + 1}\n`);
    return { ...c, ocspResponse: der };
  });

  // 0-RTT: tickets allow early data; single-use tickets (RFC 8446 §8.1) unless --early-data-stateless
  // (then the freshness window and the anti-replay record in the store, RFC 8446 §8.2, §8.3)
  const early = values['early-data'] ? { maxEarlyDataSize: EARLY_DATA_SIZE, ...(values['early-data-stateless'] ? {} : { statefulTickets: true }) } : {};
  const sessions = serveSessions(provider, values, (line) => process.stderr.write(`${line}\n`), early);
  const alpn = values.alpn === undefined ? (values.www ? ['http/1.1'] : []) : parseAlpnList(values.alpn);
  const pha = values['post-handshake-auth'];
  const stapler = values['ocsp-fetch']
    ? new OcspStapler({ provider, onEvent: (e) => process.stderr.write(`OCSP ${e.url}: ${e.ok ? e.detail : `not stapled: ${e.detail}`}\n`) })
    : undefined;
  const options: ServerConfigOptions = {
    provider,
    certificates,
    // a --ocsp file wins; otherwise the fetched response
    ...(stapler === undefined ? {} : { ocspResponder: (c: CertifiedKey) => c.ocspResponse ?? stapler.get(c) }),
    alpnProtocols: alpn,
    ...versions,
    ...suites,
    ...(values.groups === undefined ? {} : { groups: parseGroupList(values.groups) }),
    // mutual TLS during the handshake, or (--post-handshake-auth) after it (RFC 8446 §4.6.2)
    ...(pha
      ? { postHandshakeClientAuth: clientAuthOption(provider, values.cafile, values['require-client-cert']) }
      : values['verify-client'] || values['require-client-cert']
        ? { clientAuth: clientAuthOption(provider, values.cafile, values['require-client-cert']) }
        : {}),
    // RFC 8446 §4.6.1: TLS 1.3 tickets (stateless or stateful; per-process or fleet-wide keys and store);
    // TLS 1.2: RFC 5077 tickets, or (--no-tickets, or clients that ask none) the session-ID cache in the store
    ...(sessions.tickets ? { tickets: sessions.sessions } : {}),
    sessions12: sessions.sessions,
    sessionTickets12: sessions.tickets,
  };
  const config = serverConfig(options);
  const keylog = values.keylog === undefined ? undefined : keylogWriter(values.keylog);
  const color = useColor(process.stderr);

  const sockets = new Set<Socket>();
  let counter = 0;
  const server = createServer((socket) => {
    const id = ++counter;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    const ladder = values.trace ? new LadderRenderer({ color, brief: true }) : undefined;
    if (ladder !== undefined) process.stderr.write(`\n── connection #${id} from ${peer}\n${ladder.header()}`);
    let request = Buffer.alloc(0);
    let answered = false;
    // 0-RTT data arrives before the handshake completes; it is answered once it has
    const early: Buffer[] = [];
    const onData = (d: Buffer): void => {
        if (!values.www) {
          session.write(d); // echo
          return;
        }
        if (answered) return;
        request = Buffer.concat([request, d]);
        const end = request.indexOf('\r\n\r\n');
        if (end < 0 && request.length < MAX_REQUEST) return;
        answered = true;
        const requestLine = request.toString('latin1').split('\r\n')[0] ?? '';
        const respond = (): void => {
          const body = wwwPage(session, requestLine, peer, phaNote);
          session.write(
            `HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
          );
          session.end();
        };
        // --post-handshake-auth: GET /pha… asks for the client certificate first (RFC 8446 §4.6.2)
        if (pha && (requestLine.split(' ')[1] ?? '').startsWith('/pha') && askClientCertificate()) {
          afterClientCertificate = respond;
          return;
        }
        respond();
    };
    /** --post-handshake-auth: what happened to our request (for the log and the --www page). */
    let phaNote: string | undefined;
    let afterClientCertificate: (() => void) | undefined;
    let phaTimer: NodeJS.Timeout | undefined;
    const askClientCertificate = (): boolean => {
      try {
        session.requestClientCertificate();
        phaNote = 'requested after the handshake (post-handshake, RFC 8446 §4.6.2); waiting for the answer';
        process.stderr.write(`#${id} ${peer}: post-handshake CertificateRequest sent\n`);
        if (phaTimeoutS > 0) {
          // a client may never answer (RFC 8446 §4.6.2 lets it send an empty Certificate, but it
          // can also just not): go on without it after --pha-timeout
          phaTimer = setTimeout(() => {
            phaTimer = undefined;
            phaNote = `requested after the handshake, but the client did not answer within ${phaTimeoutS} s`;
            process.stderr.write(`#${id} ${peer}: post-handshake client authentication: no answer within ${phaTimeoutS} s\n`);
            const waiting = afterClientCertificate;
            afterClientCertificate = undefined;
            waiting?.();
          }, phaTimeoutS * 1000);
          phaTimer.unref();
        }
        return true;
      } catch (e) {
        phaNote = `not requested: ${e instanceof Error ? e.message : String(e)}`;
        process.stderr.write(`#${id} ${peer}: post-handshake client authentication ${phaNote}\n`);
        return false;
      }
    };
    const session: Session = openSession(socket, config, {
      data: onData,
      earlyData: (d) => {
        early.push(d);
        process.stderr.write(`#${id} ${peer}: early data (0-RTT, ${d.length} bytes; it could be a replay): ${preview(d)}\n`);
      },
      secure: () => {
        for (const d of early.splice(0)) onData(d);
      },
      clientCertificate: (r) => {
        clearTimeout(phaTimer);
        phaTimer = undefined;
        phaNote = 'answered after the handshake (post-handshake, RFC 8446 §4.6.2)';
        process.stderr.write(`#${id} ${peer}: post-handshake client certificate: ${describeClientCertificate(r)}\n`);
        const then = afterClientCertificate;
        afterClientCertificate = undefined;
        then?.();
      },
      end: () => {
        clearTimeout(phaTimer);
        phaTimer = undefined;
        // a client that closed its side cannot answer a CertificateRequest (RFC 8446 §6.1)
        const waiting = afterClientCertificate;
        afterClientCertificate = undefined;
        if (waiting !== undefined) {
          phaNote = 'requested, but the client closed its side (close_notify) before it could answer';
          waiting();
          return;
        }
        session.end();
      },
      ...(keylog === undefined ? {} : { keylog }),
      ...(ladder === undefined ? {} : { trace: (e: TraceEntry) => process.stderr.write(ladder.entry(e)) }),
    });
    session.secure.then(
      () => {
        const n = session.conn.negotiated;
        process.stderr.write(
          `#${id} ${peer}: ${protocolVersionName(n.version)} ${cipherSuiteName(n.cipherSuite)} ${n.group === undefined ? 'no-key-exchange' : namedGroupName(n.group)}` +
            ` SNI=${n.serverName ?? '-'} ALPN=${n.alpnProtocol ?? '-'}${n.helloRetryRequest ? ' (HelloRetryRequest)' : ''}` +
            `${n.resumed ? ' resumed' : ''}${earlyDataNote(n)}${n.ocspResponse !== undefined ? ' OCSP-stapled' : ''}\n`,
        );
        // --post-handshake-auth without --www: ask right after the handshake
        if (pha && !values.www && n.version === ProtocolVersion.TLS1_3) askClientCertificate();
      },
      (e: unknown) => {
        process.stderr.write(`#${id} ${peer}: handshake failed: ${explainFailure(e, 'server').line}\n`);
      },
    );
  });

  await sessions.start();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((e: unknown) => {
    throw new UsageError(explainFailure(e, 'server').line);
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' || address.address.includes(':') ? `[${address.address}]` : address.address;
  process.stdout.write(`${sessions.summary}\nlistening on ${shown}:${address.port}\n`);

  return new Promise<number>((resolve) => {
    const stop = (signal: string): void => {
      process.stderr.write(`${signal}: shutting down\n`);
      server.close();
      for (const s of sockets) s.destroy();
      void sessions.close().finally(() => {
        resolve(0);
      });
    };
    process.once('SIGINT', () => { stop('SIGINT'); });
    process.once('SIGTERM', () => { stop('SIGTERM'); });
  });
}
