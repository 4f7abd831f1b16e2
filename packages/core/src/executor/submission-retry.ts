import { HTTPError, TimeoutError, type Options } from 'ky';
import type { Logger } from '../observability/logger';
import { cappedExponentialDelay } from '../resilience/backoff';
import type { ExecuteRequest } from './executor';
import { describeNetworkFailure, networkFailureKind, unwrapRetryError } from './network-failure';

/** What both executors need to retry one submission with ky. */
export interface SubmissionRetrySettings {
  request: ExecuteRequest;
  /** Total submissions allowed (first + retries). */
  attempts: number;
  maxRetryAfterMs: number;
  retryInitialMs: number;
  retryMaxMs: number;
  logger: Logger;
  /** Log line for a retry, e.g. `resubmitting X to URL`. */
  label: string;
  /** ky's shouldRetry verdict for the (unwrapped) error: undefined = ky's own rules. */
  decide(error: unknown): boolean | undefined | Promise<boolean | undefined>;
  /** Called with the number of the submission about to be made. */
  onAttempt(attempt: number): void;
}

/**
 * ky `retry` + `hooks` for a POST submission: 429/502/503/504 with Retry-After (capped),
 * capped exponential backoff with jitter, and a `decide` callback that only lets through the
 * cases where sending again is safe. POST is listed because `decide` guards it.
 */
export function submissionRetry(s: SubmissionRetrySettings): Pick<Options, 'retry' | 'hooks'> {
  return {
    retry: {
      limit: s.attempts - 1,
      methods: ['post'],
      statusCodes: [429, 502, 503, 504],
      afterStatusCodes: [429, 502, 503, 504],
      maxRetryAfter: s.maxRetryAfterMs,
      backoffLimit: s.retryMaxMs,
      delay: (attempt) => cappedExponentialDelay(attempt, s.retryInitialMs, s.retryMaxMs),
      jitter: true,
      shouldRetry: ({ error }) => s.decide(unwrapRetryError(error)),
    },
    hooks: {
      beforeRetry: [
        ({ error, retryCount }) => {
          s.onAttempt(retryCount + 1);
          if (error instanceof HTTPError) void error.response.body?.cancel().catch(() => undefined);
          s.logger.debug(s.label, {
            endpoint: s.request.endpoint,
            callId: s.request.invocation.callId,
            attempt: retryCount + 1,
            reason: error instanceof HTTPError ? `HTTP ${error.response.status}` : describeNetworkFailure(error),
          });
        },
      ],
    },
  };
}

/**
 * The retry verdict for a failure without an HTTP reply, the same for both executors: a connect
 * that sent nothing is always retried; a timeout or a connection dropped after sending may have
 * reached the worker, so only an idempotent call is sent again. `undefined` = ky's own rules.
 */
export function noReplyVerdict(error: unknown, idempotent: boolean): boolean | undefined {
  if (error instanceof TimeoutError) return idempotent;
  const kind = networkFailureKind(error);
  if (kind === 'not-sent') return undefined;
  if (kind === 'ambiguous') return idempotent ? undefined : false;
  return false;
}
