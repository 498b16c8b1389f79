import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { constants, privateDecrypt } from 'node:crypto';
import { Connection, type ConnectionEvents } from '../connection/connection.js';
import { clientConfig, serverConfig, type CertifiedKey, type ClientConfigOptions, type ServerConfigOptions } from './config.js';
import { nodeCryptoProvider } from '../crypto/node-provider.js';
import { NodePrivateKey } from '../crypto/node-keys.js';
import type { CryptoProvider, PrivateKey, SigningKeyKind } from '../crypto/provider.js';
import { generateCertificate, generateTestPki } from '../x509/generate.js';
import { createDefaultVerifier } from '../x509/verify.js';
import { CipherSuite, ContentType, ExtensionType, HandshakeType, ProtocolVersion } from '../registry/codepoints.js';
import type { TlsError } from '../errors.js';
import { concat, utf8 } from '../wire/bytes.js';
import { DEFAULT_CIPHER_SUITES_12, LEGACY_SUITES_12 } from './suites12.js';
import { rsaClientPreMasterSecret12, rsaPreMasterSecret12 } from './common12.js';
import { pump, type Tamper } from '../../test/helpers/connection-pair.js';

const provider = nodeCryptoProvider;
const pki = generateTestPki(provider, { keyKinds: ['p256', 'rsa2048'] });
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
  sentAlerts: number[];
}

function side(make: (events: ConnectionEvents) => Connection): Side {
  const s: Side = { conn: undefined as unknown as Connection, received: [], errors: [], types: [], sentAlerts: [] };
  s.conn = make({
    data: (d) => s.received.push(d.slice()),
    error: (e) => s.errors.push(e),
    handshakeMessage: (m) => s.types.push(m.type),
    alert: (a) => {
      if (a.direction === 'sent') s.sentAlerts.push(a.description);
    },
  });
  return s;
}

function pair(client: Partial<ClientConfigOptions> = {}, server: Partial<ServerConfigOptions> = {}, tamper?: Tamper): { c: Side; s: Side } {
  const c = side((events) => new Connection(clientConfig({ provider, verifier, serverName: 'localhost', maxVersion: ProtocolVersion.TLS1_2, ...client }), events));
  const s = side((events) => new Connection(serverConfig({ provider, certificates: [certified('p256'), certified('rsa2048')], ...server }), events));
  c.conn.start();
  s.conn.start();
  pump(c, s, tamper);
  return { c, s };
}

function roundTrip(c: Side, s: Side): void {
  const big = new Uint8Array(20000).map((_, i) => i & 0xff);
  c.conn.write(utf8('ping'));
  c.conn.write(big);
  pump(c, s);
  s.conn.write(utf8('pong'));
  s.conn.write(new Uint8Array(0));
  pump(c, s);
  assert.deepEqual(concat(...s.received), concat(utf8('ping'), big));
  assert.deepEqual(concat(...c.received), utf8('pong'));
}

/** The handshake record carrying a ClientKeyExchange (first message of the record). */
function isCke(bytes: Uint8Array): boolean {
  return bytes[0] === ContentType.handshake && bytes.length > 9 && bytes[5] === HandshakeType.client_key_exchange;
}

const RSA = LEGACY_SUITES_12.filter((s) => s.keyExchange === 'rsa' && s.cbc === undefined);
const CBC = LEGACY_SUITES_12.filter((s) => s.cbc !== undefined);

describe('TLS 1.2 legacy suites: defaults', () => {
  it('static RSA and CBC suites are off by default and enabled by option or by naming them', () => {
    const d = clientConfig({ provider, verifier: null });
    assert.deepEqual(d.cipherSuites12, DEFAULT_CIPHER_SUITES_12);
    assert.equal(d.rsaKeyExchange, false);
    assert.equal(d.cbcSuites, false);
    const named = clientConfig({ provider, verifier: null, cipherSuites12: [CipherSuite.TLS_RSA_WITH_AES_128_GCM_SHA256] });
    assert.equal(named.rsaKeyExchange, true);
    assert.deepEqual(named.cipherSuites12, [CipherSuite.TLS_RSA_WITH_AES_128_GCM_SHA256]);
    const rsaOnly = clientConfig({ provider, verifier: null, rsaKeyExchange: true });
    assert.ok(rsaOnly.cipherSuites12.includes(CipherSuite.TLS_RSA_WITH_AES_256_GCM_SHA384));
    assert.ok(!rsaOnly.cipherSuites12.includes(CipherSuite.TLS_RSA_WITH_AES_128_CBC_SHA), 'CBC stays off');
    const cbcOnly = clientConfig({ provider, verifier: null, cbcSuites: true });
    assert.ok(cbcOnly.cipherSuites12.includes(CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA));
    assert.ok(!cbcOnly.cipherSuites12.includes(CipherSuite.TLS_RSA_WITH_AES_128_CBC_SHA), 'TLS_RSA_*_CBC needs rsaKeyExchange');
    // an explicit false wins over the list
    assert.deepEqual(clientConfig({ provider, verifier: null, rsaKeyExchange: false, cipherSuites12: [CipherSuite.TLS_RSA_WITH_AES_128_GCM_SHA256] }).cipherSuites12, []);
  });

  it('a server without the option never selects a TLS_RSA_* suite', () => {
    const r = pair({ cipherSuites12: [CipherSuite.TLS_RSA_WITH_AES_128_GCM_SHA256] });
    assert.equal(r.s.errors[0]?.code, 'ERR_TLS_HANDSHAKE_FAILURE');
    const ok = pair({ cipherSuites12: [CipherSuite.TLS_RSA_WITH_AES_128_GCM_SHA256, CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256] });
    assert.deepEqual([ok.c.errors, ok.s.errors], [[], []]);
    assert.equal(ok.c.conn.negotiated.cipherSuite, CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256);
  });
});

describe('TLS 1.2 static RSA key exchange (RFC 5246 §7.4.7.1)', () => {
  for (const suite of RSA) {
    it(`${suite.name} tlskit ↔ tlskit, with and without EMS`, () => {
      const { c, s } = pair({ cipherSuites12: [suite.suite] }, { cipherSuites12: [suite.suite] });
      assert.deepEqual([c.errors, s.errors], [[], []]);
      assert.equal(c.conn.negotiated.cipherSuite, suite.suite);
      assert.equal(c.conn.negotiated.group, undefined);
      // RFC 5246 §7.4.3: no ServerKeyExchange
      assert.ok(!c.types.includes(HandshakeType.server_key_exchange));
      assert.ok(c.types.includes(HandshakeType.client_key_exchange));
      roundTrip(c, s);
      assert.deepEqual(c.conn.exportKeyingMaterial(32, 'EXPERIMENTAL x'), s.conn.exportKeyingMaterial(32, 'EXPERIMENTAL x'));
    });
  }

  it('keyUsage (RFC 5246 §7.4.2, RFC 5280 §4.2.1.3): RSA key exchange needs keyEncipherment, ECDHE_RSA digitalSignature', () => {
    const rsaLeaf = certified('rsa2048');
    const withUsage = (keyUsage: readonly ('digitalSignature' | 'keyEncipherment')[]): CertifiedKey => {
      const g = generateCertificate({ subject: { CN: 'localhost' }, key: rsaLeaf.key, issuer: pki.intermediate, dnsNames: ['localhost'], keyUsage }, provider);
      return { chain: [g.certDer, pki.intermediate.certDer], key: rsaLeaf.key, names: ['localhost'] };
    };
    const rsa = { cipherSuites12: [CipherSuite.TLS_RSA_WITH_AES_128_GCM_SHA256] };
    const ecdhe = { cipherSuites12: [CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256] };
    const encOnly = [withUsage(['keyEncipherment'])];
    const sigOnly = [withUsage(['digitalSignature'])];
    let r = pair(rsa, { ...rsa, certificates: encOnly });
    assert.deepEqual([r.c.errors, r.s.errors], [[], []]);
    r = pair(rsa, { ...rsa, certificates: sigOnly });
    assert.equal(r.c.errors[0]?.code, 'ERR_TLS_UNSUPPORTED_CERTIFICATE');
    r = pair(ecdhe, { ...ecdhe, certificates: encOnly });
    assert.equal(r.c.errors[0]?.code, 'ERR_TLS_UNSUPPORTED_CERTIFICATE');
    r = pair(ecdhe, { ...ecdhe, certificates: sigOnly });
    assert.deepEqual([r.c.errors, r.s.errors], [[], []]);
  });

  it('an RSA suite is not chosen with an ECDSA-only server', () => {
    const r = pair({ cipherSuites12: [CipherSuite.TLS_RSA_WITH_AES_128_GCM_SHA256] }, { rsaKeyExchange: true, certificates: [certified('p256')] });
    assert.equal(r.s.errors[0]?.code, 'ERR_TLS_HANDSHAKE_FAILURE');
  });

  it('a corrupted ClientKeyExchange ends like a wrong Finished (bad_record_mac on the Finished record), never a padding alert', () => {
    const suites = { cipherSuites12: [CipherSuite.TLS_RSA_WITH_AES_128_GCM_SHA256] };
    const outcomes: string[] = [];
    for (const at of [12, 40, 100, 200, 266]) {
      const r = pair(suites, suites, (bytes, from) => {
        if (from !== 'client' || !isCke(bytes)) return bytes;
        const out = bytes.slice();
        out[at]! ^= 0x41;
        return out;
      });
      assert.equal(r.s.errors.length, 1, `offset ${at}`);
      outcomes.push(`${r.s.errors[0]?.code} ${r.s.errors[0]?.message} ${r.s.sentAlerts.join(',')}`);
    }
    // the reference: a Finished record tampered in flight
    const ref = pair(suites, suites, (bytes, from) => {
      if (from === 'client' && bytes[0] === ContentType.handshake && bytes[5] !== HandshakeType.client_key_exchange && bytes.length < 80) {
        const out = bytes.slice();
        out[out.length - 1]! ^= 1;
        return out;
      }
      return bytes;
    });
    const expected = `${ref.s.errors[0]?.code} ${ref.s.errors[0]?.message} ${ref.s.sentAlerts.join(',')}`;
    assert.match(expected, /^ERR_TLS_BAD_RECORD_MAC /);
    for (const o of outcomes) assert.equal(o, expected);
  });

  it('server countermeasure: a wrong version, wrong length or failed decryption gives a random 48-byte secret, no error', () => {
    const key = certified('rsa2048').key;
    const spki = provider.publicKeyOf(key);
    const pub = provider.importPublicKey(spki);
    const enc = (m: Uint8Array): Uint8Array => provider.rsaEncryptPkcs1!(pub, m);
    const good = rsaClientPreMasterSecret12(provider, 0x0303);
    assert.deepEqual(rsaPreMasterSecret12(provider, key, enc(good), 0x0303), good);
    const wrongVersion = good.slice();
    wrongVersion[1] = 0x01;
    const cases = [enc(wrongVersion), enc(good.subarray(0, 47)), enc(concat(good, new Uint8Array(1))), new Uint8Array(256).fill(7), new Uint8Array(12)];
    for (const ct of cases) {
      const a = rsaPreMasterSecret12(provider, key, ct, 0x0303);
      const b = rsaPreMasterSecret12(provider, key, ct, 0x0303);
      assert.equal(a.length, 48);
      assert.notDeepEqual(a, b, 'a fresh random R each time');
      assert.notDeepEqual(a.subarray(2), wrongVersion.subarray(2));
    }
    // the version check is against ClientHello.legacy_version, not the negotiated version
    assert.notDeepEqual(rsaPreMasterSecret12(provider, key, enc(good), 0x0302), good);
  });

  it('a provider that throws on bad padding and one that does implicit rejection behave the same', () => {
    const key = certified('rsa2048').key;
    const throwing: CryptoProvider = {
      ...provider,
      rsaDecryptPkcs1: (k: PrivateKey, d: Uint8Array) => new Uint8Array(privateDecryptStrict(k, d)),
    };
    const pub = provider.importPublicKey(provider.publicKeyOf(key));
    const good = rsaClientPreMasterSecret12(provider, 0x0303);
    const ct = provider.rsaEncryptPkcs1!(pub, good);
    assert.deepEqual(rsaPreMasterSecret12(throwing, key, ct, 0x0303), good);
    const bad = ct.slice();
    bad[0]! ^= 0x80;
    for (const p of [throwing, provider]) {
      const out = rsaPreMasterSecret12(p, key, bad, 0x0303);
      assert.equal(out.length, 48);
    }
  });

  it('node provider: RSAES-PKCS1-v1_5 round trip; invalid padding returns random bytes instead of throwing', () => {
    const key = certified('rsa2048').key;
    const pub = provider.importPublicKey(provider.publicKeyOf(key));
    for (const len of [0, 1, 48, 245]) {
      const m = provider.randomBytes(len);
      assert.deepEqual(provider.rsaDecryptPkcs1!(key, provider.rsaEncryptPkcs1!(pub, m)), m);
    }
    const junk = new Uint8Array(256).fill(0x11);
    const out = provider.rsaDecryptPkcs1!(key, junk);
    assert.equal(out.length, 256 - 11);
    assert.notDeepEqual(provider.rsaDecryptPkcs1!(key, junk), out);
  });
});

/** A strict PKCS#1 v1.5 decryption that throws on bad padding (what a provider without implicit rejection does). */
function privateDecryptStrict(key: PrivateKey, data: Uint8Array): Uint8Array {
  const em = privateDecrypt({ key: NodePrivateKey.unwrap(key), padding: constants.RSA_NO_PADDING }, data);
  if (em[0] !== 0 || em[1] !== 2) throw new Error('bad padding');
  const sep = em.indexOf(0, 2);
  if (sep < 10) throw new Error('bad padding');
  return em.subarray(sep + 1);
}

describe('TLS 1.2 CBC suites (RFC 5246 §6.2.3.2, RFC 7366)', () => {
  for (const suite of CBC) {
    for (const etm of [true, false]) {
      it(`${suite.name} tlskit ↔ tlskit, encrypt_then_mac ${etm ? 'on' : 'off'}`, () => {
        const profile = clientConfig({ provider, verifier: null }).helloProfile;
        const noEtm = { ...profile, extensions: profile.extensions.filter((e) => !(e.kind === 'standard' && e.type === ExtensionType.encrypt_then_mac)) };
        const client: Partial<ClientConfigOptions> = etm ? { cipherSuites12: [suite.suite] } : { cipherSuites12: [suite.suite], helloProfile: noEtm };
        const certs = suite.auth === 'rsa' ? [certified('rsa2048')] : [certified('p256')];
        const { c, s } = pair(client, { cipherSuites12: [suite.suite], certificates: certs });
        assert.deepEqual([c.errors, s.errors], [[], []]);
        assert.equal(c.conn.negotiated.cipherSuite, suite.suite);
        roundTrip(c, s);
      });
    }
  }

  it('the client offers encrypt_then_mac only with CBC suites; the server echoes it only for a CBC suite', () => {
    const seen: { ch: boolean; sh: boolean }[] = [];
    const watch = (i: number): Tamper => (bytes, from) => {
      const entry = (seen[i] ??= { ch: false, sh: false });
      if (bytes[0] === ContentType.handshake && hasExtension(bytes, ExtensionType.encrypt_then_mac)) entry[from === 'client' ? 'ch' : 'sh'] = true;
      return bytes;
    };
    pair({}, {}, watch(0));
    pair({ cbcSuites: true }, {}, watch(1)); // server without CBC: picks GCM, no echo
    pair({ cbcSuites: true, cipherSuites12: [CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA] }, { cbcSuites: true }, watch(2));
    assert.deepEqual(seen, [
      { ch: false, sh: false },
      { ch: true, sh: false },
      { ch: true, sh: true },
    ]);
  });
});

/** Whether a plaintext handshake record's first message (ClientHello or ServerHello) carries extension `type`. */
function hasExtension(record: Uint8Array, type: number): boolean {
  const t = record[5];
  if (t !== HandshakeType.client_hello && t !== HandshakeType.server_hello) return false;
  let at = 9 + 2 + 32;
  at += 1 + record[at]!; // session id
  if (t === HandshakeType.client_hello) {
    at += 2 + ((record[at]! << 8) | record[at + 1]!); // cipher suites
    at += 1 + record[at]!; // compression methods
  } else {
    at += 3;
  }
  const end = at + 2 + ((record[at]! << 8) | record[at + 1]!);
  at += 2;
  while (at + 4 <= end) {
    const et = (record[at]! << 8) | record[at + 1]!;
    const len = (record[at + 2]! << 8) | record[at + 3]!;
    if (et === type) return true;
    at += 4 + len;
  }
  return false;
}
