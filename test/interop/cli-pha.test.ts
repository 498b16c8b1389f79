// tlskit serve --post-handshake-auth (RFC 8446 §4.6.2): with --www, GET /pha asks for the client
// certificate after the handshake (openssl s_client -enable_pha, tlskit connect --cert/--key);
// in echo mode it asks right after the handshake. Every process is bounded and killed.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect as tcpConnect } from 'node:net';
import * as tlskitApi from '../../src/node/index.js';
import { cleanupPeersAfter, runCommand, spawnPeer, type Peer } from '../helpers/process.js';
import { createTestPki, type TestPki } from '../helpers/pki.js';
import { findCli, runTlskit, startTlskitServe } from '../helpers/cli.js';

cleanupPeersAfter(after);

const CLI = findCli();
const tlskit = (args: readonly string[], input?: string) => runTlskit(args, input === undefined ? {} : { input });

let pki: TestPki;
before(async () => {
  pki = await createTestPki();
});

async function startServe(extra: readonly string[]): Promise<{ serve: Peer; port: number }> {
  const leaf = pki.leaves.p256;
  return startTlskitServe(['--cert', leaf.chain.path, '--key', leaf.key.path, '--post-handshake-auth', '--cafile', pki.caFile.path, ...extra]);
}

const get = (path: string): string => `GET ${path} HTTP/1.0\r\n\r\n`;

describe('tlskit serve --www --post-handshake-auth', () => {
  let serve: Peer;
  let port = 0;
  before(async () => {
    ({ serve, port } = await startServe(['--www']));
  });
  after(async () => {
    await serve.kill(500);
  });

  it('GET /pha from openssl s_client -enable_pha -cert: asked after the handshake, verified, shown on the page', async () => {
    const c = pki.leaves.rsa2048;
    const r = await runCommand('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', '-tls1_3', '-CAfile', pki.caFile.path, '-enable_pha', '-cert', c.cert.path, '-cert_chain', pki.intermediate.cert.path, '-key', c.key.path, '-ign_eof'], { timeoutMs: 15_000, input: get('/pha') });
    assert.match(r.stdout, /<th>Client authentication<\/th><td>answered after the handshake \(post-handshake/);
    assert.match(r.stdout, /<th>Client certificate<\/th><td>CN=localhost/);
    assert.match(r.stdout, /<th>Client certificate verification<\/th><td>OK/);
    await serve.waitFor(/post-handshake client certificate: CN=localhost[^\n]*verified/, 5000, 'stderr');
  });

  it('GET / does not ask; a client without -enable_pha cannot be asked', async () => {
    const c = pki.leaves.rsa2048;
    const plain = await runCommand('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', '-tls1_3', '-CAfile', pki.caFile.path, '-enable_pha', '-cert', c.cert.path, '-key', c.key.path, '-ign_eof'], { timeoutMs: 15_000, input: get('/') });
    assert.match(plain.stdout, /<th>Client authentication<\/th><td>post-handshake \(RFC 8446 §4\.6\.2\): not requested on this path/);
    assert.match(plain.stdout, /<th>Client certificate<\/th><td>\(none sent\)/);
    const noOffer = await runCommand('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', '-tls1_3', '-CAfile', pki.caFile.path, '-cert', c.cert.path, '-key', c.key.path, '-ign_eof'], { timeoutMs: 15_000, input: get('/pha') });
    assert.match(noOffer.stdout, /<th>Client authentication<\/th><td>not requested: the client did not offer post_handshake_auth/);
  });

  it('GET /pha from tlskit connect --cert/--key: answered automatically, and said so', async () => {
    const c = pki.leaves.ed25519;
    // stdin stays open until the page arrived: a client that sent close_notify could not answer
    const connect = spawnPeer(process.execPath, [CLI, 'connect', `localhost:${port}`, '--cafile', pki.caFile.path, '--cert', c.chain.path, '--key', c.key.path], {
      timeoutMs: 15_000,
      name: 'tlskit connect',
      env: { ...process.env, NO_COLOR: '1' },
    });
    try {
      await connect.waitFor(/^---$/m, 8000, 'stderr');
      await connect.write(get('/pha'));
      await connect.waitFor(/<\/html>/, 8000, 'stdout');
      assert.match(connect.stdout(), /<th>Client certificate verification<\/th><td>OK/);
      assert.match(connect.stderr(), /Post-handshake authentication: the server asked for a client certificate; sent CN=localhost/);
    } finally {
      await connect.kill(300);
    }
  });

  it('a client that closes its side right after GET /pha cannot answer: the page says so', async () => {
    const c = pki.leaves.p256;
    const r = await tlskit(['connect', `localhost:${port}`, '--cafile', pki.caFile.path, '--cert', c.chain.path, '--key', c.key.path], get('/pha'));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /<th>Client authentication<\/th><td>(requested, but the client closed its side|not requested: the client closed its side)/);
  });
});

describe('tlskit serve --www --post-handshake-auth --pha-timeout', () => {
  it('a client whose answer does not come: after --pha-timeout the page is sent without it, and says so', async () => {
    const { serve, port } = await startServe(['--www', '--pha-timeout', '1']);
    try {
      const c = pki.leaves.p256;
      // our own TCP socket under the tlskit client: paused right after the request, so the
      // client does not read the CertificateRequest and cannot answer it
      const raw = tcpConnect(port, '127.0.0.1');
      const s = tlskitApi.connect({ socket: raw, servername: 'localhost', ca: pki.caFile.pem, cert: c.chain.pem, key: c.key.pem });
      s.on('error', () => {});
      let page = '';
      s.on('data', (d: Buffer) => (page += d.toString()));
      await new Promise<void>((resolve, reject) => {
        s.once('secureConnect', () => resolve());
        s.once('error', reject);
      });
      s.write(get('/pha'));
      raw.pause();
      await serve.waitFor(/post-handshake client authentication: no answer within 1 s/, 5000, 'stderr');
      raw.resume();
      const t0 = Date.now();
      while (!page.includes('</html>') && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 20));
      assert.match(page, /<th>Client authentication<\/th><td>requested after the handshake, but the client did not answer within 1 s/);
      s.destroy();
    } finally {
      await serve.kill(500);
    }
  });

  it('--pha-timeout needs --post-handshake-auth and takes seconds', async () => {
    const leaf = pki.leaves.p256;
    const without = await tlskit(['serve', '--cert', leaf.chain.path, '--key', leaf.key.path, '--port', '0', '--pha-timeout', '5']);
    assert.notEqual(without.code, 0);
    assert.match(without.stderr, /--pha-timeout goes with --post-handshake-auth/);
    const bad = await tlskit(['serve', '--cert', leaf.chain.path, '--key', leaf.key.path, '--port', '0', '--post-handshake-auth', '--pha-timeout', 'soon']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /invalid --pha-timeout soon/);
  });
});

describe('tlskit serve --post-handshake-auth (echo)', () => {
  it('asks right after the handshake; tlskit connect --cert/--key answers and the echo goes on', async () => {
    const { serve, port } = await startServe([]);
    try {
      const c = pki.leaves.p256;
      const connect = spawnPeer(process.execPath, [CLI, 'connect', `localhost:${port}`, '--cafile', pki.caFile.path, '--cert', c.chain.path, '--key', c.key.path], {
        timeoutMs: 15_000,
        name: 'tlskit connect',
        env: { ...process.env, NO_COLOR: '1' },
      });
      try {
        await serve.waitFor(/post-handshake client certificate: CN=localhost[^\n]*verified/, 8000, 'stderr');
        await connect.waitFor(/Post-handshake authentication: the server asked for a client certificate; sent CN=localhost/, 5000, 'stderr');
        await connect.write('hello\n');
        await connect.waitFor(/hello/, 5000, 'stdout');
      } finally {
        await connect.kill(300);
      }
    } finally {
      await serve.kill(500);
    }
  });
});
