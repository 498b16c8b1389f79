// The reusable interop matrix: any node:tls-shaped implementation ({ connect, createServer })
// against openssl s_server / s_client and curl, over 127.0.0.1 only.
//
//   import * as tls from 'node:tls';
//   defineInteropMatrix('node:tls', tls);
//   // later: defineInteropMatrix('tlskit', () => import('../../node/index.js').then(asTlsImpl));
//
// The suites and groups come from what the installed openssl supports (intersected with the
// requested lists), so the matrix adapts to the build instead of being hard-coded.
import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { createTestPki, LEAF_TYPES, removeTestPki, type LeafType, type TestPki } from './pki.js';
import { normalizeGroup, opensslSupports, runOpensslClient, startOpensslServer, type OpensslSupport } from './openssl.js';
import { runCurl } from './curl.js';
import { killAllPeers } from './process.js';
import {
  closeServer,
  listenLocal,
  type ImplConnectOptions,
  type ImplServer,
  type ImplServerOptions,
  type ImplSocket,
  type TlsImpl,
} from './impl.js';

export const DEFAULT_SUITES = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'] as const;
export const DEFAULT_GROUPS = ['X25519', 'P-256', 'P-384'] as const;

/** What openssl reports as the peer signature type for each leaf key. */
export const EXPECTED_SIGNATURE_TYPE: Record<LeafType, string> = {
  rsa2048: 'RSA-PSS',
  p256: 'ECDSA',
  p384: 'ECDSA',
  ed25519: 'ed25519',
};

export interface InteropMatrixOptions {
  leafTypes?: readonly LeafType[];
  /** TLS 1.3 suites to try (IANA names); intersected with what openssl supports */
  suites?: readonly string[];
  /** groups in node:tls spelling (X25519, P-256, P-384); intersected with openssl's */
  groups?: readonly string[];
  /** which parts to run (all by default) */
  parts?: { server?: boolean; client?: boolean; curl?: boolean; negative?: boolean };
  /** per-combination timeout (ms), default 15 s */
  caseTimeoutMs?: number;
}

export interface Matrix {
  leafTypes: LeafType[];
  suites: string[];
  groups: string[];
}

/** The combinations to run: requested ∩ supported by this openssl. */
export function deriveMatrix(support: OpensslSupport, options: InteropMatrixOptions = {}): Matrix {
  const supportedGroups = new Set(support.groups.map(normalizeGroup));
  return {
    leafTypes: [...(options.leafTypes ?? LEAF_TYPES)],
    suites: (options.suites ?? DEFAULT_SUITES).filter((s) => support.tls13Ciphersuites.includes(s)),
    groups: (options.groups ?? DEFAULT_GROUPS).filter((g) => supportedGroups.has(normalizeGroup(g))),
  };
}

// ---------------------------------------------------------------------------------------------
// Implementation-side helpers (usable on their own)

export interface ConnectResult {
  protocol: string | null;
  cipher: string;
  alpn: string | false | null;
  authorized: boolean;
  /** node-only extra, when the implementation has it */
  group: string | undefined;
  response: string;
}

/**
 * impl.connect(), write `request` after 'secureConnect', read until the server closes.
 * Rejects on an 'error' event or after `timeoutMs` (the socket is destroyed either way).
 */
export function connectAndRequest(impl: TlsImpl, options: ImplConnectOptions, request: string, timeoutMs = 10_000): Promise<ConnectResult> {
  return new Promise<ConnectResult>((resolve, reject) => {
    let socket: ImplSocket | undefined;
    let settled = false;
    const chunks: Buffer[] = [];
    let info: Omit<ConnectResult, 'response'> | undefined;
    const finish = (err: Error | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket?.destroy();
      if (err !== undefined) reject(err);
      else if (info === undefined) reject(new Error('connection closed before secureConnect'));
      else resolve({ ...info, response: Buffer.concat(chunks).toString('utf8') });
    };
    const timer = setTimeout(() => finish(new Error(`connect: timeout after ${timeoutMs} ms`)), timeoutMs);
    try {
      socket = impl.connect(options, () => {
        const s = socket!;
        const withKeyInfo = s as ImplSocket & { getEphemeralKeyInfo?: () => { name?: string } | null };
        const keyInfo = typeof withKeyInfo.getEphemeralKeyInfo === 'function' ? withKeyInfo.getEphemeralKeyInfo() : null;
        info = {
          protocol: s.getProtocol(),
          cipher: s.getCipher().standardName ?? s.getCipher().name,
          alpn: s.alpnProtocol,
          authorized: s.authorized,
          group: keyInfo?.name === undefined ? undefined : normalizeGroup(keyInfo.name),
        };
        s.write(request);
      });
    } catch (e) {
      finish(e instanceof Error ? e : new Error(String(e)));
      return;
    }
    socket.on('data', (d: Buffer | string) => chunks.push(typeof d === 'string' ? Buffer.from(d) : d));
    socket.on('error', (e: Error) => finish(e));
    socket.on('end', () => finish(undefined));
    socket.on('close', () => finish(undefined));
  });
}

export interface ImplTestServer {
  server: ImplServer;
  port: number;
  close(): Promise<void>;
}

/**
 * An implementation server that answers two tiny protocols:
 *  - a line starting with "ping" → "pong <protocol> <cipher> <alpn>\n", then close;
 *  - an HTTP request → "HTTP/1.1 200 OK" with body "hello from <label>: <protocol> <cipher>\n", then close.
 */
export async function startImplServer(impl: TlsImpl, options: ImplServerOptions, label: string): Promise<ImplTestServer> {
  const server = impl.createServer(options, (socket) => {
    let buf = '';
    socket.on('error', () => undefined);
    socket.on('data', (d: Buffer | string) => {
      buf += typeof d === 'string' ? d : d.toString('latin1');
      const protocol = socket.getProtocol() ?? 'none';
      const c = socket.getCipher();
      const cipher = c.standardName ?? c.name;
      const alpn = socket.alpnProtocol === false || socket.alpnProtocol === null ? 'none' : socket.alpnProtocol;
      if (buf.startsWith('ping') && buf.includes('\n')) {
        socket.end(`pong ${protocol} ${cipher} ${alpn}\n`);
      } else if (buf.includes('\r\n\r\n')) {
        const body = `hello from ${label}: ${protocol} ${cipher}\n`;
        socket.end(
          `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
        );
      } else if (buf.length > 65536) {
        socket.destroy();
      }
    });
  });
  server.on('tlsClientError', () => undefined);
  const port = await listenLocal(server);
  return { server, port, close: () => closeServer(server) };
}

// ---------------------------------------------------------------------------------------------
// The matrix as node:test suites

/**
 * Register the interop suites for `impl` (a module or a loader resolving to one).
 * Parts: impl server ↔ openssl s_client, openssl s_server ↔ impl client, curl ↔ impl server,
 * and a few negative cases. Each combination is its own subtest.
 */
export function defineInteropMatrix(label: string, implOrLoader: TlsImpl | (() => Promise<TlsImpl>), options: InteropMatrixOptions = {}): void {
  const parts = { server: true, client: true, curl: true, negative: true, ...options.parts };
  const caseTimeout = options.caseTimeoutMs ?? 15_000;

  describe(`interop matrix: ${label}`, () => {
    let impl: TlsImpl;
    let pki: TestPki;
    let matrix: Matrix;

    before(async () => {
      impl = typeof implOrLoader === 'function' ? await implOrLoader() : implOrLoader;
      const [p, support] = await Promise.all([createTestPki(), opensslSupports()]);
      pki = p;
      matrix = deriveMatrix(support, options);
      assert.ok(matrix.suites.length > 0, 'no TLS 1.3 suite in common with openssl');
      assert.ok(matrix.groups.length > 0, 'no group in common with openssl');
    });
    after(async () => {
      await killAllPeers();
      await removeTestPki();
    });

    const serverOptions = (leaf: LeafType, extra: ImplServerOptions = {}): ImplServerOptions => ({
      key: pki.leaves[leaf].key.pem,
      cert: pki.leaves[leaf].chain.pem,
      minVersion: 'TLSv1.3',
      maxVersion: 'TLSv1.3',
      ecdhCurve: matrix.groups.join(':'),
      ...extra,
    });

    if (parts.server) {
      it(`${label} server ↔ openssl s_client: leaf × suite × group`, async (t: TestContext) => {
        for (const leaf of matrix.leafTypes) {
          const srv = await startImplServer(impl, serverOptions(leaf), label);
          try {
            for (const suite of matrix.suites) {
              for (const group of matrix.groups) {
                await t.test(`${leaf} ${suite} ${group}`, { timeout: caseTimeout }, async () => {
                  const r = await runOpensslClient({
                    port: srv.port,
                    servername: 'localhost',
                    caFile: pki.caFile.path,
                    tls13Only: true,
                    ciphersuites: suite,
                    groups: group,
                    input: 'ping\n',
                    expect: /^pong .*$/m,
                    timeoutMs: caseTimeout - 1000,
                  });
                  assert.ok(r.handshakeOk, `handshake failed:\n${r.stdout}\n${r.stderr}`);
                  assert.equal(r.protocol, 'TLSv1.3');
                  assert.equal(r.cipher, suite);
                  assert.equal(r.group, normalizeGroup(group), `Server Temp Key: ${String(r.serverTempKey)}`);
                  assert.equal(r.verifyReturnCode, 0, r.verifyMessage);
                  assert.equal(r.peerSignatureType, EXPECTED_SIGNATURE_TYPE[leaf]);
                  assert.match(r.received, new RegExp(`^pong TLSv1\\.3 ${suite} none$`, 'm'), r.received);
                });
              }
            }
          } finally {
            await srv.close();
          }
        }
      });

      it(`${label} server ↔ openssl s_client: ALPN`, { timeout: caseTimeout }, async () => {
        const srv = await startImplServer(impl, serverOptions('p256', { ALPNProtocols: ['h2', 'http/1.1'] }), label);
        try {
          const r = await runOpensslClient({
            port: srv.port,
            servername: 'localhost',
            caFile: pki.caFile.path,
            alpn: ['http/1.1', 'h2'],
            input: 'ping\n',
            expect: /^pong .*$/m,
          });
          assert.ok(r.handshakeOk, r.stdout + r.stderr);
          // RFC 7301 §3.2: the server's preference decides
          assert.equal(r.alpn, 'h2');
          assert.match(r.received, /^pong TLSv1\.3 \S+ h2$/m);
        } finally {
          await srv.close();
        }
      });
    }

    if (parts.client) {
      it(`openssl s_server ↔ ${label} client: leaf × suite × group`, async (t: TestContext) => {
        for (const leaf of matrix.leafTypes) {
          const s = await startOpensslServer({
            cert: pki.leaves[leaf].cert.path,
            key: pki.leaves[leaf].key.path,
            chain: pki.intermediate.cert.path,
            ciphersuites: matrix.suites,
            groups: matrix.groups,
            mode: 'www',
          });
          try {
            for (const suite of matrix.suites) {
              for (const group of matrix.groups) {
                await t.test(`${leaf} ${suite} ${group}`, { timeout: caseTimeout }, async () => {
                  const r = await connectAndRequest(
                    impl,
                    {
                      host: '127.0.0.1',
                      port: s.port,
                      servername: 'localhost',
                      ca: pki.caFile.pem,
                      rejectUnauthorized: true,
                      minVersion: 'TLSv1.3',
                      maxVersion: 'TLSv1.3',
                      ciphers: suite,
                      ecdhCurve: group,
                    },
                    'GET / HTTP/1.0\r\n\r\n',
                    caseTimeout - 1000,
                  );
                  assert.equal(r.protocol, 'TLSv1.3');
                  assert.equal(r.cipher, suite);
                  assert.equal(r.authorized, true);
                  if (r.group !== undefined) assert.equal(r.group, normalizeGroup(group));
                  // s_server -www reports what it saw from the client
                  assert.match(r.response, /^HTTP\/1\.0 200 ok/);
                  assert.ok(r.response.includes(`New, TLSv1.3, Cipher is ${suite}`), r.response);
                  const offered = r.response.match(/^Supported groups: (.*)$/m)?.[1]?.split(':').map(normalizeGroup) ?? [];
                  assert.ok(offered.includes(normalizeGroup(group)), `client offered groups ${offered.join(',')}`);
                });
              }
            }
          } finally {
            await s.stop();
          }
        }
      });

      it(`openssl s_server ↔ ${label} client: ALPN`, { timeout: caseTimeout }, async () => {
        const s = await startOpensslServer({
          cert: pki.leaves.p256.cert.path,
          key: pki.leaves.p256.key.path,
          chain: pki.intermediate.cert.path,
          alpn: ['http/1.1'],
          mode: 'www',
        });
        try {
          const r = await connectAndRequest(
            impl,
            {
              host: '127.0.0.1',
              port: s.port,
              servername: 'localhost',
              ca: pki.caFile.pem,
              minVersion: 'TLSv1.3',
              ALPNProtocols: ['h2', 'http/1.1'],
            },
            'GET / HTTP/1.0\r\n\r\n',
          );
          assert.equal(r.alpn, 'http/1.1');
          assert.match(r.response, /^HTTP\/1\.0 200 ok/);
        } finally {
          await s.stop();
        }
      });
    }

    if (parts.curl) {
      it(`curl ↔ ${label} https server`, async (t: TestContext) => {
        for (const leaf of matrix.leafTypes) {
          const srv = await startImplServer(impl, serverOptions(leaf, { ALPNProtocols: ['http/1.1'] }), label);
          try {
            const suites = leaf === 'p256' ? matrix.suites : [undefined];
            for (const suite of suites) {
              await t.test(`${leaf} ${suite ?? 'default suite'}`, { timeout: caseTimeout }, async () => {
                const r = await runCurl({
                  port: srv.port,
                  caFile: pki.caFile.path,
                  tls13Only: true,
                  ...(suite === undefined ? {} : { tls13Ciphers: suite }),
                  curves: 'X25519',
                  timeoutMs: caseTimeout - 1000,
                });
                assert.equal(r.exit.code, 0, r.stderr);
                assert.equal(r.httpCode, 200);
                assert.equal(r.sslVerifyResult, 0);
                assert.equal(r.protocol, 'TLSv1.3');
                if (suite !== undefined) assert.equal(r.cipher, suite);
                assert.equal(r.alpn, 'http/1.1');
                assert.match(r.body, new RegExp(`^hello from .*: TLSv1\\.3 ${r.cipher ?? ''}\\n$`));
              });
            }
          } finally {
            await srv.close();
          }
        }
      });
    }

    if (parts.negative) {
      it(`${label} negatives: bad name, unknown CA, no common suite, TLS 1.2 against 1.3-only`, { timeout: 4 * caseTimeout }, async () => {
        const s = await startOpensslServer({
          cert: pki.leaves.p256.cert.path,
          key: pki.leaves.p256.key.path,
          chain: pki.intermediate.cert.path,
          mode: 'www',
        });
        try {
          const base: ImplConnectOptions = { host: '127.0.0.1', port: s.port, minVersion: 'TLSv1.3', rejectUnauthorized: true };
          await assert.rejects(
            connectAndRequest(impl, { ...base, servername: 'wrong.example', ca: pki.caFile.pem }, 'GET / HTTP/1.0\r\n\r\n'),
            'a certificate for localhost must not verify for wrong.example',
          );
          await assert.rejects(
            connectAndRequest(impl, { ...base, servername: 'localhost' }, 'GET / HTTP/1.0\r\n\r\n'),
            'a chain to an unknown root must not verify',
          );
        } finally {
          await s.stop();
        }
        const srv = await startImplServer(impl, serverOptions('p256', { ciphers: 'TLS_AES_128_GCM_SHA256' }), label);
        try {
          const noSuite = await runOpensslClient({ port: srv.port, servername: 'localhost', ciphersuites: 'TLS_AES_256_GCM_SHA384', tls13Only: true });
          assert.equal(noSuite.handshakeOk, false, noSuite.stdout);
          assert.notEqual(noSuite.exit.code, 0);
          const v12 = await runOpensslClient({ port: srv.port, servername: 'localhost', tls12Only: true });
          assert.equal(v12.handshakeOk, false, v12.stdout);
          assert.notEqual(v12.exit.code, 0);
        } finally {
          await srv.close();
        }
      });
    }
  });
}
