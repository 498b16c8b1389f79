// A real redis-server for interop tests (installed from Debian by .ci/run): started on 127.0.0.1
// with persistence off (a restart loses everything, like a crashed cache) and noeviction (anti-replay
// records are never evicted early), as a tracked peer so cleanupPeersAfter() always kills it.
import { findExecutable, spawnPeer, type Peer } from './process.js';

export const haveRedis = findExecutable('redis-server') !== undefined;

/** Starts redis-server on `port` and waits (bounded) until it accepts connections. */
export async function startRedis(port: number, timeoutMs = 60_000): Promise<Peer> {
  const peer = spawnPeer('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'], {
    name: `redis-server :${port}`,
    timeoutMs,
  });
  await peer.waitFor(/Ready to accept connections/i, 10_000);
  return peer;
}
