// Two promises of issue 2 checked against real peers on 127.0.0.1:
// - a ClientHello with GREASE everywhere (RFC 8701: cipher suite, groups, key share, versions,
//   signature algorithms, extensions) built from a profile, which openssl s_server and the tlskit
//   server must both ignore;
// - undici's `connect` option running HTTP over a tlskit socket.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect as netConnect } from 'node:net';
import { createServer as createHttpsServer } from 'node:https';
import { connect as nodeTlsConnect, type TLSSocket as NodeTlsSocket } from 'node:tls';
import { Agent, request } from 'undici';
import { Connection } from '../../src/connection/connection.js';
import { clientConfig } from '../../src/handshake/config.js';
import { TLSKIT_DEFAULT_PROFILE, type ClientHelloProfile } from '../../src/handshake/hello-profile.js';
import { nodeCryptoProvider as provider } from '../../src/crypto/node-provider.js';
import { createDefaultVerifier } from '../../src/x509/verify.js';
import { decodeCertificatesPem } from '../../src/x509/pem.js';
import { isGrease } from '../../src/registry/codepoints.js';
import type { ClientHello } from '../../src/messages/client-hello.js';
import { connect, createServer, type TLSSocket } from '../../src/node/index.js';
import { createTestPki } from '../helpers/pki.js';
import { startOpensslServer } from '../helpers/openssl.js';
import { cleanupPeersAfter, withTimeout } from '../helpers/process.js';
import { closeServer, listenLocal } from '../helpers/impl.js';

cleanupPeersAfter(after);
const pki = await createTestPki();
const leaf = pki.leaves.p256;

const GREASE_PROFILE: ClientHelloProfile = {
  ...TLSKIT_DEFAULT_PROFILE,
  name: 'tlskit + GREASE everywhere',
  greaseCipherSuite: true,
  greaseGroups: true,
  greaseVersions: true,
  greaseSignatureAlgorithms: true,
  extensions: [{ kind: 'grease', dataLength: 0 }, ...TLSKIT_DEFAULT_PROFILE.extensions, { kind: 'grease', dataLength: 1 }],
};

/** Runs the core client over TCP to 127.0.0.1:port and resolves with the HTTP reply and the ClientHello sent. */
function greaseClient(port: number): Promise<{ reply: string; hello: ClientHello }> {
  return withTimeout(
    new Promise((resolve, reject) => {
      let hello: ClientHello | undefined;
      let reply = '';
      const verifier = createDefaultVerifier({ provider, trustAnchors: decodeCertificatesPem(pki.caFile.pem) });
      const sock = netConnect(port, '127.0.0.1');
      const flush = (): void => {
        for (const chunk of conn.takeOutput()) sock.write(chunk);
      };
      const conn = new Connection(clientConfig({ provider, verifier, serverName: 'localhost', helloProfile: GREASE_PROFILE }), {
        handshakeMessage: (e) => {
          if (e.direction === 'sent' && e.type === 1) hello = e.message as ClientHello;
        },
        secure: () => {
          conn.write(new TextEncoder().encode('GET / HTTP/1.0\r\n\r\n'));
          flush();
        },
        data: (d) => (reply += new TextDecoder().decode(d)),
        end: () => {
          // the server closed: answer with our close_notify and close the socket
          conn.end();
          flush();
          sock.end();
        },
        error: (e) => {
          sock.destroy();
          reject(e);
        },
      });
      sock.on('connect', () => {
        conn.start();
        flush();
      });
      sock.on('data', (b: Buffer) => {
        conn.receive(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
        flush();
      });
      sock.on('close', () => {
        if (hello === undefined) reject(new Error('no ClientHello was sent'));
        else resolve({ reply, hello });
      });
      sock.on('error', reject);
    }),
    10_000,
    'GREASE handshake',
  );
}

function assertGreased(hello: ClientHello): void {
  assert.ok(hello.cipherSuites.some(isGrease), 'a GREASE cipher suite was offered');
  assert.equal(hello.extensions.filter((e) => isGrease(e.type)).length, 2, 'two GREASE extensions were sent');
}

test('GREASE everywhere: openssl s_server ignores every GREASE value', async () => {
  const server = await startOpensslServer({ cert: leaf.cert.path, key: leaf.key.path, chain: pki.intermediate.cert.path, tls13Only: true });
  const { reply, hello } = await greaseClient(server.port);
  assertGreased(hello);
  assert.match(reply, /HTTP\/1\.0 200 ok/);
  await server.stop();
});

test('GREASE everywhere: the tlskit server ignores every GREASE value', async () => {
  const server = createServer({ key: leaf.key.pem, cert: leaf.chain.pem }, (s: TLSSocket) => {
    s.on('data', () => s.end('HTTP/1.0 200 ok\r\n\r\n'));
  });
  const port = await listenLocal(server);
  const { reply, hello } = await greaseClient(port);
  assertGreased(hello);
  assert.match(reply, /HTTP\/1\.0 200 ok/);
  await closeServer(server);
});

test("undici's connect option: HTTP requests over tlskit sockets, pooled like node:tls sockets", async () => {
  const server = createHttpsServer({ key: leaf.key.pem, cert: leaf.chain.pem }, (req, res) => {
    res.end(`hello ${req.url ?? ''} over ${(req.socket as unknown as { getProtocol(): string }).getProtocol()}`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  /** Three requests through an undici Agent whose sockets come from `open`; returns how many sockets it asked for. */
  const run = async (open: (host: string, port: number, done: () => void) => NodeTlsSocket): Promise<number> => {
    let sockets = 0;
    const agent = new Agent({
      connect: (opts, cb) => {
        sockets++;
        const s = open(opts.hostname, Number(opts.port), () => {
          cb(null, s);
        });
        s.once('error', (e: Error) => {
          cb(e, null);
        });
      },
    });
    try {
      for (const path of ['/one', '/two', '/three']) {
        const res = await request(`https://127.0.0.1:${port}${path}`, { dispatcher: agent });
        assert.equal(res.statusCode, 200);
        assert.equal(await res.body.text(), `hello ${path} over TLSv1.3`);
      }
    } finally {
      await agent.close();
    }
    return sockets;
  };
  try {
    const viaTlskit = await run(
      (host, p, done) =>
        connect({ host, port: p, servername: 'localhost', ca: pki.caFile.pem, ALPNProtocols: ['http/1.1'] }, done) as unknown as NodeTlsSocket,
    );
    const viaNode = await run((host, p, done) => nodeTlsConnect({ host, port: p, servername: 'localhost', ca: pki.caFile.pem, ALPNProtocols: ['http/1.1'] }, done));
    assert.equal(viaTlskit, viaNode, 'undici pools tlskit sockets exactly as it pools node:tls sockets');
  } finally {
    await new Promise((r) => server.close(r));
  }
});
