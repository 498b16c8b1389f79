/**
 * The session store: one small async key/value interface behind
 *   (a) the TLS 1.2 session-ID cache (RFC 5246 §7.4.1.2; bounded in size and lifetime),
 *   (b) stateful single-use TLS 1.3 tickets (RFC 8446 §8.1: deleted as they are used → `take`),
 *   (c) the 0-RTT anti-replay record (RFC 8446 §8.2: ClientHellos seen inside the freshness
 *       window → `insertIfAbsent`),
 * with an in-memory implementation here and a Redis one in `redis-store.ts` (shared by a fleet).
 *
 * Failure semantics (fail closed): a store method never rejects. When the backing store fails
 * or times out, `get`/`take` answer "not found" (→ full handshake), `insertIfAbsent` answers
 * "already there" (→ reject 0-RTT), `set` answers false (→ nothing cached). A store outage can
 * cost resumption and 0-RTT, never accept a replay.
 *
 * Keys are short ASCII strings chosen by the session layer (`sid:…`, `tkt:…`, `ch:…`); values are
 * bytes, sealed by the session layer (stores never see cleartext secrets).
 */

export interface SessionStore {
  /** Stores `value` under `key` for `ttlMs` (replacing any value). false when it was not stored. */
  set(key: string, value: Uint8Array, ttlMs: number): Promise<boolean>;
  /** The live value under `key`, or undefined (also on any failure). */
  get(key: string): Promise<Uint8Array | undefined>;
  /**
   * Atomically gets and deletes `key`: of any number of concurrent `take`s of one key — across
   * every process sharing the store — at most one gets the value. undefined otherwise / on failure.
   */
  take(key: string): Promise<Uint8Array | undefined>;
  /**
   * Atomically stores `value` under `key` for `ttlMs` unless a live value is there. true only
   * when this call stored it; false when the key exists, when the record cannot be guaranteed
   * (store full of unexpired records), and on any failure.
   */
  insertIfAbsent(key: string, value: Uint8Array, ttlMs: number): Promise<boolean>;
  /** Deletes `key` (best effort). */
  delete(key: string): Promise<void>;
  /**
   * Since when (ms since the epoch, the store's clock) records inserted with `insertIfAbsent` are
   * known to be intact — a fresh process, or a reconnection to a server that may have restarted,
   * may have lost earlier ones. null while the store is unavailable. RFC 8446 §8.2: 0-RTT is
   * refused while the recording window overlaps this instant.
   */
  recordsIntactSince(): number | null;
  /** Releases resources (connections, timers). */
  close(): Promise<void>;
}

/** Limits of a MemoryStore. */
export interface MemoryStoreOptions {
  /** Most entries kept by `set` (LRU beyond that). Default 20 000. */
  readonly maxEntries?: number;
  /** Most anti-replay records kept by `insertIfAbsent` (never evicted before they expire). Default 100 000. */
  readonly maxRecords?: number;
  /** Largest value accepted (bytes). Default 64 KiB. */
  readonly maxValueBytes?: number;
  /** Longest TTL accepted (ms). Default 7 days (RFC 8446 §4.6.1). */
  readonly maxTtlMs?: number;
  readonly now?: () => number;
}

interface Entry {
  readonly value: Uint8Array;
  readonly expiresAt: number;
}

/**
 * An in-memory SessionStore for one process: O(1) operations, bounded by entry count.
 * - `set` entries form an LRU (a JS Map in recency order): the least recently used is evicted
 *   when full; an entry past its TTL is never returned.
 * - `insertIfAbsent` records live in their own map and are never evicted before they expire
 *   (evicting one early would let a replay in); when that map is full of unexpired records,
 *   `insertIfAbsent` answers false (0-RTT refused) rather than forget one.
 */
export class MemoryStore implements SessionStore {
  private readonly cache = new Map<string, Entry>();
  private readonly records = new Map<string, Entry>();
  private readonly maxEntries: number;
  private readonly maxRecords: number;
  private readonly maxValueBytes: number;
  private readonly maxTtlMs: number;
  private readonly now: () => number;
  private readonly createdAt: number;
  private closed = false;
  /**
   * Live iterators kept across calls to find the oldest entry. A fresh `map.keys()` per eviction
   * walks over every slot freed by earlier deletions at the front of V8's hash table (O(n) per
   * call until it rehashes — measured: ~90 µs per set at 100k entries); a kept iterator resumes
   * where it stopped, and Map iteration visits entries added after it was created (ECMA-262
   * §24.1.5.1), so the first live entry it yields is the oldest one. Amortised O(1).
   */
  private cacheOldest: IterableIterator<string> | undefined;
  private recordsOldest: IterableIterator<[string, Entry]> | undefined;
  /** The oldest record as last seen by `oldestRecord` (kept so that it is not consumed twice). */
  private recordsHead: [string, Entry] | undefined;

  constructor(options: MemoryStoreOptions = {}) {
    this.maxEntries = options.maxEntries ?? 20_000;
    this.maxRecords = options.maxRecords ?? 100_000;
    this.maxValueBytes = options.maxValueBytes ?? 65536;
    this.maxTtlMs = options.maxTtlMs ?? 604800_000;
    this.now = options.now ?? Date.now;
    this.createdAt = this.now();
  }

  /** Entries currently held (including expired ones not yet dropped). */
  get size(): number {
    return this.cache.size + this.records.size;
  }

  set(key: string, value: Uint8Array, ttlMs: number): Promise<boolean> {
    if (!this.acceptable(value, ttlMs)) return Promise.resolve(false);
    this.cache.delete(key);
    this.cache.set(key, { value: value.slice(), expiresAt: this.now() + ttlMs });
    while (this.cache.size > this.maxEntries) {
      let oldest = this.cacheOldest?.next();
      if (oldest === undefined || oldest.done === true) {
        this.cacheOldest = this.cache.keys();
        oldest = this.cacheOldest.next();
      }
      if (oldest.done === true) break;
      this.cache.delete(oldest.value);
    }
    return Promise.resolve(true);
  }

  get(key: string): Promise<Uint8Array | undefined> {
    const e = this.live(key);
    if (e === undefined) return Promise.resolve(undefined);
    if (this.cache.get(key) === e) {
      // LRU: most recently used moves to the end.
      this.cache.delete(key);
      this.cache.set(key, e);
    }
    return Promise.resolve(e.value.slice());
  }

  take(key: string): Promise<Uint8Array | undefined> {
    // Single-threaded: the lookup and the delete cannot interleave with another take.
    const e = this.live(key);
    this.cache.delete(key);
    this.records.delete(key);
    return Promise.resolve(e?.value);
  }

  insertIfAbsent(key: string, value: Uint8Array, ttlMs: number): Promise<boolean> {
    if (this.closed || !this.acceptable(value, ttlMs)) return Promise.resolve(false);
    if (this.live(key) !== undefined) return Promise.resolve(false);
    const now = this.now();
    if (this.records.size >= this.maxRecords) {
      // Drop expired records from the oldest end (amortised O(1): each record is dropped once).
      // A record with a longer TTL at the front stops the sweep, which then refuses (fail
      // closed) rather than scanning further.
      for (;;) {
        const oldest = this.oldestRecord();
        if (oldest === undefined || oldest[1].expiresAt > now) break;
        this.records.delete(oldest[0]);
        this.recordsHead = undefined;
      }
      if (this.records.size >= this.maxRecords) return Promise.resolve(false);
    }
    this.records.delete(key);
    this.records.set(key, { value: value.slice(), expiresAt: now + ttlMs });
    return Promise.resolve(true);
  }

  delete(key: string): Promise<void> {
    this.cache.delete(key);
    this.records.delete(key);
    return Promise.resolve();
  }

  recordsIntactSince(): number | null {
    return this.closed ? null : this.createdAt;
  }

  close(): Promise<void> {
    this.closed = true;
    this.cache.clear();
    this.records.clear();
    return Promise.resolve();
  }

  private acceptable(value: Uint8Array, ttlMs: number): boolean {
    return !this.closed && value.length <= this.maxValueBytes && Number.isFinite(ttlMs) && ttlMs >= 1 && ttlMs <= this.maxTtlMs;
  }

  /** The oldest anti-replay record, through the kept iterator (see `cacheOldest`). */
  private oldestRecord(): [string, Entry] | undefined {
    const head = this.recordsHead;
    if (head !== undefined && this.records.get(head[0]) === head[1]) return head;
    for (let fresh = false; ; fresh = true) {
      let next = this.recordsOldest?.next();
      if (next === undefined || next.done === true) {
        if (fresh) return (this.recordsHead = undefined);
        this.recordsOldest = this.records.entries();
        next = this.recordsOldest.next();
      }
      if (next.done === true) return (this.recordsHead = undefined);
      // Skip entries deleted or replaced since the iterator passed them (Map iteration yields
      // the current value; a replaced key moved to the end and is yielded again there).
      if (this.records.get(next.value[0]) === next.value[1]) return (this.recordsHead = next.value);
    }
  }

  /** The unexpired entry under `key` (dropping an expired one). */
  private live(key: string): Entry | undefined {
    const now = this.now();
    for (const map of [this.cache, this.records]) {
      const e = map.get(key);
      if (e === undefined) continue;
      if (e.expiresAt > now) return e;
      map.delete(key);
    }
    return undefined;
  }
}
