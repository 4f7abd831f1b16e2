/** Hooks a {@link DirectoryCache} calls when its source goes down and comes back. */
export interface DirectoryCacheEvents {
  /** First failed load while a previous value exists (once per outage). */
  onOutage?(error: unknown, staleForMs: number): void;
  /** First successful load after an outage. */
  onRecovery?(outageMs: number): void;
}

/** Options of {@link DirectoryCache}. */
export interface DirectoryCacheOptions<T> extends DirectoryCacheEvents {
  /** Performs one load, retries included. Its rejection is what callers of a cold cache see. */
  load(): Promise<T>;
  /** How long a loaded value is fresh, ms. */
  ttlMs: number;
  /** After a failed load, how long to wait before the next one, ms (stale value or last error served meanwhile). */
  errorBackoffMs: number;
  /** Monotonic clock in ms (never the wall clock: it jumps). */
  now(): number;
}

/**
 * The cache policy of a remote directory, free of HTTP:
 * - fresh value → returned at once; no lock, no waiting on anyone;
 * - cold or expired → one load shared by every concurrent caller (single-flight);
 * - load fails with a previous value → the previous value is served (stale-if-error), the
 *   outage reported once, and the next load waits `errorBackoffMs`; meanwhile callers get the
 *   stale value immediately and the retry runs in the background, so an outage never makes each
 *   call wait through the retries;
 * - load fails with no value → the error, and during the backoff the same error without a new load.
 */
export class DirectoryCache<T> {
  private value?: { readonly data: T; readonly loadedAt: number };
  private inflight?: Promise<T>;
  private failure?: { readonly error: unknown; readonly at: number; readonly since: number };
  /** Values loaded so far. */
  loads = 0;
  /** Times an expired value was served because loading failed. */
  staleServed = 0;

  constructor(private readonly options: DirectoryCacheOptions<T>) {}

  /** The value to use now, loading it if needed (see the class comment for the rules). */
  async get(): Promise<T> {
    const now = this.options.now();
    const value = this.value;
    if (value && now - value.loadedAt < this.options.ttlMs) return value.data;
    const failure = this.failure;
    if (failure) {
      if (value) {
        // Outage: serve stale now; refresh in the background once the backoff has passed.
        if (!this.inflight && now - failure.at >= this.options.errorBackoffMs) this.load().catch(() => undefined);
        this.staleServed++;
        return value.data;
      }
      if (!this.inflight && now - failure.at < this.options.errorBackoffMs) throw failure.error;
    }
    try {
      return await this.load();
    } catch (error) {
      if (this.value) {
        this.staleServed++;
        return this.value.data;
      }
      throw error;
    }
  }

  /** Loads now (joining a load already in flight), ignoring TTL and backoff. Rejects if it fails. */
  reload(): Promise<T> {
    return this.load();
  }

  /** True when a value has been loaded at least once. */
  get warm(): boolean {
    return this.value !== undefined;
  }

  private load(): Promise<T> {
    this.inflight ??= this.options.load().then(
      (data) => {
        const now = this.options.now();
        const failure = this.failure;
        this.value = { data, loadedAt: now };
        this.loads++;
        this.failure = undefined;
        this.inflight = undefined;
        if (failure && failure.since >= 0) this.options.onRecovery?.(now - failure.since);
        return data;
      },
      (error: unknown) => {
        const now = this.options.now();
        const previous = this.failure;
        const value = this.value;
        // `since` < 0 marks failures while cold: there was nothing stale to serve, so no outage.
        const since = previous && previous.since >= 0 ? previous.since : value ? now : -1;
        this.failure = { error, at: now, since };
        this.inflight = undefined;
        if (value && !(previous && previous.since >= 0)) this.options.onOutage?.(error, now - value.loadedAt);
        throw error;
      },
    );
    return this.inflight;
  }
}
