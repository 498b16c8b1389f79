// 0-RTT early data through the node:tls look-alike (createServer({ earlyData }) / connect({ session, earlyData })) on 127.0.0.1.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
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

interface Seen {
  socket: TLSSocket;
  /** What the application read from the socket (all of it, early data first). */
  read: string;
  /** socket.earlyData at 'secureConnection'. */
  early: string | undefined;
  accepted: boolean;
}

/** A server that records each connection and answers "ok:<what it read>" once the client ends. */
async function server(options: TlsServerCreateOptions): Promise<{ port: number; seen: Seen[]; serverEvents: string[] }> {
  const seen: Seen[] = [];
  const serverEvents: string[] = [];
  const srv = createServer({ key: leaf.keyPem, cert: pki.chainPem('p256'), ...options }, (socket) => {
    const s: Seen = { socket, read: '', early: socket.earlyData?.toString(), accepted: socket.earlyDataAccepted };
    seen.push(s);
    socket.on('data', (d: Buffer) => (s.read += d.toString()));
    socket.on('end', () => socket.end(`ok:${s.read}`));
    socket.on('error', () => {});
  });
  srv.on('earlyData', (chunk: Buffer) => serverEvents.push(chunk.toString()));
  servers.push(srv);
  srv.listen(0, '127.0.0.1');
  await bounded(once(srv, 'listening'));
  return { port: (srv.address() as AddressInfo).port, seen, serverEvents };
}

/** One client connection: writes `write` after the handshake, ends, returns the reply and what happened. */
async function client(
  port: number,
  extra: ConnectionOptions,
  write = '',
): Promise<{ reply: string; session: Buffer | undefined; accepted: boolean; rejected: [string, boolean][]; reused: boolean }> {
  const s = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.root.certPem, ...extra });
  let session: Buffer | undefined;
  const rejected: [string, boolean][] = [];
  s.on('session', (b: Buffer) => (session = b));
  s.on('earlyDataRejected', (data: Buffer, resent: boolean) => rejected.push([data.toString(), resent]));
  let reply = '';
  s.on('data', (d: Buffer) => (reply += d.toString()));
  await bounded(new Promise((r, j) => { s.once('secureConnect', r); s.once('error', j); }));
  const accepted = s.earlyDataAccepted;
  s.end(write);
  await bounded(once(s, 'end'));
  const reused = s.isSessionReused();
  s.destroy();
  return { reply, session, accepted, rejected, reused };
}

describe('0-RTT early data through the node API', () => {
  it('accepted: the server socket shows it as early data (earlyData, events), then reads it like any data', async () => {
    const { port, seen, serverEvents } = await server({ earlyData: true });
    const first = await client(port, {});
    assert.ok(first.session !== undefined);
    const second = await client(port, { session: first.session, earlyData: 'GET /early' }, ' and more');
    assert.equal(second.reused, true);
    assert.equal(second.accepted, true);
    assert.deepEqual(second.rejected, []);
    assert.equal(second.reply, 'ok:GET /early and more');
    const s = seen[1];
    assert.ok(s !== undefined);
    assert.equal(s.accepted, true);
    assert.equal(s.early, 'GET /early', 'socket.earlyData holds exactly the 0-RTT bytes');
    assert.deepEqual(serverEvents, ['GET /early']);
    // the first connection had no early data
    assert.equal(seen[0]?.early, undefined);
    assert.equal(seen[0]?.accepted, false);
    // the ticket is single use: the same session again resumes nothing; the early data is resent after the handshake
    const replay = await client(port, { session: first.session, earlyData: 'GET /early' });
    assert.equal(replay.reused, false);
    assert.equal(replay.accepted, false);
    assert.deepEqual(replay.rejected, [['GET /early', true]]);
    assert.equal(replay.reply, 'ok:GET /early');
    assert.equal(seen[2]?.early, undefined);
    assert.deepEqual(serverEvents, ['GET /early'], 'no second early data');
  });

  it('a server without earlyData: tickets do not allow 0-RTT; the data goes after the handshake, or is handed back', async () => {
    const { port, seen } = await server({});
    const first = await client(port, {});
    const resent = await client(port, { session: first.session, earlyData: 'hello' });
    assert.equal(resent.reused, true);
    assert.equal(resent.accepted, false);
    assert.deepEqual(resent.rejected, [['hello', true]]);
    assert.equal(resent.reply, 'ok:hello');
    assert.equal(seen[1]?.early, undefined);
    const held = await client(port, { session: first.session, earlyData: 'hello', resendEarlyData: false }, 'x');
    assert.deepEqual(held.rejected, [['hello', false]]);
    assert.equal(held.reply, 'ok:x');
  });
});
