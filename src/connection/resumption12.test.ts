/**
 * TLS 1.2 session resumption between two in-memory connections: session IDs (RFC 5246 §7.3,
 * §7.4.1.2), tickets (RFC 5077) with renewal, the extended master secret rules (RFC 7627 §5.3),
 * and the cases that must fall back to a full handshake or fail.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Connection, type AlertEvent, type ConnectionEvents, type HandshakeEvent } from './connection.js';
import { clientConfig, serverConfig, type CertifiedKey, type ClientConfigOptions, type ServerConfigOptions } from '../handshake/config.js';
import { TLSKIT_DEFAULT_PROFILE } from '../handshake/hello-profile.js';
import {
  decodeAnyClientSession,
  decodeClientSession12,
  encodeAnyClientSession,
  encodeClientSession12,
  type ClientSession,
  type ClientSession12,
} from '../handshake/resumption12.js';
import { nodeCryptoProvider } from '../crypto/node-provider.js';
import { generateTestPki } from '../x509/generate.js';
import { createDefaultVerifier } from '../x509/verify.js';
import { CipherSuite, ContentType, ExtensionType, HandshakeType, ProtocolVersion } from '../registry/codepoints.js';
import { AlertDescription } from '../registry/alerts.js';
import { TlsError } from '../errors.js';
import { concat, equalBytes, utf8 } from '../wire/bytes.js';
import { ServerSessions } from '../session/server-sessions.js';
import { TicketKeyring } from '../session/ticket-keys.js';
import { decodeServerHello, encodeServerHello, type ServerHello } from '../messages/server-hello.js';
import { encodeHandshake } from '../messages/handshake.js';
import { decodeClientHello } from '../messages/client-hello.js';
import { findExtension } from '../extensions/extension.js';
import { TraceRecorder } from '../trace/events.js';
import { renderLadder } from '../trace/ladder.js';
import { traceJson } from '../trace/json.js';
import { changeOneByte, pumpAsync, type Tamper } from '../../test/helpers/connection-pair.js';

const provider = nodeCryptoProvider;
const pki = generateTestPki(provider, { keyKinds: ['p256', 'rsa2048'] });
const verifier = createDefaultVerifier({ provider, trustAnchors: [pki.root.certDer] });
const leaf = pki.leaves.p256;
const clientLeaf = pki.leaves.rsa2048;
if (leaf === undefined || clientLeaf === undefined) throw new Error('no leaf');
const cert: CertifiedKey = { chain: [leaf.certDer, pki.intermediate.certDer], key: leaf.key, names: ['localhost'] };
const clientCert: CertifiedKey = { chain: [clientLeaf.certDer, pki.intermediate.certDer], key: clientLeaf.key, names: ['localhost'] };
const TLS12 = { maxVersion: ProtocolVersion.TLS1_2 } as const;

interface Side {
  conn: Connection;
  errors: TlsError[];
  messages: HandshakeEvent[];
  ccs: ('sent' | 'received')[];
  alerts: AlertEvent[];
  sessions: ClientSession[];
  received: Uint8Array[];
  secure: boolean;
}

function side(make: (events: ConnectionEvents) => Connection): Side {
  const s: Side = { conn: undefined as unknown as Connection, errors: [], messages: [], ccs: [], alerts: [], sessions: [], received: [], secure: false };
  s.conn = make({
    error: (e) => s.errors.push(e),
    handshakeMessage: (m) => s.messages.push(m),
    record: (r) => {
      if (r.contentType === ContentType.change_cipher_spec) s.ccs.push(r.direction);
    },
    alert: (a) => s.alerts.push(a),
    secure: () => (s.secure = true),
    session: (x) => s.sessions.push(x),
    data: (d) => s.received.push(d.slice()),
  });
  return s;
}

/** Moves bytes both ways until both sides are quiet (awaits the server's asynchronous session-cache calls). */
function pump(a: Side, b: Side, tamper?: Tamper): Promise<void> {
  return pumpAsync(a, b, tamper === undefined ? {} : { tamper });
}

function sessionLayer(o: { now?: () => number; ticketLifetimeS?: number; keys?: TicketKeyring } = {}): ServerSessions {
  const { keys, ...rest } = o;
  return new ServerSessions({ provider, keys: keys ?? new TicketKeyring({ provider }), ...rest });
}

async function connect(client: Partial<ClientConfigOptions>, server: Partial<ServerConfigOptions>, tamper?: Tamper): Promise<{ c: Side; s: Side }> {
  const c = side((events) => new Connection(clientConfig({ provider, verifier, serverName: 'localhost', ...TLS12, ...client }), events));
  const s = side((events) => new Connection(serverConfig({ provider, certificates: [cert], ...server }), events));
  c.conn.start();
  await pump(c, s, tamper);
  return { c, s };
}

const sent = (x: Side, type: number): number => x.messages.filter((m) => m.direction === 'sent' && m.type === type).length;
const order = (x: Side): string[] => x.messages.map((m) => `${m.direction === 'sent' ? '>' : '<'}${m.type}`);

function ok(c: Side, s: Side): void {
  assert.deepEqual(c.errors.map((e) => e.message), []);
  assert.deepEqual(s.errors.map((e) => e.message), []);
  assert.ok(c.secure && s.secure);
}

async function roundTrip(c: Side, s: Side): Promise<void> {
  c.conn.write(utf8('ping'));
  s.conn.write(utf8('pong'));
  await pump(c, s);
  assert.deepEqual(concat(...s.received), utf8('ping'));
  assert.deepEqual(concat(...c.received), utf8('pong'));
}

function only12(sessions: readonly ClientSession[]): ClientSession12 {
  const last = sessions.at(-1);
  assert.ok(last !== undefined && last.version === ProtocolVersion.TLS1_2, 'a TLS 1.2 session');
  return last;
}

function assertAbbreviated(c: Side, s: Side): void {
  assert.equal(c.conn.negotiated.resumed, true, 'client: resumed');
  assert.equal(s.conn.negotiated.resumed, true, 'server: resumed');
  for (const t of [HandshakeType.certificate, HandshakeType.server_key_exchange, HandshakeType.server_hello_done]) assert.equal(sent(s, t), 0);
  assert.equal(sent(c, HandshakeType.client_key_exchange), 0);
  // RFC 5246 §7.3: the server's ChangeCipherSpec and Finished come first
  const finishes = s.messages.filter((m) => m.type === HandshakeType.finished).map((m) => m.direction);
  assert.deepEqual(finishes, ['sent', 'received']);
}

describe('TLS 1.2 resumption with session IDs (RFC 5246 §7.3)', () => {
  it('a cached session ID resumes with the abbreviated handshake; identity kept; fresh keys', async () => {
    const sessions = sessionLayer();
    const server = { sessions12: sessions, sessionTickets12: false, alpnProtocols: ['h2'] };
    const first = await connect({ alpnProtocols: ['h2'] }, server);
    ok(first.c, first.s);
    const sh = first.s.messages.find((m) => m.type === HandshakeType.server_hello)?.message as ServerHello;
    assert.equal(sh.legacySessionIdEcho.length, 32, 'a session ID to cache');
    assert.equal(findExtension(sh.extensions, ExtensionType.session_ticket), undefined);
    assert.equal(sent(first.s, HandshakeType.new_session_ticket), 0);
    const session = only12(first.c.sessions);
    assert.ok(equalBytes(session.sessionId, sh.legacySessionIdEcho));
    assert.equal(session.ticket.length, 0);
    assert.equal(session.extendedMasterSecret, true);
    assert.equal(session.serverName, 'localhost');

    const second = await connect({ session, alpnProtocols: ['h2'] }, server);
    ok(second.c, second.s);
    assertAbbreviated(second.c, second.s);
    const sh2 = second.s.messages.find((m) => m.type === HandshakeType.server_hello)?.message as ServerHello;
    assert.ok(equalBytes(sh2.legacySessionIdEcho, session.sessionId), 'the server echoes the session ID');
    assert.equal(findExtension(sh2.extensions, ExtensionType.server_name), undefined, 'RFC 6066 §3: no server_name when resuming');
    assert.equal(second.c.conn.negotiated.alpnProtocol, 'h2');
    assert.equal(second.c.conn.negotiated.cipherSuite, first.c.conn.negotiated.cipherSuite);
    assert.equal(second.c.conn.negotiated.extendedMasterSecret, true);
    assert.ok(equalBytes(second.c.conn.negotiated.peerCertificates[0] ?? new Uint8Array(0), leaf.certDer), 'the server identity is kept');
    assert.equal(second.c.conn.negotiated.peerVerified, true);
    assert.ok(!equalBytes(first.c.conn.exportKeyingMaterial(32, 'x'), second.c.conn.exportKeyingMaterial(32, 'x')), 'new randoms, new keys');
    assert.deepEqual(second.c.conn.exportKeyingMaterial(32, 'x'), second.s.conn.exportKeyingMaterial(32, 'x'));
    await roundTrip(second.c, second.s);
    // the resumed session is offered again (same ID)
    assert.ok(equalBytes(only12(second.c.sessions).sessionId, session.sessionId));
  });

  it('the server is not connected before the client Finished, and a wrong client Finished fails', async () => {
    const sessions = sessionLayer();
    const server = { sessions12: sessions, sessionTickets12: false };
    const first = await connect({}, server);
    const session = only12(first.c.sessions);
    const c = side((events) => new Connection(clientConfig({ provider, verifier, serverName: 'localhost', ...TLS12, session }), events));
    const s = side((events) => new Connection(serverConfig({ provider, certificates: [cert], ...server }), events));
    c.conn.start();
    for (const chunk of c.conn.takeOutput()) s.conn.receive(chunk);
    await new Promise((r) => setImmediate(r)); // the session-cache lookup
    const flight = s.conn.takeOutput();
    assert.ok(flight.length > 0);
    assert.equal(s.secure, false, 'the server waits for the client Finished');
    assert.deepEqual(s.ccs, ['sent']);
    for (const chunk of flight) c.conn.receive(chunk);
    assert.equal(c.secure, true);
    // the client's CCS + Finished, with the last byte of the Finished record flipped
    const reply = concat(...c.conn.takeOutput());
    reply[reply.length - 1]! ^= 1;
    s.conn.receive(reply);
    assert.equal(s.secure, false);
    assert.equal(s.errors[0]?.alert, 'bad_record_mac');
  });

  it('an unknown session ID (another server, or expired) gets a full handshake', async () => {
    const first = await connect({}, { sessions12: sessionLayer(), sessionTickets12: false });
    const session = only12(first.c.sessions);
    const second = await connect({ session }, { sessions12: sessionLayer(), sessionTickets12: false });
    ok(second.c, second.s);
    assert.equal(second.c.conn.negotiated.resumed, false);
    assert.equal(sent(second.s, HandshakeType.certificate), 1);
    // expired: the cache entry outlives nothing
    let now = Date.now();
    const sessions = sessionLayer({ now: () => now });
    const a = await connect({}, { sessions12: sessions, sessionTickets12: false });
    now += 301_000;
    const b = await connect({ session: only12(a.c.sessions) }, { sessions12: sessions, sessionTickets12: false });
    ok(b.c, b.s);
    assert.equal(b.c.conn.negotiated.resumed, false);
  });

  it('a session whose connection ends with a fatal alert is forgotten (RFC 5246 §7.2.2)', async () => {
    const sessions = sessionLayer();
    const server = { sessions12: sessions, sessionTickets12: false };
    const first = await connect({}, server);
    ok(first.c, first.s);
    const session = only12(first.c.sessions);
    // a clean close keeps it
    first.c.conn.end();
    await pump(first.c, first.s);
    const again = await connect({ session }, server);
    ok(again.c, again.s);
    assert.equal(again.s.conn.negotiated.resumed, true);
    // a corrupted record: the server fails with bad_record_mac, and the session goes with it
    again.c.conn.write(utf8('x'));
    const rec = concat(...again.c.conn.takeOutput());
    rec[rec.length - 1]! ^= 1;
    again.s.conn.receive(rec);
    assert.equal(again.s.errors[0]?.alert, 'bad_record_mac');
    await new Promise((r) => setImmediate(r));
    const after = await connect({ session }, server);
    ok(after.c, after.s);
    assert.equal(after.s.conn.negotiated.resumed, false, 'the session was removed from the cache');
  });

  it('without sessions12 the server sends an empty session_id and nothing is resumable', async () => {
    const first = await connect({}, {});
    ok(first.c, first.s);
    const sh = first.s.messages.find((m) => m.type === HandshakeType.server_hello)?.message as ServerHello;
    assert.equal(sh.legacySessionIdEcho.length, 0);
    assert.equal(first.c.sessions.length, 0);
  });
});

describe('TLS 1.2 resumption with tickets (RFC 5077)', () => {
  it('a ticket (NewSessionTicket before the server CCS) resumes; no ticket renewal under the current key', async () => {
    const sessions = sessionLayer();
    const first = await connect({}, { sessions12: sessions });
    ok(first.c, first.s);
    const sh = first.s.messages.find((m) => m.type === HandshakeType.server_hello)?.message as ServerHello;
    assert.equal(sh.legacySessionIdEcho.length, 0, 'RFC 5077 §3.4: an empty session ID with a ticket');
    assert.ok(findExtension(sh.extensions, ExtensionType.session_ticket) !== undefined);
    // RFC 5077 §3.3: after the client Finished, before the server's ChangeCipherSpec and Finished
    const o = order(first.s);
    assert.deepEqual(o.slice(-3), [`<${HandshakeType.finished}`, `>${HandshakeType.new_session_ticket}`, `>${HandshakeType.finished}`]);
    const session = only12(first.c.sessions);
    assert.ok(session.ticket.length > 0);
    assert.equal(session.sessionId.length, 0);
    assert.equal(session.lifetimeS, 7200);

    const second = await connect({ session }, { sessions12: sessions });
    ok(second.c, second.s);
    assertAbbreviated(second.c, second.s);
    const ch = decodeClientHello(second.c.messages[0]!.raw.subarray(4));
    assert.ok(equalBytes(findExtension(ch.extensions, ExtensionType.session_ticket)?.data ?? new Uint8Array(0), session.ticket), 'the ticket is presented');
    assert.equal(ch.legacySessionId.length, 32, 'with a random session ID');
    assert.equal(sent(second.s, HandshakeType.new_session_ticket), 0, 'a ticket under the current key is not renewed');
    await roundTrip(second.c, second.s);
    // the client keeps the same ticket
    assert.ok(equalBytes(only12(second.c.sessions).ticket, session.ticket));
  });

  it('a ticket under a rotated-out (still valid) key is renewed in the abbreviated handshake', async () => {
    const keys = new TicketKeyring({ provider, ticketKeys: provider.randomBytes(48) });
    const sessions = sessionLayer({ keys });
    const first = await connect({}, { sessions12: sessions });
    const session = only12(first.c.sessions);
    keys.setTicketKeys(provider.randomBytes(48));
    const second = await connect({ session }, { sessions12: sessions });
    ok(second.c, second.s);
    assertAbbreviated(second.c, second.s);
    // ServerHello, NewSessionTicket, (CCS), Finished
    assert.deepEqual(order(second.s).slice(1, 4), [`>${HandshakeType.server_hello}`, `>${HandshakeType.new_session_ticket}`, `>${HandshakeType.finished}`]);
    const renewed = only12(second.c.sessions);
    assert.ok(!equalBytes(renewed.ticket, session.ticket), 'a new ticket replaces the old one');
    assert.ok(equalBytes(renewed.masterSecret, session.masterSecret), 'of the same session');
    const third = await connect({ session: renewed }, { sessions12: sessions });
    ok(third.c, third.s);
    assertAbbreviated(third.c, third.s);
    assert.equal(sent(third.s, HandshakeType.new_session_ticket), 0, 'the renewed ticket is under the current key');
  });

  it('expired, unknown and tampered tickets get a full handshake (and a new ticket), never an alert', async () => {
    let now = Date.now();
    const sessions = sessionLayer({ now: () => now, ticketLifetimeS: 60 });
    const first = await connect({}, { sessions12: sessions });
    const session = only12(first.c.sessions);
    const tampered = session.ticket.slice();
    tampered[tampered.length - 3]! ^= 0x40;
    for (const [what, s, serverSessions] of [
      ['unknown key', session, sessionLayer()],
      ['tampered', { ...session, ticket: tampered }, sessions],
      ['truncated', { ...session, ticket: session.ticket.subarray(0, 20) }, sessions],
    ] as const) {
      const r = await connect({ session: s }, { sessions12: serverSessions });
      ok(r.c, r.s);
      assert.equal(r.c.conn.negotiated.resumed, false, what);
      assert.equal(sent(r.s, HandshakeType.certificate), 1, what);
      assert.equal(sent(r.s, HandshakeType.new_session_ticket), 1, `${what}: a new ticket (RFC 5077 Figure 4)`);
    }
    now += 61_000;
    // the client would not offer it itself after ticket_lifetime_hint (60 s): make it fresh on the client side
    const expired = await connect({ session: { ...session, receivedAt: now } }, { sessions12: sessions });
    ok(expired.c, expired.s);
    assert.equal(expired.c.conn.negotiated.resumed, false, 'expired on the server');
  });

  it('--no-tickets (sessionTickets12: false) and clients that ask no ticket use the session-ID cache', async () => {
    const sessions = sessionLayer();
    const first = await connect({ sessionTickets12: false }, { sessions12: sessions });
    const ch = decodeClientHello(first.c.messages[0]!.raw.subarray(4));
    assert.equal(findExtension(ch.extensions, ExtensionType.session_ticket), undefined);
    const session = only12(first.c.sessions);
    assert.equal(session.ticket.length, 0);
    assert.equal(session.sessionId.length, 32);
    const second = await connect({ session, sessionTickets12: false }, { sessions12: sessions });
    ok(second.c, second.s);
    assertAbbreviated(second.c, second.s);
  });

  it('a TLS 1.3-capable client resumes a TLS 1.2 session with a TLS 1.2 server', async () => {
    const sessions = sessionLayer();
    const first = await connect({ maxVersion: ProtocolVersion.TLS1_3 }, { sessions12: sessions, ...TLS12 });
    const session = only12(first.c.sessions);
    const second = await connect({ maxVersion: ProtocolVersion.TLS1_3, session }, { sessions12: sessions, ...TLS12 });
    ok(second.c, second.s);
    assertAbbreviated(second.c, second.s);
    assert.equal(second.c.conn.negotiated.version, ProtocolVersion.TLS1_2);
  });

  it('a TLS 1.2 session offered to a TLS 1.3 server: a full TLS 1.3 handshake', async () => {
    const sessions = sessionLayer();
    const first = await connect({}, { sessions12: sessions });
    const second = await connect({ maxVersion: ProtocolVersion.TLS1_3, session: only12(first.c.sessions) }, { sessions12: sessions, tickets: sessions });
    ok(second.c, second.s);
    assert.equal(second.c.conn.negotiated.version, ProtocolVersion.TLS1_3);
    assert.equal(second.c.conn.negotiated.resumed, false);
  });
});

describe('TLS 1.2 resumption: what must match (RFC 7627 §5.3, RFC 5246 §7.4.1.2, RFC 6066 §3)', () => {
  const noEms = { ...TLSKIT_DEFAULT_PROFILE, extensions: TLSKIT_DEFAULT_PROFILE.extensions.filter((e) => !(e.kind === 'standard' && e.type === ExtensionType.extended_master_secret)) };

  it('original without EMS, ClientHello with EMS: full handshake (and the client does not offer such a session)', async () => {
    const sessions = sessionLayer();
    const first = await connect({ helloProfile: noEms }, { sessions12: sessions });
    ok(first.c, first.s);
    assert.equal(first.c.conn.negotiated.extendedMasterSecret, false);
    const session = only12(first.c.sessions);
    assert.equal(session.extendedMasterSecret, false);
    // RFC 7627 §5.3 SHOULD NOT: the client does a full handshake and sends no ticket
    const plain = await connect({ session }, { sessions12: sessions });
    const ch = decodeClientHello(plain.c.messages[0]!.raw.subarray(4));
    assert.equal(findExtension(ch.extensions, ExtensionType.session_ticket)?.data.length, 0);
    // a client that offers it anyway (it claims EMS): the server MUST NOT resume → full handshake
    const lying = await connect({ session: { ...session, extendedMasterSecret: true } }, { sessions12: sessions });
    ok(lying.c, lying.s);
    assert.equal(lying.s.conn.negotiated.resumed, false);
    assert.equal(lying.s.conn.negotiated.extendedMasterSecret, true);
  });

  it('original with EMS, ClientHello without EMS: the server aborts with handshake_failure', async () => {
    for (const sessionTickets12 of [true, false]) {
      const sessions = sessionLayer();
      const first = await connect({}, { sessions12: sessions, sessionTickets12 });
      const session = only12(first.c.sessions);
      const r = await connect({ session, helloProfile: noEms }, { sessions12: sessions, sessionTickets12 });
      assert.equal(r.s.errors[0]?.code, 'ERR_TLS_HANDSHAKE_FAILURE');
      assert.equal(r.c.errors[0]?.alert, 'handshake_failure');
      assert.equal(r.c.secure || r.s.secure, false);
    }
  });

  it('the client aborts when a resuming ServerHello drops extended_master_secret, or changes the suite', async () => {
    const sessions = sessionLayer();
    const first = await connect({}, { sessions12: sessions });
    const session = only12(first.c.sessions);
    const rewrite = (f: (sh: ServerHello) => ServerHello): Tamper => (bytes, from) => (from === 'server' ? rewriteServerHello(bytes, f) : bytes);
    const noEmsSh = await connect({ session }, { sessions12: sessions }, rewrite((sh) => ({ ...sh, extensions: sh.extensions.filter((e) => e.type !== ExtensionType.extended_master_secret) })));
    assert.equal(noEmsSh.c.errors[0]?.code, 'ERR_TLS_HANDSHAKE_FAILURE');
    assert.match(noEmsSh.c.errors[0]?.message ?? '', /RFC 7627/);
    const other = session.cipherSuite === CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 ? CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 : CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384;
    const suiteSh = await connect({ session }, { sessions12: sessions }, rewrite((sh) => ({ ...sh, cipherSuite: other })));
    assert.equal(suiteSh.c.errors[0]?.alert, 'illegal_parameter');
    assert.equal(suiteSh.c.secure, false);
  });

  it('a cipher suite the server no longer enables (or the client no longer offers) gets a full handshake', async () => {
    const sessions = sessionLayer();
    const suites = [CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256];
    const first = await connect({ cipherSuites12: suites }, { sessions12: sessions, cipherSuites12: suites });
    const session = only12(first.c.sessions);
    assert.equal(session.cipherSuite, CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256);
    const r = await connect({ session, cipherSuites12: suites }, { sessions12: sessions, cipherSuites12: [CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256] });
    ok(r.c, r.s);
    assert.equal(r.c.conn.negotiated.resumed, false);
    assert.equal(r.c.conn.negotiated.cipherSuite, CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256);
    // the client does not offer a session whose suite it no longer offers
    const q = await connect({ session, cipherSuites12: [CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256] }, { sessions12: sessions });
    ok(q.c, q.s);
    assert.equal(q.c.conn.negotiated.resumed, false);
  });

  it('another server_name gets a full handshake (RFC 6066 §3)', async () => {
    const sessions = sessionLayer();
    const first = await connect({}, { sessions12: sessions });
    const session = only12(first.c.sessions);
    const r = await connect({ session: { ...session, serverName: 'other.example' }, serverName: 'other.example', verifier: null }, { sessions12: sessions });
    ok(r.c, r.s);
    assert.equal(r.s.conn.negotiated.resumed, false);
  });

  it('mutual TLS: the resumed session keeps the client certificate without validating it again', async () => {
    const sessions = sessionLayer();
    const clientAuth = { verifier, requireCertificate: true, rejectUnverified: true, certificateAuthorities: [] };
    for (const sessionTickets12 of [true, false]) {
      const first = await connect({ certificates: [clientCert] }, { sessions12: sessions, sessionTickets12, clientAuth });
      ok(first.c, first.s);
      assert.equal(first.s.conn.negotiated.peerVerified, true);
      const second = await connect({ certificates: [clientCert], session: only12(first.c.sessions) }, { sessions12: sessions, sessionTickets12, clientAuth });
      ok(second.c, second.s);
      assertAbbreviated(second.c, second.s);
      assert.equal(sent(second.s, HandshakeType.certificate_request), 0);
      assert.ok(equalBytes(second.s.conn.negotiated.peerCertificates[0] ?? new Uint8Array(0), clientLeaf.certDer));
      assert.equal(second.s.conn.negotiated.peerVerified, true);
    }
    // a session without a client certificate does not resume where one is now required
    const anon = await connect({}, { sessions12: sessions });
    const r = await connect({ certificates: [clientCert], session: only12(anon.c.sessions) }, { sessions12: sessions, clientAuth });
    ok(r.c, r.s);
    assert.equal(r.s.conn.negotiated.resumed, false);
    assert.equal(sent(r.s, HandshakeType.certificate_request), 1);
  });

  it('a wrong master secret (a stolen ticket without its secret) cannot complete the handshake', async () => {
    const sessions = sessionLayer();
    const first = await connect({}, { sessions12: sessions });
    const session = only12(first.c.sessions);
    const r = await connect({ session: { ...session, masterSecret: provider.randomBytes(48) } }, { sessions12: sessions });
    assert.equal(r.c.secure, false);
    assert.equal(r.s.secure, false);
    assert.ok(r.c.errors.length > 0);
    assert.ok(([AlertDescription.bad_record_mac, AlertDescription.decrypt_error] as number[]).includes(r.c.alerts.find((a) => a.direction === 'sent')?.description ?? -1));
  });
});

describe('TLS 1.2 client sessions as bytes', () => {
  it('round-trips both versions; strict', async () => {
    const first = await connect({}, { sessions12: sessionLayer() });
    const session = only12(first.c.sessions);
    const bytes = encodeAnyClientSession({ ...session, verified: true });
    assert.deepEqual(decodeAnyClientSession(bytes), { ...session, verified: true });
    assert.deepEqual(decodeClientSession12(encodeClientSession12(session)), { ...session, verified: false });
    assert.throws(() => decodeClientSession12(concat(bytes, new Uint8Array([0]))), (e: unknown) => e instanceof TlsError && e.alert === 'decode_error');
    assert.throws(() => decodeClientSession12(bytes.subarray(0, bytes.length - 1)), (e: unknown) => e instanceof TlsError);
    const bad = bytes.slice();
    bad[53] = 2; // the ems flag
    assert.throws(() => decodeClientSession12(bad), TlsError);
  });
});

/** Rewrites the plaintext ServerHello in a server flight (the record is re-framed; later records are kept). */
function rewriteServerHello(bytes: Uint8Array, f: (sh: ServerHello) => ServerHello): Uint8Array {
  if (bytes[0] !== ContentType.handshake || bytes[5] !== HandshakeType.server_hello) return bytes;
  const recordLength = ((bytes[3] ?? 0) << 8) | (bytes[4] ?? 0);
  const record = bytes.subarray(5, 5 + recordLength);
  const shLength = ((record[1] ?? 0) << 16) | ((record[2] ?? 0) << 8) | (record[3] ?? 0);
  const sh = decodeServerHello(record.subarray(4, 4 + shLength));
  const raw = encodeHandshake(HandshakeType.server_hello, encodeServerHello(f(sh)));
  const body = concat(raw, record.subarray(4 + shLength));
  const header = new Uint8Array([ContentType.handshake, 3, 3, body.length >> 8, body.length & 0xff]);
  return concat(header, body, bytes.subarray(5 + recordLength));
}

describe('TLS 1.2 resumption in the trace', () => {
  it('the ladder and the JSON trace explain the abbreviated handshake', async () => {
    const sessions = sessionLayer();
    const first = await connect({}, { sessions12: sessions });
    const session = only12(first.c.sessions);
    const trace = new TraceRecorder('client');
    const c = side((events) => new Connection(clientConfig({ provider, verifier, serverName: 'localhost', ...TLS12, session }), { ...events, ...trace.events() }));
    const s = side((events) => new Connection(serverConfig({ provider, certificates: [cert], sessions12: sessions }), events));
    c.conn.start();
    await pump(c, s);
    ok(c, s);
    const ladder = renderLadder(trace.entries);
    assert.match(ladder, /session_ticket: \d+ bytes/);
    assert.match(ladder, /session_id: echoed \(resumption\)/);
    assert.match(ladder, /abbreviated\s+handshake,\s+RFC\s+5246\s+§7\.3/);
    assert.match(ladder, /key\s+derivation\s+\(TLS\s+1\.2,\s+resumed\s+session\)/);
    assert.match(ladder, /the\s+server\s+finishes\s+first/);
    assert.doesNotMatch(ladder, /application_traffic_secret/, 'no TLS 1.3 key schedule milestone');
    const json = traceJson(trace.entries) as { name?: string; explanation?: string }[];
    assert.match(json.find((e) => e.name === 'ServerHello')?.explanation ?? '', /echoes the client's session_id/);
    // the full handshake's NewSessionTicket (TLS 1.2 form) is explained, not "could not be described"
    const full = new TraceRecorder('client');
    const c2 = side((events) => new Connection(clientConfig({ provider, verifier, serverName: 'localhost', ...TLS12 }), { ...events, ...full.events() }));
    const s2 = side((events) => new Connection(serverConfig({ provider, certificates: [cert], sessions12: sessions }), events));
    c2.conn.start();
    await pump(c2, s2);
    assert.match(renderLadder(full.entries), /ticket_lifetime_hint: 7200 s; ticket: \d+ bytes\s+Just\s+before\s+its\s+ChangeCipherSpec/);
  });
});

describe('TLS 1.2 abbreviated handshake with one byte changed (property)', () => {
  it('a byte changed anywhere in either side\'s flights: a TlsError on some side, or a handshake whose data arrives intact; never an exception', async () => {
    const sessions = sessionLayer();
    const first = await connect({}, { sessions12: sessions });
    ok(first.c, first.s);
    const session = only12(first.c.sessions);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom<'client' | 'server'>('client', 'server'), fc.nat({ max: 3 }), fc.nat(), fc.integer({ min: 1, max: 255 }), async (who, chunk, where, xor) => {
        const { c, s } = await connect({ session }, { sessions12: sessions }, changeOneByte({ who, chunk, where, xor }));
        for (const e of [...c.errors, ...s.errors]) assert.ok(e instanceof TlsError);
        if (c.secure && s.secure && c.errors.length === 0 && s.errors.length === 0) {
          // the change hit nothing that matters (e.g. an ignored field) or a later chunk: the data must still arrive intact
          c.conn.write(utf8('ping'));
          await pump(c, s);
          const got = concat(...s.received);
          assert.ok(got.length === 0 || equalBytes(got, utf8('ping')) || s.errors.length > 0, 'no changed application data is delivered');
        }
      }),
      { numRuns: Number(process.env['FUZZ_RUNS'] ?? 200) },
    );
  });
});
