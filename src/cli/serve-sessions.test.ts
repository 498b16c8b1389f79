// tlskit serve's session options: --redis addresses, --ticket-secret (hex or file), validation.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeCryptoProvider as provider } from '../crypto/node-provider.js';
import { UsageError } from './names.js';
import { parseRedisAddress, readTicketSecret, serveSessions } from './serve-sessions.js';

const HEX = 'ab'.repeat(32);

describe('tlskit serve session options', () => {
  it('--redis: HOST:PORT, [v6]:PORT, PORT, redis:// URLs; bad ones are usage errors that never echo a password', () => {
    assert.deepEqual(parseRedisAddress('10.0.0.5:6380'), { host: '10.0.0.5', port: 6380 });
    assert.deepEqual(parseRedisAddress('[::1]:6379'), { host: '::1', port: 6379 });
    assert.deepEqual(parseRedisAddress('7000'), { host: '127.0.0.1', port: 7000 });
    assert.deepEqual(parseRedisAddress('redis://cache.internal'), { host: 'cache.internal', port: 6379 });
    assert.deepEqual(parseRedisAddress('redis://u%40x:p%3Ass@h:1234/2'), { host: 'h', port: 1234, username: 'u@x', password: 'p:ss', db: 2 });
    assert.deepEqual(parseRedisAddress('redis://:pw@[::1]:7'), { host: '::1', port: 7, password: 'pw' });
    for (const bad of ['host', 'host:0', 'host:65536', 'host:x', ':6379', 'redis://h:1/x', 'redis://']) {
      assert.throws(() => parseRedisAddress(bad), UsageError, bad);
    }
    assert.throws(() => parseRedisAddress('redis://:hunter2@h:1/x'), (e: Error) => e instanceof UsageError && !e.message.includes('hunter2'));
  });

  it('--ticket-secret: ≥ 64 hex digits inline, or a file of hex or raw bytes (≥ 32); short ones refused; a world-readable file warned about', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tlskit-secret-'));
    try {
      const warnings: string[] = [];
      const warn = (l: string): void => {
        warnings.push(l);
      };
      assert.deepEqual(readTicketSecret(HEX, warn), new Uint8Array(32).fill(0xab));
      const hexFile = join(dir, 'hex');
      writeFileSync(hexFile, `${HEX}\n`, { mode: 0o600 });
      assert.deepEqual(readTicketSecret(hexFile, warn), new Uint8Array(32).fill(0xab));
      const rawFile = join(dir, 'raw');
      writeFileSync(rawFile, new Uint8Array(48).fill(7), { mode: 0o600 });
      assert.deepEqual(readTicketSecret(rawFile, warn), new Uint8Array(48).fill(7));
      assert.deepEqual(warnings, []);
      chmodSync(rawFile, 0o644);
      readTicketSecret(rawFile, warn);
      assert.match(warnings.join('\n'), /readable by other users/);
      const shortFile = join(dir, 'short');
      writeFileSync(shortFile, new Uint8Array(31).fill(1), { mode: 0o600 });
      assert.throws(() => readTicketSecret(shortFile, warn), UsageError);
      assert.throws(() => readTicketSecret('ab'.repeat(31), warn), UsageError, 'too short as hex and not a file');
      assert.throws(() => readTicketSecret(join(dir, 'missing'), warn), UsageError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('builds derived keys with the given rotation (default lifetime 3 periods), stateful tickets, and rejects bad periods', async () => {
    const log = (): void => undefined;
    const s = serveSessions(provider, { 'ticket-secret': HEX, 'ticket-rotation': '2', 'stateful-tickets': true }, log);
    assert.match(s.summary, /stateful single-use TLS 1\.3 tickets in memory; ticket keys derived from the shared secret, rotating every 2 s, opening for 6 s/);
    assert.ok(s.sessions !== undefined);
    await s.close();
    // two servers with the same secret derive the same keys: what one seals the other opens
    const a = serveSessions(provider, { 'ticket-secret': HEX }, log).sessions;
    const b = serveSessions(provider, { 'ticket-secret': HEX }, log).sessions;
    const ticket = a.sealTicket12({ cipherSuite: 0xc02f, masterSecret: new Uint8Array(48), extendedMasterSecret: true, serverName: undefined, alpn: undefined, peerCertificates: [] });
    assert.ok(b.openTicket12(ticket.ticket) !== null);
    const c = serveSessions(provider, {}, log).sessions;
    assert.equal(c.openTicket12(ticket.ticket), null, 'random keys: another process opens nothing');
    assert.equal(serveSessions(provider, { 'no-tickets': true }, log).tickets, false);
    for (const bad of [{ 'ticket-rotation': '0' }, { 'ticket-rotation': '0.5' }, { 'ticket-rotation': '-1' }, { 'ticket-rotation': 'x' }, { 'ticket-lifetime': '1.5' }, { 'ticket-lifetime': '604801' }, { 'ticket-rotation': '10', 'ticket-key-lifetime': '5' }, { 'ticket-key-lifetime': '60' }, { 'early-data-window': '0' }, { 'early-data-window': '601' }]) {
      assert.throws(() => serveSessions(provider, bad, log), UsageError, JSON.stringify(bad));
    }
  });
});
