/** Small helpers shared by the subcommands. */
import { appendFileSync, openSync, closeSync } from 'node:fs';
import type { CryptoProvider } from '../crypto/provider.js';
import type { CertifiedKey } from '../handshake/config.js';
import { generateCertificate, type GeneratedCertificate } from '../x509/generate.js';

/** Colour only for a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function useColor(stream: NodeJS.WriteStream): boolean {
  return stream.isTTY && process.env.NO_COLOR === undefined;
}

/** Exit code for usage errors. */
export const EXIT_USAGE = 2;
/** Exit code for a failed connection or handshake. */
export const EXIT_FAILURE = 1;

/**
 * An NSS key log writer for --keylog FILE (appends, like SSLKEYLOGFILE). The file is created
 * with mode 0600: it holds secrets.
 */
export function keylogWriter(path: string): (line: string) => void {
  closeSync(openSync(path, 'a', 0o600));
  return (line) => { appendFileSync(path, `${line}\n`); };
}

/** A CA and a server certificate generated now (for demo and serve without --cert). */
export interface GeneratedPki {
  readonly ca: GeneratedCertificate;
  readonly leaf: GeneratedCertificate;
  readonly certified: CertifiedKey;
}

export function generatePki(provider: CryptoProvider, caName: string, dnsNames: readonly string[], ipAddresses: readonly string[]): GeneratedPki {
  const ca = generateCertificate({ subject: { CN: caName, O: 'tlskit' }, isCA: true, keyKind: 'p256' }, provider);
  const leaf = generateCertificate(
    { subject: { CN: dnsNames[0] ?? ipAddresses[0] ?? 'localhost', O: 'tlskit' }, issuer: ca, keyKind: 'p256', dnsNames, ipAddresses },
    provider,
  );
  return { ca, leaf, certified: { chain: [leaf.certDer], key: leaf.key, names: [...dnsNames, ...ipAddresses] } };
}

/** Printable preview of application data: first line, control characters escaped. */
export function preview(data: Uint8Array, max = 60): string {
  const text = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('latin1');
  const firstLine = text.split(/\r?\n/)[0] ?? '';
  const clipped = firstLine.length > max ? `${firstLine.slice(0, max)}…` : firstLine;
  return JSON.stringify(clipped);
}
