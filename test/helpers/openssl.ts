// openssl s_server / s_client as interop peers, plus what this OpenSSL build supports.
import { freePort, runCommand, spawnPeer, withTimeout, type ExitInfo, type Peer } from './process.js';

/** Group names as tlskit / node:tls spell them, mapped from OpenSSL's various spellings. */
const GROUP_ALIASES: Record<string, string> = {
  x25519: 'X25519',
  x448: 'X448',
  prime256v1: 'P-256',
  secp256r1: 'P-256',
  'p-256': 'P-256',
  secp384r1: 'P-384',
  'p-384': 'P-384',
  secp521r1: 'P-521',
  'p-521': 'P-521',
};

/** Normalise an OpenSSL group name ("prime256v1", "x25519", "secp384r1") to "P-256" / "X25519" style. */
export function normalizeGroup(name: string): string {
  return GROUP_ALIASES[name.toLowerCase()] ?? name;
}

// ---------------------------------------------------------------------------------------------
// s_server

export type ServerMode = 'www' | 'rev' | 'plain';

export interface OpensslServerOptions {
  /** certificate (PEM file path); a chain file may be given as `chain` */
  cert: string;
  key: string;
  /** extra certificates to send (intermediates), PEM file path */
  chain?: string;
  /** default: a free port on 127.0.0.1 */
  port?: number;
  tls13Only?: boolean;
  tls12Only?: boolean;
  /** TLS 1.3 suites, colon separated or list */
  ciphersuites?: string | readonly string[];
  /** TLS 1.2 cipher list (OpenSSL syntax) */
  ciphers?: string;
  groups?: string | readonly string[];
  sigalgs?: string | readonly string[];
  /** ALPN protocols the server accepts, in preference order */
  alpn?: readonly string[];
  /** -www (HTTP status page; default), -rev (reverses each line), or plain (echo to stdout) */
  mode?: ServerMode;
  /** request + verify a client certificate against this CA file */
  verifyClientCa?: string;
  keylogFile?: string;
  extraArgs?: readonly string[];
  /** hard life limit of the server process (default 60 s) */
  timeoutMs?: number;
  /** extra environment (e.g. OPENSSL_CONF), merged over ours */
  env?: NodeJS.ProcessEnv;
}

export interface OpensslServer {
  port: number;
  peer: Peer;
  /** all output so far */
  output(): string;
  stop(): Promise<ExitInfo>;
}

function list(v: string | readonly string[]): string {
  return typeof v === 'string' ? v : v.join(':');
}

export function opensslServerArgs(o: OpensslServerOptions, port: number): string[] {
  const args = ['s_server', '-accept', `127.0.0.1:${port}`, '-cert', o.cert, '-key', o.key];
  if (o.chain !== undefined) args.push('-cert_chain', o.chain);
  if (o.tls13Only === true) args.push('-tls1_3');
  if (o.tls12Only === true) args.push('-tls1_2');
  if (o.ciphersuites !== undefined) args.push('-ciphersuites', list(o.ciphersuites));
  if (o.ciphers !== undefined) args.push('-cipher', o.ciphers);
  if (o.groups !== undefined) args.push('-groups', list(o.groups));
  if (o.sigalgs !== undefined) args.push('-sigalgs', list(o.sigalgs));
  if (o.alpn !== undefined) args.push('-alpn', o.alpn.join(','));
  if (o.verifyClientCa !== undefined) args.push('-Verify', '2', '-CAfile', o.verifyClientCa, '-verify_return_error');
  if (o.keylogFile !== undefined) args.push('-keylogfile', o.keylogFile);
  const mode = o.mode ?? 'www';
  if (mode === 'www') args.push('-www');
  else if (mode === 'rev') args.push('-rev');
  args.push(...(o.extraArgs ?? []));
  return args;
}

/** Start `openssl s_server` on 127.0.0.1 and wait for "ACCEPT" (retries on a port clash). */
export async function startOpensslServer(o: OpensslServerOptions): Promise<OpensslServer> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = o.port ?? (await freePort());
    const peer = spawnPeer('openssl', opensslServerArgs(o, port), {
      timeoutMs: o.timeoutMs ?? 60_000,
      ...(o.env === undefined ? {} : { env: { ...process.env, ...o.env } }),
      name: `openssl s_server :${port}`,
    });
    try {
      await peer.waitFor(/^ACCEPT$/m, 10_000);
      return { port, peer, output: () => peer.output(), stop: () => peer.kill(500) };
    } catch (e) {
      lastError = e;
      await peer.kill(200);
      const clash = /in use|bind/i.test(peer.stderr());
      if (!clash || o.port !== undefined) break;
    }
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}

// ---------------------------------------------------------------------------------------------
// s_client

export interface OpensslClientOptions {
  port: number;
  host?: string;
  /** SNI; also used for -verify_hostname when verify is on. `null` sends no SNI (-noservername). */
  servername?: string | null;
  /** trust anchor file: turns on verification (-verify_return_error) */
  caFile?: string;
  tls13Only?: boolean;
  tls12Only?: boolean;
  ciphersuites?: string | readonly string[];
  ciphers?: string;
  groups?: string | readonly string[];
  sigalgs?: string | readonly string[];
  alpn?: readonly string[];
  /** client certificate / key (PEM paths) */
  cert?: string;
  key?: string;
  /** written after the handshake completes */
  input?: string;
  /** after writing input, wait for this on stdout before closing */
  expect?: RegExp;
  /** wait for the server to close the connection instead of closing ourselves */
  awaitClose?: boolean;
  keylogFile?: string;
  extraArgs?: readonly string[];
  /** hard limit for the whole run (default 15 s) */
  timeoutMs?: number;
  /** extra environment (e.g. OPENSSL_CONF), merged over ours */
  env?: NodeJS.ProcessEnv;
}

export interface OpensslClientResult {
  exit: ExitInfo;
  stdout: string;
  stderr: string;
  /** handshake completed (a protocol and a real cipher were reported) */
  handshakeOk: boolean;
  /** "TLSv1.3", "TLSv1.2" */
  protocol: string | undefined;
  /** "TLS_AES_128_GCM_SHA256" (TLS 1.3) or the OpenSSL name (TLS 1.2) */
  cipher: string | undefined;
  /** the raw "Server Temp Key:" value, e.g. "X25519, 253 bits" */
  serverTempKey: string | undefined;
  /** the key exchange group, normalised: "X25519", "P-256", "P-384" */
  group: string | undefined;
  /** null when "No ALPN negotiated" */
  alpn: string | null;
  verifyReturnCode: number | undefined;
  verifyMessage: string | undefined;
  peerSignatureType: string | undefined;
  peerSigningDigest: string | undefined;
  /** data after the handshake summary (what the server sent) */
  received: string;
}

export function opensslClientArgs(o: OpensslClientOptions): string[] {
  const args = ['s_client', '-connect', `${o.host ?? '127.0.0.1'}:${o.port}`];
  if (o.servername === null) args.push('-noservername');
  else if (o.servername !== undefined) args.push('-servername', o.servername);
  if (o.caFile !== undefined) {
    args.push('-CAfile', o.caFile, '-verify_return_error');
    if (typeof o.servername === 'string') args.push('-verify_hostname', o.servername);
  }
  if (o.tls13Only === true) args.push('-tls1_3');
  if (o.tls12Only === true) args.push('-tls1_2');
  if (o.ciphersuites !== undefined) args.push('-ciphersuites', list(o.ciphersuites));
  if (o.ciphers !== undefined) args.push('-cipher', o.ciphers);
  if (o.groups !== undefined) args.push('-groups', list(o.groups));
  if (o.sigalgs !== undefined) args.push('-sigalgs', list(o.sigalgs));
  if (o.alpn !== undefined) args.push('-alpn', o.alpn.join(','));
  if (o.cert !== undefined) args.push('-cert', o.cert);
  if (o.key !== undefined) args.push('-key', o.key);
  if (o.keylogFile !== undefined) args.push('-keylogfile', o.keylogFile);
  // keep running on stdin EOF only when we wait for the server to close
  if (o.awaitClose === true) args.push('-ign_eof');
  args.push(...(o.extraArgs ?? []));
  return args;
}

/**
 * The end of s_client's handshake summary: "Verify return code" then "---" (TLS 1.3), or, in the
 * indented SSL-Session block of TLS 1.2, "Verify return code" and "Extended master secret" then "---".
 */
const SUMMARY_END = /^\s*Verify return code: .*\n(?:\s*Extended master secret: .*\n)?---\n/m;

function m1(text: string, re: RegExp): string | undefined {
  const m = text.match(re);
  return m?.[1]?.trim();
}

/** Parse the interesting lines of s_client's (non -brief) output. */
export function parseOpensslClientOutput(stdout: string): Omit<OpensslClientResult, 'exit' | 'stdout' | 'stderr'> {
  const newLine = stdout.match(/^(?:New|Reused), (TLSv[\d.]+|SSLv3|\(NONE\)), Cipher is (\S+)/m);
  const protocol = newLine?.[1] ?? m1(stdout, /^\s*Protocol\s*:\s*(\S+)/m);
  const cipher = newLine?.[2] ?? m1(stdout, /^\s*Cipher\s*:\s*(\S+)/m);
  const serverTempKey = m1(stdout, /^Server Temp Key: (.+)$/m);
  let group: string | undefined;
  if (serverTempKey !== undefined) {
    const parts = serverTempKey.split(',').map((s) => s.trim());
    // "X25519, 253 bits" | "ECDH, prime256v1, 256 bits" | "DH, 2048 bits"
    const name = parts[0] === 'ECDH' ? parts[1] : parts[0] === 'DH' ? `ffdhe${(parts[1] ?? '').replace(/\D/g, '')}` : parts[0];
    if (name !== undefined) group = normalizeGroup(name);
  }
  const alpnRaw = m1(stdout, /^ALPN protocol: (.+)$/m);
  const verify = stdout.match(/Verify return code: (\d+) \(([^)]*)\)/);
  const summaryEnd = stdout.search(SUMMARY_END);
  let received = '';
  if (summaryEnd >= 0) {
    const after = stdout.slice(summaryEnd).replace(SUMMARY_END, '');
    // drop the post-handshake ticket dumps and s_client's own chatter
    received = after
      .replace(/^---\nPost-Handshake New Session Ticket arrived:\nSSL-Session:[\s\S]*?\n---\n/gm, '')
      .replace(/^Post-Handshake New Session Ticket arrived:\nSSL-Session:[\s\S]*?\n---\n/gm, '')
      .replace(/^(read R BLOCK|closed|DONE|RENEGOTIATING|KEYUPDATE)\n/gm, '');
  }
  return {
    handshakeOk: protocol !== undefined && protocol !== '(NONE)' && cipher !== undefined && cipher !== '(NONE)',
    protocol,
    cipher,
    serverTempKey,
    group,
    alpn: alpnRaw ?? null,
    verifyReturnCode: verify?.[1] === undefined ? undefined : Number(verify[1]),
    verifyMessage: verify?.[2],
    peerSignatureType: m1(stdout, /^Peer signature type: (.+)$/m),
    peerSigningDigest: m1(stdout, /^Peer signing digest: (.+)$/m),
    received,
  };
}

/**
 * Run `openssl s_client` against 127.0.0.1:port: wait for the handshake summary, write `input`,
 * wait for `expect` (or for the server to close when `awaitClose`), then close stdin so s_client
 * sends close_notify and exits. Everything is bounded by `timeoutMs`; never rejects on a failed
 * handshake (look at `handshakeOk` / `exit`), only on a spawn failure.
 */
export async function runOpensslClient(o: OpensslClientOptions): Promise<OpensslClientResult> {
  const timeoutMs = o.timeoutMs ?? 15_000;
  const deadline = Date.now() + timeoutMs;
  const left = (): number => Math.max(1, deadline - Date.now());
  const peer = spawnPeer('openssl', opensslClientArgs(o), {
    timeoutMs,
    name: `openssl s_client :${o.port}`,
    ...(o.env === undefined ? {} : { env: { ...process.env, ...o.env } }),
  });
  try {
    // The summary ends with "Verify return code" + "---"; a failed handshake exits instead.
    await peer.waitFor(SUMMARY_END, left(), 'stdout');
    if (o.input !== undefined) await peer.write(o.input);
    if (o.expect !== undefined) await peer.waitFor(o.expect, left(), 'stdout');
    if (o.awaitClose === true) {
      peer.endInput(); // -ign_eof: s_client keeps reading until the server closes
      await withTimeout(peer.exited, left(), 'server close');
    }
  } catch {
    // handshake failure / timeout: the result carries the output and exit info
  }
  peer.endInput();
  const exit = await peer.wait(Math.min(left(), 3000));
  const stdout = peer.stdout();
  return { exit, stdout, stderr: peer.stderr(), ...parseOpensslClientOutput(stdout) };
}

// ---------------------------------------------------------------------------------------------
// What this OpenSSL supports (so interop matrices are derived, not hard-coded)

export interface CipherName {
  /** IANA / RFC name, e.g. TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 */
  standard: string;
  /** OpenSSL name, e.g. ECDHE-ECDSA-AES128-GCM-SHA256 */
  openssl: string;
}

export interface OpensslSupport {
  version: string;
  /** every TLS 1.3 suite this build can negotiate (including the non-default CCM ones) */
  tls13Ciphersuites: string[];
  /** the suites enabled by default */
  tls13DefaultCiphersuites: string[];
  /** TLS 1.2 cipher suites (ALL, excluding anonymous/NULL), standard + OpenSSL names */
  tls12Ciphers: CipherName[];
  /** TLS groups accepted by -groups, in OpenSSL spelling (x25519, P-256, ffdhe2048, ...) */
  groups: string[];
  /** TLS signature schemes accepted by -sigalgs (IANA names) */
  sigalgs: string[];
}

const TLS13_SUITES = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'TLS_AES_128_CCM_SHA256',
  'TLS_AES_128_CCM_8_SHA256',
];

const GROUP_CANDIDATES = [
  'x25519', 'x448', 'P-256', 'P-384', 'P-521',
  'ffdhe2048', 'ffdhe3072', 'ffdhe4096', 'ffdhe6144', 'ffdhe8192',
  'brainpoolP256r1tls13', 'brainpoolP384r1tls13', 'brainpoolP512r1tls13',
  'X25519MLKEM768', 'SecP256r1MLKEM768', 'SecP384r1MLKEM1024', 'MLKEM512', 'MLKEM768', 'MLKEM1024',
];

const SIGALG_CANDIDATES = [
  'ecdsa_secp256r1_sha256', 'ecdsa_secp384r1_sha384', 'ecdsa_secp521r1_sha512',
  'ed25519', 'ed448',
  'rsa_pss_rsae_sha256', 'rsa_pss_rsae_sha384', 'rsa_pss_rsae_sha512',
  'rsa_pss_pss_sha256', 'rsa_pss_pss_sha384', 'rsa_pss_pss_sha512',
  'rsa_pkcs1_sha256', 'rsa_pkcs1_sha384', 'rsa_pkcs1_sha512',
  'ecdsa_sha1', 'rsa_pkcs1_sha1',
  'ecdsa_brainpoolP256r1tls13_sha256', 'ecdsa_brainpoolP384r1tls13_sha384', 'ecdsa_brainpoolP512r1tls13_sha512',
  'mldsa44', 'mldsa65', 'mldsa87',
];

/** s_client rejects an unknown -groups / -sigalgs value before connecting; probe against a closed port. */
async function probe(flag: '-groups' | '-sigalgs', value: string, closedPort: number): Promise<boolean> {
  const r = await runCommand('openssl', ['s_client', flag, value, '-connect', `127.0.0.1:${closedPort}`], {
    timeoutMs: 5000,
    name: `openssl probe ${flag} ${value}`,
  });
  const text = r.stdout + r.stderr;
  return !/SSL_CONF_cmd|cannot be set|invalid argument/i.test(text);
}

async function build(): Promise<OpensslSupport> {
  const version = (await runCommand('openssl', ['version'], { timeoutMs: 5000 })).stdout.trim();
  const all13 = await runCommand('openssl', ['ciphers', '-s', '-tls1_3', '-ciphersuites', TLS13_SUITES.join(':')], {
    timeoutMs: 5000,
  });
  const def13 = await runCommand('openssl', ['ciphers', '-s', '-tls1_3'], { timeoutMs: 5000 });
  const s12 = await runCommand('openssl', ['ciphers', '-s', '-tls1_2', '-stdname', '-ciphersuites', '', 'ALL:!aNULL:!eNULL'], {
    timeoutMs: 5000,
  });
  const tls12Ciphers: CipherName[] = [];
  for (const line of s12.stdout.split('\n')) {
    const m = line.match(/^\s*(TLS_\S+)\s+-\s+(\S+)\s+TLSv1\.2/);
    if (m?.[1] !== undefined && m[2] !== undefined) tls12Ciphers.push({ standard: m[1], openssl: m[2] });
  }
  // a port nobody listens on: the probes fail to connect (quickly) when the value is accepted
  const closedPort = await freePort();
  const [groupOk, sigOk] = await Promise.all([
    Promise.all(GROUP_CANDIDATES.map((g) => probe('-groups', g, closedPort))),
    Promise.all(SIGALG_CANDIDATES.map((s) => probe('-sigalgs', s, closedPort))),
  ]);
  const split = (s: string): string[] => s.trim().split(':').filter((x) => x.length > 0);
  return {
    version,
    tls13Ciphersuites: split(all13.stdout),
    tls13DefaultCiphersuites: split(def13.stdout),
    tls12Ciphers,
    groups: GROUP_CANDIDATES.filter((_, i) => groupOk[i] === true),
    sigalgs: SIGALG_CANDIDATES.filter((_, i) => sigOk[i] === true),
  };
}

let cached: Promise<OpensslSupport> | undefined;

/** What the installed openssl supports (computed once per process). */
export function opensslSupports(): Promise<OpensslSupport> {
  cached ??= build();
  return cached;
}
