/** Options of {@link CallOutcomeCache}. */
export interface CallOutcomeCacheOptions {
  /** How long a finished call's outcome is remembered, ms (the dispatcher passes `dedupTtlMs`). */
  ttlMs: number;
  /** Most outcomes remembered; the least recently used is forgotten first (`dedupMax`). */
  maxEntries: number;
  /** Clock, for tests. Default Date.now. */
  now?: () => number;
}

interface Entry<T> {
  promise: Promise<T>;
  /** Epoch ms after which the entry is forgotten; Infinity while the call runs. */
  expiresAt: number;
}

/**
 * Remembers the outcome of each call by key so a resubmitted call (same callId) gets the first
 * outcome instead of running again. While the first call runs, duplicates share its promise.
 * Memory is bounded: entries expire `ttlMs` after the call finished, and past `maxEntries` the
 * least recently used entry is dropped (a Map keeps insertion order; a hit re-inserts).
 */
export class CallOutcomeCache<T> {
  private readonly entries = new Map<string, Entry<T>>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(options: CallOutcomeCacheOptions) {
    this.ttlMs = options.ttlMs;
    this.maxEntries = options.maxEntries;
    this.now = options.now ?? Date.now;
  }

  /** Number of remembered calls (running or finished). */
  get size(): number {
    return this.entries.size;
  }

  /**
   * The outcome for `key`: the remembered one if the key was seen within the TTL, else the
   * result of `run()`, which is remembered. `run` must not throw (its promise must resolve).
   */
  getOrRun(key: string, run: () => Promise<T>): Promise<T> {
    const now = this.now();
    this.forgetExpired(now);
    const existing = this.entries.get(key);
    if (existing && existing.expiresAt > now) {
      this.entries.delete(key);
      this.entries.set(key, existing);
      return existing.promise;
    }
    if (existing) this.entries.delete(key);
    const entry: Entry<T> = { promise: run(), expiresAt: Number.POSITIVE_INFINITY };
    this.entries.set(key, entry);
    void entry.promise.then(
      () => {
        entry.expiresAt = this.now() + this.ttlMs;
      },
      () => {
        // A rejected run is not an outcome worth replaying; the next duplicate runs again.
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    return entry.promise;
  }

  /** Drops expired entries from the least recently used end (cheap: stops at the first live one). */
  private forgetExpired(now: number): void {
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt > now) break;
      this.entries.delete(key);
    }
  }
}
