import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeCryptoProvider as provider } from '../crypto/node-provider.js';
import { concat, fromHex, toHex, utf8 } from '../wire/bytes.js';
import { keyLogLine12 } from './keylog.js';
import {
  extendedMasterSecret,
  exportKeyingMaterial12,
  finishedVerifyData12,
  keyBlock12,
  masterSecret12,
  pHash,
  prf12,
  verifyFinished12,
} from './prf12.js';

const range = (from: number, to: number): Uint8Array => Uint8Array.from({ length: to - from + 1 }, (_, i) => from + i);
const pms = range(1, 32);
const clientRandom = range(0, 31);
const serverRandom = range(200, 231);
const sessionHash = range(100, 147);

// The TLS 1.2 PRF test vectors circulated on the IETF TLS list; outputs confirmed with
// `openssl kdf -kdfopt digest:SHA256|SHA384 -kdfopt hexsecret:... -kdfopt hexseed:<label><seed> TLS1-PRF`.
test('PRF SHA-256 (100 bytes) and SHA-384 (148 bytes) vectors, checked with OpenSSL TLS1-PRF', () => {
  assert.equal(
    toHex(prf12(provider, 'sha256', fromHex('9bbe436ba940f017b17652849a71db35'), utf8('test label'), fromHex('a0ba9f936cda311827a6f796ffd5198c'), 100)),
    'e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af0fa0' +
      '22f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff70187347b66',
  );
  assert.equal(
    toHex(prf12(provider, 'sha384', fromHex('b80b733d6ceefcdc71566ea48e5567df'), utf8('test label'), fromHex('cd665cf6a8447dd6ff8b27555edb7465'), 148)),
    '7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cde9ca0faa60be9fe34f82b1233c9146a0e534cb400fed2700884f9dc236f80edd' +
      '8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4abfdad05d9184259b5bf8cd4d90fa0d31e2dec479e4f1a26066f2eea9a69236a3e52655c9e9aee6' +
      '91c8f3a26854308d5eaa3be85e0990703d73e56f',
  );
});

test('P_hash: every length is a prefix of a longer output; 0 bytes is empty', () => {
  const long = pHash(provider, 'sha256', utf8('secret'), utf8('seed'), 100);
  for (let n = 0; n <= 100; n++) assert.deepEqual(pHash(provider, 'sha256', utf8('secret'), utf8('seed'), n), long.subarray(0, n));
  assert.throws(() => pHash(provider, 'sha256', utf8('s'), utf8('s'), -1), /length/);
});

test('master secret (RFC 5246 §8.1) and extended master secret (RFC 7627 §4), checked with OpenSSL TLS1-PRF', () => {
  const ms = masterSecret12(provider, 'sha256', pms, clientRandom, serverRandom);
  assert.equal(toHex(ms), '5465cc6bbaf2049cd99d3d0621601b70fb37bd0a71d23850e93b039045ef742b7e495b254df29b4fa4e96ad061fd725b');
  assert.equal(
    toHex(extendedMasterSecret(provider, 'sha256', pms, sessionHash)),
    'a5c37c2b41447e17a3f4ad0b5487f8d6ddf2e5ad01f4b81a0bbd825469f8cb448e5de372448956664fb5b935834a96c8',
  );
  assert.throws(() => masterSecret12(provider, 'sha256', pms, clientRandom.subarray(1), serverRandom), /32 bytes/);
});

test('key block split (RFC 5246 §6.3): AES-128-GCM layout checked with OpenSSL TLS1-PRF; CBC layout order', () => {
  const ms = masterSecret12(provider, 'sha256', pms, clientRandom, serverRandom);
  const kb = keyBlock12(provider, 'sha256', ms, clientRandom, serverRandom, { macKeyLength: 0, encKeyLength: 16, fixedIvLength: 4 });
  const expected = '21772adf7edfceb331bacd0f9208786433a8d8e50742bff753454b0f156f8310754c236068cf3194';
  assert.equal(toHex(kb.clientWriteKey), expected.slice(0, 32));
  assert.equal(toHex(kb.serverWriteKey), expected.slice(32, 64));
  assert.equal(toHex(kb.clientWriteIv), expected.slice(64, 72));
  assert.equal(toHex(kb.serverWriteIv), expected.slice(72, 80));
  assert.equal(kb.clientWriteMacKey.length, 0);
  const cbc = keyBlock12(provider, 'sha256', ms, clientRandom, serverRandom, { macKeyLength: 20, encKeyLength: 32, fixedIvLength: 0 });
  const whole = prf12(provider, 'sha256', ms, utf8('key expansion'), concat(serverRandom, clientRandom), 104);
  assert.deepEqual(
    concat(cbc.clientWriteMacKey, cbc.serverWriteMacKey, cbc.clientWriteKey, cbc.serverWriteKey, cbc.clientWriteIv, cbc.serverWriteIv),
    whole,
  );
  assert.equal(cbc.serverWriteKey.length, 32);
});

test('RFC 5705 exporter: no context differs from an empty context; reserved labels are rejected', () => {
  const ms = masterSecret12(provider, 'sha256', pms, clientRandom, serverRandom);
  const none = exportKeyingMaterial12(provider, 'sha256', ms, clientRandom, serverRandom, 'EXPORTER-x', null, 32);
  const empty = exportKeyingMaterial12(provider, 'sha256', ms, clientRandom, serverRandom, 'EXPORTER-x', new Uint8Array(0), 32);
  assert.notDeepEqual(none, empty);
  assert.deepEqual(none, prf12(provider, 'sha256', ms, utf8('EXPORTER-x'), concat(clientRandom, serverRandom), 32));
  assert.deepEqual(empty, prf12(provider, 'sha256', ms, utf8('EXPORTER-x'), concat(clientRandom, serverRandom, new Uint8Array(2)), 32));
  for (const label of ['client finished', 'server finished', 'master secret', 'key expansion', 'extended master secret']) {
    assert.throws(
      () => exportKeyingMaterial12(provider, 'sha256', ms, clientRandom, serverRandom, label, null, 16),
      (e: unknown) => e instanceof Error && 'code' in e && e.code === 'ERR_TLS_INVALID_OPTION',
    );
  }
});

interface OpenSslTls12 {
  prf_hash: 'sha256' | 'sha384';
  master_secret: string;
  messages: { sender: 'client' | 'server'; type: string; hex: string }[];
  exporter: { label: string; context: null; length: number; output: string };
}
function loadOpenSsl(): OpenSslTls12 {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'test', 'vectors', 'tls12-openssl.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('test/vectors/tls12-openssl.json not found');
    dir = up;
  }
  return JSON.parse(readFileSync(join(dir, 'test', 'vectors', 'tls12-openssl.json'), 'utf8')) as OpenSslTls12;
}

test('OpenSSL TLS 1.2 session (ECDHE-ECDSA-AES256-GCM-SHA384): both Finished verify_data and the RFC 5705 exporter', () => {
  const v = loadOpenSsl();
  const ms = fromHex(v.master_secret);
  const msgs = v.messages.map((m) => ({ ...m, raw: fromHex(m.hex) }));
  const ch = msgs[0]!.raw;
  const sh = msgs.find((m) => m.type === 'ServerHello')!.raw;
  const cr = ch.subarray(6, 38);
  const sr = sh.subarray(6, 38);
  for (const sender of ['client', 'server'] as const) {
    const i = msgs.findIndex((m) => m.type === 'Finished' && m.sender === sender);
    // RFC 5246 §7.4.9: handshake_messages up to, not including, this Finished (NewSessionTicket included).
    const hash = provider.hash(v.prf_hash, concat(...msgs.slice(0, i).map((m) => m.raw)));
    const vd = finishedVerifyData12(provider, v.prf_hash, ms, sender, hash);
    assert.equal(toHex(vd), toHex(msgs[i]!.raw.subarray(4)), `${sender} Finished`);
    assert.equal(verifyFinished12(provider, v.prf_hash, ms, sender, hash, msgs[i]!.raw.subarray(4)), true);
    assert.equal(verifyFinished12(provider, v.prf_hash, ms, sender === 'client' ? 'server' : 'client', hash, vd), false);
  }
  const ekm = exportKeyingMaterial12(provider, v.prf_hash, ms, cr, sr, v.exporter.label, null, v.exporter.length);
  assert.equal(toHex(ekm), v.exporter.output);
  assert.equal(keyLogLine12(cr, ms), `CLIENT_RANDOM ${toHex(cr)} ${v.master_secret}`);
});
