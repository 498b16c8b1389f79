import { AlertDescription } from './alerts.js';
import {
  CipherSuite,
  ContentType,
  ExtensionType,
  HandshakeType,
  NamedGroup,
  ProtocolVersion,
  SignatureScheme,
  isGrease,
} from './codepoints.js';

type Table = Readonly<Record<string, number>>;

function invert(table: Table): ReadonlyMap<number, string> {
  const map = new Map<number, string>();
  for (const [name, value] of Object.entries(table)) if (!map.has(value)) map.set(value, name);
  return map;
}

function namer(table: Table, width: number): (value: number) => string {
  const names = invert(table);
  return (value) => {
    const name = names.get(value);
    if (name !== undefined) return name;
    const hex = '0x' + value.toString(16).padStart(width, '0');
    return isGrease(value) && width === 4 ? `GREASE(${hex})` : `unknown(${hex})`;
  };
}

/** Human names as spelled by the RFCs and IANA, so traces match Wireshark and OpenSSL. */
export const contentTypeName = namer(ContentType, 2);
export const handshakeTypeName = namer(HandshakeType, 2);
export const extensionTypeName = namer(ExtensionType, 4);
export const cipherSuiteName = namer(CipherSuite, 4);
export const namedGroupName = namer(NamedGroup, 4);
export const signatureSchemeName = namer(SignatureScheme, 4);
export const alertDescriptionName = namer(AlertDescription, 2);
const versionNames: Table = { 'SSL 3.0': 0x0300, 'TLS 1.0': 0x0301, 'TLS 1.1': 0x0302, 'TLS 1.2': 0x0303, 'TLS 1.3': 0x0304 };
export const protocolVersionName = namer(versionNames, 4);
export { ProtocolVersion };
