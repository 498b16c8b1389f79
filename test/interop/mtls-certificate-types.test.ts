// TLS 1.2 client certificates chosen by the CertificateRequest's certificate_types (RFC 5246
// §7.4.4): `openssl s_server -client_sigalgs` narrows certificate_types; the tlskit client then
// sends only a certificate of an allowed key type, or an empty Certificate when it has none.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from '../../src/node/index.js';
import { createTestPki } from '../helpers/pki.js';
import { startOpensslServer } from '../helpers/openssl.js';
import { cleanupPeersAfter, withTimeout } from '../helpers/process.js';
import { HandshakeType } from '../../src/registry/codepoints.js';

cleanupPeersAfter(after);
const pki = await createTestPki();
const rsa = pki.leaves.rsa2048;
const ec = pki.leaves.p256;

interface Seen {
  certificateTypes: number[];
  sentChain: number;
}

async function run(clientSigalgs: string, certs: { cert: string; key: string }[]): Promise<{ seen: Seen; output: string }> {
  const srv = await startOpensslServer({
    cert: ec.cert.path,
    key: ec.key.path,
    chain: pki.intermediate.cert.path,
    tls12Only: true,
    mode: 'www',
    extraArgs: ['-verify', '2', '-CAfile', pki.caFile.path, '-client_sigalgs', clientSigalgs],
  });
  try {
    const seen: Seen = { certificateTypes: [], sentChain: -1 };
    const client = connect({
      port: srv.port,
      host: '127.0.0.1',
      servername: 'localhost',
      ca: pki.caFile.pem,
      maxVersion: 'TLSv1.2',
      cert: certs.map((c) => c.cert),
      key: certs.map((c) => c.key),
    });
    client.on('handshakeMessage', (m: { direction: string; type: number; message: { certificateTypes?: Uint8Array; certificateList?: unknown[] } }) => {
      if (m.direction === 'received' && m.type === HandshakeType.certificate_request) seen.certificateTypes = [...(m.message.certificateTypes ?? [])];
      if (m.direction === 'sent' && m.type === HandshakeType.certificate) seen.sentChain = m.message.certificateList?.length ?? -1;
    });
    client.on('error', () => {});
    await withTimeout(once(client, 'secureConnect'), 8000, 'secureConnect');
    let page = '';
    client.on('data', (d: Buffer) => (page += d.toString()));
    client.write('GET / HTTP/1.0\r\n\r\n');
    await withTimeout(once(client, 'end'), 8000, 'the -www page');
    return { seen, output: page };
  } finally {
    await srv.stop();
  }
}

test('TLS 1.2: certificate_types [ecdsa_sign] → the ECDSA certificate is sent, not the RSA one listed first', async () => {
  const { seen, output } = await run('ECDSA+SHA256', [
    { cert: rsa.chain.pem, key: rsa.key.pem },
    { cert: ec.chain.pem, key: ec.key.pem },
  ]);
  assert.deepEqual(seen.certificateTypes, [64]);
  assert.equal(seen.sentChain, 2);
  assert.match(output, /Client certificate[\s\S]*CN\s*=\s*localhost/i);
  assert.match(output, /ecdsa|id-ecPublicKey|Peer signature type: ECDSA/i);
});

test('TLS 1.2: certificate_types [rsa_sign] and only an ECDSA client certificate → an empty Certificate (RFC 5246 §7.4.6)', async () => {
  const { seen, output } = await run('RSA+SHA256', [{ cert: ec.chain.pem, key: ec.key.pem }]);
  assert.deepEqual(seen.certificateTypes, [1]);
  assert.equal(seen.sentChain, 0);
  assert.match(output, /no client certificate available/i);
});
