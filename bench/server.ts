// Bench server process: node --expose-gc dist/bench/server.js <node:tls|tlskit>
// Driven over IPC by dist/bench/main.js.
import { readFileSync } from 'node:fs';
import type { Duplex } from 'node:stream';
import type { ImplServer, ImplSocket, TlsImpl } from '../test/helpers/impl.js';
import { closeServer, listenLocal } from '../test/helpers/impl.js';
import {
  BULK_SUITE,
  cpuSinceUs,
  isImplName,
  loadImpl,
  memSample,
  serveRequests,
  timeout,
  type BulkResult,
  type MemSample,
  type Request,
} from './common.js';

const name = process.argv[2];
if (!isImplName(name)) {
  console.error(`usage: server.js node:tls|tlskit (got ${String(name)})`);
  process.exit(2);
}

let impl: TlsImpl;
let server: ImplServer | undefined;
const sockets = new Set<ImplSocket>();
let secureCount = 0;
let countWaiters: (() => void)[] = [];
let cpuStart: NodeJS.CpuUsage | undefined;
let memBase: MemSample | undefined;
// bulk accounting
let bulkBytes = 0;
let bulkFirst = 0n;
let bulkLast = 0n;
let bulkWaiter: (() => void) | undefined;
let bulkTarget = Infinity;

function onSecure(socket: ImplSocket): void {
  sockets.add(socket);
  secureCount++;
  for (const w of countWaiters) w();
  socket.on('error', () => undefined);
  socket.on('close', () => sockets.delete(socket));
  socket.on('end', () => socket.end());
  socket.on('data', (d: Uint8Array) => {
    const now = process.hrtime.bigint();
    if (bulkBytes === 0) bulkFirst = now;
    bulkBytes += d.length;
    bulkLast = now;
    if (bulkBytes >= bulkTarget) {
      bulkTarget = Infinity;
      bulkWaiter?.();
    }
  });
}

async function handle(req: Request): Promise<unknown> {
  switch (req.cmd) {
    case 'listen': {
      impl = await loadImpl(name as 'node:tls' | 'tlskit');
      const files = req.files[req.certType];
      server = impl.createServer(
        {
          key: readFileSync(files.key, 'utf8'),
          cert: readFileSync(files.chain, 'utf8'),
          // with tls12 a 1.2+1.3 server (the client asks for TLS 1.2 only)
          minVersion: req.tls12 === true ? 'TLSv1.2' : 'TLSv1.3',
          maxVersion: 'TLSv1.3',
          ecdhCurve: 'X25519',
          ...(req.bulkSuite === true ? { ciphers: BULK_SUITE } : {}),
        },
        onSecure,
      );
      server.on('tlsClientError', (_e: Error, s: Duplex) => s.destroy());
      const port = await listenLocal(server);
      return { port };
    }
    case 'cpuStart':
      cpuStart = process.cpuUsage();
      return {};
    case 'cpuStop':
      if (cpuStart === undefined) throw new Error('cpuStop without cpuStart');
      return { cpuUs: cpuSinceUs(cpuStart) };
    case 'awaitBulk': {
      // counting starts at the first byte this process ever receives (one bulk run per process)
      await timeout(
        new Promise<void>((resolve) => {
          if (bulkBytes >= req.bytes) {
            resolve();
            return;
          }
          bulkWaiter = resolve;
          bulkTarget = req.bytes;
        }),
        req.timeoutMs,
        `receiving ${req.bytes} bytes (got ${bulkBytes})`,
      );
      const r: BulkResult = { bytes: bulkBytes, seconds: Number(bulkLast - bulkFirst) / 1e9 };
      return r;
    }
    case 'awaitConnections':
      await timeout(
        new Promise<void>((resolve) => {
          const check = (): void => {
            if (secureCount >= req.n) {
              countWaiters = countWaiters.filter((w) => w !== check);
              resolve();
            }
          };
          countWaiters.push(check);
          check();
        }),
        req.timeoutMs,
        `waiting for ${req.n} connections (have ${secureCount})`,
      );
      return { count: secureCount, open: sockets.size };
    case 'memBaseline':
      memBase = memSample();
      return memBase;
    case 'memMeasure': {
      if (memBase === undefined) throw new Error('memMeasure without memBaseline');
      const now = memSample();
      return { rss: now.rss - memBase.rss, heapExt: now.heapExt - memBase.heapExt, open: sockets.size };
    }
    case 'exit':
      for (const s of sockets) s.destroy();
      if (server !== undefined) await closeServer(server, 1000);
      return {};
    case 'handshakes':
    case 'bulk':
    case 'memOpen':
      throw new Error(`server: unexpected command ${req.cmd}`);
  }
}

serveRequests(handle);
