// Mutual TLS across TLS 1.3 resumption (RFC 8446 §2.2: a PSK-resumed connection keeps the
// original peer identities), through the node adapter, tlskit client ↔ tlskit server: the
// server side gets back the client's chain and its `authorized` verdict, the client side the
// server's chain and its own verdict.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type TLSSocket } from '../../src/node/index.js';
import { createTestPki } from '../helpers/pki.js';
import { closeServer, listenLocal } from '../helpers/impl.js';
import { withTimeout } from '../helpers/process.js';
import { generateCertificate } from '../../src/x509/generate.js';
import { nodeCryptoProvider } from '../../src/crypto/node-provider.js';

const pki = await createTestPki();
const serverLeaf = pki.leaves.p256;
const clientLeaf = pki.leaves.rsa2048;
const strangerRoot = generateCertificate({ subject: { CN: 'Stranger Root' }, keyKind: 'p256', isCA: true }, nodeCryptoProvider);
const stranger = generateCertificate({ subject: { CN: 'stranger' }, keyKind: 'p256', issuer: strangerRoot }, nodeCryptoProvider);

interface Seen {
  resumed: boolean;
  authorized: boolean;
  cn: string | undefined;
}

const cnOf = (s: TLSSocket): string | undefined => (s.getPeerCertificate() as { subject?: { CN?: string } } | null)?.subject?.CN;

async function twoConnections(server: ReturnType<typeof createServer>, clientOptions: Record<string, unknown>): Promise<Seen[]> {
  const port = await listenLocal(server);
  try {
    return await connectTwice(port, clientOptions);
  } finally {
    await closeServer(server);
  }
}

async function connectTwice(port: number, clientOptions: Record<string, unknown>): Promise<Seen[]> {
  const seen: Seen[] = [];
  let session: Buffer | undefined;
  for (let i = 0; i < 2; i++) {
    const client = connect({ port, host: '127.0.0.1', servername: 'localhost', ca: pki.caFile.pem, ...clientOptions, ...(session === undefined ? {} : { session }) });
    client.on('session', (s: Buffer) => (session ??= s));
    await withTimeout(once(client, 'secureConnect'), 5000, 'secureConnect');
    seen.push({ resumed: client.isSessionReused(), authorized: client.authorized, cn: cnOf(client) });
    client.write('x');
    await withTimeout(once(client, 'data'), 5000, 'echo');
    client.end();
    await once(client, 'close');
    if (i === 0) assert.ok(session !== undefined, 'a session from the first connection');
  }
  return seen;
}

test('TLS 1.3 resumption keeps the verified client identity on the server and the server identity on the client', async () => {
  const serverSeen: Seen[] = [];
  const server = createServer(
    { key: serverLeaf.key.pem, cert: serverLeaf.chain.pem, ca: pki.caFile.pem, requestCert: true, minVersion: 'TLSv1.3' },
    (s: TLSSocket) => {
      serverSeen.push({ resumed: s.isSessionReused(), authorized: s.authorized, cn: cnOf(s) });
      s.pipe(s);
    },
  );
  const clientSeen = await twoConnections(server, { cert: clientLeaf.chain.pem, key: clientLeaf.key.pem });
  assert.deepEqual(serverSeen, [
    { resumed: false, authorized: true, cn: 'localhost' },
    { resumed: true, authorized: true, cn: 'localhost' },
  ]);
  assert.deepEqual(clientSeen, [
    { resumed: false, authorized: true, cn: 'localhost' },
    { resumed: true, authorized: true, cn: 'localhost' },
  ]);
});

test('an unverified client identity (rejectUnauthorized: false) resumes unverified, with its chain', async () => {
  const serverSeen: Seen[] = [];
  const server = createServer(
    { key: serverLeaf.key.pem, cert: serverLeaf.chain.pem, ca: pki.caFile.pem, requestCert: true, rejectUnauthorized: false, minVersion: 'TLSv1.3' },
    (s: TLSSocket) => {
      serverSeen.push({ resumed: s.isSessionReused(), authorized: s.authorized, cn: cnOf(s) });
      s.pipe(s);
    },
  );
  await twoConnections(server, { cert: stranger.certPem, key: stranger.keyPem });
  assert.deepEqual(serverSeen, [
    { resumed: false, authorized: false, cn: 'stranger' },
    { resumed: true, authorized: false, cn: 'stranger' },
  ]);
});
