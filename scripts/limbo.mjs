#!/usr/bin/env node
// Runs tlskit's verifyCertificateChain over a path-validation suite in the limbo.json format
// (C2SP x509-limbo: { version: 1, testcases: [{ id, features, validation_kind, trusted_certs,
// untrusted_intermediates, peer_certificate, validation_time, key_usage, extended_key_usage,
// expected_result, expected_peer_name, max_chain_depth, crls, ... }] }) and prints pass/fail counts.
// Not part of the test suite. Build first (npx tsc -p tsconfig.json), then:
//
//   node scripts/limbo.mjs path/to/limbo.json [--verbose] [--only PREFIX] [--skip-features]
//
// A testcase passes when our verdict (valid or not) equals expected_result. Testcases whose peer
// name kind we do not check (RFC822) are skipped; --skip-features also skips the testcases
// tagged with optional features (pedantic-*, has-policy-constraints, ...).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { verifyCertificateChain } = await import(join(root, 'dist/src/x509/path.js'));
const { decodeCertificatesPem, decodePem } = await import(join(root, 'dist/src/x509/pem.js'));

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--') && args[args.indexOf(a) - 1] !== '--only');
if (file === undefined) {
  process.stderr.write('usage: node scripts/limbo.mjs LIMBO.json [--verbose] [--only PREFIX] [--skip-features]\n');
  process.exit(2);
}
const verbose = args.includes('--verbose');
const skipFeatures = args.includes('--skip-features');
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;

const suite = JSON.parse(readFileSync(file, 'utf8'));
if (suite.version !== 1 || !Array.isArray(suite.testcases)) {
  process.stderr.write(`${file}: not a limbo.json (version 1) file\n`);
  process.exit(2);
}

const ders = (pems) => pems.flatMap((p) => decodeCertificatesPem(p));
const pemBlocks = (text, label) => decodePem(text, label).map((b) => b.der);
const LEAF_KU = new Set(['digitalSignature', 'keyEncipherment', 'keyAgreement']);
const counts = { pass: 0, fail: 0, skip: 0 };
const byGroup = new Map();
const failures = [];

for (const tc of suite.testcases) {
  if (only !== undefined && !tc.id.startsWith(only)) continue;
  const group = tc.id.split('::').slice(0, -1).join('::') || tc.id;
  const g = byGroup.get(group) ?? { pass: 0, fail: 0, skip: 0 };
  byGroup.set(group, g);
  const skip = (why) => {
    counts.skip++;
    g.skip++;
    if (verbose) process.stdout.write(`SKIP ${tc.id}: ${why}\n`);
  };
  if (skipFeatures && Array.isArray(tc.features) && tc.features.length > 0) {
    skip(`features ${tc.features.join(', ')}`);
    continue;
  }
  const names = [...(tc.expected_peer_name ? [tc.expected_peer_name] : []), ...(tc.expected_peer_names ?? [])];
  if (names.some((n) => n.kind !== 'DNS' && n.kind !== 'IP')) {
    skip(`peer name kind ${names.map((n) => n.kind).join(', ')}`);
    continue;
  }
  const ekus = tc.extended_key_usage ?? [];
  const purpose = ekus.includes('clientAuth') ? 'clientAuth' : ekus.includes('serverAuth') ? 'serverAuth' : tc.validation_kind === 'CLIENT' ? 'clientAuth' : 'serverAuth';
  let ok;
  let error;
  try {
    const [leaf] = ders([tc.peer_certificate]);
    const base = {
      leaf,
      intermediates: ders(tc.untrusted_intermediates ?? []),
      trustAnchors: ders(tc.trusted_certs ?? []),
      purpose,
      checkCommonName: purpose === 'serverAuth',
      ...(tc.validation_time ? { time: new Date(tc.validation_time) } : {}),
      ...(Array.isArray(tc.crls) && tc.crls.length > 0 ? { crls: tc.crls.flatMap((p) => pemBlocks(p, 'X509 CRL')) } : {}),
      ...(tc.max_chain_depth != null ? { maxDepth: tc.max_chain_depth + 2 } : {}),
      ...((tc.key_usage ?? []).length > 0 ? { leafKeyUsage: tc.key_usage.filter((k) => LEAF_KU.has(k)) } : {}),
    };
    // every expected peer name must match (server validation); with none, no identity check
    const targets = names.length === 0 ? [{}] : names.map((n) => (n.kind === 'IP' ? { ip: n.value } : { hostname: n.value }));
    ok = true;
    for (const t of targets) {
      const r = verifyCertificateChain({ ...base, ...t });
      if (!r.ok) {
        ok = false;
        error = `${r.error.code}: ${r.error.message}`;
        break;
      }
    }
  } catch (e) {
    ok = false;
    error = `exception: ${e instanceof Error ? e.message : String(e)}`;
  }
  const expected = tc.expected_result === 'SUCCESS';
  if (ok === expected) {
    counts.pass++;
    g.pass++;
  } else {
    counts.fail++;
    g.fail++;
    failures.push({ id: tc.id, expected: tc.expected_result, got: ok ? 'SUCCESS' : 'FAILURE', error, features: tc.features ?? [] });
  }
}

for (const f of failures) {
  process.stdout.write(`FAIL ${f.id}: expected ${f.expected}, got ${f.got}${f.features.length > 0 ? ` [${f.features.join(', ')}]` : ''}${f.error !== undefined ? `\n     ${f.error}` : ''}\n`);
}
if (verbose) for (const [group, g] of [...byGroup].sort()) process.stdout.write(`${group.padEnd(40)} pass ${g.pass}  fail ${g.fail}  skip ${g.skip}\n`);
process.stdout.write(`limbo: ${counts.pass + counts.fail + counts.skip} testcases: ${counts.pass} pass, ${counts.fail} fail, ${counts.skip} skipped\n`);
process.exit(counts.fail === 0 ? 0 : 1);
