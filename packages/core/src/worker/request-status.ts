import { ContractMismatchError, DeadlineExceededError, InvalidRequestError, MethodNotRemoteError, RouteNotFoundError, SerializationError } from '../errors';

/**
 * The HTTP status a direct reply uses for an error the worker raised about the request itself
 * (before any user code ran). Errors thrown by a user's method are always 500: the request was
 * fine, the code failed. The caller reads the failure, never the status.
 */
export function requestErrorStatus(error: unknown): number {
  if (error instanceof InvalidRequestError || error instanceof SerializationError) return 400;
  if (error instanceof RouteNotFoundError || error instanceof MethodNotRemoteError) return 404;
  if (error instanceof ContractMismatchError) return 409;
  if (error instanceof DeadlineExceededError) return 504;
  return 500;
}
