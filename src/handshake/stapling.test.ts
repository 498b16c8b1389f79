import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Connection, type ConnectionEvents } from '../connection/connection.js';
import { clientConfig, serverConfig, type CertifiedKey, type ClientConfigOptions, type ServerConfigOptions } from './config.js';
import { nodeCryptoProvider as provider } from '../crypto/node-provider.js';
import { generateCertificate, generateTestPki, type GeneratedCertificate } from '../x509/generate.js';
import { generateOcspResponse, type GenerateOcspOptions } from '../x509/generate-ocsp.js';
import { createDefaultVerifier, type DefaultVerifierOptions } from '../x509/verify.js';
import { EXT_OID, encodeTlsFeature } from '../x509/ext.js';
import { OID } from '../x509/oids.js';
import { derOid, derSequence } from '../x509/der.js';
import { encodeSct, encodeSctList, sctSignedData } from '../x509/ct.js';
import { ExtensionType, HandshakeType, ProtocolVersion } from '../registry/codepoints.js';
import { AlertDescription } from '../registry/alerts.js';
import { ErrorCode, type TlsError } from '../errors.js';
import { concat, utf8 } from '../wire/bytes.js';
import { readCertificateEntries13 } from './stapling.js';
import { encodeCertificateStatus } from '../messages/certificate-status.js';
import { explainHandshake } from '../trace/explain.js';
import { pumpAsync } from '../../test/helpers/connection-pair.js';

const pki = generateTestPki(provider, { keyKinds: ['p256'] });
const leaf = pki.leaves.p256 as GeneratedCertificate;
const inter = pki.intermediate;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

// a second CA with the same name as the intermediate but another key: a "wrong issuer" response
const impostor = generateCertificate({ subject: { CN: 'tlskit Test Intermediate CA', O: 'tlskit' }, keyKind: 'p256', isCA: true }, provider);
// a must-staple leaf (RFC 7633 TLS feature status_request)
const mustStaple = generateCertificate(
  {
    subject: { CN: 'localhost' },
    keyKind: 'p256',
    issuer: inter,
    dnsNames: ['localhost'],
    extraExtensions: [{ oid: EXT_OID.tlsFeature, critical: false, value: encodeTlsFeature([5]) }],
  },
  provider,
);
// a delegated OCSP responder (id-kp-OCSPSigning, issued by the intermediate)
const responder = generateCertificate(
  { subject: { CN: 'tlskit OCSP Responder' }, keyKind: 'p256', issuer: inter, extKeyUsage: [], extraExtensions: [{ oid: OID.extKeyUsage, critical: false, value: derSequence(derOid(OID.OCSPSigning)) }] },
  provider,
);

function ocsp(cert: GeneratedCertificate, o: Partial<GenerateOcspOptions> = {}): Uint8Array {
  return generateOcspResponse(provider, { cert: cert.cert, issuer: inter.cert, signer: inter, status: 'good', ...o });
}

function certified(cert: GeneratedCertificate, extra: Partial<CertifiedKey> = {}): CertifiedKey {
  return { chain: [cert.certDer, inter.certDer], key: cert.key, names: ['localhost'], ...extra };
}

interface Side {
  conn: Connection;
  errors: TlsError[];
  types: number[];
  received: Uint8Array[];
  alerts: { direction: string; description: number }[];
  certExtensions: number[][];
}

function side(make: (events: ConnectionEvents) => Connection): Side {
  const s: Side = { conn: undefined as unknown as Connection, errors: [], types: [], received: [], alerts: [], certExtensions: [] };
  s.conn = make({
    data: (d) => s.received.push(d.slice()),
    error: (e) => s.errors.push(e),
    handshakeMessage: (m) => {
      s.types.push(m.type);
      const list = (m.message as { certificateList?: readonly unknown[] }).certificateList;
      if (m.type === HandshakeType.certificate && list !== undefined) {
        s.certExtensions = list.map((e) => ((e as { extensions?: readonly { type: number }[] }).extensions ?? []).map((x) => x.type));
      }
    },
    alert: (a) => s.alerts.push(a),
  });
  return s;
}

// an awaited hook (the OCSP responder) settles on a later turn
const pump = (a: Side, b: Side): Promise<void> => pumpAsync(a, b, { quietTurns: 2 });

async function pair(client: Partial<ClientConfigOptions>, server: Partial<ServerConfigOptions>, verifierOptions: Partial<DefaultVerifierOptions> = {}): Promise<{ c: Side; s: Side }> {
  const verifier = createDefaultVerifier({ provider, trustAnchors: [pki.root.certDer], ...verifierOptions });
  const c = side((events) => new Connection(clientConfig({ provider, verifier, serverName: 'localhost', ...client }), events));
  const s = side((events) => new Connection(serverConfig({ provider, certificates: [certified(leaf)], ...server }), events));
  c.conn.start();
  s.conn.start();
  await pump(c, s);
  return { c, s };
}

async function roundTrip(c: Side, s: Side): Promise<void> {
  c.conn.write(utf8('ping'));
  await pump(c, s);
  assert.deepEqual(concat(...s.received), utf8('ping'));
}

const sentAlert = (x: Side): number | undefined => x.alerts.find((a) => a.direction === 'sent')?.description;

function failsWith(c: Side, s: Side, code: string, alert: number, message?: RegExp): void {
  assert.equal(c.errors[0]?.code, code, c.errors[0]?.message);
  assert.equal(sentAlert(c), alert);
  if (message !== undefined) assert.match(c.errors[0]?.message ?? '', message);
  assert.equal(c.conn.isSecure, false);
  assert.ok(s.errors.length > 0 || !s.conn.isSecure);
}

for (const [label, version] of [
  ['TLS 1.3', ProtocolVersion.TLS1_3],
  ['TLS 1.2', ProtocolVersion.TLS1_2],
] as const) {
  const v = { minVersion: version, maxVersion: version };
  const tls13 = version === ProtocolVersion.TLS1_3;
  const stapledWhere = tls13 ? 'the leaf CertificateEntry (RFC 8446 §4.4.2.1)' : 'CertificateStatus (RFC 6066 §8)';
  describe(`OCSP stapling, ${label} (tlskit ↔ tlskit)`, () => {
    it(`a good staple in ${stapledWhere} is delivered and verified`, async () => {
      const der = ocsp(leaf);
      const { c, s } = await pair({ ...v, requestOcsp: true }, { ...v, certificates: [certified(leaf, { ocspResponse: der })] });
      assert.deepEqual([c.errors, s.errors], [[], []]);
      assert.deepEqual(c.conn.negotiated.ocspResponse, der);
      assert.deepEqual(s.conn.negotiated.ocspResponse, der);
      assert.equal(c.conn.negotiated.ocspStatus?.status, 'good');
      assert.match(c.conn.negotiated.ocspStatus?.responder ?? '', /issuing CA \(CN=tlskit Test Intermediate CA\)/);
      if (tls13) assert.deepEqual(c.certExtensions, [[ExtensionType.status_request], []]);
      else assert.ok(c.types.includes(HandshakeType.certificate_status));
      await roundTrip(c, s);
    });

    it('a staple from a delegated responder is accepted', async () => {
      const der = ocsp(leaf, { signer: responder });
      const { c, s } = await pair({ ...v, requestOcsp: true }, { ...v, certificates: [certified(leaf, { ocspResponse: der })] });
      assert.deepEqual([c.errors, s.errors], [[], []]);
      assert.match(c.conn.negotiated.ocspStatus?.responder ?? '', /delegated responder CN=tlskit OCSP Responder/);
    });

    it('a revoked staple → certificate_revoked', async () => {
      const der = ocsp(leaf, { status: 'revoked', revocationTime: new Date(Date.now() - DAY), revocationReason: 'keyCompromise' });
      const { c, s } = await pair({ ...v, requestOcsp: true }, { ...v, certificates: [certified(leaf, { ocspResponse: der })] });
      failsWith(c, s, ErrorCode.CERT_REVOKED, AlertDescription.certificate_revoked, /revoked on .*keyCompromise.*stapled OCSP response/);
    });

    it('an expired staple (nextUpdate passed) → bad_certificate_status_response', async () => {
      const der = ocsp(leaf, { thisUpdate: new Date(Date.now() - 10 * DAY), nextUpdate: new Date(Date.now() - 3 * DAY) });
      const { c, s } = await pair({ ...v, requestOcsp: true }, { ...v, certificates: [certified(leaf, { ocspResponse: der })] });
      failsWith(c, s, ErrorCode.OCSP_RESPONSE_INVALID, AlertDescription.bad_certificate_status_response, /stale/);
    });

    it('a staple signed by another CA (wrong issuer) → bad_certificate_status_response', async () => {
      const der = generateOcspResponse(provider, { cert: leaf.cert, issuer: impostor.cert, signer: impostor, status: 'good' });
      const { c, s } = await pair({ ...v, requestOcsp: true }, { ...v, certificates: [certified(leaf, { ocspResponse: der })] });
      failsWith(c, s, ErrorCode.OCSP_RESPONSE_INVALID, AlertDescription.bad_certificate_status_response, /not about certificate 0/);
    });

    it('a staple whose signature does not verify → bad_certificate_status_response', async () => {
      // the right CertID, but signed with the impostor's key under the intermediate's name
      const der = generateOcspResponse(provider, { cert: leaf.cert, issuer: inter.cert, signer: { cert: inter.cert, key: impostor.key }, status: 'good' });
      const { c, s } = await pair({ ...v, requestOcsp: true }, { ...v, certificates: [certified(leaf, { ocspResponse: der })] });
      failsWith(c, s, ErrorCode.OCSP_RESPONSE_INVALID, AlertDescription.bad_certificate_status_response, /does not verify/);
    });

    it('a malformed staple → bad_certificate_status_response', async () => {
      const { c, s } = await pair({ ...v, requestOcsp: true }, { ...v, certificates: [certified(leaf, { ocspResponse: Uint8Array.of(0x30, 0x03, 0x0a, 0x01, 0x00) })] });
      failsWith(c, s, ErrorCode.OCSP_RESPONSE_INVALID, AlertDescription.bad_certificate_status_response);
    });

    it('not requested → nothing stapled, the handshake completes', async () => {
      const { c, s } = await pair(v, { ...v, certificates: [certified(leaf, { ocspResponse: ocsp(leaf) })] });
      assert.deepEqual([c.errors, s.errors], [[], []]);
      assert.equal(c.conn.negotiated.ocspResponse, undefined);
      assert.equal(s.conn.negotiated.ocspResponse, undefined);
      assert.ok(!c.types.includes(HandshakeType.certificate_status));
      if (tls13) assert.deepEqual(c.certExtensions, [[], []]);
    });

    it('requested, but the server has no response → soft-fail: the handshake completes', async () => {
      const { c, s } = await pair({ ...v, requestOcsp: true }, v);
      assert.deepEqual([c.errors, s.errors], [[], []]);
      assert.equal(c.conn.negotiated.ocspResponse, undefined);
      assert.equal(c.conn.negotiated.ocspStatus, undefined);
    });

    it('hard-fail: no staple → failure; a good one → success', async () => {
      const none = await pair({ ...v, requestOcsp: true }, v, { ocsp: 'hard' });
      failsWith(none.c, none.s, ErrorCode.OCSP_RESPONSE_REQUIRED, AlertDescription.bad_certificate_status_response, /hard-fail/);
      const unknown = await pair({ ...v, requestOcsp: true }, { ...v, certificates: [certified(leaf, { ocspResponse: ocsp(leaf, { status: 'unknown' }) })] }, { ocsp: 'hard' });
      failsWith(unknown.c, unknown.s, ErrorCode.OCSP_STATUS_UNKNOWN, AlertDescription.certificate_unknown);
      const good = await pair({ ...v, requestOcsp: true }, { ...v, certificates: [certified(leaf, { ocspResponse: ocsp(leaf) })] }, { ocsp: 'hard' });
      assert.deepEqual([good.c.errors, good.s.errors], [[], []]);
    });

    it('must-staple without a staple → failure when requested; a staple satisfies it', async () => {
      const { c, s } = await pair({ ...v, requestOcsp: true }, { ...v, certificates: [certified(mustStaple)] });
      failsWith(c, s, ErrorCode.OCSP_RESPONSE_REQUIRED, AlertDescription.bad_certificate_status_response, /RFC 7633/);
      // not requested: the server could not staple, so the feature cannot be held against it
      const unasked = await pair(v, { ...v, certificates: [certified(mustStaple)] });
      assert.deepEqual([unasked.c.errors, unasked.s.errors], [[], []]);
      const stapled = await pair({ ...v, requestOcsp: true }, { ...v, certificates: [certified(mustStaple, { ocspResponse: ocsp(mustStaple) })] });
      assert.deepEqual([stapled.c.errors, stapled.s.errors], [[], []]);
    });

    it('an asynchronous responder (node\'s OCSPRequest) supplies the staple, only when asked', async () => {
      const calls: string[] = [];
      const ocspResponder = async (cert: CertifiedKey, name: string | undefined): Promise<Uint8Array | null> => {
        calls.push(name ?? '');
        await new Promise((r) => setImmediate(r));
        return ocsp(leaf);
      };
      const { c, s } = await pair({ ...v, requestOcsp: true }, { ...v, ocspResponder });
      assert.deepEqual([c.errors, s.errors], [[], []]);
      assert.equal(c.conn.negotiated.ocspStatus?.status, 'good');
      assert.deepEqual(calls, ['localhost']);
      await pair(v, { ...v, ocspResponder });
      assert.equal(calls.length, 1);
    });

    it('verification off (verifier null): the staple is still delivered', async () => {
      const der = ocsp(leaf, { status: 'revoked' });
      const { c, s } = await pair({ ...v, requestOcsp: true, verifier: null }, { ...v, certificates: [certified(leaf, { ocspResponse: der })] });
      assert.deepEqual([c.errors, s.errors], [[], []]);
      assert.deepEqual(c.conn.negotiated.ocspResponse, der);
    });
  });

  describe(`SCTs in the handshake, ${label}`, () => {
    const logKey = provider.generateSigningKey('p256');
    const logSpki = provider.publicKeyOf(logKey);
    const logId = provider.hash('sha256', logSpki);
    const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');
    const logs = { operators: [{ name: 'Test Operator', logs: [{ description: 'Test Log', log_id: b64(logId), key: b64(logSpki), state: { usable: { timestamp: '2020-01-01T00:00:00Z' } } }] }] };
    const timestamp = Date.now() - HOUR;
    const extensions = new Uint8Array(0);
    const signature = provider.sign(0x0403, logKey, sctSignedData(provider, { timestamp, extensions, source: 'tls' }, leaf.cert, inter.cert));
    const sctList = encodeSctList([encodeSct({ logId, timestamp, extensions, scheme: 0x0403, signature })]);
    const where = tls13 ? 'the leaf CertificateEntry' : 'the ServerHello (RFC 6962 §3.3.1)';

    it(`an SCT list in ${where} is delivered and verified against the log list`, async () => {
      const { c, s } = await pair({ ...v, requestScts: true }, { ...v, certificates: [certified(leaf, { sctList })] }, { ct: { logs, policy: { minScts: 1, minOperators: 1 } } });
      assert.deepEqual([c.errors, s.errors], [[], []]);
      assert.deepEqual(c.conn.negotiated.sctList, sctList);
      if (tls13) assert.deepEqual(c.certExtensions, [[ExtensionType.signed_certificate_timestamp], []]);
    });

    it('a CT policy the SCTs do not meet → failure', async () => {
      const { c, s } = await pair({ ...v, requestScts: true }, { ...v, certificates: [certified(leaf, { sctList })] }, { ct: { logs, policy: { minScts: 2, minOperators: 1 } } });
      failsWith(c, s, ErrorCode.CT_POLICY_NOT_MET, AlertDescription.bad_certificate, /1 valid SCT/);
    });

    it('not requested → no SCTs sent', async () => {
      const { c, s } = await pair(v, { ...v, certificates: [certified(leaf, { sctList })] });
      assert.deepEqual([c.errors, s.errors], [[], []]);
      assert.equal(c.conn.negotiated.sctList, undefined);
    });
  });
}

describe('TLS 1.3 CertificateEntry extensions (RFC 8446 §4.4.2)', () => {
  const status = encodeCertificateStatus({ ocspResponse: Uint8Array.of(1, 2, 3) });
  const entry = (type: number, data: Uint8Array): { certData: Uint8Array; extensions: { type: number; data: Uint8Array }[] } => ({ certData: Uint8Array.of(1), extensions: [{ type, data }] });

  it('status_request we did not ask for → unsupported_extension', () => {
    assert.throws(() => readCertificateEntries13([entry(ExtensionType.status_request, status)], new Set()), (e: TlsError) => e.code === 'ERR_TLS_UNSUPPORTED_EXTENSION');
  });

  it('an extension not defined for Certificate → illegal_parameter', () => {
    assert.throws(() => readCertificateEntries13([entry(ExtensionType.key_share, Uint8Array.of(0))], new Set([ExtensionType.key_share])), (e: TlsError) => e.alert === 'illegal_parameter');
  });

  it('the leaf response comes first; an intermediate\'s is kept after it; SCTs only from the leaf', () => {
    const other = encodeCertificateStatus({ ocspResponse: Uint8Array.of(9) });
    const sent = new Set([ExtensionType.status_request, ExtensionType.signed_certificate_timestamp]);
    const r = readCertificateEntries13([entry(ExtensionType.status_request, status), entry(ExtensionType.status_request, other)], sent);
    assert.deepEqual(r.ocspResponses, [Uint8Array.of(1, 2, 3), Uint8Array.of(9)]);
    assert.deepEqual(r.leafOcspResponse, Uint8Array.of(1, 2, 3));
    assert.equal(readCertificateEntries13([{ certData: Uint8Array.of(1), extensions: [] }, entry(ExtensionType.status_request, other)], sent).leafOcspResponse, undefined);
    assert.equal(r.sctList, undefined);
  });

  it('a malformed CertificateStatus → decode_error; another status_type → illegal_parameter', () => {
    const sent = new Set([ExtensionType.status_request]);
    assert.throws(() => readCertificateEntries13([entry(ExtensionType.status_request, Uint8Array.of(1, 0, 0))], sent), (e: TlsError) => e.alert === 'decode_error');
    assert.throws(() => readCertificateEntries13([entry(ExtensionType.status_request, Uint8Array.of(2, 0, 0, 1, 7))], sent), (e: TlsError) => e.alert === 'illegal_parameter');
  });
});

describe('traces explain the staple', () => {
  it('CertificateStatus (TLS 1.2) and the leaf CertificateEntry status_request (TLS 1.3)', () => {
    const der = ocsp(leaf);
    const status = { ocspResponse: der };
    const e12 = explainHandshake({ type: HandshakeType.certificate_status, message: status, from: 'server', raw: new Uint8Array(4) });
    assert.equal(e12.name, 'CertificateStatus');
    assert.match(e12.summary, /OCSP good, thisUpdate .*nextUpdate/);
    const cert13 = { certificateRequestContext: new Uint8Array(0), certificateList: [{ certData: leaf.certDer, extensions: [{ type: ExtensionType.status_request, data: encodeCertificateStatus(status) }] }] };
    const e13 = explainHandshake({ type: HandshakeType.certificate, message: cert13, from: 'server', raw: new Uint8Array(4) });
    assert.match(e13.summary, /status_request: OCSP good/);
    assert.match(e13.sentence, /stapled OCSP response/);
  });
});
