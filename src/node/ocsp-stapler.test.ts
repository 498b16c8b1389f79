import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { nodeCryptoProvider as provider } from '../crypto/node-provider.js';
import type { CertifiedKey } from '../handshake/config.js';
import { encodeAuthorityInfoAccess } from '../x509/ext.js';
import { generateCertificate } from '../x509/generate.js';
import { generateOcspResponse } from '../x509/generate-ocsp.js';
import { parseOcspResponse } from '../x509/ocsp.js';
import { OID } from '../x509/oids.js';
import { OcspStapler, type OcspFetch } from './ocsp-stapler.js';

const DAY = 86_400_000;
const ca = generateCertificate({ subject: { CN: 'Stapler CA' }, keyKind: 'p256', isCA: true }, provider);
const other = generateCertificate({ subject: { CN: 'Other CA' }, keyKind: 'p256', isCA: true }, provider);
const URL_ = 'http://ocsp.example.test/';
const leaf = generateCertificate(
  { subject: { CN: 'localhost' }, keyKind: 'p256', issuer: ca, dnsNames: ['localhost'], extraExtensions: [{ oid: OID.authorityInfoAccess, critical: false, value: encodeAuthorityInfoAccess({ ocsp: [URL_] }) }] },
  provider,
);
const noAia = generateCertificate({ subject: { CN: 'localhost' }, keyKind: 'p256', issuer: ca, dnsNames: ['localhost'] }, provider);
const certified = (c: typeof leaf): CertifiedKey => ({ chain: [c.certDer, ca.certDer], key: c.key, names: ['localhost'] });

function setup(answer: (n: number) => Uint8Array | Error) {
  let clock = Date.now();
  const calls: { url: string; request: Uint8Array }[] = [];
  const fetch: OcspFetch = (url, request) => {
    calls.push({ url, request });
    const a = answer(calls.length);
    return a instanceof Error ? Promise.reject(a) : Promise.resolve(a);
  };
  const events: string[] = [];
  const stapler = new OcspStapler({ provider, fetch, now: () => new Date(clock), onEvent: (e) => events.push(`${e.ok ? 'ok' : 'fail'}: ${e.detail}`) });
  return { stapler, calls, events, advance: (ms: number) => (clock += ms), now: () => clock };
}

const fresh = (o: { thisUpdate?: Date; nextUpdate?: Date; signer?: typeof ca } = {}): Uint8Array =>
  generateOcspResponse(provider, { cert: leaf.cert, issuer: ca.cert, signer: o.signer ?? ca, status: 'good', thisUpdate: o.thisUpdate ?? new Date(Date.now() - 60_000), nextUpdate: o.nextUpdate ?? new Date(Date.now() + 2 * DAY) });

describe('OcspStapler (fetched, checked, cached responses)', () => {
  it('fetches from the authorityInfoAccess responder once and serves the cached response', async () => {
    const der = fresh();
    const s = setup(() => der);
    assert.deepEqual(await s.stapler.get(certified(leaf)), der);
    assert.deepEqual(await s.stapler.get(certified(leaf)), der);
    assert.equal(s.calls.length, 1);
    assert.equal(s.calls[0]?.url, URL_);
    // the request is an OCSPRequest for this certificate (its serial in the CertID)
    assert.ok(Buffer.from(s.calls[0]?.request ?? []).includes(Buffer.from(leaf.cert.serialRaw)));
  });

  it('refreshes halfway to nextUpdate in the background, stapling the old one meanwhile', async () => {
    const first = fresh();
    const second = fresh();
    const s = setup((n) => (n === 1 ? first : second));
    assert.deepEqual(await s.stapler.get(certified(leaf)), first);
    s.advance(1.2 * DAY); // past half of the ~2-day window
    assert.deepEqual(await s.stapler.get(certified(leaf)), first, 'the old response while the new one is fetched');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(await s.stapler.get(certified(leaf)), second);
    assert.equal(s.calls.length, 2);
  });

  it('does not staple a response that fails the checks, and backs off before trying again', async () => {
    const forged = fresh({ signer: other });
    const s = setup(() => forged);
    assert.equal(await s.stapler.get(certified(leaf)), null);
    assert.equal(await s.stapler.get(certified(leaf)), null);
    assert.equal(s.calls.length, 1, 'no second fetch during the back-off');
    assert.match(s.events[0] ?? '', /^fail: .*Other CA/);
    s.advance(61_000);
    await s.stapler.get(certified(leaf));
    assert.equal(s.calls.length, 2);
  });

  it('a fetch failure staples nothing; an expired cached response is not stapled', async () => {
    const der = fresh({ nextUpdate: new Date(Date.now() + 3_600_000) });
    const s = setup((n) => (n === 1 ? der : new Error('connection refused')));
    assert.deepEqual(await s.stapler.get(certified(leaf)), der);
    s.advance(2 * 3_600_000);
    assert.equal(await s.stapler.get(certified(leaf)), null);
    assert.match(s.events.at(-1) ?? '', /connection refused/);
  });

  it('no responder named, or no issuer in the chain → nothing to staple, no fetch', async () => {
    const s = setup(() => fresh());
    assert.equal(await s.stapler.get(certified(noAia)), null);
    assert.match(s.events[0] ?? '', /names no OCSP responder/);
    assert.equal(await s.stapler.get({ ...certified(leaf), chain: [leaf.certDer] }), null);
    assert.equal(s.calls.length, 0);
    assert.equal(parseOcspResponse(fresh()).responses.length, 1);
  });
});
