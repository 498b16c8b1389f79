// curl as an HTTPS client peer (always pinned to 127.0.0.1 via --resolve).
import { runCommand, type ExitInfo } from './process.js';

export interface CurlOptions {
  port: number;
  /** host name in the URL / SNI (resolved to 127.0.0.1). Default "localhost". */
  hostname?: string;
  path?: string;
  caFile: string;
  tls13Only?: boolean;
  tls13Ciphers?: string | readonly string[];
  /** TLS 1.2 cipher list */
  ciphers?: string;
  /** key exchange groups (--curves), e.g. "X25519" */
  curves?: string | readonly string[];
  /** 'http1.1' forces ALPN http/1.1 only; 'none' disables ALPN; default offers h2,http/1.1 */
  alpn?: 'http1.1' | 'none' | 'default';
  extraArgs?: readonly string[];
  timeoutMs?: number;
}

export interface CurlResult {
  exit: ExitInfo;
  stdout: string;
  stderr: string;
  /** response body (stdout without the -w trailer) */
  body: string;
  httpCode: number | undefined;
  /** 0 = verified */
  sslVerifyResult: number | undefined;
  /** from -v: "SSL connection using TLSv1.3 / TLS_AES_256_GCM_SHA384" */
  protocol: string | undefined;
  cipher: string | undefined;
  /** ALPN the server accepted, or null */
  alpn: string | null;
}

const TRAILER = '\n@@curl@@ %{http_code} %{ssl_verify_result}\n';

export async function runCurl(o: CurlOptions): Promise<CurlResult> {
  const host = o.hostname ?? 'localhost';
  const timeoutMs = o.timeoutMs ?? 15_000;
  const list = (v: string | readonly string[]): string => (typeof v === 'string' ? v : v.join(':'));
  const args = [
    '-sS', '-v', '--max-time', String(Math.max(1, Math.floor(timeoutMs / 1000) - 1)),
    '--noproxy', '*',
    '--cacert', o.caFile,
    '--resolve', `${host}:${o.port}:127.0.0.1`,
    '-w', TRAILER,
  ];
  if (o.tls13Only === true) args.push('--tlsv1.3', '--tls-max', '1.3');
  if (o.tls13Ciphers !== undefined) args.push('--tls13-ciphers', list(o.tls13Ciphers));
  if (o.ciphers !== undefined) args.push('--ciphers', o.ciphers);
  if (o.curves !== undefined) args.push('--curves', list(o.curves));
  if (o.alpn === 'http1.1') args.push('--http1.1');
  if (o.alpn === 'none') args.push('--no-alpn', '--http1.1');
  args.push(...(o.extraArgs ?? []));
  args.push(`https://${host}:${o.port}${o.path ?? '/'}`);
  const r = await runCommand('curl', args, { timeoutMs, name: 'curl' });
  const t = r.stdout.match(/\n?@@curl@@ (\d+) (\d+)\n$/);
  const body = t === null ? r.stdout : r.stdout.slice(0, t.index);
  const conn = r.stderr.match(/SSL connection using (\S+) \/ (\S+)/);
  const alpn = r.stderr.match(/ALPN[:,] server accepted (?:to use )?(\S+)/);
  return {
    exit: { code: r.code, signal: r.signal, timedOut: r.timedOut },
    stdout: r.stdout,
    stderr: r.stderr,
    body,
    httpCode: t?.[1] === undefined ? undefined : Number(t[1]),
    sslVerifyResult: t?.[2] === undefined ? undefined : Number(t[2]),
    protocol: conn?.[1],
    cipher: conn?.[2],
    alpn: alpn?.[1] ?? null,
  };
}
