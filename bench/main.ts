// tlskit bench: node:tls vs tlskit, client and server in separate processes on 127.0.0.1.
//   npm run bench                 full run (BENCH_RUNS runs, default 5; medians reported)
//   BENCH_QUICK=1 npm run bench   smoke run (small counts, 1 run)
//   BENCH_IMPLS=node:tls          only some implementations (comma separated)
//   BENCH_RUNS, BENCH_HANDSHAKES, BENCH_WARMUP, BENCH_BULK_MIB, BENCH_CONNECTIONS override the counts
//   Handshake scenarios measure two windows per process: handshakes WARMUP+1 … WARMUP+HANDSHAKES of
//   a fresh process (V8 still compiling: rows without a tag), then, after BENCH_STEADY_WARMUP more
//   (default 3000; 0 = skip), HANDSHAKES more: the steady state of a long-running process ([steady]).
//   (3000: `npm run bench:curve` shows V8 optimising the once-per-handshake code for 1500–3000
//   handshakes; after 1000 the tlskit rows were still falling, node:tls's were flat.)
//   BENCH_SCENARIOS=handshake,bulk  only the scenarios whose name contains one of these (comma separated)
//   BENCH_TLSKIT_MODULE=path      load "tlskit" from another module (to test the bench itself)
//   BENCH_PROF=DIR                each client/server child writes a V8 CPU profile (--cpu-prof) into DIR
//   BENCH_NODE_FLAGS="--a --b"    extra node/V8 flags for the client/server children (e.g. --log-deopt)
//   npm run bench:curve           the warm-up curve instead of the table: CPU per handshake on each side in
//                                 consecutive windows of one process (BENCH_CURVE=SIZExCOUNT, default 500x12;
//                                 scenarios: BENCH_SCENARIOS, default "resumed 1.3")
// With handshake scenarios, each run also measures the plain-TCP floor (bench/tcp-floor.ts): the
// CPU per connection of node:net alone with a resumed handshake's byte pattern, printed under the table.
// Results: a table on stdout and JSON in dist/bench-results.json.
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { killAllPeers, spawnPeer, tail, type Peer } from '../test/helpers/process.js';
import { createTestPki, removeTestPki } from '../test/helpers/pki.js';
import {
  IMPLS,
  isImplName,
  loadImpl,
  type BenchFiles,
  type BulkResult,
  type CertType,
  type HandshakeResult,
  type ImplName,
  type Reply,
  type RequestBody,
} from './common.js';
import { measureTcpFloor } from './tcp-floor.js';
import { measureCoreResumed13 } from './core-handshake.js';

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.env.BENCH_QUICK === '1';
const envInt = (name: string, dflt: number): number => {
  const v = process.env[name];
  const n = v === undefined ? NaN : Number(v);
  return Number.isInteger(n) && n > 0 ? n : dflt;
};
const config = {
  quick,
  runs: envInt('BENCH_RUNS', quick ? 1 : 5),
  handshakes: envInt('BENCH_HANDSHAKES', quick ? 50 : 300),
  warmup: envInt('BENCH_WARMUP', quick ? 10 : 50),
  // handshakes between the fresh-process window and the steady-state window (0: no steady window)
  steadyWarmup: process.env.BENCH_STEADY_WARMUP === '0' ? 0 : envInt('BENCH_STEADY_WARMUP', quick ? 0 : 3000),
  bulkBytes: envInt('BENCH_BULK_MIB', quick ? 16 : 256) * 1024 * 1024,
  connections: envInt('BENCH_CONNECTIONS', quick ? 100 : 1000),
};

// ---------------------------------------------------------------------------------------------
// child processes with request/response over IPC

class Child {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  readonly peer: Peer;

  constructor(
    readonly role: 'server' | 'client',
    readonly impl: ImplName,
  ) {
    const prof = process.env.BENCH_PROF !== undefined ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROF}`] : [];
    const flags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter((f) => f !== '');
    this.peer = spawnPeer(process.execPath, [...prof, ...flags, '--expose-gc', join(here, `${role}.js`), impl], {
      ipc: true,
      timeoutMs: 20 * 60_000,
      name: `bench ${role} (${impl})`,
    });
    this.peer.child.on('message', (raw: unknown) => {
      const reply = raw as Reply;
      const p = this.pending.get(reply.id);
      if (p === undefined) return;
      this.pending.delete(reply.id);
      if (reply.ok) p.resolve(reply.result);
      else p.reject(new Error(`${role} (${impl}): ${reply.error ?? 'failed'}`));
    });
    void this.peer.exited.then((info) => {
      for (const p of this.pending.values()) {
        p.reject(
          new Error(
            `${role} (${impl}) exited (code ${String(info.code)}, signal ${String(info.signal)})\n${tail(this.peer.stderr(), 2000)}`,
          ),
        );
      }
      this.pending.clear();
    });
  }

  request<T>(body: RequestBody, timeoutMs: number): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.role} (${this.impl}): '${body.cmd}' timed out after ${timeoutMs} ms\n${tail(this.peer.stderr(), 2000)}`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      try {
        this.peer.send({ id, ...body });
      } catch (e) {
        this.pending.delete(id);
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  }

  async stop(): Promise<void> {
    if (this.peer.isRunning()) {
      await this.request({ cmd: 'exit' }, 3000).catch(() => undefined);
      await this.peer.wait(2000);
    }
  }
}

async function withPair<T>(impl: ImplName, fn: (server: Child, client: Child) => Promise<T>): Promise<T> {
  const server = new Child('server', impl);
  const client = new Child('client', impl);
  try {
    return await fn(server, client);
  } finally {
    await Promise.all([client.stop(), server.stop()]);
  }
}

// ---------------------------------------------------------------------------------------------
// scenarios

type Metrics = Record<string, number>;

/**
 * Full handshakes (TLS 1.3, or with `tls12` TLS 1.2 ECDHE-ECDSA/ECDHE-RSA AES-128-GCM over X25519); with `resume`,
 * resumptions: TLS 1.3 PSK (psk_dhe_ke), or with `tls12` the TLS 1.2 abbreviated handshake with an RFC 5077 ticket.
 */
async function handshakeScenario(impl: ImplName, files: BenchFiles, certType: CertType, tls12 = false, resume = false): Promise<Metrics> {
  return withPair(impl, async (server, client) => {
    const { port } = await server.request<{ port: number }>({ cmd: 'listen', certType, files, tls12 }, 15_000);
    const perHs = 10_000;
    const measure = async (): Promise<{ r: HandshakeResult; serverUs: number }> => {
      await server.request({ cmd: 'cpuStart' }, 5000);
      const r = await client.request<HandshakeResult>({ cmd: 'handshakes', port, files, n: config.handshakes, measure: true, tls12, resume }, config.handshakes * perHs);
      const s = await server.request<{ cpuUs: number }>({ cmd: 'cpuStop' }, 5000);
      return { r, serverUs: s.cpuUs };
    };
    await client.request({ cmd: 'handshakes', port, files, n: config.warmup, measure: false, tls12, resume }, config.warmup * perHs);
    const fresh = await measure();
    let steady: { r: HandshakeResult; serverUs: number } | undefined;
    if (config.steadyWarmup > 0) {
      await client.request({ cmd: 'handshakes', port, files, n: config.steadyWarmup, measure: false, tls12, resume }, config.steadyWarmup * perHs);
      steady = await measure();
    }
    const session = certType === 'p256' ? '(ECDSA P-256 session)' : '(RSA-2048 session)';
    const key = resume
      ? tls12
        ? `resumed handshake TLS 1.2 ticket ${session}`
        : `resumed handshake TLS 1.3 PSK ${session}`
      : tls12
      ? `handshake TLS 1.2 ${certType === 'p256' ? 'ECDHE-ECDSA P-256' : 'ECDHE-RSA 2048'}`
      : `handshake ${certType === 'p256' ? 'ECDSA P-256' : 'RSA-2048'}`;
    const rows = (label: string, m: { r: HandshakeResult; serverUs: number }): Metrics => ({
      [`${label}: handshakes/s`]: m.r.n / m.r.seconds,
      [`${label}: client CPU µs/hs`]: m.r.cpuUs / m.r.n,
      [`${label}: server CPU µs/hs`]: m.serverUs / m.r.n,
    });
    // the fresh-process window (handshakes warmup+1 … warmup+n: V8 still compiling) and, after
    // steadyWarmup more, the steady state a long-running process sees
    return { ...rows(key, fresh), ...(steady === undefined ? {} : rows(`${key} [steady]`, steady)) };
  });
}

/**
 * The warm-up curve of a handshake scenario: after the usual warm-up, `count` consecutive windows of
 * `size` handshakes in the same pair of processes, CPU µs per handshake on each side per window —
 * how long V8 takes to compile the per-handshake code (a function called once per handshake is
 * optimised only after a thousand or more calls).
 */
async function curveScenario(impl: ImplName, files: BenchFiles, certType: CertType, tls12: boolean, resume: boolean, size: number, count: number): Promise<{ client: number[]; server: number[] }> {
  return withPair(impl, async (server, client) => {
    const { port } = await server.request<{ port: number }>({ cmd: 'listen', certType, files, tls12 }, 15_000);
    const perHs = 10_000;
    await client.request({ cmd: 'handshakes', port, files, n: config.warmup, measure: false, tls12, resume }, config.warmup * perHs);
    const out = { client: [] as number[], server: [] as number[] };
    for (let i = 0; i < count; i++) {
      await server.request({ cmd: 'cpuStart' }, 5000);
      const r = await client.request<HandshakeResult>({ cmd: 'handshakes', port, files, n: size, measure: true, tls12, resume }, size * perHs);
      const sv = await server.request<{ cpuUs: number }>({ cmd: 'cpuStop' }, 5000);
      out.client.push(r.cpuUs / r.n);
      out.server.push(sv.cpuUs / r.n);
    }
    return out;
  });
}

async function curveMode(impls: readonly ImplName[], files: BenchFiles): Promise<number> {
  const m = /^(\d+)x(\d+)$/.exec(process.env.BENCH_CURVE ?? '');
  const size = m === null ? 500 : Number(m[1]);
  const count = m === null ? 12 : Number(m[2]);
  const all: [string, CertType, boolean, boolean][] = [
    ['handshake p256', 'p256', false, false],
    ['handshake 1.2 p256', 'p256', true, false],
    ['resumed 1.3 p256', 'p256', false, true],
    ['resumed 1.2 p256', 'p256', true, true],
  ];
  const only = (process.env.BENCH_SCENARIOS ?? 'resumed 1.3').split(',').map((x) => x.trim()).filter((x) => x !== '');
  console.log(`warm-up curve: ${count} windows of ${size} handshakes after ${config.warmup} warm-up ones; CPU µs per handshake per window`);
  for (const [name, certType, tls12, resume] of all.filter(([n]) => only.some((o) => n.includes(o)))) {
    const curves: Partial<Record<ImplName, { client: number[]; server: number[] }>> = {};
    for (const impl of impls) {
      curves[impl] = await curveScenario(impl, files, certType, tls12, resume, size, count);
      await killAllPeers();
    }
    console.log(`\n${name} (windows of ${size}: handshakes ${config.warmup + 1}…${config.warmup + size * count})`);
    for (const side of ['client', 'server'] as const) {
      for (const impl of impls) console.log(`  ${pad(`${impl} ${side}`, 16)} ${curves[impl]![side].map((v) => pad(fmt(v), 6)).join(' ')}`);
      const a = curves['node:tls']?.[side];
      const b = curves.tlskit?.[side];
      if (a !== undefined && b !== undefined) console.log(`  ${pad(`ratio ${side}`, 16)} ${b.map((v, i) => pad(`${(v / a[i]!).toFixed(2)}x`, 6)).join(' ')}`);
    }
  }
  await removeTestPki();
  return 0;
}

async function bulkScenario(impl: ImplName, files: BenchFiles): Promise<Metrics> {
  return withPair(impl, async (server, client) => {
    const { port } = await server.request<{ port: number }>({ cmd: 'listen', certType: 'p256', files, bulkSuite: true }, 15_000);
    const limit = 300_000;
    const received = server.request<BulkResult>({ cmd: 'awaitBulk', bytes: config.bulkBytes, timeoutMs: limit }, limit + 5000);
    const [sent, r] = await Promise.all([
      client.request<{ sent: number; cipher: string; cleanClose: boolean }>({ cmd: 'bulk', port, files, bytes: config.bulkBytes }, limit + 20_000),
      received,
    ]);
    if (!sent.cleanClose) console.log(`  warning: ${impl} bulk client saw no 'close' within 10 s after end() (destroyed it)`);
    if (sent.cipher !== 'TLS_AES_128_GCM_SHA256') throw new Error(`bulk negotiated ${sent.cipher}`);
    return { 'bulk TLS_AES_128_GCM_SHA256: MB/s (receiver)': r.bytes / 1e6 / r.seconds };
  });
}

async function memoryScenario(impl: ImplName, files: BenchFiles): Promise<Metrics> {
  return withPair(impl, async (server, client) => {
    const n = config.connections;
    const { port } = await server.request<{ port: number }>({ cmd: 'listen', certType: 'p256', files }, 15_000);
    await server.request({ cmd: 'memBaseline' }, 10_000);
    const limit = 120_000 + n * 100;
    await client.request({ cmd: 'memOpen', port, files, n, timeoutMs: limit }, limit + 5000);
    await server.request({ cmd: 'awaitConnections', n, timeoutMs: 30_000 }, 35_000);
    await new Promise((r) => setTimeout(r, 300)); // let tickets / acks settle
    type M = { rss: number; heapExt: number; open: number };
    const [c, s] = await Promise.all([
      client.request<M>({ cmd: 'memMeasure' }, 30_000),
      server.request<M>({ cmd: 'memMeasure' }, 30_000),
    ]);
    if (c.open !== n || s.open !== n) throw new Error(`expected ${n} open connections, client ${c.open}, server ${s.open}`);
    return {
      'memory/conn client: RSS bytes': c.rss / n,
      'memory/conn client: heap+external bytes': c.heapExt / n,
      'memory/conn server: RSS bytes': s.rss / n,
      'memory/conn server: heap+external bytes': s.heapExt / n,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// bars from the issue

type Bar = { test: (ratio: number) => boolean; text: string };
function barFor(metric: string): Bar | undefined {
  if (metric.includes('CPU µs/hs')) return { test: (r) => r <= 0.67, text: '≤ 0.67x' };
  if (metric.startsWith('bulk')) return { test: (r) => r >= 1.0, text: '≥ 1.0x' };
  if (metric.startsWith('memory')) return { test: (r) => r <= 0.5, text: '≤ 0.5x' };
  return undefined;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function fmt(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return '-';
  const a = Math.abs(x);
  return a >= 100 ? x.toFixed(0) : a >= 10 ? x.toFixed(1) : x.toFixed(2);
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const wanted = (process.env.BENCH_IMPLS ?? IMPLS.join(',')).split(',').map((s) => s.trim());
  const impls: ImplName[] = [];
  const unavailable: Record<string, string> = {};
  for (const name of wanted) {
    if (!isImplName(name)) {
      console.error(`unknown implementation ${name}`);
      continue;
    }
    try {
      await loadImpl(name);
      impls.push(name);
    } catch (e) {
      unavailable[name] = e instanceof Error ? e.message.split('\n')[0]! : String(e);
      console.log(`${name}: not available (${unavailable[name]})`);
    }
  }
  console.log(
    `bench: ${config.quick ? 'QUICK ' : ''}runs=${config.runs} handshakes=${config.handshakes} (+${config.warmup} warm-up; steady window after ${config.steadyWarmup} more) ` +
      `bulk=${config.bulkBytes / 1024 / 1024} MiB connections=${config.connections}; node ${process.version}, ` +
      `${cpus().length}× ${cpus()[0]?.model ?? '?'}`,
  );
  const pki = await createTestPki();
  const files: BenchFiles = {
    ca: pki.caFile.path,
    p256: { chain: pki.leaves.p256.chain.path, key: pki.leaves.p256.key.path },
    rsa2048: { chain: pki.leaves.rsa2048.chain.path, key: pki.leaves.rsa2048.key.path },
  };
  if (process.env.BENCH_CURVE !== undefined) return curveMode(impls, files);

  const samples: Record<string, Record<string, number[]>> = {};
  const errors: Record<string, string[]> = {};
  const scenarios: [string, (impl: ImplName) => Promise<Metrics>][] = [
    ['handshake p256', (i) => handshakeScenario(i, files, 'p256')],
    ['handshake rsa2048', (i) => handshakeScenario(i, files, 'rsa2048')],
    ['handshake 1.2 p256', (i) => handshakeScenario(i, files, 'p256', true)],
    ['handshake 1.2 rsa2048', (i) => handshakeScenario(i, files, 'rsa2048', true)],
    ['resumed 1.3 p256', (i) => handshakeScenario(i, files, 'p256', false, true)],
    ['resumed 1.2 p256', (i) => handshakeScenario(i, files, 'p256', true, true)],
    ['bulk', (i) => bulkScenario(i, files)],
    ['memory', (i) => memoryScenario(i, files)],
  ];
  const only = process.env.BENCH_SCENARIOS?.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (only !== undefined && only.length > 0) {
    for (let i = scenarios.length - 1; i >= 0; i--) if (!only.some((o) => scenarios[i]![0].includes(o))) scenarios.splice(i, 1);
  }
  const metricOrder: string[] = [];
  const failed = new Set<string>(); // impl|scenario that failed once: not retried in later runs
  const floors = { client: [] as number[], server: [] as number[] };
  // node:crypto CPU of one resumed TLS 1.3 core handshake per side (calls at the protocol minimum)
  const coreCrypto = { client: [] as number[], server: [] as number[] };
  for (let run = 1; run <= config.runs; run++) {
    for (const [scenario, fn] of scenarios) {
      // impls interleaved within each run, so drift on the machine hits both alike
      for (const impl of impls) {
        if (failed.has(`${impl}|${scenario}`)) continue;
        const t0 = Date.now();
        try {
          const m = await fn(impl);
          for (const [k, v] of Object.entries(m)) {
            if (!metricOrder.includes(k)) metricOrder.push(k);
            ((samples[impl] ??= {})[k] ??= []).push(v);
          }
          console.log(
            `  run ${run}/${config.runs} ${pad(impl, 8)} ${pad(scenario, 18)} ${((Date.now() - t0) / 1000).toFixed(1)} s  ` +
              Object.values(m).map(fmt).join(' | '),
          );
        } catch (e) {
          const msg = e instanceof Error ? e.message : String(e);
          (errors[impl] ??= []).push(`${scenario}: ${msg}`);
          failed.add(`${impl}|${scenario}`);
          console.error(`  run ${run}/${config.runs} ${impl} ${scenario} FAILED: ${msg}`);
        }
        await killAllPeers(); // nothing may linger between scenarios
      }
    }
    if (scenarios.some(([name]) => name.includes('handshake') || name.includes('resumed'))) {
      try {
        const f = await measureTcpFloor(config.warmup, config.handshakes);
        floors.client.push(f.clientUs);
        floors.server.push(f.serverUs);
        console.log(`  run ${run}/${config.runs} plain TCP floor       client ${fmt(f.clientUs)} | server ${fmt(f.serverUs)} µs/conn`);
      } catch (e) {
        console.error(`  run ${run}/${config.runs} plain TCP floor FAILED: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    if (impls.includes('tlskit') && scenarios.some(([name]) => name.startsWith('resumed 1.3'))) {
      try {
        // in this (otherwise idle) process, after every child has exited
        const c = await measureCoreResumed13(config.warmup + config.steadyWarmup, config.handshakes);
        coreCrypto.client.push(c.clientCryptoUs);
        coreCrypto.server.push(c.serverCryptoUs);
        console.log(`  run ${run}/${config.runs} node:crypto calls of a resumed TLS 1.3 core handshake  client ${fmt(c.clientCryptoUs)} | server ${fmt(c.serverCryptoUs)} µs`);
      } catch (e) {
        console.error(`  run ${run}/${config.runs} core crypto FAILED: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }

  // table
  const medians: Record<string, Record<string, number>> = {};
  for (const impl of Object.keys(samples)) {
    for (const [k, v] of Object.entries(samples[impl]!)) (medians[impl] ??= {})[k] = median(v);
  }
  const rows: string[][] = [['metric (median)', 'node:tls', 'tlskit', 'tlskit/node', 'bar', 'verdict']];
  const verdicts: Record<string, { ratio: number | null; bar: string | null; pass: boolean | null }> = {};
  for (const k of metricOrder) {
    const a = medians['node:tls']?.[k];
    const b = medians.tlskit?.[k];
    const ratio = a !== undefined && b !== undefined && a !== 0 ? b / a : undefined;
    const bar = barFor(k);
    const pass = bar === undefined || ratio === undefined ? null : bar.test(ratio);
    verdicts[k] = { ratio: ratio ?? null, bar: bar?.text ?? null, pass };
    rows.push([k, fmt(a), fmt(b), ratio === undefined ? '-' : `${ratio.toFixed(2)}x`, bar?.text ?? '', pass === null ? (bar ? 'n/a' : '') : pass ? 'PASS' : 'FAIL']);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  console.log('');
  for (const [i, r] of rows.entries()) {
    console.log(r.map((c, j) => pad(c, widths[j]!)).join(' | '));
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  }
  const floor = floors.client.length > 0 ? { clientUs: median(floors.client), serverUs: median(floors.server) } : null;
  if (floor !== null) {
    console.log(
      `\nplain TCP floor (node:net, no TLS, same byte pattern; medians): client ${fmt(floor.clientUs)} µs, server ${fmt(floor.serverUs)} µs CPU per connection.`,
    );
    for (const k of metricOrder) {
      const side = k.includes('client CPU') ? 'clientUs' : k.includes('server CPU') ? 'serverUs' : undefined;
      const a = medians['node:tls']?.[k];
      if (side === undefined || a === undefined || !k.startsWith('resumed')) continue;
      console.log(`  ${k}: the floor alone is ${(floor[side] / a).toFixed(2)}x node:tls`);
    }
  }
  // The least any TLS on node:net + node:crypto can spend on a resumed TLS 1.3 handshake: the TCP
  // floor plus the node:crypto calls the protocol needs at the minimum (pinned by
  // src/connection/crypto-ops.test.ts), before any protocol code, streams or GC.
  const crypto13 = coreCrypto.client.length > 0 ? { clientUs: median(coreCrypto.client), serverUs: median(coreCrypto.server) } : null;
  let lowerBound: Record<string, { us: number; ratio: number }> | null = null;
  if (floor !== null && crypto13 !== null) {
    lowerBound = {};
    console.log(
      `\nlower bound, resumed TLS 1.3 (TCP floor + node:crypto calls at the protocol minimum: client ${fmt(crypto13.clientUs)}, server ${fmt(crypto13.serverUs)} µs):`,
    );
    for (const k of metricOrder) {
      const side = k.includes('client CPU') ? 'clientUs' : k.includes('server CPU') ? 'serverUs' : undefined;
      const a = medians['node:tls']?.[k];
      if (side === undefined || a === undefined || !k.startsWith('resumed handshake TLS 1.3')) continue;
      const us = floor[side] + crypto13[side];
      const ratio = us / a;
      lowerBound[k] = { us, ratio };
      const bar = barFor(k);
      const verdict = bar === undefined ? '' : bar.test(ratio) ? ' (the bar is within reach)' : ` (above the bar ${bar.text}: out of reach on node:net + node:crypto)`;
      console.log(`  ${k}: ${fmt(us)} µs = ${ratio.toFixed(2)}x node:tls${verdict}`);
    }
  }
  if (!impls.includes('tlskit')) console.log('\ntlskit: not available');
  for (const [impl, errs] of Object.entries(errors)) for (const e of errs) console.log(`\n${impl} error: ${e}`);

  const out = join(here, '..', 'bench-results.json');
  writeFileSync(
    out,
    JSON.stringify(
      {
        date: new Date().toISOString(),
        machine: { node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model ?? null, memBytes: totalmem() },
        config,
        unavailable,
        samples,
        medians,
        verdicts,
        tcpFloor: floor,
        coreCrypto13: crypto13,
        lowerBound,
        errors,
      },
      null,
      2,
    ),
  );
  console.log(`\nresults: ${out}`);
  await removeTestPki();
  return Object.keys(errors).includes('node:tls') ? 1 : 0;
}

main().then(
  async (code) => {
    await killAllPeers();
    process.exitCode = code;
  },
  async (e: unknown) => {
    console.error('bench failed:', e instanceof Error ? (e.stack ?? e.message) : e);
    await killAllPeers();
    process.exitCode = 1;
  },
);
