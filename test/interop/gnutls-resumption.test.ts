// Session resumption and 0-RTT with GnuTLS on 127.0.0.1 (issue 5), a second implementation next
// to OpenSSL: `gnutls-cli --resume` → tlskit server (TLS 1.3 PSK; TLS 1.2 with an RFC 5077 ticket,
// and by session ID with --noticket), `gnutls-cli --resume --earlydata` → tlskit server with 0-RTT
// on (the early data seen as such), and the tlskit client resuming against `gnutls-serv` (TLS 1.3;
// TLS 1.2 ticket; TLS 1.2 session ID with --noticket) and sending 0-RTT data that
// `gnutls-serv --earlydata` accepts. Each peer process is bounded and killed.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tlskit from '../../src/node/index.js';
import { killAllPeers } from '../helpers/process.js';
import { bounded, localTlsFixture } from '../helpers/local-tls.js';
import { gnutlsPriority, runGnutlsClient, startGnutlsServer, type GnutlsServer } from '../helpers/gnutls.js';

const CASE_TIMEOUT = 15_000;
const HOST = '127.0.0.1';
const { pki, dir, certFile, keyFile, caFile, closers, listen } = localTlsFixture('tlskit-gnutls-resume-');
after(() => killAllPeers());

const TLS13 = gnutlsPriority({ versions: ['TLS1.3'] });
const TLS12 = gnutlsPriority({ versions: ['TLS1.2'] });

interface ServedConnection {
  readonly reused: boolean;
  readonly protocol: string | null;
  readonly early: string | undefined;
  readonly earlyAccepted: boolean;
  data: string;
}

/** A tlskit server (node adapter) that echoes and records each connection once it is secure. */
async function tlskitServer(options: tlskit.TlsServerCreateOptions): Promise<{ port: number; seen: ServedConnection[] }> {
  const seen: ServedConnection[] = [];
  const server = tlskit.createServer({ key: pki.leaves.p256?.keyPem ?? '', cert: pki.chainPem('p256'), ...options }, (s) => {
    const c: ServedConnection = { reused: s.isSessionReused(), protocol: s.getProtocol(), early: s.earlyData?.toString(), earlyAccepted: s.earlyDataAccepted, data: '' };
    seen.push(c);
    s.on('data', (d: Buffer) => {
      c.data += d.toString();
      s.write(d);
    });
    s.on('error', () => {});
  });
  server.on('tlsClientError', () => {});
  return { port: await listen(server), seen };
}

/** gnutls-cli --resume (plus `extra`) against `port`; asserts the second handshake resumed. */
async function gnutlsResume(port: number, priority: string, extra: readonly string[]): Promise<string> {
  const r = await runGnutlsClient({ port, caFile, priority, extraArgs: ['--resume', ...extra], timeoutMs: CASE_TIMEOUT - 2000 });
  assert.ok(r.handshakeOk, `handshake failed:\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /^- Resume Handshake was completed$/m, r.stdout);
  assert.match(r.stdout, /^\*\*\* This is a resumed session$/m, r.stdout);
  return r.stdout;
}

describe('GnuTLS resumption: gnutls-cli --resume → tlskit server', () => {
  it('TLS 1.3: the PSK from a NewSessionTicket resumes (psk_dhe_ke)', { timeout: CASE_TIMEOUT }, async () => {
    const { port, seen } = await tlskitServer({});
    await gnutlsResume(port, TLS13, []);
    assert.deepEqual(
      seen.map((c) => [c.protocol, c.reused]),
      [['TLSv1.3', false], ['TLSv1.3', true]],
    );
  });

  it('TLS 1.2: an RFC 5077 ticket resumes; with --noticket the session ID does', { timeout: CASE_TIMEOUT }, async () => {
    for (const extra of [[], ['--noticket']]) {
      const { port, seen } = await tlskitServer({});
      await gnutlsResume(port, TLS12, extra);
      assert.deepEqual(
        seen.map((c) => [c.protocol, c.reused]),
        [['TLSv1.2', false], ['TLSv1.2', true]],
        `gnutls-cli ${extra.join(' ')}`,
      );
    }
  });

  it('TLS 1.3 0-RTT: --earlydata is accepted and the server sees it as early data', { timeout: CASE_TIMEOUT }, async () => {
    const early = 'GET /0rtt HTTP/1.0\r\n\r\n';
    const file = join(dir, 'gnutls-early.txt');
    writeFileSync(file, early);
    const { port, seen } = await tlskitServer({ earlyData: true });
    const out = await gnutlsResume(port, TLS13, [`--earlydata=${file}`]);
    assert.equal(seen.length, 2);
    assert.deepEqual([seen[0]!.reused, seen[0]!.early, seen[0]!.earlyAccepted], [false, undefined, false]);
    assert.deepEqual([seen[1]!.reused, seen[1]!.early, seen[1]!.earlyAccepted], [true, early, true]);
    // the early data is read like any data (and echoed back)
    assert.equal(seen[1]!.data, early);
    assert.ok(out.includes('GET /0rtt HTTP/1.0'), `the echo of the early data:\n${out}`);
  });
});

interface ClientResult {
  readonly session: Buffer | undefined;
  readonly reused: boolean;
  readonly protocol: string | null;
  readonly earlyAccepted: boolean;
  readonly reply: string;
}

/** One tlskit client connection: writes `line` after the handshake, waits for its echo and the session. */
async function tlskitClient(port: number, extra: tlskit.ConnectionOptions, line: string): Promise<ClientResult> {
  const s = tlskit.connect({ host: HOST, port, servername: 'localhost', ca: pki.root.certPem, ...extra });
  closers.push(() => s.destroy());
  let session: Buffer | undefined;
  s.on('session', (b: Buffer) => (session = b));
  let reply = '';
  const echoed = new Promise<void>((resolve) => {
    s.on('data', (d: Buffer) => {
      reply += d.toString();
      if (reply.includes(line)) resolve();
    });
  });
  await bounded(new Promise((r, j) => { s.once('secureConnect', r); s.once('error', j); }), 5000, 'handshake');
  s.write(line);
  await bounded(echoed, 5000, 'echo');
  await bounded((async () => { while (session === undefined) await new Promise((r) => setTimeout(r, 20)); })(), 5000, 'session');
  const r = { session, reused: s.isSessionReused(), protocol: s.getProtocol(), earlyAccepted: s.earlyDataAccepted, reply };
  s.destroy();
  return r;
}

describe('GnuTLS resumption: tlskit client → gnutls-serv', () => {
  async function withServer(priority: string, extraArgs: readonly string[], f: (s: GnutlsServer) => Promise<void>): Promise<void> {
    const s = await startGnutlsServer({ certChain: certFile, key: keyFile, priority, extraArgs });
    try {
      await f(s);
    } finally {
      await s.stop();
    }
  }

  it('TLS 1.3: the session from gnutls-serv\'s ticket resumes', { timeout: CASE_TIMEOUT }, async () => {
    await withServer(TLS13, [], async (s) => {
      const first = await tlskitClient(s.port, {}, 'one\n');
      assert.deepEqual([first.protocol, first.reused], ['TLSv1.3', false]);
      const second = await tlskitClient(s.port, { session: first.session }, 'two\n');
      assert.deepEqual([second.protocol, second.reused, second.reply], ['TLSv1.3', true, 'two\n']);
      await s.peer.waitFor(/\*\*\* This is a resumed session/, 3000, 'stdout');
    });
  });

  it('TLS 1.2: resumes with gnutls-serv\'s RFC 5077 ticket, and by session ID with --noticket', { timeout: CASE_TIMEOUT }, async () => {
    for (const extra of [[], ['--noticket']]) {
      await withServer(TLS12, extra, async (s) => {
        const first = await tlskitClient(s.port, {}, 'one\n');
        assert.deepEqual([first.protocol, first.reused], ['TLSv1.2', false]);
        const second = await tlskitClient(s.port, { session: first.session }, 'two\n');
        assert.deepEqual([second.protocol, second.reused, second.reply], ['TLSv1.2', true, 'two\n'], `gnutls-serv ${extra.join(' ')}`);
        await s.peer.waitFor(/\*\*\* This is a resumed session/, 3000, 'stdout');
      });
    }
  });

  it('TLS 1.3 0-RTT: gnutls-serv --earlydata accepts the early data', { timeout: CASE_TIMEOUT }, async () => {
    await withServer(TLS13, ['--earlydata', '--maxearlydata', '16384'], async (s) => {
      const first = await tlskitClient(s.port, {}, 'one\n');
      const second = await tlskitClient(s.port, { session: first.session, earlyData: Buffer.from('zero rtt\n') }, 'after\n');
      assert.deepEqual([second.reused, second.earlyAccepted], [true, true]);
      // gnutls-serv --echo answers what comes after the handshake (it reads early data without echoing it)
      assert.ok(second.reply.endsWith('after\n'), second.reply);
    });
  });
});
