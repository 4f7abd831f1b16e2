import type { Invocation, WireOutput } from '../serialization/wire';

/** One remote call, ready to send: the invocation is already encoded. */
export interface ExecuteRequest {
  endpoint: string;
  method: string;
  /** Base URL of the endpoint, e.g. `https://api.runpod.ai/v2/abc123` or `http://127.0.0.1:4100/v2/reports`. */
  address: string;
  invocation: Invocation;
  /** Fires when the caller gives up; the executor cancels the job and throws the signal's reason. */
  signal?: AbortSignal;
  /** Absolute deadline, epoch ms (also in invocation.deadline). */
  deadline: number;
  /**
   * The method is safe to run twice (resubmission with the same callId is allowed). Executors
   * resubmit after an ambiguous failure (502/504, dropped connection, no reply) only when true;
   * 429/503 and connects that sent nothing are retried for every method.
   */
  idempotent: boolean;
  /**
   * Resubmissions allowed for an idempotent method after a transport failure. The router's
   * budget (it retries on another replica when `isTransportFailure(error)`); executors bound
   * their own submission retries by `submitAttempts` instead.
   */
  retries: number;
}

/**
 * Sends an invocation to an endpoint and returns the COMPLETED job's output. Throws typed
 * errors: RemoteExecutionError (FAILED/CANCELLED/TIMED_OUT, with the remote error),
 * DeadlineExceededError, UnauthorizedError, PayloadTooLargeError, RouteNotFoundError (404).
 * One subclass per transport, like an abstract client with one implementation per protocol.
 */
export interface Executor {
  execute(request: ExecuteRequest): Promise<WireOutput>;
  close?(): void | Promise<void>;
}
