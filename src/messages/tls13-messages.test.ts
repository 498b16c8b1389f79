import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ErrorCode } from '../errors.js';
import { HandshakeType } from '../registry/codepoints.js';
import { Writer } from '../wire/writer.js';
import { bytesArb, codecProperties, extensionsArb, throwsTls, u16Arb, u32Arb } from '../wire/codec-check.test.js';
import { encodeHandshake, handshakeMessage, parseHandshake } from './handshake.js';
import { decodeEncryptedExtensions, encodeEncryptedExtensions } from './encrypted-extensions.js';
import { decodeCertificateRequest13, encodeCertificateRequest13 } from './certificate-request13.js';
import { decodeCertificate13, encodeCertificate13 } from './certificate13.js';
import { decodeCertificateVerify, encodeCertificateVerify } from './certificate-verify.js';
import { decodeFinished, encodeFinished } from './finished.js';
import { decodeNewSessionTicket13, encodeNewSessionTicket13, MAX_TICKET_LIFETIME } from './new-session-ticket13.js';
import { decodeKeyUpdate, encodeKeyUpdate } from './key-update.js';
import { decodeEndOfEarlyData, encodeEndOfEarlyData } from './end-of-early-data.js';

const D = ErrorCode.ERR_TLS_DECODE_ERROR;
const I = ErrorCode.ERR_TLS_ILLEGAL_PARAMETER;

test('handshake: header encode/parse', () => {
  const raw = encodeHandshake(HandshakeType.finished, Uint8Array.of(1, 2, 3));
  assert.deepEqual(raw, Uint8Array.of(20, 0, 0, 3, 1, 2, 3));
  const m = handshakeMessage(HandshakeType.finished, Uint8Array.of(1, 2, 3));
  assert.deepEqual(m.raw, raw);
  assert.deepEqual(m.body, Uint8Array.of(1, 2, 3));
  assert.deepEqual(parseHandshake(raw), m);
  throwsTls(() => parseHandshake(Uint8Array.of(20, 0, 0)), D);
  throwsTls(() => parseHandshake(Uint8Array.of(20, 0, 0, 4, 1, 2, 3)), D);
  throwsTls(() => parseHandshake(Uint8Array.of(20, 0, 0, 2, 1, 2, 3)), D);
  throwsTls(() => encodeHandshake(256, new Uint8Array(0)), ErrorCode.ERR_TLS_INTERNAL_ERROR);
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 255 }), bytesArb(0, 300), (t, body) => {
      const p = parseHandshake(encodeHandshake(t, body));
      assert.equal(p.type, t);
      assert.deepEqual(p.body, body);
    }),
  );
});

codecProperties({
  name: 'EncryptedExtensions',
  arb: fc.record({ extensions: extensionsArb() }),
  encode: encodeEncryptedExtensions,
  decode: decodeEncryptedExtensions,
});

codecProperties({
  name: 'CertificateRequest13',
  arb: fc.record({ certificateRequestContext: bytesArb(0, 40), extensions: extensionsArb({ minLength: 1 }) }),
  encode: encodeCertificateRequest13,
  decode: decodeCertificateRequest13,
});

codecProperties({
  name: 'Certificate13',
  arb: fc.record({
    certificateRequestContext: bytesArb(0, 40),
    certificateList: fc.array(fc.record({ certData: bytesArb(1, 80), extensions: extensionsArb({ maxLength: 3 }) }), { maxLength: 4 }),
  }),
  encode: encodeCertificate13,
  decode: decodeCertificate13,
});

codecProperties({
  name: 'CertificateVerify',
  arb: fc.record({ algorithm: u16Arb, signature: bytesArb(0, 120) }),
  encode: encodeCertificateVerify,
  decode: decodeCertificateVerify,
});

for (const hashLength of [32, 48]) {
  codecProperties({
    name: `Finished(${hashLength})`,
    arb: fc.record({ verifyData: bytesArb(hashLength, hashLength) }),
    encode: encodeFinished,
    decode: (b) => decodeFinished(b, hashLength),
  });
}

codecProperties({
  name: 'NewSessionTicket13',
  arb: fc.record({
    ticketLifetime: fc.integer({ min: 0, max: MAX_TICKET_LIFETIME }),
    ticketAgeAdd: u32Arb,
    ticketNonce: bytesArb(0, 16),
    ticket: bytesArb(1, 100),
    extensions: extensionsArb({ maxLength: 2 }),
  }),
  encode: encodeNewSessionTicket13,
  decode: decodeNewSessionTicket13,
});

codecProperties({
  name: 'KeyUpdate',
  arb: fc.record({ requestUpdate: fc.constantFrom(0, 1) }),
  encode: encodeKeyUpdate,
  decode: decodeKeyUpdate,
});

test('EndOfEarlyData: empty only', () => {
  assert.deepEqual(decodeEndOfEarlyData(new Uint8Array(0)), {});
  assert.deepEqual(encodeEndOfEarlyData(), new Uint8Array(0));
  throwsTls(() => decodeEndOfEarlyData(Uint8Array.of(0)), D, 'EndOfEarlyData');
});

test('TLS 1.3 messages: table of malformed bodies', () => {
  const nst = (lifetime: number, tail: Uint8Array = Uint8Array.of(0, 0)): Uint8Array =>
    new Writer().u32(lifetime).u32(7).opaque8(Uint8Array.of(1)).opaque16(Uint8Array.of(9)).bytes(tail).finish();
  const cases: [string, () => unknown, ErrorCode, string?][] = [
    ['KeyUpdate 2', () => decodeKeyUpdate(Uint8Array.of(2)), I, 'KeyUpdate.request_update'],
    ['KeyUpdate 255', () => decodeKeyUpdate(Uint8Array.of(255)), I],
    ['KeyUpdate empty', () => decodeKeyUpdate(new Uint8Array(0)), D],
    ['KeyUpdate trailing', () => decodeKeyUpdate(Uint8Array.of(1, 0)), D],
    ['Finished too short', () => decodeFinished(new Uint8Array(31), 32), D, 'Finished.verify_data'],
    ['Finished too long', () => decodeFinished(new Uint8Array(33), 32), D, 'Finished.verify_data'],
    ['NST lifetime 604801', () => decodeNewSessionTicket13(nst(MAX_TICKET_LIFETIME + 1)), I, 'NewSessionTicket.ticket_lifetime'],
    ['NST empty ticket', () => decodeNewSessionTicket13(new Writer().u32(1).u32(1).u8(0).u16(0).u16(0).finish()), D, 'NewSessionTicket.ticket'],
    ['NST extensions 0xffff', () => decodeNewSessionTicket13(nst(1, new Uint8Array(2 + 0xffff).fill(0xff, 0, 2))), D],
    ['NST duplicate extension', () => decodeNewSessionTicket13(nst(1, Uint8Array.of(0, 8, 0, 42, 0, 0, 0, 42, 0, 0))), I],
    ['NST trailing', () => decodeNewSessionTicket13(nst(1, Uint8Array.of(0, 0, 0))), D, 'NewSessionTicket'],
    ['CR no extensions', () => decodeCertificateRequest13(Uint8Array.of(0, 0, 0)), D, 'CertificateRequest.extensions'],
    ['CR duplicate', () => decodeCertificateRequest13(Uint8Array.of(0, 0, 8, 0, 13, 0, 0, 0, 13, 0, 0)), I],
    ['Cert empty cert_data', () => decodeCertificate13(Uint8Array.of(0, 0, 0, 5, 0, 0, 0, 0, 0)), D, 'CertificateEntry.cert_data'],
    ['Cert entry missing extensions', () => decodeCertificate13(Uint8Array.of(0, 0, 0, 4, 0, 0, 1, 0xaa)), D],
    ['Cert list overruns', () => decodeCertificate13(Uint8Array.of(0, 0, 0, 9, 0, 0, 1, 0xaa, 0, 0)), D],
    ['Cert duplicate entry extension', () => decodeCertificate13(Uint8Array.of(0, 0, 0, 14, 0, 0, 1, 0xaa, 0, 8, 0, 5, 0, 0, 0, 5, 0, 0)), I],
    ['CV trailing', () => decodeCertificateVerify(Uint8Array.of(4, 3, 0, 1, 9, 9)), D, 'CertificateVerify'],
    ['EE trailing', () => decodeEncryptedExtensions(Uint8Array.of(0, 0, 0)), D, 'EncryptedExtensions'],
  ];
  for (const [name, fn, code, field] of cases) {
    assert.doesNotThrow(() => throwsTls(fn, code, field), name);
  }
  assert.equal(decodeNewSessionTicket13(nst(MAX_TICKET_LIFETIME)).ticketLifetime, MAX_TICKET_LIFETIME);
  assert.deepEqual(decodeCertificate13(Uint8Array.of(0, 0, 0, 0)), { certificateRequestContext: new Uint8Array(0), certificateList: [] });
});
