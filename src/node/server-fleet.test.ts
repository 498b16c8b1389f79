// createServer()'s fleet options: servers given the same ticketSecret resume each other's sessions;
// with statefulTickets and one shared sessionStore a ticket is single use across them.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { nodeCryptoProvider as provider } from '../crypto/node-provider.js';
import { MemoryStore } from '../session/store.js';
import { generateTestPki } from '../x509/generate.js';
import { connect } from './connect.js';
import { createServer, type Server, type TlsServerCreateOptions } from './server.js';

const pki = generateTestPki(provider, { keyKinds: ['p256'] });
const base = { key: pki.leaves.p256!.keyPem, cert: pki.chainPem('p256') };
const servers: Server[] = [];
after(() => {
  for (const s of servers) s.close();
});

async function listen(options: TlsServerCreateOptions): Promise<number> {
  const server = createServer({ ...base, ...options }, (s) => {
    s.on('data', (d: Buffer) => s.end(d));
    s.on('error', () => undefined);
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

async function round(port: number, session?: Buffer): Promise<{ reused: boolean; sessions: Buffer[] }> {
  const s = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.root.certPem, ...(session === undefined ? {} : { session }) });
  const sessions: Buffer[] = [];
  s.on('session', (b: Buffer) => sessions.push(b));
  const timer = setTimeout(() => s.destroy(new Error('timeout')), 10_000);
  try {
    await once(s, 'secureConnect');
    s.resume(); // 'end' comes once the echo is consumed
    s.end('x');
    await once(s, 'end');
    return { reused: s.isSessionReused(), sessions };
  } finally {
    clearTimeout(timer);
    s.destroy();
  }
}

describe('createServer fleet options', () => {
  it('ticketSecret: a session from one server resumes on another; without it, not', async () => {
    const ticketSecret = provider.randomBytes(32);
    const a = await listen({ ticketSecret, ticketRotation: 60 });
    const b = await listen({ ticketSecret, ticketRotation: 60 });
    const lone = await listen({});
    const s = (await round(a)).sessions[0]!;
    assert.equal((await round(b, s)).reused, true);
    assert.equal((await round(lone, s)).reused, false);
  });

  it('statefulTickets + one sessionStore: single use across servers', async () => {
    const ticketSecret = provider.randomBytes(32);
    const sessionStore = new MemoryStore();
    const a = await listen({ ticketSecret, sessionStore, statefulTickets: true });
    const b = await listen({ ticketSecret, sessionStore, statefulTickets: true });
    const s = (await round(a)).sessions[0]!;
    assert.equal((await round(b, s)).reused, true);
    assert.equal((await round(a, s)).reused, false, 'already used on B');
    await sessionStore.close();
  });

  it('bad options are refused', () => {
    assert.throws(() => createServer({ ...base, ticketSecret: new Uint8Array(16) }), /at least 32 bytes/);
    assert.throws(() => createServer({ ...base, ticketSecret: new Uint8Array(32), ticketKeys: Buffer.alloc(48) }), /either/);
    assert.throws(() => createServer({ ...base, ticketRotation: 0 }), /positive/);
  });
});
