// How traces explain 0-RTT: early records, skipped records, the ClientHello offering early_data, the ladder's key schedule line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explainRecord } from './explain.js';
import { LadderRenderer } from './ladder.js';
import { ContentType, ExtensionType, HandshakeType } from '../registry/codepoints.js';

test('explainRecord: a 0-RTT application_data record and a skipped one', () => {
  const early = explainRecord({ contentType: 23, innerType: ContentType.application_data, length: 77, protection: 'early', from: 'client' });
  assert.equal(early.name, 'application_data (0-RTT)');
  assert.match(early.sentence, /^60 bytes of 0-RTT early data from the client/);
  assert.match(early.sentence, /replay/);
  const skipped = explainRecord({ contentType: 23, innerType: 23, length: 40, protection: 'early', from: 'client', skipped: true });
  assert.equal(skipped.name, '0-RTT record skipped');
  assert.match(skipped.sentence, /rejected 0-RTT/);
  const normal = explainRecord({ contentType: 23, innerType: ContentType.application_data, length: 77, protection: 'application', from: 'client' });
  assert.equal(normal.name, 'application_data');
});

test('ladder: a ClientHello with early_data is followed by the 0-RTT key schedule line; without it, not', () => {
  const hello = (exts: number[]) => ({
    kind: 'handshake' as const,
    from: 'client' as const,
    type: HandshakeType.client_hello,
    message: { legacyVersion: 0x0303, random: new Uint8Array(32), legacySessionId: new Uint8Array(0), cipherSuites: [0x1301], legacyCompressionMethods: new Uint8Array([0]), extensions: exts.map((type) => ({ type, data: new Uint8Array(0) })) },
    raw: new Uint8Array(4),
    protection: 'plaintext' as const,
    at: 0,
  });
  const withEarly = new LadderRenderer({ color: false }).entry(hello([ExtensionType.early_data]));
  assert.match(withEarly, /client_early_traffic_secret ← Derive-Secret\(early_secret, "c e traffic", ClientHello\)/);
  assert.match(withEarly, /early_data: yes: 0-RTT data follows this ClientHello/);
  const without = new LadderRenderer({ color: false }).entry(hello([]));
  assert.doesNotMatch(without, /c e traffic/);
});
