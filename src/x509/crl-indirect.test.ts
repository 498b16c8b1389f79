// Indirect CRLs (RFC 5280 §4.2.1.13 cRLIssuer, §5.2.5 indirectCRL, §5.3.3 certificateIssuer,
// §6.3.3 (b)(1), (f)): a CRL issued by a separate CRL issuer for certificates of another CA, the
// CRL issuer's certificate validated to the same trust anchor, entries matched by issuer and
// serial, and the cases that must not count (no cRLIssuer in the certificate, no indirectCRL
// flag, a CRL issuer under another anchor, certificateIssuer in a CRL that is not indirect).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeCryptoProvider as provider } from '../crypto/node-provider.js';
import type { ChainResult } from './chain.js';
import { parseCrl } from './crl.js';
import { encodeIndirectCrlDistributionPoint } from './ext.js';
import { generateCertificate, generateCrl, type GeneratedCertificate } from './generate.js';
import { OID } from './oids.js';
import { assertOnlyTlsErrors } from '../../test/helpers/mutations.js';
import { verifyCertificateChain } from './path.js';

const gen = (o: Parameters<typeof generateCertificate>[0]): GeneratedCertificate => generateCertificate(o, provider);
const root = gen({ subject: { CN: 'Indirect Root' }, isCA: true });
const ca = gen({ subject: { CN: 'Indirect Issuing CA' }, isCA: true, issuer: root });
// the CRL issuer: a CA under the same root, with cRLSign (and keyCertSign, as a CA)
const crlIssuer = gen({ subject: { CN: 'Indirect CRL Issuer' }, isCA: true, issuer: root, keyUsage: ['keyCertSign', 'cRLSign'] });
const otherRoot = gen({ subject: { CN: 'Other Root' }, isCA: true });
const strangerIssuer = gen({ subject: { CN: 'Indirect CRL Issuer' }, isCA: true, issuer: otherRoot, key: crlIssuer.key }); // same name and key, another anchor
const cdp = (issuerName: Uint8Array) => ({ oid: OID.crlDistributionPoints, critical: false, value: encodeIndirectCrlDistributionPoint(['http://crl.example/indirect.crl'], issuerName) });
const leaf = gen({ subject: { CN: 'indirect.example' }, issuer: ca, dnsNames: ['indirect.example'], extraExtensions: [cdp(crlIssuer.cert.subject.raw)] });
const plainLeaf = gen({ subject: { CN: 'indirect.example' }, issuer: ca, dnsNames: ['indirect.example'] }); // no cRLIssuer

function verify(l: GeneratedCertificate, crls: readonly Uint8Array[], intermediates: readonly GeneratedCertificate[] = [ca, crlIssuer], anchors: readonly GeneratedCertificate[] = [root]): ChainResult {
  return verifyCertificateChain({
    leaf: l.certDer,
    intermediates: intermediates.map((c) => c.certDer),
    trustAnchors: anchors.map((c) => c.certDer),
    hostname: 'indirect.example',
    crls,
    revocation: 'hard',
    revocationScope: 'leaf',
  });
}
const indirectCrl = (revoked: NonNullable<Parameters<typeof generateCrl>[0]['revoked']>, signer: GeneratedCertificate = crlIssuer, indirect = true): Uint8Array =>
  generateCrl({ issuer: signer, revoked, indirect }, provider).der;
const onLeaf = (l: GeneratedCertificate, reason = 'keyCompromise') => ({ serial: l.cert.serialRaw, reason, certificateIssuer: ca.cert.subject.raw });

function status(r: ChainResult): string {
  if (!r.ok) return r.error.code;
  return r.revocation[0]?.status ?? 'none';
}

test('parsing: certificateIssuer entries (critical, a directoryName) inherited by the next entries; only in an indirect CRL', () => {
  const crl = parseCrl(indirectCrl([{ serial: 5n, certificateIssuer: ca.cert.subject.raw }, { serial: 6n }, { serial: 7n, certificateIssuer: root.cert.subject.raw }]));
  assert.equal(crl.issuingDistributionPoint?.indirectCRL, true);
  assert.deepEqual(
    crl.revoked.map((r) => r.certificateIssuer),
    [ca.cert.subject.raw, ca.cert.subject.raw, root.cert.subject.raw],
  );
  // the same serial for two issuers is no duplicate
  parseCrl(indirectCrl([{ serial: 5n, certificateIssuer: ca.cert.subject.raw }, { serial: 5n, certificateIssuer: root.cert.subject.raw }]));
  assert.throws(() => parseCrl(indirectCrl([{ serial: 5n, certificateIssuer: ca.cert.subject.raw }], crlIssuer, false)), /not indirect/);
});

test('an indirect CRL from the CRL issuer the certificate names: revoked, or good when not listed', () => {
  assert.equal(status(verify(leaf, [indirectCrl([onLeaf(leaf)])])), 'CERT_REVOKED');
  assert.equal(status(verify(leaf, [indirectCrl([])])), 'good');
  // the same serial, listed for another CA's certificate: not ours
  assert.equal(status(verify(leaf, [indirectCrl([{ serial: leaf.cert.serialRaw, certificateIssuer: root.cert.subject.raw }])])), 'good');
  // an entry without certificateIssuer is for the CRL issuer's own certificates: not ours
  assert.equal(status(verify(leaf, [indirectCrl([{ serial: leaf.cert.serialRaw }])])), 'good');
});

test('indirect CRLs that do not count, and ones that cannot be relied on', () => {
  // the certificate names no cRLIssuer: another issuer's CRL is out of scope (no status: hard mode fails for that)
  assert.equal(status(verify(plainLeaf, [indirectCrl([onLeaf(plainLeaf)])])), 'UNABLE_TO_GET_CRL');
  // no indirectCRL flag: out of scope
  const notIndirect = generateCrl({ issuer: crlIssuer, revoked: [{ serial: leaf.cert.serialRaw }] }, provider).der;
  assert.equal(status(verify(leaf, [notIndirect])), 'UNABLE_TO_GET_CRL');
  // the CRL issuer's certificate chains to another anchor (§6.3.3 (f): the same anchor is required)
  const r = verify(leaf, [indirectCrl([onLeaf(leaf)], strangerIssuer)], [ca, strangerIssuer], [root, otherRoot]);
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.error.message, /no valid path to the same trust anchor/);
  // no certificate for the CRL issuer at all
  const missing = verify(leaf, [indirectCrl([onLeaf(leaf)])], [ca]);
  assert.equal(missing.ok, false);
  if (!missing.ok) assert.match(missing.error.message, /indirect CRL .* no certificate of that name was supplied/);
  // a CRL issuer without cRLSign
  const noSign = gen({ subject: { CN: 'Indirect CRL Issuer' }, isCA: true, issuer: root, key: crlIssuer.key, keyUsage: ['keyCertSign'] });
  const r2 = verify(leaf, [indirectCrl([onLeaf(leaf)], noSign)], [ca, noSign]);
  assert.equal(r2.ok, false);
  if (!r2.ok) assert.match(r2.error.message, /lacks cRLSign/);
});

test('parseCrl (property): any byte of an indirect CRL changed, cut or inserted gives a Crl or a TlsError, nothing else', () => {
  const der = indirectCrl([onLeaf(leaf), { serial: 9n }, { serial: 10n, certificateIssuer: root.cert.subject.raw }]);
  assertOnlyTlsErrors(der, parseCrl, Number(process.env['FUZZ_RUNS'] ?? 1000));
});
