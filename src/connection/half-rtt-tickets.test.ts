/**
 * RFC 8446 §4.6.1 half-RTT NewSessionTickets: a TLS 1.3 server that did not ask for a client
 * certificate computes the client Finished it expects and sends its tickets in the same flight as
 * its own Finished; the client Finished is then checked against the expected one. With client
 * authentication the tickets still follow the client's Finished. At most one ticket after a
 * resumption (as OpenSSL).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Connection, type ConnectionEvents, type HandshakeEvent, type RecordEvent } from './connection.js';
import { clientConfig, serverConfig, type ClientConfigOptions, type ServerConfigOptions } from '../handshake/config.js';
import type { ClientSession13 } from '../handshake/resumption13.js';
import { nodeCryptoProvider } from '../crypto/node-provider.js';
import { generateTestPki } from '../x509/generate.js';
import { createDefaultVerifier } from '../x509/verify.js';
import { ContentType, HandshakeType } from '../registry/codepoints.js';
import { AlertDescription } from '../registry/alerts.js';
import type { TlsError } from '../errors.js';
import { concat, fromHex } from '../wire/bytes.js';
import { ServerSessions } from '../session/server-sessions.js';
import { TicketKeyring } from '../session/ticket-keys.js';
import { tls13Suite } from '../keyschedule/suites.js';
import { trafficKeys } from '../keyschedule/tls13.js';
import { RecordDeframer } from '../record/deframer.js';
import { RecordOpener13, RecordSealer13 } from '../record/protection13.js';
import { certifiedLeaf, pumpAsync, requireClientAuth, type Tamper } from '../../test/helpers/connection-pair.js';

const provider = nodeCryptoProvider;
const pki = generateTestPki(provider, { keyKinds: ['p256'] });
const verifier = createDefaultVerifier({ provider, trustAnchors: [pki.root.certDer] });
const cert = certifiedLeaf(pki, 'p256');

interface Side {
  conn: Connection;
  errors: TlsError[];
  messages: HandshakeEvent[];
  records: RecordEvent[];
  alerts: { direction: string; description: number }[];
  sessions: ClientSession13[];
  keylog: string[];
  secure: boolean;
}

function side(make: (events: ConnectionEvents) => Connection): Side {
  const s: Side = { conn: undefined as unknown as Connection, errors: [], messages: [], records: [], alerts: [], sessions: [], keylog: [], secure: false };
  s.conn = make({
    error: (e) => s.errors.push(e),
    handshakeMessage: (m) => s.messages.push(m),
    record: (r) => s.records.push(r),
    alert: (a) => s.alerts.push(a),
    secure: () => (s.secure = true),
    session: (x) => {
      if (x.version === 0x0304) s.sessions.push(x);
    },
    keylog: (line) => s.keylog.push(line),
  });
  return s;
}

const tickets = new ServerSessions({ provider, keys: new TicketKeyring({ provider }) });

function makePair(client: Partial<ClientConfigOptions> = {}, server: Partial<ServerConfigOptions> = {}): { c: Side; s: Side } {
  const c = side((events) => new Connection(clientConfig({ provider, verifier, serverName: 'localhost', ...client }), events));
  const s = side((events) => new Connection(serverConfig({ provider, certificates: [cert], tickets, ...server }), events));
  c.conn.start();
  return { c, s };
}

const sentTypes = (s: Side): number[] => s.messages.filter((m) => m.direction === 'sent').map((m) => m.type);
const order = (s: Side): string[] => s.messages.map((m) => `${m.direction === 'sent' ? '>' : '<'}${m.type}`);

/**
 * One round trip by hand: the ClientHello to the server, and the server's whole first flight to
 * the client in ONE receive() call. Returns the server's flight.
 */
function firstFlight(c: Side, s: Side): Uint8Array {
  s.conn.receive(concat(...c.conn.takeOutput()));
  const flight = concat(...s.conn.takeOutput());
  c.conn.receive(flight);
  return flight;
}

function noErrors(c: Side, s: Side): void {
  assert.deepEqual(c.errors.map((e) => e.message), []);
  assert.deepEqual(s.errors.map((e) => e.message), []);
}

test('full handshake without client auth: the tickets leave in the server\'s first flight, right after its Finished', () => {
  const { c, s } = makePair({}, { ticketCount: 2 });
  firstFlight(c, s);
  // the server has sent its tickets and has not seen the client's Finished yet
  assert.equal(s.secure, false);
  assert.deepEqual(sentTypes(s).slice(-3), [HandshakeType.finished, HandshakeType.new_session_ticket, HandshakeType.new_session_ticket]);
  assert.ok(!order(s).includes(`<${HandshakeType.finished}`));
  // the tickets are protected under the server's application keys, after the Finished record
  const sentRecords = s.records.filter((r) => r.direction === 'sent').map((r) => [r.innerType, r.protection]);
  assert.deepEqual(sentRecords.slice(-2), [[ContentType.handshake, 'handshake'], [ContentType.handshake, 'application']]);
  // the client took the whole flight in one receive(): it is connected and holds both sessions
  assert.ok(c.secure);
  assert.equal(c.sessions.length, 2);
  // its Finished reaches the server, which completes without sending anything more
  s.conn.receive(concat(...c.conn.takeOutput()));
  noErrors(c, s);
  assert.ok(s.secure);
  assert.equal(s.conn.hasOutput, false);
  assert.deepEqual(c.conn.negotiated.clientFinished, s.conn.negotiated.clientFinished);
});

test('after a resumption: one ticket (as OpenSSL), in the first flight; it resumes again', async () => {
  const first = makePair({}, { ticketCount: 3 });
  await pumpAsync(first.c, first.s);
  noErrors(first.c, first.s);
  assert.equal(first.c.sessions.length, 3, 'a full handshake issues ticketCount tickets');
  let session = first.c.sessions[0];
  for (let round = 0; round < 2; round++) {
    assert.ok(session !== undefined);
    const { c, s } = makePair({ session }, { ticketCount: 3 });
    firstFlight(c, s);
    assert.equal(c.conn.negotiated.resumed, true);
    assert.deepEqual(sentTypes(s).slice(-2), [HandshakeType.finished, HandshakeType.new_session_ticket]);
    assert.equal(c.sessions.length, 1, 'at most one ticket after a resumption');
    await pumpAsync(c, s);
    noErrors(c, s);
    assert.ok(s.secure && s.conn.negotiated.resumed);
    assert.equal(c.sessions.length, 1);
    // the half-RTT ticket's PSK (from the expected transcript) is the one the client derived
    session = c.sessions[0];
  }
});

/**
 * Rewrites the client's Finished (in the record under its handshake keys) with one flipped bit
 * in verify_data, re-sealed under the client's keys (taken from its key log): what a client that
 * computed another transcript would send.
 */
function forgeClientFinished(c: Side): Tamper {
  return (bytes, from) => {
    if (from !== 'client') return bytes;
    const line = c.keylog.find((l) => l.startsWith('CLIENT_HANDSHAKE_TRAFFIC_SECRET '));
    const suite = tls13Suite(c.conn.negotiated.cipherSuite);
    if (line === undefined || suite === undefined) return bytes;
    const { key, iv } = trafficKeys(provider, suite, fromHex(line.split(' ')[2] ?? ''));
    const deframer = new RecordDeframer();
    deframer.push(bytes);
    const out: Uint8Array[] = [];
    for (let r = deframer.next(); r !== null; r = deframer.next()) {
      if (r.type !== ContentType.application_data) {
        out.push(concat(r.header, r.fragment));
        continue;
      }
      const inner = new RecordOpener13(provider.aead(suite.aead, key), iv).open(r.header, r.fragment);
      assert.equal(inner.type, ContentType.handshake);
      const content = inner.content.slice();
      // the flight's messages ([Certificate, CertificateVerify,] Finished): the last is the Finished
      let at = 0;
      let last = -1;
      while (at < content.length) {
        last = content[at] ?? -1;
        at += 4 + (((content[at + 1] ?? 0) << 16) | ((content[at + 2] ?? 0) << 8) | (content[at + 3] ?? 0));
      }
      assert.equal(last, HandshakeType.finished);
      content[content.length - 1] = (content[content.length - 1] ?? 0) ^ 1;
      out.push(new RecordSealer13(provider.aead(suite.aead, key), iv).seal(ContentType.handshake, content));
    }
    return concat(...out);
  };
}

for (const [what, server, client] of [
  ['half-RTT tickets sent', {}, {}],
  ['client auth: no half-RTT tickets', { clientAuth: requireClientAuth(verifier) }, { certificates: [cert] }],
] as const) {
  test(`a wrong client Finished is decrypt_error (${what})`, async () => {
    const { c, s } = makePair(client, server);
    firstFlight(c, s);
    const forged = forgeClientFinished(c)(concat(...c.conn.takeOutput()), 'client');
    s.conn.receive(forged);
    assert.equal(s.errors[0]?.code, 'ERR_TLS_DECRYPT_ERROR');
    assert.equal(s.errors[0]?.message, 'client Finished does not verify');
    assert.deepEqual(s.alerts.filter((a) => a.direction === 'sent').map((a) => a.description), [AlertDescription.decrypt_error]);
    assert.equal(s.secure, false);
    // and the same flight unforged completes (the forgery is what failed)
    const again = makePair(client, server);
    await pumpAsync(again.c, again.s);
    noErrors(again.c, again.s);
    assert.ok(again.s.secure);
  });
}

test('with client authentication the tickets follow the client\'s Finished (they carry its identity)', async () => {
  const { c, s } = makePair({ certificates: [cert] }, { clientAuth: requireClientAuth(verifier), ticketCount: 2 });
  firstFlight(c, s);
  assert.equal(sentTypes(s).at(-1), HandshakeType.finished, 'no ticket in the first flight');
  assert.equal(c.sessions.length, 0);
  await pumpAsync(c, s);
  noErrors(c, s);
  const o = order(s);
  assert.deepEqual(o.slice(-3), [`<${HandshakeType.finished}`, `>${HandshakeType.new_session_ticket}`, `>${HandshakeType.new_session_ticket}`]);
  assert.equal(c.sessions.length, 2);
  // a ticket from it resumes with the client identity
  const resumed = makePair({ certificates: [cert], session: c.sessions[0] }, { clientAuth: requireClientAuth(verifier) });
  await pumpAsync(resumed.c, resumed.s);
  noErrors(resumed.c, resumed.s);
  assert.ok(resumed.s.conn.negotiated.resumed);
  assert.equal(resumed.s.conn.negotiated.peerCertificates.length, 2);
  assert.equal(resumed.s.conn.negotiated.peerVerified, true);
});
