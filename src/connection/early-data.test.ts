/**
 * TLS 1.3 0-RTT early data (RFC 8446 §2.3, §4.2.10, §4.5, §8) between two in-memory connections:
 * accepted, rejected (by configuration, replay, HelloRetryRequest, ALPN), too much early data,
 * what the client does with data that was not accepted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Connection, type ConnectionEvents, type EarlyDataOutcome, type HandshakeEvent, type RecordEvent } from './connection.js';
import { clientConfig, serverConfig, type CertifiedKey, type ClientConfigOptions, type ServerConfigOptions } from '../handshake/config.js';
import type { ClientSession13, ServerTickets13 } from '../handshake/resumption13.js';
import { nodeCryptoProvider } from '../crypto/node-provider.js';
import { generateTestPki } from '../x509/generate.js';
import { createDefaultVerifier } from '../x509/verify.js';
import { ExtensionType, HandshakeType, NamedGroup } from '../registry/codepoints.js';
import { TlsError } from '../errors.js';
import { concat, equalBytes, fromUtf8, utf8 } from '../wire/bytes.js';
import { ServerSessions } from '../session/server-sessions.js';
import { MemoryStore } from '../session/store.js';
import { TicketKeyring } from '../session/ticket-keys.js';
import { decodeClientHello } from '../messages/client-hello.js';
import { findExtension } from '../extensions/extension.js';
import { certifiedLeaf, pumpAsync } from '../../test/helpers/connection-pair.js';

const provider = nodeCryptoProvider;
const pki = generateTestPki(provider, { keyKinds: ['p256'] });
const verifier = createDefaultVerifier({ provider, trustAnchors: [pki.root.certDer] });
const cert: CertifiedKey = certifiedLeaf(pki, 'p256');

interface Side {
  conn: Connection;
  errors: TlsError[];
  messages: HandshakeEvent[];
  records: RecordEvent[];
  sessions: ClientSession13[];
  received: Uint8Array[];
  early: Uint8Array[];
  outcomes: EarlyDataOutcome[];
  keylog: string[];
  /** Everything this side sent, in order. */
  wire: Uint8Array[];
  secure: boolean;
}

function side(make: (events: ConnectionEvents) => Connection): Side {
  const s: Side = {
    conn: undefined as unknown as Connection,
    errors: [],
    messages: [],
    records: [],
    sessions: [],
    received: [],
    early: [],
    outcomes: [],
    keylog: [],
    wire: [],
    secure: false,
  };
  s.conn = make({
    error: (e) => s.errors.push(e),
    handshakeMessage: (m) => s.messages.push(m),
    record: (r) => s.records.push(r),
    secure: () => (s.secure = true),
    session: (x) => {
      if (x.version === 0x0304) s.sessions.push(x);
    },
    data: (d) => s.received.push(d.slice()),
    earlyData: (d) => s.early.push(d.slice()),
    earlyDataOutcome: (o) => s.outcomes.push(o),
    keylog: (line) => s.keylog.push(line),
  });
  return s;
}

/** Moves bytes both ways until both sides are quiet (awaits the server's asynchronous ticket and store calls). */
function pump(a: Side, b: Side): Promise<void> {
  const record = (chunk: Uint8Array, from: 'client' | 'server'): Uint8Array => {
    (from === 'client' ? a : b).wire.push(chunk.slice());
    return chunk;
  };
  return pumpAsync(a, b, { tamper: record });
}

/**
 * A server session layer with 0-RTT on. The anti-replay record store is made as if the process had
 * started a minute ago: RFC 8446 §8.2 refuses 0-RTT while the recording window overlaps the start.
 */
function earlySessions(o: { maxEarlyDataSize?: number; tickets13?: 'stateless' | 'stateful'; keys?: TicketKeyring } = {}): ServerSessions {
  let offset = -60_000;
  const store = new MemoryStore({ now: () => Date.now() + offset });
  offset = 0;
  return new ServerSessions({
    provider,
    keys: o.keys ?? new TicketKeyring({ provider }),
    store,
    maxEarlyDataSize: o.maxEarlyDataSize ?? 1024,
    tickets13: o.tickets13 ?? 'stateless',
  });
}

function makeClient(options: Partial<ClientConfigOptions>): Side {
  return side((events) => new Connection(clientConfig({ provider, verifier, serverName: 'localhost', ...options }), events));
}
function makeServer(options: Partial<ServerConfigOptions>): Side {
  return side((events) => new Connection(serverConfig({ provider, certificates: [cert], ...options }), events));
}

async function connect(client: Partial<ClientConfigOptions>, server: Partial<ServerConfigOptions>): Promise<{ c: Side; s: Side }> {
  const c = makeClient(client);
  const s = makeServer(server);
  c.conn.start();
  await pump(c, s);
  return { c, s };
}

/** A session from a first, full handshake with `tickets`. */
async function ticketFrom(tickets: ServerSessions, options: { alpn?: string[] } = {}): Promise<ClientSession13> {
  const alpn = options.alpn === undefined ? {} : { alpnProtocols: options.alpn };
  const first = await connect({ ...alpn }, { tickets, ...alpn });
  ok(first.c, first.s);
  const session = first.c.sessions[0];
  assert.ok(session !== undefined);
  return session;
}

function ok(c: Side, s: Side): void {
  assert.deepEqual(c.errors.map((e) => e.message), []);
  assert.deepEqual(s.errors.map((e) => e.message), []);
  assert.ok(c.secure && s.secure);
}

const text = (chunks: readonly Uint8Array[]): string => fromUtf8(concat(...chunks));
const messages = (s: Side, direction: 'sent' | 'received', type: number): HandshakeEvent[] =>
  s.messages.filter((m) => m.direction === direction && m.type === type);
const keylogSecret = (s: Side, label: string): string | undefined => s.keylog.find((l) => l.startsWith(`${label} `))?.split(' ')[2];

test('0-RTT accepted: early data under client_early_traffic_secret, early_data in EE, EndOfEarlyData, delivered as early data', async () => {
  const tickets = earlySessions({ maxEarlyDataSize: 1024 });
  const session = await ticketFrom(tickets, { alpn: ['h2'] });
  assert.equal(session.maxEarlyDataSize, 1024, 'the ticket carries max_early_data_size');
  const request = utf8('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n');
  const { c, s } = await connect({ session, alpnProtocols: ['h2'], earlyData: request }, { tickets, alpnProtocols: ['h2'] });
  ok(c, s);
  assert.equal(c.conn.earlyDataAccepted, true);
  assert.equal(s.conn.earlyDataAccepted, true);
  assert.equal(s.conn.negotiated.earlyData, 'accepted');
  assert.equal(s.conn.negotiated.resumed, true);
  // the server saw the data as early data, not as ordinary data
  assert.equal(text(s.early), 'GET / HTTP/1.1\r\nHost: localhost\r\n\r\n');
  assert.deepEqual(s.received, []);
  assert.deepEqual(c.outcomes.map((o) => [o.status, o.accepted, o.resent]), [['accepted', true, false]]);
  // the ClientHello offers early_data, before pre_shared_key (last)
  const ch = messages(c, 'sent', HandshakeType.client_hello)[0];
  assert.ok(ch !== undefined);
  const exts = decodeClientHello(ch.raw.subarray(4)).extensions;
  assert.ok(findExtension(exts, ExtensionType.early_data) !== undefined);
  assert.equal(exts.at(-1)?.type, ExtensionType.pre_shared_key);
  // the client's flight: ClientHello, CCS (middlebox compatibility, right after it), 0-RTT records
  const sentRecords = c.records.filter((r) => r.direction === 'sent');
  assert.deepEqual(sentRecords.slice(0, 3).map((r) => [r.innerType, r.protection]), [
    [22, 'plaintext'],
    [20, 'plaintext'],
    [23, 'early'],
  ]);
  // EndOfEarlyData: sent by the client under the early keys, after the server's Finished, before its own
  const eoed = messages(c, 'sent', HandshakeType.end_of_early_data);
  assert.equal(eoed.length, 1);
  assert.equal(eoed[0]?.protection, 'early');
  assert.equal(messages(s, 'received', HandshakeType.end_of_early_data)[0]?.protection, 'early');
  const order = c.messages.filter((m) => m.direction === 'sent').map((m) => m.type);
  assert.deepEqual(order, [HandshakeType.client_hello, HandshakeType.end_of_early_data, HandshakeType.finished]);
  // RFC 8446 §4.6.1 half-RTT ticket: one (after a resumption), sent right after the server Finished,
  // before the client's EndOfEarlyData arrived (the expected client Finished covers it)
  const serverOrder = s.messages.map((m) => `${m.direction === 'sent' ? '>' : '<'}${m.type}`);
  assert.deepEqual(serverOrder.slice(-4), [`>${HandshakeType.finished}`, `>${HandshakeType.new_session_ticket}`, `<${HandshakeType.end_of_early_data}`, `<${HandshakeType.finished}`]);
  // both sides derived the same client_early_traffic_secret (key log)
  const ce = keylogSecret(c, 'CLIENT_EARLY_TRAFFIC_SECRET');
  assert.ok(ce !== undefined && ce.length === 64);
  assert.equal(keylogSecret(s, 'CLIENT_EARLY_TRAFFIC_SECRET'), ce);
  // after the handshake: ordinary data both ways
  c.conn.write(utf8('after'));
  s.conn.write(utf8('reply'));
  await pump(c, s);
  assert.equal(text(s.received), 'after');
  assert.equal(text(c.received), 'reply');
  // the connection got new tickets (the resumption_master_secret covers EndOfEarlyData: both agree)
  assert.ok(c.sessions.length > 0);
  const again = await connect({ session: c.sessions[0], alpnProtocols: ['h2'] }, { tickets, alpnProtocols: ['h2'] });
  ok(again.c, again.s);
  assert.equal(again.c.conn.negotiated.resumed, true);
});

test('0-RTT accepted: data longer than max_early_data_size — the first part as early data, the rest after the handshake', async () => {
  const tickets = earlySessions({ maxEarlyDataSize: 100 });
  const session = await ticketFrom(tickets);
  const data = utf8('x'.repeat(100) + 'y'.repeat(50));
  const { c, s } = await connect({ session, earlyData: data }, { tickets });
  ok(c, s);
  assert.equal(c.conn.earlyDataAccepted, true);
  assert.equal(text(s.early), 'x'.repeat(100));
  assert.equal(text(s.received), 'y'.repeat(50));
});

test('0-RTT with single-use (stateful) tickets: accepted once; the same ticket again resumes nothing and 0-RTT is rejected', async () => {
  const tickets = earlySessions({ tickets13: 'stateful' });
  const session = await ticketFrom(tickets);
  const first = await connect({ session, earlyData: utf8('one') }, { tickets });
  ok(first.c, first.s);
  assert.equal(first.s.conn.earlyDataAccepted, true);
  assert.equal(text(first.s.early), 'one');
  const second = await connect({ session, earlyData: utf8('two') }, { tickets });
  ok(second.c, second.s);
  assert.equal(second.c.conn.negotiated.resumed, false);
  assert.equal(second.s.conn.negotiated.earlyData, 'rejected');
  assert.deepEqual(second.s.early, []);
  // the client resent it after the handshake (default)
  assert.equal(text(second.s.received), 'two');
  assert.deepEqual(second.c.outcomes.map((o) => [o.status, o.resent]), [['rejected', true]]);
});

test('0-RTT rejected by configuration: records skipped by trial decryption, data resent after the handshake (or handed back)', async () => {
  const keys = new TicketKeyring({ provider });
  const on = new ServerSessions({ provider, keys, maxEarlyDataSize: 1024 });
  const off = new ServerSessions({ provider, keys }); // same keys: the ticket resumes, 0-RTT is off
  const session = await ticketFrom(on);
  const data = utf8('hello early');
  const { c, s } = await connect({ session, earlyData: data }, { tickets: off });
  ok(c, s);
  assert.equal(c.conn.negotiated.resumed, true);
  assert.equal(c.conn.earlyDataAccepted, false);
  assert.equal(s.conn.negotiated.earlyData, 'rejected');
  assert.equal(s.conn.negotiated.earlyDataRejectReason, 'disabled');
  assert.equal(messages(c, 'sent', HandshakeType.end_of_early_data).length, 0, 'no EndOfEarlyData when rejected');
  assert.deepEqual(s.early, []);
  assert.equal(text(s.received), 'hello early', 'resent as ordinary data');
  assert.equal(s.records.filter((r) => r.skipped === true).length, 1, 'the 0-RTT record was skipped');
  assert.deepEqual(c.outcomes.map((o) => [o.status, o.accepted, o.resent]), [['rejected', false, true]]);

  // resendEarlyData: false → nothing resent; the outcome hands the data back
  const quiet = await connect({ session, earlyData: data, resendEarlyData: false }, { tickets: off });
  ok(quiet.c, quiet.s);
  assert.deepEqual(quiet.s.received, []);
  assert.deepEqual(quiet.c.outcomes.map((o) => [o.status, o.resent, fromUtf8(o.data)]), [['rejected', false, 'hello early']]);

  // an unknown ticket (another server): full handshake, 0-RTT rejected the same way
  const other = await connect({ session, earlyData: data }, { tickets: earlySessions() });
  ok(other.c, other.s);
  assert.equal(other.c.conn.negotiated.resumed, false);
  assert.equal(other.s.conn.negotiated.earlyDataRejectReason, 'no-psk');
  assert.equal(text(other.s.received), 'hello early');
});

test('0-RTT anti-replay: the same ClientHello and early data replayed to the server are refused (RFC 8446 §8)', async () => {
  const tickets = earlySessions();
  const session = await ticketFrom(tickets);
  const { c, s } = await connect({ session, earlyData: utf8('transfer 100') }, { tickets });
  ok(c, s);
  assert.equal(text(s.early), 'transfer 100');
  // an attacker replays the client's first flight (ClientHello, CCS, 0-RTT record) to the server
  const firstFlight = c.wire.slice(0, 3);
  const replay = makeServer({ tickets });
  for (const chunk of firstFlight) replay.conn.receive(chunk);
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  assert.equal(replay.conn.negotiated.resumed, true, 'the ticket is still valid (stateless)');
  assert.equal(replay.conn.negotiated.earlyData, 'rejected');
  assert.equal(replay.conn.negotiated.earlyDataRejectReason, 'replay-or-store');
  assert.deepEqual(replay.early, [], 'the replayed early data is never delivered');
  assert.deepEqual(replay.errors, []);
});

test('0-RTT rejected by a HelloRetryRequest: no early_data in ClientHello2, early records skipped unread, data resent', async () => {
  const tickets = earlySessions();
  const session = await ticketFrom(tickets);
  const { c, s } = await connect(
    { session, earlyData: utf8('early'), groups: [NamedGroup.x25519, NamedGroup.secp256r1], keyShareGroups: [NamedGroup.x25519] },
    { tickets, groups: [NamedGroup.secp256r1] },
  );
  ok(c, s);
  assert.equal(c.conn.negotiated.helloRetryRequest, true);
  assert.equal(c.conn.negotiated.resumed, true);
  assert.equal(c.conn.negotiated.earlyData, 'rejected');
  assert.equal(s.conn.negotiated.earlyDataRejectReason, 'hello-retry-request');
  const hellos = messages(c, 'sent', HandshakeType.client_hello);
  assert.equal(hellos.length, 2);
  assert.ok(findExtension(decodeClientHello(hellos[0]!.raw.subarray(4)).extensions, ExtensionType.early_data) !== undefined);
  assert.equal(findExtension(decodeClientHello(hellos[1]!.raw.subarray(4)).extensions, ExtensionType.early_data), undefined);
  assert.equal(hellos[1]?.protection, 'plaintext', 'the second ClientHello is not protected');
  // one CCS only (after ClientHello1, Appendix D.4)
  assert.equal(c.records.filter((r) => r.direction === 'sent' && r.innerType === 20).length, 1);
  assert.deepEqual(s.early, []);
  assert.equal(s.records.filter((r) => r.skipped === true).length, 1);
  assert.equal(text(s.received), 'early');
});

test('0-RTT rejected when the server would select another ALPN protocol; the client does not resend it (RFC 8446 §4.2.10)', async () => {
  const tickets = earlySessions();
  const session = await ticketFrom(tickets, { alpn: ['h2'] });
  const { c, s } = await connect(
    { session, earlyData: utf8('PRI * HTTP/2.0'), alpnProtocols: ['h2', 'http/1.1'] },
    { tickets, alpnProtocols: ['http/1.1', 'h2'] },
  );
  ok(c, s);
  assert.equal(c.conn.negotiated.alpnProtocol, 'http/1.1');
  assert.equal(s.conn.negotiated.earlyDataRejectReason, 'parameters');
  assert.deepEqual(s.early, []);
  assert.deepEqual(s.received, [], 'not resent under another protocol');
  assert.deepEqual(c.outcomes.map((o) => [o.status, o.resent]), [['rejected', false]]);
  // a client that does not offer the ticket's ALPN protocol does not even offer 0-RTT
  const none = await connect({ session, earlyData: utf8('x'), alpnProtocols: ['http/1.1'] }, { tickets, alpnProtocols: ['http/1.1'] });
  ok(none.c, none.s);
  assert.equal(none.c.conn.negotiated.earlyData, 'not-offered');
  assert.deepEqual(none.c.outcomes.map((o) => [o.status, o.resent]), [['not-offered', true]]);
  assert.equal(text(none.s.received), 'x');
});

test('0-RTT: more early data than max_early_data_size is unexpected_message (accepted and rejected)', async () => {
  const keys = new TicketKeyring({ provider });
  const tickets = earlySessions({ maxEarlyDataSize: 100, keys });
  const session = await ticketFrom(tickets);
  // a client that ignores the ticket's limit
  const greedy: ClientSession13 = { ...session, maxEarlyDataSize: 100_000 };
  const accepted = await connect({ session: greedy, earlyData: new Uint8Array(500) }, { tickets });
  assert.equal(accepted.s.errors[0]?.code, 'ERR_TLS_UNEXPECTED_MESSAGE');
  assert.match(accepted.s.errors[0]?.message ?? '', /max_early_data_size/);
  assert.deepEqual(accepted.s.early.map((d) => d.length), [], 'nothing over the limit is delivered');
  assert.equal(accepted.c.conn.isSecure, false);
  // rejected (0-RTT off, same keys): skipped records are bounded too (at least 16 KiB)
  const skipped = await connect({ session: greedy, earlyData: new Uint8Array(40_000) }, { tickets: new ServerSessions({ provider, keys }) });
  assert.equal(skipped.s.errors[0]?.code, 'ERR_TLS_UNEXPECTED_MESSAGE');
  assert.equal(skipped.c.conn.isSecure, false);
});

test('earlyData without a usable ticket: not offered, sent after the handshake (or handed back)', async () => {
  const { c, s } = await connect({ earlyData: utf8('first') }, { tickets: earlySessions() });
  ok(c, s);
  assert.equal(c.conn.negotiated.earlyData, 'not-offered');
  const ch = messages(c, 'sent', HandshakeType.client_hello)[0];
  assert.equal(findExtension(decodeClientHello(ch!.raw.subarray(4)).extensions, ExtensionType.early_data), undefined);
  assert.equal(text(s.received), 'first');
  const held = await connect({ earlyData: utf8('first'), resendEarlyData: false }, {});
  ok(held.c, held.s);
  assert.deepEqual(held.s.received, []);
  assert.equal(held.c.outcomes[0]?.resent, false);
  // a ticket without max_early_data_size: not offered either
  const plain = new ServerSessions({ provider, keys: new TicketKeyring({ provider }) });
  const session = await ticketFrom(plain);
  assert.equal(session.maxEarlyDataSize, 0);
  const noEarly = await connect({ session, earlyData: utf8('z') }, { tickets: plain });
  ok(noEarly.c, noEarly.s);
  assert.equal(noEarly.c.conn.negotiated.resumed, true);
  assert.equal(noEarly.c.conn.negotiated.earlyData, 'not-offered');
  assert.ok(equalBytes(concat(...noEarly.s.received), utf8('z')));
});

test('0-RTT accepted: a 0-RTT record that does not decrypt is bad_record_mac (RFC 8446 §4.2.10)', async () => {
  const tickets = earlySessions();
  const session = await ticketFrom(tickets);
  const c = makeClient({ session, earlyData: utf8('tampered') });
  const s = makeServer({ tickets });
  c.conn.start();
  // the client's first flight: ClientHello, CCS, one 0-RTT record — flip a byte of the record's ciphertext
  const flight = c.conn.takeOutput();
  assert.equal(flight.length, 3);
  const record = flight[2]!.slice();
  record[record.length - 1]! ^= 1;
  s.conn.receive(flight[0]!);
  s.conn.receive(flight[1]!);
  s.conn.receive(record);
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  assert.equal(s.conn.negotiated.earlyData, 'accepted');
  assert.equal(s.errors[0]?.code, 'ERR_TLS_BAD_RECORD_MAC');
  assert.deepEqual(s.early, []);
});

test('the client checks an acceptance: early data accepted under another ALPN protocol than the ticket\'s is illegal_parameter', async () => {
  const real = earlySessions();
  const session = await ticketFrom(real, { alpn: ['h2'] });
  // a server that accepts 0-RTT whatever the parameters (its ticket checks are skipped)
  const careless: ServerTickets13 = {
    maxEarlyDataSize: real.maxEarlyDataSize,
    issueTicket13: (p) => real.issueTicket13(p),
    resumeTicket13: (identity) => real.resumeTicket13(identity),
    checkEarlyData: () => Promise.resolve({ accept: true }),
  };
  const { c, s } = await connect(
    { session, earlyData: utf8('x'), alpnProtocols: ['h2', 'http/1.1'] },
    { tickets: careless, alpnProtocols: ['http/1.1', 'h2'] },
  );
  assert.equal(s.conn.negotiated.earlyData, 'accepted');
  assert.equal(c.errors[0]?.code, 'ERR_TLS_ILLEGAL_PARAMETER');
  assert.match(c.errors[0]?.message ?? '', /ALPN/);
  assert.equal(c.conn.isSecure, false);
});

test('0-RTT first flight with one byte changed anywhere (property): the server fails with a TlsError or goes on, never delivers early data other than what was sent, never throws or hangs', async () => {
  const tickets = earlySessions({ maxEarlyDataSize: 1024 });
  const data = utf8('GET /0rtt HTTP/1.1\r\nHost: localhost\r\n\r\n');
  await fc.assert(
    fc.asyncProperty(fc.nat(), fc.integer({ min: 1, max: 255 }), async (where, xor) => {
      // a fresh ticket each time: the anti-replay record would refuse a second 0-RTT on the same one
      const session = await ticketFrom(tickets);
      const c = makeClient({ session, earlyData: data });
      const s = makeServer({ tickets });
      c.conn.start();
      // the client's first flight: ClientHello (pre_shared_key, early_data), CCS, 0-RTT records
      const flight = concat(...c.conn.takeOutput());
      const at = where % flight.length;
      const bad = flight.slice();
      bad[at] = (bad[at] as number) ^ xor;
      s.conn.receive(bad);
      await pumpAsync(c, s);
      for (const e of s.errors) assert.ok(e instanceof TlsError);
      // whatever the server took as early data is exactly what the client sent, or nothing
      const early = concat(...s.early);
      assert.ok(early.length === 0 || equalBytes(early, data), `the server delivered ${early.length} bytes of changed early data (byte ${at})`);
      // accepted and the handshake completed: all of it arrived (a stream cut short by a changed
      // record length just waits for bytes that never come, as it would on a real socket)
      if (s.conn.earlyDataAccepted && s.secure) assert.ok(equalBytes(early, data), `accepted, but ${early.length} bytes arrived (byte ${at})`);
    }),
    { numRuns: Number(process.env['FUZZ_RUNS'] ?? 300) },
  );
});
