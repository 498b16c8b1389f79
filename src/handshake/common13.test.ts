// Certificate choice by SNI (RFC 6125 names) and signature scheme, with the per-list name cache.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SignatureScheme } from '../registry/codepoints.js';
import type { CertifiedKey } from './config.js';
import { certificatesForName, chooseCertificate } from './common13.js';

function cert(names: string[], type: 'ec' | 'ed25519' = 'ec'): CertifiedKey {
  return { chain: [new Uint8Array([names.length])], key: { info: type === 'ec' ? { type, curve: 'P-256', bits: 256 } : { type, bits: 256 } }, names };
}

describe('certificate choice by name', () => {
  const example = cert(['example.com', '*.example.com']);
  const other = cert(['other.test']);
  const ed = cert(['ed.test'], 'ed25519');
  const list = [example, other, ed];

  it('the certificates whose names cover the SNI, in order; the same answer for the same name', () => {
    assert.deepEqual(certificatesForName(list, 'www.example.com'), [example]);
    assert.deepEqual(certificatesForName(list, 'WWW.Example.COM.'), [example]);
    assert.deepEqual(certificatesForName(list, 'other.test'), [other]);
    assert.deepEqual(certificatesForName(list, 'a.b.example.com'), []);
    assert.deepEqual(certificatesForName(list, undefined), []);
    assert.equal(certificatesForName(list, 'www.example.com'), certificatesForName(list, 'www.example.com'));
    // another list with the same name is looked up on its own
    assert.deepEqual(certificatesForName([other, example], 'www.example.com'), [example]);
    assert.deepEqual(certificatesForName([other], 'www.example.com'), []);
  });

  it('many distinct names: answers stay right when the cache starts over', () => {
    for (let i = 0; i < 600; i++) assert.deepEqual(certificatesForName(list, `h${i}.example.com`), [example]);
    for (let i = 0; i < 600; i++) assert.deepEqual(certificatesForName(list, `h${i}.nowhere.test`), []);
    assert.deepEqual(certificatesForName(list, 'other.test'), [other]);
  });

  it('chooseCertificate: by name first, then any certificate whose key fits a scheme the client offered', () => {
    const p256 = [SignatureScheme.ecdsa_secp256r1_sha256, SignatureScheme.ed25519];
    assert.equal(chooseCertificate(list, 'other.test', p256, p256)?.certificate, other);
    assert.equal(chooseCertificate(list, 'nowhere.test', p256, p256)?.certificate, example);
    // the SNI's certificate cannot sign with what the client offers: another one does
    assert.equal(chooseCertificate(list, 'ed.test', p256, [SignatureScheme.ecdsa_secp256r1_sha256])?.certificate, example);
    assert.equal(chooseCertificate(list, 'ed.test', p256, p256)?.certificate, ed);
    assert.equal(chooseCertificate(list, 'ed.test', p256, [SignatureScheme.rsa_pss_rsae_sha256]), undefined);
  });
});
