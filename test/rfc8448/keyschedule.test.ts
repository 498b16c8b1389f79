/**
 * RFC 8448 (Example Handshake Traces for TLS 1.3), byte-exact: every secret, traffic key/IV,
 * finished key/verify_data, transcript hash, binder and resumption value of §3 (simple 1-RTT),
 * §4 (resumed 0-RTT with PSK binder and early data) and §5 (HelloRetryRequest), recomputed from
 * the RFC's private keys and handshake messages with tlskit's key schedule.
 * Vectors: test/vectors/rfc8448-*.json (scripts/extract-rfc8448.mjs).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromHex, toHex } from '../../src/wire/bytes.js';
import { encodeHkdfLabel, hkdf, Label } from '../../src/keyschedule/hkdf.js';
import { KeyLogLabel, keyLogLine } from '../../src/keyschedule/keylog.js';
import { tls13Suite, type Tls13Suite } from '../../src/keyschedule/suites.js';
import {
  EarlySecrets,
  finishedKey,
  finishedVerifyData,
  resumptionPsk,
  trafficKeys,
  verifyFinished,
  type HandshakeSecrets,
  type MasterSecrets,
} from '../../src/keyschedule/tls13.js';
import { Transcript } from '../../src/keyschedule/transcript.js';
import { handshakeMessages, loadVectors, p256, provider, x25519Exchange, type Rfc8448Vectors } from './support.js';

const HRR_RANDOM = 'cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c'; // RFC 8446 §4.1.3

/** ServerHello.cipher_suite (RFC 8446 §4.1.3). */
function serverHelloSuite(raw: Uint8Array): Tls13Suite {
  const sidLen = raw[4 + 2 + 32]!;
  const at = 4 + 2 + 32 + 1 + sidLen;
  const suite = tls13Suite((raw[at]! << 8) | raw[at + 1]!);
  assert.ok(suite, 'ServerHello.cipher_suite is a TLS 1.3 suite');
  return suite;
}

/**
 * Replays the handshake of a section through the key schedule and returns every value it computes,
 * under the names used in the vectors' `values`.
 */
function replay(v: Rfc8448Vectors, shared: Uint8Array, psk: Uint8Array | null): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  const put = (name: string, value: Uint8Array): void => {
    // A name the extractor gave a #2 suffix is the later occurrence (e.g. the ServerHello after an HRR).
    out.set(out.has(name) && !name.endsWith('#2') ? `${name} #2` : name, value);
  };
  const messages = handshakeMessages(v);
  const firstSuite = serverHelloSuite(messages.find((m) => m.type === 2)!.raw);
  // The client learns the hash from the ServerHello; with a PSK it is known up front (the ticket's suite).
  const transcript = new Transcript(provider, psk === null ? undefined : firstSuite.hash);
  let suite: Tls13Suite | undefined;
  let early: EarlySecrets | undefined;
  let hs: HandshakeSecrets | undefined;
  let ms: MasterSecrets | undefined;
  let chts: Uint8Array | undefined;
  let shts: Uint8Array | undefined;
  const keys = (owner: string, epoch: string, s: Tls13Suite, secret: Uint8Array): void => {
    const k = trafficKeys(provider, s, secret);
    put(`${owner} ${epoch} write key`, k.key);
    put(`${owner} ${epoch} write iv`, k.iv);
  };

  for (const m of messages) {
    switch (m.type) {
      case 1: {
        // ClientHello
        if (psk !== null && transcript.messageCount === 0) {
          // RFC 8446 §4.2.11.2: binder over the ClientHello truncated before the binders list
          // (one binder here: 2-byte list length + 1-byte length + Hash.length).
          const s = firstSuite;
          const truncated = m.raw.subarray(0, m.raw.length - (2 + 1 + s.hashLength));
          put('client ClientHello prefix (truncated for binder)', truncated);
          early = EarlySecrets.create(provider, s, psk);
          put('early secret', early.earlySecret);
          const binderHash = transcript.hashWith(truncated);
          put('binder transcript hash', binderHash);
          const binderKey = early.binderKey('resumption');
          put('binder key', binderKey);
          put('binder finished key', finishedKey(provider, s, binderKey));
          const binder = finishedVerifyData(provider, s, binderKey, binderHash);
          put('PSK binder', binder);
          assert.equal(toHex(m.raw.subarray(m.raw.length - s.hashLength)), toHex(binder), 'binder in the ClientHello');
          transcript.add(m.raw);
          const chHash = transcript.hash();
          put('transcript hash through ClientHello', chHash);
          const cets = early.clientEarlyTrafficSecret(chHash);
          put('client early traffic secret', cets);
          put('early exporter master secret', early.earlyExporterMasterSecret(chHash));
          keys('client', 'early', s, cets);
        } else {
          transcript.add(m.raw);
        }
        break;
      }
      case 2: {
        // ServerHello or HelloRetryRequest
        suite = serverHelloSuite(m.raw);
        transcript.setHash(suite.hash);
        if (toHex(m.raw.subarray(6, 38)) === HRR_RANDOM) {
          // RFC 8446 §4.4.1: ClientHello1 becomes message_hash before the HRR is added.
          transcript.replaceWithMessageHash();
          transcript.add(m.raw);
          break;
        }
        transcript.add(m.raw);
        const helloHash = transcript.hash();
        put('transcript hash through ServerHello', helloHash);
        if (early === undefined) {
          early = EarlySecrets.create(provider, suite, psk);
          put('early secret', early.earlySecret);
        }
        const h = hkdf(provider, suite.hash);
        put('empty transcript hash', h.emptyHash);
        put('derived secret for handshake', h.deriveSecret(early.earlySecret, Label.derived, h.emptyHash));
        hs = early.handshake(shared);
        put('handshake secret', hs.handshakeSecret);
        chts = hs.clientHandshakeTrafficSecret(helloHash);
        shts = hs.serverHandshakeTrafficSecret(helloHash);
        put('client handshake traffic secret', chts);
        put('server handshake traffic secret', shts);
        keys('client', 'handshake', suite, chts);
        keys('server', 'handshake', suite, shts);
        put('derived secret for master', h.deriveSecret(hs.handshakeSecret, Label.derived, h.emptyHash));
        ms = hs.master();
        put('master secret', ms.masterSecret);
        break;
      }
      case 20: {
        // Finished (RFC 8446 §4.4.4): over the transcript before this message
        assert.ok(suite && ms && chts && shts, 'Finished after ServerHello');
        const base = m.sender === 'server' ? shts : chts;
        const before = transcript.hash();
        const vd = finishedVerifyData(provider, suite, base, before);
        put(`${m.sender} finished key`, finishedKey(provider, suite, base));
        put(`${m.sender} finished verify_data`, vd);
        assert.equal(toHex(m.raw), '14000020' + toHex(vd), `${m.sender} Finished message`);
        assert.equal(verifyFinished(provider, suite, base, before, m.raw.subarray(4)), true);
        transcript.add(m.raw);
        const after = transcript.hash();
        if (m.sender === 'server') {
          put('transcript hash through server Finished', after);
          const cats = ms.clientApplicationTrafficSecret0(after);
          const sats = ms.serverApplicationTrafficSecret0(after);
          put('client application traffic secret 0', cats);
          put('server application traffic secret 0', sats);
          put('exporter master secret', ms.exporterMasterSecret(after));
          keys('client', 'application', suite, cats);
          keys('server', 'application', suite, sats);
        } else {
          put('transcript hash through client Finished', after);
          put('resumption master secret', ms.resumptionMasterSecret(after));
        }
        break;
      }
      case 4: {
        // NewSessionTicket (post-handshake, not in the transcript): RFC 8446 §4.6.1
        assert.ok(suite, 'NewSessionTicket after ServerHello');
        const nonceLen = m.raw[4 + 8]!;
        const nonce = m.raw.subarray(4 + 9, 4 + 9 + nonceLen);
        put('ticket nonce', nonce);
        put('resumption PSK', resumptionPsk(provider, suite, out.get('resumption master secret')!, nonce));
        break;
      }
      default:
        // EncryptedExtensions, Certificate, CertificateVerify, EndOfEarlyData
        transcript.add(m.raw);
    }
  }
  return out;
}

/** Inputs (not computed by the key schedule): key pairs, handshake messages, the PSK. */
const isInput = (name: string): boolean =>
  /(private|public) key$/.test(name) ||
  /^(client|server) [A-Z][A-Za-z]+( #\d+)?$/.test(name) ||
  name === 'early secret IKM (PSK or zeros)' ||
  name === '(EC)DHE shared secret';

function checkAll(v: Rfc8448Vectors, computed: Map<string, Uint8Array>): number {
  for (const [name, value] of computed) {
    const expected = v.values[name];
    assert.ok(expected !== undefined, `computed "${name}" is not in the RFC 8448 §${v.section} vectors`);
    assert.equal(toHex(value), expected, `§${v.section} ${name}`);
  }
  const missing = Object.keys(v.values).filter((n) => !isInput(n) && !computed.has(n));
  assert.deepEqual(missing, [], `§${v.section} values not recomputed`);
  return computed.size;
}

/** Each HkdfLabel ("info") printed in the section equals our encoding (RFC 8446 §7.1). */
function checkInfos(v: Rfc8448Vectors): number {
  let n = 0;
  for (const e of v.entries) {
    if (!e.field.endsWith('info')) continue;
    const b = fromHex(e.hex);
    const length = (b[0]! << 8) | b[1]!;
    const label = new TextDecoder().decode(b.subarray(3, 3 + b[2]!));
    assert.ok(label.startsWith('tls13 '), e.label);
    const context = b.subarray(4 + b[2]!);
    assert.equal(toHex(encodeHkdfLabel(label.slice(6), context, length)), e.hex, e.label);
    n++;
  }
  return n;
}

/** The (EC)DHE shared secret of a section, through the provider with the RFC's fixed keys. */
function x25519Shared(v: ReturnType<typeof loadVectors>): Uint8Array {
  const x = x25519Exchange(v.value('client x25519 private key'), v.value('server x25519 private key'));
  assert.equal(toHex(x.clientPublic), v.values['client x25519 public key']);
  assert.equal(toHex(x.serverPublic), v.values['server x25519 public key']);
  assert.deepEqual(x.clientShared, x.serverShared);
  assert.equal(toHex(x.clientShared), v.values['(EC)DHE shared secret']);
  return x.clientShared;
}

test('RFC 8448 §3 simple 1-RTT: x25519 key shares and shared secret from the private keys', () => {
  x25519Shared(loadVectors('simple'));
});

test('RFC 8448 §3 simple 1-RTT: every secret, key, iv, finished and transcript hash', () => {
  const v = loadVectors('simple');
  const computed = replay(v, x25519Shared(v), null);
  const n = checkAll(v, computed);
  assert.equal(n, 29);
  assert.ok(checkInfos(v) >= 19, 'HkdfLabel encodings checked');
});

test('RFC 8448 §3: handshake messages in the records match the constructed messages', () => {
  const v = loadVectors('simple');
  const msgs = handshakeMessages(v).map((m) => `${m.sender} ${toHex(m.raw)}`);
  for (const name of ['client ClientHello', 'server ServerHello', 'server EncryptedExtensions', 'server Certificate', 'server CertificateVerify', 'server Finished', 'client Finished', 'server NewSessionTicket']) {
    assert.ok(msgs.includes(`${name.split(' ')[0]!} ${v.values[name]!}`), name);
  }
});

test('RFC 8448 §3: NSS key log lines', () => {
  const v = loadVectors('simple');
  const clientRandom = v.value('client ClientHello').subarray(6, 38);
  const line = keyLogLine(KeyLogLabel.CLIENT_HANDSHAKE_TRAFFIC_SECRET, clientRandom, v.value('client handshake traffic secret'));
  assert.equal(
    line,
    'CLIENT_HANDSHAKE_TRAFFIC_SECRET cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7 ' +
      'b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21',
  );
});

test('RFC 8448 §4 resumed 0-RTT: PSK from §3 ticket, binder, early secrets, full schedule', () => {
  const simple = loadVectors('simple');
  const v = loadVectors('resumption');
  const psk = v.value('early secret IKM (PSK or zeros)');
  assert.deepEqual(psk, simple.value('resumption PSK'));
  const computed = replay(v, x25519Shared(v), psk);
  assert.equal(checkAll(v, computed), 37);
  assert.ok(checkInfos(v) >= 19, 'HkdfLabel encodings checked');
});

test('RFC 8448 §5 HelloRetryRequest: message_hash transcript and P-256 schedule', () => {
  const v = loadVectors('hrr');
  const client = p256(v.value('client P-256 private key'), v.value('server P-256 public key'));
  assert.deepEqual(client.ownPublic, v.value('client P-256 public key'));
  const server = p256(v.value('server P-256 private key'), v.value('client P-256 public key'));
  assert.deepEqual(client.shared, server.shared);
  assert.equal(toHex(client.shared), v.values['(EC)DHE shared secret']);
  const computed = replay(v, client.shared, null);
  assert.equal(checkAll(v, computed), 27);
  assert.ok(checkInfos(v) >= 19, 'HkdfLabel encodings checked');
});
