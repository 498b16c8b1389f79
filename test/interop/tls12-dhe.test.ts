// TLS 1.2 DHE_RSA interop (RFC 5246 §7.4.3, RFC 7919): openssl s_client -cipher DHE-RSA-… → tlskit
// server (ffdhe2048), tlskit client → openssl s_server -cipher DHE-RSA-… (OpenSSL's own built-in
// parameters, validated by tlskit), and gnutls-cli DHE-RSA → tlskit. Peers bounded and killed.
import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createTestPki, removeTestPki, type TestPki } from '../helpers/pki.js';
import { runOpensslClient, startOpensslServer } from '../helpers/openssl.js';
import { killAllPeers } from '../helpers/process.js';
import { asTlsImpl, type TlsImpl } from '../helpers/impl.js';
import { connectAndRequest, startImplServer } from '../helpers/interop-matrix.js';
import { gnutlsPriority, runGnutlsClient } from '../helpers/gnutls.js';
import { TLS12_SUITES } from '../../src/handshake/suites12.js';

const CASE_TIMEOUT = 15_000;
const DHE = TLS12_SUITES.filter((s) => s.keyExchange === 'dhe');
const GNUTLS_CIPHER: Record<string, string> = { 'aes-128-gcm': 'AES-128-GCM', 'aes-256-gcm': 'AES-256-GCM', 'chacha20-poly1305': 'CHACHA20-POLY1305' };

describe('TLS 1.2 DHE_RSA interop: tlskit ↔ openssl, gnutls', () => {
  let impl: TlsImpl;
  let pki: TestPki;
  before(async () => {
    impl = asTlsImpl(await import('../../src/node/index.js'));
    pki = await createTestPki();
  });
  after(async () => {
    await killAllPeers();
    await removeTestPki();
  });

  it('openssl s_client -tls1_2 -cipher DHE-RSA-… → tlskit server: ffdhe2048', async (t: TestContext) => {
    const srv = await startImplServer(impl, { key: pki.leaves.rsa2048.key.pem, cert: pki.leaves.rsa2048.chain.pem }, 'tlskit');
    try {
      for (const suite of DHE) {
        await t.test(suite.opensslName, { timeout: CASE_TIMEOUT }, async () => {
          const r = await runOpensslClient({ port: srv.port, servername: 'localhost', caFile: pki.caFile.path, tls12Only: true, ciphers: suite.opensslName, input: 'ping\n', expect: /^pong .*$/m, timeoutMs: CASE_TIMEOUT - 1000 });
          assert.ok(r.handshakeOk, `handshake failed:\n${r.stdout}\n${r.stderr}`);
          assert.equal(r.cipher, suite.opensslName);
          assert.match(r.stdout, /Server Temp Key: DH, 2048 bits/);
          assert.equal(r.verifyReturnCode, 0, r.verifyMessage);
          assert.match(r.received, new RegExp(`^pong TLSv1\\.2 ${suite.name} none$`, 'm'), r.received);
        });
      }
    } finally {
      await srv.close();
    }
  });

  it('tlskit client → openssl s_server -tls1_2 -cipher DHE-RSA-… (its built-in DH parameters)', async (t: TestContext) => {
    const s = await startOpensslServer({ cert: pki.leaves.rsa2048.cert.path, key: pki.leaves.rsa2048.key.path, chain: pki.intermediate.cert.path, tls12Only: true, ciphers: 'DHE', mode: 'www' });
    try {
      for (const suite of DHE) {
        await t.test(suite.opensslName, { timeout: CASE_TIMEOUT }, async () => {
          const r = await connectAndRequest(impl, { host: '127.0.0.1', port: s.port, servername: 'localhost', ca: pki.caFile.pem, ciphers: suite.opensslName, maxVersion: 'TLSv1.2' }, 'GET / HTTP/1.0\r\n\r\n', CASE_TIMEOUT - 1000);
          assert.equal(r.protocol, 'TLSv1.2');
          assert.equal(r.cipher, suite.name);
          assert.equal(r.authorized, true);
          assert.ok(r.response.includes(`New, TLSv1.2, Cipher is ${suite.opensslName}`), r.response);
        });
      }
    } finally {
      await s.stop();
    }
  });

  it('gnutls-cli DHE-RSA (FFDHE2048 and FFDHE3072 listed) → tlskit server', async (t: TestContext) => {
    const srv = await startImplServer(impl, { key: pki.leaves.rsa2048.key.pem, cert: pki.leaves.rsa2048.chain.pem }, 'tlskit');
    try {
      for (const suite of DHE) {
        for (const group of ['FFDHE2048', 'FFDHE3072']) {
          await t.test(`${suite.name} ${group}`, { timeout: CASE_TIMEOUT }, async () => {
            const r = await runGnutlsClient({
              port: srv.port,
              caFile: pki.caFile.path,
              priority: gnutlsPriority({ versions: ['TLS1.2'], ciphers: [GNUTLS_CIPHER[suite.aead]!], kx: ['DHE-RSA'], groups: [group] }),
              input: 'ping\n',
              expect: /^pong [^\n]*\n/m,
              timeoutMs: CASE_TIMEOUT - 1000,
            });
            assert.ok(r.handshakeOk, `handshake failed:\n${r.stdout}\n${r.stderr}`);
            assert.equal(r.description?.kx, `DHE-${group}`, r.description?.raw);
            assert.equal(r.matched, `pong TLSv1.2 ${suite.name} none`);
          });
        }
      }
    } finally {
      await srv.close();
    }
  });
});
