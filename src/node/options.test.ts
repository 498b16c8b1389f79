import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { nodeCryptoProvider } from '../crypto/node-provider.js';
import { CipherSuite, NamedGroup } from '../registry/codepoints.js';
import { generateTestPki } from '../x509/generate.js';
import { certifiedKeysFrom, certificatesFrom, checkVersions, parseAlpn, parseCiphers, parseEcdhCurve, parseCiphers12, versionOptions } from './options.js';
import { describeCertificate, describeChain, opensslTime } from './peer-certificate.js';
import { createSecureContext } from './secure-context.js';

const pki = generateTestPki(nodeCryptoProvider, { keyKinds: ['p256', 'ed25519'] });
const p256 = pki.leaves.p256!;
const ed = pki.leaves.ed25519!;

describe('node options', () => {
  it('ciphers: OpenSSL TLS 1.3 names in order; TLS 1.2 names go to the TLS 1.2 list; TLS 1.2-only means no TLS 1.3', () => {
    assert.deepEqual(parseCiphers('TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256'), [
      CipherSuite.TLS_AES_256_GCM_SHA384,
      CipherSuite.TLS_CHACHA20_POLY1305_SHA256,
    ]);
    assert.deepEqual(parseCiphers('ECDHE-RSA-AES128-GCM-SHA256:TLS_AES_128_GCM_SHA256'), [CipherSuite.TLS_AES_128_GCM_SHA256]);
    assert.deepEqual(parseCiphers('ECDHE-RSA-AES128-GCM-SHA256'), []);
    assert.deepEqual(parseCiphers12('ECDHE-RSA-AES128-GCM-SHA256:TLS_AES_128_GCM_SHA256:ECDHE-ECDSA-CHACHA20-POLY1305'), [
      CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
      CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    ]);
    assert.deepEqual(parseCiphers12('TLS_AES_128_GCM_SHA256'), []);
    assert.ok(parseCiphers12('HIGH:!aNULL').length > 0);
    assert.deepEqual(versionOptions({ ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' }, []).maxVersion, 0x0303);
    assert.deepEqual(versionOptions({ ciphers: 'TLS_AES_128_GCM_SHA256' }, [CipherSuite.TLS_AES_128_GCM_SHA256]).minVersion, 0x0304);
    assert.throws(() => versionOptions({ ciphers: 'ECDHE-RSA-AES128-GCM-SHA256', minVersion: 'TLSv1.3' }, []), { code: 'ERR_TLS_INVALID_OPTION' });
    assert.throws(() => parseCiphers('TLS_AES_128_CCM_8_SHA256'), { code: 'ERR_TLS_INVALID_OPTION' });
    assert.throws(() => parseCiphers(''), { code: 'ERR_TLS_INVALID_OPTION' });
  });

  it('ecdhCurve: names and OpenSSL aliases, auto = defaults', () => {
    assert.deepEqual(parseEcdhCurve('X25519:prime256v1:secp384r1', nodeCryptoProvider), [NamedGroup.x25519, NamedGroup.secp256r1, NamedGroup.secp384r1]);
    assert.deepEqual(parseEcdhCurve('P-384:P-256:X25519MLKEM768', nodeCryptoProvider), [NamedGroup.secp384r1, NamedGroup.secp256r1, NamedGroup.X25519MLKEM768]);
    assert.ok(parseEcdhCurve('auto', nodeCryptoProvider).includes(NamedGroup.x25519));
    assert.throws(() => parseEcdhCurve('brainpoolP256r1', nodeCryptoProvider), { code: 'ERR_TLS_INVALID_OPTION' });
  });

  it('versions: TLS 1.2 and 1.3 (default 1.2–1.3, as node); nothing older', () => {
    assert.deepEqual(checkVersions(undefined, undefined), { minVersion: 0x0303, maxVersion: 0x0304 });
    assert.deepEqual(checkVersions('TLSv1.2', 'TLSv1.3'), { minVersion: 0x0303, maxVersion: 0x0304 });
    assert.deepEqual(checkVersions('TLSv1.3', 'TLSv1.3'), { minVersion: 0x0304, maxVersion: 0x0304 });
    assert.deepEqual(checkVersions('TLSv1.2', 'TLSv1.2'), { minVersion: 0x0303, maxVersion: 0x0303 });
    assert.deepEqual(checkVersions(undefined, 'TLSv1.2'), { minVersion: 0x0303, maxVersion: 0x0303 });
    assert.deepEqual(checkVersions('TLSv1', undefined), { minVersion: 0x0303, maxVersion: 0x0304 });
    assert.throws(() => checkVersions('TLSv1', 'TLSv1.1'), { code: 'ERR_TLS_INVALID_OPTION', message: /TLSv1.2 and TLSv1.3/ });
    assert.throws(() => checkVersions('TLSv1.3', 'TLSv1.2'), { code: 'ERR_TLS_INVALID_OPTION' });
    assert.throws(() => checkVersions('SSLv3', undefined), { code: 'ERR_TLS_INVALID_OPTION' });
  });

  it('ALPNProtocols: strings, buffers, or one wire-format buffer', () => {
    assert.deepEqual(parseAlpn(['h2', Buffer.from('http/1.1')]), ['h2', 'http/1.1']);
    assert.deepEqual(parseAlpn(Buffer.from('\x02h2\x08http/1.1', 'latin1')), ['h2', 'http/1.1']);
    assert.throws(() => parseAlpn(Buffer.from('\x05h2', 'latin1')), { code: 'ERR_TLS_INVALID_OPTION' });
    assert.throws(() => parseAlpn(['']), { code: 'ERR_TLS_INVALID_OPTION' });
  });

  it('certificates: PEM strings, PEM buffers, DER buffers', () => {
    assert.equal(certificatesFrom(pki.chainPem('p256')).length, 2);
    assert.equal(certificatesFrom(Buffer.from(pki.chainPem('p256'))).length, 2);
    assert.deepEqual(certificatesFrom(Buffer.from(p256.certDer)), [new Uint8Array(p256.certDer)]);
    assert.equal(certificatesFrom([p256.certPem, ed.certPem]).length, 2);
  });

  it('key/cert arrays are paired by public key; names come from the SAN', () => {
    const keys = certifiedKeysFrom(nodeCryptoProvider, { key: [ed.keyPem, p256.keyPem], cert: [pki.chainPem('p256'), pki.chainPem('ed25519')] });
    assert.equal(keys.length, 2);
    assert.equal(keys[0]?.key.info.type, 'ec');
    assert.equal(keys[1]?.key.info.type, 'ed25519');
    assert.equal(keys[0]?.chain.length, 2);
    assert.deepEqual(keys[0]?.names, ['localhost', '127.0.0.1', '::1']);
    const pairs = certifiedKeysFrom(nodeCryptoProvider, { certificates: [{ key: Buffer.from(ed.keyPem), cert: ed.certPem }] });
    assert.equal(pairs[0]?.key.info.type, 'ed25519');
    assert.throws(() => certifiedKeysFrom(nodeCryptoProvider, { key: ed.keyPem, cert: p256.certPem }), { code: 'ERR_TLS_INVALID_OPTION', message: /mismatch/ });
    assert.throws(() => certifiedKeysFrom(nodeCryptoProvider, { certificates: [{ key: ed.keyPem, cert: p256.certPem }] }), { code: 'ERR_TLS_INVALID_OPTION' });
    assert.throws(() => certifiedKeysFrom(nodeCryptoProvider, { cert: p256.certPem }), { code: 'ERR_TLS_INVALID_OPTION' });
    assert.throws(() => certifiedKeysFrom(nodeCryptoProvider, { key: 'not a key', cert: p256.certPem }), { code: 'ERR_TLS_INVALID_OPTION' });
  });

  it('createSecureContext carries certificates, trust anchors and preferences', () => {
    const ctx = createSecureContext({ key: p256.keyPem, cert: p256.certPem, ca: pki.root.certPem, ciphers: 'TLS_CHACHA20_POLY1305_SHA256', ecdhCurve: 'P-256' });
    assert.equal(ctx.certificates.length, 1);
    assert.equal(ctx.ca?.length, 1);
    assert.deepEqual(ctx.cipherSuites, [CipherSuite.TLS_CHACHA20_POLY1305_SHA256]);
    assert.deepEqual(ctx.groups, [NamedGroup.secp256r1]);
    assert.equal(ctx.context, ctx);
    assert.throws(() => createSecureContext({ maxVersion: 'TLSv1.1' }), { code: 'ERR_TLS_INVALID_OPTION' });
    createSecureContext({ maxVersion: 'TLSv1.2' });
  });
});

describe('node certificate shape', () => {
  it('validity in OpenSSL format, like node', () => {
    assert.equal(opensslTime(new Date(Date.UTC(2025, 2, 4, 9, 5, 1))), 'Mar  4 09:05:01 2025 GMT');
    assert.equal(opensslTime(new Date(Date.UTC(2031, 11, 25, 23, 59, 59))), 'Dec 25 23:59:59 2031 GMT');
    const x = new X509Certificate(p256.certPem);
    const d = describeCertificate(nodeCryptoProvider, p256.certDer);
    assert.equal(d.valid_from, x.validFrom);
    assert.equal(d.valid_to, x.validTo);
    assert.equal(d.subjectaltname, x.subjectAltName);
    assert.equal(d.fingerprint, x.fingerprint);
    assert.equal(d.fingerprint256, x.fingerprint256);
    assert.equal(d.fingerprint512, x.fingerprint512);
    assert.equal(d.serialNumber, x.serialNumber);
    assert.equal(d.subject['CN'], 'localhost');
    assert.equal(d.issuer['CN'], 'tlskit Test Intermediate CA');
    assert.equal(d.nistCurve, 'P-256');
    assert.equal(d.ca, false);
    assert.deepEqual(d.raw, Buffer.from(p256.certDer));
  });

  it('detailed chain: each issuerCertificate is the next, a self-signed root points to itself', () => {
    const chain = describeChain(nodeCryptoProvider, [p256.certDer, pki.intermediate.certDer, pki.root.certDer]);
    assert.ok(chain !== undefined);
    assert.equal(chain.issuerCertificate.subject['CN'], 'tlskit Test Intermediate CA');
    const root = chain.issuerCertificate.issuerCertificate;
    assert.equal(root.subject['CN'], 'tlskit Test Root CA');
    assert.equal(root.issuerCertificate, root);
    assert.equal(root.ca, true);
    const partial = describeChain(nodeCryptoProvider, [p256.certDer]);
    assert.equal(partial?.issuerCertificate, undefined);
  });
});
