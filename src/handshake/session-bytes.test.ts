import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, TlsError } from '../errors.js';
import { ProtocolVersion } from '../registry/codepoints.js';
import { utf8 } from '../wire/bytes.js';
import { decodeClientSession12, encodeClientSession12, type ClientSession12 } from './resumption12.js';
import { decodeClientSession, encodeClientSession, type ClientSession13 } from './resumption13.js';

const s13: ClientSession13 = {
  version: ProtocolVersion.TLS1_3,
  cipherSuite: 0x1301,
  psk: new Uint8Array(32).fill(1),
  ticket: new Uint8Array([9, 9, 9]),
  ticketAgeAdd: 7,
  lifetimeS: 3600,
  receivedAt: 1_700_000_000_000,
  maxEarlyDataSize: 0,
  serverName: 'sni.example',
  alpn: 'h2',
  peerCertificates: [new Uint8Array([0x30, 1, 2])],
  verified: true,
};
const s12: ClientSession12 = {
  version: ProtocolVersion.TLS1_2,
  cipherSuite: 0xc02f,
  masterSecret: new Uint8Array(48).fill(2),
  extendedMasterSecret: true,
  sessionId: new Uint8Array(32).fill(3),
  ticket: new Uint8Array(0),
  lifetimeS: 7200,
  receivedAt: 1_700_000_000_000,
  serverName: 'sni.example',
  alpn: 'h2',
  peerCertificates: [new Uint8Array([0x30, 1, 2])],
  verified: true,
};

/** The bytes with the server name's UTF-8 'sni.example' replaced by 0xff bytes of the same length. */
function corruptServerName(bytes: Uint8Array): Uint8Array {
  const name = utf8('sni.example');
  const out = bytes.slice();
  for (let at = 0; at + name.length <= out.length; at++) {
    if (name.every((b, i) => out[at + i] === b)) {
      out.fill(0xff, at, at + name.length);
      return out;
    }
  }
  throw new Error('server name not found');
}

const isDecodeError = (field: string) => (e: unknown): boolean =>
  e instanceof TlsError && e.code === ErrorCode.ERR_TLS_DECODE_ERROR && e.message.includes(field);

test('client session bytes (both versions): the shared tail round-trips; a server name that is not UTF-8 is decode_error', () => {
  const a = decodeClientSession(encodeClientSession(s13));
  assert.deepEqual(a, s13);
  const b = decodeClientSession12(encodeClientSession12(s12));
  assert.deepEqual(b, s12);
  const none13 = decodeClientSession(encodeClientSession({ ...s13, serverName: undefined, alpn: undefined, verified: false }));
  assert.equal(none13.serverName, undefined);
  assert.equal(none13.alpn, undefined);
  assert.equal(none13.verified, false);
  assert.throws(() => decodeClientSession(corruptServerName(encodeClientSession(s13))), isDecodeError('session.server_name'));
  assert.throws(() => decodeClientSession12(corruptServerName(encodeClientSession12(s12))), isDecodeError('session.server_name'));
});
