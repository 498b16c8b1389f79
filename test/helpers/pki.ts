// A throw-away test PKI made with the openssl CLI:
//   root CA (ECDSA P-384, self-signed, SHA-384)
//   └─ intermediate CA (ECDSA P-256, SHA-384 signature by the root, pathlen 0)
//      └─ leaves for localhost / 127.0.0.1 (SHA-256 signatures by the intermediate):
//         rsa2048, p256, p384, ed25519
// Created once per process (each node:test file runs in its own process) in a temp dir that is
// removed by `removeTestPki()` (call from `after`) or, at the latest, when the process exits.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { runChecked } from './process.js';

export const LEAF_TYPES = ['rsa2048', 'p256', 'p384', 'ed25519'] as const;
export type LeafType = (typeof LEAF_TYPES)[number];

export interface PemFile {
  path: string;
  pem: string;
}

export interface CertKey {
  /** the certificate alone */
  cert: PemFile;
  key: PemFile;
}

export interface Leaf extends CertKey {
  type: LeafType;
  /** leaf followed by the intermediate: what a server sends */
  chain: PemFile;
  /** the name to put in SNI / verify against */
  hostname: 'localhost';
}

export interface TestPki {
  dir: string;
  root: CertKey;
  intermediate: CertKey;
  /** root only: the trust anchor (CAfile / `ca` option) */
  caFile: PemFile;
  leaves: Record<LeafType, Leaf>;
  /** Remove the directory (idempotent). */
  remove(): void;
}

const EXT = `
[v3_root]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[v3_int]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[v3_leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth, clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
subjectAltName = DNS:localhost, IP:127.0.0.1

[v3_leaf_rsa]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
subjectAltName = DNS:localhost, IP:127.0.0.1
`;

const KEYGEN: Record<LeafType | 'p384ca' | 'p256ca', string[]> = {
  rsa2048: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'],
  p256: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-pkeyopt', 'ec_param_enc:named_curve'],
  p384: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384', '-pkeyopt', 'ec_param_enc:named_curve'],
  ed25519: ['-algorithm', 'ED25519'],
  p384ca: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384', '-pkeyopt', 'ec_param_enc:named_curve'],
  p256ca: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-pkeyopt', 'ec_param_enc:named_curve'],
};

const OPENSSL_TIMEOUT = 20_000;

async function openssl(args: string[]): Promise<void> {
  await runChecked('openssl', args, { timeoutMs: OPENSSL_TIMEOUT, name: `openssl ${args[0] ?? ''}` });
}

function serial(): string {
  // positive 64-bit serial
  const b = randomBytes(8);
  b[0] = (b[0]! & 0x7f) | 0x01;
  return `0x${b.toString('hex')}`;
}

async function genKey(dir: string, name: string, kind: keyof typeof KEYGEN): Promise<string> {
  const path = join(dir, `${name}.key`);
  await openssl(['genpkey', ...KEYGEN[kind], '-out', path]);
  return path;
}

async function csr(dir: string, name: string, keyPath: string, cn: string): Promise<string> {
  const path = join(dir, `${name}.csr`);
  await openssl(['req', '-new', '-key', keyPath, '-subj', `/O=tlskit test/CN=${cn}`, '-out', path]);
  return path;
}

async function sign(
  dir: string,
  name: string,
  csrPath: string,
  ext: string,
  digest: string,
  issuer: { cert: string; key: string } | { selfKey: string },
): Promise<string> {
  const path = join(dir, `${name}.crt`);
  const issuerArgs = 'selfKey' in issuer ? ['-signkey', issuer.selfKey] : ['-CA', issuer.cert, '-CAkey', issuer.key];
  await openssl([
    'x509', '-req', '-in', csrPath, ...issuerArgs,
    '-set_serial', serial(), '-days', '30', `-${digest}`,
    '-extfile', join(dir, 'ext.cnf'), '-extensions', ext, '-out', path,
  ]);
  return path;
}

function pemFile(path: string): PemFile {
  return { path, pem: readFileSync(path, 'utf8') };
}

async function build(): Promise<TestPki> {
  const dir = mkdtempSync(join(tmpdir(), 'tlskit-pki-'));
  const removeDir = (): void => {
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', removeDir);
  try {
    writeFileSync(join(dir, 'ext.cnf'), EXT);
    // All keys in parallel (RSA is the slow one; it is made once per process).
    const [rootKey, intKey, ...leafKeys] = await Promise.all([
      genKey(dir, 'root', 'p384ca'),
      genKey(dir, 'intermediate', 'p256ca'),
      ...LEAF_TYPES.map((t) => genKey(dir, `leaf-${t}`, t)),
    ]);
    const rootCsr = await csr(dir, 'root', rootKey, 'tlskit test root CA');
    const rootCert = await sign(dir, 'root', rootCsr, 'v3_root', 'sha384', { selfKey: rootKey });
    const intCsr = await csr(dir, 'intermediate', intKey, 'tlskit test intermediate CA');
    const intCert = await sign(dir, 'intermediate', intCsr, 'v3_int', 'sha384', { cert: rootCert, key: rootKey });
    const intermediate: CertKey = { cert: pemFile(intCert), key: pemFile(intKey) };
    const leafList = await Promise.all(
      LEAF_TYPES.map(async (type, i): Promise<Leaf> => {
        const keyPath = leafKeys[i]!;
        const c = await csr(dir, `leaf-${type}`, keyPath, 'localhost');
        const certPath = await sign(dir, `leaf-${type}`, c, type === 'rsa2048' ? 'v3_leaf_rsa' : 'v3_leaf', 'sha256', {
          cert: intCert,
          key: intKey,
        });
        const cert = pemFile(certPath);
        const chainPath = join(dir, `leaf-${type}.chain.pem`);
        writeFileSync(chainPath, cert.pem + intermediate.cert.pem);
        return { type, cert, key: pemFile(keyPath), chain: pemFile(chainPath), hostname: 'localhost' };
      }),
    );
    const leaves = Object.fromEntries(leafList.map((l) => [l.type, l])) as Record<LeafType, Leaf>;
    const root: CertKey = { cert: pemFile(rootCert), key: pemFile(rootKey) };
    return {
      dir,
      root,
      intermediate,
      caFile: root.cert,
      leaves,
      remove: () => {
        removeDir();
        process.removeListener('exit', removeDir);
      },
    };
  } catch (e) {
    removeDir();
    throw e;
  }
}

let cached: Promise<TestPki> | undefined;

/** The process-wide test PKI (made on first call; later calls share it). */
export function createTestPki(): Promise<TestPki> {
  cached ??= build();
  return cached;
}

/** Remove the process-wide PKI directory; the next createTestPki() makes a new one. */
export async function removeTestPki(): Promise<void> {
  const p = cached;
  cached = undefined;
  if (p !== undefined) (await p.catch(() => undefined))?.remove();
}
