/**
 * Answers "which URLs serve endpoint X?". An empty array means the directory answered and has
 * no address for X. Implementations throw DirectoryUnavailableError when they cannot answer
 * at all (unreachable and nothing cached).
 */
export interface Directory {
  resolve(endpoint: string): Promise<string[]>;
  /** Drops cached answers and fetches anew (no-op for static directories). */
  refresh(): Promise<void>;
  close?(): void | Promise<void>;
}
