import type { EndpointAddress } from '../directory/endpoint-address';
import type { CallBudget } from '../resilience/call-budget';
import type { Invocation, WireOutput } from '../serialization/wire';

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
