// Client configs built once per set of options (templates), and sessions made only when asked.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { nodeCryptoProvider } from '../crypto/node-provider.js';
import { NamedGroup } from '../registry/codepoints.js';
import { generateTestPki } from '../x509/generate.js';
import { buildClientConfig, clearClientTemplates, type TlsClientOptions } from './client-config.js';
import { connect, type ConnectionOptions } from './connect.js';
import { createServer, type Server } from './server.js';
import { bounded } from '../../test/helpers/local-tls.js';

const pki = generateTestPki(nodeCryptoProvider, { keyKinds: ['p256'] });
const other = generateTestPki(nodeCryptoProvider, { keyKinds: ['p256'] });
const leaf = pki.leaves.p256!;
const servers: Server[] = [];
after(() => {
  for (const s of servers) s.close();
});

async function server(): Promise<number> {
  const srv = createServer({ key: leaf.keyPem, cert: pki.chainPem('p256') }, (socket) => {
    socket.on('error', () => {});
    socket.on('data', () => {});
    socket.on('end', () => socket.end());
  });
  servers.push(srv);
  srv.listen(0, '127.0.0.1');
  await bounded(once(srv, 'listening'));
  return (srv.address() as AddressInfo).port;
}

/** Connects, waits for the handshake (or its failure), reads until the server's tickets arrived, then closes. */
async function handshake(port: number, extra: ConnectionOptions, onSocket?: (s: ReturnType<typeof connect>) => void): Promise<{ authorized: boolean; error: string | undefined; reused: boolean; session: Buffer | undefined; events: Buffer[] }> {
  const s = connect({ host: '127.0.0.1', port, servername: 'localhost', ...extra });
  onSocket?.(s);
  const events: Buffer[] = [];
  if (onSocket === undefined) s.on('session', (b: Buffer) => events.push(b));
  s.on('data', () => {});
  try {
    await bounded(new Promise((r, j) => { s.once('secureConnect', r); s.once('error', j); }));
  } catch (e) {
    s.destroy();
    return { authorized: false, error: (e as { code?: string }).code ?? String(e), reused: false, session: undefined, events };
  }
  try {
    // the server's NewSessionTickets come after the handshake: with a listener, wait for the first
    if (onSocket === undefined && events.length === 0) await bounded(once(s, 'session'));
    s.end();
    await bounded(once(s, 'close'));
  } finally {
    s.destroy();
  }
  return { authorized: s.authorized, error: undefined, reused: s.isSessionReused(), session: s.getSession(), events };
}

describe('client configs from options', () => {
  const base: TlsClientOptions = { host: '127.0.0.1', servername: 'localhost', ca: pki.root.certPem, ecdhCurve: 'X25519', ALPNProtocols: ['h2', 'http/1.1'] };

  it('the same option values share one template (parsed lists, certificates, verifier); per-connection values stay per connection', () => {
    clearClientTemplates();
    const a = buildClientConfig({ ...base });
    const b = buildClientConfig({ ...base, ALPNProtocols: ['h2', 'http/1.1'], servername: 'example.com', rejectUnauthorized: false });
    assert.equal(a.config.groups, b.config.groups);
    assert.equal(a.config.cipherSuites12, b.config.cipherSuites12);
    assert.equal(a.config.alpnProtocols, b.config.alpnProtocols);
    assert.deepEqual(a.config.groups, [NamedGroup.x25519]);
    // per connection: the name, the verifier (its state), the session
    assert.equal(a.config.serverName, 'localhost');
    assert.equal(b.config.serverName, 'example.com');
    assert.notEqual(a.config.verifier, b.config.verifier);
    assert.notEqual(a.verify, b.verify);
  });

  it('a different value of any option it depends on builds another template', () => {
    clearClientTemplates();
    const a = buildClientConfig({ ...base });
    assert.notEqual(buildClientConfig({ ...base, ecdhCurve: 'P-256' }).config.groups, a.config.groups);
    assert.deepEqual(buildClientConfig({ ...base, ecdhCurve: 'P-256' }).config.groups, [NamedGroup.secp256r1]);
    assert.deepEqual(buildClientConfig({ ...base, ALPNProtocols: ['http/1.1'] }).config.alpnProtocols, ['http/1.1']);
    assert.notEqual(buildClientConfig({ ...base, ca: other.root.certPem }).config.groups, a.config.groups);
    // an array changed in place is a different value
    const alpn = ['h2'];
    assert.deepEqual(buildClientConfig({ ...base, ALPNProtocols: alpn }).config.alpnProtocols, ['h2']);
    alpn[0] = 'h3';
    assert.deepEqual(buildClientConfig({ ...base, ALPNProtocols: alpn }).config.alpnProtocols, ['h3']);
  });

  it('explicit `certificates` pairs are part of the options: each connect gets its own (never the previous one\'s)', () => {
    clearClientTemplates();
    const second = other.leaves.p256!;
    const pair = (l: typeof leaf, ocsp: number): { cert: string; key: string; ocspResponse: Uint8Array }[] => [{ cert: l.certPem, key: l.keyPem, ocspResponse: Uint8Array.of(ocsp) }];
    const a = buildClientConfig({ ...base, certificates: pair(leaf, 1) });
    const b = buildClientConfig({ ...base, certificates: pair(second, 2) });
    const c = buildClientConfig({ ...base, certificates: pair(leaf, 3) });
    assert.deepEqual(a.config.certificates.map((x) => [x.chain[0], x.ocspResponse]), [[leaf.certDer, Uint8Array.of(1)]]);
    assert.deepEqual(b.config.certificates.map((x) => [x.chain[0], x.ocspResponse]), [[second.certDer, Uint8Array.of(2)]]);
    assert.deepEqual(c.config.certificates.map((x) => x.ocspResponse), [Uint8Array.of(3)]);
    assert.deepEqual(buildClientConfig({ ...base }).config.certificates, [], 'and none without them');
  });

  it('options holding Buffers are not cached by identity: a Buffer changed in place is honoured', () => {
    clearClientTemplates();
    const alpn = Buffer.from('\x02h2', 'latin1');
    assert.deepEqual(buildClientConfig({ ...base, ALPNProtocols: alpn }).config.alpnProtocols, ['h2']);
    alpn.write('h3', 1, 'latin1');
    assert.deepEqual(buildClientConfig({ ...base, ALPNProtocols: alpn }).config.alpnProtocols, ['h3']);
  });

  it('handshakes: the right ca verifies and another ca does not, whichever came first', async () => {
    clearClientTemplates();
    const port = await server();
    const good = await handshake(port, { ca: pki.root.certPem });
    assert.equal(good.error, undefined);
    assert.equal(good.authorized, true);
    const bad = await handshake(port, { ca: other.root.certPem });
    assert.equal(bad.error, 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY');
    const lax = await handshake(port, { ca: other.root.certPem, rejectUnauthorized: false });
    assert.equal(lax.error, undefined);
    assert.equal(lax.authorized, false);
    const again = await handshake(port, { ca: pki.root.certPem });
    assert.equal(again.authorized, true);
    // a Buffer ca changed in place between connections: the new anchors are used
    const ca = Buffer.alloc(Math.max(other.root.certPem.length, pki.root.certPem.length), ' ');
    ca.write(other.root.certPem);
    assert.equal((await handshake(port, { ca })).error, 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY');
    ca.fill(' ');
    ca.write(pki.root.certPem);
    assert.equal((await handshake(port, { ca })).authorized, true);
  });
});

describe('client sessions without a session listener', () => {
  it('getSession() makes the latest session on demand; it resumes and keeps `authorized`', async () => {
    const port = await server();
    const first = await handshake(port, { ca: pki.root.certPem }, () => undefined);
    assert.equal(first.events.length, 0);
    assert.ok(first.session !== undefined, 'getSession() without a listener');
    const resumed = await handshake(port, { ca: pki.root.certPem, session: first.session });
    assert.equal(resumed.reused, true);
    assert.equal(resumed.authorized, true);
    // the same session bytes decode once; a buffer changed in place is read again
    const copy = Buffer.from(first.session);
    const again = await handshake(port, { ca: pki.root.certPem, session: first.session });
    assert.equal(again.reused, true);
    first.session.fill(0);
    assert.equal((await handshake(port, { ca: pki.root.certPem, session: first.session })).reused, false);
    copy.copy(first.session);
    assert.equal((await handshake(port, { ca: pki.root.certPem, session: first.session })).reused, true);
    // with a listener: one 'session' per NewSessionTicket, getSession() the last
    assert.ok(resumed.events.length >= 1);
    assert.deepEqual(resumed.session, resumed.events[resumed.events.length - 1]);
  });
});
