/**
 * `tlskit connect HOST:PORT` (like `openssl s_client`): a TLS 1.3/1.2 handshake with a server, then
 * what was negotiated, the certificate chain and the verification result (on stderr, so that
 * stdout carries only the server's data), then stdin → server and server → stdout.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { rootCertificates } from 'node:tls';
import { parseArgs } from 'node:util';
import { nodeCryptoProvider } from '../crypto/node-provider.js';
import { TlsError } from '../errors.js';
import { clientConfig, type ClientConfigOptions } from '../handshake/config.js';
import type { EarlyDataOutcome } from '../connection/connection.js';
import { decodeAnyClientSession, encodeAnyClientSession, type ClientSession } from '../handshake/resumption12.js';
import { ProtocolVersion } from '../registry/codepoints.js';
import { decodePem, encodePem } from '../x509/pem.js';
import { traceJson, type Json } from '../trace/json.js';
import { LadderRenderer, renderLadder, renderNegotiated, summarizeNegotiated } from '../trace/ladder.js';
import { commonName, parseCertificate } from '../x509/certificate.js';
import { HandshakeType } from '../registry/codepoints.js';
import { createDefaultVerifier, type CertificateVerifier } from '../x509/verify.js';
import type { SctVerification } from '../x509/ct.js';
import type { Negotiated } from '../handshake/host.js';
import { explainFailure } from './errors.js';
import { UsageError, checkSuitesForVersions, parseAlpnList, parseGroupList, parseMixedCipherList, versionRange } from './names.js';
import { loadCertificates } from './serve.js';
import { negotiatedJson, renderChain } from './report.js';
import { openSession, type Session } from './session.js';
import { ocspStatusReport } from './ocsp-status.js';
import { CT_HELP, CT_OPTIONS, ctSettings, sctReport } from './ct.js';
import { EXIT_FAILURE, keylogWriter, useColor } from './util.js';

export const CONNECT_HELP = `Usage: tlskit connect HOST:PORT [options]

Connects with TLS 1.3 or 1.2 and prints (on stderr) the version, cipher suite, group, ALPN, the
certificate chain and the verification result; then relays stdin to the server and the server's
data to stdout until either side ends.

Options:
  --servername NAME  SNI and the name the certificate must match (default: HOST; an IP address
                     is matched against the certificate's IP addresses and not sent as SNI)
  --cafile FILE      trust the CA certificates in FILE (PEM) instead of the system roots
  --cert FILE        client certificate chain (PEM, leaf first) for mutual TLS; repeatable, paired
                     in order with --key; the one that fits the server's CertificateRequest is sent
                     (TLS 1.3: also offers post-handshake authentication, RFC 8446 §4.6.2, and
                     answers the server's later requests, shown as "Post-handshake authentication")
  --key FILE         private key (PEM) of the --cert at the same position
  --insecure         do not verify the server's certificate (loud warning)
  --crl FILE         check the server's chain against the CRL(s) in FILE (PEM or DER); repeatable
  --fetch-crls       fetch CRLs from the distribution points of the server's chain (http only,
                     bounded, cached until nextUpdate) during the handshake; a revoked
                     certificate fails it (an unreachable CRL is accepted: soft-fail)
  --status           ask for a stapled OCSP response (status_request, RFC 6066 §8) and show it:
                     status, producedAt, this/next update, responder and its verification (a
                     revoked or invalid one fails the handshake; none is accepted)
  --ocsp-hard        with --status: require a good stapled OCSP response for the server's
                     certificate (hard-fail: no staple fails the handshake)
${CT_HELP}  --tls1.3           TLS 1.3 only (default: TLS 1.3 or 1.2, whichever the server prefers)
  --tls1.2           TLS 1.2 only
  --ciphers LIST     cipher suites, comma separated: TLS 1.3 (e.g. TLS_AES_256_GCM_SHA384) and/or
                     TLS 1.2 ones (e.g. ECDHE-RSA-AES128-GCM-SHA256 or its IANA name)
  --groups LIST      key exchange groups, comma separated (e.g. x25519,secp256r1)
  --alpn LIST        ALPN protocols, comma separated (e.g. h2,http/1.1)
  --keylog FILE      append the secrets to FILE in NSS key log format (for Wireshark)
  --sess-out FILE    write the session to FILE (PEM; it holds the resumption PSK or the master
                     secret: keep it private): TLS 1.3, from the server's last NewSessionTicket;
                     TLS 1.2, the session ID or RFC 5077 ticket the server gave
  --sess-in FILE     resume the session in FILE: TLS 1.3, a PSK handshake (RFC 8446 §2.2); TLS 1.2,
                     the abbreviated handshake (RFC 5246 §7.3) with its session ID or ticket;
                     when the server declines it, a full handshake follows
  --early-data FILE  with --sess-in: send the contents of FILE as TLS 1.3 0-RTT early data in the
                     first flight (RFC 8446 §2.3), when the session's ticket allows it (at most its
                     max_early_data_size bytes; the rest after the handshake). When the server
                     rejects it, it is sent again after the handshake. Early data can be replayed
                     by an attacker: send only requests that are safe to repeat
  --trace            print the handshake ladder to stderr as it happens
  --json             print one JSON object describing the connection and exit
  --timeout SECONDS  give up when the handshake takes longer (default 15)
  -h, --help         this help

Exit status: 0 on success, 1 when the connection or the handshake fails, 2 on usage errors.
`;

const SESSION_PEM_LABEL = 'TLSKIT TLS 1.3 SESSION';
const SESSION_PEM_LABEL_12 = 'TLSKIT TLS 1.2 SESSION';

/** --sess-in: a session written by --sess-out. */
function readSessionFile(file: string): ClientSession {
  try {
    const text = readFileSync(file, 'utf8');
    const block = decodePem(text).find((b) => b.label === SESSION_PEM_LABEL || b.label === SESSION_PEM_LABEL_12);
    if (block === undefined) throw new Error(`no ${SESSION_PEM_LABEL} or ${SESSION_PEM_LABEL_12} block`);
    return decodeAnyClientSession(block.der);
  } catch (e) {
    throw new UsageError(`cannot read --sess-in ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** --sess-out: the latest session (each NewSessionTicket replaces the previous one), owner-only. */
function writeSessionFile(file: string, session: ClientSession): void {
  try {
    const label = session.version === ProtocolVersion.TLS1_2 ? SESSION_PEM_LABEL_12 : SESSION_PEM_LABEL;
    writeFileSync(file, encodePem(label, encodeAnyClientSession(session)), { mode: 0o600 });
  } catch (e) {
    process.stderr.write(`tlskit connect: cannot write --sess-out ${file}: ${e instanceof Error ? e.message : String(e)}\n`);
  }
}

/** --early-data: the bytes to send as 0-RTT data. */
function readEarlyDataFile(file: string): Uint8Array {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new UsageError(`cannot read --early-data ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** The "Early data:" line: what became of --early-data (RFC 8446 §4.2.10). */
export function earlyDataLine(outcome: EarlyDataOutcome | undefined, anySession: ClientSession | undefined): string {
  if (outcome === undefined) return '';
  if (outcome.status === 'not-offered' && anySession?.version === ProtocolVersion.TLS1_2) {
    return `Early data: not sent as 0-RTT (a TLS 1.2 session: no 0-RTT in TLS 1.2); ${outcome.data.length} bytes sent after the handshake\n`;
  }
  const session = anySession?.version === ProtocolVersion.TLS1_3 ? anySession : undefined;
  const n = outcome.data.length;
  switch (outcome.status) {
    case 'accepted': {
      const early = Math.min(n, session?.maxEarlyDataSize ?? n);
      return `Early data: accepted (${early} bytes sent as 0-RTT data in the first flight${early < n ? `, ${n - early} after the handshake` : ''})\n`;
    }
    case 'rejected':
      return `Early data: rejected by the server (${n} bytes ${outcome.resent ? 'sent again after the handshake' : 'not resent: the server selected another ALPN protocol'})\n`;
    case 'not-offered':
      return `Early data: not sent as 0-RTT (${session === undefined ? 'no --sess-in session' : session.maxEarlyDataSize === 0 ? 'the session\'s ticket does not allow early data' : 'the session\'s cipher suite or ALPN is not offered'}); ${n} bytes sent after the handshake\n`;
  }
}

/** HOST:PORT, [IPv6]:PORT. */
export function parseTarget(target: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(target) ?? /^([^:]+):(\d+)$/.exec(target);
  const host = m?.[1];
  const port = Number(m?.[2]);
  if (host === undefined || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UsageError(`expected HOST:PORT, got "${target}"`);
  }
  return { host, port };
}

function tcpConnect(host: string, port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(Object.assign(new Error(`TCP connection to ${host}:${port} timed out`), { code: 'ETIMEDOUT' }));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

interface VerificationReport {
  readonly ok: boolean;
  readonly enabled: boolean;
  readonly text: string;
  readonly code?: string;
}

function verificationReport(verifier: CertificateVerifier, chain: readonly Uint8Array[], name: string, enabled: boolean): VerificationReport {
  const target = isIP(name) !== 0 ? { ip: name } : { hostname: name };
  const r = verifier.verify({ chain, purpose: 'serverAuth', time: new Date(), ...target });
  if (r.ok) {
    const root = r.chain[r.chain.length - 1];
    const rootName = root === undefined ? '?' : (commonName(root.subject) ?? root.subject.text);
    const text = `OK: the chain leads to the trusted root "${rootName}" and the certificate names ${name}`;
    return enabled ? { ok: true, enabled, text } : { ok: true, enabled, text: `disabled by --insecure (it would have passed: ${text})` };
  }
  const why = explainFailure(r.error, 'client').cause;
  return enabled
    ? { ok: false, enabled, text: `FAILED: ${r.error.message}`, code: r.error.code }
    : { ok: false, enabled, text: `disabled by --insecure; it would have FAILED: ${r.error.message} — ${why}`, code: r.error.code };
}

/** Each SCT of the handshake (certificate, TLS extension, stapled OCSP) verified against the --ct-logs list (RFC 6962 §3.3). */
function sctResults(verifier: CertificateVerifier, neg: Negotiated, name: string, statusRequested: boolean): readonly SctVerification[] {
  const target = isIP(name) !== 0 ? { ip: name } : { hostname: name };
  const r = verifier.verify({
    chain: neg.peerCertificates,
    purpose: 'serverAuth',
    time: new Date(),
    ...target,
    ...(neg.sctList === undefined ? {} : { sctList: neg.sctList }),
    ...(neg.ocspResponse === undefined ? {} : { ocspResponses: [neg.ocspResponse] }),
    statusRequested,
  });
  return r.ok ? (r.scts ?? []) : [];
}

/** The CRLs in a PEM or DER file. */
function readCrlFile(file: string): Uint8Array[] {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new UsageError(`cannot read --crl ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const text = new TextDecoder('latin1').decode(bytes);
  if (!text.includes('-----BEGIN')) return [new Uint8Array(bytes)];
  const blocks = decodePem(text).filter((b) => b.label === 'X509 CRL');
  if (blocks.length === 0) throw new UsageError(`--crl ${file}: no X509 CRL PEM block`);
  return blocks.map((b) => b.der);
}

export async function runConnect(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: {
      servername: { type: 'string' },
      cafile: { type: 'string' },
      cert: { type: 'string', multiple: true },
      key: { type: 'string', multiple: true },
      insecure: { type: 'boolean', default: false },
      crl: { type: 'string', multiple: true },
      'fetch-crls': { type: 'boolean', default: false },
      status: { type: 'boolean', default: false },
      'ocsp-hard': { type: 'boolean', default: false },
      ...CT_OPTIONS,
      'tls1.3': { type: 'boolean', default: false },
      'tls1.2': { type: 'boolean', default: false },
      ciphers: { type: 'string' },
      groups: { type: 'string' },
      alpn: { type: 'string' },
      keylog: { type: 'string' },
      'sess-out': { type: 'string' },
      'sess-in': { type: 'string' },
      'early-data': { type: 'string' },
      trace: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      timeout: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: true,
  });
  if (values.help) {
    process.stdout.write(CONNECT_HELP);
    return 0;
  }
  const versions = versionRange(values['tls1.2'], values['tls1.3']);
  const suites = values.ciphers === undefined ? {} : parseMixedCipherList(values.ciphers);
  checkSuitesForVersions(versions, suites);
  if (positionals.length !== 1 || positionals[0] === undefined) throw new UsageError('expected exactly one HOST:PORT');
  const { host, port } = parseTarget(positionals[0]);
  const timeoutSeconds = values.timeout === undefined ? 15 : Number(values.timeout);
  if (!(timeoutSeconds > 0)) throw new UsageError('--timeout must be a positive number of seconds');
  const provider = nodeCryptoProvider;
  const serverName = values.servername ?? host;

  let anchors: string | readonly string[] = rootCertificates;
  if (values.cafile !== undefined) {
    try {
      anchors = readFileSync(values.cafile, 'utf8');
    } catch (e) {
      throw new UsageError(`cannot read --cafile ${values.cafile}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const crls = (values.crl ?? []).flatMap((file) => readCrlFile(file));
  const ct = ctSettings(provider, values);
  const verifier = createDefaultVerifier({
    provider,
    trustAnchors: typeof anchors === 'string' ? anchors : anchors.join('\n'),
    ...(crls.length > 0 ? { crls } : {}),
    ...(values['fetch-crls'] ? { fetchCrls: true } : {}),
    ...(values['ocsp-hard'] ? { ocsp: 'hard' as const } : {}),
    ...(ct === undefined ? {} : { ct: { logs: ct.logs, ...(ct.policy === undefined ? {} : { policy: ct.policy }) } }),
  });
  if (values['ocsp-hard'] && !values.status) throw new UsageError('--ocsp-hard needs --status (ask for the staple it requires)');
  if (values.insecure) {
    process.stderr.write(
      '\n*** WARNING: certificate verification is DISABLED (--insecure). ***\n' +
        '*** Anyone on the path can impersonate the server; use this only to look. ***\n\n',
    );
  }

  const options: ClientConfigOptions = {
    provider,
    verifier: values.insecure ? null : verifier,
    serverName,
    ...versions,
    ...suites,
    ...(values.groups === undefined ? {} : { groups: parseGroupList(values.groups) }),
    ...(values.alpn === undefined ? {} : { alpnProtocols: parseAlpnList(values.alpn) }),
    ...(values['sess-in'] === undefined ? {} : { session: readSessionFile(values['sess-in']) }),
    ...(values['early-data'] === undefined ? {} : { earlyData: readEarlyDataFile(values['early-data']) }),
    ...(values.status ? { requestOcsp: true } : {}),
    // RFC 6962 §3.3.1: ask for the signed_certificate_timestamp extension
    ...(ct === undefined ? {} : { requestScts: true }),
    // mutual TLS: offered when the server sends a CertificateRequest
    ...(values.cert === undefined && values.key === undefined ? {} : { certificates: loadCertificates(provider, values.cert ?? [], values.key ?? []) }),
  };
  const config = clientConfig(options);
  let earlyOutcome: EarlyDataOutcome | undefined;
  const sessOut = values['sess-out'];
  const keylog = values.keylog === undefined ? undefined : keylogWriter(values.keylog);
  const colorErr = useColor(process.stderr);
  const ladder = values.trace ? new LadderRenderer({ color: colorErr }) : undefined;

  const fail = (err: unknown, session?: Session): number => {
    const report = explainFailure(err, 'client');
    if (values.json) {
      const out: Json = {
        ok: false,
        host,
        port,
        server_name: serverName,
        error: {
          code: err instanceof TlsError ? err.code : err !== null && typeof err === 'object' && 'code' in err ? String(err.code) : null,
          alert: report.alert,
          sent_by: report.alert === null ? null : report.sentBy,
          message: err instanceof Error ? err.message : String(err),
          explanation: report.line,
        },
        ...(session === undefined ? {} : { messages: traceJson(session.trace.entries) }),
      };
      process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    } else {
      if (session !== undefined && !values.trace && session.trace.entries.length > 0) {
        process.stderr.write(`${renderLadder(session.trace.entries, { color: colorErr, brief: true })}\n`);
      }
      process.stderr.write(`tlskit connect: handshake with ${host}:${port} failed: ${report.line}\n`);
    }
    return EXIT_FAILURE;
  };

  let socket: Socket;
  try {
    socket = await tcpConnect(host, port, timeoutSeconds * 1000);
  } catch (e) {
    return fail(e);
  }
  if (ladder !== undefined) process.stderr.write(ladder.header());

  let onEnd: () => void = () => undefined;
  let handshakeDone = false;
  const peerEnded = new Promise<void>((resolve) => (onEnd = resolve));
  const session = openSession(
    socket,
    config,
    {
      data: (d) => {
        if (!values.json) process.stdout.write(d);
      },
      end: () => {
        onEnd();
      },
      ...(keylog === undefined ? {} : { keylog }),
      secure: () => {
        handshakeDone = true;
      },
      trace: (e) => {
        if (ladder !== undefined) process.stderr.write(ladder.entry(e));
        // RFC 8446 §4.6.2: say when the server asked for our certificate after the handshake
        if (!values.json && handshakeDone && e.kind === 'handshake' && e.from === 'client' && e.type === HandshakeType.certificate) {
          const list = (e.message as { certificateList?: readonly { certData: Uint8Array }[] }).certificateList ?? [];
          const leaf = list[0];
          process.stderr.write(`Post-handshake authentication: the server asked for a client certificate; sent ${leaf === undefined ? 'none (no --cert fits its request)' : describeLeaf(leaf.certData)}\n`);
        }
      },
      earlyDataOutcome: (o: EarlyDataOutcome): void => {
        earlyOutcome = o;
      },
      ...(sessOut === undefined
        ? {}
        : {
            session: (s: ClientSession): void => {
              writeSessionFile(sessOut, s);
            },
          }),
    },
    timeoutSeconds * 1000,
  );
  try {
    await session.secure;
  } catch (e) {
    return fail(e, session);
  }

  const neg = session.conn.negotiated;
  const verification = verificationReport(verifier, neg.peerCertificates, serverName, !values.insecure);
  const base = summarizeNegotiated(neg, 'client', verification.text);
  // RFC 6066 §3: an IP address is not sent as SNI
  const summary = isIP(serverName) !== 0 ? { ...base, serverName: `(none: ${serverName} is an IP address, matched against the certificate's IP addresses)` } : base;
  const status = values.status ? ocspStatusReport(provider, verifier, neg, !values.insecure) : undefined;
  const scts = ct === undefined ? undefined : sctReport(ct, sctResults(verifier, neg, serverName, values.status));

  if (values.json) {
    session.end();
    await Promise.race([session.closed, new Promise((r) => setTimeout(r, 2000).unref())]);
    const out: Json = {
      ok: true,
      host,
      port,
      server_name: serverName,
      ...(negotiatedJson(isIP(serverName) !== 0 ? { ...base, serverName: undefined } : base, provider) as Record<string, Json>),
      resumed: neg.resumed,
      ...(earlyOutcome === undefined ? {} : { early_data: { status: earlyOutcome.status, accepted: earlyOutcome.accepted, resent: earlyOutcome.resent, bytes: earlyOutcome.data.length } }),
      verification: { enabled: verification.enabled, ok: verification.ok, result: verification.text, ...(verification.code === undefined ? {} : { code: verification.code }) },
      ...(status === undefined ? {} : { ocsp: status.json }),
      ...(scts === undefined ? {} : { ct: scts.json }),
      messages: traceJson(session.trace.entries),
    };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    session.destroy();
    return 0;
  }

  process.stderr.write(
    `Connected to ${host}:${port}\n${renderNegotiated(summary, { color: colorErr })}${renderChain(provider, neg.peerCertificates)}` +
      `Verification: ${verification.text}\n` +
      (status?.text ?? '') +
      (scts?.text ?? '') +
      `Session: ${neg.resumed ? (neg.version === ProtocolVersion.TLS1_2 ? 'resumed (TLS 1.2 abbreviated handshake: the session\'s master secret, no certificate exchanged)' : 'resumed (PSK with (EC)DHE, no certificate exchanged)') : 'new (full handshake)'}\n` +
      `${earlyDataLine(earlyOutcome, config.session)}---\n`,
  );

  // relay: stdin → server, server → stdout, until either side ends
  const stdinEnded = new Promise<void>((resolve) => {
    process.stdin.on('data', (chunk: Buffer) => {
      try {
        session.write(chunk);
      } catch {
        resolve();
      }
    });
    process.stdin.on('end', () => { resolve(); });
    process.stdin.on('error', () => { resolve(); });
  });
  const first = await Promise.race([peerEnded.then(() => 'peer' as const), stdinEnded.then(() => 'stdin' as const), session.closed.then(() => 'closed' as const)]);
  if (first === 'stdin') {
    // our side is done: close_notify, then give the server a moment to answer and close
    session.end();
    await Promise.race([peerEnded, session.closed, new Promise((r) => setTimeout(r, 3000).unref())]);
  } else if (first === 'peer') {
    session.end();
  }
  process.stdin.pause();
  session.destroy();
  const err = session.error();
  if (err !== null) {
    process.stderr.write(`tlskit connect: connection failed: ${explainFailure(err, 'client').line}\n`);
    return EXIT_FAILURE;
  }
  return 0;
}

/** The subject of a DER certificate, for one line of output. */
function describeLeaf(der: Uint8Array): string {
  try {
    return parseCertificate(der).subject.text;
  } catch {
    return '(an unparsable certificate)';
  }
}
