import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Connection, type ConnectionEvents, type HandshakeEvent } from './connection.js';
import { clientConfig, serverConfig, type CertifiedKey, type ClientConfigOptions, type ServerConfigOptions } from '../handshake/config.js';
import { decodeClientSession, encodeClientSession, type ClientSession13 } from '../handshake/resumption13.js';
import { nodeCryptoProvider } from '../crypto/node-provider.js';
import { generateTestPki } from '../x509/generate.js';
import { createDefaultVerifier } from '../x509/verify.js';
import { CipherSuite, ExtensionType, HandshakeType, NamedGroup, PskKeyExchangeMode } from '../registry/codepoints.js';
import { TlsError } from '../errors.js';
import { concat, equalBytes, utf8 } from '../wire/bytes.js';
import { ServerSessions } from '../session/server-sessions.js';
import { TicketKeyring } from '../session/ticket-keys.js';
import { decodeClientHello } from '../messages/client-hello.js';
import { decodeServerHello } from '../messages/server-hello.js';
import { findExtension } from '../extensions/extension.js';
import { decodePreSharedKeyClient } from '../extensions/pre-shared-key.js';
import { changeOneByte, pumpAsync, type Tamper } from '../../test/helpers/connection-pair.js';

const provider = nodeCryptoProvider;
const pki = generateTestPki(provider, { keyKinds: ['p256'] });
const verifier = createDefaultVerifier({ provider, trustAnchors: [pki.root.certDer] });
const leaf = pki.leaves.p256;
if (leaf === undefined) throw new Error('no leaf');
const cert: CertifiedKey = { chain: [leaf.certDer, pki.intermediate.certDer], key: leaf.key, names: ['localhost'] };

interface Side {
  conn: Connection;
  errors: TlsError[];
  messages: HandshakeEvent[];
  sessions: ClientSession13[];
  received: Uint8Array[];
  secure: boolean;
}

function side(make: (events: ConnectionEvents) => Connection): Side {
  const s: Side = { conn: undefined as unknown as Connection, errors: [], messages: [], sessions: [], received: [], secure: false };
  s.conn = make({
    error: (e) => s.errors.push(e),
    handshakeMessage: (m) => s.messages.push(m),
    secure: () => (s.secure = true),
    session: (x) => {
      if (x.version === 0x0304) s.sessions.push(x);
    },
    data: (d) => s.received.push(d.slice()),
  });
  return s;
}

/** Moves bytes both ways until both sides are quiet (awaits the server's asynchronous ticket calls). */
function pump(a: Side, b: Side, tamper?: Tamper): Promise<void> {
  return pumpAsync(a, b, tamper === undefined ? {} : { tamper });
}

function sessions(o: { now?: () => number; ticketLifetimeS?: number } = {}): ServerSessions {
  return new ServerSessions({ provider, keys: new TicketKeyring({ provider }), ...o });
}

async function connect(
  client: Partial<ClientConfigOptions>,
  server: Partial<ServerConfigOptions>,
  tamper?: Tamper,
): Promise<{ c: Side; s: Side }> {
  const c = side((events) => new Connection(clientConfig({ provider, verifier, serverName: 'localhost', ...client }), events));
  const s = side((events) => new Connection(serverConfig({ provider, certificates: [cert], ...server }), events));
  c.conn.start();
  await pump(c, s, tamper);
  return { c, s };
}

const sent = (side: Side, type: number): number => side.messages.filter((m) => m.direction === 'sent' && m.type === type).length;

function ok(c: Side, s: Side): void {
  assert.deepEqual(c.errors.map((e) => e.message), []);
  assert.deepEqual(s.errors.map((e) => e.message), []);
  assert.ok(c.secure && s.secure);
}

test('TLS 1.3 resumption: tickets issued, stored, PSK accepted, no certificates, new keys, identity kept', async () => {
  const tickets = sessions();
  const first = await connect({ alpnProtocols: ['h2'] }, { tickets, alpnProtocols: ['h2'] });
  ok(first.c, first.s);
  assert.equal(first.c.conn.negotiated.resumed, false);
  assert.equal(sent(first.s, HandshakeType.new_session_ticket), 2, 'two tickets by default');
  assert.equal(first.c.sessions.length, 2);
  const session = first.c.sessions[0];
  assert.ok(session !== undefined);
  assert.equal(session.serverName, 'localhost');
  assert.equal(session.alpn, 'h2');
  assert.equal(session.cipherSuite, first.c.conn.negotiated.cipherSuite);
  // the two tickets have different PSKs (distinct nonces)
  assert.ok(!equalBytes(session.psk, first.c.sessions[1]?.psk ?? new Uint8Array(0)));

  // the session survives serialisation (the node:tls `session` Buffer)
  const again = decodeClientSession(encodeClientSession(session));
  assert.deepEqual(again, { ...session, verified: false });
  assert.equal(decodeClientSession(encodeClientSession({ ...session, verified: true })).verified, true);

  const second = await connect({ session: again, alpnProtocols: ['h2'] }, { tickets, alpnProtocols: ['h2'] });
  ok(second.c, second.s);
  assert.equal(second.c.conn.negotiated.resumed, true);
  assert.equal(second.s.conn.negotiated.resumed, true);
  assert.equal(sent(second.s, HandshakeType.certificate), 0, 'no Certificate in a resumed handshake');
  assert.equal(sent(second.s, HandshakeType.certificate_verify), 0);
  // identity kept
  assert.equal(second.c.conn.negotiated.peerCertificates.length, 2);
  assert.ok(equalBytes(second.c.conn.negotiated.peerCertificates[0] ?? new Uint8Array(0), leaf.certDer));
  // fresh keys: different exporter output than the first connection
  const e1 = first.c.conn.exportKeyingMaterial(32, 'test');
  const e2 = second.c.conn.exportKeyingMaterial(32, 'test');
  assert.ok(!equalBytes(e1, e2));
  assert.ok(equalBytes(e2, second.s.conn.exportKeyingMaterial(32, 'test')));
  // data flows
  second.c.conn.write(utf8('ping'));
  await pump(second.c, second.s);
  assert.deepEqual(second.s.received.map((d) => Buffer.from(d).toString()), ['ping']);
  // the resumed connection gets a new ticket too: one (as OpenSSL after a resumption), not ticketCount
  assert.equal(sent(second.s, HandshakeType.new_session_ticket), 1);
  assert.equal(second.c.sessions.length, 1);
  // ClientHello: pre_shared_key is last, psk_key_exchange_modes present
  const ch = second.c.messages.find((m) => m.direction === 'sent' && m.type === HandshakeType.client_hello);
  assert.ok(ch !== undefined);
  const hello = decodeClientHello(ch.raw.subarray(4));
  assert.equal(hello.extensions.at(-1)?.type, ExtensionType.pre_shared_key);
  assert.ok(findExtension(hello.extensions, ExtensionType.psk_key_exchange_modes) !== undefined);
});

test('TLS 1.3 resumption after a HelloRetryRequest: the binder is recomputed over the new transcript', async () => {
  const tickets = sessions();
  const first = await connect({}, { tickets });
  ok(first.c, first.s);
  const session = first.c.sessions[0];
  assert.ok(session !== undefined);
  const second = await connect(
    { session, groups: [NamedGroup.x25519, NamedGroup.secp256r1], keyShareGroups: [NamedGroup.x25519] },
    { tickets, groups: [NamedGroup.secp256r1] },
  );
  ok(second.c, second.s);
  assert.equal(second.c.conn.negotiated.helloRetryRequest, true);
  assert.equal(second.c.conn.negotiated.resumed, true);
  assert.equal(second.s.conn.negotiated.resumed, true);
});

test('TLS 1.3 resumption: a wrong binder is decrypt_error', async () => {
  const tickets = sessions();
  const first = await connect({}, { tickets });
  const session = first.c.sessions[0];
  assert.ok(session !== undefined);
  // same ticket, wrong PSK → the binder does not verify
  const bad: ClientSession13 = { ...session, psk: session.psk.map((b) => b ^ 1) };
  const second = await connect({ session: bad }, { tickets });
  assert.equal(second.s.errors[0]?.code, 'ERR_TLS_DECRYPT_ERROR');
  assert.equal(second.c.conn.isSecure, false);
});

test('TLS 1.3 resumption: an expired ticket, an unknown ticket key or another server name give a full handshake', async () => {
  let now = Date.now();
  const tickets = sessions({ now: () => now, ticketLifetimeS: 60 });
  const first = await connect({}, { tickets });
  const session = first.c.sessions[0];
  assert.ok(session !== undefined);
  assert.equal(session.lifetimeS, 60);
  // server-side expiry (the client still believes the ticket is live)
  now += 61_000;
  const expired = await connect({ session }, { tickets });
  ok(expired.c, expired.s);
  assert.equal(expired.c.conn.negotiated.resumed, false);
  assert.equal(sent(expired.s, HandshakeType.certificate), 1);
  // another server (other ticket keys)
  const other = await connect({ session }, { tickets: sessions() });
  ok(other.c, other.s);
  assert.equal(other.c.conn.negotiated.resumed, false);
  // client-side expiry: the client does not even offer it
  const old: ClientSession13 = { ...session, receivedAt: Date.now() - 61_000 };
  const notOffered = await connect({ session: old }, { tickets: sessions() });
  ok(notOffered.c, notOffered.s);
  const ch = notOffered.c.messages.find((m) => m.type === HandshakeType.client_hello);
  assert.ok(ch !== undefined && findExtension(decodeClientHello(ch.raw.subarray(4)).extensions, ExtensionType.pre_shared_key) === undefined);
  // another server name: not offered by the client
  const renamed = await connect({ session, serverName: 'other.example', verifier: null }, { tickets });
  ok(renamed.c, renamed.s);
  assert.equal(renamed.c.conn.negotiated.resumed, false);
});

test('TLS 1.3 resumption: a suite with another hash gives a full handshake', async () => {
  const tickets = sessions();
  const first = await connect({ cipherSuites: [CipherSuite.TLS_AES_128_GCM_SHA256] }, { tickets });
  const session = first.c.sessions[0];
  assert.ok(session !== undefined);
  // the client offers both, the server only wants the SHA-384 suite
  const second = await connect(
    { session, cipherSuites: [CipherSuite.TLS_AES_128_GCM_SHA256, CipherSuite.TLS_AES_256_GCM_SHA384] },
    { tickets, cipherSuites: [CipherSuite.TLS_AES_256_GCM_SHA384] },
  );
  ok(second.c, second.s);
  assert.equal(second.c.conn.negotiated.cipherSuite, CipherSuite.TLS_AES_256_GCM_SHA384);
  assert.equal(second.c.conn.negotiated.resumed, false);
  // ChaCha20 shares SHA-256: resumption works across suites of the same hash
  const third = await connect(
    { session, cipherSuites: [CipherSuite.TLS_CHACHA20_POLY1305_SHA256] },
    { tickets, cipherSuites: [CipherSuite.TLS_CHACHA20_POLY1305_SHA256] },
  );
  ok(third.c, third.s);
  assert.equal(third.c.conn.negotiated.resumed, true);
});

test('TLS 1.3 resumption: stateful tickets are single use; no tickets without a ticket store', async () => {
  const tickets = new ServerSessions({ provider, keys: new TicketKeyring({ provider }), tickets13: 'stateful' });
  const first = await connect({}, { tickets, ticketCount: 1 });
  assert.equal(first.c.sessions.length, 1);
  const session = first.c.sessions[0];
  assert.ok(session !== undefined);
  const second = await connect({ session }, { tickets });
  assert.equal(second.c.conn.negotiated.resumed, true);
  const third = await connect({ session }, { tickets });
  ok(third.c, third.s);
  assert.equal(third.c.conn.negotiated.resumed, false);
  const none = await connect({}, {});
  assert.equal(none.c.sessions.length, 0);
});

test('TLS 1.3 resumption: the offered identity is the ticket, with an obfuscated age', async () => {
  const tickets = sessions();
  const first = await connect({}, { tickets });
  const session = first.c.sessions[0];
  assert.ok(session !== undefined);
  const second = await connect({ session }, { tickets });
  const ch = second.c.messages.find((m) => m.type === HandshakeType.client_hello);
  assert.ok(ch !== undefined);
  const psk = findExtension(decodeClientHello(ch.raw.subarray(4)).extensions, ExtensionType.pre_shared_key);
  assert.ok(psk !== undefined);
  const offered = decodePreSharedKeyClient(psk.data);
  assert.ok(equalBytes(offered.identities[0]?.identity ?? new Uint8Array(0), session.ticket));
  // obfuscated age = age + age_add (mod 2^32): small age
  const age = ((offered.identities[0]?.obfuscatedTicketAge ?? 0) - session.ticketAgeAdd) >>> 0;
  assert.ok(age < 10_000, `age ${age}`);
});

test('TLS 1.3 resumption with psk_ke (by option on both sides): no key_share, no (EC)DHE; refused by default', async () => {
  const tickets = sessions();
  const first = await connect({}, { tickets });
  const session = first.c.sessions[0];
  assert.ok(session !== undefined);
  const ke = await connect({ session, pskKeyExchangeModes: [PskKeyExchangeMode.psk_ke] }, { tickets, allowPskKe: true });
  ok(ke.c, ke.s);
  assert.equal(ke.c.conn.negotiated.resumed, true);
  assert.equal(ke.c.conn.negotiated.group, undefined);
  const sh = ke.c.messages.find((m) => m.direction === 'received' && m.type === HandshakeType.server_hello);
  assert.ok(sh !== undefined);
  assert.equal(findExtension(decodeServerHello(sh.raw.subarray(4)).extensions, ExtensionType.key_share), undefined);
  const defaultServer = await connect({ session, pskKeyExchangeModes: [PskKeyExchangeMode.psk_ke] }, { tickets });
  ok(defaultServer.c, defaultServer.s);
  assert.equal(defaultServer.c.conn.negotiated.resumed, false);
  assert.notEqual(defaultServer.c.conn.negotiated.group, undefined);
  // both modes offered: the server prefers psk_dhe_ke
  const both = await connect({ session, pskKeyExchangeModes: [PskKeyExchangeMode.psk_ke, PskKeyExchangeMode.psk_dhe_ke] }, { tickets, allowPskKe: true });
  assert.equal(both.c.conn.negotiated.resumed, true);
  assert.notEqual(both.c.conn.negotiated.group, undefined);
});

test('TLS 1.3 resumption with one byte changed in either side\'s flights (property): a TlsError, or a handshake whose data arrives intact; never an exception', async () => {
  const tickets = sessions();
  const first = await connect({}, { tickets });
  ok(first.c, first.s);
  const session = first.c.sessions[0];
  assert.ok(session !== undefined);
  await fc.assert(
    fc.asyncProperty(fc.constantFrom<'client' | 'server'>('client', 'server'), fc.nat({ max: 3 }), fc.nat(), fc.integer({ min: 1, max: 255 }), async (who, chunk, where, xor) => {
      const { c, s } = await connect({ session }, { tickets }, changeOneByte({ who, chunk, where, xor }));
      for (const e of [...c.errors, ...s.errors]) assert.ok(e instanceof TlsError);
      if (c.secure && s.secure && c.errors.length === 0 && s.errors.length === 0) {
        c.conn.write(utf8('ping'));
        s.conn.write(utf8('pong'));
        await pump(c, s);
        const atServer = concat(...s.received);
        const atClient = concat(...c.received);
        assert.ok(atServer.length === 0 || equalBytes(atServer, utf8('ping')), 'no changed data at the server');
        assert.ok(atClient.length === 0 || equalBytes(atClient, utf8('pong')), 'no changed data at the client');
      }
    }),
    { numRuns: Number(process.env['FUZZ_RUNS'] ?? 200) },
  );
});
