/**
 * What a peer cannot make us do: each bound in LIMITS (and the handshake message size) ends the
 * connection with a typed error and an alert instead of unbounded work.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Connection, LIMITS } from './connection.js';
import { clientConfig, serverConfig, type ClientConfigOptions, type ServerConfigOptions } from '../handshake/config.js';
import { nodeCryptoProvider as provider } from '../crypto/node-provider.js';
import { generateTestPki } from '../x509/generate.js';
import { AlertDescription, AlertLevel } from '../registry/alerts.js';
import type { TlsError } from '../errors.js';
import { pump as pumpEnds } from '../../test/helpers/connection-pair.js';

const pki = generateTestPki(provider, { keyKinds: ['p256'] });
const leaf = pki.leaves.p256!;
const certificates = [{ chain: [leaf.certDer, pki.intermediate.certDer], key: leaf.key, names: ['localhost'] }];

/** Moves bytes both ways until both are quiet (the shared helper works on ends holding a `conn`). */
function pump(c: Connection, s: Connection): void {
  pumpEnds({ conn: c }, { conn: s });
}

function connected(client: Partial<ClientConfigOptions> = {}, server: Partial<ServerConfigOptions> = {}) {
  const serverErrors: TlsError[] = [];
  const c = new Connection(clientConfig({ provider, verifier: null, serverName: 'localhost', ...client }));
  const s = new Connection(serverConfig({ provider, certificates, ...server }), { error: (e) => serverErrors.push(e) });
  c.start();
  pump(c, s);
  return { c, s, serverErrors };
}

test(`more than ${LIMITS.maxEmptyRecords} empty application_data records in a row → unexpected_message`, () => {
  const { c, s, serverErrors } = connected();
  assert.ok(s.isSecure, 'handshake completed');
  for (let i = 0; i < LIMITS.maxEmptyRecords; i++) c.write(new Uint8Array(0));
  pump(c, s);
  assert.equal(serverErrors.length, 0, 'up to the limit is fine');
  c.write(new Uint8Array(0));
  pump(c, s);
  assert.equal(serverErrors[0]?.code, 'ERR_TLS_UNEXPECTED_MESSAGE');
  assert.match(serverErrors[0]?.message ?? '', /empty records/);
});

test('a non-empty record resets the empty-record count', () => {
  const { c, s, serverErrors } = connected();
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < LIMITS.maxEmptyRecords; i++) c.write(new Uint8Array(0));
    c.write(Uint8Array.of(1));
  }
  pump(c, s);
  assert.equal(serverErrors.length, 0);
});

test(`more than ${LIMITS.maxWarningAlerts} user_canceled warnings → unexpected_message`, () => {
  const { c, s, serverErrors } = connected();
  // sendAlert is private: reach it the way a misbehaving peer would behave
  const sendAlert = (c as unknown as { sendAlert(level: number, description: number): void }).sendAlert.bind(c);
  for (let i = 0; i < LIMITS.maxWarningAlerts; i++) sendAlert(AlertLevel.warning, AlertDescription.user_canceled);
  pump(c, s);
  assert.equal(serverErrors.length, 0, 'up to the limit is tolerated (RFC 8446 §6.1)');
  sendAlert(AlertLevel.warning, AlertDescription.user_canceled);
  pump(c, s);
  assert.equal(serverErrors[0]?.code, 'ERR_TLS_UNEXPECTED_MESSAGE');
});

test(`more than ${LIMITS.maxKeyUpdatesPerSecond} KeyUpdates in a second → the connection fails`, () => {
  const { c, s, serverErrors } = connected();
  for (let i = 0; i < LIMITS.maxKeyUpdatesPerSecond; i++) c.keyUpdate(false);
  pump(c, s);
  assert.equal(serverErrors.length, 0, 'up to the limit is fine');
  c.keyUpdate(false);
  pump(c, s);
  assert.equal(serverErrors[0]?.code, 'ERR_TLS_LIMIT_EXCEEDED');
});

test('a handshake message larger than maxHandshakeMessageSize is refused before it is buffered', () => {
  const { s, serverErrors } = connected({}, { maxHandshakeMessageSize: 64 });
  assert.equal(s.isSecure, false);
  assert.equal(serverErrors[0]?.code, 'ERR_TLS_LIMIT_EXCEEDED');
  assert.match(serverErrors[0]?.message ?? '', /client_hello message of \d+ bytes exceeds the limit of 64 bytes/);
});

test('an oversized record length is refused from its header (record_overflow)', () => {
  const errors: TlsError[] = [];
  const s = new Connection(serverConfig({ provider, certificates }), { error: (e) => errors.push(e) });
  s.receive(Uint8Array.of(22, 3, 1, 0xff, 0xff)); // a 65535-byte handshake record announced
  assert.equal(errors[0]?.code, 'ERR_TLS_RECORD_OVERFLOW');
});
