// The peer's EOF comes after its last bytes, even when the connection holds them behind an
// asynchronous step (the session store issuing a ticket, an asynchronous client-certificate
// verifier): a node:tls client that writes its request and half-closes at once must get its
// reply. Before the fix the server's socket ended before reading the request (reply "ok:"), or
// failed the handshake ("closed before the TLS handshake completed"; reply ""), depending on
// whether the step came before or after the client's Finished. Deterministic: the step is held
// open until the server's TCP socket has seen the client's FIN.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { nodeCryptoProvider } from '../crypto/node-provider.js';
import type { ServerConfig } from '../handshake/config.js';
import { MemoryStore, type SessionStore } from '../session/store.js';
import { generateTestPki } from '../x509/generate.js';
import type { CertificateVerifier, VerifyRequest, VerifyResult } from '../x509/verify.js';
import { createServer, type Server } from './server.js';
import { buildServerConfig } from './server-config.js';
import { TLSSocket } from './socket.js';
import { bounded } from '../../test/helpers/local-tls.js';

const pki = generateTestPki(nodeCryptoProvider, { keyKinds: ['p256'] });
const leaf = pki.leaves.p256!;
const closers: (() => void)[] = [];
after(() => {
  for (const c of closers.splice(0)) c();
});

/** A gate: `wait(v)` resolves with v once `open()` was called. */
function gate(): { wait<T>(v: T): Promise<T>; open(): void; waiting: () => number } {
  let opened = false;
  let waiting = 0;
  const queue: (() => void)[] = [];
  return {
    wait: <T>(v: T) =>
      new Promise<T>((resolve) => {
        if (opened) resolve(v);
        else {
          waiting++;
          queue.push(() => resolve(v));
        }
      }),
    open: () => {
      opened = true;
      for (const f of queue.splice(0)) f();
    },
    waiting: () => waiting,
  };
}

/** The server's side: reads until end, answers "ok:<what it read>". */
function answer(socket: TLSSocket, log: string[]): void {
  let read = '';
  socket.on('data', (d: Buffer) => (read += d.toString()));
  socket.on('end', () => {
    log.push(`end after ${JSON.stringify(read)}`);
    socket.end(`ok:${read}`);
  });
  socket.on('error', (e) => log.push(`error ${e.message}`));
}

/** node:tls client: on secureConnect writes `request` and half-closes at once; resolves with the reply. */
function client(port: number, extra: tls.ConnectionOptions = {}): Promise<string> {
  const s = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.root.certPem, minVersion: 'TLSv1.3', ...extra });
  closers.push(() => s.destroy());
  let reply = '';
  s.on('data', (d: Buffer) => (reply += d.toString()));
  s.once('secureConnect', () => s.end('request'));
  return bounded(
    new Promise<string>((resolve, reject) => {
      s.once('end', () => resolve(reply));
      s.once('error', reject);
    }),
    5000,
    'reply',
  );
}

describe("the peer's EOF after its last bytes (bytes held behind an asynchronous step)", () => {
  it('TLS 1.3: the session store is slow to store the ticket; the client sent its request and FIN meanwhile', async () => {
    const held = gate();
    const inner = new MemoryStore();
    const store: SessionStore = {
      set: (k, v, ttl) => inner.set(k, v, ttl).then((r) => held.wait(r)),
      get: (k) => inner.get(k),
      take: (k) => inner.take(k),
      insertIfAbsent: (k, v, ttl) => inner.insertIfAbsent(k, v, ttl),
      delete: (k) => inner.delete(k),
      recordsIntactSince: () => inner.recordsIntactSince(),
      close: () => inner.close(),
    };
    const log: string[] = [];
    const server: Server = createServer({ key: leaf.keyPem, cert: pki.chainPem('p256'), sessionStore: store, statefulTickets: true }, (s) => answer(s, log));
    closers.push(() => server.close());
    // the store answers once the server's TCP socket has seen the client's FIN
    server.on('connection', (raw: net.Socket) => raw.once('end', () => setImmediate(() => held.open())));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const reply = await client((server.address() as net.AddressInfo).port);
    assert.ok(held.waiting() > 0, 'the ticket waited for the store');
    assert.equal(reply, 'ok:request');
    assert.deepEqual(log, ['end after "request"']);
  });

  it('TLS 1.3 mTLS: an asynchronous client-certificate verifier; the client sent its request and FIN meanwhile', async () => {
    const held = gate();
    const base = buildServerConfig({ key: leaf.keyPem, cert: pki.chainPem('p256'), requestCert: true, ca: pki.root.certPem });
    const auth = base.clientAuth;
    assert.ok(auth !== undefined && auth.verifier !== null);
    const real = auth.verifier;
    const verifier: CertificateVerifier = {
      verify: (req: VerifyRequest): VerifyResult => real.verify(req),
      verifyAsync: (req: VerifyRequest): Promise<VerifyResult> => held.wait(real.verify(req)),
    };
    const config: ServerConfig = { ...base, clientAuth: { ...auth, verifier } };
    const log: string[] = [];
    const server = net.createServer({ allowHalfOpen: true }, (raw) => {
      const s = new TLSSocket(raw, { isServer: true, config, onHandshakeError: (e) => log.push(`handshake error ${e.message}`) });
      s.once('secure', () => {
        log.push(`secure authorized=${String(s.authorized)}`);
        answer(s, log);
      });
      raw.once('end', () => setImmediate(() => held.open()));
    });
    closers.push(() => server.close());
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const reply = await client((server.address() as net.AddressInfo).port, { key: leaf.keyPem, cert: pki.chainPem('p256') });
    assert.ok(held.waiting() > 0, 'the handshake waited for the verifier');
    assert.equal(reply, 'ok:request');
    assert.deepEqual(log, ['secure authorized=true', 'end after "request"']);
  });
});
