// Path-validation conformance: our own cases for the categories public suites (e.g. C2SP
// x509-limbo) cover — RFC 5280 profile (AKI/SKI, basicConstraints, keyUsage, serial numbers,
// validity encodings, critical extensions, SAN), trust-anchor handling, pathLen, name
// constraints, EKU, and the CA/Browser Forum rules for TLS server certificates. Each case builds
// its certificates with generate.ts and states the expected verdict of verifyCertificateChain
// (strict RFC 5280 + CA/B Forum behaviour, the defaults).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeCryptoProvider as provider } from '../crypto/node-provider.js';
import type { PrivateKey } from '../crypto/provider.js';
import type { ChainResult } from './chain.js';
import { derBitString, derBoolean, derImplicit, derInteger, derOctetString, derOid, derSequence, derTlv } from './der.js';
import { encodeAuthorityInfoAccess, encodeNameConstraints, type GeneralName } from './ext.js';
import { generateCertificate, generateCrl, keyIdentifier, type GenerateCertificateOptions, type GeneratedCertificate } from './generate.js';
import { OID } from './oids.js';
import { verifyCertificateChain, type VerifyChainOptions } from './path.js';
import { measureWork } from '../wire/work.js';

type Ext = { oid: string; critical: boolean; value: Uint8Array };
const gen = (o: GenerateCertificateOptions): GeneratedCertificate => generateCertificate(o, provider);
const ext = (oid: string, critical: boolean, value: Uint8Array): Ext => ({ oid, critical, value });
const san = (names: readonly Uint8Array[], critical = false): Ext => ext(OID.subjectAltName, critical, derSequence(...names));
const dns = (name: string): Uint8Array => derImplicit(2, new TextEncoder().encode(name));
const eku = (oids: readonly string[], critical = false): Ext => ext(OID.extKeyUsage, critical, derSequence(...oids.map((o) => derOid(o))));
const bc = (ca: boolean, critical = true, pathLen?: number): Ext => ext(OID.basicConstraints, critical, derSequence(...(ca ? [derBoolean(true)] : []), ...(pathLen !== undefined ? [derInteger(pathLen)] : [])));
const ku = (bits: readonly number[], critical = true): Ext => {
  let v = 0;
  for (const b of bits) v |= 0x80 >> b;
  return ext(OID.keyUsage, critical, bits.length === 0 ? derBitString(Uint8Array.of(0), 0) : derBitString(Uint8Array.of(v), 0));
};
const nc = (permitted: readonly GeneralName[] | undefined, excluded: readonly GeneralName[] | undefined, critical = true): Ext =>
  ext(OID.nameConstraints, critical, encodeNameConstraints({ ...(permitted !== undefined ? { permitted } : {}), ...(excluded !== undefined ? { excluded } : {}) }));
const PRECERT = '1.3.6.1.4.1.11129.2.4.4';
const UNKNOWN = '1.3.6.1.4.1.55555.666.1';

let n = 0;
function root(o: Partial<GenerateCertificateOptions> = {}): GeneratedCertificate {
  return gen({ subject: { CN: `Conformance Root ${++n}` }, isCA: true, ...o });
}
function ica(issuer: GeneratedCertificate, o: Partial<GenerateCertificateOptions> = {}): GeneratedCertificate {
  return gen({ subject: { CN: `Conformance Intermediate ${++n}` }, isCA: true, issuer, ...o });
}
function ee(issuer: GeneratedCertificate, o: Partial<GenerateCertificateOptions> = {}): GeneratedCertificate {
  // the Common Name repeats the first DNS name (CA/B BR §7.1.4.3)
  return gen({ subject: { CN: o.dnsNames?.[0] ?? 'example.com' }, issuer, dnsNames: ['example.com'], extKeyUsage: ['serverAuth'], ...o });
}

interface Case {
  readonly leaf: GeneratedCertificate;
  readonly chain?: readonly GeneratedCertificate[];
  readonly anchors: readonly GeneratedCertificate[];
  readonly host?: string | null;
  readonly ip?: string;
  readonly time?: Date;
  readonly opts?: Partial<VerifyChainOptions>;
}

function verify(c: Case): ChainResult {
  const host = c.host === undefined ? 'example.com' : c.host;
  return verifyCertificateChain({
    leaf: c.leaf.certDer,
    intermediates: (c.chain ?? []).map((x) => x.certDer),
    trustAnchors: c.anchors.map((x) => x.certDer),
    ...(host !== null && c.ip === undefined ? { hostname: host } : {}),
    ...(c.ip !== undefined ? { ip: c.ip } : {}),
    ...(c.time !== undefined ? { time: c.time } : {}),
    ...c.opts,
  });
}

function accepts(name: string, c: Case): void {
  const r = verify(c);
  assert.ok(r.ok, `${name}: expected success, got ${r.ok ? '' : `${r.error.code}: ${r.error.message}`}`);
}

function rejects(name: string, c: Case, message?: RegExp): void {
  const r = verify(c);
  assert.equal(r.ok, false, `${name}: expected a failure`);
  if (!r.ok && message !== undefined) assert.match(r.error.message, message, name);
}

test('trust anchors: the anchor itself must be a well-formed CA certificate', () => {
  const unknownCrit = root({ extraExtensions: [ext(UNKNOWN, true, derSequence())] });
  rejects('unknown critical extension in the root', { leaf: ee(unknownCrit), anchors: [unknownCrit] }, /critical extension/);
  const noBc = root({ omitExtensions: [OID.basicConstraints] });
  rejects('root without basicConstraints', { leaf: ee(noBc), anchors: [noBc] }, /basicConstraints/);
  const nonCritBc = root({ replaceExtensions: [bc(true, false)] });
  rejects('root with non-critical basicConstraints', { leaf: ee(nonCritBc), anchors: [nonCritBc] }, /basicConstraints is not critical/);
  const noCertSign = root({ replaceExtensions: [ku([], false)] });
  rejects('root whose keyUsage has no bits (so no keyCertSign)', { leaf: ee(noCertSign), anchors: [noCertSign] });
  const k = provider.generateSigningKey('p256');
  const critAkiRoot = gen({ subject: { CN: 'Critical AKI Root' }, isCA: true, key: k, replaceExtensions: [ext(OID.authorityKeyIdentifier, true, derSequence(derImplicit(0, keyIdentifier(provider, provider.publicKeyOf(k)))))] });
  rejects('root with a critical authorityKeyIdentifier', { leaf: ee(critAkiRoot), anchors: [critAkiRoot] }, /authorityKeyIdentifier critical/);
  const critSki = root({ replaceExtensions: [ext(OID.subjectKeyIdentifier, true, derOctetString(Uint8Array.of(1, 2, 3, 4)))] });
  rejects('root with a critical subjectKeyIdentifier', { leaf: ee(critSki), anchors: [critSki] }, /subjectKeyIdentifier critical/);
  const noSki = root({ omitExtensions: [OID.subjectKeyIdentifier] });
  rejects('root without subjectKeyIdentifier', { leaf: ee(noSki), anchors: [noSki] }, /subjectKeyIdentifier/);
  const noAki = root({ omitExtensions: [OID.authorityKeyIdentifier] });
  accepts('self-signed root without authorityKeyIdentifier', { leaf: ee(noAki), anchors: [noAki] });
  const akiNoKeyId = root({ replaceExtensions: [ext(OID.authorityKeyIdentifier, false, derSequence())] });
  rejects('root whose authorityKeyIdentifier has no keyIdentifier', { leaf: ee(akiNoKeyId), anchors: [akiNoKeyId] }, /keyIdentifier/);
  const other = provider.generateSigningKey('p256');
  const akiMismatch = root({ replaceExtensions: [ext(OID.authorityKeyIdentifier, false, derSequence(derImplicit(0, keyIdentifier(provider, provider.publicKeyOf(other)))))] });
  rejects('self-signed root whose authorityKeyIdentifier differs from its subjectKeyIdentifier', { leaf: ee(akiMismatch), anchors: [akiMismatch] }, /differs from its subjectKeyIdentifier/);
  const akiIssuer = root({ replaceExtensions: [ext(OID.authorityKeyIdentifier, false, derSequence(derImplicit(0, Uint8Array.of(1)), derImplicit(2, Uint8Array.of(5))))] });
  rejects('root with authorityCertSerialNumber in its authorityKeyIdentifier', { leaf: ee(akiIssuer), anchors: [akiIssuer] }, /authorityCertIssuer|authorityCertSerialNumber/);
  const emptySubject = root({ subjectName: derSequence() });
  rejects('root with an empty subject', { leaf: ee(emptySubject, { issuerName: derSequence() }), anchors: [emptySubject] });
  const withEku = root({ extraExtensions: [eku([OID.serverAuth])] });
  rejects('root with extKeyUsage (CA/B BR §7.1.2.1.2)', { leaf: ee(withEku), anchors: [withEku] }, /extKeyUsage/);
  const ncNonCrit = root({ extraExtensions: [nc([{ type: 'dns', value: 'example.com' }], undefined, false)] });
  rejects('root with non-critical nameConstraints (RFC 5280 §4.2.1.10)', { leaf: ee(ncNonCrit), anchors: [ncNonCrit] }, /nameConstraints/);
  // a cross-signed certificate used as the trust anchor needs an authorityKeyIdentifier
  const xsigner = root();
  const xsigned = ica(xsigner, { pathLen: 0, omitExtensions: [OID.authorityKeyIdentifier] });
  rejects('cross-signed anchor without authorityKeyIdentifier', { leaf: ee(xsigned), anchors: [xsigned] }, /authorityKeyIdentifier/);
  // the intermediate may itself be the anchor; a root sent along is ignored
  const r = root();
  const i = ica(r);
  accepts('intermediate as the trust anchor, the root among the untrusted certificates', { leaf: ee(i), chain: [r], anchors: [i] });
  rejects('the root only among the untrusted certificates', { leaf: ee(i), chain: [i, r], anchors: [root()] });
});

test('intermediates and leaves: RFC 5280 profile', () => {
  const r = root();
  rejects('intermediate with cA false', { leaf: ee(ica(r, { replaceExtensions: [bc(false)] })), chain: [], anchors: [r] });
  const noBc = ica(r, { omitExtensions: [OID.basicConstraints] });
  rejects('intermediate without basicConstraints', { leaf: ee(noBc), chain: [noBc], anchors: [r] });
  const unk = ica(r, { pathLen: 0, extraExtensions: [ext(UNKNOWN, true, derSequence())] });
  rejects('intermediate with an unknown critical extension', { leaf: ee(unk), chain: [unk], anchors: [r] }, /critical extension/);
  rejects('leaf with an unknown critical extension', { leaf: ee(r, { extraExtensions: [ext(UNKNOWN, true, derSequence())] }), anchors: [r] });
  const noCertSign = ica(r, { pathLen: 0, replaceExtensions: [ku([], false)] });
  rejects('intermediate with pathLen and no keyCertSign', { leaf: ee(noCertSign), chain: [noCertSign], anchors: [r] });
  rejects('leaf with keyCertSign but cA false', { leaf: ee(r, { replaceExtensions: [ku([0, 5], false)] }), anchors: [r] }, /keyCertSign/);
  const noAki = ica(r, { pathLen: 0, omitExtensions: [OID.authorityKeyIdentifier] });
  rejects('intermediate without authorityKeyIdentifier', { leaf: ee(noAki), chain: [noAki], anchors: [r] }, /authorityKeyIdentifier/);
  rejects('leaf without authorityKeyIdentifier', { leaf: ee(r, { omitExtensions: [OID.authorityKeyIdentifier] }), anchors: [r] }, /authorityKeyIdentifier/);
  const noSki = ica(r, { omitExtensions: [OID.subjectKeyIdentifier] });
  rejects('intermediate without subjectKeyIdentifier', { leaf: ee(noSki), chain: [noSki], anchors: [r] }, /subjectKeyIdentifier/);
  accepts('leaf without keyUsage', { leaf: ee(r, { omitExtensions: [OID.keyUsage] }), anchors: [r] });
  accepts('leaf without basicConstraints', { leaf: ee(r, { omitExtensions: [OID.basicConstraints] }), anchors: [r] });
  rejects('leaf with a 22-octet serial number', { leaf: ee(r, { serial: '7f' + '11'.repeat(21) }), anchors: [r] }, /serial/);
  rejects('leaf with serial number 0', { leaf: ee(r, { serial: new Uint8Array([0]) }), anchors: [r] });
  rejects('leaf with an empty issuer name', { leaf: ee(r, { issuerName: derSequence() }), anchors: [r] });
  rejects('leaf with a critical authorityInfoAccess', { leaf: ee(r, { extraExtensions: [ext(OID.authorityInfoAccess, true, encodeAuthorityInfoAccess({ caIssuers: ['http://ca.example/ca.cer'] }))] }), anchors: [r] });
  accepts('leaf with authorityInfoAccess', { leaf: ee(r, { extraExtensions: [ext(OID.authorityInfoAccess, false, encodeAuthorityInfoAccess({ caIssuers: ['http://ca.example/ca.cer'] }))] }), anchors: [r] });
  rejects('leaf with a malformed authorityInfoAccess', { leaf: ee(r, { extraExtensions: [ext(OID.authorityInfoAccess, false, new TextEncoder().encode('malformed'))] }), anchors: [r] });
  // the parser refuses these outright (so does verifyCertificateChain, which parses with it)
  assert.throws(() => ee(r, { dnsNames: [], extraExtensions: [ext(OID.subjectAltName, false, new TextEncoder().encode('example.com'))] }), /SubjectAltName: expected tag 0x30/);
  assert.throws(() => ee(r, { extraExtensions: [san([dns('example.com')])] }), /duplicate extension 2\.5\.29\.17/);
  rejects('leaf with an empty subject and a non-critical subjectAltName', { leaf: ee(r, { subjectName: derSequence() }), anchors: [r] });
  rejects('v1 leaf (CA/B BR §7.1.1: v3 only)', { leaf: ee(r, { version: 1 }), anchors: [r] });
});

test('validity: inclusive bounds, compared at whole seconds', () => {
  const nb = new Date('2024-03-01T00:00:00Z');
  const na = new Date('2024-04-01T00:00:00Z');
  const r = root({ notBefore: nb, notAfter: na });
  const i = ica(r, { notBefore: nb, notAfter: na });
  const l = ee(i, { notBefore: nb, notAfter: na });
  accepts('at notBefore exactly', { leaf: l, chain: [i], anchors: [r], time: nb });
  accepts('at notAfter exactly', { leaf: l, chain: [i], anchors: [r], time: na });
  accepts('5 ms after notAfter (the same second)', { leaf: l, chain: [i], anchors: [r], time: new Date(na.getTime() + 5) });
  const nb1 = new Date(nb.getTime() + 1000);
  const r1 = root({ notBefore: nb1, notAfter: na });
  rejects('1 ms before notBefore', { leaf: ee(r1, { notBefore: nb1, notAfter: na }), anchors: [r1], time: new Date(nb1.getTime() - 1) });
  const old = root({ notBefore: new Date('2016-01-01T00:00:00Z'), notAfter: new Date('2020-01-01T00:00:00Z') });
  rejects('expired root', { leaf: ee(old, { notBefore: new Date('2018-01-01T00:00:00Z'), notAfter: new Date('2023-01-01T00:00:00Z') }), anchors: [old], time: new Date('2022-01-01T00:00:00Z') }, /expired/);
  // dates from 2050 on are GeneralizedTime (RFC 5280 §4.1.2.5)
  const far = root({ notBefore: new Date('1970-01-01T00:00:01Z'), notAfter: new Date('2969-05-03T00:00:01Z') });
  const gtRoot = root();
  rejects('GeneralizedTime for a date before 2050 (RFC 5280 §4.1.2.5)', { leaf: ee(gtRoot, { generalizedTimeValidity: true }), anchors: [gtRoot] }, /encodes notBefore as GeneralizedTime/);
  accepts('validity from 1970 to 2969', { leaf: ee(far, { notBefore: new Date('1970-01-01T00:00:01Z'), notAfter: new Date('2969-05-03T00:00:01Z') }), anchors: [far] });
});

test('pathLenConstraint: the leaf does not count, self-issued intermediates do not count, it may not grow', () => {
  const r = root();
  const p1 = ica(r, { pathLen: 1 });
  const p2 = ica(p1, { pathLen: 2 });
  accepts('pathLen 1 then 2', { leaf: ee(p2), chain: [p2, p1], anchors: [r] });
  const a0 = ica(r, { pathLen: 0 });
  const b0 = ica(a0, { pathLen: 0 });
  rejects('pathLen 0 then another CA', { leaf: ee(b0), chain: [a0, b0], anchors: [r] }, /pathLen/);
  const q1 = ica(r, { pathLen: 1 });
  const q0 = ica(q1, { pathLen: 0 });
  const q00 = ica(q0, { pathLen: 0 });
  rejects('pathLen 1, 0, 0', { leaf: ee(q00), chain: [q1, q0, q00], anchors: [r] });
  // self-issued: same subject as its issuer, another key
  const s1 = ica(r, { pathLen: 1, subject: { CN: 'Self-Issued CA' } });
  const s1b = gen({ subject: { CN: 'Self-Issued CA' }, isCA: true, pathLen: 1, issuer: s1 });
  const s0 = ica(s1b, { pathLen: 0 });
  accepts('a self-issued certificate is not counted', { leaf: ee(s0), chain: [s1, s1b, s0], anchors: [r] });
});

test('name constraints, including on the trust anchor', () => {
  const permitted = root({ extraExtensions: [nc([{ type: 'dns', value: 'example.com' }], undefined)] });
  rejects('outside the root permitted subtree', { leaf: ee(permitted, { dnsNames: ['not-example.com'] }), anchors: [permitted], host: 'not-example.com' }, /permits/);
  accepts('labels added on the left', { leaf: ee(permitted, { dnsNames: ['foo.bar.example.com'] }), anchors: [permitted], host: 'foo.bar.example.com' });
  const excluded = root({ extraExtensions: [nc(undefined, [{ type: 'dns', value: 'not-allowed.example.com' }])] });
  rejects('the second SAN excluded', { leaf: ee(excluded, { dnsNames: ['example.com', 'not-allowed.example.com'] }), anchors: [excluded] }, /excludes/);
  const ipRoot = root({ extraExtensions: [nc([{ type: 'ip', bytes: Uint8Array.of(192, 0, 2, 0, 255, 255, 255, 0) }], undefined)] });
  accepts('IP inside the permitted /24', { leaf: ee(ipRoot, { dnsNames: [], ipAddresses: ['192.0.2.1'], subject: { CN: '192.0.2.1' } }), anchors: [ipRoot], ip: '192.0.2.1' });
  rejects('IP outside the permitted /24', { leaf: ee(ipRoot, { dnsNames: [], ipAddresses: ['192.0.3.1'], subject: { CN: '192.0.3.1' } }), anchors: [ipRoot], ip: '192.0.3.1' });
});

test('CA/Browser Forum rules for TLS server certificates', () => {
  const r = root();
  accepts('serverAuth + clientAuth', { leaf: ee(r, { extKeyUsage: ['serverAuth', 'clientAuth'] }), anchors: [r] });
  accepts('no extKeyUsage (RFC 5280 §4.2.1.12)', { leaf: ee(r, { extKeyUsage: [] }), anchors: [r] });
  rejects('clientAuth only', { leaf: ee(r, { extKeyUsage: ['clientAuth'] }), anchors: [r] }, /not valid for serverAuth/);
  for (const [name, oids] of [
    ['anyExtendedKeyUsage', [OID.serverAuth, OID.anyExtendedKeyUsage]],
    ['precertificate signing only', [PRECERT]],
    ['precertificate signing with serverAuth', [OID.serverAuth, PRECERT]],
    ['codeSigning with serverAuth', [OID.serverAuth, OID.codeSigning]],
    ['emailProtection with serverAuth', [OID.serverAuth, OID.emailProtection]],
    ['timeStamping with serverAuth', [OID.serverAuth, OID.timeStamping]],
    ['OCSPSigning with serverAuth', [OID.serverAuth, OID.OCSPSigning]],
  ] as const) {
    rejects(`leaf extKeyUsage: ${name}`, { leaf: ee(r, { extKeyUsage: [], extraExtensions: [eku(oids)] }), anchors: [r] }, /extKeyUsage/);
  }
  rejects('critical extKeyUsage in a subscriber certificate', { leaf: ee(r, { extKeyUsage: [], extraExtensions: [eku([OID.serverAuth], true)] }), anchors: [r] }, /extKeyUsage/);
  // the same certificates are fine for client authentication
  accepts('codeSigning with clientAuth, client purpose', { leaf: ee(r, { extKeyUsage: [], extraExtensions: [eku([OID.clientAuth, OID.codeSigning])] }), anchors: [r], host: null, opts: { purpose: 'clientAuth' } });
  rejects('critical subjectAltName with a non-empty subject', { leaf: ee(r, { dnsNames: [], extraExtensions: [san([dns('example.com')], true)], subject: { CN: 'something-else' } }), anchors: [r] }, /subjectAltName/);
  rejects('no subjectAltName: the Common Name is not used', { leaf: ee(r, { dnsNames: [] }), anchors: [r] });
  rejects('a CA certificate as the leaf', { leaf: ee(r, { isCA: true }), anchors: [r] }, /end-entity/);
  const rsaKey = provider.generateSigningKey('rsa2048');
  rejects('RSA leaf whose keyUsage has no bit set', { leaf: ee(r, { key: rsaKey, replaceExtensions: [ku([], true)] }), anchors: [r] }, /keyUsage/);
  // CA/B BR §7.1.4.3 on request (checkCommonName)
  const cn = { checkCommonName: true };
  accepts('Common Name not among the subjectAltNames, not checked by default', { leaf: ee(r, { subject: { CN: 'notinsan.example.com' } }), anchors: [r] });
  rejects('Common Name not among the subjectAltNames', { leaf: ee(r, { subject: { CN: 'notinsan.example.com' }, dnsNames: ['example.com', 'another.example.com'] }), anchors: [r], opts: cn }, /Common Name/);
  rejects('Common Name differs from the dNSName in case', { leaf: ee(r, { subject: { CN: 'Example.COM' } }), anchors: [r], opts: cn }, /Common Name/);
  rejects('Common Name IPv4 with leading zeros', { leaf: ee(r, { subject: { CN: '192.168.001.001' }, dnsNames: [], ipAddresses: ['192.168.1.1'] }), anchors: [r], ip: '192.168.1.1', opts: cn }, /Common Name/);
  rejects('Common Name IPv6 not in RFC 5952 form', { leaf: ee(r, { subject: { CN: '2001:DB8::8A2E:370:7334' }, dnsNames: [], ipAddresses: ['2001:db8::8a2e:370:7334'] }), anchors: [r], ip: '2001:db8::8a2e:370:7334', opts: cn }, /Common Name/);
  accepts('Common Name IPv6 in RFC 5952 form', { leaf: ee(r, { subject: { CN: '2001:db8::1:0:0:1' }, dnsNames: [], ipAddresses: ['2001:db8::1:0:0:1'] }), anchors: [r], ip: '2001:db8::1:0:0:1', opts: cn });
  accepts('Common Name equal to a dNSName', { leaf: ee(r, { subject: { CN: 'www.example.com' }, dnsNames: ['example.com', 'www.example.com'] }), anchors: [r], opts: cn });
  // a dNSName must be IA5 (RFC 5280 §4.2.1.6, §7.2: A-labels)
  assert.throws(() => ee(r, { dnsNames: [], extraExtensions: [san([derTlv(0x82, new TextEncoder().encode('😜.example.com'))])] }), /SubjectAltName\.dNSName: non-printable character in IA5String/);
  // wildcards (RFC 6125 §6.4.3)
  const wild = (pattern: string, host: string, ok: boolean): void => {
    const c = { leaf: ee(r, { subject: { CN: pattern }, dnsNames: [pattern] }), anchors: [r], host };
    if (ok) accepts(`${pattern} vs ${host}`, c);
    else rejects(`${pattern} vs ${host}`, c);
  };
  wild('*.example.com', 'foo.example.com', true);
  wild('*.example.com', 'foo.bar.example.com', false);
  wild('*.com', 'example.com', false);
  wild('ba*.example.com', 'baz.example.com', false);
  wild('foo.*.example.com', 'foo.bar.example.com', false);
  wild('xn--*-1b3c148a.example.com', 'xn--bliss-1b3c148a.example.com', false);
});

test('the relaxed profile (the handshake verifier) keeps accepting what RFC 5280 alone allows', () => {
  const r = root({ extraExtensions: [eku([OID.serverAuth])] });
  const leaf = ee(r, { subject: { CN: 'other-name' }, extKeyUsage: [], extraExtensions: [eku([OID.serverAuth, OID.clientAuth, OID.emailProtection])] });
  rejects('strict', { leaf, anchors: [r] });
  accepts('strict, but the anchor taken as an input (a vetted root store)', { leaf: ee(r), anchors: [r], opts: { anchorProfile: false } });
  accepts('strictProfile: false', { leaf, anchors: [r], opts: { strictProfile: false } });
});

test('CRLs supplied with the chain: empty, very large, duplicate serial, wrong key, bad signature', () => {
  const r = root();
  const leaf = ee(r);
  const other = root();
  accepts('an empty CRL', { leaf, anchors: [r], opts: { crls: [generateCrl({ issuer: r }, provider).der] } });
  const many = Array.from({ length: 10_000 }, (_, i) => ({ serial: BigInt(i + 1) * 7919n, date: new Date('2023-01-01T00:00:00Z') }));
  const large = generateCrl({ issuer: r, revoked: many }, provider).der;
  // linear work, counted: one duplicate-serial probe per entry while parsing (a scan of the
  // earlier entries would be 50M), one pass over the entries per certificate looked up
  const { work } = measureWork(() => accepts('a CRL with 10,000 entries', { leaf, anchors: [r], opts: { crls: [large] } }));
  assert.ok(work.duplicateProbes >= 10_000 && work.duplicateProbes <= 20_000, `${work.duplicateProbes} duplicate probes for 10,000 entries`);
  assert.ok(work.crlEntriesScanned >= 10_000 && work.crlEntriesScanned <= 20_000, `${work.crlEntriesScanned} entries scanned for one lookup`);
  const dup = generateCrl({ issuer: r, revoked: [{ serial: 42n }, { serial: 42n }] }, provider).der;
  rejects('a CRL listing one serial twice', { leaf, anchors: [r], opts: { crls: [dup] } }, /CRL 0 is malformed: .*listed twice/);
  // same issuer name, the other root's key (and key identifier)
  const sameName = gen({ subject: { CN: r.cert.subject.text.replace(/^CN=/, '') }, isCA: true, key: other.key });
  assert.deepEqual(sameName.cert.subject.raw, r.cert.subject.raw);
  const foreign = generateCrl({ issuer: sameName, revoked: [{ serial: 42n }] }, provider).der;
  rejects('a CRL in the issuer\'s name signed with another key', { leaf, anchors: [r, other], opts: { crls: [foreign] } }, /names another key/);
  const forged = generateCrl({ issuer: { cert: r.cert, key: other.key }, revoked: [{ serial: 42n }] }, provider).der;
  rejects('a CRL with the issuer\'s key identifier and a bad signature', { leaf, anchors: [r], opts: { crls: [forged] } }, /does not verify/);
  rejects('the leaf revoked', { leaf, anchors: [r], opts: { crls: [generateCrl({ issuer: r, revoked: [{ serial: leaf.cert.serialRaw }] }, provider).der] } }, /revoked/);
});

test('pathological chains: the "chain of pain" (an expired cross-sign of a trusted root) and intermediate cycles', () => {
  const r = root();
  const r2 = root();
  // r's name and key, issued by r2, long expired: the builder must take r itself as the anchor
  const expiredCross = gen({ subject: { CN: r.cert.subject.text.replace(/^CN=/, '') }, key: r.key, isCA: true, pathLen: 1, issuer: r2, notBefore: new Date('1980-01-01T00:00:00Z'), notAfter: new Date('1988-11-25T00:00:00Z') });
  accepts('expired cross-signed copy of a trusted root among the intermediates', { leaf: ee(r), chain: [expiredCross], anchors: [r, r2] });
  // two CAs that sign each other, neither under the trusted root
  const k1 = provider.generateSigningKey('p256');
  const k2 = provider.generateSigningKey('p256');
  const seed = gen({ subject: { CN: 'Cycle CA 2' }, key: k2, isCA: true });
  const ca1 = gen({ subject: { CN: 'Cycle CA 1' }, key: k1, isCA: true, issuer: { cert: seed.cert, key: k2 } });
  const ca2 = gen({ subject: { CN: 'Cycle CA 2' }, key: k2, isCA: true, issuer: { cert: ca1.cert, key: k1 } });
  // the cycle is not followed: the search examines the same few partial paths whatever maxDepth
  // allows (following ca1 → ca2 → ca1 … would take maxDepth steps, 255 here)
  const steps: number[] = [];
  for (const maxDepth of [8, 255]) {
    const leafOfCa1 = ee(ca1);
    const { work } = measureWork(() => rejects(`an intermediate cycle (maxDepth ${maxDepth})`, { leaf: leafOfCa1, chain: [ca1, ca2], anchors: [r], opts: { maxDepth } }, /no path to a trusted root|no trust anchor within/));
    steps.push(work.pathSearchSteps);
  }
  assert.ok(steps[0] === steps[1] && (steps[0] ?? 0) >= 2 && (steps[0] ?? 99) <= 4, `search steps at maxDepth 8 and 255: ${steps.join(', ')}`);
  // the same logical CA (same name) with two keys signing each other
  const s1 = provider.generateSigningKey('p256');
  const s2 = provider.generateSigningKey('p256');
  const sSeed = gen({ subject: { CN: 'Same Logical CA' }, key: s2, isCA: true });
  const same1 = gen({ subject: { CN: 'Same Logical CA' }, key: s1, isCA: true, issuer: { cert: sSeed.cert, key: s2 } });
  const same2 = gen({ subject: { CN: 'Same Logical CA' }, key: s2, isCA: true, issuer: { cert: same1.cert, key: s1 } });
  rejects('a same-name cycle', { leaf: ee(same1), chain: [same1, same2], anchors: [r] });
});

test('a mesh of mutually cross-signed CAs resolves through the trusted one (as in CVE-2024-0567); a wildcard under name constraints (CVE-2025-61727)', () => {
  const key = (): PrivateKey => provider.generateSigningKey('p256');
  const [a, b, c, a1k, b1k, c1k] = [key(), key(), key(), key(), key(), key()];
  const ca = (cn: string, key: PrivateKey, issuer: GeneratedCertificate): GeneratedCertificate => gen({ subject: { CN: cn }, key, isCA: true, issuer });
  const rootA = gen({ subject: { CN: 'Root A' }, key: a, isCA: true });
  const seedB = gen({ subject: { CN: 'Root B' }, key: b, isCA: true });
  const seedC = gen({ subject: { CN: 'Root C' }, key: c, isCA: true });
  const a1 = ca('Intermediate A1', a1k, rootA);
  const mesh = [a1, ca('Root A', a, seedB), ca('Root A', a, seedC), ca('Intermediate B1', b1k, seedB), ca('Root B', b, rootA), ca('Root B', b, seedC), ca('Intermediate C1', c1k, seedC), ca('Root C', c, rootA), ca('Root C', c, seedB)];
  const leaf = gen({ subject: { CN: 'cve-2024-0567.example.com' }, issuer: a1, dnsNames: ['cve-2024-0567.example.com'], extKeyUsage: ['serverAuth'] });
  accepts('leaf → A1 → (A ↔ B ↔ C), Root A trusted', { leaf, chain: mesh.slice().reverse(), anchors: [rootA], host: 'cve-2024-0567.example.com' });
  const r = root();
  const excl = ica(r, { extraExtensions: [nc([{ type: 'dns', value: 'example.com' }], [{ type: 'dns', value: 'bar.example.com' }])] });
  rejects('*.example.com under an exclusion of bar.example.com', { leaf: ee(excl, { dnsNames: ['*.example.com'] }), chain: [excl], anchors: [r], host: 'bar.example.com' }, /excludes/);
  const perm = ica(r, { extraExtensions: [nc([{ type: 'dns', value: 'foo.example.com' }], undefined)] });
  rejects('*.example.com under a permitted foo.example.com', { leaf: ee(perm, { dnsNames: ['*.example.com'] }), chain: [perm], anchors: [r], host: 'foo.example.com' }, /permits/);
});
