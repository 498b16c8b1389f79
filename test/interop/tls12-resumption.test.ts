/**
 * TLS 1.2 session resumption (RFC 5246 §7.3 session IDs, RFC 5077 tickets) across
 * implementations on 127.0.0.1: openssl s_client -sess_out/-sess_in → tlskit (tickets and
 * -no_ticket), tlskit client → openssl s_server (with and without -no_ticket), node:tls ↔ tlskit
 * both ways (maxVersion TLSv1.2), and the CLI (connect --sess-out/--sess-in, serve --no-tickets,
 * demo --tls1.2 --resume).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { constants as cryptoConstants } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tls from 'node:tls';
import * as tlskit from '../../src/node/index.js';
import { cleanupPeersAfter, freePort, runCommand, type Peer } from '../helpers/process.js';
import { findCli, startTlskitServe } from '../helpers/cli.js';
import { bounded, echoOnce, HOST, opensslClient, localTlsFixture } from '../helpers/local-tls.js';

const V12 = { maxVersion: 'TLSv1.2' as const };
const { pki, dir, certFile, keyFile, caFile, closers, listen } = localTlsFixture('tlskit-resume12-');

const serverOptions = (): { key: string; cert: string } => ({ key: pki.leaves.p256?.keyPem ?? '', cert: pki.chainPem('p256') });

interface Round {
  reused: boolean;
  protocol: string | null;
  sessions: Buffer[];
  reply: string;
  peerCn: string | undefined;
  authorized: boolean;
}

/** Connects, waits for the handshake and a reply; returns what it saw (every 'session' event). */
async function clientRound(make: () => tls.TLSSocket | tlskit.TLSSocket): Promise<Round> {
  const s = make();
  closers.push(() => s.destroy());
  const sessions: Buffer[] = [];
  s.on('session', (b: Buffer) => sessions.push(b));
  let reply = '';
  s.on('data', (d: Buffer) => (reply += d.toString()));
  await bounded(new Promise((r, j) => { s.once('secureConnect', r); s.once('error', j); }), 5000, 'handshake');
  s.write('hi');
  await bounded(new Promise((r, j) => { s.once('end', r); s.once('error', j); }), 5000, 'reply');
  const peer = s.getPeerCertificate();
  const cn = peer !== null && 'subject' in peer ? (peer.subject as { CN?: string } | undefined)?.CN : undefined;
  const round = { reused: s.isSessionReused(), protocol: s.getProtocol(), sessions, reply, peerCn: typeof cn === 'string' ? cn : undefined, authorized: s.authorized };
  // a clean close (close_notify both ways): OpenSSL drops a cached session whose connection ended in an error
  await bounded(new Promise((r) => { s.once('close', r); s.end(); }), 5000, 'close');
  return round;
}

/** openssl s_client -tls1_2, closed shortly after the handshake. */
const sClient = (port: number, ca: string, extra: string[]): Promise<string> => opensslClient(port, ca, '-tls1_2', extra, 200, closers);

describe('TLS 1.2 resumption: tlskit ↔ tlskit and node:tls (node API)', () => {
  it('tlskit ↔ tlskit with tickets: session event, connect({ session }), isSessionReused, identity and authorized kept; setTicketKeys renews', async () => {
    const server = tlskit.createServer({ ...serverOptions(), ...V12 }, echoOnce);
    const port = await listen(server);
    const opts = { host: HOST, port, servername: 'localhost', ca: pki.root.certPem };
    const first = await clientRound(() => tlskit.connect(opts));
    assert.equal(first.protocol, 'TLSv1.2');
    assert.equal(first.reused, false);
    assert.equal(first.sessions.length, 1, 'one session event');
    const session = first.sessions[0];
    const second = await clientRound(() => tlskit.connect({ ...opts, session }));
    assert.equal(second.reused, true);
    assert.equal(second.reply, 'echo:hi');
    assert.equal(second.peerCn, first.peerCn);
    assert.equal(second.authorized, true);
    // new ticket keys: the old ticket still opens (renewed in the abbreviated handshake), a new session comes
    server.setTicketKeys(Buffer.alloc(48, 9));
    assert.deepEqual(server.getTicketKeys(), Buffer.alloc(48, 9));
    const third = await clientRound(() => tlskit.connect({ ...opts, session }));
    assert.equal(third.reused, true);
    assert.ok(third.sessions[0] !== undefined && !third.sessions[0].equals(session ?? Buffer.alloc(0)), 'a renewed ticket');
    assert.equal((await clientRound(() => tlskit.connect({ ...opts, session: third.sessions[0] }))).reused, true);
  });

  it('tlskit ↔ tlskit with session IDs (ticketCount: 0)', async () => {
    const port = await listen(tlskit.createServer({ ...serverOptions(), ...V12, ticketCount: 0 }, echoOnce));
    const opts = { host: HOST, port, servername: 'localhost', ca: pki.root.certPem };
    const first = await clientRound(() => tlskit.connect(opts));
    assert.equal(first.sessions.length, 1);
    const second = await clientRound(() => tlskit.connect({ ...opts, session: first.sessions[0] }));
    assert.equal(second.reused, true);
    assert.equal(second.protocol, 'TLSv1.2');
  });

  for (const [label, serverExtra] of [
    ['tickets', {}],
    ['session IDs', { ticketCount: 0 }],
  ] as const) {
    it(`node:tls client (maxVersion TLSv1.2) → tlskit server resumes (${label})`, async () => {
      const port = await listen(tlskit.createServer({ ...serverOptions(), ...V12, ...serverExtra }, echoOnce));
      const opts = { host: HOST, port, servername: 'localhost', ca: pki.root.certPem, ...V12 };
      const first = await clientRound(() => tls.connect(opts));
      assert.equal(first.reused, false);
      assert.equal(first.protocol, 'TLSv1.2');
      const session = first.sessions.at(-1);
      assert.ok(session !== undefined, 'node emitted a session');
      const second = await clientRound(() => tls.connect({ ...opts, session }));
      assert.equal(second.reused, true);
      assert.equal(second.reply, 'echo:hi');
    });
  }

  for (const [label, secureOptions] of [
    ['tickets', 0],
    ['SSL_OP_NO_TICKET: session IDs', cryptoConstants.SSL_OP_NO_TICKET],
  ] as const) {
    it(`tlskit client → node:tls server (maxVersion TLSv1.2) resumes (${label})`, async () => {
      const server = tls.createServer({ ...serverOptions(), ...V12, secureOptions }, echoOnce);
      if (secureOptions !== 0) {
        // node:tls servers keep no session cache of their own: the application provides one
        const cache = new Map<string, Buffer>();
        server.on('newSession', (id: Buffer, data: Buffer, cb: () => void) => {
          cache.set(id.toString('hex'), data);
          cb();
        });
        server.on('resumeSession', (id: Buffer, cb: (err: Error | null, data: Buffer | null) => void) => {
          cb(null, cache.get(id.toString('hex')) ?? null);
        });
      }
      const port = await listen(server);
      const opts = { host: HOST, port, servername: 'localhost', ca: pki.root.certPem };
      const first = await clientRound(() => tlskit.connect(opts));
      assert.equal(first.protocol, 'TLSv1.2');
      const session = first.sessions.at(-1);
      assert.ok(session !== undefined);
      const second = await clientRound(() => tlskit.connect({ ...opts, session }));
      assert.equal(second.reused, true);
      assert.equal(second.reply, 'echo:hi');
      assert.equal(second.peerCn, first.peerCn);
    });
  }
});

describe('TLS 1.2 resumption: openssl', () => {
  for (const [label, extra] of [
    ['tickets', []],
    ['session IDs (-no_ticket)', ['-no_ticket']],
  ] as const) {
    it(`openssl s_client -tls1_2 -sess_out / -sess_in → tlskit server: Reused, TLSv1.2 (${label})`, async () => {
      const port = await listen(tlskit.createServer(serverOptions(), (s) => s.on('error', () => {})));
      const sess = join(dir, `sess-${extra.length}.pem`);
      const first = await sClient(port, caFile, [...extra, '-sess_out', sess]);
      assert.match(first, /New, TLSv1\.2/);
      const ticket = /TLS session ticket lifetime hint/.test(first);
      assert.equal(ticket, extra.length === 0, 'a ticket only when asked');
      const second = await sClient(port, caFile, [...extra, '-sess_in', sess]);
      assert.match(second, /Reused, TLSv1\.2/);
    });
  }

  for (const [label, extra] of [
    ['tickets', []],
    ['session IDs (-no_ticket)', ['-no_ticket']],
  ] as const) {
    it(`tlskit client → openssl s_server -tls1_2 resumes (${label})`, async () => {
      const port = await freePort();
      const p = spawn(
        'openssl',
        ['s_server', '-accept', `${HOST}:${port}`, '-cert', certFile, '-cert_chain', join(dir, 'inter.pem'), '-key', keyFile, '-tls1_2', '-rev', ...extra],
        { stdio: ['pipe', 'pipe', 'pipe'] },
      );
      closers.push(() => p.kill('SIGKILL'));
      let out = '';
      p.stdout.on('data', (d: Buffer) => (out += d.toString()));
      await bounded(
        (async () => {
          while (!out.includes('ACCEPT')) await new Promise((r) => setTimeout(r, 50));
        })(),
        5000,
        's_server start',
      );
      const opts = { host: HOST, port, servername: 'localhost', ca: pki.root.certPem };
      /** -rev answers each line reversed. */
      async function round(session?: Buffer): Promise<{ reused: boolean; protocol: string | null; session: Buffer | undefined }> {
        const s = tlskit.connect({ ...opts, ...(session !== undefined ? { session } : {}) });
        closers.push(() => s.destroy());
        let got: Buffer | undefined;
        s.on('session', (b: Buffer) => (got = b));
        await bounded(new Promise((r, j) => { s.once('secureConnect', r); s.once('error', j); }), 5000, 'handshake');
        s.write('abc\n');
        const reply = await bounded(new Promise<Buffer>((r) => s.once('data', r)), 5000, 'reply');
        assert.match(reply.toString(), /cba/);
        const r = { reused: s.isSessionReused(), protocol: s.getProtocol(), session: got };
        // a clean close: OpenSSL drops a cached session (-no_ticket) whose connection ended in an error
        await bounded(new Promise((done) => { s.once('close', done); s.end(); }), 5000, 'close');
        return r;
      }
      const first = await round();
      assert.equal(first.reused, false);
      assert.equal(first.protocol, 'TLSv1.2');
      assert.ok(first.session !== undefined);
      const second = await round(first.session);
      assert.equal(second.reused, true);
      p.kill('SIGKILL');
    });
  }
});

describe('tlskit CLI, TLS 1.2 resumption', () => {
  cleanupPeersAfter(after);
  const CLI = findCli();
  const env = { ...process.env, NO_COLOR: '1' };
  const servers: { serve: Peer; port: number; ca: string }[] = [];
  const start = async (args: string[]): Promise<{ serve: Peer; port: number; ca: string }> => {
    const { serve, port, caFile } = await startTlskitServe(args, { timeoutMs: 60_000 });
    const s = { serve, port, ca: caFile };
    servers.push(s);
    return s;
  };
  after(async () => {
    for (const s of servers) await s.serve.kill(500);
  });
  const cli = (args: readonly string[]) => runCommand(process.execPath, [CLI, ...args], { timeoutMs: 15_000, name: 'tlskit connect', env, input: 'hello\n' });

  it('connect --tls1.2 --sess-out / --sess-in against tlskit serve (tickets) and serve --no-tickets (session IDs)', async () => {
    for (const flags of [[], ['--no-tickets']]) {
      const s = await start(flags);
      const file = join(dir, `cli12-${flags.length}.pem`);
      const base = ['connect', `127.0.0.1:${s.port}`, '--servername', 'localhost', '--cafile', s.ca, '--tls1.2'];
      const first = await cli([...base, '--sess-out', file]);
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stderr, /Session: new/);
      assert.match(readFileSync(file, 'utf8'), /BEGIN TLSKIT TLS 1\.2 SESSION/);
      const second = await cli([...base, '--sess-in', file, '--json']);
      assert.equal(second.code, 0, second.stderr);
      const json = JSON.parse(second.stdout) as { resumed?: boolean; messages?: { name?: string; explanation?: string }[] };
      assert.equal(json.resumed, true, flags.join(' '));
      const names = (json.messages ?? []).map((m) => m.name);
      assert.ok(!names.includes('Certificate'), 'no Certificate in the abbreviated handshake');
      assert.match(json.messages?.find((m) => m.name === 'ServerHello')?.explanation ?? '', /abbreviated handshake/);
      // the server's log line: the abbreviated handshake has no key exchange, and says it resumed
      await s.serve.waitFor(/TLS 1\.2 TLS_ECDHE_\w+ no-key-exchange SNI=localhost ALPN=- resumed\n/, 5000, 'stderr');
      // openssl reads the same server the same way
      const sess = join(dir, `cli12-openssl-${flags.length}.pem`);
      assert.match(await sClient(s.port, s.ca, ['-sess_out', sess]), /New, TLSv1\.2/);
      assert.match(await sClient(s.port, s.ca, ['-sess_in', sess]), /Reused, TLSv1\.2/);
    }
  });

  it('demo --tls1.2 --resume: the full handshake with a NewSessionTicket, then the abbreviated one explained', async () => {
    const r = await runCommand(process.execPath, [CLI, 'demo', '--tls1.2', '--resume'], { timeoutMs: 20_000, name: 'tlskit demo', env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Resumed: yes; master_secret of connection 1 reused/m);
    const [fullPart, resumedPart] = r.stdout.split(/^2\. Abbreviated handshake/m);
    assert.ok(fullPart !== undefined && resumedPart !== undefined);
    assert.match(fullPart, /← *─+ Certificate {2}\[plaintext\]/);
    assert.match(fullPart, /NewSessionTicket/);
    assert.doesNotMatch(resumedPart, /─ Certificate {2}/);
    assert.match(resumedPart, /session_id:\s+echoed\s+\(resumption\)/);
    assert.match(resumedPart, /key\s+derivation\s+\(TLS\s+1\.2,\s+resumed\s+session\)/);
    assert.match(resumedPart, /the\s+server\s+finishes\s+first/);
    assert.doesNotMatch(resumedPart, /application_traffic_secret/);
  });
});
