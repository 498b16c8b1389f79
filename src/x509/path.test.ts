import { createPrivateKey, generateKeyPairSync, sign as cryptoSign } from 'node:crypto';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeCryptoProvider as provider } from '../crypto/node-provider.js';
import type { PrivateKey } from '../crypto/provider.js';
import { TlsError } from '../errors.js';
import type { ChainResult } from './chain.js';
import { encodeSct, encodeSctList, sctSignedData } from './ct.js';
import { derBitString, derExplicit, derGeneralizedTime, derInteger, derOctetString, derOid, derSequence, derTime, derTlv, derImplicit } from './der.js';
import {
  EXT_OID,
  encodeAuthorityInfoAccess,
  encodeCertificatePolicies,
  encodeExtension,
  encodeNameConstraints,
  encodePolicyConstraints,
  encodeTlsFeature,
  requiresStapling,
} from './ext.js';
import { generateCertificate, type GenerateCertificateOptions, type GeneratedCertificate } from './generate.js';
import { buildOcspRequest, certIdFor, parseOcspResponse } from './ocsp.js';
import { OID } from './oids.js';
import { verifyCertificateChain, type VerifyChainOptions } from './path.js';
import { parseCertificate, parseIp } from './certificate.js';
import { signingAlgorithmFor } from './signature.js';
import { CertificateError } from './validate.js';
import { parseCrl } from './crl.js';

const rootKey = provider.generateSigningKey('p256');
const interKey = provider.generateSigningKey('p256');
const leafKey = provider.generateSigningKey('p256');
const otherKey = provider.generateSigningKey('p256');
const now = new Date();
const DAY = 86_400_000;
const gen = (o: GenerateCertificateOptions): GeneratedCertificate => generateCertificate(o, provider);
const ext = (oid: string, critical: boolean, value: Uint8Array): { oid: string; critical: boolean; value: Uint8Array } => ({ oid, critical, value });

const root = gen({ subject: { CN: 'Path Root' }, key: rootKey, isCA: true });
const inter = gen({
  subject: { CN: 'Path Intermediate' },
  key: interKey,
  isCA: true,
  issuer: root,
  extraExtensions: [ext(OID.authorityInfoAccess, false, encodeAuthorityInfoAccess({ ocsp: ['http://ocsp.example/'], caIssuers: ['http://ca.example/root.cer'] }))],
});
const leafOpts: GenerateCertificateOptions = { subject: { CN: 'example.org' }, key: leafKey, issuer: inter, dnsNames: ['example.org', '*.example.net'], ipAddresses: ['192.0.2.7'] };
const leaf = gen(leafOpts);

function run(l: GeneratedCertificate, chain: readonly GeneratedCertificate[], extra: Omit<Partial<VerifyChainOptions>, 'hostname'> & { hostname?: string | null } = {}): ChainResult {
  const { hostname, ...rest } = extra;
  const host = hostname === undefined ? 'example.org' : hostname;
  return verifyCertificateChain({ leaf: l.certDer, intermediates: chain.map((c) => c.certDer), trustAnchors: [root.certDer], time: now, ...(host !== null ? { hostname: host } : {}), ...rest });
}

function fails(r: ChainResult, code: string, check: string, index: number, message?: RegExp): CertificateError {
  assert.equal(r.ok, false, 'expected a failure');
  if (r.ok) throw new Error('unreachable');
  assert.ok(r.error instanceof CertificateError && r.error instanceof TlsError);
  assert.equal(r.error.code, code, r.error.message);
  assert.equal(r.error.check, check, r.error.message);
  assert.equal(r.error.certIndex, index, r.error.message);
  if (message !== undefined) assert.match(r.error.message, message);
  assert.ok(r.checks.some((c) => !c.ok && c.check === check), 'the failed check is recorded');
  return r.error;
}

test('a good chain: the path, the checks and the policies', () => {
  const r = run(leaf, [inter]);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  assert.deepEqual(r.chain.map((c) => c.subject.text), ['CN=example.org', 'CN=Path Intermediate', 'CN=Path Root']);
  for (const check of ['validity', 'signature', 'basicConstraints', 'keyUsage', 'extKeyUsage', 'hostname'] as const) assert.ok(r.checks.some((c) => c.check === check && c.ok), check);
  assert.ok(run(leaf, [inter], { hostname: null, ip: '192.0.2.7' }).ok);
});

test('validity: an expired intermediate, with an actionable message', () => {
  const old = gen({ subject: { CN: 'Example Intermediate' }, key: interKey, isCA: true, issuer: root, notBefore: new Date('2020-01-01T00:00:00Z'), notAfter: new Date('2024-01-01T00:00:00Z') });
  const longRoot = gen({ subject: { CN: 'Path Root' }, key: rootKey, isCA: true, notBefore: new Date('2019-01-01T00:00:00Z'), notAfter: new Date('2040-01-01T00:00:00Z') });
  const trustAnchors = [longRoot.certDer];
  const l = gen({ ...leafOpts, issuer: old, notBefore: new Date('2023-01-01T00:00:00Z'), notAfter: new Date('2023-11-28T00:00:00Z') });
  const e = fails(run(l, [old], { time: new Date('2023-12-01T00:00:00Z'), trustAnchors }), 'CERT_HAS_EXPIRED', 'validity', 0);
  assert.match(e.message, /^certificate 0 \(CN=example\.org\) expired on 2023-11-28 .*3 days before/);
  const l2 = gen({ ...leafOpts, issuer: old, notBefore: new Date('2023-01-01T00:00:00Z'), notAfter: new Date('2024-06-01T00:00:00Z') });
  const e2 = fails(run(l2, [old], { time: new Date('2024-01-04T00:00:00Z'), trustAnchors }), 'CERT_HAS_EXPIRED', 'validity', 1);
  assert.match(e2.message, /^certificate 1 \(CN=Example Intermediate\) expired on 2024-01-01 .*3 days before the validation time — check the clock or renew it$/);
  assert.equal(e2.alert, 'certificate_expired');
});

test('no path: names the issuer and its AIA', () => {
  const e = fails(run(leaf, []), 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'issuer', 0, /no path to a trusted root: the peer sent only the leaf; its issuer is CN=Path Intermediate/);
  assert.equal(e.alert, 'unknown_ca');
  const l = gen({ ...leafOpts, issuer: inter, extraExtensions: [ext(OID.authorityInfoAccess, false, encodeAuthorityInfoAccess({ caIssuers: ['http://ca.example/inter.cer'] }))] });
  fails(run(l, []), 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'issuer', 0, /\(AIA: http:\/\/ca\.example\/inter\.cer\)/);
});

test('host and IP mismatch list what the certificate covers; CN fallback only on request', () => {
  fails(run(leaf, [inter], { hostname: 'www.example.org' }), 'ERR_TLS_CERT_ALTNAME_INVALID', 'hostname', 0, /^host www\.example\.org does not match: the certificate covers example\.org, \*\.example\.net$/);
  assert.ok(run(leaf, [inter], { hostname: 'a.example.net' }).ok);
  fails(run(leaf, [inter], { hostname: 'a.b.example.net' }), 'ERR_TLS_CERT_ALTNAME_INVALID', 'hostname', 0);
  const cnOnly = gen({ subject: { CN: 'cn.example.org' }, key: leafKey, issuer: inter });
  fails(run(cnOnly, [inter], { hostname: 'cn.example.org' }), 'ERR_TLS_CERT_ALTNAME_INVALID', 'hostname', 0, /Common Name/);
  assert.ok(run(cnOnly, [inter], { hostname: 'cn.example.org', commonNameFallback: true }).ok);
});

test('basicConstraints, pathLen, keyUsage, CA as end entity, EKU nesting', () => {
  const notCa = gen({ subject: { CN: 'Not a CA' }, key: interKey, issuer: root });
  fails(run(gen({ ...leafOpts, issuer: notCa }), [notCa]), 'INVALID_CA', 'basicConstraints', 1);
  const p0 = gen({ subject: { CN: 'PathLen0' }, key: interKey, isCA: true, pathLen: 0, issuer: root });
  const sub = gen({ subject: { CN: 'Sub' }, key: otherKey, isCA: true, issuer: p0 });
  fails(run(gen({ ...leafOpts, issuer: sub }), [sub, p0]), 'PATH_LENGTH_EXCEEDED', 'pathLength', 2, /allows 0 intermediate/);
  const noSign = gen({ subject: { CN: 'NoSign' }, key: interKey, isCA: true, issuer: root, keyUsage: ['digitalSignature', 'cRLSign'] });
  fails(run(gen({ ...leafOpts, issuer: noSign }), [noSign]), 'KEY_USAGE_INVALID', 'keyUsage', 1, /keyCertSign/);
  const caLeaf = gen({ ...leafOpts, isCA: true });
  fails(run(caLeaf, [inter]), 'CERT_REJECTED', 'basicConstraints', 0, /CA certificate .* used as an end-entity/);
  const noKe = gen({ ...leafOpts, keyUsage: ['digitalSignature'] });
  fails(run(noKe, [inter], { leafKeyUsage: ['keyEncipherment'] }), 'KEY_USAGE_INVALID', 'keyUsage', 0, /keyEncipherment/);
  const clientCa = gen({ subject: { CN: 'Client CA' }, key: interKey, isCA: true, issuer: root, extKeyUsage: ['clientAuth'] });
  fails(run(gen({ ...leafOpts, issuer: clientCa }), [clientCa]), 'INVALID_PURPOSE', 'extKeyUsage', 1);
  assert.ok(run(gen({ ...leafOpts, issuer: clientCa }), [clientCa], { purpose: 'client', hostname: null }).ok);
  const serverOnly = gen({ ...leafOpts, extKeyUsage: ['serverAuth'] });
  fails(run(serverOnly, [inter], { purpose: 'clientAuth' }), 'INVALID_PURPOSE', 'extKeyUsage', 0);
});

test('algorithms: RSA below 2048 bits, SHA-1 signatures', () => {
  // a 1024-bit RSA leaf key (made with node:crypto directly: the provider only makes safe sizes)
  const small = provider.importPrivateKey(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
  const l = gen({ ...leafOpts, key: small });
  fails(run(l, [inter]), 'KEY_TOO_SMALL', 'algorithm', 0, /1024-bit RSA key; at least 2048/);
  // re-sign the leaf's TBS with ecdsa-with-SHA1
  const sha1Alg = derSequence(derOid(OID.ecdsaWithSHA1));
  const tbs = resignTbs(leaf.cert.tbsRaw, sha1Alg);
  const sig = new Uint8Array(cryptoSign('sha1', tbs, createPrivateKey(inter.keyPem))); // the provider refuses to sign with SHA-1
  const der = derSequence(tbs, sha1Alg, derBitString(sig));
  const r = verifyCertificateChain({ leaf: der, intermediates: [inter.certDer], trustAnchors: [root.certDer], time: now });
  fails(r, 'INSECURE_ALGORITHM', 'algorithm', 0, /SHA-1/);
});

/** The TBS with its signature AlgorithmIdentifier replaced. */
function resignTbs(tbsRaw: Uint8Array, alg: Uint8Array): Uint8Array {
  const cert = parseCertificate(leaf.certDer);
  const tbsHex = Buffer.from(tbsRaw).toString('hex');
  const oldAlg = Buffer.from(cert.signatureAlgorithm.raw).toString('hex');
  const body = Buffer.from(tbsHex.replace(oldAlg, Buffer.from(alg).toString('hex')), 'hex');
  // strip the old SEQUENCE header and re-wrap
  const inner = body.subarray(body[1]! & 0x80 ? 2 + (body[1]! & 0x7f) : 2);
  return derSequence(new Uint8Array(inner));
}

test('name constraints: DNS, IP, email, directoryName; excluded wins; unsupported critical types', () => {
  const dnsCa = gen({
    subject: { CN: 'Constrained CA' },
    key: interKey,
    isCA: true,
    issuer: root,
    extraExtensions: [ext(OID.nameConstraints, true, encodeNameConstraints({ permitted: [{ type: 'dns', value: 'example.org' }, { type: 'ip', bytes: Uint8Array.of(192, 0, 2, 0, 255, 255, 255, 0) }], excluded: [{ type: 'dns', value: 'bad.example.org' }] }))],
  });
  assert.ok(run(gen({ ...leafOpts, issuer: dnsCa, dnsNames: ['www.example.org'] }), [dnsCa], { hostname: 'www.example.org' }).ok);
  fails(run(gen({ ...leafOpts, issuer: dnsCa }), [dnsCa]), 'NAME_CONSTRAINTS_VIOLATION', 'nameConstraints', 0, /names DNS:\*\.example\.net, outside what certificate 1 \(CN=Constrained CA\) permits/);
  fails(run(gen({ ...leafOpts, issuer: dnsCa, dnsNames: ['x.bad.example.org'] }), [dnsCa], { hostname: 'x.bad.example.org' }), 'NAME_CONSTRAINTS_VIOLATION', 'nameConstraints', 0, /excludes/);
  fails(run(gen({ ...leafOpts, issuer: dnsCa, dnsNames: ['example.org'], ipAddresses: ['198.51.100.1'] }), [dnsCa]), 'NAME_CONSTRAINTS_VIOLATION', 'nameConstraints', 0, /IP:198\.51\.100\.1/);
  // a wildcard that could cover an excluded name
  fails(run(gen({ ...leafOpts, issuer: dnsCa, dnsNames: ['*.example.org'] }), [dnsCa], { hostname: 'a.example.org' }), 'NAME_CONSTRAINTS_VIOLATION', 'nameConstraints', 0);
  // directoryName constraints apply to the subject DN
  const dirCa = gen({
    subject: { CN: 'Dir CA' },
    key: interKey,
    isCA: true,
    issuer: root,
    extraExtensions: [ext(OID.nameConstraints, true, encodeNameConstraints({ permitted: [{ type: 'directory', name: parseCertificate(gen({ subject: { CN: 'x', O: 'Good Org' } }).certDer).subject }] }))],
  });
  fails(run(gen({ ...leafOpts, issuer: dirCa }), [dirCa]), 'NAME_CONSTRAINTS_VIOLATION', 'nameConstraints', 0, /DirName/);
  // email constraints reach the emailAddress attribute when there is no SAN (a hand-built subject)
  const emailCa = gen({ subject: { CN: 'Mail CA' }, key: interKey, isCA: true, issuer: root, extraExtensions: [ext(OID.nameConstraints, true, encodeNameConstraints({ permitted: [{ type: 'email', value: '.example.org' }] }))] });
  assert.ok(run(gen({ ...leafOpts, issuer: emailCa, dnsNames: ['example.org'], ipAddresses: [] }), [emailCa]).ok);
  // unsupported constraint type (registeredID [8]) in a critical extension
  const oddCa = gen({ subject: { CN: 'Odd CA' }, key: interKey, isCA: true, issuer: root, extraExtensions: [ext(OID.nameConstraints, true, encodeNameConstraints({ permitted: [{ type: 'other', tag: 0x88, raw: Uint8Array.of(0x88, 1, 0x2a) }] }))] });
  fails(run(gen({ ...leafOpts, issuer: oddCa }), [oddCa]), 'UNSUPPORTED_NAME_CONSTRAINT', 'nameConstraints', 1);
  assert.ok(parseIp('192.0.2.1'));
});

test('policies: non-critical tolerated; requireExplicitPolicy enforced per §6.1; critical unknown extensions rejected', () => {
  const pol = '1.3.6.1.4.1.99999.7.1';
  const polCa = gen({ subject: { CN: 'Policy CA' }, key: interKey, isCA: true, issuer: root, extraExtensions: [ext(OID.certificatePolicies, false, encodeCertificatePolicies([pol])), ext(OID.policyConstraints, true, encodePolicyConstraints({ requireExplicitPolicy: 0 }))] });
  const withPol = gen({ ...leafOpts, issuer: polCa, extraExtensions: [ext(OID.certificatePolicies, false, encodeCertificatePolicies([pol]))] });
  const r = run(withPol, [polCa]);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  assert.deepEqual(r.policies, [pol]);
  fails(run(gen({ ...leafOpts, issuer: polCa }), [polCa]), 'INVALID_POLICY', 'policies', 0, /explicit certificate policy is required/);
  const otherPol = gen({ ...leafOpts, issuer: polCa, extraExtensions: [ext(OID.certificatePolicies, false, encodeCertificatePolicies(['1.3.6.1.4.1.99999.7.2']))] });
  fails(run(otherPol, [polCa]), 'INVALID_POLICY', 'policies', 0);
  assert.ok(run(gen({ ...leafOpts, extraExtensions: [ext(OID.certificatePolicies, false, encodeCertificatePolicies(['2.23.140.1.2.1']))] }), [inter]).ok);
  const crit = gen({ ...leafOpts, extraExtensions: [ext('1.3.6.1.4.1.99999.1', true, derSequence())] });
  fails(run(crit, [inter]), 'UNHANDLED_CRITICAL_EXTENSION', 'criticalExtensions', 0, /1\.3\.6\.1\.4\.1\.99999\.1/);
});

test('path building backtracks over cross-signed alternatives', () => {
  // "New Root" is trusted; the intermediate is also cross-signed by an untrusted old root.
  const oldRoot = gen({ subject: { CN: 'Old Root' }, key: otherKey, isCA: true });
  const cross = gen({ subject: { CN: 'Path Intermediate' }, key: interKey, isCA: true, issuer: oldRoot });
  const expiredCross = gen({ subject: { CN: 'Path Intermediate' }, key: interKey, isCA: true, issuer: root, notBefore: new Date(now.getTime() - 400 * DAY), notAfter: new Date(now.getTime() - DAY) });
  const r = run(leaf, [cross, expiredCross, inter]);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  assert.equal(r.chain[1]?.issuer.text, 'CN=Path Root');
  // only the expired alternative: the complete path's error is reported
  fails(run(leaf, [cross, expiredCross]), 'CERT_HAS_EXPIRED', 'validity', 1);
});

// ---------------------------------------------------------------------------------------------
// Revocation: CRLs and OCSP built here with the DER writer and provider.sign

function signWith(key: PrivateKey, tbs: Uint8Array): { alg: Uint8Array; sig: Uint8Array } {
  const a = signingAlgorithmFor(key);
  return { alg: a.algorithmIdentifier, sig: provider.sign(a.scheme, key, tbs) };
}

function makeCrl(issuer: GeneratedCertificate, revoked: readonly { serial: Uint8Array; reason?: number }[], o: { thisUpdate?: Date; nextUpdate?: Date; key?: PrivateKey } = {}): Uint8Array {
  const alg = signingAlgorithmFor(o.key ?? issuer.key).algorithmIdentifier;
  const entries = revoked.map((r) =>
    derSequence(derInteger(r.serial), derTime(new Date(now.getTime() - DAY)), ...(r.reason !== undefined ? [derSequence(encodeExtension(EXT_OID.cRLReason, false, derTlv(0x0a, Uint8Array.of(r.reason))))] : [])),
  );
  const tbs = derSequence(
    derInteger(1),
    alg,
    issuer.cert.subject.raw,
    derTime(o.thisUpdate ?? new Date(now.getTime() - DAY)),
    derTime(o.nextUpdate ?? new Date(now.getTime() + 7 * DAY)),
    ...(entries.length > 0 ? [derSequence(...entries)] : []),
    derExplicit(0, derSequence(encodeExtension(EXT_OID.cRLNumber, false, derInteger(1)))),
  );
  const s = signWith(o.key ?? issuer.key, tbs);
  return derSequence(tbs, s.alg, derBitString(s.sig));
}

type OcspStatus = 'good' | 'revoked' | 'unknown';
function makeOcsp(cert: GeneratedCertificate, issuer: GeneratedCertificate, status: OcspStatus, o: { signer?: GeneratedCertificate; thisUpdate?: Date; nextUpdate?: Date; singleExtensions?: Uint8Array[] } = {}): Uint8Array {
  const signer = o.signer ?? issuer;
  const certStatus = status === 'good' ? derImplicit(0, new Uint8Array(0)) : status === 'unknown' ? derImplicit(2, new Uint8Array(0)) : derTlv(0xa1, concatAll(derGeneralizedTime(new Date(now.getTime() - DAY)), derExplicit(0, derTlv(0x0a, Uint8Array.of(1)))));
  const single = derSequence(
    certIdFor(provider, cert.cert, issuer.cert),
    certStatus,
    derGeneralizedTime(o.thisUpdate ?? new Date(now.getTime() - 3_600_000)),
    derExplicit(0, derGeneralizedTime(o.nextUpdate ?? new Date(now.getTime() + 3 * DAY))),
    ...(o.singleExtensions !== undefined ? [derExplicit(1, derSequence(...o.singleExtensions))] : []),
  );
  const tbs = derSequence(derExplicit(1, signer.cert.subject.raw), derGeneralizedTime(new Date(now.getTime() - 3_600_000)), derSequence(single));
  const s = signWith(signer.key, tbs);
  const basic = derSequence(tbs, s.alg, derBitString(s.sig), ...(o.signer !== undefined ? [derExplicit(0, derSequence(signer.certDer))] : []));
  return derSequence(derTlv(0x0a, Uint8Array.of(0)), derExplicit(0, derSequence(derOid(EXT_OID.ocspBasic), derOctetString(basic))));
}

function concatAll(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

test('CRL: good, revoked with reason, stale, bad signature, hard-fail without status', () => {
  const good = makeCrl(inter, [{ serial: Uint8Array.of(0x42) }]);
  const parsed = parseCrl(good);
  assert.equal(parsed.revoked.length, 1);
  const r = run(leaf, [inter], { crls: [good] });
  assert.ok(r.ok && r.revocation[0]?.status === 'good', r.ok ? '' : r.error.message);
  const revoked = makeCrl(inter, [{ serial: leaf.cert.serialRaw, reason: 1 }]);
  const e = fails(run(leaf, [inter], { crls: [revoked] }), 'CERT_REVOKED', 'revocation', 0, /was revoked on .* \(reason: keyCompromise\) according to the CRL from CN=Path Intermediate/);
  assert.equal(e.alert, 'certificate_revoked');
  fails(run(leaf, [inter], { crls: [makeCrl(inter, [], { thisUpdate: new Date(now.getTime() - 10 * DAY), nextUpdate: new Date(now.getTime() - 2 * DAY) })] }), 'CRL_HAS_EXPIRED', 'revocation', 0, /stale/);
  fails(run(leaf, [inter], { crls: [makeCrl(inter, [], { key: otherKey })] }), 'CRL_SIGNATURE_FAILURE', 'revocation', 0, /does not verify/);
  fails(run(leaf, [inter], { revocation: 'hard' }), 'UNABLE_TO_GET_CRL', 'revocation', 0, /no CRL or OCSP response covers certificate 0/);
  // leaf scope: the intermediate needs no status
  const rootCrl = makeCrl(root, []);
  assert.ok(run(leaf, [inter], { revocation: 'hard', crls: [good, rootCrl] }).ok);
  // a revoked intermediate (root's CRL)
  fails(run(leaf, [inter], { crls: [makeCrl(root, [{ serial: inter.cert.serialRaw }])] }), 'CERT_REVOKED', 'revocation', 1);
});

test('OCSP: good, revoked, unknown, stale, wrong responder, delegated responder, request', () => {
  assert.ok(run(leaf, [inter], { ocspResponses: [makeOcsp(leaf, inter, 'good')], revocation: 'hard', revocationScope: 'leaf' }).ok);
  fails(run(leaf, [inter], { ocspResponses: [makeOcsp(leaf, inter, 'revoked')] }), 'CERT_REVOKED', 'revocation', 0, /OCSP response from the issuing CA/);
  fails(run(leaf, [inter], { ocspResponses: [makeOcsp(leaf, inter, 'unknown')], revocation: 'hard', revocationScope: 'leaf' }), 'OCSP_STATUS_UNKNOWN', 'revocation', 0);
  fails(run(leaf, [inter], { ocspResponses: [makeOcsp(leaf, inter, 'good', { thisUpdate: new Date(now.getTime() - 9 * DAY), nextUpdate: new Date(now.getTime() - 2 * DAY) })] }), 'OCSP_RESPONSE_INVALID', 'revocation', 0, /stale/);
  // signed by a certificate the CA did not authorise
  const stranger = gen({ subject: { CN: 'Stranger' }, key: otherKey, issuer: root, extKeyUsage: [] , extraExtensions: [ext(OID.extKeyUsage, false, derSequence(derOid(OID.OCSPSigning)))] });
  fails(run(leaf, [inter], { ocspResponses: [makeOcsp(leaf, inter, 'good', { signer: stranger })] }), 'OCSP_RESPONSE_INVALID', 'revocation', 0, /not issued by CN=Path Intermediate/);
  // a delegated responder issued by the CA with id-kp-OCSPSigning
  const responder = gen({ subject: { CN: 'OCSP Responder' }, key: otherKey, issuer: inter, extKeyUsage: [], extraExtensions: [ext(OID.extKeyUsage, false, derSequence(derOid(OID.OCSPSigning)))] });
  const ok = run(leaf, [inter], { ocspResponses: [makeOcsp(leaf, inter, 'good', { signer: responder })] });
  assert.ok(ok.ok && ok.revocation[0]?.source.includes('delegated responder CN=OCSP Responder'), ok.ok ? '' : ok.error.message);
  const noEku = gen({ subject: { CN: 'No EKU Responder' }, key: otherKey, issuer: inter, extKeyUsage: ['serverAuth'] });
  fails(run(leaf, [inter], { ocspResponses: [makeOcsp(leaf, inter, 'good', { signer: noEku })] }), 'OCSP_RESPONSE_INVALID', 'revocation', 0, /OCSPSigning/);
  // the request names the certificate
  const req = buildOcspRequest(provider, leaf.cert, inter.cert);
  assert.ok(Buffer.from(req).includes(Buffer.from(leaf.cert.serialRaw)));
  assert.equal(parseOcspResponse(makeOcsp(leaf, inter, 'good')).responses.length, 1);
});

test('must-staple: detected and enforced on request', () => {
  const ms = gen({ ...leafOpts, extraExtensions: [ext(EXT_OID.tlsFeature, false, encodeTlsFeature([5]))] });
  assert.equal(requiresStapling(ms.cert), true);
  assert.equal(requiresStapling(leaf.cert), false);
  assert.ok(run(ms, [inter]).ok);
  fails(run(ms, [inter], { enforceMustStaple: true }), 'OCSP_RESPONSE_REQUIRED', 'revocation', 0, /RFC 7633/);
  assert.ok(run(ms, [inter], { enforceMustStaple: true, ocspResponses: [makeOcsp(ms, inter, 'good')] }).ok);
});

// ---------------------------------------------------------------------------------------------
// Certificate Transparency

const logKeys = [provider.generateSigningKey('p256'), provider.generateSigningKey('p256'), provider.generateSigningKey('p256')];
const logSpkis = logKeys.map((k) => provider.publicKeyOf(k));
const logList = JSON.stringify({
  version: '1',
  operators: [
    { name: 'Op A', logs: [0, 1].map((i) => ({ description: `Log ${i}`, log_id: b64(provider.hash('sha256', logSpkis[i]!)), key: b64(logSpkis[i]!), state: { usable: { timestamp: '2020-01-01T00:00:00Z' } } })) },
    { name: 'Op B', logs: [{ description: 'Log 2', log_id: b64(provider.hash('sha256', logSpkis[2]!)), key: b64(logSpkis[2]!), state: { usable: { timestamp: '2020-01-01T00:00:00Z' } } }] },
  ],
});
function b64(b: Uint8Array): string {
  return Buffer.from(b).toString('base64');
}

/** A leaf with embedded SCTs from the given logs, signed over the precertificate. */
function leafWithScts(logs: readonly number[], forge = false): GeneratedCertificate {
  // the precertificate: the same TBS without the SCT extension (so: sign over a leaf made without it, same key/serial/dates)
  const notBefore = new Date(Math.floor((now.getTime() - DAY) / 1000) * 1000);
  const base = { ...leafOpts, serial: '0a0b0c', notBefore, notAfter: new Date(notBefore.getTime() + 90 * DAY) };
  const pre = gen(base);
  const ts = now.getTime() - 3_600_000;
  const scts = logs.map((i) => {
    const data = sctSignedData(provider, { timestamp: ts, extensions: new Uint8Array(0), source: 'embedded' }, pre.cert, inter.cert);
    const sig = provider.sign(0x0403, logKeys[i]!, data);
    if (forge) sig[sig.length - 1]! ^= 1;
    return encodeSct({ logId: provider.hash('sha256', logSpkis[i]!), timestamp: ts, extensions: new Uint8Array(0), scheme: 0x0403, signature: sig });
  });
  return gen({ ...base, extraExtensions: [ext(EXT_OID.sctList, false, derOctetString(encodeSctList(scts)))] });
}

test('CT: embedded SCTs verified against the log list; policy of 2 from distinct operators', () => {
  const policy = { minScts: 2, minOperators: 2 };
  const two = run(leafWithScts([0, 2]), [inter], { ct: { logs: logList, policy } });
  assert.ok(two.ok && two.scts.filter((s) => s.ok).length === 2, two.ok ? '' : two.error.message);
  fails(run(leafWithScts([0, 1]), [inter], { ct: { logs: logList, policy } }), 'CT_POLICY_NOT_MET', 'ct', 0, /2 valid SCT\(s\) from 1 log operator/);
  fails(run(leafWithScts([2]), [inter], { ct: { logs: logList, policy } }), 'CT_POLICY_NOT_MET', 'ct', 0, /1 valid SCT/);
  fails(run(leaf, [inter], { ct: { logs: logList, policy } }), 'CT_POLICY_NOT_MET', 'ct', 0, /0 valid SCT/);
  fails(run(leafWithScts([0, 2], true), [inter], { ct: { logs: logList, policy } }), 'CT_POLICY_NOT_MET', 'ct', 0, /signature does not verify/);
  // without a policy, SCTs are only reported
  const rep = run(leafWithScts([0, 2], true), [inter], { ct: { logs: logList } });
  assert.ok(rep.ok && rep.scts.every((s) => !s.ok));
  // an SCT in the OCSP response (x509_entry over the certificate)
  const ts = now.getTime() - 1000;
  const data = sctSignedData(provider, { timestamp: ts, extensions: new Uint8Array(0), source: 'ocsp' }, leaf.cert, inter.cert);
  const sct = encodeSct({ logId: provider.hash('sha256', logSpkis[2]!), timestamp: ts, extensions: new Uint8Array(0), scheme: 0x0403, signature: provider.sign(0x0403, logKeys[2]!, data) });
  const ocsp = makeOcsp(leaf, inter, 'good', { singleExtensions: [encodeExtension(EXT_OID.ocspSctList, false, derOctetString(encodeSctList([sct])))] });
  const viaOcsp = run(leaf, [inter], { ocspResponses: [ocsp], ct: { logs: logList, policy: { minScts: 1, minOperators: 1 } } });
  assert.ok(viaOcsp.ok && viaOcsp.scts[0]?.sct.source === 'ocsp', viaOcsp.ok ? '' : viaOcsp.error.message);
  // and via TLS
  const viaTls = run(leaf, [inter], { ct: { logs: logList, tlsSctList: encodeSctList([sct]), policy: { minScts: 1, minOperators: 1 } } });
  assert.ok(viaTls.ok, viaTls.ok ? '' : viaTls.error.message);
});
