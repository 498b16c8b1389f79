// Bench client process: node --expose-gc dist/bench/client.js <node:tls|tlskit>
// Driven over IPC by dist/bench/main.js.
import { readFileSync } from 'node:fs';
import type { ImplConnectOptions, ImplSocket, TlsImpl } from '../test/helpers/impl.js';
import {
  BULK_SUITE,
  TLS12_CLIENT_OPTIONS,
  cpuSinceUs,
  isImplName,
  loadImpl,
  memSample,
  serveRequests,
  timeout,
  type BenchFiles,
  type HandshakeResult,
  type MemSample,
  type Request,
} from './common.js';

const name = process.argv[2];
if (!isImplName(name)) {
  console.error(`usage: client.js node:tls|tlskit (got ${String(name)})`);
  process.exit(2);
}

const HANDSHAKE_TIMEOUT_MS = 10_000;
let implPromise: Promise<TlsImpl> | undefined;
const impl = (): Promise<TlsImpl> => (implPromise ??= loadImpl(name));
const open: ImplSocket[] = [];
let caCache: string | undefined;

function options(files: BenchFiles, port: number, extra: ImplConnectOptions = {}): ImplConnectOptions {
  caCache ??= readFileSync(files.ca, 'utf8');
  return {
    host: '127.0.0.1',
    port,
    servername: 'localhost',
    ca: caCache,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.3',
    maxVersion: 'TLSv1.3',
    ecdhCurve: 'X25519',
    ...extra,
  };
}

/** Connect; resolve on 'secureConnect' with the socket. */
function connect(tls: TlsImpl, opts: ImplConnectOptions): Promise<ImplSocket> {
  return timeout(
    new Promise<ImplSocket>((resolve, reject) => {
      const s = tls.connect(opts, () => resolve(s));
      s.once('error', reject);
      s.once('close', () => reject(new Error('closed before secureConnect')));
    }),
    HANDSHAKE_TIMEOUT_MS,
    'handshake',
  );
}

/**
 * A full handshake that waits for its session — TLS 1.3: the server's first NewSessionTicket;
 * TLS 1.2: the RFC 5077 ticket, at the end of the handshake — the session to resume in the
 * resumed-handshake scenarios.
 */
async function sessionFor(tls: TlsImpl, opts: ImplConnectOptions): Promise<Buffer> {
  return timeout(
    new Promise<Buffer>((resolve, reject) => {
      const s = tls.connect(opts, () => undefined);
      s.on('data', () => undefined);
      s.once('session', (session: Buffer) => {
        s.destroy();
        resolve(session);
      });
      s.once('error', reject);
    }),
    HANDSHAKE_TIMEOUT_MS,
    'session',
  );
}

/** One handshake (resumed when `opts.session` is set and `expectResumed`), then close and wait for 'close'. */
async function oneHandshake(tls: TlsImpl, opts: ImplConnectOptions, expectProtocol?: string, expectResumed = false): Promise<boolean> {
  let errored = false;
  await timeout(
    new Promise<void>((resolve, reject) => {
      let connected = false;
      const s = tls.connect(opts, () => {
        connected = true;
        if (expectProtocol !== undefined && s.getProtocol() !== expectProtocol) {
          s.destroy();
          reject(new Error(`negotiated ${String(s.getProtocol())}, expected ${expectProtocol}`));
          return;
        }
        if (expectResumed && !s.isSessionReused()) {
          s.destroy();
          reject(new Error('the session was not resumed'));
          return;
        }
        s.end();
      });
      s.on('data', () => undefined); // consume session tickets / anything else
      s.on('error', (e: Error) => {
        // an error after the handshake (e.g. ECONNRESET while closing) still counts as a handshake
        if (connected) {
          errored = true;
          s.destroy();
        } else reject(e);
      });
      s.on('close', () => (connected ? resolve() : reject(new Error('closed before secureConnect'))));
    }),
    HANDSHAKE_TIMEOUT_MS,
    'handshake + close',
  );
  return errored;
}

let memBase: MemSample | undefined;

async function handle(req: Request): Promise<unknown> {
  switch (req.cmd) {
    case 'handshakes': {
      const tls = await impl();
      const base = options(req.files, req.port, req.tls12 === true ? TLS12_CLIENT_OPTIONS : {});
      // resumed handshakes (TLS 1.3 PSK with psk_dhe_ke, or TLS 1.2 with a ticket): one session from a full handshake, reused
      const opts = req.resume === true ? { ...base, session: await sessionFor(tls, base) } : base;
      const resumed = req.resume === true;
      let errors = 0;
      // the first handshake checks the version (and resumption) outside the measurement
      if (await oneHandshake(tls, opts, req.tls12 === true ? 'TLSv1.2' : 'TLSv1.3', resumed)) errors++;
      const cpu = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < req.n; i++) if (await oneHandshake(tls, opts, undefined, resumed)) errors++;
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const r: HandshakeResult = { n: req.n, seconds, cpuUs: cpuSinceUs(cpu), errors };
      return r;
    }
    case 'bulk': {
      const tls = await impl();
      const s = await connect(tls, options(req.files, req.port, { ciphers: BULK_SUITE }));
      const cipher = s.getCipher();
      s.resume(); // consume whatever the server sends (tickets, close) so 'end'/'close' can come
      const chunk = new Uint8Array(64 * 1024).fill(0x61);
      let sent = 0;
      const closed = new Promise<void>((resolve) => s.once('close', () => resolve()));
      await timeout(
        (async () => {
          while (sent < req.bytes) {
            const n = Math.min(chunk.length, req.bytes - sent);
            sent += n;
            const ok = s.write(n === chunk.length ? chunk : chunk.subarray(0, n));
            if (!ok) await new Promise<void>((resolve) => s.once('drain', () => resolve()));
          }
        })(),
        600_000,
        'bulk send',
      );
      s.end();
      // the receiver measures; a close that never comes is reported, not waited for forever
      const cleanClose = await timeout(closed, 10_000, 'close').then(
        () => true,
        () => false,
      );
      s.destroy();
      return { sent, cipher: cipher.standardName ?? cipher.name, cleanClose };
    }
    case 'memOpen': {
      const tls = await impl();
      const opts = options(req.files, req.port);
      memBase = memSample();
      const batch = 50;
      await timeout(
        (async () => {
          for (let i = 0; i < req.n; i += batch) {
            const k = Math.min(batch, req.n - i);
            const socks = await Promise.all(Array.from({ length: k }, () => connect(tls, opts)));
            for (const s of socks) {
              s.on('error', () => undefined);
              s.on('data', () => undefined);
              open.push(s);
            }
          }
        })(),
        req.timeoutMs,
        `opening ${req.n} connections`,
      );
      return { open: open.length };
    }
    case 'memMeasure': {
      if (memBase === undefined) throw new Error('memMeasure without memOpen');
      const now = memSample();
      return { rss: now.rss - memBase.rss, heapExt: now.heapExt - memBase.heapExt, open: open.length };
    }
    case 'exit':
      for (const s of open) s.destroy();
      return {};
    case 'listen':
    case 'cpuStart':
    case 'cpuStop':
    case 'awaitBulk':
    case 'awaitConnections':
    case 'memBaseline':
      throw new Error(`client: unexpected command ${req.cmd}`);
  }
}

serveRequests(handle);
