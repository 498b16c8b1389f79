import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { nodeCryptoProvider as provider } from '../crypto/node-provider.js';
import type { ChainResult } from './chain.js';
import { CrlCache, httpFetchCrl } from './crl-fetch.js';
import { encodeCrlDistributionPoints } from './ext.js';
import { generateCertificate, generateCrl, type GeneratedCertificate } from './generate.js';
import { OID } from './oids.js';
import { verifyCertificateChainAsync, type VerifyChainAsyncOptions } from './path.js';

// A local CRL distribution point on 127.0.0.1: each path answers as the test sets it up, and
// every request is counted.
type Route = { readonly status?: number; readonly body?: Uint8Array; readonly hang?: boolean; readonly size?: number };
const routes = new Map<string, Route>();
const hits = new Map<string, number>();
/** Called with each request's path as it arrives. */
let onRequest: (path: string) => void = () => undefined;
let server: Server;
let base = '';

before(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    onRequest(path);
    const r = routes.get(path);
    if (r === undefined) {
      res.writeHead(404).end();
      return;
    }
    if (r.hang === true) return; // never answers
    if (r.size !== undefined) {
      // a large body without Content-Length (chunked): the limit applies while reading
      res.writeHead(200, { 'content-type': 'application/pkix-crl' });
      const chunk = new Uint8Array(64 * 1024);
      let left = r.size;
      const pump = (): void => {
        while (left > 0) {
          left -= chunk.length;
          if (!res.write(chunk)) {
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      res.on('error', () => undefined);
      pump();
      return;
    }
    res.writeHead(r.status ?? 200, { 'content-type': 'application/pkix-crl' }).end(r.body ?? new Uint8Array(0));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const gen = (o: Parameters<typeof generateCertificate>[0]): GeneratedCertificate => generateCertificate(o, provider);
const dp = (url: string): { oid: string; critical: boolean; value: Uint8Array } => ({ oid: OID.crlDistributionPoints, critical: false, value: encodeCrlDistributionPoints([url]) });
const root = gen({ subject: { CN: 'Fetch Root' }, isCA: true });

/** A fresh intermediate and leaf whose distribution points are `/<name>/inter.crl` and `/<name>/root.crl`. */
function pki(name: string): { inter: GeneratedCertificate; leaf: GeneratedCertificate; leafUrl: string; interUrl: string } {
  const interUrl = `${base}/${name}/root.crl`;
  const leafUrl = `${base}/${name}/inter.crl`;
  const inter = gen({ subject: { CN: `Fetch Intermediate ${name}` }, isCA: true, issuer: root, extraExtensions: [dp(interUrl)] });
  const leaf = gen({ subject: { CN: 'fetch.example' }, issuer: inter, dnsNames: ['fetch.example'], extraExtensions: [dp(leafUrl)] });
  return { inter, leaf, leafUrl, interUrl };
}

function serve(url: string, route: Route): void {
  routes.set(new URL(url).pathname, route);
}

const hitsOf = (url: string): number => hits.get(new URL(url).pathname) ?? 0;

function run(p: ReturnType<typeof pki>, extra: Partial<VerifyChainAsyncOptions> = {}): Promise<ChainResult> {
  return verifyCertificateChainAsync({
    leaf: p.leaf.certDer,
    intermediates: [p.inter.certDer],
    trustAnchors: [root.certDer],
    hostname: 'fetch.example',
    fetchCrls: { cache: new CrlCache() },
    ...extra,
  });
}

function failure(r: ChainResult, code: string, message: RegExp): void {
  assert.equal(r.ok, false, 'expected a failure');
  if (r.ok) return;
  assert.equal(r.error.code, code, r.error.message);
  assert.match(r.error.message, message);
}

test('a revoked leaf is found through the CRL fetched from its distribution point', async () => {
  const p = pki('revoked');
  serve(p.leafUrl, { body: generateCrl({ issuer: p.inter, revoked: [{ serial: p.leaf.cert.serialRaw, reason: 'keyCompromise' }] }, provider).der });
  serve(p.interUrl, { body: generateCrl({ issuer: root }, provider).der });
  // without permission to fetch, nothing is fetched and the chain passes (no status, soft)
  const offline = await run(p, { fetchCrls: false });
  assert.ok(offline.ok, offline.ok ? '' : offline.error.message);
  assert.equal(hitsOf(p.leafUrl), 0);
  const r = await run(p);
  failure(r, 'CERT_REVOKED', new RegExp(`certificate 0 \\(CN=fetch\\.example\\) was revoked on .* \\(reason: keyCompromise\\) according to the CRL from CN=Fetch Intermediate revoked .*fetched from ${p.leafUrl.replace(/[.]/g, '\\.')}`));
  if (!r.ok) assert.equal(r.error.alert, 'certificate_revoked');
  // the intermediate's CRL (from the root) was fetched too, and says good
  assert.equal(hitsOf(p.interUrl), 1);
});

test('a good CRL is cached until its nextUpdate: the second verification fetches nothing', async () => {
  const p = pki('cached');
  serve(p.leafUrl, { body: generateCrl({ issuer: p.inter, revoked: [{ serial: 0x42n }] }, provider).der });
  serve(p.interUrl, { body: generateCrl({ issuer: root }, provider).der });
  const cache = new CrlCache();
  const opts = { fetchCrls: { cache }, revocation: 'hard' as const };
  const r1 = await run(p, opts);
  assert.ok(r1.ok, r1.ok ? '' : r1.error.message);
  assert.equal(r1.revocation[0]?.status, 'good');
  assert.match(r1.revocation[0]?.source ?? '', /fetched from/);
  assert.equal(hitsOf(p.leafUrl), 1);
  assert.equal(cache.size, 2);
  const r2 = await run(p, opts);
  assert.ok(r2.ok);
  assert.equal(hitsOf(p.leafUrl), 1, 'the cache answered');
  assert.equal(hitsOf(p.interUrl), 1);
  // past the CRL's nextUpdate the cache no longer answers
  const later = new Date(Date.now() + 8 * 86_400_000);
  assert.equal(cache.get(p.leafUrl, later), undefined);
});

test('fetch failure: soft-fail accepts and says why, hard-fail names the distribution point and the reason', async () => {
  const p = pki('missing'); // nothing served: 404
  const soft = await run(p);
  assert.ok(soft.ok, soft.ok ? '' : soft.error.message);
  const note = soft.checks.find((c) => c.check === 'revocation' && c.index === 0);
  assert.match(note?.detail ?? '', new RegExp(`no status available \\(not required\\); CRL distribution point ${p.leafUrl.replace(/[.]/g, '\\.')}: fetching it failed: HTTP 404 \\(soft-fail\\)`));
  const hard = await run(p, { revocation: 'hard' });
  failure(hard, 'UNABLE_TO_GET_CRL', /no CRL or OCSP response covers certificate 0 \(CN=fetch\.example\) and revocation checking is required \(CRL distribution point http:\/\/127\.0\.0\.1:\d+\/missing\/inter\.crl: fetching it failed: HTTP 404\)/);
  if (!hard.ok) assert.equal(hard.error.alert, 'certificate_unknown');
  // a redirect is not followed
  const q = pki('redirect');
  serve(q.leafUrl, { status: 302 });
  failure(await run(q, { revocation: 'hard' }), 'UNABLE_TO_GET_CRL', /HTTP 302 \(redirects are not followed\)/);
});

/** Lets the event loop run `n` turns (setImmediate is not mocked below). */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

test('bounded: a slow distribution point times out, a large CRL is cut off', async (t) => {
  // The fetch's own timer is what ends a request the distribution point never answers. With
  // setTimeout mocked (no wall clock, so no flakiness under load), nothing settles before 300 ms
  // of mock time have passed, and the verification ends as soon as they have.
  const p = pki('slow');
  serve(p.leafUrl, { hang: true });
  const arrived = new Promise<void>((resolve) => {
    onRequest = (path) => {
      if (path === new URL(p.leafUrl).pathname) resolve();
    };
  });
  t.mock.timers.enable({ apis: ['setTimeout'] });
  let settled = false;
  const pending = run(p, { revocation: 'hard', fetchCrls: { cache: new CrlCache(), timeoutMs: 300 } }).finally(() => {
    settled = true;
  });
  await arrived;
  await turns(20);
  t.mock.timers.tick(299);
  await turns(20);
  assert.equal(settled, false, 'still waiting for the distribution point at 299 ms');
  t.mock.timers.tick(1);
  for (let i = 0; i < 1000 && !settled; i++) await turns(1);
  assert.equal(settled, true, 'the verification ends when the 300 ms timer fires');
  t.mock.timers.reset();
  onRequest = () => undefined;
  failure(await pending, 'UNABLE_TO_GET_CRL', /fetching it failed: timed out after 300 ms/);
  assert.equal(hitsOf(p.leafUrl), 1, 'asked once, not retried');
  const q = pki('large');
  serve(q.leafUrl, { size: 2 * 1024 * 1024 });
  failure(await run(q, { revocation: 'hard', fetchCrls: { cache: new CrlCache(), maxBytes: 256 * 1024 } }), 'UNABLE_TO_GET_CRL', /more than the 262144 bytes accepted/);
  await assert.rejects(httpFetchCrl(q.leafUrl, { maxBytes: 1024, timeoutMs: 2000 }), /more than the 1024 bytes/);
});

test('a fetched CRL that cannot be relied on is "no status", not a verdict; a supplied one still fails', async () => {
  const p = pki('stale');
  const now = Date.now();
  const stale = generateCrl({ issuer: p.inter, thisUpdate: new Date(now - 10 * 86_400_000), nextUpdate: new Date(now - 2 * 86_400_000) }, provider).der;
  serve(p.leafUrl, { body: stale });
  serve(p.interUrl, { body: generateCrl({ issuer: root }, provider).der });
  const cache = new CrlCache();
  const soft = await run(p, { fetchCrls: { cache } });
  assert.ok(soft.ok, soft.ok ? '' : soft.error.message);
  assert.match(soft.checks.find((c) => c.check === 'revocation' && c.index === 0)?.detail ?? '', /cannot be used: .*stale.*\(soft-fail\)/);
  assert.equal(cache.get(p.leafUrl, new Date()), undefined, 'a stale CRL is not cached');
  failure(await run(p, { revocation: 'hard', fetchCrls: { cache } }), 'UNABLE_TO_GET_CRL', /the CRL fetched from .* cannot be used: .*stale/);
  // the same CRL supplied by the caller is a hard error even in soft mode (as before)
  failure(await run(p, { crls: [stale], fetchCrls: { cache } }), 'CRL_HAS_EXPIRED', /stale/);
  // a CRL signed by another key: not relied on
  const q = pki('forged');
  serve(q.leafUrl, { body: generateCrl({ issuer: { cert: q.inter.cert, key: root.key }, revoked: [{ serial: q.leaf.cert.serialRaw }] }, provider).der });
  serve(q.interUrl, { body: generateCrl({ issuer: root }, provider).der });
  const forged = await run(q);
  assert.ok(forged.ok, 'a forged "revoked" is not believed');
  failure(await run(q, { revocation: 'hard' }), 'UNABLE_TO_GET_CRL', /does not verify/);
});

test('the caller can supply the transport; only http distribution points are fetched', async () => {
  const inter = gen({ subject: { CN: 'Hook Intermediate' }, isCA: true, issuer: root });
  const leaf = gen({ subject: { CN: 'fetch.example' }, issuer: inter, dnsNames: ['fetch.example'], extraExtensions: [{ oid: OID.crlDistributionPoints, critical: false, value: encodeCrlDistributionPoints(['ldap://ldap.example/cn=crl', 'https://crl.example/a.crl', 'http://crl.example/a.crl']) }] });
  const asked: string[] = [];
  const r = await verifyCertificateChainAsync({
    leaf: leaf.certDer,
    intermediates: [inter.certDer],
    trustAnchors: [root.certDer],
    hostname: 'fetch.example',
    revocation: 'hard',
    revocationScope: 'leaf',
    fetchCrls: {
      cache: new CrlCache(),
      fetch: (url) => {
        asked.push(url);
        return Promise.resolve(generateCrl({ issuer: inter, revoked: [{ serial: leaf.cert.serialRaw, reason: 'superseded' }] }, provider).der);
      },
    },
  });
  assert.deepEqual(asked, ['http://crl.example/a.crl']);
  failure(r, 'CERT_REVOKED', /reason: superseded/);
});

test('nothing is fetched for a chain that fails anyway, or when a supplied CRL covers the certificate', async () => {
  const p = pki('untouched');
  serve(p.leafUrl, { body: generateCrl({ issuer: p.inter }, provider).der });
  failure(await run(p, { hostname: 'other.example' }), 'ERR_TLS_CERT_ALTNAME_INVALID', /other\.example/);
  assert.equal(hitsOf(p.leafUrl), 0);
  const r = await run(p, { crls: [generateCrl({ issuer: p.inter }, provider).der] });
  assert.ok(r.ok);
  assert.equal(hitsOf(p.leafUrl), 0);
});
