import { LRUCache } from 'lru-cache';

/** Options of {@link CallOutcomeCache}. */
export interface CallOutcomeCacheOptions {
  /** How long a finished call's outcome is remembered, ms (the dispatcher passes `dedupTtlMs`). */
  ttlMs: number;
  /** Most outcomes remembered; the least recently used is forgotten first (`dedupMax`). */
  maxEntries: number;
  /** Clock, for tests. Default Date.now. */
  now?: () => number;
}

/**
 * Remembers the outcome of each call by key so a resubmitted call (same callId) gets the first
 * outcome instead of running again. While the first call runs, duplicates share its promise.
 * Memory is bounded: an outcome expires `ttlMs` after its call finished (a running call never
 * expires), and past `maxEntries` the least recently used entry is dropped. The bookkeeping is
 * lru-cache's (O(1) per call; a Map used as an LRU rescans the holes its deletes leave).
 */
export class CallOutcomeCache<T> {
  private readonly entries: LRUCache<string, { promise: Promise<T> }>;
  private readonly ttlMs: number;

  constructor(options: CallOutcomeCacheOptions) {
    this.ttlMs = options.ttlMs;
    this.entries = new LRUCache({
      max: options.maxEntries,
      // Staleness is checked against the clock on every look-up (tests pass their own clock).
      ttlResolution: 0,
      ...(options.now ? { perf: { now: options.now } } : {}),
    });
  }

  /** Number of remembered calls (running or finished; expired ones until they are looked up or pushed out). */
  get size(): number {
    return this.entries.size;
  }

  /** True when `key` was seen within the TTL (its call runs or its outcome is remembered). */
  has(key: string): boolean {
    return this.entries.has(key);
  }

  /**
   * The outcome for `key`: the remembered one if the key was seen within the TTL, else the
   * result of `run()`, which is remembered unless `keep` says otherwise once it resolves (a
   * duplicate that arrives meanwhile still shares it). `run` must not throw (its promise must
   * resolve).
   */
  getOrRun(key: string, run: () => Promise<T>, keep: (value: T) => boolean = () => true): Promise<T> {
    const existing = this.entries.get(key);
    if (existing) return existing.promise;
    const entry = { promise: run() };
    // No TTL while the call runs: a duplicate must share it however long it takes.
    this.entries.set(key, entry, { ttl: 0 });
    void entry.promise.then(
      (value) => {
        if (this.entries.peek(key) !== entry) return;
        if (this.ttlMs === 0 || !keep(value)) this.entries.delete(key);
        else this.entries.set(key, entry, { ttl: this.ttlMs, noUpdateTTL: false });
      },
      () => {
        // A rejected run is not an outcome worth replaying; the next duplicate runs again.
        if (this.entries.peek(key) === entry) this.entries.delete(key);
      },
    );
    return entry.promise;
  }
}
