// Socket writes per handshake over real TCP on 127.0.0.1: what the core produces while handling one
// chunk, and what the application writes or ends from the events of that pass, leaves in ONE write
// on the net.Socket; the TLS 1.3 server's tickets leave with its Finished (RFC 8446 §4.6.1).
// The client does what the bench does: end() on 'secureConnect'; the server end()s on 'end'.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect as netConnect, type Socket as NetSocket } from 'node:net';
import { nodeCryptoProvider } from '../crypto/node-provider.js';
import { generateTestPki } from '../x509/generate.js';
import { createServer, connect, type Server, type TLSSocket, type TlsServerCreateOptions } from './index.js';

const pki = generateTestPki(nodeCryptoProvider, { keyKinds: ['p256'] });
const key = pki.leaves.p256?.keyPem ?? '';
const cert = pki.chainPem('p256');

/** Counts write() calls and 'data' events on a net.Socket. */
interface Counts {
  writes: number;
  reads: number;
}

function count(sock: NetSocket): Counts {
  const c: Counts = { writes: 0, reads: 0 };
  const write = sock.write.bind(sock) as (...args: unknown[]) => boolean;
  (sock as { write: (...args: unknown[]) => boolean }).write = (...args: unknown[]): boolean => {
    c.writes++;
    return write(...args);
  };
  sock.on('data', () => c.reads++);
  return c;
}

const servers: Server[] = [];
after(() => {
  for (const s of servers) s.close();
});

async function start(options: TlsServerCreateOptions): Promise<{ port: number; serverCounts: Counts[]; server: Server }> {
  const serverCounts: Counts[] = [];
  const server = createServer(options, (s: TLSSocket) => {
    s.on('data', () => undefined);
    s.on('end', () => s.end());
    s.on('error', () => undefined);
  });
  servers.push(server);
  // before the server's own listener wraps the socket: the first flight is counted too
  server.prependListener('connection', (raw: NetSocket) => serverCounts.push(count(raw)));
  server.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  return { port: addr.port, serverCounts, server };
}

interface Result {
  client: Counts;
  session: Buffer | undefined;
  resumed: boolean;
}

/** One handshake; end() on 'secureConnect'; resolves on 'close' (bounded). */
function handshake(port: number, extra: Record<string, unknown>): Promise<Result> {
  return new Promise<Result>((resolve, reject) => {
    const raw = netConnect(port, '127.0.0.1');
    const client = count(raw);
    let session: Buffer | undefined;
    const t = setTimeout(() => reject(new Error('handshake timed out')), 5000);
    const s = connect({ socket: raw, servername: 'localhost', ca: pki.root.certPem, ...extra }, () => {
      s.end();
    });
    s.on('session', (x: Buffer) => (session ??= x));
    s.on('data', () => undefined);
    s.on('error', (e: Error) => {
      clearTimeout(t);
      reject(e);
    });
    s.on('close', () => {
      clearTimeout(t);
      resolve({ client, session, resumed: s.isSessionReused() });
    });
  });
}

/** Lets the server side finish its writes (its counts are final once the client closed). */
async function settled(): Promise<void> {
  await new Promise((r) => setTimeout(r, 50));
}

describe('one write per flight (TCP on 127.0.0.1)', () => {
  for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
    it(`resumed ${version}: server 2 writes (its flight; close_notify), client 2 writes and 2 reads`, async () => {
      const { port, serverCounts } = await start({ key, cert, minVersion: 'TLSv1.2' });
      const v = { minVersion: version, maxVersion: version };
      const first = await handshake(port, v);
      assert.ok(first.session !== undefined, 'a session from the full handshake');
      for (let i = 0; i < 3; i++) {
        const r = await handshake(port, { ...v, session: first.session });
        await settled();
        assert.equal(r.resumed, true);
        const server = serverCounts.at(-1);
        assert.deepEqual([server?.writes, r.client.writes, r.client.reads], [2, 2, 2], `handshake ${i}: [server writes, client writes, client reads]`);
      }
    });
  }

  it('full TLS 1.3: the tickets leave with the server Finished — server 2 writes, client 2 reads', async () => {
    const { port, serverCounts } = await start({ key, cert });
    const r = await handshake(port, {});
    await settled();
    assert.ok(r.session !== undefined);
    assert.deepEqual([serverCounts.at(-1)?.writes, r.client.writes, r.client.reads], [2, 2, 2]);
  });

  it('a client that destroys its socket on \'session\' (the ticket came with the server Finished) still sends its Finished: the server completes', async () => {
    const { port, server } = await start({ key, cert });
    const secure = new Promise<void>((resolve) => server.once('secureConnection', () => resolve()));
    const failed: Error[] = [];
    server.on('tlsClientError', (e: Error) => failed.push(e));
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no session')), 5000);
      const s = connect({ port, host: '127.0.0.1', servername: 'localhost', ca: pki.root.certPem });
      s.once('session', () => {
        clearTimeout(t);
        s.destroy();
        resolve();
      });
      s.on('error', reject);
    });
    await Promise.race([secure, new Promise((_, reject) => setTimeout(() => reject(new Error(`the server did not complete: ${failed.map((e) => e.message).join()}`)), 5000))]);
    assert.deepEqual(failed, []);
  });

  it('TLS 1.3 with a client certificate: the tickets follow the client Finished and leave with the close_notify the server sends on \'end\' (one write)', async () => {
    const { port, serverCounts } = await start({ key, cert, requestCert: true, rejectUnauthorized: true, ca: pki.root.certPem });
    const r = await handshake(port, { key, cert });
    await settled();
    assert.ok(r.session !== undefined, 'tickets issued');
    // server: [SH..Finished], [NewSessionTickets + close_notify]; without the end-of-pass flush, 3
    assert.equal(serverCounts.at(-1)?.writes, 2);
    assert.equal(r.client.writes, 2);
  });
});
