// TLS 1.3 client OCSP stapling (RFC 8446 §4.4.2.1): a server with requestClientOCSP asks for it
// with an empty status_request in its CertificateRequest (in the handshake and after it, §4.6.2);
// the client staples the ocspResponse of its `certificates` entry in its leaf CertificateEntry;
// the server checks it with the chain. Through the node:tls look-alike on 127.0.0.1.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { nodeCryptoProvider as provider } from '../crypto/node-provider.js';
import { ExtensionType, HandshakeType } from '../registry/codepoints.js';
import { generateCertificate, type GeneratedCertificate } from '../x509/generate.js';
import { generateOcspResponse } from '../x509/generate-ocsp.js';
import { connect, type ConnectionOptions } from './connect.js';
import { createServer, type Server, type TlsServerCreateOptions } from './server.js';
import type { TLSSocket } from './socket.js';
import type { CertificateRequest13 } from '../messages/certificate-request13.js';
import type { Certificate13 } from '../messages/certificate13.js';
import { bounded } from '../../test/helpers/local-tls.js';

const gen = (o: Parameters<typeof generateCertificate>[0]): GeneratedCertificate => generateCertificate(o, provider);
const root = gen({ subject: { CN: 'Client OCSP Root' }, isCA: true });
const ca = gen({ subject: { CN: 'Client OCSP CA' }, isCA: true, issuer: root });
const server = gen({ subject: { CN: 'localhost' }, issuer: ca, dnsNames: ['localhost'] });
const client = gen({ subject: { CN: 'client.example' }, issuer: ca, dnsNames: ['client.example'], extKeyUsage: ['clientAuth'] });
const ocsp = (status: 'good' | 'revoked'): Buffer =>
  Buffer.from(generateOcspResponse(provider, { cert: client.cert, issuer: ca.cert, signer: ca, status, ...(status === 'revoked' ? { revocationReason: 'keyCompromise' } : {}) }));

const servers: Server[] = [];
after(() => {
  for (const s of servers) s.close();
});

interface Seen {
  readonly authorized: boolean;
  readonly staple: Buffer | undefined;
  readonly entryExtensions: number[];
}

async function run(serverOptions: TlsServerCreateOptions, clientOptions: ConnectionOptions): Promise<{ seen: Seen[]; errors: Error[]; clientError: Error | undefined; requestExtensions: number[] }> {
  const seen: Seen[] = [];
  const errors: Error[] = [];
  const srv = createServer({ key: server.keyPem, cert: server.certPem + ca.certPem, ca: root.certPem, requestCert: true, minVersion: 'TLSv1.3', ...serverOptions }, (s: TLSSocket) => {
    const n = s.negotiated;
    seen.push({ authorized: s.authorized, staple: n.clientOcspResponse === undefined ? undefined : Buffer.from(n.clientOcspResponse), entryExtensions: [] });
    s.end('bye');
  });
  srv.on('tlsClientError', (e: Error) => errors.push(e));
  servers.push(srv);
  srv.listen(0, '127.0.0.1');
  await bounded(new Promise((r) => srv.once('listening', r)), 5000, 'listen');
  const port = (srv.address() as AddressInfo).port;
  const requestExtensions: number[] = [];
  const entryExtensions: number[] = [];
  const clientError = await bounded(
    new Promise<Error | undefined>((resolve) => {
      const c = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: root.certPem, ...clientOptions });
      c.on('handshakeMessage', (m: { direction: string; type: number; message: object }) => {
        if (m.direction === 'received' && m.type === HandshakeType.certificate_request) requestExtensions.push(...(m.message as CertificateRequest13).extensions.map((x) => x.type));
        if (m.direction === 'sent' && m.type === HandshakeType.certificate) entryExtensions.push(...((m.message as Certificate13).certificateList[0]?.extensions ?? []).map((x) => x.type));
      });
      c.on('data', () => {});
      c.on('error', (e: Error) => resolve(e));
      c.on('close', () => resolve(undefined));
    }),
    5000,
    'client',
  );
  return { seen: seen.map((x) => ({ ...x, entryExtensions })), errors, clientError, requestExtensions };
}

const GOOD = ocsp('good');
const REVOKED = ocsp('revoked');
const withStaple = (staple: Buffer): ConnectionOptions => ({ certificates: [{ cert: client.certPem + ca.certPem, key: client.keyPem, ocspResponse: staple }] });

describe('TLS 1.3 client OCSP stapling (RFC 8446 §4.4.2.1)', () => {
  it('asked for: the CertificateRequest carries status_request, the client staples a good response, the server checks and keeps it', async () => {
    const r = await run({ requestClientOCSP: true }, withStaple(GOOD));
    assert.deepEqual(r.errors, []);
    assert.ok(r.requestExtensions.includes(ExtensionType.status_request), 'status_request in the CertificateRequest');
    assert.deepEqual(r.seen[0]?.entryExtensions, [ExtensionType.status_request]);
    assert.equal(r.seen[0]?.authorized, true);
    assert.deepEqual(r.seen[0]?.staple, GOOD, 'the server keeps the client\'s staple');
  });

  it('a revoked staple: the server refuses the client with certificate_revoked', async () => {
    const r = await run({ requestClientOCSP: true }, withStaple(REVOKED));
    assert.equal(r.seen.length, 0);
    assert.match(String(r.errors[0]), /revoked/i);
    assert.match(String(r.clientError), /certificate_revoked|revoked/i);
  });

  it('not asked for: no status_request in the CertificateRequest and none in the client\'s entry, even with a response at hand', async () => {
    const r = await run({}, withStaple(GOOD));
    assert.deepEqual(r.errors, []);
    assert.ok(!r.requestExtensions.includes(ExtensionType.status_request));
    assert.deepEqual(r.seen[0]?.entryExtensions, []);
    assert.deepEqual([r.seen[0]?.authorized, r.seen[0]?.staple], [true, undefined]);
  });

  it('asked for, but the client has no response: it sends its certificate without one, which is accepted (soft)', async () => {
    const r = await run({ requestClientOCSP: true }, { cert: client.certPem + ca.certPem, key: client.keyPem });
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.seen[0]?.entryExtensions, []);
    assert.deepEqual([r.seen[0]?.authorized, r.seen[0]?.staple], [true, undefined]);
  });
});

describe('TLS 1.3 client OCSP stapling after the handshake (RFC 8446 §4.6.2)', () => {
  it('a post-handshake CertificateRequest asks for it too, and the answer carries it', async () => {
    const done = new Promise<{ authorized: boolean | undefined; staple: Uint8Array | undefined }>((resolve) => {
      const srv = createServer({ key: server.keyPem, cert: server.certPem + ca.certPem, ca: root.certPem, postHandshakeAuth: true, requestClientOCSP: true, minVersion: 'TLSv1.3' }, (s: TLSSocket) => {
        s.on('error', () => {});
        s.on('data', () => {});
        s.requestClientCertificate((err, authorized) => {
          resolve({ authorized: err === null ? authorized : undefined, staple: s.negotiated.clientOcspResponse });
          s.end();
        });
      });
      servers.push(srv);
      srv.listen(0, '127.0.0.1', () => {
        const c = connect({ host: '127.0.0.1', port: (srv.address() as AddressInfo).port, servername: 'localhost', ca: root.certPem, ...withStaple(GOOD) });
        c.on('data', () => {});
        c.on('error', () => {});
      });
    });
    const r = await bounded(done, 5000, 'post-handshake authentication');
    assert.equal(r.authorized, true);
    assert.deepEqual(r.staple === undefined ? undefined : Buffer.from(r.staple), GOOD);
  });
});
