// tlskit's node:tls look-alike (src/node) against itself and against node:tls / node:https, over
// TCP on 127.0.0.1. Every server and socket is closed; every wait is bounded.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createHash, randomBytes } from 'node:crypto';
import { once, type EventEmitter } from 'node:events';
import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as https from 'node:https';
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { Duplex } from 'node:stream';
import * as tlskit from '../../src/node/index.js';
import { nodeCryptoProvider } from '../../src/crypto/node-provider.js';
import { generateCertificate, generateTestPki, type GeneratedCertificate, type TestPki } from '../../src/x509/generate.js';
import type { SigningKeyKind } from '../../src/crypto/provider.js';
import type { TlsImpl } from '../helpers/impl.js';

// Compile-time proof that tlskit has the shape the interop matrix and the bench drive.
const _impl: TlsImpl = tlskit;

const HOST = '127.0.0.1';
const LEAF_KINDS: readonly SigningKeyKind[] = ['rsa2048', 'p256', 'p384', 'ed25519'];
const SUITES = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'] as const;
const GROUPS = [
  { ecdhCurve: 'X25519', name: 'X25519' },
  { ecdhCurve: 'P-256', name: 'prime256v1' },
  { ecdhCurve: 'P-384', name: 'secp384r1' },
] as const;

let pki: TestPki;
let ca: string;
const closers: (() => void)[] = [];

before(() => {
  pki = generateTestPki(nodeCryptoProvider);
  ca = pki.root.certPem;
});
after(() => {
  for (const c of closers.splice(0)) c();
});

function leaf(kind: SigningKeyKind): GeneratedCertificate {
  const l = pki.leaves[kind];
  assert.ok(l !== undefined);
  return l;
}

/** Rejects after `ms`; clears its timer when the promise settles. */
function bounded<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timeout after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

function onceBounded(emitter: EventEmitter, event: string, ms = 5000): Promise<unknown[]> {
  return bounded(once(emitter, event), ms, `event ${event}`);
}

async function listen(server: net.Server): Promise<number> {
  server.listen(0, HOST);
  await onceBounded(server, 'listening');
  closers.push(() => server.close());
  const a = server.address();
  assert.ok(a !== null && typeof a === 'object');
  return a.port;
}

function closeServer(server: net.Server): Promise<void> {
  return bounded(
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      if ('closeAllConnections' in server && typeof server.closeAllConnections === 'function') (server as http.Server).closeAllConnections();
    }),
    3000,
    'server close',
  ).catch(() => undefined);
}

/** Everything the stream sends until it ends. */
function readAll(s: Duplex, ms = 10_000): Promise<Buffer> {
  const chunks: Buffer[] = [];
  s.on('data', (d: Buffer) => chunks.push(d));
  return bounded(once(s, 'end'), ms, 'stream end').then(() => Buffer.concat(chunks));
}

function track<T extends Duplex>(s: T): T {
  closers.push(() => s.destroy());
  return s;
}

/** A node:tls server that answers every connection with `handler`. */
async function nodeServer(options: tls.TlsOptions, handler: (s: tls.TLSSocket) => void): Promise<{ server: tls.Server; port: number; errors: Error[] }> {
  const errors: Error[] = [];
  const server = tls.createServer({ minVersion: 'TLSv1.3', ...options }, handler);
  server.on('tlsClientError', (e) => errors.push(e));
  const port = await listen(server);
  return { server, port, errors };
}

async function tlskitServer(
  options: tlskit.TlsServerCreateOptions,
  handler: (s: tlskit.TLSSocket) => void,
): Promise<{ server: tlskit.Server; port: number; errors: Error[] }> {
  const errors: Error[] = [];
  const server = tlskit.createServer(options, handler);
  server.on('tlsClientError', (e: Error) => errors.push(e));
  const port = await listen(server);
  return { server, port, errors };
}

function tlskitConnect(options: tlskit.ConnectionOptions): Promise<tlskit.TLSSocket> {
  const s = track(tlskit.connect({ host: HOST, servername: 'localhost', ca, ...options }));
  return bounded(
    new Promise<tlskit.TLSSocket>((resolve, reject) => {
      s.once('secureConnect', () => resolve(s));
      s.once('error', reject);
    }),
    10_000,
    'tlskit secureConnect',
  );
}

function nodeConnect(options: tls.ConnectionOptions): Promise<tls.TLSSocket> {
  const s = track(tls.connect({ host: HOST, servername: 'localhost', ca, ...options }));
  return bounded(
    new Promise<tls.TLSSocket>((resolve, reject) => {
      s.once('secureConnect', () => resolve(s));
      s.once('error', reject);
    }),
    10_000,
    'node secureConnect',
  );
}

/** An echo handler: writes back what it reads, ends when the peer ends. */
const echo = (s: Duplex): void => {
  s.on('error', () => undefined);
  s.pipe(s);
};

describe('tlskit client ↔ tlskit server', () => {
  it('handshake, echo, negotiated parameters, Finished and exporters agree', async () => {
    let serverSide: tlskit.TLSSocket | undefined;
    const { server, port } = await tlskitServer(
      { key: leaf('p256').keyPem, cert: pki.chainPem('p256'), ALPNProtocols: ['h2', 'http/1.1'] },
      (s) => {
        serverSide = s;
        echo(s);
      },
    );
    const c = await tlskitConnect({ port, ALPNProtocols: ['http/1.1'] });
    assert.equal(c.authorized, true);
    assert.equal(c.authorizationError, null);
    assert.equal(c.encrypted, true);
    assert.equal(c.alpnProtocol, 'http/1.1');
    assert.equal(c.getProtocol(), 'TLSv1.3');
    assert.deepEqual(c.getCipher(), { name: 'TLS_AES_128_GCM_SHA256', standardName: 'TLS_AES_128_GCM_SHA256', version: 'TLSv1.3' });
    assert.equal(c.isSessionReused(), false);
    assert.equal(c.remotePort, port);
    assert.equal(c.remoteAddress, HOST);
    const peer = c.getPeerCertificate(true);
    assert.ok(peer !== null && 'subject' in peer);
    assert.equal(peer.subject['CN'], 'localhost');
    assert.equal(peer.issuerCertificate.subject['CN'], 'tlskit Test Intermediate CA');
    assert.equal(peer.issuerCertificate.issuerCertificate.subject['CN'], 'tlskit Test Root CA');
    assert.equal(peer.issuerCertificate.issuerCertificate.issuerCertificate, peer.issuerCertificate.issuerCertificate);
    c.write('hello');
    const [data] = (await onceBounded(c, 'data')) as [Buffer];
    assert.equal(data.toString(), 'hello');
    assert.ok(serverSide !== undefined);
    assert.equal(serverSide.servername, 'localhost');
    assert.equal(serverSide.alpnProtocol, 'http/1.1');
    assert.deepEqual(serverSide.getFinished(), c.getPeerFinished());
    assert.deepEqual(serverSide.getPeerFinished(), c.getFinished());
    assert.equal((serverSide.getCertificate() as tlskit.PeerCertificate).fingerprint256, peer.fingerprint256);
    const ctx = Buffer.from('context');
    assert.deepEqual(c.exportKeyingMaterial(32, 'EXPORTER-test', ctx), serverSide.exportKeyingMaterial(32, 'EXPORTER-test', ctx));
    assert.notDeepEqual(c.exportKeyingMaterial(32, 'EXPORTER-test'), c.exportKeyingMaterial(32, 'EXPORTER-other'));
    c.end();
    await onceBounded(c, 'close');
    await closeServer(server);
  });

  it('connect(port, host, options, cb) and connect({ socket }) over an existing TCP socket', async () => {
    const { server, port } = await tlskitServer({ key: leaf('p256').keyPem, cert: pki.chainPem('p256') }, echo);
    const s1 = track(
      await bounded(
        new Promise<tlskit.TLSSocket>((resolve, reject) => {
          const s = tlskit.connect(port, HOST, { servername: 'localhost', ca }, () => resolve(s));
          s.on('error', reject);
        }),
        5000,
        'connect(port, host, options, cb)',
      ),
    );
    assert.equal(s1.authorized, true);
    s1.destroy();
    const raw = track(net.connect(port, HOST));
    const s2 = await tlskitConnect({ socket: raw, host: undefined });
    assert.equal(s2.authorized, true);
    s2.write('over an existing socket');
    assert.equal(String(((await onceBounded(s2, 'data')) as [Buffer])[0]), 'over an existing socket');
    s2.destroy();
    await onceBounded(raw, 'close');
    await closeServer(server);
  });

  it('observes handshake messages and records; keylog lines like node', async () => {
    const { server, port } = await tlskitServer({ key: leaf('ed25519').keyPem, cert: pki.chainPem('ed25519') }, echo);
    const keylogServer: string[] = [];
    server.on('keylog', (line: Buffer, s: unknown) => {
      assert.ok(s instanceof tlskit.TLSSocket);
      keylogServer.push(line.toString());
    });
    const c = track(tlskit.connect({ host: HOST, port, servername: 'localhost', ca }));
    const messages: string[] = [];
    let records = 0;
    const keylog: string[] = [];
    c.on('handshakeMessage', (e: tlskit.HandshakeEvent) => messages.push(`${e.direction}:${e.type}`));
    c.on('record', () => records++);
    c.on('keylog', (line: Buffer) => keylog.push(line.toString('latin1')));
    await onceBounded(c, 'secureConnect');
    assert.equal(messages[0], 'sent:1'); // ClientHello
    assert.ok(messages.includes('received:2')); // ServerHello
    assert.ok(messages.includes('received:20') && messages.includes('sent:20')); // both Finished
    assert.ok(records >= 3);
    const labels = keylog.map((l) => l.split(' ')[0]);
    assert.deepEqual(labels.sort(), [
      'CLIENT_HANDSHAKE_TRAFFIC_SECRET',
      'CLIENT_TRAFFIC_SECRET_0',
      'EXPORTER_SECRET',
      'SERVER_HANDSHAKE_TRAFFIC_SECRET',
      'SERVER_TRAFFIC_SECRET_0',
    ]);
    assert.ok(keylog.every((l) => l.endsWith('\n')));
    const closed = onceBounded(c, 'close');
    c.resume();
    c.end();
    await closed;
    assert.equal(keylogServer.length, 5);
    assert.deepEqual([...keylogServer].sort(), [...keylog].sort());
    await closeServer(server);
  });

  it('half-close: the client ends, the server still writes back, then ends', async () => {
    const { server, port } = await tlskitServer({ key: leaf('p256').keyPem, cert: pki.chainPem('p256'), allowHalfOpen: true }, (s) => {
      const got: Buffer[] = [];
      s.on('data', (d: Buffer) => got.push(d));
      s.on('end', () => {
        // TLS 1.3 half-close: our write side is still open after the peer's close_notify
        s.write(`got ${Buffer.concat(got).toString()}; `);
        setTimeout(() => s.end('bye'), 20);
      });
    });
    const c = await tlskitConnect({ port });
    const closed = onceBounded(c, 'close');
    const reply = readAll(c);
    c.end('ping');
    assert.equal((await reply).toString(), 'got ping; bye');
    await closed;
    await closeServer(server);
  });

  it('KeyUpdate with update_requested in both directions, then more data', async () => {
    let serverSide: tlskit.TLSSocket | undefined;
    const serverKu: number[] = [];
    const { server, port } = await tlskitServer({ key: leaf('p384').keyPem, cert: pki.chainPem('p384') }, (s) => {
      serverSide = s;
      s.on('handshakeMessage', (e: tlskit.HandshakeEvent) => {
        if (e.type === 24) serverKu.push(e.direction === 'sent' ? 1 : 0);
      });
      echo(s);
    });
    const c = await tlskitConnect({ port });
    const clientKu: string[] = [];
    c.on('handshakeMessage', (e: tlskit.HandshakeEvent) => {
      if (e.type === 24) clientKu.push(`${e.direction}:${(e.message as { requestUpdate: number }).requestUpdate}`);
    });
    const roundTrip = async (text: string): Promise<void> => {
      c.write(text);
      const [d] = (await onceBounded(c, 'data')) as [Buffer];
      assert.equal(d.toString(), text);
    };
    await roundTrip('before');
    c.keyUpdate(true);
    await roundTrip('after client update');
    assert.ok(serverSide !== undefined);
    serverSide.keyUpdate(true);
    await roundTrip('after server update');
    await roundTrip('and again');
    assert.deepEqual(clientKu, ['sent:1', 'received:0', 'received:1', 'sent:0']);
    c.end();
    await onceBounded(c, 'close');
    await closeServer(server);
  });

  it('chooses the certificate by SNI (two certificates, two names) and SNICallback', async () => {
    const a = generateCertificate({ subject: { CN: 'a.test' }, keyKind: 'p256', issuer: pki.intermediate, dnsNames: ['a.test'] }, nodeCryptoProvider);
    const b = generateCertificate({ subject: { CN: 'b.test' }, keyKind: 'ed25519', issuer: pki.intermediate, dnsNames: ['b.test'] }, nodeCryptoProvider);
    const chain = (g: GeneratedCertificate): string => g.certPem + pki.intermediate.certPem;
    const { server, port } = await tlskitServer({ key: [a.keyPem, b.keyPem], cert: [chain(a), chain(b)] }, echo);
    for (const name of ['a.test', 'b.test']) {
      const c = await tlskitConnect({ port, servername: name });
      assert.equal((c.getPeerCertificate() as tlskit.PeerCertificate).subject['CN'], name);
      c.destroy();
      // node:tls client too
      const n = await nodeConnect({ port, servername: name });
      assert.equal(n.getPeerCertificate().subject.CN, name);
      n.destroy();
    }
    await closeServer(server);

    // SNICallback (asynchronous) answering with a tlskit secure context
    const asked: string[] = [];
    const sni = await tlskitServer(
      {
        key: a.keyPem,
        cert: chain(a),
        SNICallback: (servername, cb) => {
          asked.push(servername);
          setTimeout(() => cb(null, servername === 'b.test' ? tlskit.createSecureContext({ key: b.keyPem, cert: chain(b) }) : null), 5);
        },
      },
      echo,
    );
    const cb = await tlskitConnect({ port: sni.port, servername: 'b.test' });
    assert.equal((cb.getPeerCertificate() as tlskit.PeerCertificate).subject['CN'], 'b.test');
    cb.destroy();
    const ca2 = await nodeConnect({ port: sni.port, servername: 'a.test' });
    assert.equal(ca2.getPeerCertificate().subject.CN, 'a.test');
    ca2.destroy();
    assert.deepEqual(asked, ['b.test', 'a.test']);
    await closeServer(sni.server);
  });

  it('64 MiB each way with a SHA-256 checksum', async () => {
    const block = randomBytes(1 << 20);
    const total = 64;
    const expected = createHash('sha256');
    for (let i = 0; i < total; i++) expected.update(block);
    const want = expected.digest('hex');
    const send = async (s: Duplex): Promise<void> => {
      for (let i = 0; i < total; i++) {
        if (!s.write(block)) await once(s, 'drain');
      }
      s.end();
    };
    const hashOf = (s: Duplex): Promise<string> =>
      new Promise((resolve, reject) => {
        const h = createHash('sha256');
        s.on('data', (d: Buffer) => h.update(d));
        s.on('end', () => resolve(h.digest('hex')));
        s.on('error', reject);
      });
    let serverHash: Promise<string> | undefined;
    const { server, port } = await tlskitServer({ key: leaf('p256').keyPem, cert: pki.chainPem('p256'), allowHalfOpen: true }, (s) => {
      serverHash = hashOf(s);
      void send(s);
    });
    const c = await tlskitConnect({ port });
    const closed = bounded(once(c, 'close'), 60_000, 'close after bulk');
    const clientHash = hashOf(c);
    const started = Date.now();
    await send(c);
    assert.equal(await bounded(clientHash, 30_000, 'client hash'), want);
    assert.ok(serverHash !== undefined);
    assert.equal(await bounded(serverHash, 30_000, 'server hash'), want);
    const ms = Date.now() - started;
    console.log(`# 2 x 64 MiB through tlskit ↔ tlskit in ${ms} ms`);
    await closed;
    await closeServer(server);
  });
});

describe('tlskit client → node:tls server', () => {
  for (const suite of SUITES) {
    for (const group of GROUPS) {
      it(`${suite} ${group.ecdhCurve}: echo and equal exporters`, async () => {
        const { server, port } = await nodeServer({ key: leaf('p256').keyPem, cert: pki.chainPem('p256'), ciphers: suite, ecdhCurve: group.ecdhCurve }, (s) => {
          s.write(s.exportKeyingMaterial(48, 'EXPORTER-tlskit', Buffer.from('ctx')));
          echo(s);
        });
        const c = await tlskitConnect({ port });
        assert.equal(c.getCipher().name, suite);
        assert.deepEqual(c.getEphemeralKeyInfo(), { type: 'ECDH', name: group.name, size: group.name === 'X25519' ? 253 : Number(group.ecdhCurve.slice(2)) });
        const [ekm] = (await onceBounded(c, 'data')) as [Buffer];
        assert.deepEqual(ekm, c.exportKeyingMaterial(48, 'EXPORTER-tlskit', Buffer.from('ctx')));
        const back = readAll(c);
        c.end('ping');
        assert.equal((await back).toString(), 'ping');
        await closeServer(server);
      });
    }
  }

  for (const kind of LEAF_KINDS) {
    it(`${kind} server certificate; getPeerCertificate() like node's`, async () => {
      const { server, port } = await nodeServer({ key: leaf(kind).keyPem, cert: pki.chainPem(kind) }, echo);
      const c = await tlskitConnect({ port });
      const n = await nodeConnect({ port });
      assert.equal(c.authorized, true);
      const ours = c.getPeerCertificate() as tlskit.PeerCertificate;
      const theirs = n.getPeerCertificate();
      for (const key of Object.keys(theirs) as (keyof tls.PeerCertificate)[]) {
        assert.deepEqual((ours as unknown as Record<string, unknown>)[key], theirs[key], `getPeerCertificate().${key}`);
      }
      const d = c.getPeerCertificate(true) as tlskit.DetailedPeerCertificate;
      const nd = n.getPeerCertificate(true);
      assert.equal(d.issuerCertificate.fingerprint256, nd.issuerCertificate.fingerprint256);
      c.destroy();
      n.destroy();
      await closeServer(server);
    });
  }

  it('ALPN: node server picks from our list; no overlap fails with no_application_protocol', async () => {
    const { server, port, errors } = await nodeServer({ key: leaf('p256').keyPem, cert: pki.chainPem('p256'), ALPNProtocols: ['h2', 'http/1.1'] }, echo);
    const c = await tlskitConnect({ port, ALPNProtocols: ['http/1.1', 'h2'] });
    assert.equal(c.alpnProtocol, 'h2');
    c.destroy();
    const wire = await tlskitConnect({ port, ALPNProtocols: Buffer.from('\x08http/1.1', 'latin1') });
    assert.equal(wire.alpnProtocol, 'http/1.1');
    wire.destroy();
    const none = await tlskitConnect({ port });
    assert.equal(none.alpnProtocol, false);
    none.destroy();
    await assert.rejects(tlskitConnect({ port, ALPNProtocols: ['spdy/3'] }), (e: tlskit.TlsError) => {
      assert.equal(e.code, 'ERR_TLS_ALERT_RECEIVED');
      assert.equal(e.alert, 'no_application_protocol');
      return true;
    });
    assert.ok(errors.length >= 1);
    await closeServer(server);
  });

  it('client certificate (cert/key) to a node server with requestCert', async () => {
    const { server, port } = await nodeServer(
      { key: leaf('p256').keyPem, cert: pki.chainPem('p256'), requestCert: true, rejectUnauthorized: true, ca },
      (s) => {
        const peer = s.getPeerCertificate();
        s.end(`${String(s.authorized)} ${String(peer.subject.CN)} ${String(peer.fingerprint256 === new X509Certificate(leaf('ed25519').certPem).fingerprint256)}`);
      },
    );
    const c = await tlskitConnect({ port, key: leaf('ed25519').keyPem, cert: pki.chainPem('ed25519') });
    assert.equal((await readAll(c)).toString(), 'true localhost true');
    await closeServer(server);
  });

  it('KeyUpdate with update_requested: node answers, data flows after it', async () => {
    const { server, port } = await nodeServer({ key: leaf('p256').keyPem, cert: pki.chainPem('p256') }, echo);
    const c = await tlskitConnect({ port });
    const ku: string[] = [];
    c.on('handshakeMessage', (e: tlskit.HandshakeEvent) => {
      if (e.type === 24) ku.push(`${e.direction}:${(e.message as { requestUpdate: number }).requestUpdate}`);
    });
    c.write('one');
    assert.equal(String(((await onceBounded(c, 'data')) as [Buffer])[0]), 'one');
    c.keyUpdate(true);
    c.write('two');
    assert.equal(String(((await onceBounded(c, 'data')) as [Buffer])[0]), 'two');
    c.keyUpdate(false);
    c.write('three');
    assert.equal(String(((await onceBounded(c, 'data')) as [Buffer])[0]), 'three');
    assert.deepEqual(ku, ['sent:1', 'received:0', 'sent:0']);
    c.destroy();
    await closeServer(server);
  });

  it('half-close against node:tls (allowHalfOpen)', async () => {
    const { server, port } = await nodeServer({ key: leaf('p256').keyPem, cert: pki.chainPem('p256'), allowHalfOpen: true }, (s) => {
      const got: Buffer[] = [];
      s.on('data', (d: Buffer) => got.push(d));
      s.on('end', () => s.end(`got ${Buffer.concat(got).toString()}`));
    });
    const c = await tlskitConnect({ port });
    const reply = readAll(c);
    c.end('ping');
    assert.equal((await reply).toString(), 'got ping');
    await closeServer(server);
  });

  it('16 MiB each way with node:tls', async () => {
    const block = randomBytes(1 << 20);
    const { server, port } = await nodeServer({ key: leaf('p256').keyPem, cert: pki.chainPem('p256') }, echo);
    const c = await tlskitConnect({ port });
    const h = createHash('sha256');
    const want = createHash('sha256');
    for (let i = 0; i < 16; i++) want.update(block);
    const done = new Promise<string>((resolve) => {
      c.on('data', (d: Buffer) => h.update(d));
      c.on('end', () => resolve(h.digest('hex')));
    });
    for (let i = 0; i < 16; i++) if (!c.write(block)) await once(c, 'drain');
    c.end();
    assert.equal(await bounded(done, 20_000, 'echo of 16 MiB'), want.digest('hex'));
    await closeServer(server);
  });
});

describe('node:tls client → tlskit server', () => {
  for (const suite of SUITES) {
    for (const group of GROUPS) {
      it(`${suite} ${group.ecdhCurve}: echo and equal exporters`, async () => {
        const { server, port } = await tlskitServer(
          { key: leaf('p256').keyPem, cert: pki.chainPem('p256'), ciphers: suite, ecdhCurve: group.ecdhCurve },
          (s) => {
            s.write(s.exportKeyingMaterial(48, 'EXPORTER-tlskit', Buffer.from('ctx')));
            echo(s);
          },
        );
        const n = await nodeConnect({ port });
        assert.equal(n.getCipher().name, suite);
        assert.equal((n.getEphemeralKeyInfo() as { name?: string }).name, group.name);
        const [ekm] = (await onceBounded(n, 'data')) as [Buffer];
        assert.deepEqual(ekm, n.exportKeyingMaterial(48, 'EXPORTER-tlskit', Buffer.from('ctx')));
        const back = readAll(n);
        n.end('ping');
        assert.equal((await back).toString(), 'ping');
        await closeServer(server);
      });
    }
  }

  for (const kind of LEAF_KINDS) {
    it(`${kind} server certificate`, async () => {
      const { server, port } = await tlskitServer({ key: leaf(kind).keyPem, cert: pki.chainPem(kind) }, echo);
      const n = await nodeConnect({ port });
      assert.equal(n.authorized, true);
      assert.equal(n.getPeerCertificate().fingerprint256, new X509Certificate(leaf(kind).certPem).fingerprint256);
      n.destroy();
      await closeServer(server);
    });
  }

  it('ALPN: tlskit server picks its preference among the client offer', async () => {
    const { server, port, errors } = await tlskitServer({ key: leaf('p256').keyPem, cert: pki.chainPem('p256'), ALPNProtocols: ['h2', 'http/1.1'] }, echo);
    const n = await nodeConnect({ port, ALPNProtocols: ['http/1.1', 'h2'] });
    assert.equal(n.alpnProtocol, 'h2');
    n.destroy();
    const n2 = await nodeConnect({ port, ALPNProtocols: ['http/1.1'] });
    assert.equal(n2.alpnProtocol, 'http/1.1');
    n2.destroy();
    await assert.rejects(nodeConnect({ port, ALPNProtocols: ['spdy/3'] }), /no application protocol/i);
    // (earlier clients that closed right after their handshake may show up as ERR_TLS_CONNECTION_CLOSED)
    assert.ok(errors.some((e) => (e as { code?: string }).code === 'ERR_TLS_NO_APPLICATION_PROTOCOL'));
    await closeServer(server);
  });
});

describe('HTTPS through tlskit', () => {
  it('https.request with createConnection: tlskit.connect → node https server', async () => {
    const hs = https.createServer({ key: leaf('p256').keyPem, cert: pki.chainPem('p256') }, (req, res) => {
      res.end(`hello ${req.url ?? ''} over ${(req.socket as unknown as tls.TLSSocket).getProtocol() ?? ''}`);
    });
    const port = await listen(hs);
    const body = await bounded(
      new Promise<string>((resolve, reject) => {
        const req = https.request(
          {
            host: HOST,
            port,
            path: '/a',
            createConnection: () => tlskit.connect({ host: HOST, port, servername: 'localhost', ca, ALPNProtocols: ['http/1.1'] }),
          } as https.RequestOptions,
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (d: string) => (text += d));
            res.on('end', () => resolve(`${res.statusCode ?? 0} ${text}`));
          },
        );
        req.on('error', reject);
        req.end();
      }),
      10_000,
      'https.request',
    );
    assert.equal(body, '200 hello /a over TLSv1.3');

    // https.get with an Agent whose createConnection returns a tlskit socket (keep-alive reuse)
    class TlskitAgent extends https.Agent {
      override createConnection(): Duplex {
        return tlskit.connect({ host: HOST, port, servername: 'localhost', ca });
      }
    }
    let tlsConnections = 0;
    hs.on('secureConnection', () => tlsConnections++);
    const agent = new TlskitAgent({ keepAlive: true, maxSockets: 1 });
    const get = (path: string): Promise<string> =>
      bounded(
        new Promise<string>((resolve, reject) => {
          https
            .get({ host: HOST, port, path, agent }, (res) => {
              let text = '';
              res.setEncoding('utf8');
              res.on('data', (d: string) => (text += d));
              res.on('end', () => resolve(text));
            })
            .on('error', reject);
        }),
        10_000,
        'https.get',
      );
    assert.equal(await get('/b'), 'hello /b over TLSv1.3');
    assert.equal(await get('/c'), 'hello /c over TLSv1.3');
    assert.equal(tlsConnections, 1); // the keep-alive agent reused the tlskit socket
    agent.destroy();
    await closeServer(hs);
  });

  it('node https client → tlskit server behind http.createServer()', async () => {
    const httpServer = http.createServer((req, res) => {
      const s = req.socket as unknown as tlskit.TLSSocket;
      res.end(`tlskit says ${req.method ?? ''} ${req.url ?? ''} ${s.getProtocol() ?? ''} ${String(s.alpnProtocol)}`);
    });
    const { server, port } = await tlskitServer({ key: leaf('rsa2048').keyPem, cert: pki.chainPem('rsa2048'), ALPNProtocols: ['http/1.1'] }, (s) => {
      httpServer.emit('connection', s);
    });
    for (const path of ['/x', '/y']) {
      const text = await bounded(
        new Promise<string>((resolve, reject) => {
          https
            .get({ host: HOST, port, path, servername: 'localhost', ca, agent: false, ALPNProtocols: ['http/1.1'] } as https.RequestOptions, (res) => {
              let t = '';
              res.setEncoding('utf8');
              res.on('data', (d: string) => (t += d));
              res.on('end', () => resolve(t));
            })
            .on('error', reject);
        }),
        10_000,
        'https.get to tlskit',
      );
      assert.equal(text, `tlskit says GET ${path} TLSv1.3 http/1.1`);
    }
    httpServer.close();
    httpServer.closeAllConnections();
    await closeServer(server);
  });
});

describe('HTTP/2 through tlskit', () => {
  const h2get = (client: http2.ClientHttp2Session, path: string): Promise<string> =>
    bounded(
      new Promise<string>((resolve, reject) => {
        client.on('error', reject);
        const req = client.request({ ':path': path });
        let body = '';
        req.setEncoding('utf8');
        req.on('data', (d: string) => (body += d));
        req.on('end', () => resolve(body));
        req.on('error', reject);
      }),
      10_000,
      'http2 request',
    );

  it('http2.connect with createConnection: tlskit.connect (ALPN h2) → node http2 secure server', async () => {
    const hs = http2.createSecureServer({ key: leaf('p256').keyPem, cert: pki.chainPem('p256') }, (req, res) => res.end(`h2 ${req.url}`));
    const port = await listen(hs);
    const client = http2.connect(`https://localhost:${port}`, {
      createConnection: () => tlskit.connect({ host: HOST, port, servername: 'localhost', ca, ALPNProtocols: ['h2'] }),
    });
    assert.equal(await h2get(client, '/one'), 'h2 /one');
    assert.equal(await h2get(client, '/two'), 'h2 /two');
    client.close();
    await closeServer(hs);
  });

  it('node http2 client → tlskit server (ALPN h2) behind http2.createServer()', async () => {
    const h2 = http2.createServer((req, res) => res.end(`tlskit h2 ${req.url}`));
    const { server, port } = await tlskitServer({ key: leaf('p256').keyPem, cert: pki.chainPem('p256'), ALPNProtocols: ['h2'] }, (s) => {
      h2.emit('connection', s);
    });
    const client = http2.connect(`https://localhost:${port}`, { ca });
    assert.equal(await h2get(client, '/y'), 'tlskit h2 /y');
    client.close();
    await closeServer(server);
  });
});

describe('certificate verification and failures', () => {
  let selfSigned: GeneratedCertificate;
  before(() => {
    selfSigned = generateCertificate({ subject: { CN: 'localhost' }, keyKind: 'p256', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] }, nodeCryptoProvider);
  });

  it('rejectUnauthorized (default true) rejects a self-signed server with the node code and an alert', async () => {
    const { server, port, errors } = await nodeServer({ key: selfSigned.keyPem, cert: selfSigned.certPem }, echo);
    const nodeErr = await nodeConnect({ port, ca: undefined }).then(
      () => assert.fail('node accepted'),
      (e: unknown) => e as NodeJS.ErrnoException,
    );
    const err = await tlskitConnect({ port, ca: undefined }).then(
      () => assert.fail('tlskit accepted'),
      (e: unknown) => e as tlskit.TlsError,
    );
    assert.ok(err instanceof tlskit.TlsError);
    assert.equal(err.code, nodeErr.code);
    assert.equal(err.code, 'DEPTH_ZERO_SELF_SIGNED_CERT');
    assert.equal(err.alert, 'unknown_ca');
    // the node server saw our alert
    await bounded(
      (async () => {
        while (errors.length < 2) await new Promise((r) => setTimeout(r, 10));
      })(),
      3000,
      'server tlsClientError',
    );
    assert.match(String((errors[1] as NodeJS.ErrnoException).code), /ALERT_UNKNOWN_CA/);

    // a CA that did not issue it: UNABLE_TO_GET_ISSUER_CERT_LOCALLY-class error
    const other = await nodeServer({ key: leaf('p256').keyPem, cert: leaf('p256').certPem }, echo);
    const e2 = await tlskitConnect({ port: other.port, ca: selfSigned.certPem }).then(
      () => assert.fail('tlskit accepted'),
      (e: unknown) => e as tlskit.TlsError,
    );
    assert.equal(e2.code, 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY');
    await closeServer(other.server);
    await closeServer(server);
  });

  it('rejectUnauthorized: false connects with authorized=false and authorizationError (as node)', async () => {
    const { server, port } = await nodeServer({ key: selfSigned.keyPem, cert: selfSigned.certPem }, echo);
    const c = await tlskitConnect({ port, ca: undefined, rejectUnauthorized: false });
    const n = await nodeConnect({ port, ca: undefined, rejectUnauthorized: false });
    assert.equal(c.authorized, false);
    assert.equal(c.authorizationError, 'DEPTH_ZERO_SELF_SIGNED_CERT');
    assert.equal(c.authorizationError, String(n.authorizationError));
    c.write('still works');
    assert.equal(String(((await onceBounded(c, 'data')) as [Buffer])[0]), 'still works');
    c.destroy();
    n.destroy();
    await closeServer(server);
  });

  it('wrong hostname → ERR_TLS_CERT_ALTNAME_INVALID; checkServerIdentity can override', async () => {
    const { server, port } = await nodeServer({ key: leaf('p256').keyPem, cert: pki.chainPem('p256') }, echo);
    await assert.rejects(tlskitConnect({ port, servername: 'wrong.example' }), (e: tlskit.TlsError) => {
      assert.equal(e.code, 'ERR_TLS_CERT_ALTNAME_INVALID');
      return true;
    });
    const seen: string[] = [];
    const c = await tlskitConnect({
      port,
      servername: 'wrong.example',
      checkServerIdentity: (host, cert) => {
        seen.push(`${host} ${String(cert.subject['CN'])}`);
        return undefined;
      },
    });
    assert.equal(c.authorized, true);
    assert.deepEqual(seen, ['wrong.example localhost']);
    c.destroy();
    await closeServer(server);
  });

  it('handshake timeout with a silent peer (client and server side)', async (t) => {
    // The handshake's own timer ends it: with setTimeout mocked (no wall clock, so no flakiness
    // under load), nothing happens before 300 ms of mock time have passed, and the failure comes
    // as soon as they have.
    const turns = async (n: number): Promise<void> => {
      for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve));
    };
    let helloArrived!: () => void;
    const arrived = new Promise<void>((resolve) => (helloArrived = resolve));
    const silent = net.createServer((s) => {
      closers.push(() => s.destroy());
      s.once('data', () => helloArrived());
      s.resume(); // reads (and drops) the ClientHello, never answers
    });
    const port = await listen(silent);
    t.mock.timers.enable({ apis: ['setTimeout'] });
    let settled = false;
    const failed = tlskitConnect({ port, handshakeTimeout: 300 }).then(
      () => assert.fail('the handshake completed'),
      (e: unknown) => e,
    );
    void failed.finally(() => (settled = true));
    await arrived;
    t.mock.timers.tick(299);
    await turns(20);
    assert.equal(settled, false, 'still waiting at 299 ms');
    t.mock.timers.tick(1);
    for (let i = 0; i < 1000 && !settled; i++) await turns(1);
    assert.equal(settled, true, 'failed when the 300 ms timer fired');
    assert.equal(((await failed) as tlskit.TlsError).code, 'ERR_TLS_HANDSHAKE_TIMEOUT');
    t.mock.timers.reset();
    await closeServer(silent);

    const { server, port: p2, errors } = await tlskitServer({ key: leaf('p256').keyPem, cert: pki.chainPem('p256'), handshakeTimeout: 300 }, echo);
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const accepted = once(server, 'connection');
    const raw = track(net.connect(p2, HOST));
    await accepted; // the server's socket and its handshake timer exist now
    t.mock.timers.tick(299);
    await turns(20);
    assert.deepEqual(errors, [], 'no timeout at 299 ms');
    t.mock.timers.tick(1);
    for (let i = 0; i < 1000 && errors.length === 0; i++) await turns(1);
    t.mock.timers.reset();
    assert.equal((errors[0] as tlskit.TlsError | undefined)?.code, 'ERR_TLS_HANDSHAKE_TIMEOUT');
    await onceBounded(raw, 'close', 5000);
    await closeServer(server);
  });

  it('version and cipher options: a range without TLS 1.2/1.3, or suites that fit none of it, is a clear ERR_TLS_INVALID_OPTION', () => {
    assert.throws(() => tlskit.connect({ host: HOST, port: 1, maxVersion: 'TLSv1.1' }), { code: 'ERR_TLS_INVALID_OPTION' });
    assert.throws(() => tlskit.connect({ host: HOST, port: 1, minVersion: 'TLSv1.3', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' }), { code: 'ERR_TLS_INVALID_OPTION' });
    assert.throws(() => tlskit.createServer({ minVersion: 'TLSv1', maxVersion: 'TLSv1.1' }), { code: 'ERR_TLS_INVALID_OPTION' });
  });
});
