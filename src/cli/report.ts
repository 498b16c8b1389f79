/** Connection reports for people (text) and programs (JSON): parameters and certificate chains. */
import type { CryptoProvider } from '../crypto/provider.js';
import { cipherSuiteName, namedGroupName, protocolVersionName, signatureSchemeName } from '../registry/names.js';
import type { Json } from '../trace/json.js';
import type { NegotiatedSummary } from '../trace/ladder.js';
import { fingerprint256, parseCertificate } from '../x509/certificate.js';

export interface CertificateInfo {
  readonly subject: string;
  readonly issuer: string;
  readonly notBefore: string;
  readonly notAfter: string;
  /** e.g. `EC P-256 (256 bits)`, `RSA (2048 bits)`, `Ed25519`. */
  readonly key: string;
  readonly fingerprintSha256: string;
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
  readonly serialNumber: string;
}

function keyDescription(provider: CryptoProvider, spki: Uint8Array): string {
  try {
    const info = provider.importPublicKey(spki).info;
    switch (info.type) {
      case 'ec':
        return `EC ${info.curve ?? '?'} (${info.bits} bits)`;
      case 'rsa':
        return `RSA (${info.bits} bits)`;
      case 'rsa-pss':
        return `RSA-PSS (${info.bits} bits)`;
      case 'ed25519':
        return 'Ed25519';
      case 'ed448':
        return 'Ed448';
      default:
        return 'unknown';
    }
  } catch {
    return 'unsupported key';
  }
}

/** Details of one DER certificate; undefined fields are reported as unparseable. */
export function certificateInfo(provider: CryptoProvider, der: Uint8Array): CertificateInfo | { readonly error: string; readonly fingerprintSha256: string } {
  try {
    const c = parseCertificate(der);
    return {
      subject: c.subject.text,
      issuer: c.issuer.text,
      notBefore: c.notBefore.toISOString(),
      notAfter: c.notAfter.toISOString(),
      key: keyDescription(provider, c.subjectPublicKeyInfo),
      fingerprintSha256: fingerprint256(provider, der),
      dnsNames: c.subjectAltName?.dnsNames ?? [],
      ipAddresses: c.subjectAltName?.ipAddresses ?? [],
      serialNumber: c.serialNumber,
    };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e), fingerprintSha256: fingerprint256(provider, der) };
  }
}

export function certificateJson(provider: CryptoProvider, der: Uint8Array): Json {
  const i = certificateInfo(provider, der);
  if ('error' in i) return { error: i.error, fingerprint_sha256: i.fingerprintSha256 };
  return {
    subject: i.subject,
    issuer: i.issuer,
    not_before: i.notBefore,
    not_after: i.notAfter,
    key: i.key,
    fingerprint_sha256: i.fingerprintSha256,
    serial_number: i.serialNumber,
    dns_names: [...i.dnsNames],
    ip_addresses: [...i.ipAddresses],
  };
}

/** The certificate chain as indented text lines. */
export function renderChain(provider: CryptoProvider, chain: readonly Uint8Array[]): string {
  const lines: string[] = [`Certificate chain (${chain.length})`];
  chain.forEach((der, n) => {
    const i = certificateInfo(provider, der);
    if ('error' in i) {
      lines.push(`  ${n}: (unparseable: ${i.error})`, `     SHA-256 ${i.fingerprintSha256}`);
      return;
    }
    lines.push(`  ${n}: subject  ${i.subject || '(empty)'}`);
    lines.push(`     issuer   ${i.issuer || '(empty)'}`);
    lines.push(`     valid    ${i.notBefore} → ${i.notAfter}`);
    lines.push(`     key      ${i.key}`);
    if (i.dnsNames.length + i.ipAddresses.length > 0) lines.push(`     names    ${[...i.dnsNames, ...i.ipAddresses].join(', ')}`);
    lines.push(`     SHA-256  ${i.fingerprintSha256}`);
  });
  return `${lines.join('\n')}\n`;
}

const namedOrNull = (v: number | undefined, f: (n: number) => string): Json => (v === undefined ? null : f(v));

/** The negotiated parameters as JSON (IANA names). */
export function negotiatedJson(n: NegotiatedSummary, provider: CryptoProvider): Json {
  return {
    version: namedOrNull(n.version, protocolVersionName),
    cipher_suite: namedOrNull(n.cipherSuite, cipherSuiteName),
    group: namedOrNull(n.group, namedGroupName),
    signature_scheme: namedOrNull(n.signatureScheme, signatureSchemeName),
    alpn: n.alpn ?? null,
    server_name: n.serverName ?? null,
    hello_retry_request: n.helloRetryRequest,
    peer_record_size_limit: n.peerRecordSizeLimit ?? null,
    verification: n.verification ?? null,
    certificates: n.certificates.map((der) => certificateJson(provider, der)),
  };
}
