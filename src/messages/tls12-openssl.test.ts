/**
 * Decode real TLS 1.2 server flights from `openssl s_server`: we send a ClientHello built with our
 * encoder (so it is also checked against OpenSSL's parser) and decode ServerHello, Certificate,
 * ServerKeyExchange (ECDHE and DHE), CertificateRequest and ServerHelloDone.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';
import { CipherSuite, ExtensionType, HandshakeType, NamedGroup, ProtocolVersion, SignatureScheme } from '../registry/codepoints.js';
import { concat } from '../wire/bytes.js';
import { encodeSupportedGroups } from '../extensions/supported-groups.js';
import { encodeEcPointFormats } from '../extensions/ec-point-formats.js';
import { encodeSignatureAlgorithms } from '../extensions/signature-algorithms.js';
import { encodeRenegotiationInfo, decodeRenegotiationInfo } from '../extensions/renegotiation-info.js';
import { decodeExtendedMasterSecret } from '../extensions/empty-extensions.js';
import { findExtension } from '../extensions/extension.js';
import { encodeClientHello } from './client-hello.js';
import { decodeServerHello, downgradeSentinel } from './server-hello.js';
import { decodeCertificate12 } from './certificate12.js';
import { decodeServerKeyExchangeDhe, decodeServerKeyExchangeEcdhe } from './server-key-exchange.js';
import { decodeCertificateRequest12 } from './certificate-request12.js';
import { decodeServerHelloDone } from './empty-messages.js';
import { encodeHandshake, type HandshakeMessage } from './handshake.js';

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

function clientHello(suite: number): Uint8Array {
  const body = encodeClientHello({
    legacyVersion: ProtocolVersion.TLS1_2,
    random: new Uint8Array(randomBytes(32)),
    legacySessionId: new Uint8Array(0),
    cipherSuites: [suite],
    legacyCompressionMethods: Uint8Array.of(0),
    extensions: [
      { type: ExtensionType.supported_groups, data: encodeSupportedGroups([NamedGroup.x25519, NamedGroup.secp256r1]) },
      { type: ExtensionType.ec_point_formats, data: encodeEcPointFormats([0]) },
      { type: ExtensionType.signature_algorithms, data: encodeSignatureAlgorithms([SignatureScheme.rsa_pss_rsae_sha256, SignatureScheme.rsa_pkcs1_sha256, SignatureScheme.ecdsa_secp256r1_sha256]) },
      { type: ExtensionType.extended_master_secret, data: new Uint8Array(0) },
      { type: ExtensionType.renegotiation_info, data: encodeRenegotiationInfo() },
    ],
  });
  const hs = encodeHandshake(HandshakeType.client_hello, body);
  return concat(Uint8Array.of(22, 3, 1, hs.length >> 8, hs.length & 0xff), hs);
}

/** Read plaintext handshake records until ServerHelloDone; split into messages. */
function exchange(port: number, suite: number): Promise<HandshakeMessage[]> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1');
    let buf: Uint8Array = new Uint8Array(0);
    let hs: Uint8Array = new Uint8Array(0);
    const msgs: HandshakeMessage[] = [];
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error('timeout'));
    }, 8000);
    sock.on('connect', () => sock.write(clientHello(suite)));
    sock.on('error', reject);
    sock.on('data', (d: Uint8Array) => {
      buf = concat(buf, d);
      while (buf.length >= 5) {
        const len = ((buf[3] as number) << 8) | (buf[4] as number);
        if (buf.length < 5 + len) break;
        if (buf[0] !== 22) {
          sock.destroy();
          clearTimeout(timer);
          reject(new Error(`record type ${buf[0]}: ${[...buf.subarray(5, 5 + len)].join(',')}`));
          return;
        }
        hs = concat(hs, buf.subarray(5, 5 + len));
        buf = buf.subarray(5 + len);
      }
      while (hs.length >= 4) {
        const len = ((hs[1] as number) << 16) | ((hs[2] as number) << 8) | (hs[3] as number);
        if (hs.length < 4 + len) break;
        const raw = hs.slice(0, 4 + len);
        msgs.push({ type: raw[0] as number, body: raw.subarray(4), raw });
        hs = hs.subarray(4 + len);
        if (raw[0] === HandshakeType.server_hello_done) {
          clearTimeout(timer);
          sock.destroy();
          resolve(msgs);
          return;
        }
      }
    });
  });
}

test('TLS 1.2: decode a real openssl s_server flight (ECDHE-RSA with CertificateRequest, DHE-RSA)', { skip: !hasOpenssl }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tlskit-msg-'));
  let server: ChildProcess | undefined;
  try {
    const key = join(dir, 'k.pem');
    const cert = join(dir, 'c.pem');
    const gen = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-subj', '/CN=localhost', '-days', '1'], { timeout: 20000 });
    assert.equal(gen.status, 0, String(gen.stderr));
    const proc = spawn('openssl', ['s_server', '-accept', '127.0.0.1:0', '-cert', cert, '-key', key, '-verify', '1', '-naccept', '2'], { stdio: ['pipe', 'pipe', 'ignore'] });
    server = proc;
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error('s_server did not start')), 8000);
      proc.stdout.on('data', (d: Uint8Array) => {
        out += new TextDecoder().decode(d);
        const m = /ACCEPT .*:(\d+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
      proc.on('error', reject);
    });

    const flight = await exchange(port, CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256);
    assert.deepEqual(flight.map((m) => m.type), [
      HandshakeType.server_hello, HandshakeType.certificate, HandshakeType.server_key_exchange, HandshakeType.certificate_request, HandshakeType.server_hello_done,
    ]);
    const [sh, ct, ske, cr, shd] = flight as [HandshakeMessage, HandshakeMessage, HandshakeMessage, HandshakeMessage, HandshakeMessage];
    const hello = decodeServerHello(sh.body);
    assert.equal(hello.legacyVersion, ProtocolVersion.TLS1_2);
    assert.equal(hello.cipherSuite, CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256);
    // the server also speaks TLS 1.3; our ClientHello has no supported_versions, so it negotiates
    // TLS 1.2 and marks ServerHello.random with the RFC 8446 §4.1.3 downgrade sentinel
    assert.equal(downgradeSentinel(hello.random), 'tls12');
    decodeExtendedMasterSecret(findExtension(hello.extensions, ExtensionType.extended_master_secret)?.data ?? Uint8Array.of(1));
    assert.deepEqual(decodeRenegotiationInfo(findExtension(hello.extensions, ExtensionType.renegotiation_info)?.data ?? Uint8Array.of(9)), new Uint8Array(0));
    const certs = decodeCertificate12(ct.body).certificateList;
    assert.equal(certs.length, 1);
    assert.equal(certs[0]?.[0], 0x30, 'DER SEQUENCE');
    const ecdhe = decodeServerKeyExchangeEcdhe(ske.body);
    assert.equal(ecdhe.namedCurve, NamedGroup.x25519);
    assert.equal(ecdhe.publicPoint.length, 32);
    assert.equal(ecdhe.signature.length, 256);
    const req = decodeCertificateRequest12(cr.body);
    assert.ok(req.supportedSignatureAlgorithms.includes(SignatureScheme.rsa_pss_rsae_sha256));
    assert.ok(req.certificateTypes.length >= 1);
    decodeServerHelloDone(shd.body);

    const flight2 = await exchange(port, CipherSuite.TLS_DHE_RSA_WITH_AES_128_GCM_SHA256);
    const skeMsg = flight2.find((m) => m.type === HandshakeType.server_key_exchange);
    assert.ok(skeMsg);
    const dhe = decodeServerKeyExchangeDhe(skeMsg.body);
    assert.ok(dhe.dhP.length >= 256, 'at least a 2048-bit group');
    assert.deepEqual(dhe.dhG, Uint8Array.of(2));
    assert.ok(dhe.dhYs.length <= dhe.dhP.length);
  } finally {
    if (server !== undefined && server.exitCode === null) server.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
