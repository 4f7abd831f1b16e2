import { DeadlineExceededError } from '../errors';

/** Longest delay `setTimeout` accepts; longer values fire after 1 ms, so timers re-arm instead. */
const MAX_TIMER_MS = 2_147_483_647;

/** Milliseconds left until `deadline` (epoch ms), never negative. */
export function remainingMs(deadline: number, now: number = Date.now()): number {
  return Math.max(0, deadline - now);
}

/**
 * One call's budget as an AbortSignal: it aborts when the deadline passes or when the caller's
 * signal aborts, whichever comes first. `expired` tells the two apart afterwards. Always call
 * `dispose()` (in a `finally`) so the timer does not outlive the call.
 */
export interface DeadlineScope {
  /** Aborts at the deadline (reason: a DeadlineExceededError) or with the caller's reason. */
  readonly signal: AbortSignal;
  /** The absolute deadline, epoch ms. */
  readonly deadline: number;
  /** True once the deadline itself fired (false when only the caller aborted). */
  readonly expired: boolean;
  /** True when the caller's own signal aborted first. */
  readonly callerAborted: boolean;
  /** Milliseconds left. */
  remaining(): number;
  /** Clears the timer. Idempotent. */
  dispose(): void;
}

/**
 * Combines a deadline (absolute epoch ms) and an optional caller signal into one AbortSignal
 * (`AbortSignal.any` over the caller's signal and a timer). A deadline already in the past
 * aborts at once.
 */
export function deadlineSignal(deadline: number, signal?: AbortSignal): DeadlineScope {
  const timerController = new AbortController();
  let timer: NodeJS.Timeout | undefined;

  const arm = (): void => {
    const left = remainingMs(deadline);
    if (left <= 0) {
      timerController.abort(new DeadlineExceededError(`the call deadline (${new Date(deadline).toISOString()}) passed`));
      return;
    }
    // Re-arm for deadlines beyond setTimeout's range instead of letting it overflow to 1 ms.
    timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
  };

  const combined = signal ? AbortSignal.any([signal, timerController.signal]) : timerController.signal;
  // When the caller gave up before we started, no timer is needed.
  if (!signal?.aborted) arm();

  return {
    signal: combined,
    deadline,
    get expired() {
      return timerController.signal.aborted && combined.reason === timerController.signal.reason;
    },
    get callerAborted() {
      return signal !== undefined && signal.aborted && combined.reason === signal.reason;
    },
    remaining: () => remainingMs(deadline),
    dispose: () => {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}

/**
 * Waits `ms`, or rejects with `signal.reason` as soon as the signal aborts. The timer is cleared
 * either way, so an aborted wait leaves nothing behind.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, Math.min(ms, MAX_TIMER_MS)));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
