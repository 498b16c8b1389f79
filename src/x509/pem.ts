/**
 * PEM textual encoding (RFC 7468): `-----BEGIN LABEL-----`, base64 lines, `-----END LABEL-----`.
 * Text outside the encapsulation boundaries is ignored (RFC 7468 §2 allows explanatory text).
 */
import { ErrorCode, TlsError } from '../errors.js';

export interface PemBlock {
  readonly label: string;
  readonly der: Uint8Array;
}

const BEGIN = /^-----BEGIN ([\x21-\x2c\x2e-\x7e](?:[- ]?[\x21-\x2c\x2e-\x7e])*)?-----$/;
const END = /^-----END ([\x21-\x2c\x2e-\x7e](?:[- ]?[\x21-\x2c\x2e-\x7e])*)?-----$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function pemError(message: string): TlsError {
  return new TlsError(ErrorCode.ERR_TLS_BAD_CERTIFICATE, `PEM: ${message}`, { field: 'PEM' });
}

/**
 * Every PEM block in `text`, in order. With `label`, blocks with another label are skipped
 * (e.g. a key next to a certificate) and at least one matching block is required.
 *
 * @example
 * const ders = decodePem(fs.readFileSync('chain.pem', 'utf8'), 'CERTIFICATE').map((b) => b.der);
 */
export function decodePem(text: string, label?: string): PemBlock[] {
  const lines = text.split(/\r?\n|\r/);
  const out: PemBlock[] = [];
  let current: { label: string; body: string[]; line: number } | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (current === null) {
      const m = BEGIN.exec(line);
      if (m !== null) current = { label: m[1] ?? '', body: [], line: i + 1 };
      continue;
    }
    if (line.startsWith('-----END')) {
      const m = END.exec(line);
      // RFC 7468 §2: the labels of the pre- and post-encapsulation boundaries are identical.
      if (m === null || (m[1] ?? '') !== current.label) {
        throw pemError(`"-----BEGIN ${current.label}-----" on line ${current.line} ends with "${line}" on line ${i + 1}`);
      }
      if (label === undefined || current.label === label) out.push({ label: current.label, der: decodeBase64(current.body.join(''), current.label) });
      current = null;
      continue;
    }
    if (line.includes(':')) throw pemError(`encapsulated headers (line ${i + 1}) are not supported (encrypted PEM?)`);
    current.body.push(line.replace(/\s+/g, ''));
  }
  if (current !== null) throw pemError(`"-----BEGIN ${current.label}-----" on line ${current.line} has no END line`);
  if (label !== undefined && out.length === 0) throw pemError(`no "-----BEGIN ${label}-----" block found`);
  return out;
}

/** The DER of every CERTIFICATE block in `text`. */
export const decodeCertificatesPem = (text: string): Uint8Array[] => decodePem(text, 'CERTIFICATE').map((b) => b.der);

function decodeBase64(b64: string, label: string): Uint8Array {
  if (!BASE64.test(b64) || b64.length % 4 !== 0) throw pemError(`invalid base64 in the ${label} block`);
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** One PEM block with 64-column base64 lines (RFC 7468 §2), ending in a newline. */
export function encodePem(label: string, der: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < der.length; i += 0x8000) bin += String.fromCharCode(...der.subarray(i, i + 0x8000));
  const b64 = btoa(bin);
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  return `-----BEGIN ${label}-----\n${lines.join('\n')}${lines.length > 0 ? '\n' : ''}-----END ${label}-----\n`;
}
