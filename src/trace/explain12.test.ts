// TLS 1.2 wording in the trace: the ServerHello (no key share, EMS, downgrade sentinel), the
// ChangeCipherSpec and the application_data records (explicit nonce/tag, no inner content type).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CipherSuite, ContentType, ExtensionType, HandshakeType, ProtocolVersion } from '../registry/codepoints.js';
import { DOWNGRADE_TLS12, type ServerHello } from '../messages/server-hello.js';
import { TraceRecorder, type TraceRecord } from './events.js';
import { explainHandshake, explainRecord, serverHelloVersion } from './explain.js';

const EMPTY = new Uint8Array(0);

function sh12(sentinel: boolean): ServerHello {
  const random = new Uint8Array(32).fill(7);
  if (sentinel) random.set(DOWNGRADE_TLS12, 24);
  return {
    legacyVersion: ProtocolVersion.TLS1_2,
    random,
    legacySessionIdEcho: EMPTY,
    cipherSuite: CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    legacyCompressionMethod: 0,
    extensions: [
      { type: ExtensionType.renegotiation_info, data: Uint8Array.of(0) },
      { type: ExtensionType.extended_master_secret, data: EMPTY },
    ],
  };
}

describe('TLS 1.2 explanations', () => {
  it('a TLS 1.2 ServerHello: version, suite, EMS, no key_share field, the downgrade sentinel', () => {
    const e = explainHandshake({ type: HandshakeType.server_hello, message: sh12(true), from: 'server', raw: new Uint8Array(4) });
    assert.equal(e.name, 'ServerHello');
    assert.ok(!e.summary.includes('key_share'), e.summary);
    assert.match(e.summary, /server_version: TLS 1\.2; cipher_suite: TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256; extended_master_secret: yes/);
    assert.match(e.sentence, /picks TLS 1\.2/);
    assert.match(e.sentence, /ServerKeyExchange/);
    assert.match(e.sentence, /downgrade sentinel/);
    const plain = explainHandshake({ type: HandshakeType.server_hello, message: sh12(false), from: 'server', raw: new Uint8Array(4) });
    assert.ok(!plain.sentence.includes('downgrade'));
    assert.equal(serverHelloVersion(sh12(false)), ProtocolVersion.TLS1_2);
  });

  it('TLS 1.2 records: application_data overhead per AEAD, and the ChangeCipherSpec of TLS 1.2 only', () => {
    const base = { contentType: ContentType.application_data, innerType: ContentType.application_data, protection: 'application', from: 'server', version: ProtocolVersion.TLS1_2 } as const;
    const gcm = explainRecord({ ...base, length: 30, cipherSuite: CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 });
    assert.match(gcm.sentence, /^6 bytes of application data from the server/);
    assert.match(gcm.sentence, /8-byte explicit nonce/);
    assert.ok(!gcm.sentence.includes('inner content type'));
    const chacha = explainRecord({ ...base, length: 30, cipherSuite: CipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 });
    assert.match(chacha.sentence, /^14 bytes of application data/);
    // a CBC suite: IV, HMAC-SHA1 and padding, so only an upper bound (RFC 5246 §6.2.3.2)
    const cbc = explainRecord({ ...base, length: 64, cipherSuite: CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA });
    assert.match(cbc.sentence, /^up to 27 bytes of application data/);
    assert.match(cbc.sentence, /20-byte HMAC/);
    const ccs = { contentType: ContentType.change_cipher_spec, innerType: ContentType.change_cipher_spec, length: 1, protection: 'plaintext', from: 'client' } as const;
    assert.ok(!explainRecord({ ...ccs, version: ProtocolVersion.TLS1_2 }).sentence.includes('middlebox'));
    assert.match(explainRecord({ ...ccs, version: ProtocolVersion.TLS1_3 }).sentence, /middlebox/);
    // TLS 1.3 wording is unchanged
    const tls13 = explainRecord({ ...base, version: ProtocolVersion.TLS1_3, length: 21 });
    assert.match(tls13.sentence, /^4 bytes .* 1-byte inner content type/);
  });

  it('the recorder stamps records with the version and suite of the ServerHello', () => {
    const rec = new TraceRecorder('client');
    const ev = rec.events();
    ev.record({ direction: 'sent', contentType: ContentType.handshake, innerType: ContentType.handshake, length: 100, protection: 'plaintext' });
    ev.handshakeMessage({ direction: 'received', type: HandshakeType.server_hello, message: sh12(false), raw: new Uint8Array(4), protection: 'plaintext' });
    ev.record({ direction: 'received', contentType: ContentType.application_data, innerType: ContentType.application_data, length: 40, protection: 'application' });
    const records = rec.entries.filter((e): e is TraceRecord => e.kind === 'record');
    assert.equal(records[0]!.version, undefined);
    assert.equal(records[1]!.version, ProtocolVersion.TLS1_2);
    assert.equal(records[1]!.cipherSuite, CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256);
  });
});
