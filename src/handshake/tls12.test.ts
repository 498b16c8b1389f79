import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Connection, type ConnectionEvents } from '../connection/connection.js';
import { clientConfig, serverConfig, type CertifiedKey, type ClientConfigOptions, type ServerConfigOptions } from './config.js';
import { nodeCryptoProvider } from '../crypto/node-provider.js';
import { generateTestPki } from '../x509/generate.js';
import { createDefaultVerifier } from '../x509/verify.js';
import { CipherSuite, ContentType, HandshakeType, NamedGroup, ProtocolVersion, SignatureScheme } from '../registry/codepoints.js';
import type { TlsError } from '../errors.js';
import { concat, equalBytes, utf8 } from '../wire/bytes.js';
import type { SigningKeyKind } from '../crypto/provider.js';
import { TLS12_SUITES } from './suites12.js';
import { DOWNGRADE_TLS12 } from '../messages/server-hello.js';
import { pump, type Tamper } from '../../test/helpers/connection-pair.js';

const provider = nodeCryptoProvider;
const pki = generateTestPki(provider, { keyKinds: ['p256', 'p384', 'ed25519', 'rsa2048'] });
const verifier = createDefaultVerifier({ provider, trustAnchors: [pki.root.certDer] });

function certified(kind: SigningKeyKind): CertifiedKey {
  const leaf = pki.leaves[kind];
  if (leaf === undefined) throw new Error(`no ${kind} leaf`);
  return { chain: [leaf.certDer, pki.intermediate.certDer], key: leaf.key, names: ['localhost'] };
}

interface Side {
  conn: Connection;
  received: Uint8Array[];
  errors: TlsError[];
  types: number[];
  keylog: string[];
  alerts: { direction: string; level: number; description: number }[];
}

function side(make: (events: ConnectionEvents) => Connection): Side {
  const s: Side = { conn: undefined as unknown as Connection, received: [], errors: [], types: [], keylog: [], alerts: [] };
  s.conn = make({
    data: (d) => s.received.push(d.slice()),
    error: (e) => s.errors.push(e),
    handshakeMessage: (m) => s.types.push(m.type),
    keylog: (l) => s.keylog.push(l),
    alert: (a) => s.alerts.push(a),
  });
  return s;
}

function pair(client: Partial<ClientConfigOptions> = {}, server: Partial<ServerConfigOptions> = {}, tamper?: Tamper): { c: Side; s: Side } {
  const c = side((events) => new Connection(clientConfig({ provider, verifier, serverName: 'localhost', ...client }), events));
  const s = side(
    (events) => new Connection(serverConfig({ provider, certificates: [certified('p256'), certified('rsa2048')], ...server }), events),
  );
  c.conn.start();
  s.conn.start();
  pump(c, s, tamper);
  return { c, s };
}

function roundTrip(c: Side, s: Side): void {
  c.conn.write(utf8('ping'));
  pump(c, s);
  s.conn.write(utf8('pong'));
  pump(c, s);
  assert.deepEqual(concat(...s.received), utf8('ping'));
  assert.deepEqual(concat(...c.received), utf8('pong'));
}

const only12 = { maxVersion: ProtocolVersion.TLS1_2 };

describe('TLS 1.2 handshake (tlskit ↔ tlskit)', () => {
  for (const suite of TLS12_SUITES.filter((x) => x.keyExchange === 'dhe')) {
    it(`${suite.name} over ffdhe2048 (RFC 7919), and ffdhe3072 when the client lists only it`, () => {
      const certs = [certified('rsa2048')];
      const { c, s } = pair(only12, { cipherSuites12: [suite.suite], certificates: certs });
      assert.deepEqual([c.errors, s.errors], [[], []]);
      assert.equal(c.conn.negotiated.cipherSuite, suite.suite);
      assert.equal(c.conn.negotiated.group, NamedGroup.ffdhe2048);
      assert.equal(s.conn.negotiated.group, NamedGroup.ffdhe2048);
      roundTrip(c, s);
      assert.deepEqual(c.conn.exportKeyingMaterial(32, 'EXPERIMENTAL x'), s.conn.exportKeyingMaterial(32, 'EXPERIMENTAL x'));
      // (a 1.2+1.3 client lists all its groups; the server speaks only TLS 1.2)
      const x = pair({ groups: [NamedGroup.x25519, NamedGroup.ffdhe3072] }, { ...only12, cipherSuites12: [suite.suite], certificates: certs });
      assert.deepEqual([x.c.errors, x.s.errors], [[], []]);
      assert.equal(x.c.conn.negotiated.group, NamedGroup.ffdhe3072);
      roundTrip(x.c, x.s);
    });
  }
  for (const suite of TLS12_SUITES.filter((x) => x.keyExchange === 'ecdhe')) {
    for (const group of [NamedGroup.x25519, NamedGroup.secp256r1, NamedGroup.secp384r1]) {
      it(`${suite.name} over group 0x${group.toString(16)}`, () => {
        const certs = suite.auth === 'rsa' ? [certified('rsa2048')] : [certified('p384')];
        // RFC 8422 §5.3: the client lists the ECDSA certificate's curve (P-384) as well; the server forces the group
        const { c, s } = pair({ ...only12, groups: [group, NamedGroup.secp384r1] }, { cipherSuites12: [suite.suite], certificates: certs, groups: [group] });
        assert.deepEqual([c.errors, s.errors], [[], []]);
        assert.ok(c.conn.isSecure && s.conn.isSecure);
        assert.equal(c.conn.negotiated.version, ProtocolVersion.TLS1_2);
        assert.equal(c.conn.negotiated.cipherSuite, suite.suite);
        assert.equal(s.conn.negotiated.group, group);
        assert.equal(c.conn.negotiated.extendedMasterSecret, true);
        roundTrip(c, s);
        assert.deepEqual(c.conn.exportKeyingMaterial(32, 'EXPERIMENTAL x'), s.conn.exportKeyingMaterial(32, 'EXPERIMENTAL x'));
      });
    }
  }

  it('sends the 2-RTT flights and logs CLIENT_RANDOM', () => {
    const { c, s } = pair(only12);
    assert.deepEqual(c.types, [
      HandshakeType.client_hello,
      HandshakeType.server_hello,
      HandshakeType.certificate,
      HandshakeType.server_key_exchange,
      HandshakeType.server_hello_done,
      HandshakeType.client_key_exchange,
      HandshakeType.finished,
      HandshakeType.finished,
    ]);
    assert.equal(c.keylog.length, 1);
    assert.match(c.keylog[0] ?? '', /^CLIENT_RANDOM [0-9a-f]{64} [0-9a-f]{96}$/);
    assert.deepEqual(c.keylog, s.keylog);
  });

  it('Ed25519 and P-256 certificates, RSA with rsa_pkcs1 only', () => {
    for (const kind of ['ed25519', 'p256'] as const) {
      const { c, s } = pair(only12, { certificates: [certified(kind)] });
      assert.deepEqual([c.errors, s.errors], [[], []], kind);
    }
    const { c, s } = pair({ ...only12, signatureAlgorithms: [SignatureScheme.rsa_pkcs1_sha384] }, { certificates: [certified('rsa2048')] });
    assert.deepEqual([c.errors, s.errors], [[], []]);
    assert.equal(c.conn.negotiated.peerSignatureScheme, SignatureScheme.rsa_pkcs1_sha384);
  });

  it('version negotiation: 1.2+1.3 client and server pick 1.3; a 1.2-only side gets 1.2 both ways', () => {
    let { c } = pair();
    assert.equal(c.conn.negotiated.version, ProtocolVersion.TLS1_3);
    ({ c } = pair(only12, {}));
    assert.equal(c.conn.negotiated.version, ProtocolVersion.TLS1_2);
    ({ c } = pair({}, only12));
    assert.equal(c.conn.negotiated.version, ProtocolVersion.TLS1_2);
    const r = pair({ minVersion: ProtocolVersion.TLS1_3 }, only12);
    assert.equal(r.s.errors[0]?.code, 'ERR_TLS_PROTOCOL_VERSION');
  });

  it('EMS off on one side works unless required', () => {
    const noEms = { helloProfile: { ...clientConfig({ provider, verifier: null }).helloProfile } };
    noEms.helloProfile = { ...noEms.helloProfile, extensions: noEms.helloProfile.extensions.filter((e) => !(e.kind === 'standard' && e.type === 23)) };
    let r = pair({ ...only12, ...noEms });
    assert.deepEqual([r.c.errors, r.s.errors], [[], []]);
    assert.equal(r.c.conn.negotiated.extendedMasterSecret, false);
    roundTrip(r.c, r.s);
    r = pair({ ...only12, ...noEms }, { requireExtendedMasterSecret: true });
    assert.equal(r.s.errors[0]?.code, 'ERR_TLS_HANDSHAKE_FAILURE');
  });

  it('downgrade sentinel: a 1.3-capable client refuses a TLS 1.2 ServerHello carrying it', () => {
    // the server is 1.2-only (no sentinel); stamp the sentinel into its ServerHello random
    const stamp: Tamper = (bytes, from) => {
      if (from === 'server' && bytes[0] === ContentType.handshake && bytes[5] === HandshakeType.server_hello) {
        const out = bytes.slice();
        out.set(DOWNGRADE_TLS12, 5 + 4 + 2 + 24);
        return out;
      }
      return bytes;
    };
    const r = pair({}, only12, stamp);
    assert.equal(r.c.errors[0]?.code, 'ERR_TLS_ILLEGAL_PARAMETER');
    assert.equal(r.c.errors[0]?.field, 'ServerHello.random');
    // and a 1.3-capable server negotiating 1.2 sets it
    const seen: Uint8Array[] = [];
    pair(only12, {}, (bytes, from) => {
      if (from === 'server' && bytes[0] === ContentType.handshake && bytes[5] === HandshakeType.server_hello) seen.push(bytes.slice(5 + 4 + 2 + 24, 5 + 4 + 2 + 32));
      return bytes;
    });
    assert.ok(seen[0] !== undefined && equalBytes(seen[0], DOWNGRADE_TLS12));
  });

  it('TLS_FALLBACK_SCSV from a 1.2 client to a 1.3 server is inappropriate_fallback', () => {
    const r = pair({ ...only12, cipherSuites12: [CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, CipherSuite.TLS_FALLBACK_SCSV] });
    assert.equal(r.s.errors[0]?.code, 'ERR_TLS_INAPPROPRIATE_FALLBACK');
  });

  it('a Finished that does not verify is decrypt_error; an early ChangeCipherSpec is unexpected_message', () => {
    // flip one byte of the client's encrypted Finished record (the last record of its second flight)
    let r = pair(only12, {}, (bytes, from) => {
      if (from === 'client' && bytes[0] === ContentType.handshake && bytes.length > 40 && bytes.length < 60) {
        const out = bytes.slice();
        out[out.length - 1]! ^= 1;
        return out;
      }
      return bytes;
    });
    assert.equal(r.s.errors[0]?.code, 'ERR_TLS_BAD_RECORD_MAC');
    // an early CCS: before the ServerHello (1.2-only client), and between ServerHello and Certificate
    const ccs = Uint8Array.of(20, 3, 3, 0, 1, 1);
    r = pair(only12, {}, (bytes, from) => {
      if (from === 'server' && bytes[0] === ContentType.handshake && bytes[5] === HandshakeType.server_hello) return concat(ccs, bytes);
      return bytes;
    });
    assert.equal(r.c.errors[0]?.code, 'ERR_TLS_UNEXPECTED_MESSAGE');
    for (const client of [only12, {}]) {
      r = pair(client, only12, (bytes, from) => {
        if (from !== 'server' || bytes[0] !== ContentType.handshake || bytes[5] !== HandshakeType.server_hello) return bytes;
        const shEnd = 5 + 4 + ((bytes[7]! << 8) | bytes[8]!);
        const record = (body: Uint8Array): Uint8Array => concat(Uint8Array.of(22, 3, 3, body.length >> 8, body.length & 0xff), body);
        return concat(record(bytes.subarray(5, shEnd)), ccs, record(bytes.subarray(shEnd)));
      });
      assert.equal(r.c.errors[0]?.code, 'ERR_TLS_UNEXPECTED_MESSAGE');
      assert.match(r.c.errors[0]?.message ?? '', /change_cipher_spec/);
    }
  });

  it('a ServerKeyExchange with a bad signature is decrypt_error; an off-curve point is illegal_parameter', () => {
    // the client's point, off the curve, in ClientKeyExchange → the server says illegal_parameter
    const off = pair({ ...only12, groups: [NamedGroup.secp256r1] }, {}, (bytes, from) => {
      if (from !== 'client' || bytes[0] !== ContentType.handshake || bytes[5] !== HandshakeType.client_key_exchange) return bytes;
      const out = bytes.slice();
      out[5 + 4 + 1 + 20]! ^= 1;
      return out;
    });
    assert.equal(off.s.errors[0]?.code, 'ERR_TLS_ILLEGAL_PARAMETER');
    const skeTamper = (mutate: (out: Uint8Array, ske: number) => void): Tamper => (bytes, from) => {
      if (from !== 'server' || bytes[0] !== ContentType.handshake || bytes[5] !== HandshakeType.server_hello) return bytes;
      const out = bytes.slice();
      // walk the handshake messages inside the record
      for (let at = 5; at < out.length; ) {
        const len = (out[at + 1]! << 16) | (out[at + 2]! << 8) | out[at + 3]!;
        if (out[at] === HandshakeType.server_key_exchange) {
          mutate(out, at + 4);
          break;
        }
        at += 4 + len;
      }
      return out;
    };
    let r = pair({ ...only12, groups: [NamedGroup.secp256r1] }, {}, skeTamper((out, ske) => {
      const pointLen = out[ske + 3]!;
      const sigAt = ske + 4 + pointLen + 4;
      out[sigAt + 10]! ^= 1;
    }));
    assert.equal(r.c.errors[0]?.code, 'ERR_TLS_DECRYPT_ERROR');
    // a changed point breaks the signature first
    r = pair({ ...only12, groups: [NamedGroup.secp256r1] }, {}, skeTamper((out, ske) => {
      out[ske + 4 + 20]! ^= 1;
    }));
    assert.equal(r.c.errors[0]?.code, 'ERR_TLS_DECRYPT_ERROR');
  });

  it('RFC 8422 §5.3: an ECDSA certificate on a curve the client did not list is not used', () => {
    const r = pair({ ...only12, groups: [NamedGroup.x25519] }, { certificates: [certified('p384')] });
    assert.equal(r.s.errors[0]?.code, 'ERR_TLS_HANDSHAKE_FAILURE');
    const ok = pair({ ...only12, groups: [NamedGroup.x25519] }, { certificates: [certified('p384'), certified('rsa2048')] });
    assert.equal(ok.c.conn.negotiated.cipherSuite, CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256);
  });

  it('record_size_limit and ALPN are negotiated', () => {
    const { c, s } = pair({ ...only12, recordSizeLimit: 1000, alpnProtocols: ['h2', 'http/1.1'] }, { alpnProtocols: ['http/1.1'] });
    assert.equal(c.conn.negotiated.alpnProtocol, 'http/1.1');
    assert.equal(s.conn.negotiated.peerRecordSizeLimit, 1000);
    s.conn.write(new Uint8Array(5000));
    pump(c, s);
    assert.equal(concat(...c.received).length, 5000);
    assert.ok(c.received.every((d) => d.length <= 1000));
  });
});
