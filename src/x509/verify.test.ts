import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeCryptoProvider as provider } from '../crypto/node-provider.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { measureWork } from '../wire/work.js';
import { TlsError, type ErrorCode } from '../errors.js';
import { derOid, derSequence } from './der.js';
import { generateCertificate, type GenerateCertificateOptions, type GeneratedCertificate } from './generate.js';
import { createDefaultVerifier, matchesDnsName, type VerifyRequest, type VerifyResult } from './verify.js';

// Keys are generated once and reused (RSA key generation is slow).
const rootKey = provider.generateSigningKey('p256');
const interKey = provider.generateSigningKey('p256');
const leafKey = provider.generateSigningKey('p256');
const rsaKey = provider.generateSigningKey('rsa2048');
const edKey = provider.generateSigningKey('ed25519');

const now = new Date();
const DAY = 86_400_000;

const gen = (o: GenerateCertificateOptions): GeneratedCertificate => generateCertificate(o, provider);
const root = gen({ subject: { CN: 'Root CA', O: 'Test' }, key: rootKey, isCA: true });
const inter = gen({ subject: { CN: 'Intermediate CA', O: 'Test' }, key: interKey, isCA: true, pathLen: 0, issuer: root });
const leafOpts = { subject: { CN: 'example.org' }, key: leafKey, issuer: inter, dnsNames: ['example.org', '*.example.net'], ipAddresses: ['192.0.2.7', '2001:db8::1'] };
const leaf = gen(leafOpts);
// an unrelated CA and leaf
const otherRoot = gen({ subject: { CN: 'Other Root' }, key: edKey, isCA: true });
const otherInter = gen({ subject: { CN: 'Other Intermediate' }, key: rsaKey, isCA: true, issuer: otherRoot });

const verifier = createDefaultVerifier({ provider, trustAnchors: root.certPem + otherRoot.certPem });

interface Extra {
  /** null: no host name in the request. */
  readonly hostname?: string | null;
  readonly ip?: string;
  readonly purpose?: VerifyRequest['purpose'];
  readonly time?: Date;
}

function verify(chain: readonly (GeneratedCertificate | Uint8Array)[], extra: Extra = {}, v = verifier): VerifyResult {
  const ders = chain.map((c) => (c instanceof Uint8Array ? c : c.certDer));
  const hostname = extra.hostname === undefined ? 'example.org' : extra.hostname;
  return v.verify({
    chain: ders,
    purpose: extra.purpose ?? 'serverAuth',
    time: extra.time ?? now,
    ...(hostname !== null ? { hostname } : {}),
    ...(extra.ip !== undefined ? { ip: extra.ip } : {}),
  });
}

function expectError(r: VerifyResult, code: ErrorCode, message?: RegExp): TlsError {
  assert.equal(r.ok, false, 'expected a verification failure');
  if (r.ok) throw new Error('unreachable');
  assert.ok(r.error instanceof TlsError);
  assert.equal(r.error.code, code, r.error.message);
  if (message !== undefined) assert.match(r.error.message, message);
  return r.error;
}

test('good chain: intermediates in any order, unrelated extras ignored', () => {
  const r = verify([leaf, otherInter, inter, otherRoot]);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  assert.deepEqual(
    r.chain.map((c) => c.subject.text),
    ['CN=example.org', 'CN=Intermediate CA, O=Test', 'CN=Root CA, O=Test'],
  );
  // the root may also be sent by the peer
  assert.ok(verify([leaf, root, inter]).ok);
  // the anchors are indexed lazily and only parsed on use
  assert.equal(verifier.trustStore.size, 2);
});

test('RSA and Ed25519 issuers, RSA leaf', () => {
  const v = createDefaultVerifier({ provider, trustAnchors: [otherRoot.certDer] });
  const rsaLeaf = gen({ subject: { CN: 'rsa' }, key: rsaKey, issuer: otherInter, dnsNames: ['rsa.test'] });
  const r = v.verify({ chain: [rsaLeaf.certDer, otherInter.certDer], hostname: 'RSA.test.', purpose: 'serverAuth', time: now });
  assert.ok(r.ok, r.ok ? '' : r.error.message);
});

test('expired and not-yet-valid certificates', () => {
  const expired = gen({ ...leafOpts, notBefore: new Date('2023-01-01T00:00:00Z'), notAfter: new Date('2024-01-01T00:00:00Z') });
  const e = expectError(verify([expired, inter]), 'CERT_HAS_EXPIRED', /^certificate 0 \(CN=example\.org\) expired on 2024-01-01 \(2024-01-01T00:00:00Z\), \d+ days before the validation time — check the clock or renew it$/);
  assert.equal(e.alert, 'certificate_expired');
  const future = gen({ ...leafOpts, notBefore: new Date(now.getTime() + 2 * DAY), notAfter: new Date(now.getTime() + 30 * DAY) });
  expectError(verify([future, inter]), 'CERT_NOT_YET_VALID', /certificate 0 \(CN=example\.org\) is not valid before /);
  // the validity of the intermediate counts too
  expectError(verify([leaf, inter], { time: new Date(now.getTime() + 400 * DAY) }), 'CERT_HAS_EXPIRED', /certificate 0/);
  expectError(verify([leaf, inter], { time: new Date(now.getTime() + 3700 * DAY) }), 'CERT_HAS_EXPIRED');
});

test('host name mismatch names the certificate names', () => {
  expectError(
    verify([leaf, inter], { hostname: 'www.example.org' }),
    'ERR_TLS_CERT_ALTNAME_INVALID',
    /^host www\.example\.org does not match: the certificate covers example\.org, \*\.example\.net$/,
  );
  assert.ok(verify([leaf, inter], { hostname: 'a.example.net' }).ok);
  assert.ok(verify([leaf, inter], { hostname: 'EXAMPLE.ORG.' }).ok);
  expectError(verify([leaf, inter], { hostname: 'a.b.example.net' }), 'ERR_TLS_CERT_ALTNAME_INVALID');
  // no CN fallback
  const noSan = gen({ subject: { CN: 'example.org' }, key: leafKey, issuer: inter });
  expectError(verify([noSan, inter]), 'ERR_TLS_CERT_ALTNAME_INVALID', /no DNS names in subjectAltName \(the Common Name example\.org is not used\)/);
  // without a host name or IP, identity is not checked (e.g. client certificates)
  assert.ok(verify([noSan, inter], { hostname: null }).ok);
});

test('RFC 6125 §6.4.3 wildcard rules', () => {
  const table: [string, string, boolean][] = [
    ['example.com', 'example.com', true],
    ['Example.COM', 'example.com', true],
    ['example.com.', 'example.com', true],
    ['example.com', 'example.com.', true],
    ['*.example.com', 'foo.example.com', true],
    ['*.example.com', 'FOO.Example.com', true],
    ['*.example.com', 'example.com', false],
    ['*.example.com', 'a.b.example.com', false],
    ['*.example.com', '.example.com', false],
    ['f*.example.com', 'foo.example.com', false],
    ['*oo.example.com', 'foo.example.com', false],
    ['www.*.example.com', 'www.a.example.com', false],
    ['*.*.example.com', 'a.b.example.com', false],
    ['*.com', 'example.com', false],
    ['*', 'localhost', false],
    ['*.example.com', '*.example.com', false],
    ['xn--caf-dma.example', 'xn--caf-dma.example', true],
    ['*.xn--caf-dma.example', 'a.xn--caf-dma.example', true],
    ['example.com', 'example.org', false],
    ['', '', false],
    ['a..b.com', 'a..b.com', false],
  ];
  for (const [pattern, host, expected] of table) assert.equal(matchesDnsName(pattern, host), expected, `${pattern} vs ${host}`);
});

test('IP address SANs (IPv4 and IPv6, as hostname or ip)', () => {
  assert.ok(verify([leaf, inter], { hostname: '192.0.2.7' }).ok);
  assert.ok(verify([leaf, inter], { hostname: null, ip: '2001:0db8:0:0::1' }).ok);
  assert.ok(verify([leaf, inter], { hostname: '[2001:db8::1]' }).ok);
  expectError(
    verify([leaf, inter], { hostname: '192.0.2.8' }),
    'ERR_TLS_CERT_ALTNAME_INVALID',
    /^IP address 192\.0\.2\.8 does not match: the certificate covers 192\.0\.2\.7, 2001:db8::1$/,
  );
  // an IP is never matched against dNSNames
  const dnsOnly = gen({ subject: { CN: '10.0.0.1' }, key: leafKey, issuer: inter, dnsNames: ['10.0.0.1'] });
  expectError(verify([dnsOnly, inter], { hostname: '10.0.0.1' }), 'ERR_TLS_CERT_ALTNAME_INVALID', /no IP addresses/);
});

test('missing intermediate, self-signed leaf, untrusted self-signed root in the chain', () => {
  expectError(
    verify([leaf]),
    'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
    /unable to find the issuer \(CN=Intermediate CA, O=Test\) of certificate 0 \(CN=example\.org\)/,
  );
  const selfSigned = gen({ subject: { CN: 'example.org' }, key: leafKey, dnsNames: ['example.org'] });
  const e = expectError(verify([selfSigned]), 'DEPTH_ZERO_SELF_SIGNED_CERT', /self-signed/);
  assert.equal(e.alert, 'unknown_ca');
  // the same certificate is accepted when it is itself a trust anchor
  const pinned = createDefaultVerifier({ provider, trustAnchors: [selfSigned.certDer] });
  assert.ok(pinned.verify({ chain: [selfSigned.certDer], hostname: 'example.org', purpose: 'serverAuth', time: now }).ok);
  // a chain ending in an untrusted root
  const evilRoot = gen({ subject: { CN: 'Root CA', O: 'Evil' }, key: edKey, isCA: true });
  const evilLeaf = gen({ ...leafOpts, issuer: evilRoot });
  expectError(verify([evilLeaf, evilRoot]), 'SELF_SIGNED_CERT_IN_CHAIN', /certificate 1 \(CN=Root CA\)/);
});

test('non-CA issuer, pathLen, keyCertSign', () => {
  const notCa = gen({ subject: { CN: 'Not a CA' }, key: interKey, issuer: root });
  const under = gen({ ...leafOpts, issuer: notCa });
  expectError(verify([under, notCa]), 'INVALID_CA', /certificate 1 \(CN=Not a CA\) issued certificate 0 but is not a CA/);
  // pathLen 0 on `inter` forbids another CA below it
  const sub = gen({ subject: { CN: 'Sub CA' }, key: rootKey, issuer: inter, isCA: true });
  const underSub = gen({ ...leafOpts, issuer: sub });
  expectError(verify([underSub, sub, inter]), 'PATH_LENGTH_EXCEEDED', /pathLenConstraint/);
  const noSign = gen({ subject: { CN: 'No keyCertSign' }, key: interKey, issuer: root, isCA: true, keyUsage: ['digitalSignature'] });
  expectError(verify([gen({ ...leafOpts, issuer: noSign }), noSign]), 'KEY_USAGE_INVALID', /keyCertSign/);
});

test('bad signature', () => {
  const der = leaf.certDer.slice();
  der[der.length - 5]! ^= 0x01; // inside the signature
  expectError(verify([der, inter]), 'CERT_SIGNATURE_FAILURE', /signature of certificate 0 \(CN=example\.org\) by CN=Intermediate CA does not verify/);
  // a same-named intermediate with another key is not the issuer (its key identifier differs
  // from the leaf's authorityKeyIdentifier): "issuer not found", as OpenSSL reports it
  const impostor = gen({ subject: { CN: 'Intermediate CA', O: 'Test' }, key: rsaKey, isCA: true, issuer: root });
  expectError(verify([leaf, impostor]), 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY');
  // the same key under a same-named fake root: the leaf's signature checks out, the impostor's does not
  const fakeRoot = gen({ subject: { CN: 'Root CA', O: 'Test' }, key: rsaKey, isCA: true });
  const sameKey = gen({ subject: { CN: 'Intermediate CA', O: 'Test' }, key: interKey, isCA: true, issuer: fakeRoot });
  const forged = sameKey.certDer.slice();
  forged[forged.length - 5]! ^= 0x01;
  expectError(verify([leaf, forged]), 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY');
  // ...but the right one among candidates is found by backtracking
  assert.ok(verify([leaf, impostor, inter]).ok);
});

test('EKU mismatch', () => {
  const clientOnly = gen({ ...leafOpts, extKeyUsage: ['clientAuth'] });
  expectError(verify([clientOnly, inter]), 'INVALID_PURPOSE', /not valid for serverAuth \(extKeyUsage: clientAuth\)/);
  assert.ok(verify([clientOnly, inter], { purpose: 'clientAuth', hostname: null }).ok);
  // an intermediate restricted to clientAuth cannot issue server certificates
  const clientCa = gen({ subject: { CN: 'Client CA' }, key: interKey, issuer: root, isCA: true, extKeyUsage: ['clientAuth'] });
  expectError(verify([gen({ ...leafOpts, issuer: clientCa }), clientCa]), 'INVALID_PURPOSE', /certificate 1 \(CN=Client CA\) is not valid for serverAuth/);
  const anyEku = gen({ ...leafOpts, extKeyUsage: [] , extraExtensions: [{ oid: '2.5.29.37', critical: false, value: derSequence(derOid('2.5.29.37.0')) }] });
  assert.ok(verify([anyEku, inter]).ok);
});

test('unknown critical extension, malformed certificates, bounds', () => {
  const crit = gen({ ...leafOpts, extraExtensions: [{ oid: '1.3.6.1.4.1.99999.1', critical: true, value: derSequence() }] });
  assert.deepEqual(crit.cert.unhandledCriticalExtensions, ['1.3.6.1.4.1.99999.1']);
  expectError(verify([crit, inter]), 'UNHANDLED_CRITICAL_EXTENSION', /certificate 0 \(CN=example\.org\) has critical extension\(s\) this verifier does not support: 1\.3\.6\.1\.4\.1\.99999\.1/);
  const nonCrit = gen({ ...leafOpts, extraExtensions: [{ oid: '1.3.6.1.4.1.99999.1', critical: false, value: derSequence() }] });
  assert.ok(verify([nonCrit, inter]).ok);
  expectError(verify([Uint8Array.of(0x30, 0x80, 0, 0), inter]), 'ERR_TLS_BAD_CERTIFICATE', /certificate 0 is malformed: Certificate: indefinite length/);
  expectError(verify([]), 'ERR_TLS_BAD_CERTIFICATE');
  expectError(verify(new Array<GeneratedCertificate>(40).fill(inter)), 'CERT_CHAIN_TOO_LONG');
  // a path longer than maxDepth (8): root → 8 CAs → leaf
  const cas: GeneratedCertificate[] = [];
  let issuer = root;
  for (let i = 0; i < 8; i++) {
    issuer = gen({ subject: { CN: `CA ${i}` }, key: interKey, issuer, isCA: true });
    cas.push(issuer);
  }
  const deepLeaf = gen({ ...leafOpts, issuer });
  expectError(verify([deepLeaf, ...cas.reverse()]), 'CERT_CHAIN_TOO_LONG', /within 8 certificates/);
  const lenient = createDefaultVerifier({ provider, trustAnchors: root.certPem, maxDepth: 10 });
  assert.ok(verify([deepLeaf, ...cas], {}, lenient).ok);
});

test('signature check budget bounds the search', () => {
  // many same-named intermediates whose key signed the leaf, each issued by a same-named fake
  // root: every decoy costs a signature check and leads nowhere; the search gives up instead of
  // trying all
  const fakeRoot = gen({ subject: { CN: 'Root CA', O: 'Test' }, key: rsaKey, isCA: true });
  const decoys = Array.from({ length: 20 }, () => gen({ subject: { CN: 'Intermediate CA', O: 'Test' }, key: interKey, isCA: true, issuer: fakeRoot }));
  const small = createDefaultVerifier({ provider, trustAnchors: root.certPem, maxSignatureChecks: 5 });
  expectError(verify([leaf, ...decoys, inter], {}, small), 'CERT_CHAIN_TOO_LONG', /after 5 signature checks/);
  assert.ok(verify([leaf, ...decoys, inter]).ok);
});

test("node's root bundle as PEM: indexed lazily, once, and cheaply", async () => {
  const { rootCertificates } = await import('node:tls');
  // counted, not timed: a provider that counts public-key work, and the trust store's counters,
  // for three verifications with the bundle and with our root alone
  const run = (trustAnchors: (string | Uint8Array)[]): { calls: { importPublicKey: number; verify: number }; work: ReturnType<typeof measureWork>['work']; v: ReturnType<typeof createDefaultVerifier> } => {
    const calls = { importPublicKey: 0, verify: 0 };
    const counting = Object.create(provider, {
      importPublicKey: { value: (spki: Uint8Array) => (calls.importPublicKey++, provider.importPublicKey(spki)) },
      verify: { value: (...a: Parameters<CryptoProvider['verify']>) => (calls.verify++, provider.verify(...a)) },
    }) as CryptoProvider;
    const v = createDefaultVerifier({ provider: counting, trustAnchors });
    const { work } = measureWork(() => {
      for (let i = 0; i < 3; i++) {
        const r = verify([leaf, inter], {}, v);
        assert.ok(r.ok, r.ok ? '' : r.error.message);
      }
    });
    return { calls, work, v };
  };
  const bundle = run([rootCertificates.join('\n'), root.certDer]);
  const alone = run([root.certDer]);
  assert.equal(bundle.v.trustStore.size, rootCertificates.length + 1);
  // the ~140 roots are indexed once for all three verifications, only the anchor the path
  // reaches is parsed, and the public-key work is what our root alone costs (each signature
  // checked once, then cached): the bundle adds no per-root work
  assert.equal(bundle.work.trustIndexBuilds, 1);
  assert.equal(bundle.work.trustAnchorsParsed, 1);
  assert.deepEqual(bundle.calls, alone.calls);
  assert.equal(bundle.calls.verify, 2);
  expectError(verify([evilChainLeaf()], {}, bundle.v), 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY');
});

function evilChainLeaf(): GeneratedCertificate {
  const ca = gen({ subject: { CN: 'Unknown CA' }, key: edKey, isCA: true });
  return gen({ ...leafOpts, issuer: ca });
}
