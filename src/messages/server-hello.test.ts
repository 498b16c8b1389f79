import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ErrorCode } from '../errors.js';
import { fromHex } from '../wire/bytes.js';
import { Writer } from '../wire/writer.js';
import { bytesArb, codecProperties, extensionsArb, throwsTls, u16Arb, u8Arb } from '../wire/codec-check.test.js';
import {
  decodeServerHello, downgradeSentinel, DOWNGRADE_TLS11, DOWNGRADE_TLS12, encodeServerHello, HELLO_RETRY_REQUEST_RANDOM,
  isHelloRetryRequest, type ServerHello,
} from './server-hello.js';

const serverHelloArb: fc.Arbitrary<ServerHello> = fc.record({
  legacyVersion: u16Arb,
  random: fc.oneof(bytesArb(32, 32), fc.constant(HELLO_RETRY_REQUEST_RANDOM)),
  legacySessionIdEcho: bytesArb(0, 32),
  cipherSuite: u16Arb,
  legacyCompressionMethod: u8Arb,
  extensions: extensionsArb(),
});

codecProperties({
  name: 'ServerHello',
  arb: serverHelloArb,
  encode: encodeServerHello,
  decode: decodeServerHello,
  prefixMayDecode: (sh, len) => sh.extensions.length > 0 && len === 2 + 32 + 1 + sh.legacySessionIdEcho.length + 3,
});

function rawServerHello(o: { sid?: number; exts?: Uint8Array | null } = {}): Uint8Array {
  const w = new Writer();
  w.u16(0x0303).bytes(new Uint8Array(32)).opaque8(new Uint8Array(o.sid ?? 0)).u16(0x1301).u8(0);
  if (o.exts !== null) w.bytes(o.exts ?? Uint8Array.of(0, 0));
  return w.finish();
}

test('ServerHello: table of malformed bodies', () => {
  const D = ErrorCode.ERR_TLS_DECODE_ERROR;
  const cases: [Uint8Array, ErrorCode, string?][] = [
    [new Uint8Array(0), D],
    [rawServerHello({ sid: 33 }), D, 'ServerHello.legacy_session_id_echo'],
    [rawServerHello({ exts: Uint8Array.of(0, 0, 0) }), D, 'ServerHello'],
    [rawServerHello({ exts: Uint8Array.of(0) }), D],
    [rawServerHello({ exts: Uint8Array.of(0, 8, 0, 43, 0, 0, 0, 43, 0, 0) }), ErrorCode.ERR_TLS_ILLEGAL_PARAMETER, 'ServerHello.extensions'],
  ];
  for (const [body, code, field] of cases) throwsTls(() => decodeServerHello(body), code, field);
  assert.deepEqual(decodeServerHello(rawServerHello({ exts: null })).extensions, []);
});

test('ServerHello: HelloRetryRequest random and downgrade sentinels (RFC 8446 §4.1.3)', () => {
  assert.deepEqual(HELLO_RETRY_REQUEST_RANDOM, fromHex('CF21AD74E59A6111BE1D8C021E65B891C2A211167ABB8C5E079E09E2C8A8339C'));
  assert.deepEqual(DOWNGRADE_TLS12, fromHex('444F574E47524401'));
  assert.deepEqual(DOWNGRADE_TLS11, fromHex('444F574E47524400'));
  const sh = decodeServerHello(rawServerHello());
  assert.equal(isHelloRetryRequest(sh), false);
  assert.equal(isHelloRetryRequest({ ...sh, random: HELLO_RETRY_REQUEST_RANDOM.slice() }), true);
  const r = new Uint8Array(32);
  assert.equal(downgradeSentinel(r), null);
  r.set(DOWNGRADE_TLS12, 24);
  assert.equal(downgradeSentinel(r), 'tls12');
  r.set(DOWNGRADE_TLS11, 24);
  assert.equal(downgradeSentinel(r), 'tls11');
});
