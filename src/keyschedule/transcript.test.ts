import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HashAlgorithm } from '../crypto/provider.js';
import { nodeCryptoProvider } from '../crypto/node-provider.js';
import { concat, toHex, utf8 } from '../wire/bytes.js';
import { messageHash, Transcript } from './transcript.js';

const provider = nodeCryptoProvider;

const m1 = utf8('\x01\x00\x00\x03abc');
const m2 = utf8('\x02\x00\x00\x02xy');
const m3 = utf8('\x08\x00\x00\x00');
const sha = (a: HashAlgorithm, ...parts: Uint8Array[]): Uint8Array => provider.hash(a, concat(...parts));

test('messages added before the hash is known are buffered, then hashed', () => {
  const early = new Transcript(provider);
  assert.equal(early.algorithm, null);
  early.add(m1);
  assert.throws(() => early.hash(), /cipher suite/);
  early.setHash('sha384');
  early.add(m2);
  const direct = new Transcript(provider, 'sha384');
  direct.add(m1);
  direct.add(m2);
  assert.deepEqual(early.hash(), direct.hash());
  assert.deepEqual(early.hash(), sha('sha384', m1, m2));
  assert.equal(early.messageCount, 2);
  early.setHash('sha384'); // same hash again: no-op
  assert.throws(() => early.setHash('sha256'), /already/);
});

test('hash() is non-destructive; hashWith() does not add; clone() is independent', () => {
  const t = new Transcript(provider, 'sha256');
  t.add(m1);
  const h1 = t.hash();
  assert.deepEqual(t.hash(), h1);
  assert.deepEqual(t.hashWith(m2), sha('sha256', m1, m2));
  assert.deepEqual(t.hash(), h1);
  const c = t.clone();
  c.add(m2);
  assert.deepEqual(t.hash(), h1);
  assert.deepEqual(c.hash(), sha('sha256', m1, m2));
  // A clone taken before the hash is known keeps its own buffer.
  const u = new Transcript(provider);
  u.add(m1);
  const uc = u.clone();
  uc.add(m2);
  u.setHash('sha256');
  uc.setHash('sha256');
  assert.deepEqual(u.hash(), h1);
  assert.deepEqual(uc.hash(), sha('sha256', m1, m2));
});

test('RFC 8446 §4.4.1: HelloRetryRequest replaces ClientHello1 by message_hash', () => {
  for (const hash of ['sha256', 'sha384'] as const) {
    const t = new Transcript(provider, undefined, { retainMessages: true });
    t.add(m1); // ClientHello1
    t.setHash(hash); // from HelloRetryRequest.cipher_suite
    t.replaceWithMessageHash();
    t.add(m2); // HelloRetryRequest
    t.add(m3); // ClientHello2
    const mh = messageHash(provider, hash, m1);
    const len = hash === 'sha256' ? 32 : 48;
    assert.deepEqual(mh.subarray(0, 4), new Uint8Array([254, 0, 0, len]));
    assert.deepEqual(mh.subarray(4), provider.hash(hash, m1));
    assert.deepEqual(t.hash(), sha(hash, mh, m2, m3));
    assert.deepEqual(t.messages(), concat(mh, m2, m3));
  }
  const two = new Transcript(provider, 'sha256');
  two.add(m1);
  two.add(m2);
  assert.throws(() => two.replaceWithMessageHash(), /exactly ClientHello1/);
  assert.throws(() => new Transcript(provider).messages(), /retain/);
});

test('retained messages are the concatenation (TLS 1.2 CertificateVerify input)', () => {
  const t = new Transcript(provider, undefined, { retainMessages: true });
  t.add(m1);
  t.setHash('sha256');
  t.add(m2);
  assert.deepEqual(t.messages(), concat(m1, m2));
  assert.equal(toHex(t.hash()), toHex(sha('sha256', m1, m2)));
  assert.deepEqual(t.clone().messages(), concat(m1, m2));
});

test('hash() is computed once per point; addWithPrefixHash hashes a message once and returns its prefix hash', () => {
  const t = new Transcript(provider, 'sha256');
  t.add(m1);
  const h1 = t.hash();
  assert.equal(t.hash(), h1, 'the same digest until the next message');
  // RFC 8446 §4.2.11.2: the binder hash covers the transcript before the ClientHello and its truncated part
  const prefixHash = t.addWithPrefixHash(m2, 5);
  assert.deepEqual(prefixHash, sha('sha256', m1, m2.subarray(0, 5)));
  assert.deepEqual(t.hash(), sha('sha256', m1, m2));
  assert.notEqual(t.hash(), h1);
  assert.equal(t.messageCount, 2);
  assert.deepEqual(new Transcript(provider, 'sha256').addWithPrefixHash(m3, m3.length), sha('sha256', m3));
  assert.throws(() => t.addWithPrefixHash(m3, m3.length + 1), /prefix/);
  assert.throws(() => new Transcript(provider).addWithPrefixHash(m3, 0), /cipher suite/);
  // a clone keeps the digest of its point; the original's next message does not change it
  const c = t.clone();
  const h2 = t.hash();
  t.add(m3);
  assert.deepEqual(c.hash(), h2);
  // message_hash replaces the point's digest
  const r = new Transcript(provider, 'sha256');
  r.add(m1);
  const before = r.hash();
  r.replaceWithMessageHash();
  assert.notDeepEqual(r.hash(), before);
  assert.deepEqual(r.hash(), sha('sha256', messageHash(provider, 'sha256', m1)));
});

test('digests over short and long transcripts, retained or not, the hash known late, clones', () => {
  // short and long messages, with and without retained messages,
  // the hash known from the start or only after the first messages
  const msgs = [300, 500, 250, 36, 1200, 40, 3000, 36].map((n, i) => new Uint8Array(n).fill(i + 1));
  for (const retain of [false, true]) {
    for (const late of [false, true]) {
      const t = new Transcript(provider, late ? undefined : 'sha384', { retainMessages: retain });
      const seen: Uint8Array[] = [];
      for (const [i, m] of msgs.entries()) {
        if (late && i === 2) t.setHash('sha384');
        if (i === 1 && !late) {
          assert.deepEqual(t.addWithPrefixHash(m, 100), sha('sha384', ...seen, m.subarray(0, 100)));
        } else {
          t.add(m);
        }
        seen.push(m);
        if (t.algorithm === null) continue;
        const c = t.clone();
        assert.deepEqual(t.hashWith(m3), sha('sha384', ...seen, m3), `hashWith after ${i}`);
        assert.deepEqual(t.hash(), sha('sha384', ...seen), `hash after ${i}`);
        assert.deepEqual(c.hash(), t.hash(), `clone after ${i}`);
        if (retain) assert.deepEqual(t.messages(), concat(...seen));
      }
      assert.equal(t.messageCount, msgs.length);
    }
  }
  // a long ClientHello1 replaced by its message_hash: back to a short transcript
  const big = new Uint8Array(5000).fill(9);
  const r = new Transcript(provider, 'sha256', { retainMessages: true });
  r.add(big);
  r.replaceWithMessageHash();
  r.add(m2);
  const mh = messageHash(provider, 'sha256', big);
  assert.deepEqual(r.hash(), sha('sha256', mh, m2));
  assert.deepEqual(r.messages(), concat(mh, m2));
});
