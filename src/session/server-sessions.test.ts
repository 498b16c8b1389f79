import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeCryptoProvider as provider } from '../crypto/node-provider.js';
import { decodeEarlyDataTicket } from '../extensions/early-data.js';
import { TLS_AES_128_GCM_SHA256 } from '../keyschedule/suites.js';
import { EarlySecrets, finishedVerifyData } from '../keyschedule/tls13.js';
import type { NewSessionTicket13 } from '../messages/new-session-ticket13.js';
import { ExtensionType } from '../registry/codepoints.js';
import { emsResumption12, ServerSessions, STATEFUL_TICKET_LENGTH, verifyResumptionBinder, type ResumedTicket13 } from './server-sessions.js';
import { MemoryStore } from './store.js';
import { TicketKeyring } from './ticket-keys.js';

const suite = TLS_AES_128_GCM_SHA256;
const rms = new Uint8Array(32).fill(3);
const WINDOW = 10_000;

function setup(opts: { mode?: 'stateless' | 'stateful'; early?: number; secret?: Uint8Array } = {}) {
  let t = 1_700_000_000_000;
  const now = (): number => t;
  const keys = new TicketKeyring({ provider, now, ...(opts.secret === undefined ? {} : { secret: opts.secret }) });
  const store = new MemoryStore({ now });
  const s = new ServerSessions({ provider, keys, store, now, tickets13: opts.mode ?? 'stateless', maxEarlyDataSize: opts.early ?? 0, earlyDataWindowMs: WINDOW });
  return { s, store, keys, now, advance: (ms: number) => (t += ms) };
}

const issue = async (s: ServerSessions): Promise<NewSessionTicket13> => {
  const nst = await s.issueTicket13({ suite, resumptionMasterSecret: rms, serverName: 'example.com', alpn: 'h2', peerCertificates: [] });
  assert.ok(nst !== null);
  return nst;
};
// The client's obfuscated_ticket_age after `ageMs` (RFC 8446 §4.2.11.1).
const identity = (nst: NewSessionTicket13, ageMs: number) => ({ identity: nst.ticket, obfuscatedTicketAge: (ageMs + nst.ticketAgeAdd) >>> 0 });
const binderOf = (r: ResumedTicket13): Uint8Array => {
  const key = EarlySecrets.create(provider, suite, r.state.psk).binderKey('resumption');
  return finishedVerifyData(provider, suite, key, new Uint8Array(32).fill(1));
};
const early = (r: ResumedTicket13) => ({ binder: binderOf(r), selectedIdentity: 0, cipherSuite: suite.suite, alpn: 'h2' as string | undefined });

test('TLS 1.3 stateless: issue → resume (PSK, age, identity kept); binder verifies in constant time; garbage is unknown', async () => {
  const { s, advance } = setup();
  const nst = await issue(s);
  assert.equal(nst.ticketLifetime, 7200);
  assert.equal(nst.extensions.length, 0, 'no early_data extension when 0-RTT is off');
  advance(1234);
  const r = await s.resumeTicket13(identity(nst, 1200));
  assert.ok(r !== null);
  assert.equal(r.clientTicketAgeMs, 1200);
  assert.equal(r.singleUse, false);
  assert.equal(r.state.serverName, 'example.com');
  assert.equal(r.state.alpn, 'h2');
  const hash = new Uint8Array(32).fill(1);
  assert.equal(verifyResumptionBinder(provider, suite, r.state.psk, hash, binderOf(r)), true);
  assert.equal(verifyResumptionBinder(provider, suite, r.state.psk, new Uint8Array(32), binderOf(r)), false);
  // stateless tickets can be used again within their lifetime
  assert.ok((await s.resumeTicket13(identity(nst, 2000))) !== null);
  assert.equal(await s.resumeTicket13({ identity: new Uint8Array(100), obfuscatedTicketAge: 0 }), null);
  advance(7200 * 1000);
  assert.equal(await s.resumeTicket13(identity(nst, 0)), null, 'past ticket_lifetime');
});

test('TLS 1.3 stateful: the ticket is a 32-byte handle, single use (take-once)', async () => {
  const { s } = setup({ mode: 'stateful' });
  const nst = await issue(s);
  assert.equal(nst.ticket.length, STATEFUL_TICKET_LENGTH);
  const results = await Promise.all([s.resumeTicket13(identity(nst, 0)), s.resumeTicket13(identity(nst, 0))]);
  assert.equal(results.filter((r) => r !== null).length, 1);
  assert.equal(results.find((r) => r !== null)?.singleUse, true);
  assert.equal(await s.resumeTicket13(identity(nst, 0)), null);
});

test('0-RTT: off by default; on: early_data in the ticket; accepted once; replay refused; stale refused; parameters checked', async () => {
  const off = setup();
  const r0 = await off.s.resumeTicket13(identity(await issue(off.s), 0));
  assert.deepEqual(await off.s.checkEarlyData(r0!, early(r0!)), { accept: false, reason: 'disabled' });

  const { s, advance } = setup({ early: 16384 });
  const nst = await issue(s);
  const ext = nst.extensions.find((e) => e.type === ExtensionType.early_data);
  assert.ok(ext !== undefined);
  assert.equal(decodeEarlyDataTicket(ext.data), 16384);
  // RFC 8446 §8.2: a fresh store refuses 0-RTT during its first 2 × window
  let r = (await s.resumeTicket13(identity(nst, 0)))!;
  assert.deepEqual(await s.checkEarlyData(r, early(r)), { accept: false, reason: 'starting' });
  advance(2 * WINDOW + 1);
  const nst2 = await issue(s);
  advance(500);
  r = (await s.resumeTicket13(identity(nst2, 500)))!;
  assert.deepEqual(await s.checkEarlyData(r, early(r)), { accept: true });
  assert.deepEqual(await s.checkEarlyData(r, early(r)), { accept: false, reason: 'replay-or-store' }, 'the same ClientHello again');
  assert.deepEqual(await s.checkEarlyData(r, { ...early(r), selectedIdentity: 1 }), { accept: false, reason: 'not-first-identity' });
  assert.deepEqual(await s.checkEarlyData(r, { ...early(r), alpn: 'http/1.1' }), { accept: false, reason: 'parameters' });
  assert.deepEqual(await s.checkEarlyData(r, { ...early(r), cipherSuite: 0x1302 }), { accept: false, reason: 'parameters' });
  // freshness: the client claims an age far from what the server sees
  const lying = (await s.resumeTicket13(identity(nst2, 500 + 3 * WINDOW)))!;
  assert.deepEqual(await s.checkEarlyData(lying, { ...early(lying), binder: new Uint8Array(32).fill(9) }), { accept: false, reason: 'stale' });
  advance(3 * WINDOW);
  const late = (await s.resumeTicket13(identity(nst2, 500)))!;
  assert.deepEqual(await s.checkEarlyData(late, { ...early(late), binder: new Uint8Array(32).fill(8) }), { accept: false, reason: 'stale' });
});

test('0-RTT: store failure refuses early data (fail closed)', async () => {
  const { s, store, advance } = setup({ early: 1024 });
  advance(2 * WINDOW + 1);
  const nst = await issue(s);
  const r = (await s.resumeTicket13(identity(nst, 0)))!;
  await store.close();
  assert.equal((await s.checkEarlyData(r, early(r))).accept, false);
});

test('fleet: two ServerSessions with the same secret and one shared store resume each other; 0-RTT accepted on A is refused on B', async () => {
  let t = 1_700_000_000_000;
  const now = (): number => t;
  const secret = provider.randomBytes(32);
  const store = new MemoryStore({ now });
  const mk = () => new ServerSessions({ provider, keys: new TicketKeyring({ provider, secret, now }), store, now, maxEarlyDataSize: 100, earlyDataWindowMs: WINDOW });
  const a = mk();
  const b = mk();
  t += 2 * WINDOW + 1;
  const nst = await issue(a);
  const onA = (await a.resumeTicket13(identity(nst, 0)))!;
  const onB = (await b.resumeTicket13(identity(nst, 0)))!;
  assert.ok(onA !== null && onB !== null);
  assert.equal((await a.checkEarlyData(onA, early(onA))).accept, true);
  assert.equal((await b.checkEarlyData(onB, early(onB))).accept, false, 'replayed to B');
});

test('TLS 1.2: tickets and the session-ID cache; EMS rules (RFC 7627 §5.3)', async () => {
  const { s, advance } = setup();
  const p = { cipherSuite: 0xc02f, masterSecret: new Uint8Array(48).fill(5), extendedMasterSecret: true, serverName: undefined, alpn: undefined, peerCertificates: [new Uint8Array([0x30, 0])] };
  const { ticket, ticketLifetimeHint } = s.sealTicket12(p);
  assert.equal(ticketLifetimeHint, 7200);
  const st = s.openTicket12(ticket);
  assert.ok(st !== null);
  assert.deepEqual(st.masterSecret, p.masterSecret);
  assert.deepEqual(st.peer, { kind: 'certificates', chain: p.peerCertificates, verified: false });
  // the original verdict on the client's chain travels with it
  assert.deepEqual(s.openTicket12(s.sealTicket12({ ...p, peerVerified: true }).ticket)?.peer, { kind: 'certificates', chain: p.peerCertificates, verified: true });
  assert.equal(s.openTicket12(ticket.subarray(1)), null);
  const sid = new Uint8Array(32).fill(4);
  assert.equal(await s.saveSession12(sid, p), true);
  assert.equal((await s.findSession12(sid))?.extendedMasterSecret, true);
  assert.equal(await s.findSession12(new Uint8Array(32)), null);
  await s.removeSession12(sid);
  assert.equal(await s.findSession12(sid), null);
  await s.saveSession12(sid, p);
  advance(301_000);
  assert.equal(await s.findSession12(sid), null, 'session-ID lifetime (300 s)');
  assert.equal(emsResumption12(st, true), 'resume');
  assert.equal(emsResumption12(st, false), 'abort');
  const noEms = { ...st, extendedMasterSecret: false };
  assert.equal(emsResumption12(noEms, true), 'full');
  assert.equal(emsResumption12(noEms, false), 'full');
  assert.equal(emsResumption12(noEms, false, true), 'resume');
});
