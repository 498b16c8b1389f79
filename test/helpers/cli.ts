// The built tlskit command, for tests that run it as a separate process.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCommand, type RunResult } from './process.js';

/** package.json's bin (dist/src/cli/main.js with rootDir ".") or dist/cli/main.js. */
export function findCli(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('package.json not found');
    dir = up;
  }
  for (const candidate of ['dist/src/cli/main.js', 'dist/cli/main.js']) {
    const path = join(dir, candidate);
    if (existsSync(path)) return path;
  }
  throw new Error('the CLI is not built: run `npx tsc -p .` first');
}

/**
 * Runs the built tlskit command once (bounded: 15 s unless `timeoutMs`), without colours, with
 * `input` written to its stdin (then closed).
 */
export function runTlskit(args: readonly string[], o: { input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return runCommand(process.execPath, [findCli(), ...args], {
    timeoutMs: o.timeoutMs ?? 15_000,
    name: `tlskit ${args[0] ?? ''}`,
    env: { ...process.env, NO_COLOR: '1' },
    ...(o.input === undefined ? {} : { input: o.input }),
  });
}
