// Shared set-up of the interop tests that run TLS servers and openssl clients on 127.0.0.1 within
// the test process: the test PKI as PEM files, bounded waits, listening, an echo handler, and an
// openssl s_client that stays long enough for the server's session tickets.
import { spawn } from 'node:child_process';
import { after } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { nodeCryptoProvider } from '../../src/crypto/node-provider.js';
import { generateTestPki, type TestPki } from '../../src/x509/generate.js';

export const HOST = '127.0.0.1';

/** A fresh p256 test PKI and a temporary folder holding cert.pem (chain), key.pem, ca.pem (root), inter.pem. */
export interface PemFiles {
  readonly pki: TestPki;
  readonly dir: string;
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile: string;
  readonly interFile: string;
}

export function writeTestPemFiles(prefix: string): PemFiles {
  const pki = generateTestPki(nodeCryptoProvider, { keyKinds: ['p256'] });
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const files = { pki, dir, certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem'), caFile: join(dir, 'ca.pem'), interFile: join(dir, 'inter.pem') };
  writeFileSync(files.certFile, pki.chainPem('p256'));
  writeFileSync(files.keyFile, pki.leaves.p256?.keyPem ?? '');
  writeFileSync(files.caFile, pki.root.certPem);
  writeFileSync(files.interFile, pki.intermediate.certPem);
  return files;
}

/**
 * A test file's local-TLS set-up: the PEM files (written now), the list of things to close, and
 * an `after` hook that closes them and removes the folder; `listen` is listenLocal with that list.
 */
export interface LocalTlsFixture extends PemFiles {
  readonly closers: (() => void)[];
  readonly listen: (server: net.Server) => Promise<number>;
}

export function localTlsFixture(prefix: string): LocalTlsFixture {
  const files = writeTestPemFiles(prefix);
  const closers: (() => void)[] = [];
  after(() => {
    for (const c of closers.splice(0)) c();
    rmSync(files.dir, { recursive: true, force: true });
  });
  return { ...files, closers, listen: (server) => listenLocal(server, closers) };
}

/** `p`, or a rejection `${what}: timed out after ${ms} ms` (the timer is cleared when `p` settles). */
export function bounded<T>(p: Promise<T>, ms = 5000, what = 'wait'): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    // not unref'd: a wait on in-memory streams has nothing else keeping the event loop alive
    timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Listens on an ephemeral port of 127.0.0.1 (bounded: 5 s); `closers` gets the server's close. */
export async function listenLocal(server: net.Server, closers: (() => void)[]): Promise<number> {
  server.listen(0, HOST);
  await bounded(new Promise((r) => server.once('listening', r)), 5000, 'listen');
  closers.push(() => server.close());
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  return addr.port;
}

/** A connection handler that answers the first data with `echo:<data>` and ends. */
export const echoOnce = (s: Duplex): void => {
  s.once('data', (d: Buffer) => s.end(`echo:${d.toString()}`));
  s.on('error', () => {});
};

/**
 * openssl s_client `-tls1_3`/`-tls1_2` to localhost on `port` with `extra` options; stdin is closed
 * `closeAfterMs` after the verification line (so the server's tickets arrive). Bounded: 10 s; the
 * process is killed by `closers`. Returns everything it printed.
 */
export function opensslClient(port: number, ca: string, version: '-tls1_3' | '-tls1_2', extra: readonly string[], closeAfterMs: number, closers: (() => void)[]): Promise<string> {
  return bounded(
    new Promise<string>((resolve, reject) => {
      const p = spawn('openssl', ['s_client', '-connect', `${HOST}:${port}`, '-servername', 'localhost', '-CAfile', ca, version, ...extra], {
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      closers.push(() => p.kill('SIGKILL'));
      let out = '';
      p.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('Verify return code')) setTimeout(() => p.stdin.end(), closeAfterMs).unref();
      });
      p.stderr.on('data', (d: Buffer) => (out += d.toString()));
      p.on('error', reject);
      p.on('close', () => resolve(out));
    }),
    10_000,
    's_client',
  );
}
