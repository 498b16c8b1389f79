// Cross-checks of tlskit's X.509 code against OpenSSL 3.0, both directions:
// - CRLs made by `openssl ca -revoke` + `openssl ca -gencrl` and OCSP responses made by
//   `openssl ocsp -index … -reqin … -respout` (issuer-signed, delegated responder with and without
//   id-kp-OCSPSigning) are parsed and verified by tlskit;
// - tlskit's CRLs (generateCrl) and OCSP responses (generateOcspResponse) are accepted by
//   `openssl crl -CAfile` and `openssl ocsp -respin … -verify_other`;
// - `openssl verify` and verifyCertificateChain give the same verdict on defective chains.
// Every openssl run is bounded (runChecked/runCommand timeouts); files live in a temp dir.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeCryptoProvider as provider } from '../../src/crypto/node-provider.js';
import { parseCrl } from '../../src/x509/crl.js';
import { encodeIndirectCrlDistributionPoint, encodeNameConstraints } from '../../src/x509/ext.js';
import { generateCertificate, generateCrl, type GenerateCertificateOptions, type GeneratedCertificate } from '../../src/x509/generate.js';
import { generateOcspResponse } from '../../src/x509/generate-ocsp.js';
import { parseOcspResponse } from '../../src/x509/ocsp.js';
import { OID } from '../../src/x509/oids.js';
import { decodePem } from '../../src/x509/pem.js';
import { verifyCertificateChain } from '../../src/x509/path.js';
import { derOid, derSequence } from '../../src/x509/der.js';
import { runChecked, runCommand } from '../helpers/process.js';

const T = 20_000;
const openssl = (args: string[], name = `openssl ${args[0] ?? ''}`): ReturnType<typeof runChecked> => runChecked('openssl', args, { timeoutMs: T, name });
const gen = (o: GenerateCertificateOptions): GeneratedCertificate => generateCertificate(o, provider);
const ocspSigningEku = { oid: OID.extKeyUsage, critical: false, value: derSequence(derOid(OID.OCSPSigning)) };

let dir = '';
const path = (name: string): string => join(dir, name);
function write(name: string, data: string | Uint8Array): string {
  writeFileSync(path(name), data);
  return path(name);
}
const derOfPem = (pem: string, label: string): Uint8Array => {
  const block = decodePem(pem, label)[0];
  if (block === undefined) throw new Error(`no ${label}`);
  return block.der;
};

const root = gen({ subject: { CN: 'Interop Root', O: 'tlskit' }, isCA: true });
const inter = gen({ subject: { CN: 'Interop Intermediate', O: 'tlskit' }, isCA: true, issuer: root });
const leaf = gen({ subject: { CN: 'interop.example' }, issuer: inter, dnsNames: ['interop.example'] });
const other = gen({ subject: { CN: 'other.interop.example' }, issuer: inter, dnsNames: ['other.interop.example'] });
const responder = gen({ subject: { CN: 'Interop OCSP Responder' }, issuer: inter, extKeyUsage: [], extraExtensions: [ocspSigningEku] });
const noEkuResponder = gen({ subject: { CN: 'Interop Responder Without EKU' }, issuer: inter, extKeyUsage: ['serverAuth'] });

// `openssl ca` database for the intermediate
const CA_CNF = (d: string): string => `
[ca]
default_ca = ica
[ica]
dir = ${d}
database = ${d}/index.txt
serial = ${d}/serial
crlnumber = ${d}/crlnumber
certificate = ${d}/inter.pem
private_key = ${d}/inter.key
new_certs_dir = ${d}
default_md = sha256
default_crl_days = 7
policy = anything
[anything]
commonName = supplied
`;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'tlskit-x509-openssl-'));
  write('root.pem', root.certPem);
  write('inter.pem', inter.certPem);
  write('inter.key', inter.keyPem);
  write('chain.pem', inter.certPem + root.certPem);
  write('leaf.pem', leaf.certPem);
  write('other.pem', other.certPem);
  write('responder.pem', responder.certPem);
  write('responder.key', responder.keyPem);
  write('noeku.pem', noEkuResponder.certPem);
  write('noeku.key', noEkuResponder.keyPem);
  write('index.txt', '');
  write('serial', '1000\n');
  write('crlnumber', '1000\n');
  write('ca.cnf', CA_CNF(dir));
});

after(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

describe('OpenSSL-made CRLs and OCSP responses, verified by tlskit', () => {
  let crlDer: Uint8Array;

  before(async () => {
    // the leaf revoked for keyCompromise, `other` left valid (added to the database as valid)
    await openssl(['ca', '-batch', '-config', path('ca.cnf'), '-revoke', path('leaf.pem'), '-crl_reason', 'keyCompromise'], 'openssl ca -revoke');
    await openssl(['ca', '-batch', '-config', path('ca.cnf'), '-valid', path('other.pem')], 'openssl ca -valid');
    await openssl(['ca', '-batch', '-config', path('ca.cnf'), '-gencrl', '-out', path('openssl.crl')], 'openssl ca -gencrl');
    crlDer = derOfPem(readFileSync(path('openssl.crl'), 'latin1'), 'X509 CRL');
  });

  it('openssl ca -gencrl: the revoked serial with its reason; good for another certificate; signature and issuer checked', () => {
    const crl = parseCrl(crlDer);
    assert.equal(crl.revoked.length, 1);
    assert.deepEqual(crl.revoked[0]?.serialRaw, leaf.cert.serialRaw);
    assert.equal(crl.revoked[0]?.reason, 'keyCompromise');
    assert.equal(crl.issuer.text, inter.cert.subject.text);
    assert.ok(crl.crlNumber !== undefined && crl.nextUpdate !== undefined);
    const r = verifyCertificateChain({ leaf: leaf.certDer, intermediates: [inter.certDer], trustAnchors: [root.certDer], crls: [crlDer] });
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.equal(r.error.code, 'CERT_REVOKED');
      assert.match(r.error.message, /\(reason: keyCompromise\) according to the CRL from CN=Interop Intermediate/);
    }
    const ok = verifyCertificateChain({ leaf: other.certDer, intermediates: [inter.certDer], trustAnchors: [root.certDer], crls: [crlDer], revocation: 'hard', revocationScope: 'leaf' });
    assert.ok(ok.ok && ok.revocation[0]?.status === 'good', ok.ok ? '' : ok.error.message);
    // the same CRL claimed for a CA with the same name and another key: the signature fails
    const impostor = gen({ subject: { CN: 'Interop Intermediate', O: 'tlskit' }, isCA: true, issuer: root });
    const l2 = gen({ subject: { CN: 'interop.example' }, issuer: impostor, dnsNames: ['interop.example'], serial: Buffer.from(leaf.cert.serialRaw).toString('hex') });
    const bad = verifyCertificateChain({ leaf: l2.certDer, intermediates: [impostor.certDer], trustAnchors: [root.certDer], crls: [crlDer] });
    assert.equal(bad.ok, false);
    if (!bad.ok) assert.equal(bad.error.code, 'CRL_SIGNATURE_FAILURE', bad.error.message);
  });

  async function opensslOcsp(cert: string, signer: string, key: string, out: string): Promise<Uint8Array> {
    await openssl(['ocsp', '-issuer', path('inter.pem'), '-cert', path(cert), '-no_nonce', '-reqout', path(`${out}.req`)], 'openssl ocsp -reqout');
    await openssl(
      ['ocsp', '-index', path('index.txt'), '-CA', path('inter.pem'), '-rsigner', path(signer), '-rkey', path(key), '-reqin', path(`${out}.req`), '-respout', path(out), '-ndays', '1'],
      'openssl ocsp -respout',
    );
    return new Uint8Array(readFileSync(path(out)));
  }

  it('openssl ocsp -index: good and revoked, signed by the CA', async () => {
    const good = await opensslOcsp('other.pem', 'inter.pem', 'inter.key', 'good.ocsp');
    const r = verifyCertificateChain({ leaf: other.certDer, intermediates: [inter.certDer], trustAnchors: [root.certDer], ocspResponses: [good], revocation: 'hard', revocationScope: 'leaf' });
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    assert.match(r.revocation[0]?.source ?? '', /OCSP response from the issuing CA \(CN=Interop Intermediate\)/);
    const revoked = await opensslOcsp('leaf.pem', 'inter.pem', 'inter.key', 'revoked.ocsp');
    const parsed = parseOcspResponse(revoked);
    assert.equal(parsed.responses[0]?.status, 'revoked');
    assert.equal(parsed.responses[0]?.revocationReason, 'keyCompromise');
    const rv = verifyCertificateChain({ leaf: leaf.certDer, intermediates: [inter.certDer], trustAnchors: [root.certDer], ocspResponses: [revoked] });
    assert.equal(rv.ok, false);
    if (!rv.ok) {
      assert.equal(rv.error.code, 'CERT_REVOKED');
      assert.match(rv.error.message, /\(reason: keyCompromise\) according to the OCSP response/);
    }
  });

  it('openssl ocsp: a delegated responder with id-kp-OCSPSigning is accepted, one without it is rejected', async () => {
    const delegated = await opensslOcsp('other.pem', 'responder.pem', 'responder.key', 'delegated.ocsp');
    assert.equal(parseOcspResponse(delegated).certs.length, 1, 'openssl includes the responder certificate');
    const r = verifyCertificateChain({ leaf: other.certDer, intermediates: [inter.certDer], trustAnchors: [root.certDer], ocspResponses: [delegated] });
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    assert.match(r.revocation[0]?.source ?? '', /delegated responder CN=Interop OCSP Responder/);
    const noEku = await opensslOcsp('other.pem', 'noeku.pem', 'noeku.key', 'noeku.ocsp');
    const bad = verifyCertificateChain({ leaf: other.certDer, intermediates: [inter.certDer], trustAnchors: [root.certDer], ocspResponses: [noEku] });
    assert.equal(bad.ok, false);
    if (!bad.ok) {
      assert.equal(bad.error.code, 'OCSP_RESPONSE_INVALID');
      assert.match(bad.error.message, /lacks extKeyUsage id-kp-OCSPSigning/);
    }
    // OpenSSL agrees: it refuses that response too
    const check = await runCommand('openssl', ['ocsp', '-respin', path('noeku.ocsp'), '-issuer', path('inter.pem'), '-cert', path('other.pem'), '-CAfile', path('chain.pem')], { timeoutMs: T });
    assert.match(check.stdout + check.stderr, /Response Verify Failure|verify error/i);
  });
});

describe('tlskit-made CRLs and OCSP responses, accepted by OpenSSL', () => {
  it('openssl crl -CAfile verifies our CRL and lists the revoked serial with its reason', async () => {
    const ours = generateCrl({ issuer: inter, revoked: [{ serial: leaf.cert.serialRaw, reason: 'cessationOfOperation' }], crlNumber: 7 }, provider);
    write('ours.crl', ours.pem);
    const r = await openssl(['crl', '-in', path('ours.crl'), '-CAfile', path('inter.pem'), '-noout', '-text'], 'openssl crl');
    assert.match(r.stderr + r.stdout, /verify OK/);
    assert.match(r.stdout, new RegExp(`Serial Number: ${Buffer.from(leaf.cert.serialRaw).toString('hex').toUpperCase()}`));
    assert.match(r.stdout, /Cessation Of Operation/);
    assert.match(r.stdout, /X509v3 CRL Number: \s*7/);
    // a CRL signed with the wrong key: OpenSSL says so
    write('forged.crl', generateCrl({ issuer: { cert: inter.cert, key: root.key } }, provider).pem);
    const forged = await runCommand('openssl', ['crl', '-in', path('forged.crl'), '-CAfile', path('inter.pem'), '-noout'], { timeoutMs: T });
    assert.match(forged.stdout + forged.stderr, /verify failure/);
  });

  it('openssl ocsp -respin -verify_other accepts our responses: CA-signed good, delegated revoked', async () => {
    write('ours-good.ocsp', generateOcspResponse(provider, { cert: leaf.cert, issuer: inter.cert, signer: inter, status: 'good' }));
    const good = await openssl(['ocsp', '-respin', path('ours-good.ocsp'), '-issuer', path('inter.pem'), '-cert', path('leaf.pem'), '-CAfile', path('root.pem'), '-verify_other', path('inter.pem')], 'openssl ocsp -respin');
    assert.match(good.stderr + good.stdout, /Response verify OK/);
    assert.match(good.stdout, /leaf\.pem: good/);
    write('ours-revoked.ocsp', generateOcspResponse(provider, { cert: leaf.cert, issuer: inter.cert, signer: responder, status: 'revoked', revocationReason: 'keyCompromise' }));
    const revoked = await openssl(['ocsp', '-respin', path('ours-revoked.ocsp'), '-issuer', path('inter.pem'), '-cert', path('leaf.pem'), '-CAfile', path('root.pem'), '-verify_other', path('inter.pem')], 'openssl ocsp -respin');
    assert.match(revoked.stderr + revoked.stdout, /Response verify OK/);
    assert.match(revoked.stdout, /leaf\.pem: revoked/);
    assert.match(revoked.stdout, /Reason: keyCompromise/);
  });
});

/** openssl verify and verifyCertificateChain both say revoked (CERT_REVOKED), or both accept. */
function sameRevocationVerdict(o: { code: number | null; stdout: string; stderr: string }, ours: ReturnType<typeof verifyCertificateChain>, revoked: boolean): void {
  if (revoked) {
    assert.notEqual(o.code, 0, `openssl accepted: ${o.stdout}${o.stderr}`);
    assert.match(o.stdout + o.stderr, /certificate revoked/);
    assert.equal(ours.ok ? 'accepted' : ours.error.code, 'CERT_REVOKED');
  } else {
    assert.equal(o.code, 0, `openssl: ${o.stdout}${o.stderr}`);
    assert.ok(ours.ok, ours.ok ? '' : ours.error.message);
  }
}

describe('delta CRLs (RFC 5280 §5.2.4): openssl verify -crl_check -use_deltas and verifyCertificateChain agree', () => {
  const hold = [{ serial: leaf.cert.serialRaw, reason: 'certificateHold' }];
  const cases: { name: string; crls: { crlNumber: number; deltaOf?: number; revoked?: { serial: Uint8Array; reason: string }[] }[]; revoked: boolean }[] = [
    { name: 'revoked since the complete CRL: only the delta CRL lists it', crls: [{ crlNumber: 20 }, { crlNumber: 21, deltaOf: 20, revoked: [{ serial: leaf.cert.serialRaw, reason: 'keyCompromise' }] }], revoked: true },
    { name: 'on hold in the complete CRL, released by the delta CRL (removeFromCRL)', crls: [{ crlNumber: 20, revoked: hold }, { crlNumber: 21, deltaOf: 20, revoked: [{ serial: leaf.cert.serialRaw, reason: 'removeFromCRL' }] }], revoked: false },
    { name: 'on hold in the complete CRL, an empty delta CRL', crls: [{ crlNumber: 20, revoked: hold }, { crlNumber: 21, deltaOf: 20 }], revoked: true },
    { name: 'a delta CRL for a newer complete CRL is not used', crls: [{ crlNumber: 20 }, { crlNumber: 23, deltaOf: 22, revoked: [{ serial: leaf.cert.serialRaw, reason: 'keyCompromise' }] }], revoked: false },
  ];
  for (const c of cases) {
    it(`${c.name}: ${c.revoked ? 'revoked' : 'not revoked'} for both`, async () => {
      const tag = c.name.replace(/\W+/g, '-').slice(0, 40);
      // OpenSSL combines a delta CRL only when the certificate or the complete CRL names a
      // freshestCRL point (§5.2.6), so the complete CRLs here do; tlskit uses a supplied delta
      // CRL either way (the caller handed it over)
      const made = c.crls.map((o) => generateCrl({ issuer: inter, ...o, ...(o.deltaOf === undefined ? { freshestCrl: ['http://crl.interop.example/delta.crl'] } : {}) }, provider));
      const crlFiles = made.map((g, i) => write(`delta-${tag}-${i}.crl`, g.pem));
      const o = await runCommand(
        'openssl',
        ['verify', '-crl_check', '-use_deltas', '-CAfile', path('root.pem'), '-untrusted', path('inter.pem'), ...crlFiles.flatMap((f) => ['-CRLfile', f]), path('leaf.pem')],
        { timeoutMs: T },
      );
      const ours = verifyCertificateChain({
        leaf: leaf.certDer,
        intermediates: [inter.certDer],
        trustAnchors: [root.certDer],
        crls: made.map((g) => g.der),
        revocation: 'hard',
        revocationScope: 'leaf',
      });
      sameRevocationVerdict(o, ours, c.revoked);
    });
  }
});

describe('indirect CRLs (RFC 5280 §5.2.5, §5.3.3): openssl verify -crl_check -extended_crl and verifyCertificateChain agree', () => {
  const crlIssuer = gen({ subject: { CN: 'Interop CRL Issuer', O: 'tlskit' }, isCA: true, issuer: root, keyUsage: ['keyCertSign', 'cRLSign'] });
  const cdp = { oid: OID.crlDistributionPoints, critical: false, value: encodeIndirectCrlDistributionPoint(['http://crl.interop.example/indirect.crl'], crlIssuer.cert.subject.raw) };
  const ileaf = gen({ subject: { CN: 'indirect.interop.example' }, issuer: inter, dnsNames: ['indirect.interop.example'], extraExtensions: [cdp] });
  const cases: { name: string; revoked: { serial: Uint8Array; reason?: string; certificateIssuer?: Uint8Array }[]; isRevoked: boolean }[] = [
    { name: 'the entry names the certificate issuer (certificateIssuer)', revoked: [{ serial: ileaf.cert.serialRaw, reason: 'keyCompromise', certificateIssuer: inter.cert.subject.raw }], isRevoked: true },
    { name: 'no entry for it', revoked: [], isRevoked: false },
    { name: 'its serial, but for another issuer', revoked: [{ serial: ileaf.cert.serialRaw, certificateIssuer: root.cert.subject.raw }], isRevoked: false },
  ];
  for (const c of cases) {
    it(`${c.name}: ${c.isRevoked ? 'revoked' : 'not revoked'} for both`, async () => {
      const tag = c.name.replace(/\W+/g, '-').slice(0, 40);
      const crl = generateCrl({ issuer: crlIssuer, indirect: true, revoked: c.revoked }, provider);
      const crlFile = write(`indirect-${tag}.crl`, crl.pem);
      const untrusted = write(`indirect-${tag}-untrusted.pem`, inter.certPem + crlIssuer.certPem);
      const leafFile = write(`indirect-${tag}-leaf.pem`, ileaf.certPem);
      const o = await runCommand('openssl', ['verify', '-crl_check', '-extended_crl', '-CAfile', path('root.pem'), '-untrusted', untrusted, '-CRLfile', crlFile, leafFile], { timeoutMs: T });
      const ours = verifyCertificateChain({
        leaf: ileaf.certDer,
        intermediates: [inter.certDer, crlIssuer.certDer],
        trustAnchors: [root.certDer],
        crls: [crl.der],
        revocation: 'hard',
        revocationScope: 'leaf',
      });
      sameRevocationVerdict(o, ours, c.isRevoked);
    });
  }
});

describe('openssl verify and verifyCertificateChain agree on defective chains', () => {
  const now = Date.now();
  const DAY = 86_400_000;
  const ncInter = gen({
    subject: { CN: 'Constrained Intermediate' },
    isCA: true,
    issuer: root,
    extraExtensions: [{ oid: OID.nameConstraints, critical: true, value: encodeNameConstraints({ permitted: [{ type: 'dns', value: 'allowed.example' }] }) }],
  });
  const p0 = gen({ subject: { CN: 'PathLen0 Intermediate' }, isCA: true, pathLen: 0, issuer: root });
  const sub = gen({ subject: { CN: 'Sub Intermediate' }, isCA: true, issuer: p0 });
  const cases: { name: string; leaf: GeneratedCertificate; chain: GeneratedCertificate[]; valid: boolean; code?: string }[] = [
    { name: 'a good chain', leaf, chain: [inter], valid: true },
    { name: 'expired leaf', leaf: gen({ subject: { CN: 'expired.example' }, issuer: inter, dnsNames: ['expired.example'], notBefore: new Date(now - 30 * DAY), notAfter: new Date(now - DAY) }), chain: [inter], valid: false, code: 'CERT_HAS_EXPIRED' },
    { name: 'not yet valid leaf', leaf: gen({ subject: { CN: 'future.example' }, issuer: inter, dnsNames: ['future.example'], notBefore: new Date(now + DAY), notAfter: new Date(now + 30 * DAY) }), chain: [inter], valid: false, code: 'CERT_NOT_YET_VALID' },
    { name: 'wrong EKU (clientAuth only, used as a server)', leaf: gen({ subject: { CN: 'client.example' }, issuer: inter, dnsNames: ['client.example'], extKeyUsage: ['clientAuth'] }), chain: [inter], valid: false, code: 'INVALID_PURPOSE' },
    { name: 'name constraints violation', leaf: gen({ subject: { CN: 'outside.example' }, issuer: ncInter, dnsNames: ['outside.example'] }), chain: [ncInter], valid: false, code: 'NAME_CONSTRAINTS_VIOLATION' },
    { name: 'within name constraints', leaf: gen({ subject: { CN: 'www.allowed.example' }, issuer: ncInter, dnsNames: ['www.allowed.example'] }), chain: [ncInter], valid: true },
    { name: 'pathLenConstraint violation', leaf: gen({ subject: { CN: 'deep.example' }, issuer: sub, dnsNames: ['deep.example'] }), chain: [sub, p0], valid: false, code: 'PATH_LENGTH_EXCEEDED' },
    { name: 'issuer that is not a CA', leaf: gen({ subject: { CN: 'under-leaf.example' }, issuer: leaf, dnsNames: ['under-leaf.example'] }), chain: [leaf, inter], valid: false, code: 'INVALID_CA' },
    { name: 'bad signature', leaf: gen({ subject: { CN: 'forged.example' }, issuer: { cert: inter.cert, key: root.key }, dnsNames: ['forged.example'] }), chain: [inter], valid: false, code: 'CERT_SIGNATURE_FAILURE' },
    { name: 'unknown critical extension', leaf: gen({ subject: { CN: 'critical.example' }, issuer: inter, dnsNames: ['critical.example'], extraExtensions: [{ oid: '1.3.6.1.4.1.99999.7', critical: true, value: derSequence() }] }), chain: [inter], valid: false, code: 'UNHANDLED_CRITICAL_EXTENSION' },
  ];

  for (const c of cases) {
    it(`${c.name}: ${c.valid ? 'accepted' : 'rejected'} by both`, async () => {
      const files = [c.leaf, ...c.chain].map((g, i) => write(`${c.name.replace(/\W+/g, '-')}-${i}.pem`, g.certPem));
      const untrusted = write(`${c.name.replace(/\W+/g, '-')}-untrusted.pem`, c.chain.map((g) => g.certPem).join(''));
      const o = await runCommand('openssl', ['verify', '-x509_strict', '-purpose', 'sslserver', '-CAfile', path('root.pem'), '-untrusted', untrusted, files[0] as string], { timeoutMs: T });
      const ours = verifyCertificateChain({ leaf: c.leaf.certDer, intermediates: c.chain.map((g) => g.certDer), trustAnchors: [root.certDer], purpose: 'serverAuth' });
      assert.equal(o.code === 0, c.valid, `openssl: ${o.stdout}${o.stderr}`);
      assert.equal(ours.ok, c.valid, ours.ok ? 'tlskit accepted' : ours.error.message);
      if (!ours.ok && c.code !== undefined) assert.equal(ours.error.code, c.code, ours.error.message);
    });
  }

  it('a CA certificate as the leaf: OpenSSL accepts it, tlskit rejects it (CA/B Forum BR §7.1.2.7.8: cA MUST be FALSE in a subscriber certificate)', async () => {
    const caLeaf = gen({ subject: { CN: 'ca-leaf.example' }, issuer: inter, isCA: true, dnsNames: ['ca-leaf.example'], keyUsage: ['digitalSignature', 'keyCertSign'] });
    write('ca-leaf.pem', caLeaf.certPem);
    const o = await runCommand('openssl', ['verify', '-x509_strict', '-purpose', 'sslserver', '-CAfile', path('root.pem'), '-untrusted', path('inter.pem'), path('ca-leaf.pem')], { timeoutMs: T });
    assert.equal(o.code, 0, `openssl: ${o.stdout}${o.stderr}`);
    const ours = verifyCertificateChain({ leaf: caLeaf.certDer, intermediates: [inter.certDer], trustAnchors: [root.certDer] });
    assert.equal(ours.ok, false);
    if (!ours.ok) assert.match(ours.error.message, /is a CA certificate \(basicConstraints cA\) used as an end-entity certificate/);
    // RFC 5280 alone allows it, and so does tlskit on request
    assert.ok(verifyCertificateChain({ leaf: caLeaf.certDer, intermediates: [inter.certDer], trustAnchors: [root.certDer], allowCaAsLeaf: true }).ok);
  });
});
