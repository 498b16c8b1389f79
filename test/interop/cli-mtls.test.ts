// tlskit serve --verify-client / --require-client-cert --cafile with --www, against openssl s_client
// -cert and tlskit connect --cert/--key; tlskit connect --cert/--key against openssl s_server -Verify.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cleanupPeersAfter, runCommand, type Peer } from '../helpers/process.js';
import { startOpensslServer } from '../helpers/openssl.js';
import { createTestPki, type TestPki } from '../helpers/pki.js';
import { runTlskit, startTlskitServe } from '../helpers/cli.js';

cleanupPeersAfter(after);

const tlskit = (args: readonly string[], input?: string) => runTlskit(args, input === undefined ? {} : { input });

let pki: TestPki;
before(async () => {
  pki = await createTestPki();
});

async function startServe(extra: readonly string[]): Promise<{ serve: Peer; port: number }> {
  const leaf = pki.leaves.p256;
  return startTlskitServe(['--www', '--cert', leaf.chain.path, '--key', leaf.key.path, ...extra]);
}

const GET = 'GET / HTTP/1.0\r\n\r\n';

describe('tlskit serve --verify-client --cafile --www', () => {
  let serve: Peer;
  let port = 0;
  before(async () => {
    ({ serve, port } = await startServe(['--verify-client', '--cafile', pki.caFile.path]));
  });
  after(async () => {
    await serve.kill(500);
  });

  it('shows the client certificate of openssl s_client -cert and its verification result', async () => {
    const c = pki.leaves.rsa2048;
    const r = await runCommand('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', '-CAfile', pki.caFile.path, '-cert', c.cert.path, '-cert_chain', pki.intermediate.cert.path, '-key', c.key.path, '-ign_eof'], { timeoutMs: 15_000, input: GET });
    assert.match(r.stdout, /<th>Client certificate<\/th><td>CN=localhost/);
    assert.match(r.stdout, /<th>Client certificate verification<\/th><td>OK/);
  });

  it('tlskit connect --cert/--key, TLS 1.2 and 1.3; without a certificate the page says none was sent', async () => {
    const c = pki.leaves.ed25519;
    for (const v of ['--tls1.3', '--tls1.2']) {
      const r = await tlskit(['connect', `localhost:${port}`, v, '--cafile', pki.caFile.path, '--cert', c.chain.path, '--key', c.key.path], GET);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /<th>Client certificate verification<\/th><td>OK/);
    }
    const none = await tlskit(['connect', `localhost:${port}`, '--cafile', pki.caFile.path], GET);
    assert.equal(none.code, 0, none.stderr);
    assert.match(none.stdout, /<th>Client certificate<\/th><td>\(none sent\)/);
  });
});

describe('tlskit serve --require-client-cert', () => {
  it('refuses a client without a certificate (certificate_required)', async () => {
    const { serve, port } = await startServe(['--require-client-cert', '--cafile', pki.caFile.path]);
    try {
      const r = await tlskit(['connect', `localhost:${port}`, '--tls1.3', '--cafile', pki.caFile.path], GET);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /certificate_required/);
    } finally {
      await serve.kill(500);
    }
  });
});

describe('tlskit connect --cert/--key to openssl s_server -Verify', () => {
  it('authenticates to s_server (TLS 1.3 and 1.2)', async () => {
    const leaf = pki.leaves.p256;
    const c = pki.leaves.rsa2048;
    for (const only of [{ tls13Only: true }, { tls12Only: true }]) {
      const server = await startOpensslServer({ cert: leaf.cert.path, key: leaf.key.path, chain: pki.intermediate.cert.path, ...only, verifyClientCa: pki.caFile.path, timeoutMs: 20_000 });
      try {
        const r = await tlskit(['connect', `localhost:${server.port}`, '--cafile', pki.caFile.path, '--cert', c.chain.path, '--key', c.key.path], GET);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /HTTP\/1\.0 200 ok/);
        assert.match(r.stdout, /Client certificate/);
      } finally {
        await server.stop();
      }
    }
  });
});
