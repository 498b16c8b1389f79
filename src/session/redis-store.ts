/**
 * A SessionStore on Redis, shared by every server of a fleet (RFC 8446 §8: anti-replay state must
 * be shared by every instance that could accept the same 0-RTT flight).
 *
 *   set            SET key value PX ttl
 *   get            GET key
 *   take           GETDEL key   (Redis ≥ 6.2; older servers: an atomic GET+DEL Lua script)
 *   insertIfAbsent SET key value PX ttl NX   → OK (inserted) | nil (already there)
 *   delete         DEL key
 *
 * Each is one atomic Redis command, so two servers racing on the same ticket or ClientHello
 * cannot both win. Every command has a timeout (RespClient); any failure — timeout, lost
 * connection, error reply, unexpected reply — gives the fail-closed answer of the SessionStore
 * contract (not found / not inserted / not stored).
 *
 * Operations: run Redis with `maxmemory-policy noeviction` (or `volatile-ttl`) so anti-replay
 * records are not evicted early under memory pressure; with noeviction a full Redis refuses
 * writes, which here means 0-RTT refused.
 */
import { RespClient, RespError, type RespClientOptions, type RespValue } from './resp.js';
import type { SessionStore } from './store.js';

export interface RedisStoreOptions extends RespClientOptions {
  /** Prefix of every key. Default `tlskit:`. */
  readonly prefix?: string;
  /** Largest value stored (bytes). Default 64 KiB. */
  readonly maxValueBytes?: number;
}

const TAKE_SCRIPT = "local v = redis.call('GET', KEYS[1]); if v then redis.call('DEL', KEYS[1]) end; return v";

export class RedisStore implements SessionStore {
  readonly client: RespClient;
  private readonly prefix: string;
  private readonly maxValueBytes: number;
  private useGetDel = true;

  constructor(options: RedisStoreOptions) {
    this.client = new RespClient(options);
    this.prefix = options.prefix ?? 'tlskit:';
    this.maxValueBytes = options.maxValueBytes ?? 65536;
  }

  /** Connects now (otherwise the first operation connects). Rejects when Redis is unreachable. */
  connect(): Promise<void> {
    return this.client.connect();
  }

  async set(key: string, value: Uint8Array, ttlMs: number): Promise<boolean> {
    if (!this.acceptable(value, ttlMs)) return false;
    return (await this.run(['SET', this.prefix + key, value, 'PX', String(Math.ceil(ttlMs))])) === 'OK';
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const v = await this.run(['GET', this.prefix + key]);
    return v instanceof Uint8Array ? v : undefined;
  }

  async take(key: string): Promise<Uint8Array | undefined> {
    const k = this.prefix + key;
    if (this.useGetDel) {
      const v = await this.run(['GETDEL', k], true);
      if (v instanceof RespError) {
        // Redis < 6.2 has no GETDEL: fall back to the script for good (same atomicity).
        if (!/unknown command/i.test(v.message)) return undefined;
        this.useGetDel = false;
      } else {
        return v instanceof Uint8Array ? v : undefined;
      }
    }
    const v = await this.run(['EVAL', TAKE_SCRIPT, '1', k]);
    return v instanceof Uint8Array ? v : undefined;
  }

  async insertIfAbsent(key: string, value: Uint8Array, ttlMs: number): Promise<boolean> {
    if (!this.acceptable(value, ttlMs)) return false;
    return (await this.run(['SET', this.prefix + key, value, 'PX', String(Math.ceil(ttlMs)), 'NX'])) === 'OK';
  }

  async delete(key: string): Promise<void> {
    await this.run(['DEL', this.prefix + key]);
  }

  recordsIntactSince(): number | null {
    // A reconnection may be to a Redis that restarted and lost its records: count from it.
    return this.client.connectedSince;
  }

  close(): Promise<void> {
    return this.client.close();
  }

  private acceptable(value: Uint8Array, ttlMs: number): boolean {
    return value.length <= this.maxValueBytes && Number.isFinite(ttlMs) && ttlMs >= 1 && ttlMs <= 2 ** 40;
  }

  /** One command; any failure is `null` (the callers map null to their fail-closed answer). */
  private async run(args: readonly (string | Uint8Array)[], keepErrorReply = false): Promise<RespValue> {
    try {
      const v = await this.client.command(args);
      if (v instanceof RespError && !keepErrorReply) return null;
      return v;
    } catch {
      return null;
    }
  }
}
