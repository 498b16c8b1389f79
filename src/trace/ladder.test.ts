import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Connection } from '../connection/connection.js';
import { clientConfig, serverConfig } from '../handshake/config.js';
import { nodeCryptoProvider } from '../crypto/node-provider.js';
import { generateCertificate } from '../x509/generate.js';
import { NamedGroup, CipherSuite, HandshakeType, SignatureScheme } from '../registry/codepoints.js';
import { TraceRecorder, type TraceEntry } from './events.js';
import { LadderRenderer, renderKeySchedule, renderLadder, renderNegotiated, stripAnsi, summarizeNegotiated, wrap } from './ladder.js';

const p = nodeCryptoProvider;
const cert = generateCertificate({ subject: { CN: 'localhost' }, dnsNames: ['localhost'] }, p);

function run(serverGroups: readonly number[]): { entries: TraceEntry[]; client: Connection; keylog: string[] } {
  const rec = new TraceRecorder('client');
  const keylog: string[] = [];
  const client = new Connection(clientConfig({ provider: p, serverName: 'localhost', verifier: null }), { ...rec.events(), keylog: (l) => keylog.push(l) });
  const server = new Connection(serverConfig({ provider: p, certificates: [{ chain: [cert.certDer], key: cert.key, names: ['localhost'] }], groups: serverGroups }));
  client.start();
  server.start();
  for (let i = 0; i < 8; i++) {
    for (const b of client.takeOutput()) server.receive(b);
    for (const b of server.takeOutput()) client.receive(b);
  }
  assert.equal(client.isSecure, true);
  client.write(new TextEncoder().encode('hello'));
  client.end();
  for (const b of client.takeOutput()) server.receive(b);
  for (const b of server.takeOutput()) client.receive(b);
  return { entries: rec.entries, client, keylog };
}

describe('renderLadder (plain)', () => {
  const { entries, keylog } = run([NamedGroup.x25519]);
  const out = renderLadder(entries);

  it('has no ANSI escapes unless asked', () => {
    assert.equal(out.includes('\u001b['), false);
    assert.ok(renderLadder(entries, { color: true }).includes('\u001b['));
    assert.equal(stripAnsi(renderLadder(entries, { color: true })), out);
  });

  it('draws client → server and server ← client arrows with the protection level', () => {
    const lines = out.split('\n');
    assert.match(lines[0]!, /^ {2}client +server$/);
    assert.ok(lines.some((l) => /^ {2}ClientHello ─+→ {2}\[plaintext\]$/.test(l)));
    assert.ok(lines.some((l) => /^ {2}←─+ ServerHello {2}\[plaintext\]$/.test(l)));
    assert.ok(lines.some((l) => /^ {2}←─+ EncryptedExtensions {2}\[handshake keys\]$/.test(l)));
    assert.ok(lines.some((l) => /^ {2}Finished ─+→ {2}\[handshake keys\]$/.test(l)));
    assert.ok(lines.some((l) => /^ {2}application_data ─+→ {2}\[application keys\]$/.test(l)));
    assert.ok(lines.some((l) => /^ {2}Alert close_notify ─+→$/.test(l)));
    // every arrow ends at the same column
    const arrows = lines.filter((l) => l.includes('─→') || l.includes('←─'));
    const ends = new Set(arrows.map((l) => l.replace(/ {2}\[.*\]$/, '').length));
    assert.equal(ends.size, 1);
  });

  it('puts the key fields and the sentence under each message', () => {
    const lines = out.split('\n');
    const i = lines.findIndex((l) => l.includes('ServerHello'));
    assert.match(lines[i + 1]!, /^ {6}cipher_suite: TLS_AES_128_GCM_SHA256; key_share: x25519 \(32 bytes\); selected_version: TLS 1\.3$/);
    assert.match(lines.slice(i + 2, i + 5).join(' '), /The server picks TLS 1\.3/);
    assert.match(out, /· key schedule: handshake_secret/);
  });

  it('never prints a secret', () => {
    for (const line of keylog) assert.equal(out.includes(line.split(' ')[2]!), false);
  });

  it('brief mode leaves out the sentences', () => {
    assert.equal(renderLadder(entries, { brief: true }).includes('The server picks'), false);
  });

  it('renders entry by entry like the whole ladder', () => {
    const r = new LadderRenderer();
    assert.equal(r.header() + entries.map((e) => r.entry(e)).join(''), out);
  });
});

describe('HelloRetryRequest in the ladder', () => {
  it('shows the HRR and the second ClientHello', () => {
    const { entries, client } = run([NamedGroup.secp256r1]);
    const out = renderLadder(entries);
    assert.match(out, /←─+ HelloRetryRequest {2}\[plaintext\]/);
    assert.match(out, /selected_group: secp256r1/);
    assert.match(out, /tries again with a key share for secp256r1/);
    assert.match(out.replace(/\n\s+/g, ' '), /transcript message_hash\(ClientHello1\), HelloRetryRequest, ClientHello2, ServerHello/);
    const neg = renderNegotiated(summarizeNegotiated(client.negotiated, 'client'), {}, entries);
    assert.match(neg, /HelloRetryRequest +yes/);
    assert.match(neg, /group +secp256r1/);
  });
});

describe('renderNegotiated and renderKeySchedule', () => {
  it('lists the parameters', () => {
    const out = renderNegotiated({
      version: 0x0304,
      cipherSuite: CipherSuite.TLS_CHACHA20_POLY1305_SHA256,
      group: NamedGroup.X25519MLKEM768,
      signatureScheme: SignatureScheme.ed25519,
      alpn: 'h2',
      serverName: 'example.org',
      certificates: [cert.certDer],
      helloRetryRequest: false,
      peerRecordSizeLimit: 4096,
    });
    assert.equal(
      out,
      [
        'Negotiated parameters',
        '  version            TLS 1.3',
        '  cipher suite       TLS_CHACHA20_POLY1305_SHA256',
        '  group              X25519MLKEM768',
        '  signature scheme   ed25519',
        '  ALPN               h2',
        '  SNI                example.org',
        '  certificate        CN=localhost (issuer CN=localhost; chain of 1)',
        '  HelloRetryRequest  no',
        '  record sizes       record_size_limit 4096 (at most 4095 bytes of plaintext per record sent)',
        '',
      ].join('\n'),
    );
  });
  it('explains the key schedule without values', () => {
    const out = renderKeySchedule({ cipherSuite: CipherSuite.TLS_AES_128_GCM_SHA256, group: NamedGroup.x25519 });
    assert.match(out, /^Key schedule \(RFC 8446 §7\.1\)/);
    assert.match(out, / 3\. client_handshake_traffic_secret = Derive-Secret\(handshake_secret, "c hs traffic", transcript\)\n {6}transcript: ClientHello…ServerHello/);
    assert.match(out.replace(/\n\s+/g, ' '), /key log: CLIENT_TRAFFIC_SECRET_0/);
  });
  it('wraps text', () => {
    assert.deepEqual(wrap('aaa bbb ccc ddd', 9, '  '), ['  aaa bbb', '  ccc ddd']);
  });
  it('knows the handshake types it draws', () => {
    assert.equal(HandshakeType.finished, 20);
  });
});
