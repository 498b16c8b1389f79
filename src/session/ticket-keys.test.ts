import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeCryptoProvider as provider } from '../crypto/node-provider.js';
import { TlsError } from '../errors.js';
import { equalBytes } from '../wire/bytes.js';
import { openTicket, sealTicket, TicketPurpose } from './ticket.js';
import { TICKET_KEYS_LENGTH, TicketKeyring } from './ticket-keys.js';

const HOUR = 3600_000;
const clock = (start = 1_700_000_000_000): { now: () => number; advance: (ms: number) => void } => {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
};
const plain = new Uint8Array([1, 2, 3, 4, 5]);
const seal = (k: TicketKeyring): Uint8Array => sealTicket(k, provider, TicketPurpose.tls13Ticket, plain);
const opens = (k: TicketKeyring, t: Uint8Array): boolean => {
  const p = openTicket(k, provider, TicketPurpose.tls13Ticket, t);
  return p !== null && equalBytes(p, plain);
};

test('random mode: a ticket sealed before a rotation still opens; after the key lifetime it does not', () => {
  const c = clock();
  const keys = new TicketKeyring({ provider, rotationPeriodMs: HOUR, lifetimeMs: 3 * HOUR, now: c.now });
  const t1 = seal(keys);
  const name1 = keys.current().name;
  c.advance(HOUR + 1);
  assert.ok(!equalBytes(keys.current().name, name1), 'rotated after one period');
  assert.ok(opens(keys, t1), 'old key still opens');
  assert.ok(opens(keys, seal(keys)));
  c.advance(2 * HOUR);
  assert.equal(opens(keys, t1), false, 'expired key no longer opens');
  assert.ok(keys.keys().length <= 4, 'old keys are pruned');
});

test('rotate(): the replaced key opens for the grace period (lifetime − period) only', () => {
  const c = clock();
  const keys = new TicketKeyring({ provider, rotationPeriodMs: HOUR, lifetimeMs: 2 * HOUR, now: c.now });
  const t1 = seal(keys);
  keys.rotate();
  assert.ok(opens(keys, t1));
  c.advance(HOUR - 1);
  assert.ok(opens(keys, t1));
  c.advance(2);
  assert.equal(opens(keys, t1), false);
});

test('derived mode (fleet): two keyrings with the same secret open each other\'s tickets, across rotation and a fresh start', () => {
  const secret = provider.randomBytes(32);
  const c = clock();
  const a = new TicketKeyring({ provider, secret, rotationPeriodMs: HOUR, lifetimeMs: 3 * HOUR, now: c.now });
  const b = new TicketKeyring({ provider, secret, rotationPeriodMs: HOUR, lifetimeMs: 3 * HOUR, now: c.now });
  assert.equal(a.mode, 'derived');
  const ta = seal(a);
  assert.ok(opens(b, ta));
  assert.ok(opens(a, seal(b)));
  c.advance(HOUR);
  // A server started after the rotation derives the previous epoch's key too.
  const late = new TicketKeyring({ provider, secret, rotationPeriodMs: HOUR, lifetimeMs: 3 * HOUR, now: c.now });
  assert.ok(opens(late, ta));
  assert.ok(equalBytes(late.current().name, a.current().name));
  // A different secret opens nothing.
  const other = new TicketKeyring({ provider, secret: provider.randomBytes(32), rotationPeriodMs: HOUR, now: c.now });
  assert.equal(opens(other, ta), false);
  c.advance(3 * HOUR);
  assert.equal(opens(b, ta), false, 'epoch key expired');
});

test('derived mode tolerates clock skew: a server one epoch ahead seals, the other opens', () => {
  const secret = provider.randomBytes(32);
  const c = clock(10 * HOUR + HOUR - 1000); // 1 s before a boundary
  const ahead = new TicketKeyring({ provider, secret, rotationPeriodMs: HOUR, now: () => c.now() + 2000 });
  const behind = new TicketKeyring({ provider, secret, rotationPeriodMs: HOUR, now: c.now });
  assert.ok(opens(behind, seal(ahead)));
});

test('static mode: getTicketKeys/setTicketKeys (48 bytes) round-trip and share tickets; setTicketKeys keeps the old key for the grace period', () => {
  const c = clock();
  const a = new TicketKeyring({ provider, now: c.now });
  const exported = a.getTicketKeys();
  assert.equal(exported.length, TICKET_KEYS_LENGTH);
  const b = new TicketKeyring({ provider, ticketKeys: exported, now: c.now });
  assert.equal(b.mode, 'static');
  assert.ok(equalBytes(b.getTicketKeys(), exported));
  const tb = seal(b);
  assert.ok(opens(a, tb));
  c.advance(10 * HOUR);
  assert.ok(opens(b, seal(b)), 'static keys do not rotate');
  const old = seal(b);
  b.setTicketKeys(provider.randomBytes(48));
  assert.ok(opens(b, old), 'replaced key opens during the grace period');
  c.advance(2 * HOUR + 1);
  assert.equal(opens(b, old), false);
  assert.throws(() => b.setTicketKeys(new Uint8Array(47)), TlsError);
});

test('options are validated', () => {
  assert.throws(() => new TicketKeyring({ provider, secret: new Uint8Array(16) }), TlsError);
  assert.throws(() => new TicketKeyring({ provider, rotationPeriodMs: HOUR, lifetimeMs: HOUR - 1 }), TlsError);
  assert.throws(() => new TicketKeyring({ provider, secret: new Uint8Array(32), ticketKeys: new Uint8Array(48) }), TlsError);
});

test('find() with many opening keys (derived mode, short period): old and current tickets open, unknown names do not', () => {
  const c = clock();
  const secret = new Uint8Array(32).fill(3);
  // 20 epochs of keys still open: beyond the few keys find() compares by name
  const keys = new TicketKeyring({ provider, secret, rotationPeriodMs: 1000, lifetimeMs: 20_000, now: c.now });
  const first = seal(keys);
  c.advance(15_000);
  const later = seal(keys);
  assert.ok(opens(keys, first), 'a ticket from 15 epochs ago');
  assert.ok(keys.keys().length > 8, 'every epoch key that may still open was derived');
  assert.ok(opens(keys, later));
  const unknown = later.slice();
  unknown[0]! ^= 1;
  assert.equal(opens(keys, unknown), false);
  c.advance(6_000);
  assert.equal(opens(keys, first), false, 'past its key lifetime');
});
