// The node:tls-shaped surface the interop matrix and the bench drive. node:tls itself satisfies it
// (checked at compile time in test/interop/harness.test.ts); tlskit's src/node/index.ts must too.
import type { Duplex } from 'node:stream';
import type { AddressInfo } from 'node:net';

export type TlsVersionName = 'TLSv1.3' | 'TLSv1.2';

export interface ImplCipher {
  name: string;
  standardName?: string;
  version: string;
}

export interface ImplSocket extends Duplex {
  getProtocol(): string | null;
  getCipher(): ImplCipher;
  alpnProtocol: string | false | null;
  authorized: boolean;
  isSessionReused(): boolean;
}

export interface ImplConnectOptions {
  host?: string;
  port?: number;
  servername?: string;
  ca?: string | string[];
  cert?: string;
  key?: string;
  rejectUnauthorized?: boolean;
  ALPNProtocols?: string[];
  minVersion?: TlsVersionName;
  maxVersion?: TlsVersionName;
  ciphers?: string;
  ecdhCurve?: string;
  /** A session from a previous connection's 'session' event (each implementation reads its own). */
  session?: Buffer;
}

export interface ImplServerOptions {
  key?: string;
  cert?: string;
  ca?: string | string[];
  requestCert?: boolean;
  rejectUnauthorized?: boolean;
  ALPNProtocols?: string[];
  minVersion?: TlsVersionName;
  maxVersion?: TlsVersionName;
  ciphers?: string;
  ecdhCurve?: string;
}

export interface ImplServer {
  listen(port: number, host: string, callback?: () => void): unknown;
  address(): AddressInfo | string | null;
  close(callback?: (err?: Error) => void): unknown;
  on(event: 'tlsClientError', listener: (err: Error, socket: Duplex) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  on(event: 'secureConnection', listener: (socket: ImplSocket) => void): unknown;
}

/** A module with node:tls's connect/createServer (node:tls itself, or tlskit's dist/node/index.js). */
export interface TlsImpl {
  // The listener is required here (callers always pass one) so that an implementation typing its
  // arguments as a tuple union with an optional callback (under exactOptionalPropertyTypes) fits.
  connect(options: ImplConnectOptions, secureConnectListener: () => void): ImplSocket;
  createServer(options: ImplServerOptions, secureConnectionListener?: (socket: ImplSocket) => void): ImplServer;
}

/** Runtime check for a dynamically imported module. */
export function asTlsImpl(mod: unknown): TlsImpl {
  if (typeof mod !== 'object' || mod === null) throw new Error('implementation module is not an object');
  const m = mod as { connect?: unknown; createServer?: unknown; default?: unknown };
  if (typeof m.connect === 'function' && typeof m.createServer === 'function') return m as TlsImpl;
  if (m.default !== undefined && m.default !== mod) return asTlsImpl(m.default);
  throw new Error('implementation module lacks connect()/createServer()');
}

/** Listen on 127.0.0.1 (port 0) and resolve with the port. Bounded. */
export function listenLocal(server: ImplServer, timeoutMs = 5000): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('listen timeout')), timeoutMs);
    server.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    server.listen(0, '127.0.0.1', () => {
      clearTimeout(timer);
      const a = server.address();
      if (a === null || typeof a === 'string') reject(new Error('server has no TCP address'));
      else resolve(a.port);
    });
  });
}

/** Close a server, bounded (resolves even if close never calls back). */
export function closeServer(server: ImplServer, timeoutMs = 3000): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    timer.unref();
    try {
      server.close(() => {
        clearTimeout(timer);
        resolve();
      });
    } catch {
      clearTimeout(timer);
      resolve();
    }
  });
}
