import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeCryptoProvider as provider } from '../crypto/node-provider.js';
import { SignatureScheme } from '../registry/codepoints.js';
import { fingerprint256, parseCertificate } from './certificate.js';
import { generateCertificate, generateTestPki } from './generate.js';
import { OID } from './oids.js';
import { decodeCertificatesPem } from './pem.js';
import { signatureSchemeFor, verifyCertificateSignature } from './signature.js';

const hasOpenssl = spawnSync('openssl', ['version'], { timeout: 5000 }).status === 0;

function openssl(args: string[], cwd: string): { status: number | null; out: string } {
  const r = spawnSync('openssl', args, { cwd, timeout: 10_000, encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

const pki = generateTestPki(provider);

test('generateTestPki: root, intermediate and one leaf per key kind', () => {
  assert.equal(pki.root.cert.subject.text, 'CN=tlskit Test Root CA, O=tlskit');
  assert.ok(pki.root.cert.selfIssued);
  assert.equal(pki.root.cert.basicConstraints?.ca, true);
  assert.equal(pki.intermediate.cert.basicConstraints?.pathLen, 0);
  assert.deepEqual(pki.intermediate.cert.issuer.raw, pki.root.cert.subject.raw);
  assert.deepEqual(pki.intermediate.cert.authorityKeyIdentifier?.keyIdentifier, pki.root.cert.subjectKeyIdentifier);
  for (const kind of ['rsa2048', 'p256', 'p384', 'ed25519'] as const) {
    const leaf = pki.leaves[kind];
    assert.ok(leaf, kind);
    const c = leaf.cert;
    assert.equal(c.version, 3);
    assert.deepEqual(c.subjectAltName?.dnsNames, ['localhost']);
    assert.deepEqual(c.subjectAltName?.ipAddresses, ['127.0.0.1', '::1']);
    assert.deepEqual(c.extKeyUsage, [OID.serverAuth, OID.clientAuth]);
    assert.equal(c.basicConstraints?.ca, false);
    assert.equal(c.keyUsage?.digitalSignature, true);
    assert.equal(c.keyUsage?.keyCertSign, false);
    assert.deepEqual(c.unhandledCriticalExtensions, []);
    assert.equal(c.extensions.find((e) => e.oid === OID.basicConstraints)?.critical, true);
    assert.equal(c.extensions.find((e) => e.oid === OID.keyUsage)?.critical, true);
    const interKey = provider.importPublicKey(pki.intermediate.cert.subjectPublicKeyInfo);
    assert.ok(verifyCertificateSignature(provider, c, interKey));
    assert.deepEqual(parseCertificate(decodeCertificatesPem(leaf.certPem)[0]!).raw, leaf.certDer);
    assert.match(leaf.keyPem, /^-----BEGIN PRIVATE KEY-----/);
    assert.equal(provider.importPrivateKey(leaf.keyPem).info.type, leaf.key.info.type);
  }
  assert.equal(pki.chainPem('p256'), pki.leaves.p256!.certPem + pki.intermediate.certPem);
  assert.match(fingerprint256(provider, pki.root.cert), /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
});

test('generateCertificate: options (serial, dates, pathLen, EKU, key reuse, self-signed)', () => {
  const key = pki.leaves.p384!.key;
  const g = generateCertificate(
    {
      subject: { CN: 'x', O: 'Org, Inc.', C: 'DE' },
      key,
      serial: 'c0ffee',
      notBefore: new Date('2020-01-01T00:00:00Z'),
      notAfter: new Date('2051-06-01T12:00:00Z'),
      extKeyUsage: ['clientAuth'],
      keyUsage: ['digitalSignature', 'decipherOnly'],
    },
    provider,
  );
  assert.equal(g.cert.serialNumber, '00C0FFEE'.slice(2));
  assert.equal(g.cert.subject.text, 'CN=x, O=Org\\, Inc., C=DE');
  assert.equal(g.cert.notAfter.toISOString(), '2051-06-01T12:00:00.000Z');
  assert.deepEqual(g.cert.extKeyUsage, [OID.clientAuth]);
  assert.equal(g.cert.keyUsage?.decipherOnly, true);
  assert.equal(g.key, key);
  // self-signed with a P-384 key → ecdsa-with-SHA384
  assert.equal(g.cert.signatureAlgorithm.oid, OID.ecdsaWithSHA384);
  assert.equal(signatureSchemeFor(g.cert.signatureAlgorithm, key.info), SignatureScheme.ecdsa_secp384r1_sha384);
  assert.ok(verifyCertificateSignature(provider, g.cert, provider.importPublicKey(g.cert.subjectPublicKeyInfo)));
  assert.throws(() => generateCertificate({ subject: { CN: 'x' }, key, pathLen: 1 }, provider), /pathLen needs isCA/);
  assert.throws(() => generateCertificate({ subject: { CN: 'x' }, key, ipAddresses: ['1.2.3'] }, provider), /not an IP address/);
});

test('OpenSSL accepts the generated certificates', { skip: !hasOpenssl }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'tlskit-x509-'));
  try {
    writeFileSync(join(dir, 'root.pem'), pki.root.certPem);
    writeFileSync(join(dir, 'inter.pem'), pki.intermediate.certPem);
    for (const [kind, leaf] of Object.entries(pki.leaves)) {
      const file = `leaf-${kind}.pem`;
      writeFileSync(join(dir, file), leaf.certPem);
      writeFileSync(join(dir, `key-${kind}.pem`), leaf.keyPem);
      const v = openssl(['verify', '-CAfile', 'root.pem', '-untrusted', 'inter.pem', '-purpose', 'sslserver', '-x509_strict', file], dir);
      assert.equal(v.status, 0, `${kind}: ${v.out}`);
      assert.match(v.out, /: OK/);
      const h = openssl(['verify', '-CAfile', 'root.pem', '-untrusted', 'inter.pem', '-verify_hostname', 'localhost', '-verify_ip', '::1', file], dir);
      assert.equal(h.status, 0, `${kind}: ${h.out}`);
      const t = openssl(['x509', '-in', file, '-noout', '-text'], dir);
      assert.equal(t.status, 0, t.out);
      assert.match(t.out, /DNS:localhost, IP Address:127\.0\.0\.1, IP Address:0:0:0:0:0:0:0:1/);
      assert.match(t.out, /X509v3 Basic Constraints: critical\s+CA:FALSE/);
      assert.match(t.out, /TLS Web Server Authentication, TLS Web Client Authentication/);
      // the key matches the certificate
      const pub1 = openssl(['pkey', '-in', `key-${kind}.pem`, '-pubout'], dir);
      const pub2 = openssl(['x509', '-in', file, '-noout', '-pubkey'], dir);
      assert.equal(pub1.out, pub2.out);
    }
    const ca = openssl(['x509', '-in', 'inter.pem', '-noout', '-text'], dir);
    assert.match(ca.out, /CA:TRUE, pathlen:0/);
    assert.match(ca.out, /Certificate Sign, CRL Sign/);
    const neg = openssl(['verify', '-CAfile', 'inter.pem', '-partial_chain', '-verify_hostname', 'example.org', 'leaf-p256.pem'], dir);
    assert.notEqual(neg.status, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
