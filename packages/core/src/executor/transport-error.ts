import { EndpointUnavailableError } from '../errors';
import { markTransportFailure } from '../resilience/transport-failure';
import type { ExecuteRequest } from './executor';

/**
 * The error for "the endpoint could not be reached or did not answer usably" (connection
 * refused or dropped, gateway 5xx, rate limiting that outlasted the retries). It is marked as a
 * transport failure, so circuit breakers count it and a router may try another replica for an
 * idempotent method (`isTransportFailure(error)`).
 */
export function transportFailure(request: ExecuteRequest, address: string, what: string, advice: string): EndpointUnavailableError {
  const where = `${request.endpoint}.${request.method}`;
  const message = `${where}: endpoint ${request.endpoint} at ${address} is unavailable: ${what}. ${advice}`;
  return markTransportFailure(
    new EndpointUnavailableError(message, request.endpoint, address),
  );
}
