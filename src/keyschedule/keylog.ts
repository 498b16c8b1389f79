/**
 * NSS key log lines (the SSLKEYLOGFILE format read by Wireshark, written by OpenSSL, NSS,
 * Chromium): `<label> <client_random hex> <secret hex>`, one per secret. TLS 1.3 logs each
 * traffic secret; TLS 1.2 logs `CLIENT_RANDOM <client_random> <master_secret>`.
 *
 * These lines contain secrets: produce them only when the user asked for a key log.
 */
import { internalError } from '../errors.js';
import { toHex } from '../wire/bytes.js';

export const KeyLogLabel = {
  CLIENT_EARLY_TRAFFIC_SECRET: 'CLIENT_EARLY_TRAFFIC_SECRET',
  EARLY_EXPORTER_SECRET: 'EARLY_EXPORTER_SECRET',
  CLIENT_HANDSHAKE_TRAFFIC_SECRET: 'CLIENT_HANDSHAKE_TRAFFIC_SECRET',
  SERVER_HANDSHAKE_TRAFFIC_SECRET: 'SERVER_HANDSHAKE_TRAFFIC_SECRET',
  CLIENT_TRAFFIC_SECRET_0: 'CLIENT_TRAFFIC_SECRET_0',
  SERVER_TRAFFIC_SECRET_0: 'SERVER_TRAFFIC_SECRET_0',
  EXPORTER_SECRET: 'EXPORTER_SECRET',
  /** TLS 1.2 and earlier: the 48-byte master secret. */
  CLIENT_RANDOM: 'CLIENT_RANDOM',
} as const;
export type KeyLogLabel = (typeof KeyLogLabel)[keyof typeof KeyLogLabel];

/** One key log line (without newline). `clientRandom` is the 32-byte ClientHello.random. */
export function keyLogLine(label: KeyLogLabel, clientRandom: Uint8Array, secret: Uint8Array): string {
  if (clientRandom.length !== 32) throw internalError('key log: client_random must be 32 bytes');
  return `${label} ${toHex(clientRandom)} ${toHex(secret)}`;
}

/** TLS 1.2 (RFC 5246): `CLIENT_RANDOM <client_random> <master_secret>`. */
export function keyLogLine12(clientRandom: Uint8Array, masterSecret: Uint8Array): string {
  return keyLogLine(KeyLogLabel.CLIENT_RANDOM, clientRandom, masterSecret);
}

/** The TLS 1.3 handshake secrets as key log lines, in the order they become known. */
export function keyLogHandshake13(
  clientRandom: Uint8Array,
  secrets: { readonly clientHandshakeTrafficSecret: Uint8Array; readonly serverHandshakeTrafficSecret: Uint8Array },
): string[] {
  return [
    keyLogLine(KeyLogLabel.CLIENT_HANDSHAKE_TRAFFIC_SECRET, clientRandom, secrets.clientHandshakeTrafficSecret),
    keyLogLine(KeyLogLabel.SERVER_HANDSHAKE_TRAFFIC_SECRET, clientRandom, secrets.serverHandshakeTrafficSecret),
  ];
}

/** The TLS 1.3 application secrets as key log lines. */
export function keyLogApplication13(
  clientRandom: Uint8Array,
  secrets: {
    readonly clientApplicationTrafficSecret0: Uint8Array;
    readonly serverApplicationTrafficSecret0: Uint8Array;
    readonly exporterMasterSecret: Uint8Array;
  },
): string[] {
  return [
    keyLogLine(KeyLogLabel.CLIENT_TRAFFIC_SECRET_0, clientRandom, secrets.clientApplicationTrafficSecret0),
    keyLogLine(KeyLogLabel.SERVER_TRAFFIC_SECRET_0, clientRandom, secrets.serverApplicationTrafficSecret0),
    keyLogLine(KeyLogLabel.EXPORTER_SECRET, clientRandom, secrets.exporterMasterSecret),
  ];
}
