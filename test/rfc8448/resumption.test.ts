/**
 * RFC 8448 §4 (resumed 0-RTT handshake): our PSK binder (RFC 8446 §4.2.11.2) over the RFC's
 * truncated ClientHello equals the RFC's binder, byte for byte, and the client's binder patching
 * reproduces the RFC's whole ClientHello.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeCryptoProvider } from '../../src/crypto/node-provider.js';
import { EarlySecrets, finishedVerifyData } from '../../src/keyschedule/tls13.js';
import { tls13Suite } from '../../src/keyschedule/suites.js';
import { patchBinder, type ClientSession13 } from '../../src/handshake/resumption13.js';
import { bindersLength, decodePreSharedKeyClient } from '../../src/extensions/pre-shared-key.js';
import { decodeClientHello } from '../../src/messages/client-hello.js';
import { findExtension } from '../../src/extensions/extension.js';
import { CipherSuite, ExtensionType } from '../../src/registry/codepoints.js';
import { fromHex, toHex } from '../../src/wire/bytes.js';
import { loadVectors } from './support.js';

const v = loadVectors('resumption');
const p = nodeCryptoProvider;
const suite = tls13Suite(CipherSuite.TLS_AES_128_GCM_SHA256);

test('RFC 8448 §4: binder key, binder and truncated ClientHello', () => {
  assert.ok(suite !== undefined);
  const psk = v.value('early secret IKM (PSK or zeros)');
  const early = EarlySecrets.create(p, suite, psk);
  assert.equal(toHex(early.earlySecret), toHex(v.value('early secret')));
  const binderKey = early.binderKey('resumption');
  assert.equal(toHex(binderKey), toHex(v.value('binder key')));
  const hello = fromHex(v.records[0]?.payload ?? '');
  const prefix = v.value('client ClientHello prefix (truncated for binder)');
  // the RFC's "ClientHello" value is the partial message; the full one is the first record
  assert.equal(toHex(v.value('client ClientHello')), toHex(prefix));
  // bindersLength gives exactly the bytes RFC 8446 §4.2.11.2 strips
  const ext = findExtension(decodeClientHello(hello.subarray(4)).extensions, ExtensionType.pre_shared_key);
  assert.ok(ext !== undefined);
  const offered = decodePreSharedKeyClient(ext.data);
  assert.equal(hello.length - bindersLength(offered.binders), prefix.length);
  assert.equal(toHex(hello.subarray(0, prefix.length)), toHex(prefix));
  const binderHash = p.hash(suite.hash, prefix);
  assert.equal(toHex(binderHash), toHex(v.value('binder transcript hash')));
  const binder = finishedVerifyData(p, suite, binderKey, binderHash);
  assert.equal(toHex(binder), toHex(v.value('PSK binder')));
  assert.equal(toHex(offered.binders[0] ?? new Uint8Array(0)), toHex(binder));
});

test('RFC 8448 §4: the client writes the RFC binder into the RFC ClientHello', () => {
  const hello = fromHex(v.records[0]?.payload ?? '');
  const ext = findExtension(decodeClientHello(hello.subarray(4)).extensions, ExtensionType.pre_shared_key);
  assert.ok(ext !== undefined);
  const id = decodePreSharedKeyClient(ext.data).identities[0];
  assert.ok(id !== undefined);
  const session: ClientSession13 = {
    version: 0x0304,
    cipherSuite: CipherSuite.TLS_AES_128_GCM_SHA256,
    psk: v.value('early secret IKM (PSK or zeros)'),
    ticket: id.identity,
    ticketAgeAdd: 0,
    lifetimeS: 30,
    receivedAt: 0,
    maxEarlyDataSize: 1024,
    serverName: 'server',
    alpn: undefined,
    peerCertificates: [],
  };
  // zero the binder, then let the client compute it
  const blank = hello.slice();
  blank.fill(0, hello.length - 32);
  const { body, binder } = patchBinder(p, session, blank, []);
  assert.equal(toHex(binder), toHex(v.value('PSK binder')));
  assert.equal(toHex(body), toHex(hello.subarray(4)));
});
