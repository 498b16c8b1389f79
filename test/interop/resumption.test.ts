/**
 * TLS 1.3 session resumption (RFC 8446 §2.2) across implementations on 127.0.0.1:
 * tlskit ↔ tlskit, node:tls ↔ tlskit both ways, and openssl s_client -sess_out/-sess_in →
 * tlskit server, tlskit client → openssl s_server.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as net from 'node:net';
import * as tls from 'node:tls';
import * as tlskit from '../../src/node/index.js';
import { nodeCryptoProvider } from '../../src/crypto/node-provider.js';
import { generateTestPki } from '../../src/x509/generate.js';
import { cleanupPeersAfter, runCommand, type Peer } from '../helpers/process.js';
import { findCli, startTlskitServe } from '../helpers/cli.js';
import { bounded, echoOnce, HOST, opensslClient, localTlsFixture } from '../helpers/local-tls.js';

const { pki, dir, certFile, keyFile, caFile, closers, listen } = localTlsFixture('tlskit-resume-');

function serverOptions(): { key: string; cert: string } {
  return { key: pki.leaves.p256?.keyPem ?? '', cert: pki.chainPem('p256') };
}

/** Connects, waits for the handshake, a reply and the session(s); returns what it saw. */
async function clientRound(
  make: () => tls.TLSSocket | tlskit.TLSSocket,
): Promise<{ reused: boolean; session: Buffer | undefined; reply: string; peerCn: string | undefined; authorized: boolean }> {
  const s = make();
  closers.push(() => s.destroy());
  let session: Buffer | undefined;
  s.on('session', (b: Buffer) => (session = b));
  let reply = '';
  s.on('data', (d: Buffer) => (reply += d.toString()));
  await bounded(new Promise((r, j) => { s.once('secureConnect', r); s.once('error', j); }), 5000, 'handshake');
  s.write('hi');
  await bounded(new Promise((r, j) => { s.once('end', r); s.once('error', j); }), 5000, 'reply');
  const peer = s.getPeerCertificate();
  const cn = peer !== null && 'subject' in peer ? (peer.subject as { CN?: string } | undefined)?.CN : undefined;
  const reused = s.isSessionReused();
  const authorized = s.authorized;
  s.destroy();
  return { reused, session, reply, peerCn: typeof cn === 'string' ? cn : undefined, authorized };
}

/** openssl s_client, fed `input`, closed shortly after the handshake (after the tickets arrived). */
const sClientWith = (port: number, ca: string, extra: string[]): Promise<string> => opensslClient(port, ca, '-tls1_3', extra, 300, closers);

describe('TLS 1.3 resumption interop', () => {
  it('tlskit client ↔ tlskit server: session event, connect({ session }), isSessionReused, identity kept', async () => {
    const server = tlskit.createServer(serverOptions(), echoOnce);
    const port = await listen(server);
    const opts = { host: HOST, port, servername: 'localhost', ca: pki.root.certPem };
    const first = await clientRound(() => tlskit.connect(opts));
    assert.equal(first.reused, false);
    assert.equal(first.reply, 'echo:hi');
    assert.ok(first.session !== undefined, 'a session event');
    const second = await clientRound(() => tlskit.connect({ ...opts, session: first.session }));
    assert.equal(second.reused, true);
    assert.equal(second.reply, 'echo:hi');
    assert.equal(second.peerCn, first.peerCn);
    // the resumed connection inherits `authorized` from the session (as node)
    assert.equal(first.authorized, true);
    assert.equal(second.authorized, true);
    // a session from a connection that was not authorized (rejectUnauthorized: false, unknown CA) stays unauthorized
    const other = generateTestPki(nodeCryptoProvider, { keyKinds: ['p256'] });
    const lax = { host: HOST, port, servername: 'localhost', ca: other.root.certPem, rejectUnauthorized: false };
    const unverified = await clientRound(() => tlskit.connect(lax));
    assert.equal(unverified.authorized, false);
    const resumedLax = await clientRound(() => tlskit.connect({ ...lax, session: unverified.session }));
    assert.equal(resumedLax.reused, true);
    assert.equal(resumedLax.authorized, false);
    // ticket keys: get/set like node; after replacing the keys, old tickets still open for a while
    const keys = server.getTicketKeys();
    assert.equal(keys.length, 48);
    server.setTicketKeys(Buffer.alloc(48, 7));
    assert.deepEqual(server.getTicketKeys(), Buffer.alloc(48, 7));
    const third = await clientRound(() => tlskit.connect({ ...opts, session: first.session }));
    assert.equal(third.reused, true);
  });

  it('tlskit servers sharing ticketKeys resume each other\'s sessions; other keys do not', async () => {
    const ticketKeys = Buffer.alloc(48, 3);
    const a = await listen(tlskit.createServer({ ...serverOptions(), ticketKeys }, echoOnce));
    const b = await listen(tlskit.createServer({ ...serverOptions(), ticketKeys }, echoOnce));
    const c = await listen(tlskit.createServer(serverOptions(), echoOnce));
    const opts = { host: HOST, servername: 'localhost', ca: pki.root.certPem };
    const first = await clientRound(() => tlskit.connect({ ...opts, port: a }));
    assert.equal((await clientRound(() => tlskit.connect({ ...opts, port: b, session: first.session }))).reused, true);
    assert.equal((await clientRound(() => tlskit.connect({ ...opts, port: c, session: first.session }))).reused, false);
  });

  it('node:tls client → tlskit server resumes', async () => {
    const port = await listen(tlskit.createServer(serverOptions(), echoOnce));
    const opts = { host: HOST, port, servername: 'localhost', ca: pki.root.certPem, minVersion: 'TLSv1.3' as const };
    const first = await clientRound(() => tls.connect(opts));
    assert.equal(first.reused, false);
    assert.ok(first.session !== undefined);
    const second = await clientRound(() => tls.connect({ ...opts, session: first.session }));
    assert.equal(second.reused, true);
    assert.equal(second.reply, 'echo:hi');
  });

  it('tlskit client → node:tls server resumes', async () => {
    const server = tls.createServer({ ...serverOptions(), minVersion: 'TLSv1.3' }, echoOnce);
    const port = await listen(server);
    const opts = { host: HOST, port, servername: 'localhost', ca: pki.root.certPem };
    const first = await clientRound(() => tlskit.connect(opts));
    assert.ok(first.session !== undefined);
    const second = await clientRound(() => tlskit.connect({ ...opts, session: first.session }));
    assert.equal(second.reused, true);
    assert.equal(second.reply, 'echo:hi');
    assert.equal(second.peerCn, first.peerCn);
  });

  const sClient = (port: number, extra: string[]): Promise<string> => sClientWith(port, caFile, extra);

  it('openssl s_client -sess_out / -sess_in → tlskit server: Reused, TLSv1.3', async () => {
    const port = await listen(tlskit.createServer(serverOptions(), (s) => s.on('error', () => {})));
    const sess = join(dir, 'sess.pem');
    const first = await sClient(port, ['-sess_out', sess]);
    assert.match(first, /New, TLSv1\.3/);
    const second = await sClient(port, ['-sess_in', sess]);
    assert.match(second, /Reused, TLSv1\.3/);
  });

  it('tlskit client → openssl s_server resumes', async () => {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = net.createServer();
      srv.listen(0, HOST, () => {
        const a = srv.address();
        srv.close(() => (a !== null && typeof a !== 'string' ? resolve(a.port) : reject(new Error('no port'))));
      });
    });
    const p = spawn('openssl', ['s_server', '-accept', `${HOST}:${port}`, '-cert', certFile, '-cert_chain', join(dir, 'inter.pem'), '-key', keyFile, '-tls1_3', '-rev'], { stdio: ['pipe', 'pipe', 'pipe'] });
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
    /** -rev answers each line reversed; we only need the handshake and the tickets. */
    async function round(session?: Buffer): Promise<{ reused: boolean; session: Buffer | undefined }> {
      const s = tlskit.connect({ ...opts, ...(session !== undefined ? { session } : {}) });
      closers.push(() => s.destroy());
      let got: Buffer | undefined;
      s.on('session', (b: Buffer) => (got = b));
      await bounded(new Promise((r, j) => { s.once('secureConnect', r); s.once('error', j); }), 5000, 'handshake');
      s.write('abc\n');
      await bounded(new Promise((r) => s.once('data', r)), 5000, 'reply');
      const reused = s.isSessionReused();
      s.destroy();
      return { reused, session: got };
    }
    const first = await round();
    assert.equal(first.reused, false);
    assert.ok(first.session !== undefined);
    const second = await round(first.session);
    assert.equal(second.reused, true);
    p.kill('SIGKILL');
  });
});

describe('tlskit CLI resumption', () => {
  cleanupPeersAfter(after);
  let serve: Peer;
  let port = 0;
  let cliCa = '';
  const CLI = findCli();
  const cli = (args: readonly string[]) =>
    runCommand(process.execPath, [CLI, ...args], { timeoutMs: 15_000, name: 'tlskit connect', env: { ...process.env, NO_COLOR: '1' }, input: 'hello\n' });
  before(async () => {
    ({ serve, port, caFile: cliCa } = await startTlskitServe([], { timeoutMs: 60_000 }));
  });
  after(async () => {
    await serve.kill(500);
  });

  it('tlskit demo --resume: a full handshake, then the resumed one without Certificate', async () => {
    const r = await runCommand(process.execPath, [CLI, 'demo', '--resume'], { timeoutMs: 20_000, name: 'tlskit demo', env: { ...process.env, NO_COLOR: '1' } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Resumed: yes/m);
    const [fullPart, resumedPart] = r.stdout.split(/^2\. Resumed handshake/m);
    assert.ok(fullPart !== undefined && resumedPart !== undefined);
    assert.match(fullPart, /← *─+ Certificate {2}\[handshake keys\]/);
    assert.match(fullPart, /NewSessionTicket/);
    assert.doesNotMatch(resumedPart, /─ Certificate {2}/);
    const json = await runCommand(process.execPath, [CLI, 'demo', '--resume', '--json'], { timeoutMs: 20_000, name: 'tlskit demo' });
    assert.equal(json.code, 0, json.stderr);
    assert.equal((JSON.parse(json.stdout) as { resumed?: boolean }).resumed, true);
  });

  it('tlskit connect --sess-out / --sess-in against tlskit serve', async () => {
    const file = join(dir, 'cli-session.pem');
    const first = await cli(['connect', `127.0.0.1:${port}`, '--servername', 'localhost', '--cafile', cliCa, '--sess-out', file]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /Session: new/);
    assert.match(readFileSync(file, 'utf8'), /BEGIN TLSKIT TLS 1\.3 SESSION/);
    const second = await cli(['connect', `127.0.0.1:${port}`, '--servername', 'localhost', '--cafile', cliCa, '--sess-in', file]);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /Session: resumed/);
    assert.match(second.stdout, /hello/);
    // a broken session file is a usage error
    writeFileSync(file, 'nonsense');
    const bad = await cli(['connect', `127.0.0.1:${port}`, '--servername', 'localhost', '--cafile', cliCa, '--sess-in', file]);
    assert.equal(bad.code, 2);
  });

  it('openssl s_client -sess_out / -sess_in against tlskit serve: Reused, TLSv1.3', async () => {
    const sess = join(dir, 'cli-openssl.pem');
    const s = async (extra: string[]): Promise<{ stdout: string }> => ({ stdout: await sClientWith(port, cliCa, extra) });
    const first = await s(['-sess_out', sess]);
    assert.match(first.stdout, /New, TLSv1\.3/);
    const second = await s(['-sess_in', sess]);
    assert.match(second.stdout, /Reused, TLSv1\.3/);
  });
});
