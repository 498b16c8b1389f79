import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeCryptoProvider } from '../crypto/node-provider.js';
import { fromHex, toHex, utf8 } from '../wire/bytes.js';
import { hkdf, Label, tls13Label } from './hkdf.js';
import { KeyLogLabel, keyLogApplication13, keyLogHandshake13, keyLogLine, keyLogLine12 } from './keylog.js';
import { TLS13_SUITES, TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256, tls13Suite } from './suites.js';
import {
  EarlySecrets,
  exportKeyingMaterial,
  finishedKey,
  finishedVerifyData,
  nextTrafficSecret,
  resumptionPsk,
  trafficKeys,
  verifyFinished,
} from './tls13.js';

const provider = nodeCryptoProvider;

const suite = TLS_AES_128_GCM_SHA256;
const hex = (s: string): Uint8Array => fromHex(s);

// RFC 8448 §3 values (the full trace is checked in test/rfc8448/keyschedule.test.ts).
const ecdhe = hex('8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d');
const helloHash = hex('860c06edc07858ee8e78f0e7428c58edd6b43f2ca3e6e95f02ed063cf0e1cad8');
const serverFinishedHash = hex('9608102a0f1ccc6db6250b7b7e417b1a000eaada3daae4777a7686c9ff83df13');

test('suite table: three TLS 1.3 suites, undefined for others', () => {
  assert.equal(TLS13_SUITES.length, 3);
  assert.deepEqual(tls13Suite(0x1301), {
    suite: 0x1301,
    name: 'TLS_AES_128_GCM_SHA256',
    hash: 'sha256',
    hashLength: 32,
    aead: 'aes-128-gcm',
    keyLength: 16,
    ivLength: 12,
  });
  assert.equal(tls13Suite(0x1302)?.hashLength, 48);
  assert.equal(tls13Suite(0x1302)?.keyLength, 32);
  assert.equal(tls13Suite(0x1303)?.aead, 'chacha20-poly1305');
  for (const other of [0x1304, 0x1305, 0xc02f, 0x0a0a, 0]) assert.equal(tls13Suite(other), undefined);
});

test('RFC 8448 §3 schedule: handshake and master stages', () => {
  const early = EarlySecrets.create(provider, suite);
  assert.equal(early.hasPsk, false);
  assert.equal(toHex(early.earlySecret), '33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a');
  const hs = early.handshake(ecdhe);
  assert.equal(toHex(hs.handshakeSecret), '1dc826e93606aa6fdc0aadc12f741b01046aa6b99f691ed221a9f0ca043fbeac');
  const chts = hs.clientHandshakeTrafficSecret(helloHash);
  const shts = hs.serverHandshakeTrafficSecret(helloHash);
  assert.equal(toHex(chts), 'b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21');
  assert.equal(toHex(shts), 'b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38');
  const keys = trafficKeys(provider, suite, shts);
  assert.equal(toHex(keys.key), '3fce516009c21727d0f2e4e86ee403bc');
  assert.equal(toHex(keys.iv), '5d313eb2671276ee13000b30');
  assert.equal(toHex(finishedKey(provider, suite, shts)), '008d3b66f816ea559f96b537e885c31fc068bf492c652f01f288a1d8cdc19fc8');
  const ms = hs.master();
  assert.equal(toHex(ms.masterSecret), '18df06843d13a08bf2a449844c5f8a478001bc4d4c627984d5a41da8d0402919');
  assert.equal(
    toHex(ms.clientApplicationTrafficSecret0(serverFinishedHash)),
    '9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5',
  );
  assert.equal(
    toHex(ms.serverApplicationTrafficSecret0(serverFinishedHash)),
    'a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643',
  );
  assert.equal(
    toHex(ms.exporterMasterSecret(serverFinishedHash)),
    'fe22f881176eda18eb8f44529e6792c50c9a3f89452f68d8ae311b4309d3cf50',
  );
});

test('psk_ke: no (EC)DHE means HashLen zeros; a PSK changes the early secret; binder keys differ', () => {
  const noPsk = EarlySecrets.create(provider, suite);
  const h = hkdf(provider, suite.hash);
  assert.deepEqual(noPsk.handshake(null).handshakeSecret, noPsk.handshake(new Uint8Array(32)).handshakeSecret);
  const psk = EarlySecrets.create(provider, suite, new Uint8Array(32).fill(7));
  assert.equal(psk.hasPsk, true);
  assert.notDeepEqual(psk.earlySecret, noPsk.earlySecret);
  const ext = psk.binderKey('external');
  const res = psk.binderKey('resumption');
  assert.notDeepEqual(ext, res);
  assert.deepEqual(res, h.expandLabel(psk.earlySecret, tls13Label('res binder'), h.emptyHash, 32));
  const chHash = provider.hash('sha256', utf8('client hello'));
  assert.deepEqual(psk.clientEarlyTrafficSecret(chHash), h.deriveSecret(psk.earlySecret, Label.c_e_traffic, chHash));
  assert.deepEqual(psk.earlyExporterMasterSecret(chHash), h.deriveSecret(psk.earlySecret, Label.e_exp_master, chHash));
  assert.throws(() => EarlySecrets.create(provider, suite, new Uint8Array(0)), /PSK/);
});

test('Finished: verify_data = HMAC(finished_key, hash); verifyFinished is exact', () => {
  const base = hex('b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38');
  const th = provider.hash('sha256', utf8('transcript'));
  const vd = finishedVerifyData(provider, suite, base, th);
  assert.deepEqual(vd, provider.hmac('sha256', finishedKey(provider, suite, base), th));
  assert.equal(verifyFinished(provider, suite, base, th, vd), true);
  const bad = vd.slice();
  bad[0]! ^= 1;
  assert.equal(verifyFinished(provider, suite, base, th, bad), false);
  assert.equal(verifyFinished(provider, suite, base, th, vd.subarray(0, 31)), false);
});

test('KeyUpdate, exporter and resumption PSK follow their definitions (SHA-384 suite)', () => {
  const s = TLS_AES_256_GCM_SHA384;
  const h = hkdf(provider, s.hash);
  const secret = new Uint8Array(48).fill(0x42);
  const next = nextTrafficSecret(provider, s, secret);
  assert.equal(next.length, 48);
  assert.deepEqual(next, h.expandLabel(secret, tls13Label('traffic upd'), new Uint8Array(0), 48));
  const k = trafficKeys(provider, s, next);
  assert.equal(k.key.length, 32);
  assert.equal(k.iv.length, 12);

  const ctx = utf8('context');
  const inner = h.expandLabel(secret, tls13Label('EXPERIMENTAL my label'), provider.hash('sha384', new Uint8Array(0)), 48);
  const expected = h.expandLabel(inner, tls13Label('exporter'), provider.hash('sha384', ctx), 20);
  assert.deepEqual(exportKeyingMaterial(provider, s, secret, 'EXPERIMENTAL my label', ctx, 20), expected);
  assert.deepEqual(
    exportKeyingMaterial(provider, s, secret, utf8('EXPERIMENTAL my label'), ctx, 20),
    expected,
  );
  // RFC 8446 §7.5: no context = empty context.
  assert.deepEqual(
    exportKeyingMaterial(provider, s, secret, 'x', null, 16),
    exportKeyingMaterial(provider, s, secret, 'x', new Uint8Array(0), 16),
  );
  const nonce = new Uint8Array([0, 1]);
  assert.deepEqual(resumptionPsk(provider, s, secret, nonce), h.expandLabel(secret, tls13Label('resumption'), nonce, 48));
});

test('RFC 8448 §3: resumption PSK from ticket_nonce 00 00', () => {
  const rms = hex('7df235f2031d2a051287d02b0241b0bfdaf86cc856231f2d5aba46c434ec196c');
  assert.equal(
    toHex(resumptionPsk(provider, suite, rms, new Uint8Array(2))),
    '4ecd0eb6ec3b4d87f5d6028f922ca4c5851a277fd41311c9e62d2c9492e1c4f3',
  );
});

test('key log lines (NSS format)', () => {
  const random = new Uint8Array(32).fill(0xaa);
  const secret = new Uint8Array([1, 2, 0xff]);
  assert.equal(keyLogLine(KeyLogLabel.CLIENT_HANDSHAKE_TRAFFIC_SECRET, random, secret), `CLIENT_HANDSHAKE_TRAFFIC_SECRET ${'aa'.repeat(32)} 0102ff`);
  assert.equal(keyLogLine12(random, secret), `CLIENT_RANDOM ${'aa'.repeat(32)} 0102ff`);
  assert.deepEqual(
    keyLogHandshake13(random, { clientHandshakeTrafficSecret: secret, serverHandshakeTrafficSecret: secret }).map((l) => l.split(' ')[0]),
    ['CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'SERVER_HANDSHAKE_TRAFFIC_SECRET'],
  );
  assert.deepEqual(
    keyLogApplication13(random, {
      clientApplicationTrafficSecret0: secret,
      serverApplicationTrafficSecret0: secret,
      exporterMasterSecret: secret,
    }).map((l) => l.split(' ')[0]),
    ['CLIENT_TRAFFIC_SECRET_0', 'SERVER_TRAFFIC_SECRET_0', 'EXPORTER_SECRET'],
  );
  assert.throws(() => keyLogLine(KeyLogLabel.CLIENT_RANDOM, new Uint8Array(31), secret), /client_random/);
});

test('an early secret is reused, never recomputed: withSuite (same hash), memoised binder keys, lazy exporter', () => {
  const psk = new Uint8Array(32).fill(9);
  const early = EarlySecrets.create(provider, suite, psk);
  const res = early.binderKey('resumption');
  assert.equal(early.binderKey('resumption'), res, 'computed once');
  // TLS_CHACHA20_POLY1305_SHA256 shares SHA-256: the same early secret, binder key and handshake secrets
  const chacha = TLS_CHACHA20_POLY1305_SHA256;
  const other = early.withSuite(chacha);
  assert.equal(other.suite, chacha);
  assert.equal(other.earlySecret, early.earlySecret);
  assert.equal(other.binderKey('resumption'), res);
  assert.deepEqual(other.handshake(ecdhe).handshakeSecret, EarlySecrets.create(provider, chacha, psk).handshake(ecdhe).handshakeSecret);
  assert.equal(early.withSuite(suite), early);
  // a PSK is tied to its hash (RFC 8446 §4.2.11)
  assert.throws(() => early.withSuite(TLS_AES_256_GCM_SHA384), /hash/);
  // the lazy exporter secret is the eager one, computed on the first call only
  const master = early.handshake(ecdhe).master();
  const lazy = master.lazyExporterMasterSecret(serverFinishedHash);
  const value = lazy();
  assert.deepEqual(value, master.exporterMasterSecret(serverFinishedHash));
  assert.equal(lazy(), value);
});
