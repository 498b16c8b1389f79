// The built tlskit command, for tests that run it as a separate process.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCommand, spawnPeer, type Peer, type RunResult } from './process.js';

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

/**
 * Starts `tlskit serve --port 0 …args` (bounded: 40 s unless `timeoutMs`) and waits up to 10 s for
 * its `listening on 127.0.0.1:PORT` line. `caFile`: where it says it wrote the CA of the certificate
 * it generated ('' when it was given one).
 */
export async function startTlskitServe(
  args: readonly string[],
  o: { timeoutMs?: number; name?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<{ serve: Peer; port: number; caFile: string }> {
  const serve = spawnPeer(process.execPath, [findCli(), 'serve', '--port', '0', ...args], {
    timeoutMs: o.timeoutMs ?? 40_000,
    name: o.name ?? 'tlskit serve',
    ...(o.env === undefined ? {} : { env: o.env }),
  });
  const m = await serve.waitFor(/^listening on 127\.0\.0\.1:(\d+)$/m, 10_000, 'stdout');
  return { serve, port: Number(m[1]), caFile: /its CA is in (\S+)/.exec(serve.stdout())?.[1] ?? '' };
}
