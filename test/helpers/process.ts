// Peer processes for interop tests and the bench: spawn with a hard timeout, collect output,
// wait for a pattern (bounded), write to stdin, and always kill what was spawned.
//
// Every child is started in its own process group (detached) so that killing the group also
// ends grandchildren (a shell wrapper, curl's resolver, ...). Children are tracked in a set:
//   - a child whose hard timeout fires is SIGKILLed (whole group);
//   - `killAllPeers()` (call it from node:test's `after`, see `cleanupPeersAfter`) kills leftovers;
//   - a process 'exit' handler SIGKILLs anything still alive when this process ends.
import { spawn, type ChildProcess, type Serializable, type StdioOptions } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** true when the hard timeout fired and the process group was killed */
  timedOut: boolean;
}

export interface SpawnOptions {
  /** Hard limit for the whole life of the process; the group is SIGKILLed after it. Default 20 s. */
  timeoutMs?: number;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Label used in error messages. Default: the command name. */
  name?: string;
  /** Open a node IPC channel (only meaningful for node children). */
  ipc?: boolean;
  /** Pass the child's stdout/stderr through to ours as well as collecting it. */
  inherit?: boolean;
  /** Cap on collected output per stream (characters); older text is dropped. Default 4 MiB. */
  maxOutput?: number;
  /** Run the command under coreutils `timeout -s KILL` (a little past timeoutMs), so it dies on
   *  time even if this process is SIGKILLed and cannot clean up. Default true (not with ipc). */
  selfBounded?: boolean;
}

export interface Peer {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** Collected stdout so far. */
  stdout(): string;
  /** Collected stderr so far. */
  stderr(): string;
  /** stdout followed by stderr, for error messages. */
  output(): string;
  /** Resolves with the first match of `re` on stdout+stderr (already collected output counts).
   *  Rejects on timeout or if the process exits without matching. */
  waitFor(re: RegExp, timeoutMs?: number, stream?: 'stdout' | 'stderr' | 'both'): Promise<RegExpMatchArray>;
  /** Write to stdin (resolves once flushed). */
  write(data: string | Uint8Array): Promise<void>;
  /** Close stdin. */
  endInput(): void;
  /** Resolves when the process has exited (never rejects; the hard timeout bounds it). */
  readonly exited: Promise<ExitInfo>;
  /** Waits for exit at most `timeoutMs`, then kills the group and still resolves. */
  wait(timeoutMs?: number): Promise<ExitInfo>;
  /** Kill the whole process group (SIGTERM, then SIGKILL after `graceMs`). Resolves on exit. */
  kill(graceMs?: number): Promise<ExitInfo>;
  /** IPC (when spawned with ipc: true). */
  send(message: Serializable): void;
  isRunning(): boolean;
}

const live = new Set<Peer>();
const TIMEOUT_BIN = ['/usr/bin/timeout', '/bin/timeout'].find((p) => existsSync(p));

/** The path of an executable (absolute/relative path as is, else searched in PATH). */
export function findExecutable(command: string): string | undefined {
  if (command.includes('/')) return existsSync(command) ? command : undefined;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir !== '' && existsSync(join(dir, command))) return join(dir, command);
  }
  return undefined;
}
let exitHookInstalled = false;

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // group already gone; fall back to the single pid
    try {
      process.kill(pid, signal);
    } catch {
      /* already exited */
    }
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const p of live) killGroup(p.pid, 'SIGKILL');
    live.clear();
  });
  // Make Ctrl-C / SIGTERM go through 'exit' so children are killed too.
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    if (process.listenerCount(sig) === 0) {
      process.once(sig, () => {
        for (const p of live) killGroup(p.pid, 'SIGKILL');
        process.exit(sig === 'SIGINT' ? 130 : 143);
      });
    }
  }
}

/** Bound a promise: rejects with `label` after `ms`. The timer never keeps the process alive. */
export function withTimeout<T>(promise: Promise<T>, ms: number, label: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`timeout after ${ms} ms: ${label}`));
    }, ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => {
    clearTimeout(timer);
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function spawnPeer(command: string, args: readonly string[], options: SpawnOptions = {}): Peer {
  installExitHook();
  const name = options.name ?? command;
  const timeoutMs = options.timeoutMs ?? 20_000;
  const maxOutput = options.maxOutput ?? 4 * 1024 * 1024;
  const stdio: StdioOptions = options.ipc === true ? ['pipe', 'pipe', 'pipe', 'ipc'] : ['pipe', 'pipe', 'pipe'];
  const timeoutBin = options.selfBounded !== false && options.ipc !== true ? TIMEOUT_BIN : undefined;
  if (timeoutBin !== undefined && findExecutable(command) === undefined) {
    throw new Error(`${name}: could not spawn ${command} (not found)`);
  }
  const argv = timeoutBin !== undefined ? ['-s', 'KILL', String(Math.ceil(timeoutMs / 1000) + 2), command, ...args] : args;
  const child = spawn(timeoutBin ?? command, argv, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio,
    detached: true, // own process group, so the group kill reaches grandchildren
  });
  if (child.pid === undefined) {
    // spawn failed synchronously (ENOENT is reported via 'error' but pid stays undefined)
    child.on('error', () => undefined);
    throw new Error(`${name}: could not spawn ${command}`);
  }
  const pid = child.pid;
  let out = '';
  let err = '';
  let running = true;
  let timedOut = false;
  const watchers = new Set<() => void>();
  const notify = (): void => {
    for (const w of watchers) w();
  };

  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    out += chunk;
    if (out.length > maxOutput) out = out.slice(out.length - maxOutput);
    if (options.inherit === true) process.stdout.write(chunk);
    notify();
  });
  child.stderr?.on('data', (chunk: string) => {
    err += chunk;
    if (err.length > maxOutput) err = err.slice(err.length - maxOutput);
    if (options.inherit === true) process.stderr.write(chunk);
    notify();
  });
  // EPIPE on stdin when the peer exits early is not an error for us.
  child.stdin?.on('error', () => undefined);

  const hardTimer = setTimeout(() => {
    timedOut = true;
    killGroup(pid, 'SIGKILL');
  }, timeoutMs);
  hardTimer.unref();

  const exited = new Promise<ExitInfo>((resolve) => {
    let spawnError: Error | undefined;
    child.on('error', (e) => {
      spawnError = e;
      err += `\n[spawn error] ${e.message}`;
      // 'close' may never come after a spawn error
      setTimeout(() => {
        if (running) finish(null, null);
      }, 50).unref();
    });
    const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (!running) return;
      running = false;
      clearTimeout(hardTimer);
      live.delete(peer);
      // kill any grandchildren left behind in the group
      killGroup(pid, 'SIGKILL');
      notify();
      resolve({ code: spawnError !== undefined && code === null ? -1 : code, signal, timedOut });
    };
    // 'close' fires after stdio is drained, so collected output is complete.
    child.on('close', (code, signal) => finish(code, signal));
  });

  const waitFor = (re: RegExp, waitMs = 10_000, stream: 'stdout' | 'stderr' | 'both' = 'both'): Promise<RegExpMatchArray> =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const text = (): string => (stream === 'stdout' ? out : stream === 'stderr' ? err : `${out}\n${err}`);
      const check = (): void => {
        const m = text().match(re);
        if (m !== null) {
          done();
          resolve(m);
        } else if (!running) {
          done();
          reject(new Error(`${name} exited before ${String(re)} appeared; output:\n${tail(text())}`));
        }
      };
      const done = (): void => {
        watchers.delete(check);
        clearTimeout(timer);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${name}: timeout after ${waitMs} ms waiting for ${String(re)}; output:\n${tail(text())}`));
      }, waitMs);
      timer.unref();
      watchers.add(check);
      check();
    });

  const kill = async (graceMs = 1000): Promise<ExitInfo> => {
    if (running) {
      killGroup(pid, 'SIGTERM');
      const t = setTimeout(() => killGroup(pid, 'SIGKILL'), graceMs);
      t.unref();
      const info = await exited;
      clearTimeout(t);
      return info;
    }
    return exited;
  };

  const peer: Peer = {
    name,
    child,
    pid,
    stdout: () => out,
    stderr: () => err,
    output: () => `--- stdout\n${out}\n--- stderr\n${err}`,
    waitFor,
    write: (data) =>
      new Promise<void>((resolve, reject) => {
        const stdin = child.stdin;
        if (stdin === null || stdin.destroyed || !stdin.writable) {
          reject(new Error(`${name}: stdin is closed`));
          return;
        }
        stdin.write(data, (e) => (e ? reject(e) : resolve()));
      }),
    endInput: () => {
      child.stdin?.end();
    },
    exited,
    wait: async (waitMs = 10_000) => {
      let timer: NodeJS.Timeout | undefined;
      const result = await Promise.race([
        exited,
        new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), waitMs);
          timer.unref();
        }),
      ]);
      clearTimeout(timer);
      if (result === 'timeout') {
        timedOut = true;
        killGroup(pid, 'SIGKILL');
        return exited;
      }
      return result;
    },
    kill,
    send: (message) => {
      if (child.send === undefined || !child.connected) throw new Error(`${name}: no IPC channel`);
      child.send(message);
    },
    isRunning: () => running,
  };
  live.add(peer);
  return peer;
}

export interface RunResult extends ExitInfo {
  stdout: string;
  stderr: string;
}

/** Run a command to completion (bounded), feeding `input` on stdin then closing it. */
export async function runCommand(
  command: string,
  args: readonly string[],
  options: SpawnOptions & { input?: string | Uint8Array } = {},
): Promise<RunResult> {
  const p = spawnPeer(command, args, options);
  if (options.input !== undefined) await p.write(options.input).catch(() => undefined);
  p.endInput();
  const info = await p.exited;
  return { ...info, stdout: p.stdout(), stderr: p.stderr() };
}

/** Like runCommand but rejects unless the exit code is 0. */
export async function runChecked(
  command: string,
  args: readonly string[],
  options: SpawnOptions & { input?: string | Uint8Array } = {},
): Promise<RunResult> {
  const r = await runCommand(command, args, options);
  if (r.code !== 0) {
    throw new Error(
      `${options.name ?? command} ${args.join(' ')} failed (code ${String(r.code)}, signal ${String(r.signal)}` +
        `${r.timedOut ? ', timed out' : ''}):\n${tail(r.stderr || r.stdout)}`,
    );
  }
  return r;
}

/** Kill every peer still running (whole groups) and wait for them, bounded. */
export async function killAllPeers(graceMs = 500): Promise<number> {
  const peers = [...live];
  await Promise.all(peers.map((p) => withTimeout(p.kill(graceMs), graceMs + 2000, `kill ${p.name}`).catch(() => undefined)));
  return peers.length;
}

/** Number of tracked peers still running. */
export function livePeerCount(): number {
  return live.size;
}

/** Register leftover-killing with a test framework hook: `cleanupPeersAfter(after)`. */
export function cleanupPeersAfter(hook: (fn: () => Promise<void>) => void): void {
  hook(async () => {
    await killAllPeers();
  });
}

/** A TCP port on 127.0.0.1 that was free a moment ago (bind to 0, read, close). */
export function freePort(): Promise<number> {
  return withTimeout(
    new Promise<number>((resolve, reject) => {
      const srv = createServer();
      srv.unref();
      srv.on('error', reject);
      srv.listen(0, '127.0.0.1', () => {
        const addr = srv.address();
        if (addr === null || typeof addr === 'string') {
          srv.close();
          reject(new Error('freePort: no address'));
          return;
        }
        const port = addr.port;
        srv.close(() => resolve(port));
      });
    }),
    5000,
    'freePort',
  );
}

/** Last lines of a long output, for error messages. */
export function tail(text: string, maxChars = 3000): string {
  return text.length <= maxChars ? text : `...${text.slice(text.length - maxChars)}`;
}
