// A Server reads SSLKEYLOGFILE once, when it is created, for all its connections.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeCryptoProvider } from '../crypto/node-provider.js';
import { generateTestPki } from '../x509/generate.js';
import { connect } from './connect.js';
import { createServer, type Server } from './server.js';
import { bounded } from '../../test/helpers/local-tls.js';

const pki = generateTestPki(nodeCryptoProvider, { keyKinds: ['p256'] });
const leaf = pki.leaves.p256!;

/** One connection to `srv`; the client sees SSLKEYLOGFILE as it is (`clientEnv`) or unset. */
async function oneConnection(srv: Server, clientEnv = false): Promise<void> {
  srv.listen(0, '127.0.0.1');
  await bounded(once(srv, 'listening'));
  const saved = process.env['SSLKEYLOGFILE'];
  if (!clientEnv) delete process.env['SSLKEYLOGFILE'];
  try {
    const s = connect({ host: '127.0.0.1', port: (srv.address() as AddressInfo).port, servername: 'localhost', ca: pki.root.certPem });
    s.on('data', () => {});
    await bounded(new Promise((r, j) => { s.once('secureConnect', r); s.once('error', j); }));
    s.end();
    await bounded(once(s, 'close'));
  } finally {
    if (saved !== undefined) process.env['SSLKEYLOGFILE'] = saved;
    srv.close();
  }
}

describe('Server and SSLKEYLOGFILE', () => {
  it('set when the server is created: its connections write NSS key log lines', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tlskit-keylog-'));
    const file = join(dir, 'keys.log');
    const saved = process.env['SSLKEYLOGFILE'];
    process.env['SSLKEYLOGFILE'] = file;
    let srv: Server;
    try {
      srv = createServer({ key: leaf.keyPem, cert: pki.chainPem('p256') }, (sock) => { sock.on('error', () => {}); sock.on('data', () => {}); sock.on('end', () => sock.end()); });
    } finally {
      if (saved === undefined) delete process.env['SSLKEYLOGFILE'];
      else process.env['SSLKEYLOGFILE'] = saved;
    }
    try {
      await oneConnection(srv);
      const lines = readFileSync(file, 'utf8').trim().split('\n');
      assert.equal(lines.length, 5);
      assert.ok(lines.every((l) => /^[A-Z_0-9]+ [0-9a-f]{64} [0-9a-f]+$/.test(l)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('unset when the server is created: its connections write nothing (a client that sees it does)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tlskit-keylog-'));
    const file = join(dir, 'keys.log');
    const saved = process.env['SSLKEYLOGFILE'];
    delete process.env['SSLKEYLOGFILE'];
    const srv = createServer({ key: leaf.keyPem, cert: pki.chainPem('p256') }, (sock) => { sock.on('error', () => {}); sock.on('data', () => {}); sock.on('end', () => sock.end()); });
    process.env['SSLKEYLOGFILE'] = file;
    try {
      await oneConnection(srv, true);
      // the client's 5 lines only (with the server's too there would be 10)
      assert.equal(readFileSync(file, 'utf8').trim().split('\n').length, 5);
    } finally {
      if (saved === undefined) delete process.env['SSLKEYLOGFILE'];
      else process.env['SSLKEYLOGFILE'] = saved;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
