// The floor under every handshake row of the bench: plain TCP connections (node:net, no TLS) with
// the byte pattern of a resumed TLS 1.3 handshake — the client sends a ClientHello-sized message,
// the server answers with a flight-sized one, the client sends a Finished-sized message and ends,
// the server answers with a close_notify-sized message and ends — measured as the CPU each side
// spends per connection (connect/accept, reads, writes, close, and node's socket objects). This is
// what no TLS implementation running on node:net can save; the bench prints it next to the
// table so the handshake rows can be read against it.
//   node dist/bench/tcp-floor.js server|client PORT   (children; main.ts calls measureTcpFloor)
import { fork, type ChildProcess } from 'node:child_process';
import { createServer, connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { cpuSinceUs } from './common.js';

/** Bytes per message, as in a resumed TLS 1.3 handshake (P-256 session, one ticket). */
const SIZES = { hello: 512, flight: 400, finished: 80, close: 24 } as const;

export interface TcpFloor {
  clientUs: number;
  serverUs: number;
}

function runServer(): void {
  const flight = Buffer.alloc(SIZES.flight, 1);
  const close = Buffer.alloc(SIZES.close, 2);
  let start: NodeJS.CpuUsage | undefined;
  const server = createServer((s: Socket) => {
    let answered = false;
    s.on('data', () => {
      if (!answered) {
        answered = true;
        s.write(flight);
      }
    });
    s.on('end', () => s.end(close));
    s.on('error', () => undefined);
  });
  process.on('message', (m: unknown) => {
    if (m === 'start') start = process.cpuUsage();
    else if (m === 'stop') process.send?.({ serverUs: start === undefined ? NaN : cpuSinceUs(start) }, () => process.exit(0));
  });
  server.listen(0, '127.0.0.1', () => {
    const a = server.address();
    process.send?.({ port: typeof a === 'object' && a !== null ? a.port : 0 });
  });
}

function oneConnection(port: number): Promise<void> {
  const hello = Buffer.alloc(SIZES.hello, 3);
  const finished = Buffer.alloc(SIZES.finished, 4);
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write(hello));
    let answered = false;
    s.on('data', () => {
      if (!answered) {
        answered = true;
        s.end(finished);
      }
    });
    s.on('error', reject);
    s.on('close', () => resolve());
  });
}

async function runClient(port: number, warmup: number, n: number): Promise<void> {
  for (let i = 0; i < warmup; i++) await oneConnection(port);
  process.send?.({ warm: true });
  await new Promise<void>((r) => process.once('message', () => r()));
  const start = process.cpuUsage();
  for (let i = 0; i < n; i++) await oneConnection(port);
  process.send?.({ clientUs: cpuSinceUs(start) }, () => process.exit(0));
}

function nextMessage<T>(child: ChildProcess, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('tcp floor: child timed out')), timeoutMs);
    child.once('message', (m) => {
      clearTimeout(t);
      resolve(m as T);
    });
  });
}

/** CPU µs per connection on each side, after `warmup` connections, over `n` connections. */
export async function measureTcpFloor(warmup: number, n: number): Promise<TcpFloor> {
  const self = fileURLToPath(import.meta.url);
  const server = fork(self, ['server'], { stdio: 'ignore' });
  let client: ChildProcess | undefined;
  try {
    const { port } = await nextMessage<{ port: number }>(server, 10_000);
    client = fork(self, ['client', String(port), String(warmup), String(n)], { stdio: 'ignore' });
    await nextMessage(client, 10_000 + warmup * 20);
    server.send('start');
    client.send('go');
    const { clientUs } = await nextMessage<{ clientUs: number }>(client, 10_000 + n * 20);
    server.send('stop');
    const { serverUs } = await nextMessage<{ serverUs: number }>(server, 10_000);
    return { clientUs: clientUs / n, serverUs: serverUs / n };
  } finally {
    client?.kill();
    server.kill();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const role = process.argv[2];
  if (role === 'server') runServer();
  else if (role === 'client') void runClient(Number(process.argv[3]), Number(process.argv[4]), Number(process.argv[5]));
  else {
    const r = await measureTcpFloor(200, 1000);
    console.log(`plain TCP connection (resumed-handshake byte pattern): client ${r.clientUs.toFixed(0)} µs, server ${r.serverUs.toFixed(0)} µs CPU`);
  }
}
