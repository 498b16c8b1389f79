/**
 * RFC 8448 §3 (Simple 1-RTT Handshake), end to end: tlskit's real client and server state
 * machines, Connection and record layer, driven by a scripted provider (the RFC's randoms, X25519
 * keys and RSA-PSS signature), must emit the RFC's records byte for byte and accept the peer's.
 *
 * The client side is replayed completely (ClientHello through close_notify). The server side is
 * checked through its whole first flight and the client's records it must accept; the RFC server
 * then sends a NewSessionTicket (session resumption is a later feature), so its later records
 * carry other sequence numbers and are not compared.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Connection } from '../../src/connection/connection.js';
import { nodeCryptoProvider } from '../../src/crypto/node-provider.js';
import { createScriptedProvider } from '../../src/crypto/test-provider.js';
import { clientConfig, serverConfig } from '../../src/handshake/config.js';
import type { ClientHelloProfile } from '../../src/handshake/hello-profile.js';
import { decodeCertificate13 } from '../../src/messages/certificate13.js';
import { decodeCertificateVerify } from '../../src/messages/certificate-verify.js';
import { ExtensionType, NamedGroup } from '../../src/registry/codepoints.js';
import { concat, fromHex, toHex } from '../../src/wire/bytes.js';

interface VectorRecord {
  readonly sender: 'client' | 'server';
  readonly type: string;
  readonly payload: string;
  readonly record: string;
}
interface Vectors {
  readonly values: Readonly<Record<string, string>>;
  readonly records: readonly VectorRecord[];
}

const here = import.meta.dirname;
// tests run from dist/test/rfc8448 when compiled and from test/rfc8448 under tsx
const vectorsPath = [join(here, '..', 'vectors', 'rfc8448-simple.json'), join(here, '..', '..', '..', 'test', 'vectors', 'rfc8448-simple.json')].find((p) => {
  try {
    readFileSync(p);
    return true;
  } catch {
    return false;
  }
});
assert.ok(vectorsPath !== undefined, 'rfc8448-simple.json not found');
const vectors = JSON.parse(readFileSync(vectorsPath, 'utf8')) as Vectors;
const value = (name: string): Uint8Array => {
  const hex = vectors.values[name];
  assert.ok(hex !== undefined, `RFC 8448 value "${name}" missing`);
  return fromHex(hex);
};
const record = (i: number): VectorRecord => {
  const r = vectors.records[i];
  assert.ok(r !== undefined, `RFC 8448 record ${i} missing`);
  return r;
};
const recordBytes = (i: number): Uint8Array => fromHex(record(i).record);
const payload = (i: number): Uint8Array => fromHex(record(i).payload);

// RFC 8448 §2: the server's RSA key.
const h = (s: string): string => Buffer.from(s.replace(/\s+/g, ''), 'hex').toString('base64url');
const rsaJwk = {
  kty: 'RSA',
  n: h(`b4 bb 49 8f 82 79 30 3d 98 08 36 39 9b 36 c6 98 8c 0c 68 de 55 e1 bd b8 26 d3 90 1a 24 61 ea fd 2d e4 9a 91 d0 15 ab
    bc 9a 95 13 7a ce 6c 1a f1 9e aa 6a f9 8c 7c ed 43 12 09 98 e1 87 a8 0e e0 cc b0 52 4b 1b 01 8c 3e 0b 63 26 4d 44 9a 6d 38 e2 2a 5f
    da 43 08 46 74 80 30 53 0e f0 46 1c 8c a9 d9 ef bf ae 8e a6 d1 d0 3e 2b d1 93 ef f0 ab 9a 80 02 c4 74 28 a6 d3 5a 8d 88 d7 9f 7f 1e 3f`),
  e: h('01 00 01'),
  d: h(`04 de a7 05 d4 3a 6e a7 20 9d d8 07 21 11 a8 3c 81 e3 22 a5 92 78 b3 34 80 64 1e af 7c 0a 69 85 b8 e3 1c 44 f6 de 62
    e1 b4 c2 30 9f 61 26 e7 7b 7c 41 e9 23 31 4b bf a3 88 13 05 dc 12 17 f1 6c 81 9c e5 38 e9 22 f3 69 82 8d 0e 57 19 5d 8c 84 88 46 02
    07 b2 fa a7 26 bc f7 08 bb d7 db 7f 67 9f 89 34 92 fc 2a 62 2e 08 97 0a ac 44 1c e4 e0 c3 08 8d f2 5a e6 79 23 3d f8 a3 bd a2 ff 99 41`),
  p: h(`e4 35 fb 7c c8 37 37 75 6d ac ea 96 ab 7f 59 a2 cc 10 69 db 7d eb 19 0e 17 e3 3a 53 2b 27 3f 30 a3 27 aa 0a aa bc 58 cd 67 46
    6a f9 84 5f ad c6 75 fe 09 4a f9 2c 4b d1 f2 c1 bc 33 dd 2e 05 15`),
  q: h(`ca bd 3b c0 e0 43 86 64 c8 d4 cc 9f 99 97 7a 94 d9 bb fe ad 8e 43 87 0a ba e3 f7 eb 8b 4e 0e ee 8a f1 d9 b4 71 9b a6 19 6c f2
    cb ba ee eb f8 b3 49 0a fe 9e 9f fa 74 a8 8a a5 1f c6 45 62 93 03`),
  dp: h(`3f 57 34 5c 27 fe 1b 68 7e 6e 76 16 27 b7 8b 1b 82 64 33 dd 76 0f a0 be a6 a6 ac f3 94 90 aa 1b 47 cd a4 86 9d 68 f5 84 dd
    5b 50 29 bd 32 09 3b 82 58 66 1f e7 15 02 5e 5d 70 a4 5a 08 d3 d3 19`),
  dq: h(`18 3d a0 13 63 bd 2f 28 85 ca cb dc 99 64 bf 47 64 f1 51 76 36 f8 64 01 28 6f 71 89 3c 52 cc fe 40 a6 c2 3d 0d 08 6b 47 c6
    fb 10 d8 fd 10 41 e0 4d ef 7e 9a 40 ce 95 7c 41 77 94 e1 04 12 d1 39`),
  qi: h(`83 9c a9 a0 85 e4 28 6b 2c 90 e4 66 99 7a 2c 68 1f 21 33 9a a3 47 78 14 e4 de c1 18 33 05 0e d5 0d d1 3c c0 38 04 8a 43
    c5 9b 2a cc 41 68 89 c0 37 66 5f e5 af a6 05 96 9f 8c 01 df a5 ca 96 9d`),
};
const serverKeyPem = createPrivateKey({ key: rsaJwk, format: 'jwk' }).export({ format: 'pem', type: 'pkcs8' }).toString();

// What RFC 8448's ClientHello carries, in its order.
const clientHello = value('client ClientHello');
const clientRandom = clientHello.slice(6, 38);
const serverHello = value('server ServerHello');
const serverRandom = serverHello.slice(6, 38);
const rfcGroups = Uint8Array.from([0x00, 0x12, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x18, 0x00, 0x19, 0x01, 0x00, 0x01, 0x01, 0x01, 0x02, 0x01, 0x03, 0x01, 0x04]);
const rfcSignatureAlgorithms = [0x0403, 0x0503, 0x0603, 0x0203, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0201, 0x0402, 0x0502, 0x0602, 0x0202];
const rfc8448Profile: ClientHelloProfile = {
  name: 'RFC 8448 §3 client',
  greaseCipherSuite: false,
  greaseGroups: false,
  greaseVersions: false,
  greaseSignatureAlgorithms: false,
  padTo: 0,
  extensions: [
    { kind: 'standard', type: ExtensionType.server_name },
    { kind: 'raw', type: ExtensionType.renegotiation_info, data: Uint8Array.of(0) },
    { kind: 'raw', type: ExtensionType.supported_groups, data: rfcGroups },
    { kind: 'raw', type: ExtensionType.session_ticket, data: new Uint8Array(0) },
    { kind: 'standard', type: ExtensionType.key_share },
    { kind: 'standard', type: ExtensionType.supported_versions },
    { kind: 'standard', type: ExtensionType.signature_algorithms },
    { kind: 'standard', type: ExtensionType.psk_key_exchange_modes },
    { kind: 'standard', type: ExtensionType.record_size_limit },
  ],
};

const certificateEntry = decodeCertificate13(value('server Certificate').subarray(4)).certificateList[0];
if (certificateEntry === undefined) throw new Error('RFC 8448 certificate missing');
const certificateDer = certificateEntry.certData;
const rfcSignature = decodeCertificateVerify(value('server CertificateVerify').subarray(4)).signature;

function makeClient(): Connection {
  const provider = createScriptedProvider(nodeCryptoProvider, {
    random: [clientRandom],
    x25519PrivateKeys: [{ privateKey: value('client x25519 private key'), publicKey: value('client x25519 public key') }],
  });
  return new Connection(
    clientConfig({
      provider,
      verifier: null, // the RFC's certificate is self-signed for "rsa"; CertificateVerify is still checked
      serverName: 'server',
      cipherSuites: [0x1301, 0x1303, 0x1302],
      minVersion: 0x0304, // the RFC 8448 client offers TLS 1.3 only
      groups: [NamedGroup.x25519],
      signatureAlgorithms: rfcSignatureAlgorithms,
      recordSizeLimit: 0x4001,
      middleboxCompatibility: false,
      helloProfile: rfc8448Profile,
    }),
  );
}

function makeServer(): Connection {
  const provider = createScriptedProvider(nodeCryptoProvider, {
    random: [serverRandom],
    x25519PrivateKeys: [{ privateKey: value('server x25519 private key'), publicKey: value('server x25519 public key') }],
    signatures: [rfcSignature],
  });
  return new Connection(
    serverConfig({
      provider,
      certificates: [{ chain: [certificateDer], key: provider.importPrivateKey(serverKeyPem), names: [] }],
      cipherSuites: [0x1301, 0x1303, 0x1302],
      groups: [NamedGroup.x25519],
      advertisedGroups: [0x001d, 0x0017, 0x0018, 0x0019, 0x0100, 0x0101, 0x0102, 0x0103, 0x0104],
    }),
  );
}

const out = (c: Connection): string => toHex(concat(...c.takeOutput()));
const noError = (c: Connection): void => {
  const e = c.error;
  assert.equal(e, null, e === null ? '' : `${e.code}: ${e.message}`);
};

test('RFC 8448 §3 client: every record it sends is byte-identical, every record it receives is accepted', () => {
  const received: Uint8Array[] = [];
  let ended = false;
  const client = makeClient();
  client.events.data = (d) => received.push(d.slice());
  client.events.end = () => (ended = true);
  client.start();
  assert.equal(out(client), record(0).record, 'ClientHello record');
  client.receive(recordBytes(1)); // ServerHello
  client.receive(recordBytes(2)); // EncryptedExtensions … Finished (one protected record)
  noError(client);
  assert.equal(client.isSecure, true);
  assert.equal(out(client), record(3).record, 'client Finished record');
  client.receive(recordBytes(4)); // NewSessionTicket (decoded and checked)
  noError(client);
  client.write(payload(5));
  assert.equal(out(client), record(5).record, 'client application data record');
  client.receive(recordBytes(6));
  assert.deepEqual(received, [payload(6)]);
  client.end();
  assert.equal(out(client), record(7).record, 'client close_notify record');
  client.receive(recordBytes(8));
  assert.equal(ended, true);
  assert.equal(client.error, null);
  assert.equal(toHex(client.negotiated.serverFinished!), toHex(value('server finished verify_data')));
  assert.equal(toHex(client.negotiated.clientFinished!), toHex(value('client finished verify_data')));
});

test('RFC 8448 §3 server: its first flight is byte-identical and it accepts the client records', () => {
  const received: Uint8Array[] = [];
  const server = makeServer();
  server.events.data = (d) => received.push(d.slice());
  server.receive(recordBytes(0)); // ClientHello
  noError(server);
  assert.equal(out(server), record(1).record + record(2).record, 'ServerHello + protected EncryptedExtensions…Finished');
  server.receive(recordBytes(3)); // client Finished
  noError(server);
  assert.equal(server.isSecure, true);
  server.receive(recordBytes(5)); // client application data
  assert.deepEqual(received, [payload(5)]);
  assert.equal(server.error, null);
});
