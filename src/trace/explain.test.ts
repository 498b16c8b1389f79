import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Connection } from '../connection/connection.js';
import { clientConfig, serverConfig } from '../handshake/config.js';
import { nodeCryptoProvider } from '../crypto/node-provider.js';
import { generateCertificate } from '../x509/generate.js';
import { createDefaultVerifier } from '../x509/verify.js';
import { HandshakeType, NamedGroup, CipherSuite, ContentType, ProtocolVersion } from '../registry/codepoints.js';
import { AlertDescription, AlertLevel } from '../registry/alerts.js';
import { TraceRecorder, type TraceEntry, type TraceHandshake } from './events.js';
import { explainAlert, explainHandshake, explainRecord, keyScheduleSteps, messageName, protectionLabel } from './explain.js';
import { rfcFieldName, traceJson } from './json.js';
import { HELLO_RETRY_REQUEST_RANDOM } from '../messages/server-hello.js';

const p = nodeCryptoProvider;
const ca = generateCertificate({ subject: { CN: 'Trace Test CA' }, isCA: true }, p);
const leaf = generateCertificate({ subject: { CN: 'localhost' }, issuer: ca, dnsNames: ['localhost'] }, p);

/** A full in-memory handshake; returns the client's trace and the key log lines. */
function handshake(serverGroups: readonly number[] = [NamedGroup.x25519]): { entries: TraceEntry[]; keylog: string[] } {
  const rec = new TraceRecorder('client');
  const keylog: string[] = [];
  const c = new Connection(
    // a TLS 1.3-only client, so the ClientHello lists exactly the TLS 1.3 suites (TLS 1.2 traces: below)
    clientConfig({ provider: p, serverName: 'localhost', alpnProtocols: ['h2', 'http/1.1'], minVersion: ProtocolVersion.TLS1_3, verifier: createDefaultVerifier({ provider: p, trustAnchors: [ca.certDer] }) }),
    { ...rec.events(), keylog: (l) => keylog.push(l) },
  );
  const s = new Connection(
    serverConfig({ provider: p, certificates: [{ chain: [leaf.certDer], key: leaf.key, names: ['localhost'] }], groups: serverGroups, alpnProtocols: ['http/1.1'] }),
  );
  c.start();
  s.start();
  for (let i = 0; i < 8; i++) {
    for (const b of c.takeOutput()) s.receive(b);
    for (const b of s.takeOutput()) c.receive(b);
  }
  assert.equal(c.isSecure, true, String(c.error));
  c.write(new TextEncoder().encode('ping'));
  c.end();
  for (const b of c.takeOutput()) s.receive(b);
  return { entries: rec.entries, keylog };
}

const handshakes = (entries: readonly TraceEntry[]): TraceHandshake[] => entries.filter((e): e is TraceHandshake => e.kind === 'handshake');

describe('explainHandshake', () => {
  const { entries } = handshake();
  const msgs = handshakes(entries);
  const byName = (name: string): TraceHandshake => {
    const m = msgs.find((e) => messageName(e.type, e.message) === name);
    assert.ok(m, `no ${name} in the trace`);
    return m;
  };

  it('names the messages as the RFC does, in order', () => {
    assert.deepEqual(
      msgs.map((m) => `${m.from}:${messageName(m.type, m.message)}`),
      ['client:ClientHello', 'server:ServerHello', 'server:EncryptedExtensions', 'server:Certificate', 'server:CertificateVerify', 'server:Finished', 'client:Finished'],
    );
  });

  it('ClientHello: suites, groups, key shares, SNI, ALPN, versions', () => {
    const e = explainHandshake(byName('ClientHello'));
    assert.match(e.summary, /supported_versions: TLS 1\.3/);
    assert.match(e.summary, /cipher_suites\(3\): TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256/);
    assert.match(e.summary, /supported_groups: X25519MLKEM768, x25519, secp256r1, secp384r1/);
    assert.match(e.summary, /key_share: X25519MLKEM768, x25519/);
    assert.match(e.summary, /server_name: localhost/);
    assert.match(e.summary, /ALPN: h2, http\/1\.1/);
    assert.match(e.sentence, /key shares for X25519MLKEM768 and x25519/);
  });

  it('ServerHello: suite, group, version, and why encryption starts', () => {
    const e = explainHandshake(byName('ServerHello'));
    assert.equal(e.summary, 'cipher_suite: TLS_AES_128_GCM_SHA256; key_share: x25519 (32 bytes); selected_version: TLS 1.3');
    assert.match(e.sentence, /picks TLS 1\.3, AES-128-GCM with SHA-256 and x25519/);
    assert.match(e.sentence, /handshake secret, so everything after this is encrypted/);
  });

  it('EncryptedExtensions: ALPN, record_size_limit, server_name ack', () => {
    const e = explainHandshake(byName('EncryptedExtensions'));
    assert.equal(e.summary, 'ALPN: http/1.1; record_size_limit: (none); server_name: acknowledged');
  });

  it('Certificate: subject and issuer of each certificate', () => {
    const e = explainHandshake(byName('Certificate'));
    assert.equal(e.summary, '[0] CN=localhost ← issuer CN=Trace Test CA');
  });

  it('CertificateVerify: scheme; Finished: verify_data length', () => {
    assert.match(explainHandshake(byName('CertificateVerify')).summary, /^algorithm: ecdsa_secp256r1_sha256; signature: \d+ bytes$/);
    const fins = msgs.filter((m) => m.type === HandshakeType.finished);
    assert.equal(explainHandshake(fins[0]!).summary, 'verify_data: 32 bytes');
    assert.match(explainHandshake(fins[0]!).sentence, /^The server's Finished/);
    assert.match(explainHandshake(fins[1]!).sentence, /^The client's Finished/);
  });

  it('HelloRetryRequest, the second ClientHello, KeyUpdate, NewSessionTicket', () => {
    const { entries: hrrEntries } = handshake([NamedGroup.secp384r1]);
    const hm = handshakes(hrrEntries);
    assert.deepEqual(hm.slice(0, 4).map((m) => messageName(m.type, m.message)), ['ClientHello', 'HelloRetryRequest', 'ClientHello', 'ServerHello']);
    const hrr = explainHandshake(hm[1]!);
    assert.match(hrr.summary, /selected_group: secp384r1/);
    assert.match(hrr.sentence, /retry with a key share for secp384r1/);
    assert.match(explainHandshake(hm[2]!, { afterHelloRetryRequest: true }).sentence, /tries again with a key share for secp384r1/);

    const ku = explainHandshake({ type: HandshakeType.key_update, message: { requestUpdate: 1 }, from: 'client', raw: new Uint8Array(5) });
    assert.equal(ku.name, 'KeyUpdate');
    assert.equal(ku.summary, 'request_update: update_requested');
    const nst = explainHandshake({
      type: HandshakeType.new_session_ticket,
      message: { ticketLifetime: 7200, ticketAgeAdd: 1, ticketNonce: new Uint8Array(1), ticket: new Uint8Array(48), extensions: [] },
      from: 'server',
      raw: new Uint8Array(60),
    });
    assert.equal(nst.summary, 'ticket_lifetime: 7200 s; ticket: 48 bytes');
    assert.equal(messageName(HandshakeType.server_hello, { random: HELLO_RETRY_REQUEST_RANDOM }), 'HelloRetryRequest');
  });

  it('never throws on a malformed struct', () => {
    const e = explainHandshake({ type: HandshakeType.client_hello, message: { nonsense: true }, from: 'client', raw: new Uint8Array(4) });
    assert.equal(e.name, 'ClientHello');
  });
});

describe('records, alerts, protection', () => {
  it('explains change_cipher_spec and application data', () => {
    const ccs = explainRecord({ contentType: ContentType.change_cipher_spec, innerType: ContentType.change_cipher_spec, length: 1, protection: 'plaintext', from: 'client' });
    assert.equal(ccs.name, 'ChangeCipherSpec');
    assert.match(ccs.sentence, /middlebox compatibility/);
    const app = explainRecord({ contentType: ContentType.application_data, innerType: ContentType.application_data, length: 21, protection: 'application', from: 'server' });
    assert.match(app.sentence, /^4 bytes of application data from the server/);
  });
  it('explains alerts', () => {
    const a = explainAlert({ level: AlertLevel.fatal, description: AlertDescription.unknown_ca, from: 'client' });
    assert.equal(a.name, 'Alert unknown_ca');
    assert.equal(a.summary, 'level: fatal; description: unknown_ca (48)');
    assert.match(a.sentence, /does not lead to a CA it trusts/);
  });
  it('labels protection levels', () => {
    assert.equal(protectionLabel('plaintext'), '[plaintext]');
    assert.equal(protectionLabel('handshake'), '[handshake keys]');
    assert.equal(protectionLabel('application'), '[application keys]');
  });
});

describe('keyScheduleSteps', () => {
  it('walks early → handshake → traffic → master → application secrets with their transcripts', () => {
    const steps = keyScheduleSteps({ cipherSuite: CipherSuite.TLS_AES_256_GCM_SHA384, group: NamedGroup.x25519 });
    assert.deepEqual(steps.map((s) => s.secret), [
      'early_secret',
      'handshake_secret',
      'client_handshake_traffic_secret',
      'server_handshake_traffic_secret',
      'master_secret',
      'client_application_traffic_secret_0',
      'server_application_traffic_secret_0',
      'exporter_master_secret',
      'resumption_master_secret',
    ]);
    assert.match(steps[0]!.derivation, /48 zero bytes/);
    assert.match(steps[1]!.derivation, /x25519 shared secret/);
    assert.equal(steps[2]!.transcript, 'ClientHello…ServerHello');
    assert.equal(steps[5]!.transcript, 'ClientHello … server Finished');
    assert.equal(steps[8]!.transcript, 'ClientHello … client Finished');
    const hrr = keyScheduleSteps({ helloRetryRequest: true });
    assert.match(hrr[2]!.transcript, /^message_hash\(ClientHello1\), HelloRetryRequest, ClientHello2, ServerHello$/);
  });
});

describe('JSON trace', () => {
  it('has RFC field names, named code points, raw hex, and no secrets', () => {
    const { entries, keylog } = handshake();
    const json = traceJson(entries);
    const text = JSON.stringify(json);
    const ch = json[0] as { name: string; raw: string; fields: { cipher_suites: { name: string }[]; legacy_session_id: string; extensions: unknown[] } };
    assert.equal(ch.name, 'ClientHello');
    assert.equal(ch.fields.cipher_suites[0]?.name, 'TLS_AES_128_GCM_SHA256');
    assert.match(ch.raw, /^01[0-9a-f]{6}0303/);
    assert.ok(ch.fields.extensions.length > 5);
    assert.equal(rfcFieldName('legacySessionIdEcho'), 'legacy_session_id_echo');
    assert.ok(keylog.length >= 5);
    for (const line of keylog) {
      const secret = line.split(' ')[2]!;
      assert.ok(!text.includes(secret), 'a secret leaked into the JSON trace');
    }
    JSON.parse(text);
  });
});
