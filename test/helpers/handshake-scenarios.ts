// Handshakes between node:tls and tlskit (and tlskit with itself, for 0-RTT) through the chunking
// proxy: full and resumed, TLS 1.3 and 1.2, with client certificates, with early data. Each
// connection writes a request after the handshake (or as 0-RTT), half-closes, and expects the
// server's reply and its end: the whole exchange must complete within `timeoutMs`, otherwise the
// error says what each side saw (the stuck handshake this exists to catch).
import * as tls from 'node:tls';
import { once } from 'node:events';
import type { Duplex } from 'node:stream';
import * as tlskit from '../../src/node/index.js';
import { MemoryStore, type SessionStore } from '../../src/session/store.js';
import { nodeCryptoProvider } from '../../src/crypto/node-provider.js';
import { generateTestPki, type TestPki } from '../../src/x509/generate.js';
import { startChunkingProxy, type ChunkingOptions, type ChunkingProxy } from './chunking-proxy.js';

export interface Scenario {
  readonly client: 'node' | 'tlskit';
  readonly server: 'node' | 'tlskit';
  readonly version: 'TLSv1.3' | 'TLSv1.2';
  /** Client certificate requested, sent and verified. */
  readonly mtls?: boolean;
  /** A second connection resumes the first one's session (with 0-RTT when `earlyData`). */
  readonly resume?: boolean;
  /** tlskit ↔ tlskit, TLS 1.3: the resumed connection sends its request as 0-RTT early data. */
  readonly earlyData?: boolean;
  /**
   * tlskit server: stateful tickets (TLS 1.3) / session IDs (TLS 1.2) in a session store that
   * answers after a timer of 0..3 ms, as Redis or a loaded machine does: the handshake waits for
   * the store while the client's next bytes (and its FIN) arrive.
   */
  readonly slowStore?: boolean;
}

/** A MemoryStore whose every answer comes after a timer (0..maxMs ms). */
export function slowStore(maxMs: number, rand: () => number = Math.random): SessionStore {
  const inner = new MemoryStore();
  const later = <T>(p: Promise<T>): Promise<T> => p.then((v) => new Promise<T>((resolve) => setTimeout(() => resolve(v), Math.floor(rand() * (maxMs + 1)))));
  return {
    set: (k, v, ttl) => later(inner.set(k, v, ttl)),
    get: (k) => later(inner.get(k)),
    take: (k) => later(inner.take(k)),
    insertIfAbsent: (k, v, ttl) => later(inner.insertIfAbsent(k, v, ttl)),
    delete: (k) => later(inner.delete(k)),
    recordsIntactSince: () => inner.recordsIntactSince(),
    close: () => inner.close(),
  };
}

export function scenarioName(s: Scenario): string {
  return `${s.client} → ${s.server} ${s.version}${s.mtls === true ? ' mTLS' : ''}${s.resume === true ? ' resumed' : ''}${s.earlyData === true ? ' 0-RTT' : ''}${s.slowStore === true ? ' (slow session store)' : ''}`;
}

/** The scenarios worth covering: both directions, both versions, mTLS, resumption, 0-RTT. */
export function allScenarios(): Scenario[] {
  const out: Scenario[] = [];
  for (const [client, server] of [['node', 'tlskit'], ['tlskit', 'node'], ['tlskit', 'tlskit']] as const) {
    for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
      for (const mtls of [false, true]) out.push({ client, server, version, mtls, resume: true });
    }
  }
  out.push({ client: 'tlskit', server: 'tlskit', version: 'TLSv1.3', resume: true, earlyData: true });
  for (const version of ['TLSv1.3', 'TLSv1.2'] as const) out.push({ client: 'node', server: 'tlskit', version, resume: true, slowStore: true });
  out.push({ client: 'tlskit', server: 'tlskit', version: 'TLSv1.3', resume: true, earlyData: true, slowStore: true });
  return out;
}

let sharedPki: TestPki | undefined;
function pki(): TestPki {
  sharedPki ??= generateTestPki(nodeCryptoProvider, { keyKinds: ['p256'] });
  return sharedPki;
}

interface ServerHandle {
  readonly port: number;
  /** Per accepted connection: what its server socket saw. */
  readonly seen: string[][];
  close(): Promise<void>;
}

/** A server that reads until the client's end, then answers `ok:<what it read>` and ends. */
async function startServer(s: Scenario): Promise<ServerHandle> {
  const p = pki();
  const leaf = p.leaves.p256!;
  const seen: string[][] = [];
  const opts = {
    key: leaf.keyPem,
    cert: p.chainPem('p256'),
    minVersion: s.version,
    maxVersion: s.version,
    ...(s.mtls === true ? { requestCert: true, rejectUnauthorized: true, ca: p.root.certPem } : {}),
  };
  const onSecure = (socket: Duplex & { authorized?: boolean }, log: string[]): void => {
    let read = '';
    log.push(`secure authorized=${String(socket.authorized)}`);
    socket.on('data', (d: Buffer) => (read += d.toString()));
    socket.on('end', () => {
      log.push('end');
      socket.end(`ok:${read}`);
    });
  };
  let server: tls.Server | tlskit.Server;
  if (s.server === 'node') {
    const srv = tls.createServer(opts);
    srv.on('secureConnection', (socket) => {
      const log: string[] = [];
      seen.push(log);
      socket.on('error', (e) => log.push(`error ${e.message}`));
      onSecure(socket, log);
    });
    server = srv;
  } else {
    const srv = tlskit.createServer({
      ...opts,
      ...(s.earlyData === true ? { earlyData: true } : {}),
      // TLS 1.3: single-use tickets in the store; TLS 1.2: session IDs in the store (no tickets)
      ...(s.slowStore === true ? { sessionStore: slowStore(3), statefulTickets: true, ...(s.version === 'TLSv1.2' ? { ticketCount: 0 } : {}) } : {}),
    });
    srv.on('connection', () => undefined);
    srv.on('secureConnection', (socket: tlskit.TLSSocket) => {
      const log: string[] = [];
      seen.push(log);
      socket.on('error', (e) => log.push(`error ${e.message}`));
      onSecure(socket, log);
    });
    srv.on('tlsClientError', (e: Error) => seen.push([`tlsClientError ${e.message}`]));
    server = srv;
  }
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address !== 'object') throw new Error('no server address');
  return {
    port: address.port,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
      }),
  };
}

interface ClientResult {
  reply: string;
  session: Buffer | undefined;
  reused: boolean;
  earlyAccepted: boolean;
}

/** One client connection through `port`: request after the handshake (or as 0-RTT), half-close, read the reply to the end. */
function runClient(s: Scenario, port: number, request: string, session: Buffer | undefined, timeoutMs: number, log: string[]): Promise<ClientResult> {
  const p = pki();
  const leaf = p.leaves.p256!;
  const base = {
    host: '127.0.0.1',
    port,
    servername: 'localhost',
    ca: p.root.certPem,
    minVersion: s.version,
    maxVersion: s.version,
    ...(s.mtls === true ? { key: leaf.keyPem, cert: p.chainPem('p256') } : {}),
    ...(session !== undefined ? { session } : {}),
  };
  const early = s.earlyData === true && session !== undefined;
  const socket: tls.TLSSocket | tlskit.TLSSocket =
    s.client === 'node' ? tls.connect(base) : tlskit.connect({ ...base, ...(early ? { earlyData: request } : {}) });
  return new Promise<ClientResult>((resolve, reject) => {
    let reply = '';
    let latest: Buffer | undefined;
    let earlyAccepted = false;
    let reused = false;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete exchange within ${timeoutMs} ms; client saw: ${log.join(', ')}; reply so far ${JSON.stringify(reply)}`));
    }, timeoutMs);
    socket.on('session', (b: Buffer) => {
      latest = b;
    });
    socket.once('secureConnect', () => {
      log.push(`secureConnect ${String(socket.getProtocol())} reused=${String(socket.isSessionReused())}`);
      earlyAccepted = 'earlyDataAccepted' in socket && socket.earlyDataAccepted;
      // (node:tls answers false once the socket is closed: read it now)
      reused = socket.isSessionReused();
      if (early) socket.end();
      else socket.end(request);
    });
    socket.on('data', (d: Buffer) => {
      reply += d.toString();
    });
    socket.on('end', () => {
      log.push('end');
      // node:tls delivers a TLS 1.3 'session' just after the data it came with: wait a turn
      setImmediate(() => {
        clearTimeout(timer);
        socket.destroy();
        resolve({ reply, session: latest, reused, earlyAccepted });
      });
    });
    socket.on('error', (e: Error) => {
      clearTimeout(timer);
      log.push(`error ${e.message}`);
      reject(new Error(`client error: ${e.message}; client saw: ${log.join(', ')}`));
    });
  });
}

export interface RunOptions {
  readonly chunking: ChunkingOptions;
  readonly timeoutMs: number;
  /** Connections per scenario run: the first is full, later ones resume (when the scenario resumes). */
  readonly connections: number;
  /**
   * Clients at once after the first connection (default 1): each round runs this many exchanges
   * concurrently, all offering the same session. Single-use tickets (0-RTT, slow store) resume at
   * most once per round then, so resumption is only checked with one client at a time.
   */
  readonly parallel?: number;
}

/**
 * Runs `s` through a fresh chunking proxy: `connections` exchanges, each checked (reply, resumption,
 * 0-RTT). Throws with what both sides and the proxy saw when an exchange does not complete.
 */
export async function runScenario(s: Scenario, o: RunOptions): Promise<{ handshakes: number }> {
  const server = await startServer(s);
  let proxy: ChunkingProxy | undefined;
  try {
    proxy = await startChunkingProxy(server.port, o.chunking);
    let session: Buffer | undefined;
    let handshakes = 0;
    for (let i = 0; i < o.connections; i++) {
      const width = i === 0 ? 1 : (o.parallel ?? 1);
      const resuming = s.resume === true && session !== undefined;
      const round = Array.from({ length: width }, async (_, k) => {
        const request = `request ${i}.${k} ${'x'.repeat(i * 37)}`;
        const log: string[] = [];
        let r: ClientResult;
        try {
          r = await runClient(s, proxy!.port, request, resuming ? session : undefined, o.timeoutMs, log);
        } catch (e) {
          const c = proxy!.connections[proxy!.connections.length - 1];
          const detail = `${scenarioName(s)} seed ${o.chunking.seed} connection ${i}.${k}: ${e instanceof Error ? e.message : String(e)}; server saw: ${JSON.stringify(server.seen[server.seen.length - 1] ?? [])} (${server.seen.length} secure/failed); proxy: ${JSON.stringify(c)}`;
          throw new Error(detail, { cause: e });
        }
        if (r.reply !== `ok:${request}`) throw new Error(`${scenarioName(s)} seed ${o.chunking.seed} connection ${i}.${k}: reply ${JSON.stringify(r.reply)}`);
        if (width === 1 && resuming && !r.reused) throw new Error(`${scenarioName(s)} seed ${o.chunking.seed} connection ${i}: the session was not resumed`);
        if (width === 1 && resuming && s.earlyData === true && !r.earlyAccepted) throw new Error(`${scenarioName(s)} seed ${o.chunking.seed} connection ${i}: 0-RTT not accepted`);
        return r;
      });
      const results = await Promise.all(round);
      handshakes += width;
      if (s.resume === true) {
        // a resumed connection may bring no new session (TLS 1.2; node:tls in TLS 1.3): keep the old one
        session = results[results.length - 1]?.session ?? session;
        if (session === undefined) throw new Error(`${scenarioName(s)} seed ${o.chunking.seed} connection ${i}: no session`);
      }
    }
    return { handshakes };
  } finally {
    await proxy?.close();
    await server.close();
  }
}
