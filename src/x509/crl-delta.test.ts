// Delta CRLs (RFC 5280 §5.2.4, §5.2.6, §6.3.3 (c), (i)–(k)): parsing the deltaCRLIndicator and
// freshestCRL, choosing the delta CRL that goes with a complete CRL, the combined status (an entry
// on the delta decides; removeFromCRL releases a certificateHold of the complete CRL), delta CRLs
// that must not be used (older, for a newer base, another key), ones that cannot be relied on
// (bad signature, stale), and fetching them from freshestCRL points.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeCryptoProvider as provider } from '../crypto/node-provider.js';
import type { ChainResult } from './chain.js';
import { compareCrlNumbers, deltaCrlFor, parseCrl } from './crl.js';
import { CrlCache } from './crl-fetch.js';
import { derInteger } from './der.js';
import { EXT_OID, encodeCrlDistributionPoints } from './ext.js';
import { generateCertificate, generateCrl, type GenerateCrlOptions, type GeneratedCertificate } from './generate.js';
import { OID } from './oids.js';
import { assertOnlyTlsErrors } from '../../test/helpers/mutations.js';
import { verifyCertificateChain, verifyCertificateChainAsync } from './path.js';

const gen = generateCertificate;
const root = gen({ subject: { CN: 'Delta Root' }, isCA: true }, provider);
const ca = gen({ subject: { CN: 'Delta CA' }, isCA: true, issuer: root }, provider);
const leaf = gen({ subject: { CN: 'delta.example' }, issuer: ca, dnsNames: ['delta.example'] }, provider);
const crl = (o: Omit<GenerateCrlOptions, 'issuer'>, issuer: GeneratedCertificate = ca): Uint8Array => generateCrl({ issuer, ...o }, provider).der;
const onLeaf = (reason: string): NonNullable<GenerateCrlOptions['revoked']> => [{ serial: leaf.cert.serialRaw, reason }];

function verify(crls: readonly Uint8Array[]): ChainResult {
  return verifyCertificateChain({ leaf: leaf.certDer, intermediates: [ca.certDer], trustAnchors: [root.certDer], hostname: 'delta.example', crls, revocation: 'hard', revocationScope: 'leaf' });
}
function revoked(r: ChainResult, reason: RegExp): void {
  assert.equal(r.ok, false, 'expected the leaf revoked');
  if (!r.ok) {
    assert.equal(r.error.code, 'CERT_REVOKED', r.error.message);
    assert.match(r.error.message, reason);
  }
}
function good(r: ChainResult): string {
  assert.ok(r.ok, r.ok ? '' : `${r.error.code}: ${r.error.message}`);
  const s = r.ok ? r.revocation[0] : undefined;
  assert.equal(s?.status, 'good');
  return s?.source ?? '';
}

test('parsing: deltaCRLIndicator (critical, BaseCRLNumber), freshestCRL URIs; CRL numbers compared as integers', () => {
  const d = parseCrl(crl({ crlNumber: 11, deltaOf: 10 }));
  assert.equal(d.isDelta, true);
  assert.deepEqual(d.baseCrlNumber, Uint8Array.of(10));
  const b = parseCrl(crl({ crlNumber: 10, freshestCrl: ['http://crl.example/delta.crl'] }));
  assert.deepEqual([b.isDelta, b.baseCrlNumber, b.freshestCrlUris], [false, undefined, ['http://crl.example/delta.crl']]);
  assert.ok(compareCrlNumbers(Uint8Array.of(0x00, 0x80), Uint8Array.of(0x7f)) > 0);
  assert.ok(compareCrlNumbers(Uint8Array.of(1, 0), Uint8Array.of(0, 0xff)) > 0);
  assert.equal(compareCrlNumbers(Uint8Array.of(0, 5), Uint8Array.of(5)), 0);
  assert.ok(compareCrlNumbers(Uint8Array.of(4), Uint8Array.of(5)) < 0);
  // §5.2.4: the deltaCRLIndicator MUST be critical; a non-critical one makes the CRL unusable
  const tampered = crl({ crlNumber: 11, extraExtensions: [{ oid: EXT_OID.deltaCRLIndicator, critical: false, value: derInteger(10) }] });
  assert.throws(() => parseCrl(tampered), /must be critical/);
  // §5.2.6: freshestCRL MUST be non-critical
  const critical = crl({ crlNumber: 10, extraExtensions: [{ oid: EXT_OID.freshestCRL, critical: true, value: encodeCrlDistributionPoints(['http://x.example/d.crl']) }] });
  assert.throws(() => parseCrl(critical), /must be non-critical/);
});

test('deltaCrlFor: the newest delta CRL for this base, from the same issuer and key, with the same scope', () => {
  const base = parseCrl(crl({ crlNumber: 10 }));
  const d11 = parseCrl(crl({ crlNumber: 11, deltaOf: 10 }));
  const d12 = parseCrl(crl({ crlNumber: 12, deltaOf: 9 }));
  const future = parseCrl(crl({ crlNumber: 14, deltaOf: 13 })); // needs a newer complete CRL
  const older = parseCrl(crl({ crlNumber: 9, deltaOf: 8 })); // nothing newer than the base
  const otherCa = gen({ subject: { CN: 'Delta CA 2' }, isCA: true, issuer: root }, provider);
  const foreign = parseCrl(crl({ crlNumber: 20, deltaOf: 10 }, otherCa));
  assert.equal(deltaCrlFor([d11, future, older, foreign], base), d11);
  assert.equal(deltaCrlFor([d11, d12], base), d12);
  assert.equal(deltaCrlFor([future, older, foreign], base), undefined);
  assert.equal(deltaCrlFor([d11], d12), undefined, 'a delta CRL is no base');
});

test('verification: an entry on the delta CRL decides, else the complete CRL', () => {
  // revoked since the complete CRL: only the delta CRL knows
  revoked(verify([crl({ crlNumber: 10 }), crl({ crlNumber: 11, deltaOf: 10, revoked: onLeaf('keyCompromise') })]), /keyCompromise.*delta CRL/);
  // on hold in the complete CRL, released by the delta CRL (removeFromCRL, §6.3.3 (k))
  revoked(verify([crl({ crlNumber: 10, revoked: onLeaf('certificateHold') })]), /certificateHold/);
  const source = good(verify([crl({ crlNumber: 10, revoked: onLeaf('certificateHold') }), crl({ crlNumber: 11, deltaOf: 10, revoked: onLeaf('removeFromCRL') })]));
  assert.match(source, /with its delta CRL/);
  // revoked in the complete CRL, not mentioned by the delta CRL: still revoked
  revoked(verify([crl({ crlNumber: 10, revoked: onLeaf('superseded') }), crl({ crlNumber: 11, deltaOf: 10 })]), /superseded/);
  // the newest delta CRL is the one used
  revoked(verify([crl({ crlNumber: 10 }), crl({ crlNumber: 11, deltaOf: 10 }), crl({ crlNumber: 12, deltaOf: 10, revoked: onLeaf('affiliationChanged') })]), /affiliationChanged/);
  // a delta CRL that needs a newer complete CRL is not combined with this one
  good(verify([crl({ crlNumber: 10 }), crl({ crlNumber: 14, deltaOf: 13, revoked: onLeaf('keyCompromise') })]));
  // a delta CRL alone says nothing
  const alone = verify([crl({ crlNumber: 11, deltaOf: 10, revoked: onLeaf('keyCompromise') })]);
  assert.equal(alone.ok, false);
  if (!alone.ok) assert.notEqual(alone.error.code, 'CERT_REVOKED', 'no complete CRL: no status (hard mode fails for that)');
});

test('a delta CRL that cannot be relied on fails like its complete CRL would: bad signature, stale', () => {
  const impostor = gen({ subject: { CN: 'Delta CA' }, isCA: true, issuer: root }, provider); // same name, another key
  const forged = generateCrl({ issuer: { cert: ca.cert, key: impostor.key }, crlNumber: 11, deltaOf: 10 }, provider).der;
  const r = verify([crl({ crlNumber: 10 }), forged]);
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.error.message, /signature of the delta CRL .* does not verify/);
  const old = new Date(Date.now() - 30 * 86_400_000);
  const stale = crl({ crlNumber: 11, deltaOf: 10, thisUpdate: old, nextUpdate: new Date(old.getTime() + 86_400_000) });
  const s = verify([crl({ crlNumber: 10 }), stale]);
  assert.equal(s.ok, false);
  if (!s.ok) assert.match(s.error.message, /delta CRL .* is stale/);
});

test('fetching: the delta CRL from the complete CRL\'s freshestCRL point and from the certificate\'s', async () => {
  const cdp = 'http://crl.example/full.crl';
  const fresh = 'http://crl.example/delta.crl';
  const certFresh = 'http://crl.example/cert-delta.crl';
  const leaf2 = gen(
    {
      subject: { CN: 'delta.example' },
      issuer: ca,
      dnsNames: ['delta.example'],
      extraExtensions: [
        { oid: OID.crlDistributionPoints, critical: false, value: encodeCrlDistributionPoints([cdp]) },
        { oid: EXT_OID.freshestCRL, critical: false, value: encodeCrlDistributionPoints([certFresh]) },
      ],
    },
    provider,
  );
  const served = new Map<string, Uint8Array>([
    [cdp, crl({ crlNumber: 10, freshestCrl: [fresh] })],
    [fresh, crl({ crlNumber: 11, deltaOf: 10 })],
    [certFresh, crl({ crlNumber: 12, deltaOf: 10, revoked: [{ serial: leaf2.cert.serialRaw, reason: 'keyCompromise' }] })],
  ]);
  const asked: string[] = [];
  const r = await verifyCertificateChainAsync({
    leaf: leaf2.certDer,
    intermediates: [ca.certDer],
    trustAnchors: [root.certDer],
    hostname: 'delta.example',
    revocation: 'hard',
    revocationScope: 'leaf',
    fetchCrls: {
      cache: new CrlCache(),
      fetch: (url) => {
        asked.push(url);
        const der = served.get(url);
        return der === undefined ? Promise.reject(new Error('404')) : Promise.resolve(der);
      },
    },
  });
  assert.deepEqual([...asked].sort(), [cdp, certFresh, fresh].sort());
  revoked(r, /keyCompromise.*delta CRL/);
});

test('parseCrl (property): any byte changed, cut or inserted in a delta CRL gives a Crl or a TlsError, nothing else', () => {
  const der = crl({ crlNumber: 11, deltaOf: 10, freshestCrl: ['http://crl.example/d.crl'], revoked: onLeaf('removeFromCRL') });
  assertOnlyTlsErrors(der, parseCrl, Number(process.env['FUZZ_RUNS'] ?? 1000));
});
