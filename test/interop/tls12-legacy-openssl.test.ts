// TLS 1.2 legacy suites against OpenSSL on 127.0.0.1 (issue 3, off by default in tlskit): static
// RSA key exchange (`-cipher AES128-GCM-SHA256`, RFC 5246 §7.4.7.1) and the CBC suites with
// encrypt_then_mac (RFC 7366, OpenSSL's default) and without it (`-no_etm`), both directions.
// Every peer process is bounded and killed.
import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createTestPki, removeTestPki, type TestPki } from '../helpers/pki.js';
import { runOpensslClient, startOpensslServer } from '../helpers/openssl.js';
import { killAllPeers } from '../helpers/process.js';
import { asTlsImpl, type TlsImpl } from '../helpers/impl.js';
import { connectAndRequest, startImplServer } from '../helpers/interop-matrix.js';
import { LEGACY_SUITES_12 } from '../../src/handshake/suites12.js';

const CASE_TIMEOUT = 15_000;

describe('TLS 1.2 legacy interop: static RSA and CBC, tlskit ↔ openssl', () => {
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

  const leafFor = (auth: 'rsa' | 'ecdsa'): 'rsa2048' | 'p256' => (auth === 'rsa' ? 'rsa2048' : 'p256');

  for (const etm of [true, false]) {
    it(`openssl s_client -tls1_2 -cipher <legacy> → tlskit server${etm ? '' : ' (-no_etm)'}`, async (t: TestContext) => {
      for (const suite of LEGACY_SUITES_12.filter((s) => etm || s.cbc !== undefined)) {
        const leaf = leafFor(suite.auth);
        // naming the suite in node's `ciphers` enables it
        const srv = await startImplServer(impl, { key: pki.leaves[leaf].key.pem, cert: pki.leaves[leaf].chain.pem, ciphers: `TLS_AES_128_GCM_SHA256:${suite.opensslName}` }, 'tlskit');
        try {
          await t.test(suite.opensslName, { timeout: CASE_TIMEOUT }, async () => {
            const r = await runOpensslClient({
              port: srv.port,
              servername: 'localhost',
              caFile: pki.caFile.path,
              tls12Only: true,
              ciphers: suite.opensslName,
              input: 'ping\n',
              expect: /^pong .*$/m,
              extraArgs: etm ? ['-tlsextdebug'] : ['-tlsextdebug', '-no_etm'],
              timeoutMs: CASE_TIMEOUT - 1000,
            });
            assert.ok(r.handshakeOk, `handshake failed:\n${r.stdout}\n${r.stderr}`);
            // (OpenSSL's "New, TLSv1.0, Cipher is ..." line names the SHA-1 suites' minimum version; the session says TLSv1.2)
            assert.match(r.stdout, /^\s*Protocol\s*: TLSv1\.2$/m);
            assert.equal(r.cipher, suite.opensslName);
            assert.equal(r.verifyReturnCode, 0, r.verifyMessage);
            assert.match(r.received, new RegExp(`^pong TLSv1\\.2 ${suite.name} none$`, 'm'), r.received);
            // RFC 7366 §3: the server echoes encrypt_then_mac only for a CBC suite the client offered it with
            const echoed = /TLS server extension "encrypt-then-mac"/.test(r.stdout);
            assert.equal(echoed, etm && suite.cbc !== undefined, r.stdout);
          });
        } finally {
          await srv.close();
        }
      }
    });

    it(`tlskit client → openssl s_server -tls1_2 -cipher <legacy>${etm ? '' : ' (-no_etm)'}`, async (t: TestContext) => {
      for (const suite of LEGACY_SUITES_12.filter((s) => etm || s.cbc !== undefined)) {
        const leaf = leafFor(suite.auth);
        const s = await startOpensslServer({
          cert: pki.leaves[leaf].cert.path,
          key: pki.leaves[leaf].key.path,
          chain: pki.intermediate.cert.path,
          tls12Only: true,
          ciphers: suite.opensslName,
          mode: 'www',
          extraArgs: etm ? [] : ['-no_etm'],
        });
        try {
          await t.test(suite.opensslName, { timeout: CASE_TIMEOUT }, async () => {
            const r = await connectAndRequest(
              impl,
              { host: '127.0.0.1', port: s.port, servername: 'localhost', ca: pki.caFile.pem, ciphers: `TLS_AES_128_GCM_SHA256:${suite.opensslName}` },
              'GET / HTTP/1.0\r\n\r\n',
              CASE_TIMEOUT - 1000,
            );
            assert.equal(r.protocol, 'TLSv1.2');
            assert.equal(r.cipher, suite.name);
            assert.equal(r.authorized, true);
            assert.match(r.response, /^HTTP\/1\.0 200 ok/);
            assert.ok(r.response.includes(`Cipher is ${suite.opensslName}`), r.response);
            assert.match(r.response, /^\s*Protocol\s*: TLSv1\.2$/m);
          });
        } finally {
          await s.stop();
        }
      }
    });
  }
});
