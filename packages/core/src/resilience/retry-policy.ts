import { cappedExponentialDelay, fullJitter } from './backoff';

/**
 * How one failed attempt of a call ended, as far as trying again is concerned:
 * - `not-accepted`: nothing can have run (429, 503, connection refused / DNS / unreachable
 *   before a byte was sent, an open circuit). Safe to send again for every method.
 * - `ambiguous`: the submission may have created a job (502, 504, 5xx, a dropped connection,
 *   no reply). Only an idempotent method may be sent again, within its `retries`.
 * - `replica-lost`: a job was accepted, but the self-hosted replica holding it stopped answering
 *   its polls. The method may or may not have run: like `ambiguous`.
 */
export type AttemptVerdict = 'not-accepted' | 'ambiguous' | 'replica-lost';

/** What the policy knows about a call so far. */
export interface AttemptHistory {
  /** Submissions made so far (every verdict). */
  submissions: number;
  /** Submissions that may have created a job (ambiguous or replica-lost). */
  mayHaveRun: number;
}

/** The method's own rules (`@Remote({ idempotent, retries })`). */
export interface MethodRetryRules {
  idempotent: boolean;
  retries: number;
}

/** The policy's answer after a failed attempt. */
export type RetryDecision =
  | { retry: true; delayMs: number }
  | { retry: false; reason: 'not-idempotent' | 'retries-used' | 'attempts-used' | 'deadline' };

/** Options of {@link RetryPolicy}; createRuntime fills them from its resolved defaults. */
export interface RetryPolicyOptions {
  /** Most submissions of one call, counted across replicas and layers. */
  submitAttempts: number;
  /** First backoff before retrying the same replica, ms (doubling, full jitter). */
  initialDelayMs: number;
  /** Cap of that backoff, ms. */
  maxDelayMs: number;
  /** Longest Retry-After honoured, ms. */
  maxRetryAfterMs: number;
}

/**
 * The one retry policy of a call (README: "Retry policy"). Submissions that may have created a
 * job are at most `1 + retries` for an idempotent method and exactly 1 otherwise; submissions
 * that were not accepted are retried for every method up to `submitAttempts` in total. A retry
 * on a replica this call has not tried goes out at once; one on the same replica waits a capped
 * exponential backoff with full jitter, or the server's Retry-After when that is longer. Nothing
 * is retried when the wait would outlast the call's budget.
 */
export class RetryPolicy {
  constructor(readonly options: RetryPolicyOptions) {}

  /**
   * @param verdict how the last attempt failed
   * @param history counts including the last attempt
   * @param sameReplica whether the next attempt would go to the replica that just failed
   * @param retryAfterMs the server's Retry-After, when it sent one
   * @param remainingMs time left in the call's budget
   */
  decide(
    verdict: AttemptVerdict,
    history: AttemptHistory,
    rules: MethodRetryRules,
    next: { sameReplica: boolean; retryAfterMs?: number; remainingMs: number },
  ): RetryDecision {
    if (verdict !== 'not-accepted') {
      if (!rules.idempotent) return { retry: false, reason: 'not-idempotent' };
      if (history.mayHaveRun > rules.retries) return { retry: false, reason: 'retries-used' };
    } else if (history.submissions >= this.options.submitAttempts) {
      return { retry: false, reason: 'attempts-used' };
    }
    let delayMs = 0;
    if (next.sameReplica) {
      const backoff = fullJitter(cappedExponentialDelay(history.submissions, this.options.initialDelayMs, this.options.maxDelayMs));
      delayMs = Math.max(backoff, Math.min(next.retryAfterMs ?? 0, this.options.maxRetryAfterMs));
    }
    if (delayMs >= next.remainingMs) return { retry: false, reason: 'deadline' };
    return { retry: true, delayMs };
  }
}
