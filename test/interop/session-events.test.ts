/**
 * node:tls's server session events with OpenSSL clients on 127.0.0.1: openssl s_client -tls1_2
 * -no_ticket -sess_out / -sess_in against a tlskit server that keeps its TLS 1.2 sessions in an
 * external cache through 'newSession' / 'resumeSession' (a hit resumes, a miss is a full handshake).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as tlskit from '../../src/node/index.js';
import { listenLocal, opensslClient, localTlsFixture } from '../helpers/local-tls.js';

const { pki, dir, caFile, closers } = localTlsFixture('tlskit-session-events-');

describe("openssl s_client -no_ticket → tlskit server with 'newSession' / 'resumeSession'", () => {
  it('the session ID goes to the external cache; -sess_in resumes from it (Reused); after the cache forgets it, a full handshake (New)', async () => {
    const cache = new Map<string, Buffer>();
    const events: string[] = [];
    const server = tlskit.createServer({ key: pki.leaves.p256?.keyPem ?? '', cert: pki.chainPem('p256') }, (s) => s.on('error', () => {}));
    server.on('newSession', (id: Buffer, data: Buffer, cb: () => void) => {
      events.push(`new:${id.toString('hex')}`);
      cache.set(id.toString('hex'), data);
      setImmediate(cb);
    });
    server.on('resumeSession', (id: Buffer, cb: (err: Error | null, data: Buffer | null) => void) => {
      const data = cache.get(id.toString('hex')) ?? null;
      events.push(`resume:${id.toString('hex')}:${data === null ? 'miss' : 'hit'}`);
      setImmediate(() => { cb(null, data); });
    });
    const port = await listenLocal(server, closers);
    const sess = join(dir, 'sess.pem');

    const first = await opensslClient(port, caFile, '-tls1_2', ['-no_ticket', '-sess_out', sess], 200, closers);
    assert.match(first, /New, TLSv1\.2/);
    const id = /Session-ID: ([0-9A-F]{64})/.exec(first)?.[1]?.toLowerCase();
    assert.ok(id !== undefined, first);
    assert.deepEqual(events, [`new:${id}`], 'openssl -tls1_2 sends no session ID first; the new session is announced under the ID it got');

    const second = await opensslClient(port, caFile, '-tls1_2', ['-no_ticket', '-sess_in', sess], 200, closers);
    assert.match(second, /Reused, TLSv1\.2/);
    assert.deepEqual(events.slice(1), [`resume:${id}:hit`]);

    cache.clear();
    const third = await opensslClient(port, caFile, '-tls1_2', ['-no_ticket', '-sess_in', sess], 200, closers);
    assert.match(third, /New, TLSv1\.2/);
    assert.equal(events[2], `resume:${id}:miss`);
    assert.match(events[3] ?? '', /^new:/);
  });
});
