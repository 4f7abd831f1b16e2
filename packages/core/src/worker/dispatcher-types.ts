import type { AbortSource } from '../resilience/lazy-abort';
import type { WireFailure } from '../errors';
import type { EncodedValue } from '../serialization/serializer';
import type { WIRE_VERSION, WireChunk, WireOutput } from '../serialization/wire';

/**
 * A progress update as it travels: the `output` of an IN_PROGRESS job, `{"sy": 1, "progress":
 * <superjson encoding>}`. The `progress` key (where a result has `result`) tells a caller's
 * poll that this is an update, not the job's result.
 */
export interface WireProgress {
  sy: typeof WIRE_VERSION;
  progress: EncodedValue;
}

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
  /**
   * Carries the method's progress updates (`reportProgress`) to the caller, encoded; called only
   * while the job runs. Undefined when the transport has no progress channel (load-balancer
   * mode): `reportProgress` then does nothing.
   */
  progress?: (update: WireProgress) => void;
  /**
   * Carries a streaming method's chunks to the caller, in order. The dispatcher awaits each
   * call before it resumes the generator, so a transport applies backpressure by resolving only
   * when it can take the next chunk; a rejection ends the stream as FAILED with that error.
   * Undefined when the transport has no stream channel: a streaming method then fails with a
   * ConfigurationError without running.
   */
  emit?: (chunk: WireChunk) => Promise<void>;
}

/**
 * The result of one job in RunPod's terms: COMPLETED with output; COMPLETED after a stream
 * (`chunks`: how many went through `emit`; a stream has no result); or FAILED with the failure
 * (each transport writes it its own way: a JSON string in a job's `error`, a load-balancer
 * `{"sy":1,"error":…}` reply) and the HTTP status a direct reply should use (a transport hint).
 * A FAILED job of a streaming method has `chunks` too (0 when it failed before the first), so
 * a transport can end its stream.
 */
export type JobOutcome =
  | { status: 'COMPLETED'; output: WireOutput }
  | { status: 'COMPLETED'; output?: undefined; chunks: number }
  | { status: 'FAILED'; failure: WireFailure; httpStatus: number; chunks?: number };

/** True for an outcome of a streaming method (completed or failed). */
export function isStreamOutcome(outcome: JobOutcome): boolean {
  return 'chunks' in outcome && outcome.chunks !== undefined;
}

/** Maps a job's `input` to a hosted `@Remote` method and runs it. Never throws: failures are outcomes. */
export interface JobDispatcher {
  dispatch(input: unknown, context: JobContext): Promise<JobOutcome>;
}
