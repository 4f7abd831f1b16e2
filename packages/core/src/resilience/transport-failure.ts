import { CircuitOpenError, EndpointUnavailableError } from '../errors';
import type { AttemptVerdict } from './retry-policy';

/**
 * One attempt of a call failed in the transport, not in the remote code: thrown by an
 * executor's protocol step and caught by its attempt loop, which asks the RetryPolicy whether
 * to try again and, when not, turns it into an EndpointUnavailableError. Never reaches users.
 */
export class AttemptFailure extends Error {
  override name = 'AttemptFailure';
  constructor(
    readonly verdict: AttemptVerdict,
    /** What happened, e.g. `/runsync answered HTTP 502 (bad gateway)` or `connection refused (ECONNREFUSED)`. */
    readonly what: string,
    readonly options: {
      /** What to do about it, when the call is not tried again. */
      advice?: string;
      /** The server's Retry-After, ms. */
      retryAfterMs?: number;
      /** Whether this failure counts towards the address's circuit (connection failures and 5xx do; 429 does not). */
      countsForBreaker?: boolean;
      /** A job id the attempt had obtained before it failed. */
      jobId?: string;
    } = {},
  ) {
    super(what);
  }

  get countsForBreaker(): boolean {
    return this.options.countsForBreaker ?? true;
  }
}

/**
 * True when `error` means "the transport failed" (the endpoint could not be reached, answered a
 * gateway error, lost the job with its replica, or its circuit is open) rather than "the remote
 * code answered". Only transport failures count towards a circuit breaker; a user's exception
 * never opens one.
 */
export function isTransportFailure(error: unknown): boolean {
  if (error instanceof AttemptFailure) return error.countsForBreaker;
  return error instanceof EndpointUnavailableError || error instanceof CircuitOpenError;
}
