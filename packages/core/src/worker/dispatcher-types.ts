import type { AbortSource } from '../resilience/lazy-abort';
import type { WireFailure } from '../errors';
import type { WireOutput } from '../serialization/wire';

/** What a worker transport hands the dispatcher for one job. */
export interface JobContext {
  /** The RunPod job id (or the load-balancer request id). */
  jobId: string;
  /**
   * Aborts when the job is cancelled; the method receives its AbortSignal if it takes one. A
   * LazyAbort makes that signal only if the method (or a call it makes) needs it.
   */
  signal: AbortSource;
  /**
   * The endpoint the job was sent to (the `/v2/{endpointId}` of the local HTTP API), when known.
   * An invocation naming another endpoint is refused with RouteNotFoundError.
   */
  endpoint?: string;
  /** How long the job waited for a slot before it was dispatched, ms, when the transport knows (trace attribute). */
  queuedMs?: number;
}

/**
 * The result of one job in RunPod's terms: COMPLETED with output, or FAILED with the failure
 * (each transport writes it its own way: a JSON string in a job's `error`, a load-balancer
 * `{"sy":1,"error":…}` reply) and the HTTP status a direct reply should use (a transport hint).
 */
export type JobOutcome = { status: 'COMPLETED'; output: WireOutput } | { status: 'FAILED'; failure: WireFailure; httpStatus: number };

/** Maps a job's `input` to a hosted `@Remote` method and runs it. Never throws: failures are outcomes. */
export interface JobDispatcher {
  dispatch(input: unknown, context: JobContext): Promise<JobOutcome>;
}
