import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { nodeCryptoProvider as provider } from '../crypto/node-provider.js';
import { HASH_LENGTH, type CbcAlgorithm } from '../crypto/provider.js';
import { ContentType } from '../registry/codepoints.js';
import { TlsError } from '../errors.js';
import { concat } from '../wire/bytes.js';
import { CBC_BLOCK, RecordOpenerCbc12, RecordSealerCbc12, type CbcParams } from './protection12-cbc.js';

function params(cipher: CbcAlgorithm, mac: 'sha1' | 'sha256', encryptThenMac: boolean): CbcParams {
  const key = new Uint8Array(cipher === 'aes-128-cbc' ? 16 : 32).fill(7);
  return { provider, cipher: provider.cbc!(cipher, key), mac, macKey: new Uint8Array(HASH_LENGTH[mac]).fill(9), encryptThenMac };
}

function open(opener: RecordOpenerCbc12, record: Uint8Array): { type: number; content: Uint8Array } {
  return opener.open(record.subarray(0, 5), record.subarray(5));
}

function badMac(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof TlsError);
    assert.equal(e.code, 'ERR_TLS_BAD_RECORD_MAC');
    return e.message;
  }
  assert.fail('expected bad_record_mac');
}

const variants = (['aes-128-cbc', 'aes-256-cbc'] as const).flatMap((c) => (['sha1', 'sha256'] as const).flatMap((m) => [true, false].map((etm) => ({ c, m, etm }))));

describe('TLS 1.2 CBC record protection', () => {
  for (const { c, m, etm } of variants) {
    const label = `${c} HMAC-${m} ${etm ? 'encrypt_then_mac' : 'MAC-then-encrypt'}`;
    it(`${label}: round trip for lengths 0..300 and 2^14, fresh IV per record`, () => {
      const sealer = new RecordSealerCbc12(params(c, m, etm));
      const opener = new RecordOpenerCbc12(params(c, m, etm));
      const ivs = new Set<string>();
      for (const n of [0, 1, 15, 16, 17, 31, 32, 33, 47, 48, 100, 255, 256, 300, 1 << 14]) {
        const content = provider.randomBytes(n);
        const record = sealer.seal(ContentType.application_data, content);
        const macLen = HASH_LENGTH[m];
        const body = record.length - 5 - CBC_BLOCK - (etm ? macLen : 0);
        assert.equal(body % CBC_BLOCK, 0);
        // minimal padding: the MAC (MtE) and at least one padding byte fit, at most one block more
        assert.ok(body >= n + (etm ? 0 : macLen) + 1 && body < n + (etm ? 0 : macLen) + 1 + CBC_BLOCK);
        ivs.add(Buffer.from(record.subarray(5, 21)).toString('hex'));
        const out = open(opener, record);
        assert.equal(out.type, ContentType.application_data);
        assert.deepEqual(out.content, content);
      }
      assert.equal(ivs.size, 15);
      assert.equal(opener.sequenceNumber, 15n);
    });

    it(`${label}: tampering with any byte, a replay or a reorder is bad_record_mac`, () => {
      const sealer = new RecordSealerCbc12(params(c, m, etm));
      const record = sealer.seal(ContentType.handshake, provider.randomBytes(40));
      for (let i = 0; i < record.length; i++) {
        if (i === 3 || i === 4) continue; // the length is framing, checked by the caller
        const opener = new RecordOpenerCbc12(params(c, m, etm));
        const t = record.slice();
        t[i]! ^= 0x01;
        badMac(() => open(opener, t));
      }
      const opener = new RecordOpenerCbc12(params(c, m, etm));
      open(opener, record);
      badMac(() => open(opener, record)); // replay: wrong sequence number
      // truncations and non-block lengths
      for (const cut of [1, 16, record.length - 5 - 1]) {
        const o = new RecordOpenerCbc12(params(c, m, etm));
        const body = record.subarray(5, record.length - cut);
        const header = record.slice(0, 5);
        header[3] = body.length >>> 8;
        header[4] = body.length & 0xff;
        badMac(() => o.open(header, body));
      }
    });
  }

  it('MAC-then-encrypt: bad padding under a valid MAC is bad_record_mac with the same message as a bad MAC', () => {
    for (const m of ['sha1', 'sha256'] as const) {
      const p = params('aes-128-cbc', m, false);
      const content = provider.randomBytes(10);
      const header13 = new Uint8Array(13);
      header13[8] = ContentType.application_data;
      header13[9] = 3;
      header13[10] = 3;
      header13[12] = content.length;
      const mac = provider.hmac(m, p.macKey, concat(header13, content));
      const macLen = HASH_LENGTH[m];
      const record = (padding: Uint8Array, macBytes: Uint8Array): Uint8Array => {
        const plain = concat(content, macBytes, padding);
        assert.equal(plain.length % 16, 0);
        const iv = provider.randomBytes(16);
        const frag = concat(iv, p.cipher.encrypt(iv, plain));
        return concat(new Uint8Array([ContentType.application_data, 3, 3, frag.length >>> 8, frag.length & 0xff]), frag);
      };
      const padLen = (16 - ((content.length + macLen + 1) % 16)) % 16;
      const good = new Uint8Array(padLen + 1).fill(padLen);
      assert.equal(open(new RecordOpenerCbc12(p), record(good, mac)).content.length, 10);
      // a larger valid padding (RFC 5246 §6.2.3.2 allows up to 255) is accepted too
      const long = new Uint8Array(padLen + 1 + 32).fill(padLen + 32);
      assert.deepEqual(open(new RecordOpenerCbc12(p), record(long, mac)).content, content);
      const messages = new Set<string>();
      const wrongByte = good.slice();
      wrongByte[0] = (padLen + 1) & 0xff;
      if (padLen > 0) messages.add(badMac(() => open(new RecordOpenerCbc12(p), record(wrongByte, mac))));
      const tooLong = good.slice();
      tooLong[tooLong.length - 1] = 200; // padding length beyond the record
      messages.add(badMac(() => open(new RecordOpenerCbc12(p), record(tooLong, mac))));
      const badMacBytes = mac.slice();
      badMacBytes[0]! ^= 1;
      messages.add(badMac(() => open(new RecordOpenerCbc12(p), record(good, badMacBytes))));
      assert.equal(messages.size, 1, [...messages].join(' | '));
    }
  });

  it('encrypt_then_mac: the MAC covers IV || ciphertext and is checked before decryption', () => {
    const p = params('aes-128-cbc', 'sha256', true);
    let decrypts = 0;
    const counting: CbcParams = {
      ...p,
      cipher: { algorithm: p.cipher.algorithm, encrypt: (iv, d) => p.cipher.encrypt(iv, d), decrypt: (iv, d) => (decrypts++, p.cipher.decrypt(iv, d)) },
    };
    const record = new RecordSealerCbc12(p).seal(ContentType.application_data, new Uint8Array(5));
    const t = record.slice();
    t[5 + 3]! ^= 1; // inside the IV
    badMac(() => open(new RecordOpenerCbc12(counting), t));
    assert.equal(decrypts, 0);
    assert.deepEqual(open(new RecordOpenerCbc12(counting), record).content, new Uint8Array(5));
    assert.equal(decrypts, 1);
  });
});
