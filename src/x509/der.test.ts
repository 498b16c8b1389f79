import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TlsError } from '../errors.js';
import { fromHex, toHex } from '../wire/bytes.js';
import {
  DerReader,
  Tag,
  decodeOid,
  derBoolean,
  derGeneralizedTime,
  derInteger,
  derNamedBits,
  derOid,
  derSequence,
  derSet,
  derTime,
  derUtcTime,
  encodeOid,
  readDer,
} from './der.js';
import { decodePem, encodePem } from './pem.js';

const runs = Number(process.env['FUZZ_RUNS'] ?? 200);

function rejects(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof TlsError && e.code === 'ERR_TLS_BAD_CERTIFICATE' && re.test(e.message));
}

test('DER: accepts minimal encodings', () => {
  const t = readDer(fromHex('300602010102017f'), 'x');
  assert.equal(t.tag, Tag.SEQUENCE);
  const r = new DerReader(t.value, 'x');
  assert.equal(r.smallInteger('a'), 1);
  assert.equal(r.smallInteger('b'), 127);
  r.end();
  // a 200-byte OCTET STRING uses 0x81 0xc8
  const long = new Uint8Array(203);
  long.set([0x04, 0x81, 0xc8]);
  assert.equal(readDer(long, 'x').value.length, 200);
});

test('DER: rejects indefinite length, non-minimal lengths, trailing bytes, truncation', () => {
  rejects(() => readDer(fromHex('30800000'), 'Certificate'), /Certificate: indefinite length/);
  rejects(() => readDer(fromHex('0481050102030405'), 'x'), /non-minimal length.*below 128/);
  rejects(() => readDer(fromHex('048200050102030405'), 'x'), /non-minimal length encoding \(leading zero\)/);
  rejects(() => readDer(fromHex('0401aa00'), 'tbs'), /tbs: 1 trailing byte/);
  rejects(() => readDer(fromHex('0405aa'), 'x'), /exceeds/);
  rejects(() => readDer(fromHex('04'), 'x'), /truncated length/);
  rejects(() => readDer(fromHex('1f2200'), 'x'), /high-tag-number/);
  rejects(() => readDer(fromHex('0485ffffffffff'), 'x'), /too large/);
});

test('DER: rejects non-minimal INTEGERs and bad BOOLEANs', () => {
  rejects(() => new DerReader(fromHex('0202007f'), 'x').integerBytes('serialNumber'), /serialNumber: non-minimal INTEGER/);
  rejects(() => new DerReader(fromHex('0202ff80'), 'x').integerBytes('n'), /non-minimal INTEGER/);
  rejects(() => new DerReader(fromHex('0200'), 'x').integerBytes('n'), /no contents/);
  assert.deepEqual(new DerReader(fromHex('02020080'), 'x').integerBytes('n'), fromHex('0080'));
  rejects(() => new DerReader(fromHex('010101'), 'x').boolean('cA'), /cA: BOOLEAN TRUE must be encoded as 0xFF/);
  assert.equal(new DerReader(fromHex('0101ff'), 'x').boolean('cA'), true);
});

test('DER: bounded nesting', () => {
  let v = fromHex('0500');
  for (let i = 0; i < 40; i++) v = derSequence(v);
  let r = new DerReader(v, 'deep');
  assert.throws(() => {
    for (;;) r = r.sequence('deep');
  }, /nesting deeper than 32/);
});

test('DER: INTEGER writer is minimal and round-trips', () => {
  assert.equal(toHex(derInteger(0)), '020100');
  assert.equal(toHex(derInteger(127)), '02017f');
  assert.equal(toHex(derInteger(128)), '02020080');
  assert.equal(toHex(derInteger(-1)), '0201ff');
  assert.equal(toHex(derInteger(-128)), '020180');
  assert.equal(toHex(derInteger(-129)), '0202ff7f');
  assert.equal(toHex(derInteger(fromHex('000080'))), '02020080');
  fc.assert(
    fc.property(fc.bigInt({ min: -(2n ** 200n), max: 2n ** 200n }), (n) => {
      const v = new DerReader(derInteger(n), 'n').integerBytes('n');
      let x = 0n;
      for (const b of v) x = (x << 8n) | BigInt(b);
      if (((v[0] as number) & 0x80) !== 0) x -= 1n << BigInt(8 * v.length);
      assert.equal(x, n);
    }),
    { numRuns: runs },
  );
});

test('OID: known encodings and round trip', () => {
  assert.equal(toHex(encodeOid('1.2.840.113549.1.1.11')), '2a864886f70d01010b');
  assert.equal(decodeOid(fromHex('2a864886f70d01010b'), 'x'), '1.2.840.113549.1.1.11');
  assert.equal(decodeOid(fromHex('550403'), 'x'), '2.5.4.3');
  assert.equal(decodeOid(fromHex('8837'), 'x'), '2.999');
  // 2.25.<128-bit UUID>
  const uuidOid = '2.25.329800735698586629295641978511506172918';
  assert.equal(decodeOid(encodeOid(uuidOid), 'x'), uuidOid);
  rejects(() => decodeOid(fromHex('2a80864886'), 'extnID'), /extnID: non-minimal OBJECT IDENTIFIER/);
  rejects(() => decodeOid(fromHex('2a86'), 'x'), /truncated OBJECT IDENTIFIER/);
  rejects(() => decodeOid(new Uint8Array(0), 'x'), /empty/);
  fc.assert(
    fc.property(
      fc.constantFrom(0, 1, 2),
      fc.nat({ max: 39 }),
      fc.array(fc.oneof(fc.nat(), fc.bigInt({ min: 0n, max: 2n ** 100n })), { maxLength: 8 }),
      (a, b, rest) => {
        const oid = [a, b, ...rest].join('.');
        assert.equal(new DerReader(derOid(oid), 'x').oid('x'), oid);
      },
    ),
    { numRuns: runs },
  );
});

test('Time: RFC 5280 §4.1.2.5 encodings', () => {
  const d2049 = new Date('2049-12-31T23:59:59Z');
  const d2050 = new Date('2050-01-01T00:00:00Z');
  assert.equal(derTime(d2049)[0], Tag.UTCTime);
  assert.equal(derTime(d2050)[0], Tag.GeneralizedTime);
  assert.equal(new TextDecoder().decode(derUtcTime(d2049).subarray(2)), '491231235959Z');
  assert.equal(new TextDecoder().decode(derGeneralizedTime(d2050).subarray(2)), '20500101000000Z');
  for (const d of [d2049, d2050, new Date('1950-01-01T00:00:00Z'), new Date('2024-02-29T12:34:56Z'), new Date('9999-12-31T23:59:59Z')]) {
    assert.equal(new DerReader(derTime(d), 't').time('t').getTime(), d.getTime());
  }
  // YY = 50 is 1950
  assert.equal(new DerReader(fromHex('170d3530303130313030303030305a'), 't').time('t').toISOString(), '1950-01-01T00:00:00.000Z');
  const bad = (s: string, tag: number = Tag.UTCTime): Uint8Array => Uint8Array.of(tag, s.length, ...new TextEncoder().encode(s));
  rejects(() => new DerReader(bad('240230000000Z'), 't').time('notAfter'), /notAfter: day out of range/);
  rejects(() => new DerReader(bad('240101000000+0100'), 't').time('notBefore'), /YYMMDDHHMMSSZ/);
  rejects(() => new DerReader(bad('2401010000Z'), 't').time('t'), /YYMMDDHHMMSSZ/);
  rejects(() => new DerReader(bad('20240101000000.5Z', Tag.GeneralizedTime), 't').time('t'), /YYYYMMDDHHMMSSZ/);
  rejects(() => new DerReader(bad('241301000000Z'), 't').time('t'), /out of range/);
});

test('DER writer: SET OF is sorted, BOOLEAN, named bits', () => {
  assert.equal(toHex(derSet(fromHex('0201ff'), fromHex('020101'))), '3106020101' + '0201ff');
  assert.equal(toHex(derBoolean(true)), '0101ff');
  // keyUsage digitalSignature + keyCertSign + cRLSign: bits 0,5,6 → 0x86, 1 unused bit
  assert.equal(toHex(derNamedBits([0, 5, 6])), '03020186');
  // decipherOnly (bit 8) needs a second octet with 7 unused bits
  assert.equal(toHex(derNamedBits([0, 8])), '0303078080');
});

test('DER: random bytes give only TlsErrors', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      try {
        const walk = (r: DerReader): void => {
          while (!r.atEnd) {
            const t = r.next('x');
            if ((t.tag & 0x20) !== 0) walk(r.childOf(t, 'x'));
          }
        };
        walk(new DerReader(bytes, 'x'));
      } catch (e) {
        assert.ok(e instanceof TlsError, String(e));
      }
    }),
    { numRuns: runs },
  );
});

test('PEM: multiple blocks, labels, explanatory text, errors', () => {
  const a = encodePem('CERTIFICATE', Uint8Array.from({ length: 100 }, (_, i) => i));
  const b = encodePem('PRIVATE KEY', fromHex('0102'));
  assert.match(a, /^-----BEGIN CERTIFICATE-----\n([A-Za-z0-9+/]{64}\n){2}[A-Za-z0-9+/=]+\n-----END CERTIFICATE-----\n$/);
  const text = `subject=CN=x\r\n${a}\nsome text\n${b}${a}`;
  const all = decodePem(text);
  assert.deepEqual(all.map((x) => x.label), ['CERTIFICATE', 'PRIVATE KEY', 'CERTIFICATE']);
  assert.equal(all[0]?.der.length, 100);
  assert.equal(decodePem(text, 'CERTIFICATE').length, 2);
  assert.throws(() => decodePem(b, 'CERTIFICATE'), /no "-----BEGIN CERTIFICATE-----" block/);
  assert.throws(() => decodePem('-----BEGIN CERTIFICATE-----\nAAAA\n-----END PRIVATE KEY-----\n'), /ends with/);
  assert.throws(() => decodePem('-----BEGIN CERTIFICATE-----\nAA!A\n-----END CERTIFICATE-----\n'), /invalid base64/);
  assert.throws(() => decodePem('-----BEGIN CERTIFICATE-----\nAAAA\n'), /no END line/);
  assert.equal(encodePem('X', new Uint8Array(0)), '-----BEGIN X-----\n-----END X-----\n');
});
