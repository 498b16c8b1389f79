/**
 * Record-layer throughput (not a test): seals and opens 256 MiB (BENCH_MIB to change) of
 * application data in 16 KiB records with every TLS 1.3 AEAD, through the deframer, and prints
 * MB/s. Run: `npx tsx bench/bench-record.ts` (or `node dist/bench/bench-record.js` after a build).
 */
import { nodeCryptoProvider } from '../src/crypto/node-provider.js';
import { AEAD_KEY_LENGTH, type AeadAlgorithm } from '../src/crypto/provider.js';
import { ContentType } from '../src/registry/codepoints.js';
import { RecordDeframer } from '../src/record/deframer.js';
import { RecordOpener12, RecordSealer12 } from '../src/record/protection12.js';
import { RecordOpener13, RecordSealer13 } from '../src/record/protection13.js';

const MIB = 1 << 20;
const total = Number(process.env.BENCH_MIB ?? 256) * MIB;
const recordSize = 1 << 14;
const algorithms: readonly AeadAlgorithm[] = ['aes-128-gcm', 'aes-256-gcm', 'chacha20-poly1305'];

interface Protection {
  seal(type: number, content: Uint8Array): Uint8Array;
  open(header: Uint8Array, fragment: Uint8Array): { readonly content: Uint8Array };
}

function run(label: string, p: Protection): void {
  const data = nodeCryptoProvider.randomBytes(recordSize);
  const deframer = new RecordDeframer({ maxRecordLength: (1 << 14) + 2048 });
  let sealMs = 0;
  let openMs = 0;
  let received = 0;
  // batches of 64 records (1 MiB), pushed to the deframer as one chunk, as a socket would deliver
  const batch: Uint8Array[] = [];
  for (let done = 0; done < total; ) {
    batch.length = 0;
    const t0 = performance.now();
    for (let i = 0; i < 64 && done < total; i++, done += recordSize) batch.push(p.seal(ContentType.application_data, data));
    const t1 = performance.now();
    for (const rec of batch) deframer.push(rec);
    for (let r = deframer.next(); r !== null; r = deframer.next()) received += p.open(r.header, r.fragment).content.length;
    const t2 = performance.now();
    sealMs += t1 - t0;
    openMs += t2 - t1;
  }
  if (received !== total) throw new Error(`received ${received} of ${total}`);
  report(label, sealMs, openMs);
}

function report(label: string, sealMs: number, openMs: number): void {
  const mbps = (ms: number): string => (total / 1e6 / (ms / 1000)).toFixed(0).padStart(5);
  console.log(`${label.padEnd(28)} seal ${mbps(sealMs)} MB/s   open ${mbps(openMs)} MB/s   seal+open ${mbps(sealMs + openMs)} MB/s`);
}

console.log(`record layer: ${total / MIB} MiB in ${recordSize / 1024} KiB records, node ${process.version}`);
// Baseline: the bare AEAD (fixed nonce, no framing): the ceiling for the record layer.
for (const algorithm of algorithms) {
  const key = nodeCryptoProvider.aead(algorithm, nodeCryptoProvider.randomBytes(AEAD_KEY_LENGTH[algorithm]));
  const nonce = nodeCryptoProvider.randomBytes(12);
  const aad = new Uint8Array(5);
  const data = nodeCryptoProvider.randomBytes(recordSize);
  let sealMs = 0;
  let openMs = 0;
  for (let done = 0; done < total; done += recordSize) {
    const t0 = performance.now();
    const sealed = key.seal(nonce, aad, data);
    const t1 = performance.now();
    if (key.open(nonce, aad, sealed) === null) throw new Error('bare AEAD open failed');
    openMs += performance.now() - t1;
    sealMs += t1 - t0;
  }
  report(`bare AEAD ${algorithm}`, sealMs, openMs);
}
for (const algorithm of algorithms) {
  const key = nodeCryptoProvider.aead(algorithm, nodeCryptoProvider.randomBytes(AEAD_KEY_LENGTH[algorithm]));
  const iv = nodeCryptoProvider.randomBytes(12);
  const s = new RecordSealer13(key, iv);
  const o = new RecordOpener13(key, iv);
  run(`TLS 1.3 ${algorithm}`, { seal: (t, c) => s.seal(t, c), open: (h, f) => o.open(h, f) });
}
for (const algorithm of algorithms) {
  const key = nodeCryptoProvider.aead(algorithm, nodeCryptoProvider.randomBytes(AEAD_KEY_LENGTH[algorithm]));
  const iv = nodeCryptoProvider.randomBytes(algorithm === 'chacha20-poly1305' ? 12 : 4);
  const s = new RecordSealer12(key, iv);
  const o = new RecordOpener12(key, iv);
  run(`TLS 1.2 ${algorithm}`, { seal: (t, c) => s.seal(t, c), open: (h, f) => o.open(h, f) });
}
