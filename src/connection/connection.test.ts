import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Connection, type ConnectionEvents, type HandshakeEvent } from './connection.js';
import { clientConfig, serverConfig, type CertifiedKey, type ClientConfigOptions, type ServerConfigOptions } from '../handshake/config.js';
import { nodeCryptoProvider } from '../crypto/node-provider.js';
import { generateTestPki } from '../x509/generate.js';
import { createDefaultVerifier } from '../x509/verify.js';
import { CipherSuite, HandshakeType, NamedGroup } from '../registry/codepoints.js';
import { TlsError } from '../errors.js';
import { concat, equalBytes, utf8 } from '../wire/bytes.js';
import type { SigningKeyKind } from '../crypto/provider.js';
import { pump } from '../../test/helpers/connection-pair.js';

const provider = nodeCryptoProvider;
const pki = generateTestPki(provider, { keyKinds: ['p256', 'p384', 'ed25519', 'rsa2048'] });
const verifier = createDefaultVerifier({ provider, trustAnchors: [pki.root.certDer] });

function certified(kind: SigningKeyKind): CertifiedKey {
  const leaf = pki.leaves[kind];
  if (leaf === undefined) throw new Error(`no ${kind} leaf`);
  return { chain: [leaf.certDer, pki.intermediate.certDer], key: leaf.key, names: ['localhost', '127.0.0.1', '::1'] };
}

interface Side {
  conn: Connection;
  received: Uint8Array[];
  errors: TlsError[];
  messages: HandshakeEvent[];
  ended: boolean;
  secure: boolean;
}

function side(make: (events: ConnectionEvents) => Connection): Side {
  const s: Side = { conn: undefined as unknown as Connection, received: [], errors: [], messages: [], ended: false, secure: false };
  s.conn = make({
    data: (d) => s.received.push(d.slice()),
    error: (e) => s.errors.push(e),
    handshakeMessage: (m) => s.messages.push(m),
    end: () => (s.ended = true),
    secure: () => (s.secure = true),
  });
  return s;
}

/** Moves bytes both ways until neither side has anything to say. */
function pair(
  client: Partial<ClientConfigOptions> = {},
  server: Partial<ServerConfigOptions> = {},
): { c: Side; s: Side } {
  const c = side((events) => new Connection(clientConfig({ provider, verifier, serverName: 'localhost', ...client }), events));
  const s = side((events) => new Connection(serverConfig({ provider, certificates: [certified('p256')], ...server }), events));
  c.conn.start();
  pump(c, s);
  return { c, s };
}

function assertConnected(c: Side, s: Side): void {
  assert.deepEqual(c.errors.map((e) => e.message), []);
  assert.deepEqual(s.errors.map((e) => e.message), []);
  assert.ok(c.secure && s.secure, 'both sides completed the handshake');
}

const types = (m: HandshakeEvent[], direction: 'sent' | 'received'): number[] =>
  m.filter((e) => e.direction === direction).map((e) => e.type);

test('full handshake, every suite × group × certificate type, data both ways', () => {
  const suites = [CipherSuite.TLS_AES_128_GCM_SHA256, CipherSuite.TLS_AES_256_GCM_SHA384, CipherSuite.TLS_CHACHA20_POLY1305_SHA256];
  const groups = [NamedGroup.x25519, NamedGroup.secp256r1, NamedGroup.secp384r1, NamedGroup.X25519MLKEM768];
  const kinds: SigningKeyKind[] = ['p256', 'p384', 'ed25519', 'rsa2048'];
  let n = 0;
  for (const suite of suites) {
    for (const group of groups) {
      const kind = kinds[n++ % kinds.length] as SigningKeyKind;
      const { c, s } = pair({ cipherSuites: [suite], groups: [group] }, { certificates: [certified(kind)] });
      assertConnected(c, s);
      assert.equal(c.conn.negotiated.cipherSuite, suite);
      assert.equal(s.conn.negotiated.group, group);
      assert.equal(c.conn.negotiated.peerVerified, true);
      assert.equal(c.conn.negotiated.helloRetryRequest, false);
      c.conn.write(utf8('ping'));
      pump(c, s);
      s.conn.write(utf8('pong'));
      pump(c, s);
      assert.deepEqual(s.received, [utf8('ping')]);
      assert.deepEqual(c.received, [utf8('pong')]);
    }
  }
});

test('the client sees the RFC 8446 §2 message flow', () => {
  const { c, s } = pair();
  assertConnected(c, s);
  assert.deepEqual(types(c.messages, 'sent'), [HandshakeType.client_hello, HandshakeType.finished]);
  assert.deepEqual(types(c.messages, 'received'), [
    HandshakeType.server_hello,
    HandshakeType.encrypted_extensions,
    HandshakeType.certificate,
    HandshakeType.certificate_verify,
    HandshakeType.finished,
  ]);
});

test('HelloRetryRequest when the server needs a group the client sent no share for (with a cookie)', () => {
  const { c, s } = pair(
    { groups: [NamedGroup.x25519, NamedGroup.secp384r1], keyShareGroups: [NamedGroup.x25519] },
    { groups: [NamedGroup.secp384r1], helloRetryCookie: true },
  );
  assertConnected(c, s);
  assert.equal(c.conn.negotiated.helloRetryRequest, true);
  assert.equal(c.conn.negotiated.group, NamedGroup.secp384r1);
  assert.deepEqual(types(s.messages, 'received').slice(0, 2), [HandshakeType.client_hello, HandshakeType.client_hello]);
  c.conn.write(utf8('after hrr'));
  pump(c, s);
  assert.deepEqual(s.received, [utf8('after hrr')]);
});

test('no group in common → handshake_failure on both sides', () => {
  const { c, s } = pair({ groups: [NamedGroup.x25519] }, { groups: [NamedGroup.secp384r1] });
  assert.equal(s.errors[0]?.code, 'ERR_TLS_HANDSHAKE_FAILURE');
  assert.equal(c.errors[0]?.code, 'ERR_TLS_ALERT_RECEIVED');
  assert.equal(c.errors[0]?.alert, 'handshake_failure');
});

test('ALPN: server preference among the client offer; mismatch → no_application_protocol', () => {
  const ok = pair({ alpnProtocols: ['h2', 'http/1.1'] }, { alpnProtocols: ['http/1.1', 'h2'] });
  assertConnected(ok.c, ok.s);
  assert.equal(ok.c.conn.negotiated.alpnProtocol, 'http/1.1');
  const bad = pair({ alpnProtocols: ['h2'] }, { alpnProtocols: ['http/1.1'] });
  assert.equal(bad.s.errors[0]?.code, 'ERR_TLS_NO_APPLICATION_PROTOCOL');
  assert.equal(bad.c.errors[0]?.alert, 'no_application_protocol');
});

test('SNI chooses the certificate; signature_algorithms chooses among key types', () => {
  const other = certified('p384');
  const named: CertifiedKey = { ...other, names: ['other.test'] };
  const { c, s } = pair({ serverName: 'localhost' }, { certificates: [named, certified('ed25519')] });
  assertConnected(c, s);
  assert.equal(s.conn.negotiated.serverName, 'localhost');
  assert.equal(c.conn.negotiated.peerSignatureScheme, 0x0807); // ed25519: the cert named localhost
});

test('large writes are fragmented, and record_size_limit is honoured', () => {
  const { c, s } = pair({ recordSizeLimit: 256 }, {});
  assertConnected(c, s);
  const big = new Uint8Array(100_000).map((_, i) => i & 0xff);
  s.conn.write(big);
  const records = s.conn.takeOutput();
  for (const r of records) assert.ok(r.length - 5 <= 256 + 16, `record of ${r.length - 5} bytes exceeds the limit`);
  for (const r of records) c.conn.receive(r);
  assert.ok(equalBytes(concat(...c.received), big));
});

test('writev: small chunks share full-size records; records of one write are contiguous views', () => {
  const { c, s } = pair();
  assertConnected(c, s);
  const chunks = [new Uint8Array(0), ...Array.from({ length: 50 }, (_, i) => new Uint8Array(1000 + i).fill(i)), new Uint8Array(0)];
  const total = chunks.reduce((n, x) => n + x.length, 0);
  s.conn.writev(chunks);
  const records = s.conn.takeOutput();
  assert.equal(records.length, Math.ceil(total / (1 << 14)), 'full records, not one per chunk');
  for (let i = 1; i < records.length; i++) {
    const prev = records[i - 1]!;
    assert.equal(records[i]!.buffer, prev.buffer);
    assert.equal(records[i]!.byteOffset, prev.byteOffset + prev.byteLength);
  }
  for (const r of records) c.conn.receive(r);
  assert.ok(equalBytes(concat(...c.received), concat(...chunks)));
  // an empty writev sends one empty record, which the peer accepts
  s.conn.writev([]);
  const [empty] = s.conn.takeOutput();
  assert.ok(empty !== undefined);
  assert.equal(empty.length, 5 + 1 + 16);
  c.conn.receive(empty);
  assert.equal(c.errors.length, 0);
});

test('allocateOutput: record buffers may start as garbage; every output byte is a record byte', () => {
  const { c, s } = pair();
  const sizes: number[] = [];
  s.conn.allocateOutput = (n) => {
    sizes.push(n);
    return new Uint8Array(n).fill(0xaa);
  };
  const data = new Uint8Array(100_000).map((_, i) => i & 0x7f);
  s.conn.write(data);
  const out = s.conn.takeOutput();
  const bytes = out.reduce((n, r) => n + r.length, 0);
  assert.equal(bytes, sizes.reduce((n, x) => n + x, 0), 'the buffers are exactly filled by records');
  for (const r of out) c.conn.receive(r);
  assert.equal(c.errors.length, 0);
  assert.ok(equalBytes(concat(...c.received), data));
});

test('a large write: records spanning the chunks the peer receives, every record intact', () => {
  const { c, s } = pair();
  const big = new Uint8Array(5 * 1024 * 1024 + 3).map((_, i) => (i * 7) & 0xff);
  s.conn.write(big);
  const wire = concat(...s.conn.takeOutput());
  // deliver in odd-sized chunks so most records span two or more chunks
  for (let at = 0; at < wire.length; at += 65_536 + 13) c.conn.receive(wire.subarray(at, at + 65_536 + 13));
  assert.equal(c.errors.length, 0);
  assert.ok(equalBytes(concat(...c.received), big));
});

test('KeyUpdate with update_requested rotates both directions', () => {
  const { c, s } = pair();
  c.conn.keyUpdate(true);
  pump(c, s);
  c.conn.write(utf8('one'));
  s.conn.write(utf8('two'));
  pump(c, s);
  assertConnected(c, s);
  assert.deepEqual(s.received, [utf8('one')]);
  assert.deepEqual(c.received, [utf8('two')]);
  assert.ok(types(s.messages, 'sent').includes(HandshakeType.key_update), 'server answered with its own KeyUpdate');
});

test('exporters agree; Finished values are recorded', () => {
  const { c, s } = pair();
  const a = c.conn.exportKeyingMaterial(32, 'EXPORTER-test', utf8('ctx'));
  const b = s.conn.exportKeyingMaterial(32, 'EXPORTER-test', utf8('ctx'));
  assert.ok(equalBytes(a, b));
  assert.ok(c.conn.negotiated.clientFinished !== undefined && equalBytes(c.conn.negotiated.clientFinished, s.conn.negotiated.clientFinished!));
});

test('close_notify half-close: the other side can still write', () => {
  const { c, s } = pair();
  c.conn.end();
  pump(c, s);
  assert.equal(s.ended, true);
  s.conn.write(utf8('still here'));
  s.conn.end();
  pump(c, s);
  assert.deepEqual(c.received, [utf8('still here')]);
  assert.equal(c.ended, true);
});

test('a wrong host name fails verification with the node code and a bad_certificate alert', () => {
  const { c, s } = pair({ serverName: 'wrong.example' });
  assert.equal(c.errors[0]?.code, 'ERR_TLS_CERT_ALTNAME_INVALID');
  assert.equal(s.errors[0]?.alert, 'bad_certificate');
});

test('an untrusted root fails verification (unknown_ca)', () => {
  const other = generateTestPki(provider, { keyKinds: ['p256'] });
  const { c, s } = pair({ verifier: createDefaultVerifier({ provider, trustAnchors: [other.root.certDer] }) });
  assert.equal(c.errors[0]?.alert, 'unknown_ca');
  assert.equal(s.errors[0]?.code, 'ERR_TLS_ALERT_RECEIVED');
});

test('verifier null: no verification, handshake completes', () => {
  const other = generateTestPki(provider, { keyKinds: ['p256'] });
  const { c, s } = pair({ verifier: null }, { certificates: [{ chain: [other.leaves.p256!.certDer], key: other.leaves.p256!.key, names: [] }] });
  assertConnected(c, s);
  assert.equal(c.conn.negotiated.peerVerified, false);
});

test('a flipped bit in a protected record → bad_record_mac', () => {
  const { c, s } = pair();
  c.conn.write(utf8('hello'));
  const [record] = c.conn.takeOutput();
  assert.ok(record !== undefined);
  const bad = record.slice();
  bad[bad.length - 1] = (bad[bad.length - 1] as number) ^ 1;
  s.conn.receive(bad);
  assert.equal(s.errors[0]?.code, 'ERR_TLS_BAD_RECORD_MAC');
});

test('a tampered ServerHello: the transcripts diverge, so the client cannot open the server flight (bad_record_mac)', () => {
  // Flip a bit in the ServerHello random: the transcripts diverge, so the first encrypted record
  // fails to decrypt at the client (bad_record_mac) — the handshake keys depend on the transcript.
  let flipped = false;
  const c = side((events) => new Connection(clientConfig({ provider, verifier, serverName: 'localhost' }), events));
  const s = side((events) => new Connection(serverConfig({ provider, certificates: [certified('p256')] }), events));
  c.conn.start();
  pump(c, s, (bytes, from) => {
    if (from !== 'server' || flipped) return bytes;
    flipped = true;
    const copy = bytes.slice();
    const at = 5 + 4 + 2 + 31; // last byte of ServerHello.random
    copy[at] = (copy[at] as number) ^ 1;
    return copy;
  });
  assert.equal(c.errors[0]?.code, 'ERR_TLS_BAD_RECORD_MAC');
});

test('unexpected messages: a Finished before the ClientHello → unexpected_message', () => {
  const s = side((events) => new Connection(serverConfig({ provider, certificates: [certified('p256')] }), events));
  // handshake record carrying Finished(32 zero bytes)
  const body = new Uint8Array(32);
  const msg = concat(Uint8Array.of(HandshakeType.finished, 0, 0, 32), body);
  s.conn.receive(concat(Uint8Array.of(22, 3, 1, 0, msg.length), msg));
  assert.equal(s.errors[0]?.code, 'ERR_TLS_UNEXPECTED_MESSAGE');
  const out = s.conn.takeOutput();
  assert.deepEqual([...(out[0] ?? [])], [21, 3, 3, 0, 2, 2, 10], 'fatal unexpected_message alert sent');
});

test('application data before the handshake → unexpected_message', () => {
  const s = side((events) => new Connection(serverConfig({ provider, certificates: [certified('p256')] }), events));
  s.conn.receive(Uint8Array.of(23, 3, 3, 0, 1, 0));
  assert.equal(s.errors[0]?.code, 'ERR_TLS_UNEXPECTED_MESSAGE');
});

test('garbage never throws out of receive()', () => {
  for (let i = 0; i < 200; i++) {
    const s = side((events) => new Connection(serverConfig({ provider, certificates: [certified('p256')] }), events));
    const junk = provider.randomBytes(1 + (i % 64));
    junk[0] = [20, 21, 22, 23, 99][i % 5] as number;
    assert.doesNotThrow(() => s.conn.receive(junk));
  }
});
