import { InvalidRequestError, PayloadTooLargeError, RouteNotFoundError, SwitchyardError, UnauthorizedError } from '../errors';
import type { ExecuteRequest } from './executor';

/** What a non-2xx reply to a call was, for {@link errorForStatus}. */
export interface StatusReply {
  status: number;
  /** The server's message, already redacted (see serverMessage). */
  message: string;
  /** The URL path that answered, e.g. `/runsync` or `/execute`, for messages. */
  route: string;
  /** Size of the body we sent, for PayloadTooLargeError. */
  sentBytes: number;
  /** Our own limit for that route, for PayloadTooLargeError. */
  limit: number;
}

/**
 * Maps a definitive client-error reply (401/403, 404, 400, 413 and other 4xx except 429) to
 * a typed error. Returns undefined for 429 and 5xx, which the caller treats as transport
 * failures. Messages never contain the API key: they say which variable to check.
 */
export function errorForStatus(request: ExecuteRequest, address: string, reply: StatusReply): SwitchyardError | undefined {
  const where = `${request.endpoint}.${request.method}`;
  const { status, message, route } = reply;
  if (status === 401 || status === 403) {
    return new UnauthorizedError(
      `${where}: endpoint ${request.endpoint} at ${address} refused the API key (HTTP ${status} on ${route}). ` +
        'Check that RUNPOD_API_KEY (or the apiKey option) holds a valid key for this endpoint.',
      request.endpoint,
    );
  }
  if (status === 404) {
    return new RouteNotFoundError(
      `${where}: nothing answers at ${address}${route} (HTTP 404: ${message}). ` +
        `Check the address the directory gives for endpoint ${request.endpoint} and that the endpoint is deployed.`,
      request.endpoint,
      request.method,
    );
  }
  if (status === 413) {
    return new PayloadTooLargeError(
      `${where}: endpoint ${request.endpoint} at ${address} refused the ${reply.sentBytes}-byte request as too large (HTTP 413 on ${route}: ${message}). ` +
        'Pass a URL to the data instead of the data itself.',
      reply.sentBytes,
      reply.limit,
    );
  }
  if (status >= 400 && status < 500 && status !== 429) {
    return new InvalidRequestError(
      `${where}: endpoint ${request.endpoint} at ${address} rejected the request (HTTP ${status} on ${route}): ${message}. ` +
        'Check the arguments, and that caller and worker run the same Switchyard version.',
      [message],
    );
  }
  return undefined;
}
