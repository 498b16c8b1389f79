import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ErrorCode } from '../errors.js';
import { NamedGroup, SignatureScheme } from '../registry/codepoints.js';
import { Writer } from '../wire/writer.js';
import { bytesArb, codecProperties, throwsTls, u16Arb, u32Arb } from '../wire/codec-check.test.js';
import { decodeCertificate12, encodeCertificate12 } from './certificate12.js';
import {
  decodeServerKeyExchangeDhe, decodeServerKeyExchangeEcdhe, encodeServerDhParams, encodeServerEcdhParams,
  encodeServerKeyExchangeDhe, encodeServerKeyExchangeEcdhe,
} from './server-key-exchange.js';
import { decodeClientKeyExchange, encodeClientKeyExchange, type KeyExchangeKind } from './client-key-exchange.js';
import { decodeCertificateRequest12, encodeCertificateRequest12 } from './certificate-request12.js';
import { decodeNewSessionTicket12, encodeNewSessionTicket12 } from './new-session-ticket12.js';
import { decodeCertificateStatus, encodeCertificateStatus } from './certificate-status.js';
import { decodeHelloRequest, decodeServerHelloDone, encodeHelloRequest, encodeServerHelloDone } from './empty-messages.js';
import { decodeFinished } from './finished.js';

const D = ErrorCode.ERR_TLS_DECODE_ERROR;
const I = ErrorCode.ERR_TLS_ILLEGAL_PARAMETER;

codecProperties({
  name: 'Certificate12',
  arb: fc.record({ certificateList: fc.array(bytesArb(1, 60), { maxLength: 4 }) }),
  encode: encodeCertificate12,
  decode: decodeCertificate12,
});

codecProperties({
  name: 'ServerKeyExchange (ECDHE)',
  arb: fc
    .record({ namedCurve: u16Arb, publicPoint: bytesArb(1, 97), algorithm: u16Arb, signature: bytesArb(0, 80) })
    .map((v) => ({ ...v, params: encodeServerEcdhParams(v.namedCurve, v.publicPoint) })),
  encode: encodeServerKeyExchangeEcdhe,
  decode: decodeServerKeyExchangeEcdhe,
});

codecProperties({
  name: 'ServerKeyExchange (DHE)',
  arb: fc
    .record({ dhP: bytesArb(1, 64), dhG: bytesArb(1, 2), dhYs: bytesArb(1, 64), algorithm: u16Arb, signature: bytesArb(0, 80) })
    .map((v) => ({ ...v, params: encodeServerDhParams(v.dhP, v.dhG, v.dhYs) })),
  encode: encodeServerKeyExchangeDhe,
  decode: decodeServerKeyExchangeDhe,
});

for (const [kex, max] of [['ecdhe', 255], ['dhe', 300], ['rsa', 300]] as [KeyExchangeKind, number][]) {
  codecProperties({
    name: `ClientKeyExchange (${kex})`,
    arb: fc.record({ exchangeKeys: bytesArb(1, max) }),
    encode: (v) => encodeClientKeyExchange(v, kex),
    decode: (b) => decodeClientKeyExchange(b, kex),
    randomMax: 400,
  });
}

codecProperties({
  name: 'CertificateRequest12',
  arb: fc.record({
    certificateTypes: bytesArb(1, 4),
    supportedSignatureAlgorithms: fc.array(u16Arb, { minLength: 1, maxLength: 10 }),
    certificateAuthorities: fc.array(bytesArb(1, 30), { maxLength: 3 }),
  }),
  encode: encodeCertificateRequest12,
  decode: decodeCertificateRequest12,
});

codecProperties({
  name: 'NewSessionTicket12',
  arb: fc.record({ ticketLifetimeHint: u32Arb, ticket: bytesArb(0, 100) }),
  encode: encodeNewSessionTicket12,
  decode: decodeNewSessionTicket12,
});

codecProperties({
  name: 'CertificateStatus',
  arb: fc.record({ ocspResponse: bytesArb(1, 100) }),
  encode: encodeCertificateStatus,
  decode: decodeCertificateStatus,
});

test('ServerKeyExchange (ECDHE): params is the exact signed ServerECDHParams', () => {
  const point = new Uint8Array(32).fill(7);
  const body = encodeServerKeyExchangeEcdhe({ namedCurve: NamedGroup.x25519, publicPoint: point, algorithm: SignatureScheme.rsa_pss_rsae_sha256, signature: Uint8Array.of(1, 2) });
  const ske = decodeServerKeyExchangeEcdhe(body);
  assert.deepEqual(ske.params, body.subarray(0, 4 + 32));
  assert.deepEqual([...ske.params.subarray(0, 4)], [3, 0, 29, 32]);
  const dhe = decodeServerKeyExchangeDhe(encodeServerKeyExchangeDhe({ dhP: Uint8Array.of(23), dhG: Uint8Array.of(2), dhYs: Uint8Array.of(5), algorithm: 0x0401, signature: new Uint8Array(0) }));
  assert.deepEqual(dhe.params, Uint8Array.of(0, 1, 23, 0, 1, 2, 0, 1, 5));
});

test('TLS 1.2 messages: table of malformed bodies', () => {
  const ecdhe = (curveType: number, tail: number[] = [0, 0]): Uint8Array =>
    new Writer().u8(curveType).u16(23).opaque8(Uint8Array.of(4, 1, 2)).u16(0x0403).bytes(Uint8Array.from(tail)).finish();
  const cases: [string, () => unknown, ErrorCode, string?][] = [
    ['Certificate12 empty ASN.1Cert', () => decodeCertificate12(Uint8Array.of(0, 0, 3, 0, 0, 0)), D, 'ASN.1Cert'],
    ['Certificate12 trailing', () => decodeCertificate12(Uint8Array.of(0, 0, 0, 0)), D, 'Certificate'],
    ['Certificate12 list overruns', () => decodeCertificate12(Uint8Array.of(0, 0, 5, 0, 0, 1, 9)), D],
    ['SKE explicit_prime', () => decodeServerKeyExchangeEcdhe(ecdhe(1)), I, 'ServerECDHParams.curve_params.curve_type'],
    ['SKE explicit_char2', () => decodeServerKeyExchangeEcdhe(ecdhe(2)), I],
    ['SKE trailing', () => decodeServerKeyExchangeEcdhe(ecdhe(3, [0, 0, 0])), D, 'ServerKeyExchange'],
    ['SKE missing signature', () => decodeServerKeyExchangeEcdhe(ecdhe(3, [])), D],
    ['SKE empty point', () => decodeServerKeyExchangeEcdhe(Uint8Array.of(3, 0, 23, 0, 4, 3, 0, 0)), D, 'ServerECDHParams.public.point'],
    ['SKE DHE empty dh_g', () => decodeServerKeyExchangeDhe(Uint8Array.of(0, 1, 23, 0, 0, 0, 1, 5, 4, 1, 0, 0)), D, 'ServerDHParams.dh_g'],
    ['CKE ecdhe empty', () => decodeClientKeyExchange(Uint8Array.of(0), 'ecdhe'), D],
    ['CKE ecdhe trailing', () => decodeClientKeyExchange(Uint8Array.of(1, 4, 0), 'ecdhe'), D, 'ClientKeyExchange'],
    ['CKE rsa with u8 length', () => decodeClientKeyExchange(Uint8Array.of(2, 1, 2), 'rsa'), D],
    ['CKE dhe empty', () => decodeClientKeyExchange(Uint8Array.of(0, 0), 'dhe'), D],
    ['CR12 no certificate_types', () => decodeCertificateRequest12(Uint8Array.of(0, 0, 2, 4, 1, 0, 0)), D, 'CertificateRequest.certificate_types'],
    ['CR12 odd sig algs', () => decodeCertificateRequest12(Uint8Array.of(1, 1, 0, 3, 4, 1, 5, 0, 0)), D],
    ['CR12 empty sig algs', () => decodeCertificateRequest12(Uint8Array.of(1, 1, 0, 0, 0, 0)), D],
    ['CR12 empty DN', () => decodeCertificateRequest12(Uint8Array.of(1, 1, 0, 2, 4, 1, 0, 2, 0, 0)), D, 'DistinguishedName'],
    ['NST12 trailing', () => decodeNewSessionTicket12(Uint8Array.of(0, 0, 0, 1, 0, 0, 0)), D],
    ['CertificateStatus type 2', () => decodeCertificateStatus(Uint8Array.of(2, 0, 0, 1, 0)), I, 'CertificateStatus.status_type'],
    ['CertificateStatus empty response', () => decodeCertificateStatus(Uint8Array.of(1, 0, 0, 0)), D],
    ['ServerHelloDone non-empty', () => decodeServerHelloDone(Uint8Array.of(0)), D, 'ServerHelloDone'],
    ['HelloRequest non-empty', () => decodeHelloRequest(Uint8Array.of(0)), D, 'HelloRequest'],
    ['Finished12 13 bytes', () => decodeFinished(new Uint8Array(13), 12), D],
  ];
  for (const [name, fn, code, field] of cases) assert.doesNotThrow(() => throwsTls(fn, code, field), name);
  assert.deepEqual(decodeServerHelloDone(encodeServerHelloDone()), {});
  assert.deepEqual(decodeHelloRequest(encodeHelloRequest()), {});
  assert.deepEqual(decodeNewSessionTicket12(Uint8Array.of(0, 0, 0, 0, 0, 0)).ticket, new Uint8Array(0));
  assert.deepEqual(decodeCertificateRequest12(Uint8Array.of(1, 64, 0, 2, 4, 3, 0, 0)).certificateAuthorities, []);
  assert.equal(decodeFinished(new Uint8Array(12), 12).verifyData.length, 12);
});
