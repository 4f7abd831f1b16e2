import { EndpointUnavailableError } from '../errors';
import { markTransportFailure } from '../resilience/transport-failure';
import type { ExecuteRequest } from './executor';
import { describeNetworkFailure, networkFailureKind } from './network-failure';

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

/**
 * The transport failure for a connection-level error (refused, reset, DNS...), or undefined when
 * `error` is not one. `notRetried` explains why an ambiguous failure was not sent again.
 */
export function connectionFailure(
  request: ExecuteRequest,
  address: string,
  error: unknown,
  attempts: string,
  notRetried: string,
): EndpointUnavailableError | undefined {
  const kind = networkFailureKind(error);
  if (kind === undefined) return undefined;
  return transportFailure(
    request,
    address,
    `${describeNetworkFailure(error)} after ${attempts}`,
    kind === 'not-sent'
      ? 'Check that the address is right and the endpoint is reachable from here.'
      : `The connection broke after the request was sent.${notRetried}`,
  );
}
