// GnuTLS peers (Debian package gnutls-bin): `gnutls-cli` as a client and `gnutls-serv --echo` as a
// server, on 127.0.0.1, bounded and killed after (spawnPeer). GnuTLS is configured with priority
// strings, e.g. NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+AES-128-GCM:-KX-ALL:+ECDHE-RSA.
import { freePort, sleep, spawnPeer, type ExitInfo, type Peer } from './process.js';

/** A GnuTLS priority string from its parts (each part replaces the NORMAL defaults of its kind). */
export interface GnutlsPriority {
  readonly versions: readonly ('TLS1.2' | 'TLS1.3')[];
  /** e.g. AES-128-GCM, AES-256-GCM, CHACHA20-POLY1305, AES-128-CBC */
  readonly ciphers?: readonly string[];
  /** e.g. ECDHE-RSA, ECDHE-ECDSA, DHE-RSA, RSA */
  readonly kx?: readonly string[];
  /** e.g. X25519, SECP256R1, SECP384R1, FFDHE2048 */
  readonly groups?: readonly string[];
  /** e.g. SHA1, SHA256 (CBC suites), AEAD */
  readonly macs?: readonly string[];
  /** extra raw priority tokens, e.g. %NO_ETM */
  readonly extra?: readonly string[];
}

export function gnutlsPriority(p: GnutlsPriority): string {
  const parts = ['NORMAL', '-VERS-ALL', ...p.versions.map((v) => `+VERS-${v}`)];
  if (p.ciphers !== undefined) parts.push('-CIPHER-ALL', ...p.ciphers.map((c) => `+${c}`));
  if (p.kx !== undefined) parts.push('-KX-ALL', ...p.kx.map((k) => `+${k}`));
  if (p.groups !== undefined) parts.push('-GROUP-ALL', ...p.groups.map((g) => `+GROUP-${g}`));
  if (p.macs !== undefined) parts.push('-MAC-ALL', ...p.macs.map((m) => `+${m}`));
  return [...parts, ...(p.extra ?? [])].join(':');
}

/**
 * GnuTLS's session description, e.g. "(TLS1.2-X.509)-(ECDHE-X25519)-(ECDSA-SHA256)-(AES-128-GCM)"
 * or "(TLS1.3-X.509)-(ECDHE-SECP256R1)-(ECDSA-SECP256R1-SHA256)-(AES-128-GCM)".
 */
export interface GnutlsDescription {
  readonly raw: string;
  readonly version: string;
  readonly kx: string;
  readonly sig: string;
  readonly cipher: string;
}

export function parseGnutlsDescription(text: string): GnutlsDescription | undefined {
  const m = /^- Description: \(([^)]*)\)-\(([^)]*)\)-\(([^)]*)\)-\(([^)]*)\)/m.exec(text);
  if (m === null) return undefined;
  return { raw: m[0], version: m[1]!.replace(/-X\.509$/, ''), kx: m[2]!, sig: m[3]!, cipher: m[4]! };
}

export interface GnutlsClientOptions {
  readonly port: number;
  readonly priority: string;
  /** trust anchor; without it the client runs with --insecure */
  readonly caFile?: string;
  readonly servername?: string;
  /** written after the handshake */
  readonly input?: string;
  /** wait for this on stdout after writing input */
  readonly expect?: RegExp;
  readonly timeoutMs?: number;
  readonly extraArgs?: readonly string[];
}

export interface GnutlsClientResult {
  readonly handshakeOk: boolean;
  readonly description: GnutlsDescription | undefined;
  /** whether "extended master secret" is listed in the negotiated options */
  readonly ems: boolean;
  readonly etm: boolean;
  readonly matched: string | undefined;
  readonly stdout: string;
  readonly stderr: string;
  readonly exit: ExitInfo;
}

/** Run gnutls-cli against 127.0.0.1:port, write `input`, wait for `expect`, then end it. */
export async function runGnutlsClient(o: GnutlsClientOptions): Promise<GnutlsClientResult> {
  const timeoutMs = o.timeoutMs ?? 10_000;
  const name = o.servername ?? 'localhost';
  const args = ['--priority', o.priority, '-p', String(o.port), '--sni-hostname', name, '--verify-hostname', name];
  args.push(...(o.caFile !== undefined ? ['--x509cafile', o.caFile] : ['--insecure']));
  args.push(...(o.extraArgs ?? []), '127.0.0.1');
  const peer: Peer = spawnPeer('gnutls-cli', args, { timeoutMs, name: `gnutls-cli :${o.port}` });
  let matched: string | undefined;
  let handshakeOk = false;
  try {
    await peer.waitFor(/^- Handshake was completed$/m, timeoutMs - 500);
    handshakeOk = true;
    if (o.input !== undefined) await peer.write(o.input);
    if (o.expect !== undefined) matched = (await peer.waitFor(o.expect, timeoutMs - 500, 'stdout'))[0].trim();
  } catch {
    // reported through handshakeOk / matched and the output
  } finally {
    peer.endInput();
  }
  const exit = await peer.wait(2000);
  const out = peer.stdout();
  const options = /^- Options: (.*)$/m.exec(out)?.[1] ?? '';
  return {
    handshakeOk,
    description: parseGnutlsDescription(out),
    ems: options.includes('extended master secret'),
    etm: options.includes('encrypt-then-mac'),
    matched,
    stdout: out,
    stderr: peer.stderr(),
    exit,
  };
}

export interface GnutlsServerOptions {
  readonly certChain: string;
  readonly key: string;
  readonly priority: string;
  readonly dhparams?: string;
  readonly timeoutMs?: number;
  /** more gnutls-serv options, e.g. --earlydata, --noticket */
  readonly extraArgs?: readonly string[];
}

export interface GnutlsServer {
  readonly port: number;
  readonly peer: Peer;
  /** number of "- Description:" lines so far (one per completed handshake) */
  descriptions(): GnutlsDescription[];
  /** Waits (bounded) until more than `count` handshakes are described and returns description `count`. */
  nextDescription(count: number, timeoutMs?: number): Promise<GnutlsDescription>;
  stop(): Promise<ExitInfo>;
}

/** Start `gnutls-serv --echo` on a free port and wait until it listens (retries on a port clash). */
export async function startGnutlsServer(o: GnutlsServerOptions): Promise<GnutlsServer> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const args = ['--echo', '-p', String(port), '--x509certfile', o.certChain, '--x509keyfile', o.key, '--priority', o.priority];
    if (o.dhparams !== undefined) args.push('--dhparams', o.dhparams);
    args.push(...(o.extraArgs ?? []));
    const peer = spawnPeer('gnutls-serv', args, { timeoutMs: o.timeoutMs ?? 60_000, name: `gnutls-serv :${port}` });
    try {
      await peer.waitFor(/listening on IPv4 .* port \d+\.\.\.done/, 10_000);
      const descriptions = (): GnutlsDescription[] =>
        [...peer.stdout().matchAll(/^- Description: .*$/gm)].map((m) => parseGnutlsDescription(m[0])).filter((d) => d !== undefined);
      const nextDescription = async (count: number, waitMs = 3000): Promise<GnutlsDescription> => {
        const deadline = Date.now() + waitMs;
        for (;;) {
          const d = descriptions()[count];
          if (d !== undefined) return d;
          if (Date.now() > deadline) throw new Error(`gnutls-serv described no handshake #${count + 1}:\n${peer.output()}`);
          await sleep(20);
        }
      };
      return { port, peer, descriptions, nextDescription, stop: () => peer.kill(500) };
    } catch (e) {
      lastError = e;
      await peer.kill(200);
      if (!/in use|bind/i.test(peer.output())) break;
    }
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}
