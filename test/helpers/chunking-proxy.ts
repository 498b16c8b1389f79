// A TCP proxy on 127.0.0.1 that re-cuts the byte stream between a client and a server: every
// direction is forwarded in pieces of random size (1 byte upwards) with random pauses between
// them (a turn of the event loop, or a short timer), from a seeded PRNG so that a failing seed can
// be replayed. Order and half-close are kept: a side's FIN is forwarded after its last byte. Used
// to drive handshakes through the segment patterns a loaded machine or a real network produces.
import * as net from 'node:net';
import { once } from 'node:events';

/** mulberry32: a small deterministic PRNG (test use only). Returns floats in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface ChunkingOptions {
  /** Largest piece forwarded at once (1 = byte by byte). */
  readonly maxPiece: number;
  /** Probability that a pause is a timer of 1..maxDelayMs ms rather than one event-loop turn. */
  readonly timerProbability: number;
  readonly maxDelayMs: number;
  readonly seed: number;
}

/** What went through one proxied connection (for diagnosing a stuck handshake). */
export interface ProxiedConnection {
  readonly id: number;
  toServer: number;
  toClient: number;
  clientEnded: boolean;
  serverEnded: boolean;
  closed: boolean;
}

export interface ChunkingProxy {
  readonly port: number;
  readonly connections: ProxiedConnection[];
  close(): Promise<void>;
}

/** Forwards `from` → `to` in random pieces; calls `count(n)` per piece; ends `to` after `from` ended and all is sent. */
function pipeChunked(from: net.Socket, to: net.Socket, o: ChunkingOptions, rand: () => number, count: (n: number) => void, ended: () => void): void {
  const queue: Buffer[] = [];
  let sending = false;
  let eof = false;
  const pause = (next: () => void): void => {
    if (rand() < o.timerProbability) setTimeout(next, 1 + Math.floor(rand() * o.maxDelayMs));
    else setImmediate(next);
  };
  const step = (): void => {
    if (to.destroyed) {
      queue.length = 0;
      sending = false;
      return;
    }
    const head = queue[0];
    if (head === undefined) {
      sending = false;
      if (eof) {
        ended();
        to.end();
      }
      return;
    }
    const n = Math.min(head.length, 1 + Math.floor(rand() * o.maxPiece));
    const piece = head.subarray(0, n);
    if (n === head.length) queue.shift();
    else queue[0] = head.subarray(n);
    count(n);
    to.write(piece);
    pause(step);
  };
  from.on('data', (d: Buffer) => {
    queue.push(d);
    if (!sending) {
      sending = true;
      pause(step);
    }
  });
  from.on('end', () => {
    eof = true;
    if (!sending) {
      sending = true;
      pause(step);
    }
  });
}

/** Starts a proxy to `targetPort` on 127.0.0.1. Each connection gets its own PRNG stream (seed + id). */
export async function startChunkingProxy(targetPort: number, o: ChunkingOptions): Promise<ChunkingProxy> {
  const connections: ProxiedConnection[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    const c: ProxiedConnection = { id: connections.length, toServer: 0, toClient: 0, clientEnded: false, serverEnded: false, closed: false };
    connections.push(c);
    const rand = prng(o.seed * 7919 + c.id);
    const upstream = net.connect({ port: targetPort, host: '127.0.0.1', allowHalfOpen: true });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.setNoDelay(true);
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
      s.on('close', () => {
        sockets.delete(s);
        c.closed = true;
        // a reset or close on one side: close the other once what it still has to send is out
        const other = s === client ? upstream : client;
        if (!other.destroyed && other.writableLength === 0 && other.writableEnded) other.destroy();
      });
    }
    pipeChunked(client, upstream, o, rand, (n) => (c.toServer += n), () => (c.clientEnded = true));
    pipeChunked(upstream, client, o, rand, (n) => (c.toClient += n), () => (c.serverEnded = true));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    connections,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
