import type { EndpointType } from '@switchyard/decorators';
import type { EndpointAddress } from './endpoint-address';

/**
 * Answers "which replicas serve endpoint X?". An empty array means the directory answered and
 * has no address for X. Implementations throw DirectoryUnavailableError when they cannot answer
 * at all (unreachable and nothing cached), and InvalidAddressError when X's entry is malformed.
 */
export interface Directory {
  /**
   * The endpoint's replicas, read as addresses of its `type` (default `queue`) with
   * `parseEndpointAddress`; `[]` when the directory answered without it.
   */
  resolve(endpoint: string, type?: EndpointType): Promise<EndpointAddress[]>;
  /**
   * Fetches anew now, ignoring the cache's age (no-op for static directories). A failed refresh
   * rejects but keeps the previous answer in use (stale-if-error), so callers keep routing.
   */
  refresh(): Promise<void>;
  /** Releases timers and connections (aborts a fetch in flight). Optional. */
  close?(): void | Promise<void>;
  /** Answers fetched and stale answers served so far, for the runtime's metrics. Optional. */
  stats?(): { refreshes: number; staleAnswers: number };
}
