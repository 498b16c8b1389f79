import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { nodeCryptoProvider as provider } from '../crypto/node-provider.js';
import { generateCertificate } from './generate.js';
import { generateOcspResponse } from './generate-ocsp.js';
import { checkStapled, describeStapledOcsp } from './stapling.js';
import { CertificateError } from './validate.js';

const root = generateCertificate({ subject: { CN: 'Staple Root' }, keyKind: 'p256', isCA: true }, provider);
const inter = generateCertificate({ subject: { CN: 'Staple Intermediate' }, keyKind: 'p256', isCA: true, issuer: root }, provider);
const leaf = generateCertificate({ subject: { CN: 'staple.example' }, keyKind: 'p256', issuer: inter, dnsNames: ['staple.example'] }, provider);
const path = [leaf.cert, inter.cert, root.cert];
const time = new Date();

describe('checkStapled (x509/stapling.ts)', () => {
  it('a good leaf staple: the report names status, times and the responder', () => {
    const der = generateOcspResponse(provider, { cert: leaf.cert, issuer: inter.cert, signer: inter, status: 'good' });
    const r = checkStapled(provider, path, { ocspResponses: [der], statusRequested: true, time });
    assert.equal(r.error, undefined);
    assert.equal(r.ocsp?.status, 'good');
    assert.match(describeStapledOcsp(r.ocsp ?? assert.fail()), /^good \(producedAt .*nextUpdate .*\) signed by the issuing CA \(CN=Staple Intermediate\)$/);
  });

  it('a staple for the intermediate (TLS 1.3 lets each entry carry one): revoked → CERT_REVOKED at index 1', () => {
    const der = generateOcspResponse(provider, { cert: inter.cert, issuer: root.cert, signer: root, status: 'revoked', revocationReason: 'cACompromise' });
    const r = checkStapled(provider, path, { ocspResponses: [der], time });
    assert.ok(r.error instanceof CertificateError);
    assert.equal(r.error.code, 'CERT_REVOKED');
    assert.equal(r.error.certIndex, 1);
    assert.match(r.error.message, /cACompromise/);
  });

  it('hard mode: an unknown status fails, a good one passes; soft mode accepts unknown', () => {
    const unknown = generateOcspResponse(provider, { cert: leaf.cert, issuer: inter.cert, signer: inter, status: 'unknown' });
    assert.equal(checkStapled(provider, path, { ocspResponses: [unknown], time }, { ocsp: 'hard' }).error?.code, 'OCSP_STATUS_UNKNOWN');
    assert.equal(checkStapled(provider, path, { ocspResponses: [unknown], time }).error, undefined);
    assert.equal(checkStapled(provider, path, { time }, { ocsp: 'hard' }).error?.code, 'OCSP_RESPONSE_REQUIRED');
  });

  it('a malformed SCT list fails only under a CT policy', () => {
    const bad = Uint8Array.of(0, 4, 0, 2, 0, 1); // a v1 SerializedSCT cut short after its version
    const logs = { logs: [] };
    assert.equal(checkStapled(provider, path, { sctList: bad, time }, { ct: logs }).error, undefined);
    const e = checkStapled(provider, path, { sctList: bad, time }, { ct: { ...logs, policy: { minScts: 1, minOperators: 1 } } }).error;
    assert.equal(e?.code, 'CT_POLICY_NOT_MET');
    assert.match(e?.message ?? '', /malformed/);
  });

  it('an empty path or a lone trusted leaf: nothing to check against', () => {
    assert.equal(checkStapled(provider, [], { time }).error, undefined);
    assert.equal(checkStapled(provider, [root.cert], { statusRequested: true, time }, { ocsp: 'hard' }).error, undefined);
  });
});
