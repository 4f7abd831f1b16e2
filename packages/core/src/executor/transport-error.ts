import { RemoteExecutionError } from '../errors';
import { markTransportFailure } from '../resilience/transport-failure';
import type { ExecuteRequest } from './executor';

/**
 * The error for "the endpoint could not be reached or did not answer usably" (connection
 * refused or dropped, gateway 5xx, rate limiting that outlasted the retries). It is marked as a
 * transport failure, so circuit breakers count it and a router may try another replica for an
 * idempotent method (`isTransportFailure(error)`).
 *
 * It is a RemoteExecutionError with `remote.name === 'EndpointUnavailable'` and no job id until
 * errors.ts gains a dedicated class; this function is the one place to change then.
 */
export function transportFailure(request: ExecuteRequest, address: string, what: string, advice: string): RemoteExecutionError {
  const where = `${request.endpoint}.${request.method}`;
  const message = `${where}: endpoint ${request.endpoint} at ${address} is unavailable: ${what}. ${advice}`;
  return markTransportFailure(
    new RemoteExecutionError(message, request.endpoint, request.method, undefined, { name: 'EndpointUnavailable', message }),
  );
}
