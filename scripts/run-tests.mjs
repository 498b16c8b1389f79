#!/usr/bin/env node
// Runs the compiled test files with node's built-in test runner.
//   node scripts/run-tests.mjs           every test (unit, vectors, interop)
//   node scripts/run-tests.mjs --unit    only the tests beside the modules (no peers spawned)
//   node scripts/run-tests.mjs FILTER    only files whose path contains FILTER
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
const unitOnly = args.includes('--unit');
const filters = args.filter((a) => !a.startsWith('--'));

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (name.endsWith('.test.js')) out.push(path);
  }
  return out;
}

let files = walk('dist', []).sort();
if (unitOnly) files = files.filter((f) => !f.includes('/interop/'));
if (filters.length > 0) files = files.filter((f) => filters.some((x) => f.includes(x)));
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
console.log(`running ${files.length} test file(s)`);
const res = spawnSync(
  process.execPath,
  ['--enable-source-maps', '--test', '--test-concurrency=2', '--test-timeout=300000', ...files.map((f) => relative('.', f))],
  { stdio: 'inherit' },
);
process.exit(res.status ?? 1);
