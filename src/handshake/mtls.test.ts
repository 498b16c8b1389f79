import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Connection, type ConnectionEvents } from '../connection/connection.js';
import { clientConfig, serverConfig, type CertifiedKey, type ClientAuthConfig, type ClientConfigOptions, type ServerConfigOptions } from './config.js';
import { nodeCryptoProvider } from '../crypto/node-provider.js';
import { generateCertificate, generateTestPki } from '../x509/generate.js';
import { createDefaultVerifier } from '../x509/verify.js';
import { parseCertificate } from '../x509/certificate.js';
import { HandshakeType, ProtocolVersion } from '../registry/codepoints.js';
import { AlertDescription } from '../registry/alerts.js';
import type { TlsError } from '../errors.js';
import { concat, utf8 } from '../wire/bytes.js';
import { ClientCertificateType } from '../messages/certificate-request12.js';
import { certificateTypeAllowed12 } from './client-auth.js';
import { certifiedLeaf, pump, requireClientAuth } from '../../test/helpers/connection-pair.js';

const provider = nodeCryptoProvider;
const pki = generateTestPki(provider, { keyKinds: ['p256', 'rsa2048', 'ed25519'] });
// a second PKI under a differently named root (certificate_authorities tells them apart)
const otherRoot = generateCertificate({ subject: { CN: 'Other Root CA', O: 'elsewhere' }, keyKind: 'p256', isCA: true }, provider);
const otherLeaf = generateCertificate({ subject: { CN: 'other client' }, keyKind: 'p256', issuer: otherRoot, dnsNames: ['localhost'] }, provider);
const otherKey: CertifiedKey = { chain: [otherLeaf.certDer], key: otherLeaf.key, names: ['localhost'] };
const verifier = createDefaultVerifier({ provider, trustAnchors: [pki.root.certDer] });

const certified = certifiedLeaf;

interface Side {
  conn: Connection;
  received: Uint8Array[];
  errors: TlsError[];
  types: number[];
  alerts: { direction: string; level: number; description: number }[];
}

function side(make: (events: ConnectionEvents) => Connection): Side {
  const s: Side = { conn: undefined as unknown as Connection, received: [], errors: [], types: [], alerts: [] };
  s.conn = make({
    data: (d) => s.received.push(d.slice()),
    error: (e) => s.errors.push(e),
    handshakeMessage: (m) => s.types.push(m.type),
    alert: (a) => s.alerts.push(a),
  });
  return s;
}

const auth = (o: Partial<ClientAuthConfig> = {}): ClientAuthConfig => requireClientAuth(verifier, o);

function pair(client: Partial<ClientConfigOptions>, server: Partial<ServerConfigOptions>): { c: Side; s: Side } {
  const c = side((events) => new Connection(clientConfig({ provider, verifier, serverName: 'localhost', ...client }), events));
  const s = side((events) => new Connection(serverConfig({ provider, certificates: [certified(pki, 'p256')], ...server }), events));
  c.conn.start();
  s.conn.start();
  pump(c, s);
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

const sentAlert = (x: Side): number | undefined => x.alerts.find((a) => a.direction === 'sent')?.description;

for (const [label, version] of [
  ['TLS 1.3', ProtocolVersion.TLS1_3],
  ['TLS 1.2', ProtocolVersion.TLS1_2],
] as const) {
  const v = { minVersion: version, maxVersion: version };
  describe(`mutual TLS, ${label} (tlskit ↔ tlskit)`, () => {
    for (const kind of ['p256', 'rsa2048', 'ed25519'] as const) {
      it(`a ${kind} client certificate is requested, sent, verified (clientAuth) and its CertificateVerify checked`, () => {
        const { c, s } = pair({ ...v, certificates: [certified(pki, kind)] }, { ...v, clientAuth: auth() });
        assert.deepEqual([c.errors, s.errors], [[], []]);
        assert.ok(c.types.includes(HandshakeType.certificate_request));
        assert.equal(s.conn.negotiated.peerVerified, true);
        assert.equal(s.conn.negotiated.peerCertificates.length, 2);
        assert.deepEqual(c.conn.negotiated.localCertificates, certified(pki, kind).chain);
        roundTrip(c, s);
      });
    }

    const required = version === ProtocolVersion.TLS1_3 ? 'certificate_required (RFC 8446 §4.4.2.4)' : 'handshake_failure (RFC 5246 §7.4.6)';
    it(`no client certificate when one is required → ${required}`, () => {
      const { c, s } = pair(v, { ...v, clientAuth: auth() });
      if (version === ProtocolVersion.TLS1_3) {
        assert.equal(s.errors[0]?.code, 'ERR_TLS_CERTIFICATE_REQUIRED');
        assert.equal(sentAlert(s), AlertDescription.certificate_required);
      } else {
        assert.equal(s.errors[0]?.code, 'ERR_TLS_HANDSHAKE_FAILURE');
        assert.equal(sentAlert(s), AlertDescription.handshake_failure);
      }
      assert.equal(c.conn.isSecure && s.conn.isSecure, false);
    });

    it('no client certificate when it is optional → the handshake completes unauthenticated', () => {
      const { c, s } = pair(v, { ...v, clientAuth: auth({ requireCertificate: false }) });
      assert.deepEqual([c.errors, s.errors], [[], []]);
      assert.equal(s.conn.negotiated.peerVerified, false);
      assert.equal(s.conn.negotiated.peerCertificates.length, 0);
      roundTrip(c, s);
    });

    it('a client certificate from an untrusted CA → unknown_ca', () => {
      const { s } = pair({ ...v, certificates: [otherKey] }, { ...v, clientAuth: auth() });
      assert.equal(s.errors[0]?.code, 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY');
      assert.equal(sentAlert(s), AlertDescription.unknown_ca);
    });

    it('an untrusted client certificate with rejectUnverified: false → completes, verifyError says why', () => {
      const { c, s } = pair({ ...v, certificates: [otherKey] }, { ...v, clientAuth: auth({ rejectUnverified: false }) });
      assert.deepEqual([c.errors, s.errors], [[], []]);
      assert.equal(s.conn.negotiated.peerVerified, false);
      assert.equal((s.conn.negotiated.verifyError as TlsError | undefined)?.code, 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY');
      roundTrip(c, s);
    });

    it('a client key that does not match its certificate → decrypt_error', () => {
      const wrong = { ...certified(pki, 'p256'), key: otherLeaf.key };
      const { s } = pair({ ...v, certificates: [wrong] }, { ...v, clientAuth: auth() });
      assert.equal(s.errors[0]?.code, 'ERR_TLS_DECRYPT_ERROR');
      assert.equal(sentAlert(s), AlertDescription.decrypt_error);
    });

    it('the client picks the certificate issued under the server\'s certificate_authorities', () => {
      const cas = [parseCertificate(pki.root.certDer).subject.raw];
      const { c, s } = pair(
        { ...v, certificates: [otherKey, certified(pki, 'p256')] },
        { ...v, clientAuth: auth({ certificateAuthorities: cas }) },
      );
      assert.deepEqual([c.errors, s.errors], [[], []]);
      assert.equal(s.conn.negotiated.peerVerified, true);
      assert.deepEqual(c.conn.negotiated.localCertificates, certified(pki, 'p256').chain);
    });

    it('the client picks a certificate whose key fits the server\'s signature_algorithms', () => {
      const { c, s } = pair(
        { ...v, certificates: [certified(pki, 'ed25519'), certified(pki, 'rsa2048')] },
        { ...v, certificates: [certified(pki, 'rsa2048')], signatureAlgorithms: [0x0804], clientAuth: auth() },
      );
      assert.deepEqual([c.errors, s.errors], [[], []]);
      assert.deepEqual(c.conn.negotiated.localCertificates, certified(pki, 'rsa2048').chain);
    });
  });
}

describe('TLS 1.2 CertificateRequest certificate_types (RFC 5246 §7.4.4)', () => {
  const v = { minVersion: ProtocolVersion.TLS1_2, maxVersion: ProtocolVersion.TLS1_2 };
  it('certificateTypeAllowed12: RSA needs rsa_sign; ECDSA and EdDSA need ecdsa_sign (RFC 8422 §5.5)', () => {
    const rsaOnly = Uint8Array.of(ClientCertificateType.rsa_sign);
    const ecOnly = Uint8Array.of(ClientCertificateType.ecdsa_sign);
    const rsa = certified(pki, 'rsa2048').key.info;
    const ec = certified(pki, 'p256').key.info;
    const ed = certified(pki, 'ed25519').key.info;
    assert.deepEqual([rsa, ec, ed].map((k) => certificateTypeAllowed12(rsaOnly, k)), [true, false, false]);
    assert.deepEqual([rsa, ec, ed].map((k) => certificateTypeAllowed12(ecOnly, k)), [false, true, true]);
    assert.equal(certificateTypeAllowed12(Uint8Array.of(ClientCertificateType.dss_sign), rsa), false);
  });

  it('only rsa_sign requested: an ECDSA certificate listed first is skipped for the RSA one (the schemes would allow both)', () => {
    const { c, s } = pair(
      { ...v, certificates: [certified(pki, 'p256'), certified(pki, 'rsa2048')] },
      { ...v, clientAuth: auth({ certificateTypes12: [ClientCertificateType.rsa_sign] }) },
    );
    assert.deepEqual([c.errors, s.errors], [[], []]);
    assert.deepEqual(c.conn.negotiated.localCertificates, certified(pki, 'rsa2048').chain);
    assert.equal(s.conn.negotiated.peerVerified, true);
  });

  it('only ecdsa_sign requested and only an RSA certificate: an empty Certificate, not a wrong one', () => {
    const { c, s } = pair(
      { ...v, certificates: [certified(pki, 'rsa2048')] },
      { ...v, clientAuth: auth({ requireCertificate: false, certificateTypes12: [ClientCertificateType.ecdsa_sign] }) },
    );
    assert.deepEqual([c.errors, s.errors], [[], []]);
    assert.equal(c.conn.negotiated.localCertificates.length, 0);
    assert.equal(s.conn.negotiated.peerCertificates.length, 0);
    roundTrip(c, s);
  });
});
