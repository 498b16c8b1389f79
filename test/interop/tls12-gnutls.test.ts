// GnuTLS interop on 127.0.0.1 (issue 3): `gnutls-cli` → tlskit server and tlskit client →
// `gnutls-serv --echo`, TLS 1.2 for every ECDHE suite × group × certificate type both support
// (RSA-2048 for ECDHE_RSA; P-256, P-384, Ed25519 for ECDHE_ECDSA), and TLS 1.3 for every suite ×
// group (P-256 certificate) plus every certificate type, and TLS 1.3 resumption (gnutls-cli --resume). Each peer process is bounded and killed.
import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createTestPki, removeTestPki, type LeafType, type TestPki } from '../helpers/pki.js';
import { killAllPeers } from '../helpers/process.js';
import { asTlsImpl, type ImplConnectOptions, type ImplSocket, type TlsImpl } from '../helpers/impl.js';
import { startImplServer } from '../helpers/interop-matrix.js';
import { gnutlsPriority, runGnutlsClient, startGnutlsServer } from '../helpers/gnutls.js';
import { TLS12_SUITES, type Tls12Suite } from '../../src/handshake/suites12.js';

const CASE_TIMEOUT = 10_000;
const GROUPS = ['X25519', 'P-256', 'P-384'] as const;
type Group = (typeof GROUPS)[number];
const GNUTLS_GROUP: Record<Group, string> = { X25519: 'X25519', 'P-256': 'SECP256R1', 'P-384': 'SECP384R1' };
const ECDSA_LEAVES: readonly LeafType[] = ['p256', 'p384', 'ed25519'];
const CERT_CURVE: Partial<Record<LeafType, Group>> = { p256: 'P-256', p384: 'P-384' };
const GNUTLS_CIPHER: Record<string, string> = { 'aes-128-gcm': 'AES-128-GCM', 'aes-256-gcm': 'AES-256-GCM', 'chacha20-poly1305': 'CHACHA20-POLY1305' };
const ECDHE_SUITES = TLS12_SUITES.filter((s) => s.keyExchange === 'ecdhe');
const leavesFor = (s: Tls12Suite): readonly LeafType[] => (s.auth === 'rsa' ? ['rsa2048'] : ECDSA_LEAVES);
/** The group under test, then the ECDSA certificate's curve (RFC 8422 §5.3: the client must list it). */
const withCertCurve = (group: Group, leaf: LeafType): Group[] => {
  const curve = CERT_CURVE[leaf];
  return curve === undefined || curve === group ? [group] : [group, curve];
};
const TLS13_SUITES = [
  { name: 'TLS_AES_128_GCM_SHA256', gnutls: 'AES-128-GCM' },
  { name: 'TLS_AES_256_GCM_SHA384', gnutls: 'AES-256-GCM' },
  { name: 'TLS_CHACHA20_POLY1305_SHA256', gnutls: 'CHACHA20-POLY1305' },
] as const;

interface EchoResult {
  readonly protocol: string | null;
  readonly cipher: string;
  readonly authorized: boolean;
  readonly response: string;
}

/** Connects, writes `line` and resolves with the first full line echoed back (gnutls-serv --echo keeps the connection open). */
function echoOnce(impl: TlsImpl, options: ImplConnectOptions, line: string, timeoutMs: number): Promise<EchoResult> {
  return new Promise<EchoResult>((resolve, reject) => {
    let socket: ImplSocket | undefined;
    let settled = false;
    let received = '';
    let info: Omit<EchoResult, 'response'> | undefined;
    const finish = (err: Error | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket?.end();
      setTimeout(() => socket?.destroy(), 200).unref();
      if (err !== undefined) reject(err);
      else if (info === undefined) reject(new Error('connection closed before secureConnect'));
      else resolve({ ...info, response: received });
    };
    const timer = setTimeout(() => finish(new Error(`echo: timeout after ${timeoutMs} ms`)), timeoutMs);
    try {
      socket = impl.connect(options, () => {
        const s = socket!;
        info = { protocol: s.getProtocol(), cipher: s.getCipher().standardName ?? s.getCipher().name, authorized: s.authorized };
        s.write(line);
      });
    } catch (e) {
      finish(e instanceof Error ? e : new Error(String(e)));
      return;
    }
    socket.on('data', (d: Buffer | string) => {
      received += typeof d === 'string' ? d : d.toString('utf8');
      if (received.includes('\n')) finish(undefined);
    });
    socket.on('error', (e: Error) => finish(e));
    socket.on('close', () => finish(new Error(`closed before a line came back (got ${JSON.stringify(received)})`)));
  });
}

describe('GnuTLS interop: gnutls-cli / gnutls-serv ↔ tlskit (TLS 1.2 and 1.3)', () => {
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

  const serverOptions = (leaf: LeafType, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    key: pki.leaves[leaf].key.pem,
    cert: pki.leaves[leaf].chain.pem,
    ...extra,
  });

  it('gnutls-cli TLS 1.2 → tlskit server (1.2+1.3): ECDHE suite × group × certificate', async (t: TestContext) => {
    for (const leaf of ['rsa2048', ...ECDSA_LEAVES] as const) {
      for (const group of GROUPS) {
        const srv = await startImplServer(impl, serverOptions(leaf, { ecdhCurve: group }), 'tlskit');
        try {
          for (const suite of ECDHE_SUITES.filter((s) => leavesFor(s).includes(leaf))) {
            await t.test(`${leaf} ${suite.name} ${group}`, { timeout: CASE_TIMEOUT }, async () => {
              const r = await runGnutlsClient({
                port: srv.port,
                caFile: pki.caFile.path,
                priority: gnutlsPriority({
                  versions: ['TLS1.2'],
                  ciphers: [GNUTLS_CIPHER[suite.aead]!],
                  kx: [suite.auth === 'rsa' ? 'ECDHE-RSA' : 'ECDHE-ECDSA'],
                  groups: withCertCurve(group, leaf).map((g) => GNUTLS_GROUP[g]),
                }),
                input: 'ping\n',
                expect: /^pong [^\n]*\n/m,
                timeoutMs: CASE_TIMEOUT - 1000,
              });
              assert.ok(r.handshakeOk, `handshake failed:\n${r.stdout}\n${r.stderr}`);
              assert.ok(r.description !== undefined, r.stdout);
              assert.equal(r.description.version, 'TLS1.2', r.description.raw);
              assert.equal(r.description.kx, `ECDHE-${GNUTLS_GROUP[group]}`);
              assert.equal(r.description.cipher, GNUTLS_CIPHER[suite.aead]);
              assert.match(r.stdout, /The certificate is trusted/);
              assert.ok(r.ems, 'extended master secret negotiated');
              assert.equal(r.matched, `pong TLSv1.2 ${suite.name} none`);
            });
          }
        } finally {
          await srv.close();
        }
      }
    }
  });

  it('tlskit client (1.2+1.3) → gnutls-serv TLS 1.2: ECDHE suite × group × certificate', async (t: TestContext) => {
    for (const leaf of ['rsa2048', ...ECDSA_LEAVES] as const) {
      const s = await startGnutlsServer({
        certChain: pki.leaves[leaf].chain.path,
        key: pki.leaves[leaf].key.path,
        priority: gnutlsPriority({ versions: ['TLS1.2'], groups: GROUPS.map((g) => GNUTLS_GROUP[g]) }),
      });
      try {
        for (const suite of ECDHE_SUITES.filter((x) => leavesFor(x).includes(leaf))) {
          for (const group of GROUPS) {
            await t.test(`${leaf} ${suite.name} ${group}`, { timeout: CASE_TIMEOUT }, async () => {
              const before = s.descriptions().length;
              const r = await echoOnce(
                impl,
                { host: '127.0.0.1', port: s.port, servername: 'localhost', ca: pki.caFile.pem, ciphers: `TLS_AES_128_GCM_SHA256:${suite.opensslName}`, ecdhCurve: withCertCurve(group, leaf).join(':') },
                'ping\n',
                CASE_TIMEOUT - 1000,
              );
              assert.equal(r.protocol, 'TLSv1.2');
              assert.equal(r.cipher, suite.name);
              assert.equal(r.authorized, true);
              assert.equal(r.response, 'ping\n');
              const d = await s.nextDescription(before);
              assert.equal(d.version, 'TLS1.2', d.raw);
              assert.equal(d.kx, `ECDHE-${GNUTLS_GROUP[group]}`);
              assert.equal(d.cipher, GNUTLS_CIPHER[suite.aead]);
            });
          }
        }
      } finally {
        await s.stop();
      }
    }
  });

  it('gnutls-cli TLS 1.3 → tlskit server: suite × group (P-256), and every certificate type', async (t: TestContext) => {
    const cases: { leaf: LeafType; suite: (typeof TLS13_SUITES)[number]; group: Group }[] = [];
    for (const suite of TLS13_SUITES) for (const group of GROUPS) cases.push({ leaf: 'p256', suite, group });
    for (const leaf of ['rsa2048', 'p384', 'ed25519'] as const) cases.push({ leaf, suite: TLS13_SUITES[0], group: 'X25519' });
    for (const c of cases) {
      const srv = await startImplServer(impl, serverOptions(c.leaf), 'tlskit');
      try {
        await t.test(`${c.leaf} ${c.suite.name} ${c.group}`, { timeout: CASE_TIMEOUT }, async () => {
          const r = await runGnutlsClient({
            port: srv.port,
            caFile: pki.caFile.path,
            priority: gnutlsPriority({ versions: ['TLS1.3'], ciphers: [c.suite.gnutls], groups: [GNUTLS_GROUP[c.group]] }),
            input: 'ping\n',
            expect: /^pong [^\n]*\n/m,
            timeoutMs: CASE_TIMEOUT - 1000,
          });
          assert.ok(r.handshakeOk, `handshake failed:\n${r.stdout}\n${r.stderr}`);
          assert.ok(r.description !== undefined, r.stdout);
          assert.equal(r.description.version, 'TLS1.3', r.description.raw);
          assert.equal(r.description.kx, `ECDHE-${GNUTLS_GROUP[c.group]}`);
          assert.equal(r.description.cipher, c.suite.gnutls);
          assert.match(r.stdout, /The certificate is trusted/);
          assert.equal(r.matched, `pong TLSv1.3 ${c.suite.name} none`);
        });
      } finally {
        await srv.close();
      }
    }
  });

  it('gnutls-cli --resume TLS 1.3 → tlskit server: the tickets sent with the server Finished (RFC 8446 §4.6.1) resume', { timeout: CASE_TIMEOUT }, async () => {
    const srv = await startImplServer(impl, serverOptions('p256'), 'tlskit');
    try {
      const r = await runGnutlsClient({
        port: srv.port,
        caFile: pki.caFile.path,
        priority: gnutlsPriority({ versions: ['TLS1.3'] }),
        extraArgs: ['--resume'],
        timeoutMs: CASE_TIMEOUT - 1000,
      });
      assert.ok(r.handshakeOk, `handshake failed:\n${r.stdout}\n${r.stderr}`);
      assert.match(r.stdout, /^- Resume Handshake was completed$/m, r.stdout);
      assert.match(r.stdout, /^\*\*\* This is a resumed session$/m, r.stdout);
    } finally {
      await srv.close();
    }
  });

  it('tlskit client → gnutls-serv TLS 1.3: suite × group (P-256), and every certificate type', async (t: TestContext) => {
    for (const leaf of ['p256', 'rsa2048', 'p384', 'ed25519'] as const) {
      const s = await startGnutlsServer({
        certChain: pki.leaves[leaf].chain.path,
        key: pki.leaves[leaf].key.path,
        priority: gnutlsPriority({ versions: ['TLS1.3'], groups: GROUPS.map((g) => GNUTLS_GROUP[g]) }),
      });
      try {
        const suites = leaf === 'p256' ? TLS13_SUITES : TLS13_SUITES.slice(0, 1);
        const groups = leaf === 'p256' ? GROUPS : (['X25519'] as const);
        for (const suite of suites) {
          for (const group of groups) {
            await t.test(`${leaf} ${suite.name} ${group}`, { timeout: CASE_TIMEOUT }, async () => {
              const r = await echoOnce(
                impl,
                { host: '127.0.0.1', port: s.port, servername: 'localhost', ca: pki.caFile.pem, ciphers: suite.name, ecdhCurve: group },
                'ping\n',
                CASE_TIMEOUT - 1000,
              );
              assert.equal(r.protocol, 'TLSv1.3');
              assert.equal(r.cipher, suite.name);
              assert.equal(r.authorized, true);
              assert.equal(r.response, 'ping\n');
            });
          }
        }
      } finally {
        await s.stop();
      }
    }
  });

  it('a 1.2-only gnutls-cli against a 1.3-only tlskit server fails; against the default server it gets TLS 1.2', { timeout: 2 * CASE_TIMEOUT }, async () => {
    const srv13 = await startImplServer(impl, serverOptions('p256', { minVersion: 'TLSv1.3' }), 'tlskit');
    try {
      const r = await runGnutlsClient({ port: srv13.port, caFile: pki.caFile.path, priority: gnutlsPriority({ versions: ['TLS1.2'] }), timeoutMs: CASE_TIMEOUT - 1000 });
      assert.equal(r.handshakeOk, false, r.stdout);
      assert.match(r.stdout + r.stderr, /protocol version|not supported|handshake failed/i);
    } finally {
      await srv13.close();
    }
    const srv = await startImplServer(impl, serverOptions('p256'), 'tlskit');
    try {
      const r = await runGnutlsClient({ port: srv.port, caFile: pki.caFile.path, priority: gnutlsPriority({ versions: ['TLS1.2'] }), input: 'ping\n', expect: /^pong [^\n]*\n/m });
      assert.ok(r.handshakeOk, r.stdout + r.stderr);
      assert.match(r.matched ?? '', /^pong TLSv1\.2 /);
    } finally {
      await srv.close();
    }
  });
});
