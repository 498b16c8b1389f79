/**
 * `connect()`: node's `tls.connect` signatures over a TLSSocket. Over TCP (`host`/`port`, or a
 * Unix `path`), or over any Duplex you already have (`socket`).
 */
import { connect as netConnect, type Socket as NetSocket, type LookupFunction, type NetConnectOpts, type TcpNetConnectOpts } from 'node:net';
import type { Duplex } from 'node:stream';
import { TLSSocket, type TLSSocketOptions } from './socket.js';
import { buildClientConfig } from './client-config.js';

export interface ConnectionOptions extends Omit<TLSSocketOptions, 'isServer' | 'onHandshakeError'> {
  /** An existing connected (or connecting) stream to run TLS over. */
  socket?: Duplex | undefined;
  /** A Unix socket path (instead of host/port). */
  path?: string | undefined;
  localAddress?: string | undefined;
  localPort?: number | undefined;
  family?: number | undefined;
  lookup?: LookupFunction | undefined;
  /** Inactivity timeout of the socket (ms), as `socket.setTimeout()`. */
  timeout?: number | undefined;
  noDelay?: boolean | undefined;
  keepAlive?: boolean | undefined;
  keepAliveInitialDelay?: number | undefined;
}

function normalize(args: readonly unknown[]): { options: ConnectionOptions; callback: (() => void) | undefined } {
  let options: ConnectionOptions = {};
  let callback: (() => void) | undefined;
  let i = 0;
  const first = args[0];
  if (typeof first === 'number' || typeof first === 'string') {
    options = { port: Number(first) };
    i = 1;
    if (typeof args[1] === 'string') {
      options.host = args[1];
      i = 2;
    }
  }
  for (; i < args.length; i++) {
    const a = args[i];
    if (typeof a === 'function') callback = a as () => void;
    else if (typeof a === 'object' && a !== null) options = Object.assign({}, a as ConnectionOptions, options);
  }
  return { options, callback };
}

/**
 * Opens a TLS connection, like node's `tls.connect`. The callback is a 'secureConnect' listener.
 * Invalid options throw synchronously (ERR_TLS_INVALID_OPTION), as node's do.
 *
 * @example
 * const s = connect({ host: 'example.com', port: 443, ALPNProtocols: ['http/1.1'] }, () => {
 *   console.log(s.getProtocol(), s.getCipher().name, s.authorized);
 * });
 */
export function connect(options: ConnectionOptions, secureConnectListener?: () => void): TLSSocket;
export function connect(port: number, host?: string, options?: ConnectionOptions, secureConnectListener?: () => void): TLSSocket;
export function connect(port: number, options?: ConnectionOptions, secureConnectListener?: () => void): TLSSocket;
export function connect(...args: unknown[]): TLSSocket {
  const { options, callback } = normalize(args);
  // validate the options before opening anything
  const built = options.config === undefined ? buildClientConfig(options) : undefined;
  let raw: Duplex;
  if (options.socket !== undefined) {
    raw = options.socket;
  } else {
    const netOptions: Partial<TcpNetConnectOpts> & { path?: string; allowHalfOpen: boolean } =
      options.path !== undefined ? { path: options.path, allowHalfOpen: true } : { host: options.host ?? 'localhost', port: options.port ?? 443, allowHalfOpen: true };
    if (options.localAddress !== undefined) netOptions.localAddress = options.localAddress;
    if (options.localPort !== undefined) netOptions.localPort = options.localPort;
    if (options.family !== undefined) netOptions.family = options.family;
    if (options.lookup !== undefined) netOptions.lookup = options.lookup;
    if (options.noDelay !== undefined) netOptions.noDelay = options.noDelay;
    if (options.keepAlive !== undefined) netOptions.keepAlive = options.keepAlive;
    if (options.keepAliveInitialDelay !== undefined) netOptions.keepAliveInitialDelay = options.keepAliveInitialDelay;
    const net: NetSocket = netConnect(netOptions as NetConnectOpts);
    raw = net;
  }
  // Object.assign, not `{ ...options, isServer: false }`: V8 gives a literal that starts with a
  // spread a map of its own per call, and every property after it a slow transition
  const socketOptions: TLSSocketOptions = Object.assign({}, options, built !== undefined ? { isServer: false, prebuilt: built } : { isServer: false });
  const socket = new TLSSocket(raw, socketOptions);
  if (callback !== undefined) socket.once('secureConnect', callback);
  if (options.timeout !== undefined && options.timeout > 0) socket.setTimeout(options.timeout);
  return socket;
}
