// Shared by the bench orchestrator (main.ts) and its child processes (server.ts, client.ts).
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { existsSync } from 'node:fs';
import { asTlsImpl, type TlsImpl } from '../test/helpers/impl.js';

export const IMPLS = ['node:tls', 'tlskit'] as const;
export type ImplName = (typeof IMPLS)[number];

export function isImplName(s: string | undefined): s is ImplName {
  return s === 'node:tls' || s === 'tlskit';
}

/** Where tlskit's node:tls look-alike may be, relative to dist/bench/: dist/node/index.js is what
 *  package.json "exports" names; with tsconfig's rootDir "." tsc actually emits dist/src/node/index.js. */
const TLSKIT_CANDIDATES = ['../node/index.js', '../src/node/index.js'];

/** Load an implementation by name. BENCH_TLSKIT_MODULE (a path) overrides where tlskit comes from,
 *  to exercise the bench itself with a stand-in. */
export async function loadImpl(name: ImplName): Promise<TlsImpl> {
  if (name === 'node:tls') return asTlsImpl(await import('node:tls'));
  const override = process.env.BENCH_TLSKIT_MODULE;
  if (override !== undefined && override !== '') return asTlsImpl(await import(pathToFileURL(resolve(override)).href));
  const urls = TLSKIT_CANDIDATES.map((rel) => new URL(rel, import.meta.url));
  const found = urls.find((u) => existsSync(u));
  if (found === undefined) throw new Error(`tlskit not built (looked for ${urls.map((u) => fileURLToPath(u)).join(', ')})`);
  return asTlsImpl(await import(found.href));
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

/** Full TLS 1.2 handshakes: ECDHE (X25519) with the certificate's signature, AES-128-GCM (RFC 5289). */
export const TLS12_CLIENT_OPTIONS = {
  minVersion: 'TLSv1.2',
  maxVersion: 'TLSv1.2',
  ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256',
  // X25519 is the key exchange (the server forces it); RFC 8422 §5.3: a P-256 certificate needs P-256 listed
  ecdhCurve: 'X25519:P-256',
} as const;

// ---- IPC: requests from main, answers from the children

export type Request =
  | { id: number; cmd: 'listen'; certType: CertType; files: BenchFiles; bulkSuite?: boolean; tls12?: boolean }
  | { id: number; cmd: 'cpuStart' }
  | { id: number; cmd: 'cpuStop' }
  | { id: number; cmd: 'awaitBulk'; bytes: number; timeoutMs: number }
  | { id: number; cmd: 'awaitConnections'; n: number; timeoutMs: number }
  | { id: number; cmd: 'memBaseline' }
  | { id: number; cmd: 'memMeasure' }
  | { id: number; cmd: 'handshakes'; port: number; files: BenchFiles; n: number; measure: boolean; tls12?: boolean; resume?: boolean }
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
