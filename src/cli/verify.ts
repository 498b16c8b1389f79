/**
 * `tlskit verify LEAF.pem`: builds and validates a certificate path (RFC 5280 §6.1 with the
 * CA/B Forum rules), checks the host, revocation (supplied CRLs / OCSP responses) and CT, and
 * prints the chain and every check's outcome per certificate. Exit 0 valid, 1 invalid, 2 usage.
 */
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { parseArgs } from 'node:util';
import { commonName, parseCertificate, type Certificate } from '../x509/certificate.js';
import type { ChainResult } from '../x509/chain.js';
import { decodePem } from '../x509/pem.js';
import { certificatesFrom, verifyCertificateChainAsync } from '../x509/path.js';
import type { CheckResult } from '../x509/validate.js';
import { nodeCryptoProvider } from '../crypto/node-provider.js';
import { CT_HELP, CT_OPTIONS, ctSettings } from './ct.js';
import { UsageError } from './names.js';
import { EXIT_FAILURE, useColor } from './util.js';

export const VERIFY_HELP = `Usage: tlskit verify LEAF.pem [options]

Builds a path from the certificate in LEAF.pem (PEM or DER; further certificates in the file are
used as intermediates) to a trusted root and validates it: signatures, validity, basicConstraints,
pathLen, keyUsage, extKeyUsage, name constraints, policies, critical extensions, key sizes and
signature algorithms, the host name, revocation and Certificate Transparency. Prints the chain
and each check's outcome.

Options:
  --chain FILE       intermediate certificates (PEM), any order
  --cafile FILE      trust the CA certificates in FILE instead of Node's bundled roots
  --host NAME        the DNS name or IP address the certificate must cover
  --time ISO         validate at this time (default: now), e.g. 2025-01-01T00:00:00Z
  --purpose P        server (default) or client
  --crl FILE         a CRL (PEM or DER); may be repeated
  --ocsp FILE        a DER OCSP response; may be repeated
  --fetch-crls       fetch CRLs from the certificates' CRL distribution points (http only,
                     5 s and 8 MiB per CRL); without it nothing goes over the network
  --require-revocation  fail when a certificate has no CRL/OCSP status (hard-fail); without it
                     a status that cannot be had (e.g. a fetch failure) is reported, not fatal
${CT_HELP}  --json             print a machine-readable result
  -h, --help         this help

Exit status: 0 when the certificate is valid, 1 when it is not, 2 on usage errors.
`;

function readCerts(path: string): Uint8Array[] {
  const data = new Uint8Array(readFileSync(path));
  const certs = certificatesFrom(data);
  if (certs.length === 0) throw new UsageError(`${path} holds no certificate`);
  return certs;
}

function readDerOrPem(path: string, label: string): Uint8Array {
  const data = new Uint8Array(readFileSync(path));
  const text = new TextDecoder('latin1').decode(data);
  if (text.includes('-----BEGIN')) {
    const block = decodePem(text, label)[0];
    if (block === undefined) throw new UsageError(`${path} has no ${label} block`);
    return block.der;
  }
  return data;
}

const CHECK_ORDER = ['issuer', 'signature', 'algorithm', 'validity', 'basicConstraints', 'pathLength', 'keyUsage', 'extKeyUsage', 'nameConstraints', 'policies', 'criticalExtensions', 'profile', 'hostname', 'revocation', 'ct', 'parse'];

function resultJson(r: ChainResult): unknown {
  const certJson = (c: Certificate, i: number): unknown => ({
    index: i,
    subject: c.subject.text,
    issuer: c.issuer.text,
    serialNumber: c.serialNumber,
    notBefore: c.notBefore.toISOString(),
    notAfter: c.notAfter.toISOString(),
  });
  const checks = r.checks.map((c) => ({ check: c.check, index: c.index, ok: c.ok, detail: c.detail }));
  if (r.ok) {
    return {
      valid: true,
      chain: r.chain.map(certJson),
      checks,
      policies: r.policies,
      revocation: r.revocation.map((s) => (s === undefined ? null : { status: s.status, source: s.source })),
      scts: r.scts.map((s) => ({ ok: s.ok, detail: s.detail, source: s.sct.source, log: s.log?.description ?? null })),
    };
  }
  return {
    valid: false,
    error: { code: r.error.code, check: r.error.check, certificate: r.error.certIndex, subject: r.error.subject ?? null, field: r.error.field ?? null, alert: r.error.alert, message: r.error.message },
    chain: r.chain?.map(certJson) ?? null,
    checks,
  };
}

function render(r: ChainResult, leaf: Certificate, color: boolean): string {
  const green = (s: string): string => (color ? `\x1b[32m${s}\x1b[0m` : s);
  const red = (s: string): string => (color ? `\x1b[31m${s}\x1b[0m` : s);
  const lines: string[] = [];
  const chain = r.chain ?? [leaf];
  lines.push(r.chain === undefined ? 'Chain: no complete path to a trusted root was found' : 'Chain:');
  chain.forEach((c, i) => {
    const role = i === 0 ? 'leaf' : i === chain.length - 1 && r.chain !== undefined ? 'trust anchor' : 'intermediate';
    lines.push(`  ${i} ${c.subject.text || '(empty subject)'}  [${role}]`);
    lines.push(`      issuer ${c.issuer.text}; serial ${c.serialNumber}; ${c.notBefore.toISOString().slice(0, 10)} to ${c.notAfter.toISOString().slice(0, 10)}`);
    const mine = r.checks.filter((x) => x.index === i).sort((a, b) => CHECK_ORDER.indexOf(a.check) - CHECK_ORDER.indexOf(b.check));
    for (const x of mine) lines.push(`      ${x.ok ? green('✓') : red('✗')} ${x.check.padEnd(18)} ${x.detail}`);
  });
  const whole = r.checks.filter((x: CheckResult) => x.index < 0);
  for (const x of whole) lines.push(`  ${x.ok ? green('✓') : red('✗')} ${x.check.padEnd(18)} ${x.detail}`);
  if (r.ok) lines.push(green(`OK: ${commonName(leaf.subject) ?? leaf.subject.text} is valid`));
  else {
    lines.push(red(`FAILED (${r.error.code}, check ${r.error.check}${r.error.certIndex >= 0 ? `, certificate ${r.error.certIndex}` : ''}${r.error.field !== undefined ? `, field ${r.error.field}` : ''}):`));
    lines.push(`  ${r.error.message}`);
  }
  return lines.join('\n') + '\n';
}

export function runVerify(argv: readonly string[]): Promise<number> {
  return Promise.resolve().then(() => verifyCommand(argv));
}

async function verifyCommand(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      chain: { type: 'string' },
      cafile: { type: 'string' },
      host: { type: 'string' },
      time: { type: 'string' },
      purpose: { type: 'string' },
      crl: { type: 'string', multiple: true },
      ocsp: { type: 'string', multiple: true },
      'require-revocation': { type: 'boolean' },
      'fetch-crls': { type: 'boolean' },
      ...CT_OPTIONS,
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) {
    process.stdout.write(VERIFY_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'expected LEAF.pem' : `expected one certificate file, got ${positionals.length}`);
  const purpose = values.purpose ?? 'server';
  if (purpose !== 'server' && purpose !== 'client') throw new UsageError(`--purpose must be server or client, got "${purpose}"`);
  let time: Date | undefined;
  if (values.time !== undefined) {
    time = new Date(values.time);
    if (Number.isNaN(time.getTime())) throw new UsageError(`--time: "${values.time}" is not an ISO 8601 time`);
  }
  const ct = ctSettings(nodeCryptoProvider, values);
  const fileCerts = readCerts(positionals[0] as string);
  const leafDer = fileCerts[0] as Uint8Array;
  let leaf: Certificate;
  try {
    leaf = parseCertificate(leafDer);
  } catch (e) {
    process.stderr.write(`tlskit verify: ${positionals[0] as string}: ${e instanceof Error ? e.message : String(e)}\n`);
    return EXIT_FAILURE;
  }
  const intermediates = [...fileCerts.slice(1), ...(values.chain !== undefined ? readCerts(values.chain) : [])];
  const anchors = values.cafile !== undefined ? readFileSync(values.cafile, 'latin1') : rootCertificates.join('\n');
  const host = values.host;
  const isIp = host !== undefined && (/^[0-9.]+$/.test(host) || host.includes(':'));
  const r = await verifyCertificateChainAsync({
    leaf: leaf,
    intermediates,
    trustAnchors: anchors,
    purpose,
    ...(time !== undefined ? { time } : {}),
    ...(host !== undefined ? (isIp ? { ip: host } : { hostname: host }) : {}),
    crls: (values.crl ?? []).map((f) => readDerOrPem(f, 'X509 CRL')),
    ocspResponses: (values.ocsp ?? []).map((f) => new Uint8Array(readFileSync(f))),
    // node's bundled roots are a vetted store: taken as inputs, not held to today's CA profile
    ...(values.cafile === undefined ? { anchorProfile: false } : {}),
    revocation: values['require-revocation'] === true ? 'hard' : 'soft',
    ...(values['fetch-crls'] === true ? { fetchCrls: true } : {}),
    ...(ct === undefined ? {} : { ct: { logs: ct.logs, ...(ct.policy === undefined ? {} : { policy: ct.policy }) } }),
  });
  if (values.json === true) process.stdout.write(JSON.stringify(resultJson(r), null, 2) + '\n');
  else process.stdout.write(render(r, leaf, useColor(process.stdout)));
  return r.ok ? 0 : EXIT_FAILURE;
}

