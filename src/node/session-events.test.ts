// node:tls's server session events ('newSession', 'resumeSession') as an external session cache,
// with tlskit and node:tls clients on 127.0.0.1.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import * as tls from 'node:tls';
import { nodeCryptoProvider } from '../crypto/node-provider.js';
import { generateTestPki } from '../x509/generate.js';
import { connect, type ConnectionOptions } from './connect.js';
import { createServer, type Server, type TlsServerCreateOptions } from './server.js';
import type { TLSSocket } from './socket.js';
import { bounded } from '../../test/helpers/local-tls.js';

const pki = generateTestPki(nodeCryptoProvider, { keyKinds: ['p256'] });
const leaf = pki.leaves.p256!;
const servers: Server[] = [];
after(() => {
  for (const s of servers) s.close();
});

interface Cache {
  readonly server: Server;
  readonly port: number;
  /** The external cache: hex session ID → session data. */
  readonly entries: Map<string, Buffer>;
  /** Every event in order: `new:<id hex>`, `resume:<id hex>:hit|miss`, `newDone`, `secure:<reused>`. */
  readonly log: string[];
  readonly clientErrors: Error[];
  /** For each client 'session' event: how many entries `log` had then. */
  readonly clientSessionsAt: number[];
}

/**
 * A tlskit server whose listeners keep sessions in a Map; 'newSession' calls back after
 * `newDelayMs`; `answer` decides what 'resumeSession' answers (default: the cached data).
 */
async function cachingServer(
  options: TlsServerCreateOptions,
  newDelayMs = 0,
  answer?: (id: Buffer, cached: Buffer | undefined, cb: (err: Error | null, data?: Buffer | null) => void) => void,
): Promise<Cache> {
  const entries = new Map<string, Buffer>();
  const log: string[] = [];
  const clientErrors: Error[] = [];
  const server = createServer({ key: leaf.keyPem, cert: pki.chainPem('p256'), ...options }, (s: TLSSocket) => {
    log.push(`secure:${String(s.isSessionReused())}`);
    s.on('data', (d: Buffer) => s.end(`echo:${d.toString()}`));
    s.on('error', () => {});
  });
  servers.push(server);
  // listeners added after createServer, as applications do
  server.on('newSession', (id: Buffer, data: Buffer, cb: () => void) => {
    log.push(`new:${id.toString('hex')}`);
    entries.set(id.toString('hex'), data);
    setTimeout(() => {
      log.push('newDone');
      cb();
    }, newDelayMs);
  });
  server.on('resumeSession', (id: Buffer, cb: (err: Error | null, data?: Buffer | null) => void) => {
    const cached = entries.get(id.toString('hex'));
    log.push(`resume:${id.toString('hex')}:${cached === undefined ? 'miss' : 'hit'}`);
    if (answer !== undefined) answer(id, cached, cb);
    else cb(null, cached ?? null);
  });
  server.on('tlsClientError', (e: Error) => clientErrors.push(e));
  server.listen(0, '127.0.0.1');
  await bounded(once(server, 'listening'));
  await Promise.resolve(); // the listeners took effect (the config is rebuilt in a microtask)
  return { server, port: (server.address() as AddressInfo).port, entries, log, clientErrors, clientSessionsAt: [] };
}

interface Round {
  readonly reused: boolean;
  readonly protocol: string | null;
  readonly sessions: Buffer[];
  readonly reply: string;
  /** Events of the server's log before this client's secureConnect. */
  readonly logAtSecure: string[];
}

/** A tlskit (default) or node:tls client: handshake, one echo, a clean close. */
async function round(cache: Cache, options: ConnectionOptions & { session?: Buffer | undefined }, impl: 'tlskit' | 'node' = 'tlskit'): Promise<Round> {
  const base = { host: '127.0.0.1', port: cache.port, servername: 'localhost', ca: pki.root.certPem };
  const s = impl === 'tlskit' ? connect({ ...base, ...options }) : tls.connect({ ...base, ...(options as tls.ConnectionOptions) });
  const sessions: Buffer[] = [];
  s.on('session', (b: Buffer) => {
    sessions.push(b);
    cache.clientSessionsAt.push(cache.log.length);
  });
  let reply = '';
  s.on('data', (d: Buffer) => (reply += d.toString()));
  let logAtSecure: string[] = [];
  await bounded(
    new Promise<void>((resolve, reject) => {
      s.once('secureConnect', () => {
        logAtSecure = [...cache.log];
        resolve();
      });
      s.once('error', reject);
    }),
  );
  s.write('hi');
  await bounded(new Promise((r, j) => { s.once('end', r); s.once('error', j); }));
  const result = { reused: s.isSessionReused(), protocol: s.getProtocol(), sessions, reply, logAtSecure };
  await bounded(new Promise((r) => { s.once('close', r); s.end(); }));
  return result;
}

const V12 = { maxVersion: 'TLSv1.2' } as const;
const idOf = (entry: string | undefined): string => entry?.split(':')[1] ?? '';
/** A log entry without its session ID: `resume:miss`, `new`, `secure:false`. */
const kind = (entry: string): string => {
  const parts = entry.split(':');
  return parts[0] === 'resume' ? `resume:${parts[2] ?? ''}` : parts[0] === 'new' ? 'new' : entry;
};

describe("server 'newSession' / 'resumeSession' (node:tls): TLS 1.2 session IDs in an external cache", () => {
  it('tlskit client: the session goes to the listener (the handshake waits for its callback), a later ClientHello with that ID resumes from it', async () => {
    const cache = await cachingServer({ ...V12, ticketCount: 0 }, 150);
    const first = await round(cache, {});
    assert.equal(first.protocol, 'TLSv1.2');
    assert.equal(first.reused, false);
    // the client offers TLS 1.3 too, with a random legacy_session_id (RFC 8446 §D.4): as node, a
    // TLS 1.2 server looks it up (a miss); then the server's Finished waits for the newSession callback
    assert.deepEqual(first.logAtSecure.filter((e) => !e.startsWith('secure:')).map(kind), ['resume:miss', 'new', 'newDone']);
    const id = idOf(first.logAtSecure[1]);
    assert.equal(id.length, 64, 'a 32-byte session ID');
    assert.equal(cache.entries.size, 1);
    // sealed: the 48-byte master secret is not in the clear in sessionData
    assert.equal(first.sessions.length, 1);

    cache.log.length = 0;
    const second = await round(cache, { session: first.sessions[0] });
    assert.equal(second.reused, true);
    assert.equal(second.reply, 'echo:hi');
    assert.deepEqual(cache.log, [`resume:${id}:hit`, 'secure:true'], 'resumed from the listener; no newSession for a resumed session');
  });

  it('a miss (callback(null, null)) and data that does not open give a full handshake and a new session', async () => {
    const cache = await cachingServer({ ...V12, ticketCount: 0 });
    const first = await round(cache, {});
    const id = idOf(cache.log.find((e) => e.startsWith('new:')));
    cache.entries.clear();
    cache.log.length = 0;
    const miss = await round(cache, { session: first.sessions[0] });
    assert.equal(miss.reused, false);
    assert.deepEqual(cache.log.map(kind), ['resume:miss', 'new', 'newDone', 'secure:false']);
    assert.equal(idOf(cache.log[0]), id, 'the ID the client offered');

    // garbage in the cache (e.g. another implementation's format) is not a session
    for (const k of cache.entries.keys()) cache.entries.set(k, Buffer.alloc(120, 7));
    cache.log.length = 0;
    const garbage = await round(cache, { session: miss.sessions[0] });
    assert.equal(garbage.reused, false);
    assert.equal(cache.log[0]?.endsWith(':hit'), true);
    assert.equal(cache.clientErrors.length, 0);
  });

  it('resumeSession callback(err) fails that handshake (tlsClientError), like node destroying the socket', async () => {
    const cache = await cachingServer({ ...V12, ticketCount: 0 }, 0, (_id, cached, cb) => {
      setTimeout(() => { if (cached === undefined) cb(null, null); else cb(new Error('cache down')); }, 10);
    });
    const first = await round(cache, {});
    const s = connect({ host: '127.0.0.1', port: cache.port, servername: 'localhost', ca: pki.root.certPem, session: first.sessions[0] });
    const err = await bounded(new Promise<Error>((resolve) => { s.once('error', resolve); s.once('secureConnect', () => { resolve(new Error('connected')); }); }));
    assert.notEqual(err.message, 'connected');
    await bounded((async () => { while (cache.clientErrors.length === 0) await new Promise((r) => setTimeout(r, 10)); })());
    assert.match(cache.clientErrors[0]?.message ?? '', /resumeSession listener failed: cache down/);
  });

  it('node:tls client: resumes from the listener by session ID (server without tickets); with tickets it resumes by ticket and no event fires, as node', async () => {
    const cache = await cachingServer({ ...V12, ticketCount: 0 });
    const first = await round(cache, {}, 'node');
    assert.equal(first.reused, false);
    assert.equal(cache.entries.size, 1);
    const second = await round(cache, { session: first.sessions[0] }, 'node');
    assert.equal(second.reused, true);
    assert.equal(cache.log.filter((e) => e.endsWith(':hit')).length, 1);
    cache.entries.clear();
    const miss = await round(cache, { session: second.sessions[0] ?? first.sessions[0] }, 'node');
    assert.equal(miss.reused, false, 'a miss: full handshake');
    assert.equal(cache.log.filter((e) => e.endsWith(':miss')).length, 2, 'the first ClientHello (TLS 1.3 legacy_session_id) and the forgotten session');
    assert.equal(cache.entries.size, 1, 'the new session is cached again');

    const ticketed = await cachingServer({ ...V12 });
    const t1 = await round(ticketed, {}, 'node');
    const t2 = await round(ticketed, { session: t1.sessions[0] }, 'node');
    assert.equal(t2.reused, true);
    // the first ClientHello's random legacy_session_id is looked up (as node); then a ticket
    // session: no newSession, and a ClientHello with a ticket is not looked up (RFC 5077 §3.4)
    assert.deepEqual(ticketed.log.map(kind), ['resume:miss', 'secure:false', 'secure:true']);
  });

  it('removing the listeners gives the server its own session-ID cache back (for connections that start afterwards)', async () => {
    const cache = await cachingServer({ ...V12, ticketCount: 0 });
    cache.server.removeAllListeners('newSession');
    cache.server.removeAllListeners('resumeSession');
    const first = await round(cache, {});
    const second = await round(cache, { session: first.sessions[0] });
    assert.equal(second.reused, true);
    assert.equal(cache.entries.size, 0);
    assert.deepEqual(cache.log, ['secure:false', 'secure:true'], 'no events');
  });
});

describe("server 'newSession' for TLS 1.3 tickets (as node)", () => {
  for (const impl of ['tlskit', 'node'] as const) {
    it(`${impl} client: one newSession per NewSessionTicket, each ticket sent after its callback; resumption by the ticket, no resumeSession`, async () => {
      const cache = await cachingServer({ maxVersion: 'TLSv1.3' }, 50);
      const first = await round(cache, {}, impl);
      assert.equal(first.protocol, 'TLSv1.3');
      assert.equal(first.sessions.length, 2, 'both tickets arrived');
      const news = cache.log.filter((e) => e.startsWith('new:'));
      assert.equal(news.length, 2);
      assert.equal(cache.log.filter((e) => e === 'newDone').length, 2);
      assert.ok((cache.clientSessionsAt[0] ?? 0) > cache.log.lastIndexOf('newDone'), `the tickets left after the callbacks: ${cache.log.join(' ')}`);
      assert.ok(news.every((e) => idOf(e).length === 64));
      const second = await round(cache, { session: first.sessions[1] }, impl);
      assert.equal(second.reused, true);
      assert.equal(cache.log.filter((e) => e.startsWith('resume:')).length, 0);
    });
  }
});
