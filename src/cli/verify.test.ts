import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeCryptoProvider as provider } from '../crypto/node-provider.js';
import { generateCertificate } from '../x509/generate.js';

const MAIN = join(process.cwd(), 'dist/src/cli/main.js');
const dir = mkdtempSync(join(tmpdir(), 'tlskit-verify-'));
const root = generateCertificate({ subject: { CN: 'CLI Root' }, isCA: true }, provider);
const inter = generateCertificate({ subject: { CN: 'CLI Intermediate' }, isCA: true, issuer: root }, provider);
const leaf = generateCertificate({ subject: { CN: 'example.org' }, issuer: inter, dnsNames: ['example.org'] }, provider);
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const leafPem = file('leaf.pem', leaf.certPem);
const chainPem = file('chain.pem', inter.certPem);
const caPem = file('ca.pem', root.certPem);

function tlskit(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, 'verify', ...args], { encoding: 'utf8', timeout: 20_000, env: { ...process.env, NO_COLOR: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('tlskit verify: a valid chain prints the chain and ✓ per check, exit 0', () => {
  const r = tlskit(leafPem, '--chain', chainPem, '--cafile', caPem, '--host', 'example.org');
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /0 CN=example\.org {2}\[leaf\]/);
  assert.match(r.stdout, /2 CN=CLI Root {2}\[trust anchor\]/);
  assert.match(r.stdout, /✓ validity/);
  assert.match(r.stdout, /✓ hostname/);
  assert.match(r.stdout, /OK: example\.org is valid/);
});

test('tlskit verify: failures exit 1 and explain; --json; usage errors exit 2', () => {
  const host = tlskit(leafPem, '--chain', chainPem, '--cafile', caPem, '--host', 'www.example.org');
  assert.equal(host.status, 1);
  assert.match(host.stdout, /✗ hostname +host www\.example\.org does not match: the certificate covers example\.org/);
  const noChain = tlskit(leafPem, '--cafile', caPem);
  assert.equal(noChain.status, 1);
  assert.match(noChain.stdout, /no path to a trusted root: the peer sent only the leaf; its issuer is CN=CLI Intermediate/);
  const late = tlskit(leafPem, '--chain', chainPem, '--cafile', caPem, '--time', '2099-01-01T00:00:00Z', '--json');
  assert.equal(late.status, 1);
  const j = JSON.parse(late.stdout) as { valid: boolean; error: { code: string; check: string; certificate: number } };
  assert.equal(j.valid, false);
  assert.equal(j.error.code, 'CERT_HAS_EXPIRED');
  assert.equal(j.error.check, 'validity');
  const client = tlskit(leafPem, '--chain', chainPem, '--cafile', caPem, '--purpose', 'client', '--json');
  assert.equal(client.status, 0, client.stdout);
  assert.equal(tlskit().status, 2);
  assert.equal(tlskit(leafPem, '--purpose', 'email').status, 2);
  assert.equal(tlskit(leafPem, '--time', 'yesterday').status, 2);
});

test('cleanup', () => {
  rmSync(dir, { recursive: true, force: true });
});
