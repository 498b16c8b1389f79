// The built tlskit command, for tests that run it as a separate process.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

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
