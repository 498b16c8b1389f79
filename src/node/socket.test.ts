// TLSSocket over in-memory Duplex streams (no sockets): the adapter works over any Duplex.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import { nodeCryptoProvider } from '../crypto/node-provider.js';
import type { TlsError } from '../errors.js';
import { generateTestPki } from '../x509/generate.js';
import { TLSSocket } from './socket.js';
import { bounded } from '../../test/helpers/local-tls.js';

const pki = generateTestPki(nodeCryptoProvider, { keyKinds: ['p256'] });
const leaf = pki.leaves.p256!;
const serverOptions = { isServer: true, key: leaf.keyPem, cert: pki.chainPem('p256') } as const;
const clientOptions = { servername: 'localhost', ca: pki.root.certPem } as const;

/** Two Duplex ends connected to each other in memory. */
function duplexPair(): [Duplex, Duplex] {
  const make = (peer: () => Duplex): Duplex =>
    new Duplex({
      read() {},
      write(chunk: Buffer, _enc, cb) {
        peer().push(chunk);
        cb();
      },
      final(cb) {
        peer().push(null);
        cb();
      },
    });
  const a: Duplex = make(() => b);
  const b: Duplex = make(() => a);
  return [a, b];
}

function collect(s: Duplex): Promise<string> {
  let text = '';
  s.setEncoding('utf8');
  s.on('data', (d: string) => (text += d));
  return bounded(once(s, 'end')).then(() => text);
}

describe('TLSSocket over an in-memory Duplex', () => {
  it('handshakes, queues writes made before the handshake, exchanges data, closes both ends', async () => {
    const [a, b] = duplexPair();
    const server = new TLSSocket(b, { ...serverOptions, allowHalfOpen: true });
    const client = new TLSSocket(a, clientOptions);
    const closed = bounded(Promise.all([once(client, 'close'), once(server, 'close')]));
    client.write('early '); // before the handshake: queued until secure
    client.end('bye');
    const secure = bounded(once(client, 'secureConnect'));
    const serverGot = collect(server);
    await secure;
    assert.equal(client.authorized, true);
    assert.equal(client.getProtocol(), 'TLSv1.3');
    assert.equal(await serverGot, 'early bye');
    const clientGot = collect(client);
    server.end('reply');
    assert.equal(await clientGot, 'reply');
    await closed;
    assert.equal(a.destroyed, true);
    assert.equal(b.destroyed, true);
    // net.Socket pass-throughs degrade gracefully on a plain Duplex
    assert.equal(client.remoteAddress, undefined);
    assert.deepEqual(client.address(), {});
  });

  it('reports a handshake failure as a TlsError on both sides (alert preserved)', async () => {
    const [a, b] = duplexPair();
    const server = new TLSSocket(b, serverOptions);
    const client = new TLSSocket(a, { ...clientOptions, servername: 'other.example' });
    const serverError = bounded(once(server, 'error'));
    const [clientErr] = (await bounded(once(client, 'error'))) as [TlsError];
    assert.equal(clientErr.code, 'ERR_TLS_CERT_ALTNAME_INVALID');
    const [serverErr] = (await serverError) as [TlsError];
    assert.equal(serverErr.code, 'ERR_TLS_ALERT_RECEIVED');
    assert.equal(serverErr.alert, 'bad_certificate');
  });

  it('handshake timeout over a silent stream', async () => {
    const [a] = duplexPair();
    const client = new TLSSocket(a, { ...clientOptions, handshakeTimeout: 50 });
    const closed = bounded(new Promise((resolve) => client.once('close', resolve)));
    const [err] = (await bounded(once(client, 'error'))) as [TlsError];
    assert.equal(err.code, 'ERR_TLS_HANDSHAKE_TIMEOUT');
    await closed;
  });

  it('setTimeout on a plain Duplex: inactivity emits timeout', async () => {
    const [a, b] = duplexPair();
    const server = new TLSSocket(b, serverOptions);
    const client = new TLSSocket(a, clientOptions);
    await bounded(once(client, 'secureConnect'));
    let fired = 0;
    client.setTimeout(30, () => fired++);
    await bounded(once(client, 'timeout'));
    assert.equal(fired, 1);
    client.setTimeout(0);
    client.destroy();
    server.destroy();
  });

  it('writes NSS key log lines to SSLKEYLOGFILE', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tlskit-keylog-'));
    const file = join(dir, 'keys.log');
    const saved = process.env['SSLKEYLOGFILE'];
    process.env['SSLKEYLOGFILE'] = file;
    try {
      const [a, b] = duplexPair();
      const server = new TLSSocket(b, serverOptions);
      const client = new TLSSocket(a, clientOptions);
      if (saved === undefined) delete process.env['SSLKEYLOGFILE'];
      else process.env['SSLKEYLOGFILE'] = saved;
      await bounded(Promise.all([once(client, 'secureConnect'), once(server, 'secure')]));
      const lines = readFileSync(file, 'utf8').trim().split('\n');
      // both ends wrote their 5 lines; the same secrets, so each line appears twice
      assert.equal(lines.length, 10);
      assert.ok(lines.every((l) => /^[A-Z_0-9]+ [0-9a-f]{64} [0-9a-f]+$/.test(l)));
      assert.equal(new Set(lines).size, 5);
      client.destroy();
      server.destroy();
    } finally {
      if (saved === undefined) delete process.env['SSLKEYLOGFILE'];
      else process.env['SSLKEYLOGFILE'] = saved;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('_writev: corked small writes are sealed together into full records; large writes arrive intact', async () => {
    const [a, b] = duplexPair();
    const server = new TLSSocket(b, serverOptions);
    const client = new TLSSocket(a, clientOptions);
    await bounded(Promise.all([once(client, 'secureConnect'), once(server, 'secure')]));
    const rawWrites: number[] = [];
    const origWrite = a.write.bind(a);
    a.write = ((chunk: Buffer, ...rest: never[]) => {
      rawWrites.push(chunk.length);
      return origWrite(chunk, ...rest);
    }) as typeof a.write;
    let got = Buffer.alloc(0);
    server.on('data', (d: Buffer) => (got = Buffer.concat([got, d])));
    const sent: Buffer[] = [];
    client.cork();
    for (let i = 0; i < 40; i++) {
      const chunk = Buffer.alloc(1000, i);
      sent.push(chunk);
      client.write(chunk);
    }
    client.uncork();
    const big = Buffer.from(new Uint8Array(300_000).map((_, i) => i & 0xff));
    sent.push(big);
    client.end(big);
    await bounded(once(server, 'end'));
    assert.ok(got.equals(Buffer.concat(sent)));
    // 40 000 corked bytes: 3 records (16 KiB, 16 KiB, rest) in one underlying write, not 40 records
    assert.equal(rawWrites[0], 40_000 + 3 * 22);
    client.destroy();
    server.destroy();
  });

  it('backpressure: a paused reader pauses the underlying stream, and resumes it', async () => {
    const [a, b] = duplexPair();
    const server = new TLSSocket(b, serverOptions);
    const client = new TLSSocket(a, clientOptions);
    await bounded(Promise.all([once(client, 'secureConnect'), once(server, 'secure')]));
    const big = Buffer.alloc(1 << 20, 1);
    server.write(big);
    server.end();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(a.isPaused(), true); // the client has not read: its underlying stream is paused
    let n = 0;
    client.on('data', (d: Buffer) => (n += d.length));
    await bounded(once(client, 'end'));
    assert.equal(n, big.length);
    client.destroy();
  });
});
