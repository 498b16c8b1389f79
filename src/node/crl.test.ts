// Certificate revocation by CRL in the handshake, through the node:tls look-alike on 127.0.0.1:
// supplied CRLs (node's `crl` option) and CRLs fetched from the certificates' distribution points
// (`fetchCrls: true`, served here by a local http server), on the client and on the server (mTLS).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { nodeCryptoProvider as provider } from '../crypto/node-provider.js';
import { encodeCrlDistributionPoints } from '../x509/ext.js';
import { generateCertificate, generateCrl, type GeneratedCertificate } from '../x509/generate.js';
import { OID } from '../x509/oids.js';
import { connect, type ConnectionOptions } from './connect.js';
import { createServer, type Server, type TlsServerCreateOptions } from './server.js';
import { bounded } from '../../test/helpers/local-tls.js';

const crlBodies = new Map<string, Uint8Array>();
const hits = new Map<string, number>();
let http: HttpServer;
let base = '';
const servers: Server[] = [];

before(async () => {
  http = createHttpServer((req, res) => {
    const path = req.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const body = crlBodies.get(path);
    if (body === undefined) res.writeHead(404).end();
    else res.writeHead(200, { 'content-type': 'application/pkix-crl' }).end(body);
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
});

after(async () => {
  for (const s of servers) s.close();
  http.closeAllConnections();
  await new Promise<void>((resolve) => http.close(() => resolve()));
});

const gen = (o: Parameters<typeof generateCertificate>[0]): GeneratedCertificate => generateCertificate(o, provider);
const dp = (path: string): { oid: string; critical: boolean; value: Uint8Array } => ({
  oid: OID.crlDistributionPoints,
  critical: false,
  value: encodeCrlDistributionPoints([`${base}${path}`]),
});

/** A root, an intermediate and a leaf (server or client) whose CRLs are at /<name>/{root,inter}.crl; `revoked`: the leaf is listed. */
function pki(name: string, revoked: boolean): { root: GeneratedCertificate; inter: GeneratedCertificate; leaf: GeneratedCertificate; chainPem: string; crlPem: string } {
  const root = gen({ subject: { CN: `CRL Root ${name}` }, isCA: true });
  const inter = gen({ subject: { CN: `CRL Intermediate ${name}` }, isCA: true, issuer: root, extraExtensions: [dp(`/${name}/root.crl`)] });
  const leaf = gen({ subject: { CN: 'localhost' }, issuer: inter, dnsNames: ['localhost'], extraExtensions: [dp(`/${name}/inter.crl`)] });
  const interCrl = generateCrl({ issuer: inter, revoked: revoked ? [{ serial: leaf.cert.serialRaw, reason: 'keyCompromise' }] : [] }, provider);
  crlBodies.set(`/${name}/inter.crl`, interCrl.der);
  crlBodies.set(`/${name}/root.crl`, generateCrl({ issuer: root }, provider).der);
  return { root, inter, leaf, chainPem: leaf.certPem + inter.certPem, crlPem: interCrl.pem };
}

async function listen(options: TlsServerCreateOptions): Promise<{ port: number; errors: Error[]; authorized: boolean[] }> {
  const errors: Error[] = [];
  const authorized: boolean[] = [];
  const srv = createServer(options, (socket) => {
    authorized.push(socket.authorized);
    socket.end('hello');
  });
  srv.on('tlsClientError', (e: Error) => errors.push(e));
  servers.push(srv);
  srv.listen(0, '127.0.0.1');
  await bounded(once(srv, 'listening'), 8000);
  return { port: (srv.address() as AddressInfo).port, errors, authorized };
}

/** One client connection: the data it read, or the error that ended it. */
async function attempt(port: number, options: ConnectionOptions): Promise<{ data: string } | { error: Error & { code?: string } }> {
  const s = connect({ host: '127.0.0.1', port, servername: 'localhost', ...options });
  let data = '';
  s.on('data', (d: Buffer) => (data += d.toString()));
  try {
    await bounded(Promise.race([once(s, 'end'), once(s, 'error').then(([e]) => Promise.reject(e as Error))]), 8000);
    return { data };
  } catch (e) {
    s.destroy();
    return { error: e as Error & { code?: string } };
  }
}

function expectRevoked(r: Awaited<ReturnType<typeof attempt>>): void {
  assert.ok('error' in r, 'expected the handshake to fail');
  assert.equal(r.error.code, 'CERT_REVOKED', r.error.message);
  assert.match(r.error.message, /revoked/);
}

describe('client: revocation of the server certificate by CRL', () => {
  it('a CRL fetched from the distribution point (fetchCrls) fails the handshake; without permission nothing is fetched', async () => {
    const p = pki('srv-revoked', true);
    const { port, errors } = await listen({ key: p.leaf.keyPem, cert: p.chainPem });
    const offline = await attempt(port, { ca: p.root.certPem });
    assert.deepEqual(offline, { data: 'hello' }, 'no network access unless allowed: accepted (soft, no status)');
    assert.equal(hits.get('/srv-revoked/inter.crl'), undefined);
    expectRevoked(await attempt(port, { ca: p.root.certPem, fetchCrls: true }));
    assert.equal(hits.get('/srv-revoked/inter.crl'), 1);
    // the server learns why: the client's certificate_revoked alert
    for (let i = 0; i < 50 && errors.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(errors.some((e) => /certificate_revoked/.test(e.message)), errors.map((e) => e.message).join('; '));
  });

  it('a good CRL is fetched once (cached until nextUpdate) and the connection is authorized', async () => {
    const p = pki('srv-good', false);
    const { port } = await listen({ key: p.leaf.keyPem, cert: p.chainPem });
    for (let i = 0; i < 2; i++) assert.deepEqual(await attempt(port, { ca: p.root.certPem, fetchCrls: true, revocation: 'hard' }), { data: 'hello' });
    assert.equal(hits.get('/srv-good/inter.crl'), 1);
    assert.equal(hits.get('/srv-good/root.crl'), 1);
  });

  it("node's crl option (PEM) is checked without any fetch", async () => {
    const p = pki('srv-supplied', true);
    const { port } = await listen({ key: p.leaf.keyPem, cert: p.chainPem });
    expectRevoked(await attempt(port, { ca: p.root.certPem, crl: p.crlPem }));
    assert.equal(hits.get('/srv-supplied/inter.crl'), undefined);
  });

  it("revocation: 'hard' without any CRL (none supplied, fetching off) fails, naming the missing status", async () => {
    const p = pki('srv-hard', false);
    const { port } = await listen({ key: p.leaf.keyPem, cert: p.chainPem });
    const r = await attempt(port, { ca: p.root.certPem, revocation: 'hard' });
    assert.ok('error' in r, 'expected a failure');
    assert.equal(r.error.code, 'UNABLE_TO_GET_CRL', r.error.message);
  });
});

describe('server: revocation of client certificates by CRL (mTLS)', () => {
  it('a revoked client certificate is refused with fetchCrls, accepted without', async () => {
    const s = pki('mtls-server', false);
    const c = pki('mtls-client', true);
    const strict = await listen({ key: s.leaf.keyPem, cert: s.chainPem, requestCert: true, ca: c.root.certPem, fetchCrls: true });
    const r = await attempt(strict.port, { ca: s.root.certPem, key: c.leaf.keyPem, cert: c.chainPem });
    assert.ok('error' in r, 'the server refuses the revoked client');
    assert.equal(strict.authorized.length, 0);
    assert.ok(strict.errors.some((e) => (e as Error & { code?: string }).code === 'CERT_REVOKED'), strict.errors.map((e) => e.message).join('; '));
    const lax = await listen({ key: s.leaf.keyPem, cert: s.chainPem, requestCert: true, ca: c.root.certPem });
    assert.deepEqual(await attempt(lax.port, { ca: s.root.certPem, key: c.leaf.keyPem, cert: c.chainPem }), { data: 'hello' });
    assert.deepEqual(lax.authorized, [true]);
  });
});
