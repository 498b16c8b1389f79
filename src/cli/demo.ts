/**
 * `tlskit demo`: a tlskit server and a tlskit client in this one process on 127.0.0.1, a TLS 1.3
 * handshake, one request and response, a clean close; then the handshake as a ladder, the
 * negotiated parameters and the key schedule (or all of it as JSON with --json).
 */
import { createServer, connect as netConnect, type AddressInfo, type Server } from 'node:net';
import { parseArgs } from 'node:util';
import { nodeCryptoProvider } from '../crypto/node-provider.js';
import { DEFAULT_GROUPS, clientConfig, serverConfig, type ClientConfigOptions } from '../handshake/config.js';
import type { ClientSession } from '../handshake/resumption12.js';
import { ServerSessions } from '../session/server-sessions.js';
import { TicketKeyring } from '../session/ticket-keys.js';
import { NamedGroup, ProtocolVersion } from '../registry/codepoints.js';
import { namedGroupName } from '../registry/names.js';
import { keyScheduleSteps } from '../trace/explain.js';
import { traceJson, type Json } from '../trace/json.js';
import { renderKeySchedule, renderLadder, renderNegotiated, summarizeNegotiated } from '../trace/ladder.js';
import { createDefaultVerifier } from '../x509/verify.js';
import { explainFailure } from './errors.js';
import { negotiatedJson } from './report.js';
import { UsageError, parseCipherSuite, parseCipherSuite12, parseGroup } from './names.js';
import { openSession, type Session } from './session.js';
import { EXIT_FAILURE, generatePki, keylogWriter, preview, useColor } from './util.js';

export const DEMO_HELP = `Usage: tlskit demo [options]

Runs a TLS 1.3 handshake between a tlskit client and a tlskit server in this process
(127.0.0.1, ephemeral port, certificates generated now) and explains every message.

Options:
  --group NAME     key exchange group to use (default: X25519MLKEM768, with x25519 offered too)
  --cipher NAME    cipher suite the server picks (e.g. TLS_CHACHA20_POLY1305_SHA256)
  --hrr            configure the server so that the client's first key share is unusable,
                   to show a HelloRetryRequest
  --json           print the trace as JSON (every message with decoded fields and raw hex)
  --keylog FILE    append the secrets in NSS key log format to FILE (for Wireshark)
  --tls1.2         a TLS 1.2 handshake (ECDHE, the classic 2-RTT ladder, PRF and key block)
  --resume         resumption: a full handshake (the server sends a NewSessionTicket), then a
                   second connection resuming that session: TLS 1.3 with a PSK (RFC 8446 §2.2);
                   with --tls1.2 the abbreviated handshake with the RFC 5077 ticket (RFC 5246 §7.3)
  --early-data     with --resume: the resumed connection sends its request as 0-RTT early data
                   in its first flight (RFC 8446 §2.3), and the ladder shows the 0-RTT flight
  -h, --help       this help
`;

const REQUEST = 'GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: tlskit-demo\r\n\r\n';
const BODY = 'Hello from the tlskit server: this response travelled under the application traffic keys.\n';
const RESPONSE = `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(BODY)}\r\nConnection: close\r\n\r\n${BODY}`;

interface DemoPlan {
  readonly clientGroups: readonly number[];
  readonly clientKeyShares: readonly number[] | undefined;
  readonly serverGroups: readonly number[];
  readonly serverSuites: readonly number[] | undefined;
}

/** Which groups each side uses, from --group and --hrr. */
export function planGroups(group: number | undefined, hrr: boolean): DemoPlan {
  const defaults = [...DEFAULT_GROUPS];
  const clientGroups = group === undefined || defaults.includes(group) ? defaults : [group, ...defaults];
  if (!hrr) {
    if (group === undefined) return { clientGroups, clientKeyShares: undefined, serverGroups: defaults, serverSuites: undefined };
    return { clientGroups: [group, ...defaults.filter((g) => g !== group)], clientKeyShares: [group], serverGroups: [group], serverSuites: undefined };
  }
  // --hrr: the client sends shares for groups the server does not accept; the server wants `target`.
  const target = group ?? NamedGroup.secp256r1;
  const firstOther = clientGroups.find((g) => g !== target) ?? NamedGroup.x25519;
  const shares = group === undefined ? undefined : [firstOther];
  return { clientGroups, clientKeyShares: shares, serverGroups: [target], serverSuites: undefined };
}

/** --resume: the server issues one TLS 1.3 ticket per handshake and TLS 1.2 tickets, from one session layer. */
function resumptionOptions(sessions: ServerSessions): { tickets: ServerSessions; ticketCount: number; sessions12: ServerSessions } {
  return { tickets: sessions, ticketCount: 1, sessions12: sessions };
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => { resolve((server.address() as AddressInfo).port); });
  });
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => { reject(new Error(`timed out after ${ms} ms: ${what}`)); }, ms);
  });
  return Promise.race([p, t]).finally(() => { clearTimeout(timer); });
}

export async function runDemo(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      group: { type: 'string' },
      cipher: { type: 'string' },
      hrr: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      keylog: { type: 'string' },
      'tls1.2': { type: 'boolean', default: false },
      'tls1.3': { type: 'boolean', default: false },
      resume: { type: 'boolean', default: false },
      'early-data': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(DEMO_HELP);
    return 0;
  }
  const tls12 = values['tls1.2'];
  if (tls12 && values['tls1.3']) throw new UsageError('--tls1.2 and --tls1.3 exclude each other');
  if (tls12 && values.hrr) throw new UsageError('--hrr is a TLS 1.3 feature (HelloRetryRequest); leave out --tls1.2');
  const earlyData = values['early-data'];
  if (earlyData && !values.resume) throw new UsageError('--early-data needs --resume (0-RTT data goes with a resumed session)');
  if (earlyData && values.hrr) throw new UsageError('--early-data and --hrr: a HelloRetryRequest always rejects early data; leave out one');
  if (earlyData && tls12) throw new UsageError('--early-data is TLS 1.3 0-RTT; leave out --tls1.2');
  const versions = tls12 ? { maxVersion: ProtocolVersion.TLS1_2 } : {};
  const group = values.group === undefined ? undefined : parseGroup(values.group);
  const suite = values.cipher === undefined ? undefined : tls12 ? parseCipherSuite12(values.cipher) : parseCipherSuite(values.cipher);
  const provider = nodeCryptoProvider;
  if (group !== undefined && !provider.supportsGroup(group)) throw new UsageError(`group ${namedGroupName(group)} is not supported by the crypto provider`);
  const plan = planGroups(group, values.hrr);

  const pki = generatePki(provider, 'tlskit demo CA', ['localhost'], ['127.0.0.1']);
  const verifier = createDefaultVerifier({ provider, trustAnchors: [pki.ca.certDer] });
  const keylog = values.keylog === undefined ? undefined : keylogWriter(values.keylog);

  const sc = serverConfig({
    provider,
    certificates: [pki.certified],
    groups: plan.serverGroups,
    alpnProtocols: ['http/1.1'],
    ...versions,
    ...(suite === undefined ? {} : tls12 ? { cipherSuites12: [suite] } : { cipherSuites: [suite] }),
    ...(values.resume
      ? resumptionOptions(
          new ServerSessions({
            provider,
            keys: new TicketKeyring({ provider }),
            // 0-RTT: tickets allow early data and are single use (RFC 8446 §8.1 anti-replay)
            ...(earlyData ? { maxEarlyDataSize: 16_384, tickets13: 'stateful' as const } : {}),
          }),
        )
      : {}),
  });
  const ccOptions: ClientConfigOptions = {
    provider,
    verifier,
    serverName: 'localhost',
    groups: plan.clientGroups,
    alpnProtocols: ['http/1.1'],
    ...versions,
    ...(plan.clientKeyShares === undefined ? {} : { keyShareGroups: plan.clientKeyShares }),
  };
  const cc = clientConfig(ccOptions);

  const serverSessions: Session[] = [];
  const server = createServer((socket) => {
    let request = '';
    let answered = false;
    let secure = false;
    const answer = (): void => {
      if (!answered && secure && request.includes('\r\n\r\n')) {
        answered = true;
        s.write(RESPONSE);
        s.end();
      }
    };
    const s = openSession(socket, sc, {
      data: (d) => {
        request += d.toString('latin1');
        answer();
      },
      // 0-RTT: the request arrives before the handshake completes; it is answered once it has
      earlyData: (d) => {
        request += d.toString('latin1');
      },
      secure: () => {
        secure = true;
        answer();
      },
      end: () => { s.end(); },
    });
    serverSessions.push(s);
  });
  const port = await listen(server);

  /** One client connection: handshake, request, response, close. */
  const runClient = async (config: typeof cc): Promise<{ client: Session; received: Buffer[]; failure: unknown; tickets: ClientSession[] }> => {
    const socket = netConnect({ host: '127.0.0.1', port });
    const received: Buffer[] = [];
    const tickets: ClientSession[] = [];
    let peerEnded!: () => void;
    const ended = new Promise<void>((resolve) => (peerEnded = resolve));
    const client = openSession(socket, config, {
      data: (d) => received.push(d),
      end: () => { peerEnded(); },
      session: (t) => tickets.push(t),
      ...(keylog === undefined ? {} : { keylog }),
    });
    let failure: unknown;
    try {
      await withTimeout(client.secure, 10_000, 'the handshake');
      // with 0-RTT the request already left in the first flight (or was resent when rejected)
      if (config.earlyData === undefined) client.write(REQUEST);
      await withTimeout(ended, 10_000, 'the response');
      client.end();
      await withTimeout(client.closed, 5_000, 'the close');
    } catch (e) {
      failure = client.error() ?? serverSessions.at(-1)?.error() ?? e;
    } finally {
      client.destroy();
    }
    return { client, received, failure, tickets };
  };

  let run = await runClient(cc);
  let full: typeof run | undefined;
  if (values.resume && run.failure === undefined) {
    full = run;
    const ticket = full.tickets[0];
    run =
      ticket === undefined
        ? { ...full, failure: new Error('the server gave no resumable session') }
        : await runClient(clientConfig({ ...ccOptions, session: ticket, ...(earlyData ? { earlyData: Buffer.from(REQUEST) } : {}) }));
  }
  for (const s of serverSessions) s.destroy();
  server.close();
  const { client, received, failure } = run;

  const entries = client.trace.entries;
  const neg = client.conn.negotiated;
  const verification = neg.peerVerified ? 'OK: the chain leads to the demo CA and names localhost' : 'not verified';
  const summary = summarizeNegotiated(neg, 'client', verification);
  const response = Buffer.concat(received);
  const info = { cipherSuite: neg.cipherSuite, group: neg.group, helloRetryRequest: neg.helloRetryRequest, extendedMasterSecret: neg.extendedMasterSecret, resumed: neg.resumed };

  if (values.json) {
    const report: Json = {
      tool: 'tlskit',
      command: 'demo',
      ok: failure === undefined,
      ...(failure === undefined ? {} : { error: explainFailure(failure, 'client').line }),
      server: { host: '127.0.0.1', port },
      view: 'client',
      negotiated: negotiatedJson(summary, provider),
      messages: traceJson(entries),
      ...(full === undefined ? {} : { resumed: neg.resumed, full_handshake_messages: traceJson(full.client.trace.entries) }),
      ...(earlyData ? { early_data: neg.earlyData } : {}),
      key_schedule: keyScheduleSteps(info).map((s) => ({ ...s })),
      application_data: { request: REQUEST, response: response.toString('latin1') },
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return failure === undefined ? 0 : EXIT_FAILURE;
  }

  const color = useColor(process.stdout);
  const out: string[] = [];
  out.push(
    `tlskit demo: a TLS ${tls12 ? '1.2' : '1.3'} handshake between a tlskit client and a tlskit server on 127.0.0.1:${port}\n` +
      `(certificates generated just now: CA "tlskit demo CA" → server "localhost"; the ladder is the client's view)\n\n`,
  );
  if (full !== undefined && tls12) {
    out.push('1. Full handshake (Certificate, ServerKeyExchange, two round trips); the server seals the session into a\n   ticket and sends it in a NewSessionTicket just before its ChangeCipherSpec (RFC 5077 §3.3)\n\n');
    out.push(renderLadder(full.client.trace.entries, { color }));
    out.push(
      '\n2. Abbreviated handshake (RFC 5246 §7.3, RFC 5077 §3.1): the ClientHello carries the ticket in\n' +
        '   session_ticket and a random session_id; the server opens the ticket (only it holds the ticket key),\n' +
        '   echoes the session_id and goes straight to ChangeCipherSpec and Finished — no Certificate, no key\n' +
        '   exchange, one round trip. The keys come from the session\'s master secret and the two new randoms;\n' +
        '   there is no fresh (EC)DHE, so the connection is only as forward-secret as the ticket key. The\n' +
        '   server Finished comes first here, and the client verifies it before it answers.\n\n',
    );
  } else if (full !== undefined) {
    out.push('1. Full handshake (certificate, CertificateVerify; the server sends its NewSessionTicket with its Finished)\n\n');
    out.push(renderLadder(full.client.trace.entries, { color }));
    out.push(
      '\n2. Resumed handshake with the ticket (RFC 8446 §2.2): the ClientHello carries pre_shared_key\n' +
        '   (the ticket, its obfuscated age and a binder: an HMAC under a key derived from the PSK over the\n' +
        '   ClientHello up to the binders); the server answers with pre_shared_key in its ServerHello and\n' +
        '   skips Certificate and CertificateVerify: the PSK authenticates it. A fresh (EC)DHE share still\n' +
        '   runs, so the new keys have forward secrecy. The peer identity is the one of connection 1.\n' +
        (earlyData
          ? '   0-RTT (RFC 8446 §2.3): the ticket allowed early data (max_early_data_size), so the client sends\n' +
            '   its request right behind the ClientHello, encrypted under client_early_traffic_secret (derived\n' +
            '   from the PSK and the ClientHello alone), without waiting for the server. The server accepts it\n' +
            '   (early_data in EncryptedExtensions); the client ends it with EndOfEarlyData. Early data has no\n' +
            '   forward secrecy and can be replayed by an attacker (RFC 8446 §8): only idempotent requests.\n\n'
          : '\n'),
    );
  }
  out.push(renderLadder(entries, { color }));
  out.push('\n');
  if (failure !== undefined) {
    process.stdout.write(out.join(''));
    process.stderr.write(`tlskit demo: failed: ${explainFailure(failure, 'client').line}\n`);
    return EXIT_FAILURE;
  }
  out.push(`Application data\n  client → server: ${preview(Buffer.from(REQUEST))} (${Buffer.byteLength(REQUEST)} bytes)\n`);
  out.push(`  server → client: ${preview(response)} (${response.length} bytes)\n\n`);
  out.push(renderNegotiated(summary, { color }, entries));
  out.push('\n');
  if (full !== undefined) {
    const how = tls12
      ? 'master_secret of connection 1 reused; key_block = PRF(master_secret, "key expansion", server_random + client_random) with the new randoms.'
      : 'early_secret = HKDF-Extract(0, PSK) instead of HKDF-Extract(0, zeros).';
    out.push(`Resumed: ${neg.resumed ? 'yes' : 'NO (the server did a full handshake)'}; ${how}\n`);
    if (earlyData) {
      out.push(
        neg.earlyData === 'accepted'
          ? `Early data: accepted — the request (${Buffer.byteLength(REQUEST)} bytes) reached the server in the client's first flight, before the handshake completed.\n`
          : `Early data: ${neg.earlyData} — the request was sent again after the handshake.\n`,
      );
    }
    out.push('\n');
  }
  out.push(renderKeySchedule(info, { color }));
  if (values.keylog !== undefined) out.push(`\nKey log written to ${values.keylog} (NSS format; keep it private).\n`);
  process.stdout.write(out.join(''));
  return 0;
}
