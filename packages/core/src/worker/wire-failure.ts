import {
  ContractMismatchError,
  DeadlineExceededError,
  InvalidRequestError,
  RouteNotFoundError,
  SerializationError,
} from '../errors';
import type { Serializer } from '../serialization/serializer';
import type { WireFailure } from '../serialization/wire';

/**
 * HTTP status for an error the worker raised about the request itself (before any user code
 * ran). Errors thrown by a user's method are always 500: the request was fine, the code failed.
 */
export function requestErrorStatus(error: unknown): number {
  if (error instanceof InvalidRequestError || error instanceof SerializationError) return 400;
  if (error instanceof RouteNotFoundError) return 404;
  if (error instanceof ContractMismatchError) return 409;
  if (error instanceof DeadlineExceededError) return 504;
  return 500;
}

/** Anything thrown, as an Error (a thrown string or object keeps its text). */
export function asError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  // Errors from another realm (e.g. Node's DOMException seen from a vm context) fail instanceof.
  if (thrown !== null && typeof thrown === 'object' && typeof (thrown as Error).name === 'string' && typeof (thrown as Error).message === 'string') {
    return thrown as Error;
  }
  let text: string;
  try {
    text = typeof thrown === 'string' ? thrown : JSON.stringify(thrown) ?? String(thrown);
  } catch {
    text = String(thrown);
  }
  const error = new Error(text);
  error.name = 'NonErrorThrown';
  return error;
}

/**
 * The wire form of a failure: what a FAILED job's `error` string (JSON) and a load-balancer
 * error reply carry. Simple own fields of the error travel in `fields` so a registered error
 * class is rebuilt with them; `details` lists validation problems.
 */
export function toWireFailure(thrown: unknown, serializer: Serializer, endpoint?: string, method?: string): WireFailure {
  const error = asError(thrown);
  const encoded = serializer.encodeError(error);
  const failure: WireFailure = { name: encoded.name, message: encoded.message };
  if (encoded.stack !== undefined) failure.stack = encoded.stack;
  if (encoded.code !== undefined) failure.code = encoded.code;
  if (endpoint !== undefined) failure.endpoint = endpoint;
  if (method !== undefined) failure.method = method;
  if (encoded.fields) failure.fields = encoded.fields;
  if (error instanceof InvalidRequestError && error.details.length > 0) failure.details = [...error.details];
  return failure;
}
