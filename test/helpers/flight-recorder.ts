// A TCP proxy on 127.0.0.1 that records a client's first flight — every byte the client sent
// before the first byte came back from the server — so a test can replay it elsewhere (e.g. a
// ClientHello with its 0-RTT early data, replayed to another server of a fleet, RFC 8446 §8).
// Without a target it is a black hole: it records and never answers.
import { createServer, connect, type Server, type Socket } from 'node:net';
import { withTimeout } from './process.js';

export interface FlightRecorder {
  readonly port: number;
  /** The bytes of the first connection's client before the server's first byte (so far). */
  flight(): Buffer;
  /** Waits (bounded) until the recorded flight satisfies `done`. */
  waitFor(done: (flight: Buffer) => boolean, ms: number, what: string): Promise<Buffer>;
  close(): Promise<void>;
}

/** Starts a recorder forwarding to `targetPort` (or, when undefined, answering nothing). */
export async function startFlightRecorder(targetPort: number | undefined): Promise<FlightRecorder> {
  const chunks: Buffer[] = [];
  let answered = false;
  let first = true;
  const watchers = new Set<() => void>();
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on('error', () => undefined);
    const recording = first;
    first = false;
    const upstream = targetPort === undefined ? undefined : connect({ host: '127.0.0.1', port: targetPort });
    if (upstream !== undefined) {
      sockets.add(upstream);
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
      upstream.on('data', (d: Buffer) => {
        if (recording) answered = true;
        client.write(d);
      });
      upstream.on('end', () => client.end());
      client.on('end', () => upstream.end());
    }
    client.on('data', (d: Buffer) => {
      if (recording && !answered) {
        chunks.push(Buffer.from(d));
        for (const w of watchers) w();
      }
      upstream?.write(d);
    });
  });
  server.listen(0, '127.0.0.1');
  await withTimeout(new Promise((resolve) => server.once('listening', resolve)), 5000, 'flight recorder listen');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('flight recorder: no port');
  const flight = (): Buffer => Buffer.concat(chunks);
  return {
    port: address.port,
    flight,
    waitFor: (done, ms, what) =>
      withTimeout(
        new Promise<Buffer>((resolve) => {
          const check = (): void => {
            const f = flight();
            if (done(f)) {
              watchers.delete(check);
              resolve(f);
            }
          };
          watchers.add(check);
          check();
        }),
        ms,
        what,
      ),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** TLS records (content type, length) of a byte stream; stops at an incomplete record. */
export function recordTypes(bytes: Uint8Array): number[] {
  const types: number[] = [];
  let at = 0;
  while (at + 5 <= bytes.length) {
    const len = ((bytes[at + 3] ?? 0) << 8) | (bytes[at + 4] ?? 0);
    if (at + 5 + len > bytes.length) break;
    types.push(bytes[at] ?? 0);
    at += 5 + len;
  }
  return types;
}

/**
 * Sends `bytes` to 127.0.0.1:`port` on a raw TCP connection; resolves with what came back: once a
 * first complete record has arrived, after `lingerMs` more (so the peer has processed what
 * followed it), or after `maxMs` at most; then closes.
 */
export async function replayRaw(port: number, bytes: Uint8Array, maxMs = 10_000, lingerMs = 300): Promise<Buffer> {
  const socket = connect({ host: '127.0.0.1', port });
  const got: Buffer[] = [];
  socket.on('error', () => undefined);
  await withTimeout(new Promise((resolve) => socket.once('connect', resolve)), 5000, 'raw replay connect');
  await new Promise<void>((resolve) => {
    let linger: NodeJS.Timeout | undefined;
    const done = (): void => {
      clearTimeout(max);
      clearTimeout(linger);
      resolve();
    };
    const max = setTimeout(done, maxMs);
    socket.on('data', (d: Buffer) => {
      got.push(d);
      if (linger === undefined && recordTypes(Buffer.concat(got)).length > 0) linger = setTimeout(done, lingerMs);
    });
    socket.once('close', done);
    socket.write(bytes);
  });
  socket.destroy();
  return Buffer.concat(got);
}
