// Micro-benchmarks of single building blocks, printed, never asserted (the project measures
// performance with benchmarks, not in unit tests). `npm run bench:micro`.
//   - X.509 parsing: µs per certificate (parseCertificate on a generated P-256 leaf)
//   - MemoryStore.set: µs per operation at 1k and 100k entries — the same figure at both sizes
//     shows the LRU store's operations are O(1), whatever its size.
//   - a resumed TLS 1.3 handshake in the sans-I/O core alone (bench/core-handshake.ts): client and
//     server µs, without sockets, streams or the kernel, and how much of it is spent in node:crypto calls
import { nodeCryptoProvider } from '../src/crypto/node-provider.js';
import { MemoryStore } from '../src/session/store.js';
import { generateTestPki } from '../src/x509/generate.js';
import { parseCertificate } from '../src/x509/certificate.js';
import { measureCoreResumed13, type CoreCost } from './core-handshake.js';

const ROUNDS = Number(process.env.BENCH_RUNS ?? 5);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function parseMicros(): number {
  const pki = generateTestPki(nodeCryptoProvider, { keyKinds: ['p256'] });
  const der = pki.leaves.p256!.certDer;
  const per: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    for (let i = 0; i < 2000; i++) parseCertificate(der);
    per.push(((performance.now() - t0) * 1000) / 2000);
  }
  return median(per);
}

async function storeSetMicros(maxEntries: number): Promise<number> {
  const per: number[] = [];
  const v = new Uint8Array(8);
  for (let r = 0; r < ROUNDS; r++) {
    const s = new MemoryStore({ maxEntries });
    for (let i = 0; i < maxEntries; i++) await s.set(`w${i}`, v, 60_000); // fill first
    const n = 200_000;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await s.set(`k${i}`, v, 60_000);
    per.push(((performance.now() - t0) * 1000) / n);
    await s.close();
  }
  return median(per);
}

async function fullRecordsMicros(maxRecords: number): Promise<number> {
  // A record table full of live records (a flood): each insertIfAbsent must refuse in O(1).
  const per: number[] = [];
  const v = new Uint8Array(8);
  for (let r = 0; r < ROUNDS; r++) {
    const s = new MemoryStore({ maxRecords });
    for (let i = 0; i < maxRecords; i++) await s.insertIfAbsent(`w${i}`, v, 60_000);
    for (let i = 0; i < maxRecords / 2; i++) await s.take(`w${i}`); // holes at the front
    for (let i = 0; i < maxRecords / 2; i++) await s.insertIfAbsent(`x${i}`, v, 60_000);
    const n = 100_000;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await s.insertIfAbsent(`k${i}`, v, 60_000);
    per.push(((performance.now() - t0) * 1000) / n);
    await s.close();
  }
  return median(per);
}

async function coreResumed(): Promise<string> {
  const runs: CoreCost[] = [];
  for (let r = 0; r < ROUNDS; r++) runs.push(await measureCoreResumed13(1000, 1000));
  const m = (f: (r: CoreCost) => number): string => median(runs.map(f)).toFixed(1);
  return (
    `client ${m((r) => r.clientUs)} µs (node:crypto calls ${m((r) => r.clientCryptoUs)}), ` +
    `server ${m((r) => r.serverUs)} µs (node:crypto calls ${m((r) => r.serverCryptoUs)})`
  );
}

const rows: [string, string][] = [
  ['resumed TLS 1.3 handshake, sans-I/O core only (psk_dhe_ke)', await coreResumed()],
  ['x509 parseCertificate (P-256 leaf)', `${parseMicros().toFixed(2)} µs`],
  ['MemoryStore.set, 1k entries (evicting)', `${(await storeSetMicros(1_000)).toFixed(3)} µs`],
  ['MemoryStore.set, 100k entries (evicting)', `${(await storeSetMicros(100_000)).toFixed(3)} µs`],
  ['MemoryStore.insertIfAbsent, 1k live records (refusing)', `${(await fullRecordsMicros(1_000)).toFixed(3)} µs`],
  ['MemoryStore.insertIfAbsent, 100k live records (refusing)', `${(await fullRecordsMicros(100_000)).toFixed(3)} µs`],
];
console.log(`micro-benchmarks, medians of ${ROUNDS} rounds`);
for (const [name, value] of rows) console.log(`  ${name.padEnd(58)} ${value}`);
