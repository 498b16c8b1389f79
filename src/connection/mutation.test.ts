// Full handshakes with one byte changed anywhere in one of either side's flights (property tests):
// TLS 1.3 (with a HelloRetryRequest, and with mutual TLS) and TLS 1.2 (ECDHE, and with mutual TLS).
// Whatever the change, every failure is a TlsError on the side that saw it (and an alert to the
// other), nothing escapes as another exception, the exchange stops (bounded pump), and a handshake
// that completes carries the application data unchanged. RFC 8446 §6 / RFC 5246 §7.2: malformed or
// unexpected input ends in an alert.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Connection, type ConnectionEvents } from './connection.js';
import { clientConfig, serverConfig, type ClientConfigOptions, type ServerConfigOptions } from '../handshake/config.js';
import { nodeCryptoProvider as provider } from '../crypto/node-provider.js';
import { generateTestPki } from '../x509/generate.js';
import { createDefaultVerifier } from '../x509/verify.js';
import { NamedGroup, ProtocolVersion } from '../registry/codepoints.js';
import { TlsError } from '../errors.js';
import { concat, equalBytes, utf8 } from '../wire/bytes.js';
import { certifiedLeaf, changeOneByte, pumpAsync, requireClientAuth, type ByteChange } from '../../test/helpers/connection-pair.js';

const pki = generateTestPki(provider, { keyKinds: ['p256', 'rsa2048'] });
const verifier = createDefaultVerifier({ provider, trustAnchors: [pki.root.certDer] });
const serverCert = certifiedLeaf(pki, 'p256');
const clientCert = certifiedLeaf(pki, 'rsa2048');
const RUNS = Number(process.env['FUZZ_RUNS'] ?? 150);

interface Side {
  conn: Connection;
  errors: unknown[];
  received: Uint8Array[];
  secure: boolean;
}

function side(make: (events: ConnectionEvents) => Connection): Side {
  const s: Side = { conn: undefined as unknown as Connection, errors: [], received: [], secure: false };
  s.conn = make({ error: (e) => s.errors.push(e), secure: () => (s.secure = true), data: (d) => s.received.push(d.slice()) });
  return s;
}

const arbChange = fc.record({
  who: fc.constantFrom<'client' | 'server'>('client', 'server'),
  chunk: fc.nat({ max: 4 }),
  where: fc.nat(),
  xor: fc.integer({ min: 1, max: 255 }),
});

async function mutated(client: Partial<ClientConfigOptions>, server: Partial<ServerConfigOptions>, change: ByteChange): Promise<void> {
  const c = side((events) => new Connection(clientConfig({ provider, verifier, serverName: 'localhost', ...client }), events));
  const s = side((events) => new Connection(serverConfig({ provider, certificates: [serverCert], ...server }), events));
  c.conn.start();
  await pumpAsync(c, s, { tamper: changeOneByte(change) });
  for (const e of [...c.errors, ...s.errors]) assert.ok(e instanceof TlsError, `not a TlsError: ${String(e)}`);
  if (c.secure && s.secure && c.errors.length === 0 && s.errors.length === 0) {
    c.conn.write(utf8('ping'));
    s.conn.write(utf8('pong'));
    await pumpAsync(c, s);
    const atServer = concat(...s.received);
    const atClient = concat(...c.received);
    assert.ok(atServer.length === 0 || equalBytes(atServer, utf8('ping')), 'no changed data reaches the server');
    assert.ok(atClient.length === 0 || equalBytes(atClient, utf8('pong')), 'no changed data reaches the client');
  }
}

test('TLS 1.3 full handshake, one byte changed (property)', async () => {
  await fc.assert(fc.asyncProperty(arbChange, (ch) => mutated({}, {}, ch)), { numRuns: RUNS });
});

test('TLS 1.3 with a HelloRetryRequest (the server takes only P-256), one byte changed (property)', async () => {
  await fc.assert(fc.asyncProperty(arbChange, (ch) => mutated({ keyShareGroups: [NamedGroup.x25519] }, { groups: [NamedGroup.secp256r1] }, ch)), { numRuns: RUNS });
});

test('TLS 1.3 mutual TLS, one byte changed (property)', async () => {
  await fc.assert(fc.asyncProperty(arbChange, (ch) => mutated({ certificates: [clientCert] }, { clientAuth: requireClientAuth(verifier) }, ch)), { numRuns: RUNS });
});

test('TLS 1.2 ECDHE, and with mutual TLS, one byte changed (property)', async () => {
  const tls12 = { maxVersion: ProtocolVersion.TLS1_2 };
  await fc.assert(fc.asyncProperty(arbChange, (ch) => mutated(tls12, {}, ch)), { numRuns: RUNS });
  await fc.assert(fc.asyncProperty(arbChange, (ch) => mutated({ ...tls12, certificates: [clientCert] }, { clientAuth: requireClientAuth(verifier) }, ch)), { numRuns: RUNS });
});
