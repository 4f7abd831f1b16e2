/**
 * Answers "which URLs serve endpoint X?". An empty array means the directory answered and has
 * no address for X. Implementations throw DirectoryUnavailableError when they cannot answer
 * at all (unreachable and nothing cached).
 */
export interface Directory {
  /** The endpoint's URLs (replicas); `[]` when the directory answered without it. */
  resolve(endpoint: string): Promise<string[]>;
  /**
   * Fetches anew now, ignoring the cache's age (no-op for static directories). A failed refresh
   * rejects but keeps the previous answer in use (stale-if-error), so callers keep routing.
   */
  refresh(): Promise<void>;
  /** Releases timers and connections (aborts a fetch in flight). Optional. */
  close?(): void | Promise<void>;
}
