import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeCryptoProvider as provider } from '../crypto/node-provider.js';
import { TlsError } from '../errors.js';
import { SignatureScheme } from '../registry/codepoints.js';
import { type Certificate, fingerprint256, formatIp, parseCertificate, parseIp } from './certificate.js';
import { OID } from './oids.js';
import { decodeCertificatesPem } from './pem.js';
import { parsePssParams, signatureSchemeFor, verifyCertificateSignature } from './signature.js';

const hasOpenssl = spawnSync('openssl', ['version'], { timeout: 5000 }).status === 0;

function openssl(args: string[], cwd: string): string {
  const r = spawnSync('openssl', args, { cwd, timeout: 20_000, encoding: 'utf8' });
  assert.equal(r.status, 0, `openssl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

interface Made {
  readonly name: string;
  readonly der: Uint8Array;
  readonly text: string;
  readonly x509: X509Certificate;
  readonly scheme: number;
}

/** Certificates made by `openssl req -x509`, one per key/signature type. */
function makeWithOpenssl(): Made[] {
  const dir = mkdtempSync(join(tmpdir(), 'tlskit-x509-parse-'));
  try {
    openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'rsa.key'], dir);
    openssl(['genpkey', '-algorithm', 'RSA-PSS', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'rsapss.key'], dir);
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384', '-out', 'ec.key'], dir);
    openssl(['genpkey', '-algorithm', 'ED25519', '-out', 'ed.key'], dir);
    const specs: [string, string, string[], number][] = [
      ['rsa', 'rsa.key', ['-sha256'], SignatureScheme.rsa_pkcs1_sha256],
      ['rsa-sha512', 'rsa.key', ['-sha512'], SignatureScheme.rsa_pkcs1_sha512],
      ['rsa-pss-rsae', 'rsa.key', ['-sha384', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:digest'], SignatureScheme.rsa_pss_rsae_sha384],
      ['rsa-pss-pss', 'rsapss.key', ['-sha256', '-sigopt', 'rsa_pss_saltlen:digest'], SignatureScheme.rsa_pss_pss_sha256],
      ['ec', 'ec.key', ['-sha384'], SignatureScheme.ecdsa_secp384r1_sha384],
      ['ec-sha256', 'ec.key', ['-sha256'], SignatureScheme.ecdsa_secp256r1_sha256],
      ['ed25519', 'ed.key', [], SignatureScheme.ed25519],
    ];
    return specs.map(([name, key, extra, scheme]) => {
      openssl(
        [
          'req', '-x509', '-new', '-key', key, '-days', '30', '-out', `${name}.pem`, ...extra,
          '-subj', `/C=DE/O=Example, Inc./OU=Unit+CN=${name}.example`,
          '-addext', 'subjectAltName=DNS:a.example,DNS:*.b.example,IP:10.1.2.3,IP:2001:db8::8:800:200c:417a,email:x@example.org,URI:https://example.org/',
          '-addext', 'extendedKeyUsage=serverAuth,1.2.3.4.5',
          '-addext', 'keyUsage=critical,digitalSignature,keyCertSign',
          '-addext', 'basicConstraints=critical,CA:TRUE,pathlen:3',
        ],
        dir,
      );
      const text = openssl(['x509', '-in', `${name}.pem`, '-noout', '-serial', '-subject', '-issuer', '-dates', '-nameopt', 'RFC2253', '-fingerprint', '-sha256'], dir);
      const pem = readFileSync(join(dir, `${name}.pem`), 'utf8');
      const der = decodeCertificatesPem(pem)[0]!;
      return { name, der, text, x509: new X509Certificate(pem), scheme };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const made = hasOpenssl ? makeWithOpenssl() : [];

function field(text: string, name: string): string {
  const m = new RegExp(`^${name}=(.*)$`, 'm').exec(text);
  assert.ok(m, `${name} in ${text}`);
  return m[1]!;
}

test('parses openssl-made certificates; fields agree with openssl and node', { skip: !hasOpenssl }, () => {
  for (const m of made) {
    const c: Certificate = parseCertificate(m.der);
    assert.equal(c.serialNumber, field(m.text, 'serial'), m.name);
    assert.equal(c.serialNumber, m.x509.serialNumber, m.name);
    // RFC 2253 output has no space after the comma and escapes ',' like RFC 4514
    const rfc2253 = (s: string): string => s.replace(/, (?=[A-Za-z0-9.]+=)/g, ',');
    assert.equal(rfc2253(c.subject.text), field(m.text, 'subject'), m.name);
    assert.equal(c.subject.text, `CN=${m.name}.example+OU=Unit, O=Example\\, Inc., C=DE`);
    assert.equal(rfc2253(c.issuer.text), field(m.text, 'issuer'), m.name);
    assert.equal(c.notBefore.getTime(), new Date(field(m.text, 'notBefore')).getTime(), m.name);
    assert.equal(c.notAfter.getTime(), new Date(field(m.text, 'notAfter')).getTime(), m.name);
    assert.equal(fingerprint256(provider, c), field(m.text, 'sha256 Fingerprint'), m.name);
    assert.equal(fingerprint256(provider, c), m.x509.fingerprint256, m.name);
    assert.equal(c.version, 3);
    assert.ok(c.selfIssued);
    assert.deepEqual(c.subjectAltName?.dnsNames, ['a.example', '*.b.example']);
    assert.deepEqual(c.subjectAltName?.ipAddresses, ['10.1.2.3', '2001:db8::8:800:200c:417a']);
    assert.deepEqual(c.subjectAltName?.emails, ['x@example.org']);
    assert.deepEqual(c.subjectAltName?.uris, ['https://example.org/']);
    assert.deepEqual(c.extKeyUsage, [OID.serverAuth, '1.2.3.4.5']);
    assert.deepEqual(c.basicConstraints, { ca: true, pathLen: 3 });
    assert.equal(c.keyUsage?.digitalSignature, true);
    assert.equal(c.keyUsage?.keyCertSign, true);
    assert.equal(c.keyUsage?.keyEncipherment, false);
    assert.ok(c.subjectKeyIdentifier !== undefined && c.subjectKeyIdentifier.length > 0);
    assert.deepEqual(c.authorityKeyIdentifier?.keyIdentifier, c.subjectKeyIdentifier);
    assert.deepEqual(c.unhandledCriticalExtensions, []);
    assert.ok(c.extensions.some((e) => e.oid === OID.keyUsage && e.critical));
    assert.deepEqual(c.subjectPublicKeyInfo, new Uint8Array(m.x509.publicKey.export({ type: 'spki', format: 'der' })));
    // signature: scheme mapping and verification with the subject's own key (self-signed)
    const key = provider.importPublicKey(c.subjectPublicKeyInfo);
    assert.equal(signatureSchemeFor(c.signatureAlgorithm, key.info), m.scheme, m.name);
    assert.ok(verifyCertificateSignature(provider, c, key), m.name);
    const bad = c.raw.slice();
    bad[bad.length - 3]! ^= 0x40;
    assert.equal(verifyCertificateSignature(provider, parseCertificate(bad), key), false, m.name);
  }
});

test('RSASSA-PSS parameters: defaults, salt length rejection', () => {
  // SEQUENCE {} → all defaults (SHA-1, MGF1-SHA1, salt 20)
  assert.deepEqual(parsePssParams(Uint8Array.of(0x30, 0)), { hash: 'sha1', mgfHash: 'sha1', saltLength: 20, trailerField: 1 });
  if (!hasOpenssl) return;
  const dir = mkdtempSync(join(tmpdir(), 'tlskit-x509-pss-'));
  try {
    writeFileSync(join(dir, 'rsa.key'), provider.exportPrivateKeyPem(provider.generateSigningKey('rsa2048')));
    openssl(['req', '-x509', '-new', '-key', 'rsa.key', '-subj', '/CN=salt', '-sha256', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:20', '-out', 'c.pem'], dir);
    const c = parseCertificate(decodeCertificatesPem(readFileSync(join(dir, 'c.pem'), 'utf8'))[0]!);
    assert.equal(parsePssParams(c.signatureAlgorithm.params).saltLength, 20);
    const key = provider.importPublicKey(c.subjectPublicKeyInfo);
    assert.throws(() => signatureSchemeFor(c.signatureAlgorithm, key.info), (e: unknown) => e instanceof TlsError && /salt length 20 is not supported/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('strictness: truncation, trailing bytes, mismatched signature algorithms, duplicate extensions', { skip: !hasOpenssl }, () => {
  const der = made[0]!.der;
  const isBad = (e: unknown): boolean => e instanceof TlsError && e.code === 'ERR_TLS_BAD_CERTIFICATE';
  assert.throws(() => parseCertificate(der.subarray(0, der.length - 1)), isBad);
  const trailing = new Uint8Array(der.length + 1);
  trailing.set(der);
  assert.throws(() => parseCertificate(trailing), /Certificate: 1 trailing byte/);
  // every strict prefix fails with a TlsError, never another exception
  for (let n = 0; n < der.length; n += 7) assert.throws(() => parseCertificate(der.subarray(0, n)), isBad);
  // random single-byte corruption: only TlsErrors (or a successful parse)
  for (let i = 0; i < der.length; i += 3) {
    const x = der.slice();
    x[i]! ^= 0xff;
    try {
      parseCertificate(x);
    } catch (e) {
      assert.ok(isBad(e), `byte ${i}: ${String(e)}`);
    }
  }
});

test('IP address text forms (RFC 5952)', () => {
  const cases: [string, string][] = [
    ['127.0.0.1', '127.0.0.1'],
    ['::1', '::1'],
    ['::', '::'],
    ['2001:DB8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['::ffff:192.0.2.1', '::ffff:c000:201'],
    ['fe80::1%eth0', 'fe80::1'],
    ['[::1]', '::1'],
  ];
  for (const [input, out] of cases) assert.equal(formatIp(parseIp(input)!), out, input);
  for (const badIp of ['1.2.3', '1.2.3.256', '01.2.3.4', '1::2::3', ':::', '12345::', 'example.org', '1:2:3:4:5:6:7:8:9']) {
    assert.equal(parseIp(badIp), undefined, badIp);
  }
});

test('parsing is deterministic and keeps no state between calls', { skip: !hasOpenssl }, () => {
  // Speed is measured by `npm run bench:micro` (never asserted in a unit test); here: 500 parses
  // of one certificate give the same fields each time.
  const der = made[0]!.der;
  const first = parseCertificate(der);
  for (let i = 0; i < 500; i++) {
    const c = parseCertificate(der);
    assert.equal(c.serialNumber, first.serialNumber);
    assert.equal(c.subject.text, first.subject.text);
    assert.deepEqual(c.tbsRaw, first.tbsRaw);
  }
});

test('parses every root certificate bundled with node', async () => {
  const { rootCertificates } = await import('node:tls');
  const ders = decodeCertificatesPem(rootCertificates.join('\n'));
  assert.equal(ders.length, rootCertificates.length);
  for (const der of ders) {
    const c = parseCertificate(der);
    assert.equal(c.subject.text.length > 0, true);
    assert.equal(fingerprint256(provider, c), new X509Certificate(der).fingerprint256);
    assert.equal(c.serialNumber, new X509Certificate(der).serialNumber);
  }
});
