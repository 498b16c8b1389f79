import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeCryptoProvider as provider } from '../crypto/node-provider.js';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { encodeCrlDistributionPoints } from '../x509/ext.js';
import { generateCertificate, generateCrl } from '../x509/generate.js';
import { generateOcspResponse } from '../x509/generate-ocsp.js';
import { OID } from '../x509/oids.js';

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

test('tlskit verify --crl / --ocsp: revoked, good, stale; --require-revocation explains what is missing', () => {
  const revokedCrl = file('revoked.crl', generateCrl({ issuer: inter, revoked: [{ serial: leaf.cert.serialRaw, reason: 'keyCompromise' }] }, provider).pem);
  const r = tlskit(leafPem, '--chain', chainPem, '--cafile', caPem, '--crl', revokedCrl);
  assert.equal(r.status, 1, r.stdout);
  assert.match(r.stdout, /✗ revocation +certificate 0 \(CN=example\.org\) was revoked on \d{4}-\d\d-\d\d \(reason: keyCompromise\) according to the CRL from CN=CLI Intermediate/);
  assert.match(r.stdout, /FAILED \(CERT_REVOKED, check revocation, certificate 0, field serialNumber\)/);
  // DER works as well as PEM; a good CRL for the leaf and one for the intermediate satisfy hard-fail
  const goodLeaf = file('good-leaf.crl', generateCrl({ issuer: inter }, provider).pem);
  const goodInter = join(dir, 'good-inter.crl');
  writeFileSync(goodInter, generateCrl({ issuer: root }, provider).der);
  const hard = tlskit(leafPem, '--chain', chainPem, '--cafile', caPem, '--crl', goodLeaf, '--crl', goodInter, '--require-revocation');
  assert.equal(hard.status, 0, hard.stdout);
  assert.match(hard.stdout, /✓ revocation +good according to the CRL from CN=CLI Intermediate/);
  const missing = tlskit(leafPem, '--chain', chainPem, '--cafile', caPem, '--crl', goodLeaf, '--require-revocation');
  assert.equal(missing.status, 1);
  assert.match(missing.stdout, /no CRL or OCSP response covers certificate 1 \(CN=CLI Intermediate\) and revocation checking is required — supply a current CRL from CN=CLI Root or an OCSP response/);
  const stale = file('stale.crl', generateCrl({ issuer: inter, thisUpdate: new Date(Date.now() - 9 * 86_400_000), nextUpdate: new Date(Date.now() - 86_400_000) }, provider).pem);
  assert.match(tlskit(leafPem, '--chain', chainPem, '--cafile', caPem, '--crl', stale).stdout, /is stale: its nextUpdate was .* — fetch a current CRL/);
  // OCSP responses (DER)
  const ocsp = (name: string, status: 'good' | 'revoked'): string => {
    const p = join(dir, name);
    writeFileSync(p, generateOcspResponse(provider, { cert: leaf.cert, issuer: inter.cert, signer: inter, status, ...(status === 'revoked' ? { revocationReason: 'superseded' } : {}) }));
    return p;
  };
  const good = tlskit(leafPem, '--chain', chainPem, '--cafile', caPem, '--ocsp', ocsp('good.ocsp', 'good'), '--json');
  assert.equal(good.status, 0, good.stdout);
  const j = JSON.parse(good.stdout) as { revocation: ({ status: string; source: string } | null)[] };
  assert.equal(j.revocation[0]?.status, 'good');
  assert.match(j.revocation[0]?.source ?? '', /OCSP response from the issuing CA \(CN=CLI Intermediate\)/);
  const revoked = tlskit(leafPem, '--chain', chainPem, '--cafile', caPem, '--ocsp', ocsp('revoked.ocsp', 'revoked'));
  assert.equal(revoked.status, 1);
  assert.match(revoked.stdout, /was revoked on .* \(reason: superseded\) according to the OCSP response from the issuing CA/);
  const junk = file('junk.ocsp', 'not an OCSP response');
  const bad = tlskit(leafPem, '--chain', chainPem, '--cafile', caPem, '--ocsp', junk);
  assert.equal(bad.status, 1);
  assert.match(bad.stdout, /OCSP response 0 is malformed/);
});

test('tlskit verify --fetch-crls: the CRL at the distribution point is fetched; a fetch failure is explained', async () => {
  let served = generateCrl({ issuer: inter }, provider).der;
  let hits = 0;
  const server = createServer((_req, res) => {
    hits++;
    res.writeHead(200).end(served);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/inter.crl`;
    const dpLeaf = generateCertificate({ subject: { CN: 'example.org' }, issuer: inter, dnsNames: ['example.org'], extraExtensions: [{ oid: OID.crlDistributionPoints, critical: false, value: encodeCrlDistributionPoints([url]) }] }, provider);
    const dpPem = file('dp-leaf.pem', dpLeaf.certPem);
    served = generateCrl({ issuer: inter, revoked: [{ serial: dpLeaf.cert.serialRaw, reason: 'cessationOfOperation' }] }, provider).der;
    const run = (...extra: string[]): Promise<{ status: number | null; stdout: string }> =>
      new Promise((resolve) => {
        // asynchronous: the server in this process must keep answering while the command runs
        import('node:child_process').then(({ execFile }) => {
          execFile(process.execPath, [MAIN, 'verify', dpPem, '--chain', chainPem, '--cafile', caPem, ...extra], { timeout: 20_000, env: { ...process.env, NO_COLOR: '1' } }, (err, stdout) => {
            resolve({ status: err === null ? 0 : typeof err.code === 'number' ? err.code : null, stdout });
          });
        });
      });
    const offline = await run();
    assert.equal(offline.status, 0, offline.stdout);
    assert.equal(hits, 0, 'nothing fetched without --fetch-crls');
    const online = await run('--fetch-crls');
    assert.equal(online.status, 1, online.stdout);
    assert.match(online.stdout, /was revoked on .* \(reason: cessationOfOperation\) according to the CRL from CN=CLI Intermediate .*fetched from http:\/\/127\.0\.0\.1/);
    assert.equal(hits, 1);
    served = new Uint8Array([1, 2, 3]);
    const broken = await run('--fetch-crls', '--require-revocation');
    assert.equal(broken.status, 1);
    assert.match(broken.stdout, /revocation checking is required \(CRL distribution point http:\/\/127\.0\.0\.1:\d+\/inter\.crl: fetching it failed: the CRL is malformed/);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test('tlskit verify --ct-logs / --ct-min / --ct-operators: the policy (a certificate without SCTs fails --ct-min 1); flag errors exit 2', () => {
  const logKey = provider.publicKeyOf(provider.generateSigningKey('p256'));
  const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');
  const logs = file('logs.json', JSON.stringify({ operators: [{ name: 'op', logs: [{ description: 'test log', log_id: b64(provider.hash('sha256', logKey)), key: b64(logKey), state: { usable: {} } }] }] }));
  const base = [leafPem, '--chain', chainPem, '--cafile', caPem, '--ct-logs', logs];
  assert.equal(tlskit(...base).status, 0, 'report only');
  const strict = tlskit(...base, '--ct-min', '1', '--ct-operators', '1', '--json');
  assert.equal(strict.status, 1, strict.stdout + strict.stderr);
  assert.equal((JSON.parse(strict.stdout) as { error: { code: string } }).error.code, 'CT_POLICY_NOT_MET');
  assert.match(strict.stdout, /the policy requires 1 from 1 distinct operator/);
  assert.equal(tlskit(...base, '--ct-min', '0').status, 0);
  for (const [args, message] of [
    [['--ct-operators', '1'], /--ct-operators needs --ct-logs/],
    [['--ct-logs', logs, '--ct-operators', '1'], /--ct-operators needs --ct-min/],
    [['--ct-logs', logs, '--ct-min=1.5'], /--ct-min must be a non-negative integer/],
    [['--ct-logs', caPem], /cannot read --ct-logs/],
  ] as const) {
    const r = tlskit(leafPem, '--chain', chainPem, '--cafile', caPem, ...args);
    assert.equal(r.status, 2, r.stdout + r.stderr);
    assert.match(r.stderr, message);
  }
});

test('cleanup', () => {
  rmSync(dir, { recursive: true, force: true });
});
