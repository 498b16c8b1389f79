#!/usr/bin/env node
// Long handshake soak (not part of `npm test`): node:tls ↔ tlskit through a stream-splitting proxy
// (test/soak/handshake-soak.ts, compiled). SOAK_SECONDS (default 300), SOAK_SEED, SOAK_ONLY.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const entry = 'dist/test/soak/handshake-soak.js';
if (!existsSync(entry)) {
  console.error(`${entry} is missing: build first (npm run build)`);
  process.exit(1);
}
const res = spawnSync(process.execPath, ['--enable-source-maps', entry], { stdio: 'inherit' });
process.exit(res.status ?? 1);
