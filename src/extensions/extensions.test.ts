import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ErrorCode } from '../errors.js';
import { NamedGroup } from '../registry/codepoints.js';
import { bytesArb, codecProperties, throwsTls, u16Arb, u32Arb, u8Arb } from '../wire/codec-check.test.js';
import { decodeServerNameClient, decodeServerNameServer, encodeServerNameClient, type ServerNameList } from './server-name.js';
import { decodeSupportedGroups, encodeSupportedGroups } from './supported-groups.js';
import { decodeSignatureAlgorithms, decodeSignatureAlgorithmsCert, encodeSignatureAlgorithms } from './signature-algorithms.js';
import { decodeAlpn, decodeAlpnServer, encodeAlpn, encodeAlpnServer } from './alpn.js';
import { decodeSupportedVersionsClient, decodeSupportedVersionsServer, encodeSupportedVersionsClient, encodeSupportedVersionsServer } from './supported-versions.js';
import { decodeKeyShareClient, decodeKeyShareHrr, decodeKeyShareServer, encodeKeyShareClient, encodeKeyShareHrr, encodeKeyShareServer } from './key-share.js';
import { decodeCookie, encodeCookie } from './cookie.js';
import { decodePskKeyExchangeModes, encodePskKeyExchangeModes } from './psk-key-exchange-modes.js';
import { bindersLength, decodePreSharedKeyClient, decodePreSharedKeyServer, encodePreSharedKeyClient, encodePreSharedKeyServer } from './pre-shared-key.js';
import { decodeEarlyDataEmpty, decodeEarlyDataTicket, encodeEarlyDataTicket } from './early-data.js';
import { decodeRecordSizeLimit, encodeRecordSizeLimit } from './record-size-limit.js';
import { decodeStatusRequest, decodeStatusRequestServer, encodeStatusRequest } from './status-request.js';
import { decodeSignedCertificateTimestampClient, decodeSignedCertificateTimestampList, encodeSignedCertificateTimestampList } from './signed-certificate-timestamp.js';
import { decodePadding, encodePadding } from './padding.js';
import { decodeEcPointFormats, encodeEcPointFormats } from './ec-point-formats.js';
import { decodeRenegotiationInfo, encodeRenegotiationInfo } from './renegotiation-info.js';
import { decodeEncryptThenMac, decodeExtendedMasterSecret, decodePostHandshakeAuth } from './empty-extensions.js';
import { decodeSessionTicket, encodeSessionTicket } from './session-ticket.js';
import { decodeCertificateAuthorities, encodeCertificateAuthorities } from './certificate-authorities.js';
import { decodeCompressCertificate, encodeCompressCertificate } from './compress-certificate.js';

const D = ErrorCode.ERR_TLS_DECODE_ERROR;
const I = ErrorCode.ERR_TLS_ILLEGAL_PARAMETER;
const latin1String = (min: number, max: number): fc.Arbitrary<string> =>
  fc.uint8Array({ minLength: min, maxLength: max }).map((b) => String.fromCharCode(...b));

const serverNameArb: fc.Arbitrary<ServerNameList> = fc
  .tuple(
    fc.option(latin1String(1, 40), { nil: null }),
    fc.uniqueArray(fc.record({ nameType: fc.integer({ min: 1, max: 255 }), name: bytesArb(1, 10) }), { selector: (o) => o.nameType, maxLength: 2 }),
  )
  .filter(([h, o]) => h !== null || o.length > 0)
  .map(([hostName, others]) => ({ hostName, others }));

codecProperties({ name: 'server_name (ClientHello)', arb: serverNameArb, encode: encodeServerNameClient, decode: decodeServerNameClient });
codecProperties({ name: 'supported_groups', arb: fc.array(u16Arb, { minLength: 1, maxLength: 20 }), encode: encodeSupportedGroups, decode: decodeSupportedGroups });
codecProperties({ name: 'signature_algorithms', arb: fc.array(u16Arb, { minLength: 1, maxLength: 20 }), encode: encodeSignatureAlgorithms, decode: decodeSignatureAlgorithms });
codecProperties({ name: 'signature_algorithms_cert', arb: fc.array(u16Arb, { minLength: 1, maxLength: 5 }), encode: encodeSignatureAlgorithms, decode: decodeSignatureAlgorithmsCert });
codecProperties({ name: 'ALPN (ClientHello)', arb: fc.array(latin1String(1, 20), { minLength: 1, maxLength: 5 }), encode: encodeAlpn, decode: decodeAlpn });
codecProperties({ name: 'ALPN (server)', arb: latin1String(1, 255), encode: encodeAlpnServer, decode: decodeAlpnServer });
codecProperties({ name: 'supported_versions (ClientHello)', arb: fc.array(u16Arb, { minLength: 1, maxLength: 127 }), encode: encodeSupportedVersionsClient, decode: decodeSupportedVersionsClient });
codecProperties({ name: 'supported_versions (ServerHello)', arb: u16Arb, encode: encodeSupportedVersionsServer, decode: decodeSupportedVersionsServer });
const keyShareEntryArb = fc.record({ group: u16Arb, keyExchange: bytesArb(1, 70) });
codecProperties({
  name: 'key_share (ClientHello)',
  arb: fc.uniqueArray(keyShareEntryArb, { selector: (e) => e.group, maxLength: 4 }),
  encode: encodeKeyShareClient,
  decode: decodeKeyShareClient,
});
codecProperties({ name: 'key_share (ServerHello)', arb: keyShareEntryArb, encode: encodeKeyShareServer, decode: decodeKeyShareServer });
codecProperties({ name: 'key_share (HelloRetryRequest)', arb: u16Arb, encode: encodeKeyShareHrr, decode: decodeKeyShareHrr });
codecProperties({ name: 'cookie', arb: bytesArb(1, 100), encode: encodeCookie, decode: decodeCookie });
codecProperties({ name: 'psk_key_exchange_modes', arb: fc.array(u8Arb, { minLength: 1, maxLength: 5 }), encode: encodePskKeyExchangeModes, decode: decodePskKeyExchangeModes });
codecProperties({
  name: 'pre_shared_key (ClientHello)',
  arb: fc.integer({ min: 1, max: 3 }).chain((n) =>
    fc.record({
      identities: fc.array(fc.record({ identity: bytesArb(1, 40), obfuscatedTicketAge: u32Arb }), { minLength: n, maxLength: n }),
      binders: fc.array(bytesArb(32, 64), { minLength: n, maxLength: n }),
    }),
  ),
  encode: encodePreSharedKeyClient,
  decode: decodePreSharedKeyClient,
});
codecProperties({ name: 'pre_shared_key (ServerHello)', arb: u16Arb, encode: encodePreSharedKeyServer, decode: decodePreSharedKeyServer });
codecProperties({ name: 'early_data (NewSessionTicket)', arb: u32Arb, encode: encodeEarlyDataTicket, decode: decodeEarlyDataTicket });
codecProperties({ name: 'record_size_limit', arb: fc.integer({ min: 64, max: 0xffff }), encode: encodeRecordSizeLimit, decode: decodeRecordSizeLimit });
codecProperties({
  name: 'status_request (ocsp)',
  arb: fc.record({ responderIdList: fc.array(bytesArb(1, 20), { maxLength: 3 }), requestExtensions: bytesArb(0, 20) }),
  encode: encodeStatusRequest,
  decode: decodeStatusRequest,
});
codecProperties({
  name: 'signed_certificate_timestamp (list)',
  arb: fc.array(bytesArb(1, 40), { minLength: 1, maxLength: 3 }),
  encode: encodeSignedCertificateTimestampList,
  decode: decodeSignedCertificateTimestampList,
});
codecProperties({ name: 'ec_point_formats', arb: fc.array(u8Arb, { minLength: 1, maxLength: 4 }), encode: encodeEcPointFormats, decode: decodeEcPointFormats });
codecProperties({ name: 'renegotiation_info', arb: bytesArb(0, 255), encode: encodeRenegotiationInfo, decode: decodeRenegotiationInfo });
codecProperties({
  name: 'certificate_authorities',
  arb: fc.array(bytesArb(1, 40), { minLength: 1, maxLength: 4 }),
  encode: encodeCertificateAuthorities,
  decode: decodeCertificateAuthorities,
});
codecProperties({ name: 'compress_certificate', arb: fc.array(u16Arb, { minLength: 1, maxLength: 127 }), encode: encodeCompressCertificate, decode: decodeCompressCertificate });
// Opaque-to-the-end bodies: every prefix is itself a valid body.
codecProperties({ name: 'session_ticket', arb: bytesArb(0, 100), encode: encodeSessionTicket, decode: decodeSessionTicket, prefixesAreValid: true });
codecProperties({
  name: 'padding',
  arb: fc.nat({ max: 600 }).map((length) => ({ length, allZero: true })),
  encode: encodePadding,
  decode: decodePadding,
  prefixesAreValid: true,
});

const b = (...xs: number[]): Uint8Array => Uint8Array.from(xs);

test('extensions: table of malformed bodies', () => {
  const cases: [string, () => unknown, ErrorCode, string?][] = [
    ['server_name empty list', () => decodeServerNameClient(b(0, 0)), D, 'server_name.server_name_list'],
    ['server_name empty host_name', () => decodeServerNameClient(b(0, 3, 0, 0, 0)), D, 'ServerName.host_name'],
    ['server_name two host_names', () => decodeServerNameClient(b(0, 8, 0, 0, 1, 0x61, 0, 0, 1, 0x62)), I, 'ServerName.name_type'],
    ['server_name two of type 7', () => decodeServerNameClient(b(0, 8, 7, 0, 1, 0x61, 7, 0, 1, 0x62)), I],
    ['server_name trailing', () => decodeServerNameClient(b(0, 4, 0, 0, 1, 0x61, 0)), D, 'server_name'],
    ['server_name server side non-empty', () => decodeServerNameServer(b(0)), D],
    ['supported_groups odd', () => decodeSupportedGroups(b(0, 3, 0, 29, 0)), D, 'supported_groups.named_group_list'],
    ['supported_groups empty', () => decodeSupportedGroups(b(0, 0)), D],
    ['signature_algorithms empty', () => decodeSignatureAlgorithms(b(0, 0)), D],
    ['signature_algorithms odd', () => decodeSignatureAlgorithms(b(0, 1, 4)), D],
    ['signature_algorithms_cert odd', () => decodeSignatureAlgorithmsCert(b(0, 3, 4, 3, 8)), D],
    ['ALPN empty list', () => decodeAlpn(b(0, 0)), D],
    ['ALPN empty name', () => decodeAlpn(b(0, 3, 0, 1, 0x68)), D, 'ProtocolName'],
    ['ALPN truncated name', () => decodeAlpn(b(0, 3, 3, 0x68, 0x32)), D],
    ['ALPN server two names', () => decodeAlpnServer(b(0, 6, 2, 0x68, 0x32, 2, 0x68, 0x33)), D],
    ['supported_versions CH empty', () => decodeSupportedVersionsClient(b(0)), D],
    ['supported_versions CH odd', () => decodeSupportedVersionsClient(b(3, 3, 4, 3)), D],
    ['supported_versions CH 255', () => decodeSupportedVersionsClient(new Uint8Array(256).fill(255, 0, 1)), D],
    ['supported_versions SH 3 bytes', () => decodeSupportedVersionsServer(b(3, 4, 0)), D, 'supported_versions'],
    ['key_share duplicate group', () => decodeKeyShareClient(b(0, 10, 0, 29, 0, 1, 1, 0, 29, 0, 1, 2)), I, 'KeyShareEntry.group'],
    ['key_share empty key_exchange', () => decodeKeyShareClient(b(0, 4, 0, 29, 0, 0)), D, 'KeyShareEntry.key_exchange'],
    ['key_share SH trailing', () => decodeKeyShareServer(b(0, 29, 0, 1, 1, 0)), D],
    ['key_share HRR 3 bytes', () => decodeKeyShareHrr(b(0, 29, 0)), D],
    ['cookie empty', () => decodeCookie(b(0, 0)), D, 'cookie.cookie'],
    ['psk_key_exchange_modes empty', () => decodePskKeyExchangeModes(b(0)), D],
    ['pre_shared_key binder 31', () => decodePreSharedKeyClient(b(0, 7, 0, 1, 0xaa, 0, 0, 0, 0, 0, 33, 31, ...new Uint8Array(31), 0)), D, 'PskBinderEntry'],
    ['pre_shared_key count mismatch', () => decodePreSharedKeyClient(b(0, 7, 0, 1, 0xaa, 0, 0, 0, 0, 0, 66, 32, ...new Uint8Array(32), 32, ...new Uint8Array(32))), I, 'OfferedPsks.binders'],
    ['pre_shared_key no identities', () => decodePreSharedKeyClient(b(0, 0, 0, 33, 32, ...new Uint8Array(32))), D],
    ['pre_shared_key SH 3 bytes', () => decodePreSharedKeyServer(b(0, 0, 0)), D],
    ['early_data CH non-empty', () => decodeEarlyDataEmpty(b(0)), D],
    ['early_data NST 3 bytes', () => decodeEarlyDataTicket(b(0, 0, 0)), D],
    ['record_size_limit 63', () => decodeRecordSizeLimit(b(0, 63)), I, 'record_size_limit'],
    ['record_size_limit 0', () => decodeRecordSizeLimit(b(0, 0)), I],
    ['record_size_limit 3 bytes', () => decodeRecordSizeLimit(b(0, 64, 0)), D],
    ['status_request empty', () => decodeStatusRequest(b()), D],
    ['status_request empty ResponderID', () => decodeStatusRequest(b(1, 0, 2, 0, 0, 0, 0)), D, 'ResponderID'],
    ['status_request server non-empty', () => decodeStatusRequestServer(b(1)), D],
    ['sct client non-empty', () => decodeSignedCertificateTimestampClient(b(0)), D],
    ['sct empty list', () => decodeSignedCertificateTimestampList(b(0, 0)), D],
    ['ec_point_formats empty', () => decodeEcPointFormats(b(0)), D],
    ['renegotiation_info trailing', () => decodeRenegotiationInfo(b(0, 0)), D],
    ['extended_master_secret non-empty', () => decodeExtendedMasterSecret(b(0)), D, 'extended_master_secret'],
    ['encrypt_then_mac non-empty', () => decodeEncryptThenMac(b(0)), D],
    ['post_handshake_auth non-empty', () => decodePostHandshakeAuth(b(0)), D],
    ['certificate_authorities empty', () => decodeCertificateAuthorities(b(0, 0)), D],
    ['certificate_authorities empty DN', () => decodeCertificateAuthorities(b(0, 3, 0, 0, 0)), D],
    ['compress_certificate odd', () => decodeCompressCertificate(b(3, 0, 1, 0)), D],
    ['compress_certificate empty', () => decodeCompressCertificate(b(0)), D],
  ];
  for (const [name, fn, code, field] of cases) assert.doesNotThrow(() => throwsTls(fn, code, field), name);
});

test('extensions: accepted edge cases', () => {
  assert.equal(decodeStatusRequest(b(2, 9, 9)), null, 'unknown status_type is ignored');
  assert.deepEqual(decodeServerNameClient(encodeServerNameClient('example.com')), { hostName: 'example.com', others: [] });
  decodeServerNameServer(b());
  decodeEarlyDataEmpty(b());
  decodeExtendedMasterSecret(b());
  assert.deepEqual(decodePadding(b(0, 1, 0)), { length: 3, allZero: false });
  assert.deepEqual(decodeRenegotiationInfo(b(0)), new Uint8Array(0));
  assert.deepEqual(encodeRenegotiationInfo(), b(0));
  assert.equal(decodeRecordSizeLimit(b(0, 64)), 64);
  assert.equal(bindersLength([new Uint8Array(32), new Uint8Array(48)]), 2 + 33 + 49);
  const psk = encodePreSharedKeyClient({ identities: [{ identity: b(1), obfuscatedTicketAge: 0 }], binders: [new Uint8Array(32)] });
  assert.equal(psk.length, 2 + 7 + bindersLength([new Uint8Array(32)]));
  assert.deepEqual(decodeKeyShareHrr(encodeKeyShareHrr(NamedGroup.x25519)), NamedGroup.x25519);
  // encoders refuse what the wire cannot express (internal error, never wrong bytes)
  const X = ErrorCode.ERR_TLS_INTERNAL_ERROR;
  throwsTls(() => encodeAlpn([]), X);
  throwsTls(() => encodeAlpn(['']), X);
  throwsTls(() => encodeAlpn(['x'.repeat(256)]), X);
  throwsTls(() => encodeAlpn(['\u0100']), X);
  throwsTls(() => encodeCookie(b()), X);
  throwsTls(() => encodeKeyShareServer({ group: 29, keyExchange: b() }), X);
  throwsTls(() => encodePreSharedKeyClient({ identities: [{ identity: b(1), obfuscatedTicketAge: 0 }], binders: [new Uint8Array(31)] }), X);
  throwsTls(() => encodeSupportedVersionsClient([]), X);
  throwsTls(() => encodeSupportedGroups([0x10000]), X);
});
