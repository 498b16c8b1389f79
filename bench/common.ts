// Shared by the bench orchestrator (main.ts) and its child processes (server.ts, client.ts).
import { asTlsImpl, type TlsImpl } from '../test/helpers/impl.js';

export const IMPLS = ['node:tls', 'tlskit'] as const;
export type ImplName = (typeof IMPLS)[number];

export function isImplName(s: string | undefined): s is ImplName {
  return s === 'node:tls' || s === 'tlskit';
}

/** Load an implementation by name. tlskit comes from dist/node/index.js (relative to dist/bench/). */
export async function loadImpl(name: ImplName): Promise<TlsImpl> {
  if (name === 'node:tls') return asTlsImpl(await import('node:tls'));
  const url = new URL('../node/index.js', import.meta.url).href;
  return asTlsImpl(await import(url));
}

/** The files a child needs (PEM text is read by the child itself). */
export interface BenchFiles {
  ca: string;
  /** leaf + intermediate chain, and key, per cert type */
  p256: { chain: string; key: string };
  rsa2048: { chain: string; key: string };
}

export type CertType = 'p256' | 'rsa2048';

export const BULK_SUITE = 'TLS_AES_128_GCM_SHA256';

// ---- IPC: requests from main, answers from the children

export type Request =
  | { id: number; cmd: 'listen'; certType: CertType; files: BenchFiles; bulkSuite?: boolean }
  | { id: number; cmd: 'cpuStart' }
  | { id: number; cmd: 'cpuStop' }
  | { id: number; cmd: 'awaitBulk'; bytes: number; timeoutMs: number }
  | { id: number; cmd: 'awaitConnections'; n: number; timeoutMs: number }
  | { id: number; cmd: 'memBaseline' }
  | { id: number; cmd: 'memMeasure' }
  | { id: number; cmd: 'handshakes'; port: number; files: BenchFiles; n: number; measure: boolean }
  | { id: number; cmd: 'bulk'; port: number; files: BenchFiles; bytes: number }
  | { id: number; cmd: 'memOpen'; port: number; files: BenchFiles; n: number; timeoutMs: number }
  | { id: number; cmd: 'exit' };

export type RequestBody = Request extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

export interface Reply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

export interface MemSample {
  rss: number;
  heapExt: number;
}

export interface CpuResult {
  /** user + system µs */
  cpuUs: number;
}

export interface HandshakeResult extends CpuResult {
  seconds: number;
  n: number;
  errors: number;
}

export interface BulkResult {
  bytes: number;
  seconds: number;
}

type Gc = () => void;

/** Forced GC (needs --expose-gc) then memoryUsage. */
export function memSample(): MemSample {
  const gc = (globalThis as { gc?: Gc }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc');
  for (let i = 0; i < 3; i++) gc();
  const m = process.memoryUsage();
  return { rss: m.rss, heapExt: m.heapUsed + m.external };
}

export function cpuSinceUs(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return d.user + d.system;
}

/** Child side: answer requests from the parent; exit when the parent goes away. */
export function serveRequests(handle: (req: Request) => Promise<unknown>): void {
  if (process.send === undefined) {
    console.error('bench child: must be started by dist/bench/main.js (IPC channel missing)');
    process.exit(2);
  }
  const send = (reply: Reply): void => {
    process.send?.(reply);
  };
  process.on('disconnect', () => process.exit(1));
  process.on('message', (raw: unknown) => {
    const req = raw as Request;
    handle(req).then(
      (result) => {
        send({ id: req.id, ok: true, result });
        if (req.cmd === 'exit') setTimeout(() => process.exit(0), 20);
      },
      (e: unknown) => send({ id: req.id, ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) }),
    );
  });
}

/** Bound a promise. */
export function timeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      t = setTimeout(() => reject(new Error(`timeout after ${ms} ms: ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(t));
}
