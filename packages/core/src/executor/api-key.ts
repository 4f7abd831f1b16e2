import { UnauthorizedError } from '../errors';
import type { ExecuteRequest } from './executor';

/** The API key for a call, or UnauthorizedError saying how to provide one (nothing is sent). */
export function requireApiKey(apiKey: string | undefined, request: ExecuteRequest, executorName: string): string {
  if (apiKey) return apiKey;
  throw new UnauthorizedError(
    `${request.endpoint}.${request.method}: no API key for calls to endpoint ${request.endpoint}. ` +
      `Set RUNPOD_API_KEY, or pass { apiKey } to createRuntime() or new ${executorName}().`,
    request.endpoint,
  );
}
