import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Connection, type ConnectionEvents } from '../connection/connection.js';
import { clientConfig, serverConfig, type CertifiedKey, type ClientAuthConfig, type ClientConfigOptions, type ServerConfigOptions } from './config.js';
import { nodeCryptoProvider } from '../crypto/node-provider.js';
import { generateCertificate, generateTestPki } from '../x509/generate.js';
import { createDefaultVerifier } from '../x509/verify.js';
import { ExtensionType, HandshakeType, ProtocolVersion } from '../registry/codepoints.js';
import { AlertDescription } from '../registry/alerts.js';
import type { TlsError } from '../errors.js';
import { concat, equalBytes, utf8 } from '../wire/bytes.js';
import { TLSKIT_DEFAULT_PROFILE } from './hello-profile.js';
import type { ClientCertificateResult } from './post-handshake-auth.js';
import { PHA_CONTEXT_LENGTH, PostHandshakeAuthServer, MAX_OUTSTANDING_REQUESTS, type PostHandshakeAuthHost } from './post-handshake-auth.js';
import { Transcript } from '../keyschedule/transcript.js';
import { certifiedLeaf, pump, requireClientAuth } from '../../test/helpers/connection-pair.js';
import { tls13Suite } from '../keyschedule/suites.js';
import { encodeHandshake } from '../messages/handshake.js';
import { encodeCertificate13 } from '../messages/certificate13.js';
import { emptyNegotiated } from './host.js';
import { ServerSessions } from '../session/server-sessions.js';
import { TicketKeyring } from '../session/ticket-keys.js';

const provider = nodeCryptoProvider;
const pki = generateTestPki(provider, { keyKinds: ['p256', 'rsa2048'] });
const verifier = createDefaultVerifier({ provider, trustAnchors: [pki.root.certDer] });
const otherRoot = generateCertificate({ subject: { CN: 'Other Root CA' }, keyKind: 'p256', isCA: true }, provider);
const otherLeaf = generateCertificate({ subject: { CN: 'other client' }, keyKind: 'p256', issuer: otherRoot }, provider);

const certified = (kind: 'p256' | 'rsa2048'): CertifiedKey => certifiedLeaf(pki, kind);

interface Side {
  conn: Connection;
  received: Uint8Array[];
  errors: TlsError[];
  sent: number[];
  got: number[];
  alerts: { direction: string; description: number }[];
  results: ClientCertificateResult[];
}

function side(make: (events: ConnectionEvents) => Connection): Side {
  const s: Side = { conn: undefined as unknown as Connection, received: [], errors: [], sent: [], got: [], alerts: [], results: [] };
  s.conn = make({
    data: (d) => s.received.push(d.slice()),
    error: (e) => s.errors.push(e),
    handshakeMessage: (m) => (m.direction === 'sent' ? s.sent : s.got).push(m.type),
    alert: (a) => s.alerts.push(a),
    clientCertificate: (r) => s.results.push(r),
  });
  return s;
}

const auth = (o: Partial<ClientAuthConfig> = {}): ClientAuthConfig => requireClientAuth(verifier, o);

const tls13 = { minVersion: ProtocolVersion.TLS1_3, maxVersion: ProtocolVersion.TLS1_3 };

function pair(client: Partial<ClientConfigOptions>, server: Partial<ServerConfigOptions>): { c: Side; s: Side } {
  const c = side((events) => new Connection(clientConfig({ provider, verifier, serverName: 'localhost', ...tls13, ...client }), events));
  const s = side((events) => new Connection(serverConfig({ provider, certificates: [certified('p256')], postHandshakeClientAuth: auth(), ...server }), events));
  c.conn.start();
  s.conn.start();
  pump(c, s);
  assert.deepEqual([c.errors, s.errors], [[], []]);
  assert.ok(c.conn.isSecure && s.conn.isSecure);
  return { c, s };
}

function roundTrip(c: Side, s: Side): void {
  c.received.length = 0;
  s.received.length = 0;
  c.conn.write(utf8('ping'));
  s.conn.write(utf8('pong'));
  pump(c, s);
  assert.deepEqual(concat(...s.received), utf8('ping'));
  assert.deepEqual(concat(...c.received), utf8('pong'));
}

/** Pumps until both sides are idle, letting the server's asynchronous ticket work settle in between. */
async function settle(a: Side, b: Side): Promise<void> {
  for (let i = 0; i < 5; i++) {
    pump(a, b);
    await new Promise((r) => setTimeout(r, 5));
  }
  pump(a, b);
}

const sentAlert = (x: Side): number | undefined => x.alerts.find((a) => a.direction === 'sent')?.description;

describe('TLS 1.3 post-handshake client authentication (RFC 8446 §4.6.2)', () => {
  it('a client with a certificate offers post_handshake_auth; no CertificateRequest in the main handshake', () => {
    const { c, s } = pair({ certificates: [certified('p256')] }, {});
    assert.equal(c.conn.negotiated.postHandshakeAuth, true);
    assert.equal(s.conn.negotiated.postHandshakeAuth, true);
    assert.ok(!c.got.includes(HandshakeType.certificate_request));
    assert.equal(s.conn.negotiated.peerCertificates.length, 0);
  });

  for (const kind of ['p256', 'rsa2048'] as const) {
    it(`a ${kind} client answers Certificate, CertificateVerify, Finished; the server verifies and updates the peer identity`, () => {
      const { c, s } = pair({ certificates: [certified(kind)] }, {});
      c.sent.length = 0;
      const context = s.conn.requestClientCertificate();
      assert.equal(context.length, PHA_CONTEXT_LENGTH);
      pump(c, s);
      assert.deepEqual([c.errors, s.errors], [[], []]);
      assert.deepEqual(c.sent, [HandshakeType.certificate, HandshakeType.certificate_verify, HandshakeType.finished]);
      assert.equal(s.results.length, 1);
      const r = s.results[0]!;
      assert.ok(equalBytes(r.context, context));
      assert.equal(r.verified, true);
      assert.deepEqual(r.certificates, certified(kind).chain);
      assert.equal(s.conn.negotiated.peerVerified, true);
      assert.deepEqual(s.conn.negotiated.peerCertificates, certified(kind).chain);
      assert.deepEqual(c.conn.negotiated.localCertificates, certified(kind).chain);
      roundTrip(c, s);
    });
  }

  it('several outstanding requests: each answered over the main transcript + its own request, in order', () => {
    const { c, s } = pair({ certificates: [certified('p256')] }, {});
    const contexts = [s.conn.requestClientCertificate(), s.conn.requestClientCertificate(), s.conn.requestClientCertificate()];
    assert.ok(!equalBytes(contexts[0]!, contexts[1]!));
    pump(c, s);
    assert.deepEqual([c.errors, s.errors], [[], []]);
    assert.equal(s.results.length, 3);
    s.results.forEach((r, i) => {
      assert.ok(equalBytes(r.context, contexts[i]!));
      assert.equal(r.verified, true);
    });
    // and again later, after data
    roundTrip(c, s);
    s.conn.requestClientCertificate();
    pump(c, s);
    assert.equal(s.results.length, 4);
  });

  it('the Finished key follows the client\'s KeyUpdate (client_application_traffic_secret_N)', () => {
    const { c, s } = pair({ certificates: [certified('p256')] }, {});
    c.conn.keyUpdate(true);
    s.conn.requestClientCertificate();
    pump(c, s);
    assert.deepEqual([c.errors, s.errors], [[], []]);
    assert.equal(s.results[0]?.verified, true);
    roundTrip(c, s);
  });

  it('application data written before the answer still arrives, and the answer still verifies', () => {
    const { c, s } = pair({ certificates: [certified('p256')] }, {});
    s.conn.requestClientCertificate();
    c.conn.write(utf8('early words'));
    pump(c, s);
    assert.deepEqual([c.errors, s.errors], [[], []]);
    assert.equal(s.results[0]?.verified, true);
    assert.deepEqual(concat(...s.received), utf8('early words'));
  });

  it('a client without a certificate (postHandshakeAuth: true) answers an empty Certificate and Finished; optional → reported', () => {
    const { c, s } = pair({ postHandshakeAuth: true }, { postHandshakeClientAuth: auth({ requireCertificate: false }) });
    c.sent.length = 0;
    s.conn.requestClientCertificate();
    pump(c, s);
    assert.deepEqual([c.errors, s.errors], [[], []]);
    assert.deepEqual(c.sent, [HandshakeType.certificate, HandshakeType.finished]);
    assert.deepEqual(s.results.map((r) => [r.certificates.length, r.verified]), [[0, false]]);
    assert.equal(s.conn.negotiated.peerCertificates.length, 0);
    roundTrip(c, s);
  });

  it('an empty answer when a certificate is required → certificate_required (RFC 8446 §4.4.2.4)', () => {
    const { c, s } = pair({ postHandshakeAuth: true }, {});
    s.conn.requestClientCertificate();
    pump(c, s);
    assert.equal(s.errors[0]?.code, 'ERR_TLS_CERTIFICATE_REQUIRED');
    assert.equal(sentAlert(s), AlertDescription.certificate_required);
    assert.equal(c.errors[0]?.alert, 'certificate_required');
  });

  it('a CertificateVerify that does not verify (key not matching the certificate) → decrypt_error', () => {
    const wrong: CertifiedKey = { ...certified('p256'), key: otherLeaf.key };
    const { c, s } = pair({ certificates: [wrong] }, {});
    s.conn.requestClientCertificate();
    pump(c, s);
    assert.equal(s.errors[0]?.code, 'ERR_TLS_DECRYPT_ERROR');
    assert.equal(sentAlert(s), AlertDescription.decrypt_error);
    assert.equal(s.results.length, 0);
    assert.equal(s.conn.negotiated.peerCertificates.length, 0, 'a failed answer leaves the peer identity unchanged');
    assert.ok(c.errors.length === 1 && !c.conn.isSecure);
  });

  it('an untrusted chain → unknown_ca; with rejectUnverified: false → reported unverified, the connection goes on', () => {
    const untrusted: CertifiedKey = { chain: [otherLeaf.certDer], key: otherLeaf.key, names: [] };
    const hard = pair({ certificates: [untrusted] }, {});
    hard.s.conn.requestClientCertificate();
    pump(hard.c, hard.s);
    assert.equal(sentAlert(hard.s), AlertDescription.unknown_ca);

    const soft = pair({ certificates: [untrusted] }, { postHandshakeClientAuth: auth({ rejectUnverified: false }) });
    soft.s.conn.requestClientCertificate();
    pump(soft.c, soft.s);
    assert.deepEqual([soft.c.errors, soft.s.errors], [[], []]);
    const r = soft.s.results[0];
    assert.equal(r?.verified, false);
    assert.equal((r?.verifyError as TlsError | undefined)?.code, 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY');
    assert.equal(soft.s.conn.negotiated.peerVerified, false);
    assert.deepEqual(soft.s.conn.negotiated.peerCertificates, [otherLeaf.certDer]);
    roundTrip(soft.c, soft.s);
  });

  it('a client that did not offer post_handshake_auth: the server refuses to ask (RFC 8446 §4.2.6), the connection is unharmed', () => {
    const { c, s } = pair({ postHandshakeAuth: false, certificates: [certified('p256')] }, {});
    assert.equal(s.conn.negotiated.postHandshakeAuth, false);
    assert.throws(() => s.conn.requestClientCertificate(), (e: TlsError) => e.code === 'ERR_TLS_INVALID_STATE' && /post_handshake_auth/.test(e.message));
    assert.equal(s.conn.hasOutput, false);
    roundTrip(c, s);
  });

  it('a client that sent close_notify cannot answer (RFC 8446 §6.1): the server refuses to ask; a request already on its way goes unanswered', () => {
    const early = pair({ certificates: [certified('p256')] }, {});
    early.c.conn.end();
    pump(early.c, early.s);
    assert.throws(() => early.s.conn.requestClientCertificate(), (e: TlsError) => e.code === 'ERR_TLS_INVALID_STATE' && /close_notify/.test(e.message));

    const late = pair({ certificates: [certified('p256')] }, {});
    late.s.conn.requestClientCertificate();
    late.c.conn.end(); // before the request arrives
    late.c.sent.length = 0;
    pump(late.c, late.s);
    assert.deepEqual([late.c.errors, late.s.errors], [[], []]);
    assert.deepEqual(late.c.sent, []);
    assert.equal(late.s.results.length, 0);
  });

  it('a server without postHandshakeClientAuth or clientAuth cannot ask', () => {
    const { s } = pair({ certificates: [certified('p256')] }, { postHandshakeClientAuth: undefined });
    assert.throws(() => s.conn.requestClientCertificate(), (e: TlsError) => e.code === 'ERR_TLS_INVALID_OPTION');
  });

  it('a CertificateRequest the client did not ask for (no post_handshake_auth of its own) → unexpected_message', () => {
    // the ClientHello carries post_handshake_auth as a raw extension, but the client is not set up for it
    const profile = { ...TLSKIT_DEFAULT_PROFILE, extensions: [...TLSKIT_DEFAULT_PROFILE.extensions, { kind: 'raw' as const, type: ExtensionType.post_handshake_auth, data: new Uint8Array(0) }] };
    const { c, s } = pair({ postHandshakeAuth: false, helloProfile: profile }, {});
    assert.equal(c.conn.negotiated.postHandshakeAuth, false);
    assert.equal(s.conn.negotiated.postHandshakeAuth, true);
    s.conn.requestClientCertificate();
    pump(c, s);
    assert.equal(c.errors[0]?.code, 'ERR_TLS_UNEXPECTED_MESSAGE');
    assert.equal(sentAlert(c), AlertDescription.unexpected_message);
  });

  it('not in TLS 1.2, and only on a server', () => {
    const v12 = { minVersion: ProtocolVersion.TLS1_2, maxVersion: ProtocolVersion.TLS1_2 };
    const { c, s } = pair({ ...v12, certificates: [certified('p256')] }, v12);
    assert.throws(() => s.conn.requestClientCertificate(), (e: TlsError) => e.code === 'ERR_TLS_INVALID_STATE');
    assert.throws(() => c.conn.requestClientCertificate(), (e: TlsError) => e.code === 'ERR_TLS_INVALID_STATE');
  });

  it('on a PSK-resumed connection too (RFC 8446 §4.3.2: not in the main handshake, but after it)', async () => {
    const tickets = new ServerSessions({ provider, keys: new TicketKeyring({ provider }) });
    const sessions: unknown[] = [];
    const first = side((events) => new Connection(clientConfig({ provider, verifier, serverName: 'localhost', ...tls13, certificates: [certified('p256')] }), { ...events, session: (x) => sessions.push(x) }));
    const srv1 = side((events) => new Connection(serverConfig({ provider, certificates: [certified('p256')], postHandshakeClientAuth: auth(), tickets }), events));
    first.conn.start();
    await settle(first, srv1);
    assert.ok(sessions.length > 0);
    const c = side((events) => new Connection(clientConfig({ provider, verifier, serverName: 'localhost', ...tls13, certificates: [certified('p256')], session: sessions[0] as never }), events));
    const s = side((events) => new Connection(serverConfig({ provider, certificates: [certified('p256')], postHandshakeClientAuth: auth(), tickets }), events));
    c.conn.start();
    await settle(c, s);
    assert.equal(s.conn.negotiated.resumed, true);
    s.conn.requestClientCertificate();
    await settle(c, s);
    assert.deepEqual([c.errors, s.errors], [[], []]);
    assert.equal(s.results[0]?.verified, true);
  });
});

describe('a ticket after post-handshake authentication (RFC 8446 §4.6.1)', () => {
  it('carries the new client identity: resuming with it restores the chain and the verdict; the handshake\'s tickets do not', async () => {
    const tickets = new ServerSessions({ provider, keys: new TicketKeyring({ provider }) });
    const sessions: Parameters<NonNullable<ConnectionEvents['session']>>[0][] = [];
    const clientOptions = { provider, verifier, serverName: 'localhost', ...tls13, certificates: [certified('p256')] };
    const serverOptions = { provider, certificates: [certified('p256')], postHandshakeClientAuth: auth(), tickets };
    const c = side((events) => new Connection(clientConfig(clientOptions), { ...events, session: (x) => sessions.push(x) }));
    const s = side((events) => new Connection(serverConfig(serverOptions), events));
    c.conn.start();
    await settle(c, s);
    assert.equal(sessions.length, 2);
    s.conn.requestClientCertificate();
    await settle(c, s);
    assert.equal(s.results[0]?.verified, true);
    assert.equal(sessions.length, 3, 'one more ticket after the client authenticated');

    for (const [session, verified, certificates] of [[sessions[0]!, false, 0], [sessions[2]!, true, 2]] as const) {
      const c2 = side((events) => new Connection(clientConfig({ ...clientOptions, session }), events));
      const s2 = side((events) => new Connection(serverConfig(serverOptions), events));
      c2.conn.start();
      await settle(c2, s2);
      assert.deepEqual([c2.errors, s2.errors], [[], []]);
      assert.equal(s2.conn.negotiated.resumed, true);
      assert.equal(s2.conn.negotiated.peerVerified, verified);
      assert.equal(s2.conn.negotiated.peerCertificates.length, certificates);
    }
  });
});

describe('PostHandshakeAuthServer: answers it cannot accept', () => {
  const suite = tls13Suite(0x1301)!;
  const make = (): { server: PostHandshakeAuthServer; host: PostHandshakeAuthHost; sent: number[] } => {
    const sent: number[] = [];
    const host: PostHandshakeAuthHost = {
      send: (type, body) => {
        sent.push(type);
        const raw = encodeHandshake(type, body);
        return { type, body, raw };
      },
      received: () => {},
      negotiated: emptyNegotiated(),
      clientTrafficSecret: () => new Uint8Array(32).fill(1),
    };
    const config = serverConfig({ provider, certificates: [certified('p256')] });
    const server = new PostHandshakeAuthServer(config, auth({ requireCertificate: false }), suite, new Transcript(provider, suite.hash));
    return { server, host, sent };
  };
  const certificate = (context: Uint8Array) => {
    const body = encodeCertificate13({ certificateRequestContext: context, certificateList: [] });
    return { type: HandshakeType.certificate, body, raw: encodeHandshake(HandshakeType.certificate, body) };
  };
  const finished = (verifyData: Uint8Array) => ({ type: HandshakeType.finished, body: verifyData, raw: encodeHandshake(HandshakeType.finished, verifyData) });

  it('a Certificate with no request outstanding → unexpected_message; for a context we did not send → illegal_parameter', () => {
    const { server, host } = make();
    assert.throws(() => server.receive(host, certificate(Uint8Array.of(1, 2, 3))).next(), (e: TlsError) => e.code === 'ERR_TLS_UNEXPECTED_MESSAGE');
    server.request(host);
    assert.equal(server.outstanding, 1);
    assert.throws(() => server.receive(host, certificate(Uint8Array.of(1, 2, 3))).next(), (e: TlsError) => e.code === 'ERR_TLS_ILLEGAL_PARAMETER');
  });

  it('a Finished that does not verify → decrypt_error; the answer is not reported', () => {
    const { server, host, sent } = make();
    const context = server.request(host);
    assert.deepEqual(sent, [HandshakeType.certificate_request]);
    const gen = server.receive(host, certificate(context));
    const step = gen.next();
    assert.deepEqual(step.value, { kind: 'expect', types: [HandshakeType.finished] });
    assert.equal(server.inResponse, true);
    assert.throws(() => gen.next(finished(new Uint8Array(32))), (e: TlsError) => e.code === 'ERR_TLS_DECRYPT_ERROR');
    assert.equal(host.negotiated.peerCertificates.length, 0);
  });

  it(`at most ${MAX_OUTSTANDING_REQUESTS} requests outstanding; each context is fresh`, () => {
    const { server, host } = make();
    const seen = new Set<string>();
    for (let i = 0; i < MAX_OUTSTANDING_REQUESTS; i++) seen.add(Buffer.from(server.request(host)).toString('hex'));
    assert.equal(seen.size, MAX_OUTSTANDING_REQUESTS);
    assert.throws(() => server.request(host), (e: TlsError) => e.code === 'ERR_TLS_LIMIT_EXCEEDED');
  });
});
