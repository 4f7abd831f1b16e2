import type { EndpointAddress } from '../directory/endpoint-address';
import type { CallBudget } from '../resilience/call-budget';
import type { Invocation, WireOutput } from '../serialization/wire';

/** How a submission is sent: RunPod's `/runsync`, `/run` then `/status` polls, or a load balancer's `/execute`. */
export type SubmissionMode = 'runsync' | 'run' | 'load-balancer';

/**
 * What an executor reports about one call while it runs, for traces and metrics (the router
 * passes one per call). Every method is cheap and must not throw.
 */
export interface CallObserver {
  /** A submission is about to go to `address`; `attempt` counts from 1. */
  submitting(address: EndpointAddress, attempt: number, mode: SubmissionMode): void;
  /** The endpoint gave the job this id. */
  jobAccepted(jobId: string): void;
  /** A `/status` poll of the job answered (status undefined when it failed). */
  polled(jobId: string, status: string | undefined): void;
  /** An attempt failed and the retry policy sends the call again after `delayMs`. */
  retrying(verdict: string, what: string, delayMs: number): void;
  /** RunPod's timings of the finished job, ms, when the reply had them. */
  jobTimes(delayTime: number | undefined, executionTime: number | undefined): void;
}

/** One remote call, ready to send: the invocation is already encoded. */
export interface ExecuteRequest {
  endpoint: string;
  method: string;
  /** The endpoint's replicas, in the order this call should try them (the router rotates it per call). */
  addresses: readonly EndpointAddress[];
  invocation: Invocation;
  /** The call's budget: deadline and abort signal. The executor cancels the job when it ends and throws its reason. */
  budget: CallBudget;
  /** The method is safe to run twice, so a submission that may have created a job may be sent again (same callId). */
  idempotent: boolean;
  /** Submissions that may have created a job allowed beyond the first, for an idempotent method. */
  retries: number;
  /** Told about submissions, job ids, polls and retries (traces, metrics). */
  observer?: CallObserver;
  /**
   * Progress the worker reports (`reportProgress`), still encoded; the router decodes it. Queue
   * endpoints only: the call then goes through `/run` and is polled, so each poll can see it.
   */
  onProgress?: (encoded: unknown) => void;
  /** Submit only (`runtime.spawn`): the job goes through `/run` and its result is kept for RunPod's /run retention. */
  submitOnly?: boolean;
  /** A streaming method's call: the job goes through `/run`, and its chunks are read from `/stream` (queue) or NDJSON (load balancer). */
  streaming?: boolean;
  /**
   * A call to a foreign endpoint (not a Switchyard worker): `input` is sent as the job's raw
   * `input` instead of the invocation, and the job's output comes back as it is, as `result`.
   * On a load-balancer endpoint `input` is the whole JSON body, POSTed to `path`.
   */
  foreign?: { input: unknown; path?: string };
}

/**
 * Sends an invocation to one of an endpoint's replicas and returns the worker's output. Throws
 * typed errors: the remote error (rebuilt by the failure converter), DeadlineExceededError,
 * UnauthorizedError, PayloadTooLargeError, EndpointUnavailableError, CircuitOpenError, … One
 * subclass of HttpExecutor per transport, like an abstract client with one implementation per
 * protocol.
 */
export interface Executor {
  execute(request: ExecuteRequest): Promise<WireOutput>;
  /** False while calls to `address` would be refused (its circuit is open). */
  isAvailable?(address: EndpointAddress): boolean;
  close?(): void | Promise<void>;
}
