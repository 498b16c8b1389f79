/**
 * The state-machine matrix: at every point of the TLS 1.3 client and server handshakes, every
 * handshake message type that point does not expect ends in unexpected_message (RFC 8446 §6.2),
 * before the message is even decoded.
 *
 * How: a real in-memory handshake is recorded with deterministic keys (a scripted provider for
 * randomness and X25519, and an Ed25519 certificate, whose signatures are deterministic); then
 * each side's generator is replayed against the peer's recorded messages up to point k, and fed
 * a message of the wrong type.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Connection } from '../connection/connection.js';
import { nodeCryptoProvider } from '../crypto/node-provider.js';
import { createScriptedProvider } from '../crypto/test-provider.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { TlsError } from '../errors.js';
import { encodeHandshake, type HandshakeMessage } from '../messages/handshake.js';
import { HandshakeType, NamedGroup } from '../registry/codepoints.js';
import { handshakeTypeName } from '../registry/names.js';
import { generateTestPki } from '../x509/generate.js';
import { createDefaultVerifier } from '../x509/verify.js';
import { clientHandshake13 } from './client13.js';
import { clientConfig, serverConfig, type ClientConfig, type ServerConfig } from './config.js';
import { emptyNegotiated, type HandshakeGenerator, type HandshakeHost, type HandshakeStep } from './host.js';
import { serverHandshake13 } from './server13.js';

const base = nodeCryptoProvider;
const pki = generateTestPki(base, { keyKinds: ['ed25519'] });
const leaf = pki.leaves.ed25519!;
const verifier = createDefaultVerifier({ provider: base, trustAnchors: [pki.root.certDer] });
const clientRandom = base.randomBytes(32);
const clientSessionId = base.randomBytes(32);
const clientKey = base.randomBytes(32);
const serverRandom = base.randomBytes(32);
const serverKey = base.randomBytes(32);

const clientProvider = (): CryptoProvider =>
  createScriptedProvider(base, { random: [clientRandom, clientSessionId], x25519PrivateKeys: [clientKey] });
const serverProvider = (): CryptoProvider => createScriptedProvider(base, { random: [serverRandom], x25519PrivateKeys: [serverKey] });

const makeClientConfig = (): ClientConfig =>
  clientConfig({ provider: clientProvider(), verifier, serverName: 'localhost', groups: [NamedGroup.x25519] });
const makeServerConfig = (): ServerConfig =>
  serverConfig({
    provider: serverProvider(),
    groups: [NamedGroup.x25519],
    certificates: [{ chain: [leaf.certDer, pki.intermediate.certDer], key: leaf.key, names: ['localhost'] }],
  });

/** Records the handshake messages each side received, from a real in-memory handshake. */
function record(): { toClient: HandshakeMessage[]; toServer: HandshakeMessage[] } {
  const toClient: HandshakeMessage[] = [];
  const toServer: HandshakeMessage[] = [];
  const keep = (into: HandshakeMessage[]) => (e: { direction: string; type: number; raw: Uint8Array }) => {
    if (e.direction === 'received') into.push({ type: e.type, raw: e.raw.slice(), body: e.raw.slice(4) });
  };
  const c = new Connection(makeClientConfig(), { handshakeMessage: keep(toClient) });
  const s = new Connection(makeServerConfig(), { handshakeMessage: keep(toServer) });
  c.start();
  for (let i = 0; i < 20; i++) {
    const a = c.takeOutput();
    const b = s.takeOutput();
    if (a.length === 0 && b.length === 0) break;
    for (const x of a) s.receive(x);
    for (const x of b) c.receive(x);
  }
  assert.ok(c.isSecure && s.isSecure, `recording handshake failed: ${c.error?.message ?? ''} ${s.error?.message ?? ''}`);
  return { toClient, toServer };
}

function fakeHost(): HandshakeHost {
  return {
    negotiated: emptyNegotiated(),
    send: (type, body) => {
      const raw = encodeHandshake(type, body);
      return { type, body: raw.subarray(4), raw };
    },
    received: () => undefined,
    sendChangeCipherSpec: () => undefined,
    setReadKeys: () => undefined,
    setWriteKeys: () => undefined,
    keyLog: () => undefined,
    complete: () => undefined,
    keyUpdateReceived: () => undefined,
    setReadKeys12: () => undefined,
    setWriteKeys12: () => undefined,
    complete12: () => undefined,
    sendWarningAlert: () => undefined,
    sendEarlyData: () => undefined,
    clearWriteKeys: () => undefined,
    readEarlyData: () => undefined,
  };
}

/** Starts a generator and replays the first `k` peer messages; returns it and what it expects next. */
function replay(start: () => HandshakeGenerator, peer: readonly HandshakeMessage[], k: number): { gen: HandshakeGenerator; step: HandshakeStep } {
  const gen = start();
  let r = gen.next();
  for (let i = 0; i < k; i++) {
    assert.equal(r.done, false);
    r = gen.next(peer[i] as HandshakeMessage);
  }
  assert.equal(r.done, false, 'the generator ended early');
  const step = r.value;
  assert.equal(step.kind, 'expect');
  return { gen, step };
}

const ALL_TYPES = Object.values(HandshakeType);

function matrix(name: string, start: () => HandshakeGenerator, peer: readonly HandshakeMessage[], points: number): void {
  let checked = 0;
  for (let k = 0; k <= points; k++) {
    const { step } = replay(start, peer, k);
    const expected = step.kind === 'expect' ? step.types : [];
    for (const type of ALL_TYPES) {
      if (expected.includes(type)) continue;
      const { gen } = replay(start, peer, k);
      const wrong: HandshakeMessage = { type, body: new Uint8Array(0), raw: Uint8Array.of(type, 0, 0, 0) };
      assert.throws(
        () => gen.next(wrong),
        (e: unknown) => e instanceof TlsError && e.code === 'ERR_TLS_UNEXPECTED_MESSAGE' && e.alert === 'unexpected_message',
        `${name}: ${handshakeTypeName(type)} at point ${k} (expecting ${expected.map((t) => handshakeTypeName(t)).join('|')})`,
      );
      checked++;
    }
  }
  assert.ok(checked > points * 10, `${name}: only ${checked} cases checked`);
}

const recorded = record();

test('client: every unexpected message at every point → unexpected_message', () => {
  // ServerHello, EncryptedExtensions, Certificate, CertificateVerify, Finished, then post-handshake.
  assert.deepEqual(
    recorded.toClient.map((m) => m.type),
    [HandshakeType.server_hello, HandshakeType.encrypted_extensions, HandshakeType.certificate, HandshakeType.certificate_verify, HandshakeType.finished],
  );
  matrix('client', () => clientHandshake13(fakeHost(), makeClientConfig()), recorded.toClient, recorded.toClient.length);
});

test('server: every unexpected message at every point → unexpected_message', () => {
  assert.deepEqual(recorded.toServer.map((m) => m.type), [HandshakeType.client_hello, HandshakeType.finished]);
  matrix('server', () => serverHandshake13(fakeHost(), makeServerConfig()), recorded.toServer, recorded.toServer.length);
});

test('replaying the recorded peer messages completes both handshakes (the matrix replays are valid)', () => {
  const c = replay(() => clientHandshake13(fakeHost(), makeClientConfig()), recorded.toClient, recorded.toClient.length);
  assert.deepEqual(c.step.kind === 'expect' ? c.step.types : [], [HandshakeType.new_session_ticket, HandshakeType.key_update]);
  const s = replay(() => serverHandshake13(fakeHost(), makeServerConfig()), recorded.toServer, recorded.toServer.length);
  assert.deepEqual(s.step.kind === 'expect' ? s.step.types : [], [HandshakeType.key_update]);
});
