import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import fc from 'fast-check';
import { ErrorCode } from '../errors.js';
import { ExtensionType, HandshakeType, NamedGroup, ProtocolVersion } from '../registry/codepoints.js';
import { Writer } from '../wire/writer.js';
import { bytesArb, codecProperties, extensionsArb, throwsTls, u16Arb } from '../wire/codec-check.test.js';
import { findExtension } from '../extensions/extension.js';
import { decodeServerNameClient } from '../extensions/server-name.js';
import { decodeSupportedVersionsClient } from '../extensions/supported-versions.js';
import { decodeKeyShareClient } from '../extensions/key-share.js';
import { decodeClientHello, encodeClientHello, type ClientHello } from './client-hello.js';
import { parseHandshake } from './handshake.js';

const pskExt = fc.record({ type: fc.constant(ExtensionType.pre_shared_key as number), data: bytesArb(0, 40) });

const clientHelloArb: fc.Arbitrary<ClientHello> = fc.record({
  legacyVersion: u16Arb,
  random: bytesArb(32, 32),
  legacySessionId: bytesArb(0, 32),
  cipherSuites: fc.array(u16Arb, { minLength: 1, maxLength: 20 }),
  legacyCompressionMethods: bytesArb(1, 3),
  extensions: fc
    .tuple(extensionsArb({ excluded: [ExtensionType.pre_shared_key] }), fc.option(pskExt, { nil: undefined }))
    .map(([exts, psk]) => (psk === undefined ? exts : [...exts, psk])),
});

/** Length of the ClientHello without its extensions block (a valid TLS 1.2-style ClientHello). */
const withoutExtensions = (ch: ClientHello): number =>
  2 + 32 + 1 + ch.legacySessionId.length + 2 + 2 * ch.cipherSuites.length + 1 + ch.legacyCompressionMethods.length;

codecProperties({
  name: 'ClientHello',
  arb: clientHelloArb,
  encode: encodeClientHello,
  decode: decodeClientHello,
  prefixMayDecode: (ch, len) => ch.extensions.length > 0 && len === withoutExtensions(ch),
});

/** Build a ClientHello body by hand so malformed variants can be expressed. */
function rawClientHello(o: { sid?: number; suites?: Uint8Array; comp?: Uint8Array; exts?: Uint8Array | null; trailing?: number } = {}): Uint8Array {
  const w = new Writer();
  w.u16(0x0303).bytes(new Uint8Array(32));
  w.opaque8(new Uint8Array(o.sid ?? 0));
  w.opaque16(o.suites ?? Uint8Array.of(0x13, 0x01));
  w.opaque8(o.comp ?? Uint8Array.of(0));
  if (o.exts !== null) w.bytes(o.exts ?? Uint8Array.of(0, 0));
  for (let i = 0; i < (o.trailing ?? 0); i++) w.u8(0);
  return w.finish();
}
const extList = (...types: number[]): Uint8Array => {
  const w = new Writer();
  w.vec16(() => {
    for (const t of types) w.u16(t).u16(0);
  });
  return w.finish();
};
const D = ErrorCode.ERR_TLS_DECODE_ERROR;
const I = ErrorCode.ERR_TLS_ILLEGAL_PARAMETER;

test('ClientHello: table of malformed bodies', () => {
  const cases: [string, Uint8Array, ErrorCode, string?][] = [
    ['empty body', new Uint8Array(0), D],
    ['odd cipher_suites', rawClientHello({ suites: Uint8Array.of(0x13, 0x01, 0x13) }), D, 'ClientHello.cipher_suites'],
    ['empty cipher_suites', rawClientHello({ suites: new Uint8Array(0) }), D, 'ClientHello.cipher_suites'],
    ['legacy_session_id of 33', rawClientHello({ sid: 33 }), D, 'ClientHello.legacy_session_id'],
    ['empty legacy_compression_methods', rawClientHello({ comp: new Uint8Array(0) }), D, 'ClientHello.legacy_compression_methods'],
    ['trailing byte after extensions', rawClientHello({ trailing: 1 }), D, 'ClientHello'],
    ['one stray byte instead of extensions', rawClientHello({ exts: Uint8Array.of(0) }), D],
    ['extensions length too long', rawClientHello({ exts: Uint8Array.of(0, 5, 0, 0, 0, 0) }), D],
    ['extension_data overruns the list', rawClientHello({ exts: Uint8Array.of(0, 4, 0, 0, 0, 1) }), D],
    ['duplicate extension', rawClientHello({ exts: extList(0, 10, 0) }), I, 'ClientHello.extensions'],
    ['pre_shared_key not last', rawClientHello({ exts: extList(41, 43) }), I, 'ClientHello.extensions'],
  ];
  for (const [name, body, code, field] of cases) {
    const e = throwsTls(() => decodeClientHello(body), code, field);
    assert.ok(e.message.length > 0, name);
  }
});

test('ClientHello: accepted edge cases', () => {
  assert.deepEqual(decodeClientHello(rawClientHello({ exts: null })).extensions, []);
  assert.deepEqual(decodeClientHello(rawClientHello({ exts: Uint8Array.of(0, 0) })).extensions, []);
  const ch = decodeClientHello(rawClientHello({ exts: extList(43, 41) }));
  assert.deepEqual(ch.extensions.map((e) => e.type), [43, 41]);
  assert.equal(decodeClientHello(rawClientHello({ sid: 32 })).legacySessionId.length, 32);
  // TLS 1.2-style ClientHello with no extensions encodes without the block
  const body = rawClientHello({ exts: null });
  assert.deepEqual(encodeClientHello(decodeClientHello(body)), body);
});

test('ClientHello: encoder refuses what cannot be expressed', () => {
  const ok: ClientHello = { legacyVersion: 0x0303, random: new Uint8Array(32), legacySessionId: new Uint8Array(0), cipherSuites: [0x1301], legacyCompressionMethods: Uint8Array.of(0), extensions: [] };
  throwsTls(() => encodeClientHello({ ...ok, random: new Uint8Array(31) }), ErrorCode.ERR_TLS_INTERNAL_ERROR);
  throwsTls(() => encodeClientHello({ ...ok, legacySessionId: new Uint8Array(33) }), ErrorCode.ERR_TLS_INTERNAL_ERROR);
  throwsTls(() => encodeClientHello({ ...ok, cipherSuites: [] }), ErrorCode.ERR_TLS_INTERNAL_ERROR);
  throwsTls(() => encodeClientHello({ ...ok, cipherSuites: [0x10000] }), ErrorCode.ERR_TLS_INTERNAL_ERROR);
});

/** Capture the first TLS record(s) holding a complete ClientHello from `openssl s_client`. */
async function captureOpensslClientHello(): Promise<Uint8Array | null> {
  const server = createServer();
  let child: ReturnType<typeof spawn> | undefined;
  try {
    const captured = new Promise<Uint8Array>((resolve, reject) => {
      server.on('connection', (sock) => {
        let buf = new Uint8Array(0);
        sock.on('data', (d: Uint8Array) => {
          const next = new Uint8Array(buf.length + d.length);
          next.set(buf);
          next.set(d, buf.length);
          buf = next;
          if (buf.length >= 5) {
            const len = ((buf[3] as number) << 8) | (buf[4] as number);
            if (buf.length >= 5 + len) {
              sock.destroy();
              resolve(buf.subarray(0, 5 + len));
            }
          }
        });
        sock.on('error', reject);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const proc = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-tls1_3', '-servername', 'example.com'], {
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    child = proc;
    const spawnFailed = new Promise<null>((resolve) => proc.on('error', () => resolve(null)));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timed out waiting for openssl')), 8000);
    });
    try {
      return await Promise.race([captured, spawnFailed, timeout]);
    } finally {
      clearTimeout(timer);
    }
  } finally {
    if (child !== undefined && child.exitCode === null) child.kill('SIGKILL');
    server.close();
  }
}

test('ClientHello: decodes a real openssl s_client -tls1_3 ClientHello', async (t) => {
  const record = await captureOpensslClientHello();
  if (record === null) {
    t.skip('openssl not available');
    return;
  }
  assert.equal(record[0], 22, 'handshake record');
  const msg = parseHandshake(record.subarray(5));
  assert.equal(msg.type, HandshakeType.client_hello);
  const ch = decodeClientHello(msg.body);
  assert.equal(ch.legacyVersion, ProtocolVersion.TLS1_2);
  assert.equal(ch.random.length, 32);
  assert.ok(ch.cipherSuites.includes(0x1301));
  assert.deepEqual([...ch.legacyCompressionMethods], [0]);
  const sni = findExtension(ch.extensions, ExtensionType.server_name);
  assert.ok(sni);
  assert.equal(decodeServerNameClient(sni.data).hostName, 'example.com');
  const sv = findExtension(ch.extensions, ExtensionType.supported_versions);
  assert.ok(sv);
  assert.ok(decodeSupportedVersionsClient(sv.data).includes(ProtocolVersion.TLS1_3));
  const ks = findExtension(ch.extensions, ExtensionType.key_share);
  assert.ok(ks);
  const x = decodeKeyShareClient(ks.data).find((e) => e.group === NamedGroup.x25519);
  assert.ok(x);
  assert.equal(x.keyExchange.length, 32);
  // the encoder reproduces the exact bytes
  assert.deepEqual(encodeClientHello(ch), msg.body);
});
