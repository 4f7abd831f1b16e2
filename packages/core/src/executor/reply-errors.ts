import { InvalidRequestError, PayloadTooLargeError, RouteNotFoundError, UnauthorizedError } from '../errors';
import { redact } from '../observability/redaction';
import { retryAfterMs } from '../resilience/backoff';
import { AttemptFailure } from '../resilience/transport-failure';
import type { HttpReply } from './http-transport';
import { headerValue } from './http-transport';
import { describeNetworkFailure, networkFailureKind } from './network-failure';

/** What a reply-mapping needs to know about the request that got the reply. */
export interface SentRequest {
  endpoint: string;
  method: string;
  /** The address's URL, for messages (it holds no credentials). */
  address: string;
  /** The route that answered, e.g. `/runsync` or `/execute`. */
  route: string;
  /** Bytes sent, for PayloadTooLargeError. */
  sentBytes: number;
  /** Our own limit for the route, for PayloadTooLargeError. */
  limit: number;
  /** Values never quoted from a reply (the API key). */
  secrets: readonly (string | undefined)[];
  /** Largest Retry-After honoured, ms. */
  maxRetryAfterMs: number;
}

/**
 * The readable part of an error reply: `error`, `message` or `detail` of a JSON body, else the
 * text itself, shortened to 300 characters, with the API key and any Bearer token redacted.
 */
export function serverMessage(text: string, secrets: readonly (string | undefined)[]): string {
  let message = text.trim();
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed && typeof parsed === 'object') {
      const p = parsed as Record<string, unknown>;
      const candidate = p.error ?? p.message ?? p.detail;
      if (typeof candidate === 'string') message = candidate;
      else if (candidate !== undefined) message = JSON.stringify(candidate);
    }
  } catch {
    // not JSON: use the text as it is
  }
  if (message === '') message = '(empty body)';
  if (message.length > 300) message = `${message.slice(0, 300)}…`;
  return redact(message, secrets);
}

/**
 * What a non-2xx reply that is not a Switchyard worker's failure means. Definitive client errors
 * are typed errors to throw as they are (401/403 UnauthorizedError, 404 RouteNotFoundError, 413
 * PayloadTooLargeError, other 4xx InvalidRequestError). The rest are AttemptFailures for the
 * retry policy: 429 and 503 were not accepted; 5xx may have created a job. Messages never
 * contain the API key: they say which variable to check.
 */
export function replyFailure(sent: SentRequest, reply: HttpReply): Error {
  const { status } = reply;
  const message = serverMessage(reply.text, sent.secrets);
  const at = `endpoint ${sent.endpoint} at ${sent.address}`;
  const context = { endpoint: sent.endpoint, method: sent.method };
  if (status === 401 || status === 403) {
    return new UnauthorizedError(
      `${at} refused the API key (HTTP ${status} on ${sent.route}). Check that RUNPOD_API_KEY (or the apiKey option) holds a valid key for this endpoint.`,
      context,
    );
  }
  if (status === 404) {
    return new RouteNotFoundError(
      `nothing serves endpoint ${sent.endpoint} at ${sent.address}${sent.route} (HTTP 404: ${message}). Check the address the directory gives for it and that the endpoint is deployed.`,
      context,
    );
  }
  if (status === 413) {
    return new PayloadTooLargeError(
      `${at} refused the ${sent.sentBytes}-byte request as too large (HTTP 413 on ${sent.route}: ${message}). Pass a URL to the data instead of the data itself.`,
      { ...context, size: sent.sentBytes, limit: sent.limit },
    );
  }
  const retryAfter = retryAfterMs(headerValue(reply.headers, 'retry-after'), sent.maxRetryAfterMs);
  const what = `${sent.route} answered HTTP ${status} (${message})`;
  if (status === 429) {
    return new AttemptFailure('not-accepted', what, {
      retryAfterMs: retryAfter,
      countsForBreaker: false,
      advice: 'The endpoint is rate limiting: lower the call rate or raise SWITCHYARD_SUBMIT_ATTEMPTS.',
    });
  }
  if (status === 503) return new AttemptFailure('not-accepted', what, { retryAfterMs: retryAfter, advice: "Check the endpoint's workers and health." });
  if (status >= 400 && status < 500) {
    return new InvalidRequestError(
      `${at} rejected the request (HTTP ${status} on ${sent.route}): ${message}. Check the arguments, and that caller and worker run the same Switchyard version.`,
      { ...context, details: [message] },
    );
  }
  return new AttemptFailure('ambiguous', what, { retryAfterMs: retryAfter, advice: "Check the endpoint's workers and health." });
}

/**
 * The AttemptFailure for a request that got no reply, or the error itself when it is not a
 * network failure (a bug, which must not be retried).
 */
export function noReplyFailure(route: string, error: unknown): Error {
  const kind = networkFailureKind(error);
  if (kind === undefined) return error instanceof Error ? error : new Error(String(error));
  const what = `${route}: ${describeNetworkFailure(error)}`;
  if (kind === 'not-sent') return new AttemptFailure('not-accepted', what, { advice: 'Check that the address is right and the endpoint is reachable from here.' });
  return new AttemptFailure('ambiguous', what, { advice: 'The connection broke after the request may have been sent.' });
}
