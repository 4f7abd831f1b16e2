import { DeadlineExceededError } from '../errors';
import { signalOf, type AbortSource } from './lazy-abort';

/** Longest delay `setTimeout` accepts; longer values would fire after 1 ms, so timers re-arm instead. */
const MAX_TIMER_MS = 2_147_483_647;

/** Milliseconds left until `deadline` (epoch ms), never negative. */
export function remainingMs(deadline: number, now: number = Date.now()): number {
  return Math.max(0, deadline - now);
}

/** Options of {@link CallBudget.start}. */
export interface CallBudgetOptions {
  /** The budget of this call, ms from now. */
  timeoutMs: number;
  /** An enclosing deadline (epoch ms) that the call may not outlive. */
  deadline?: number;
  /** Signals that abort the call (the caller's, the enclosing context's). */
  signals?: ReadonlyArray<AbortSource | undefined>;
  /** Names the call in the DeadlineExceededError the signal aborts with. */
  endpoint?: string;
  method?: string;
}

/**
 * One call's budget: an absolute deadline and one AbortSignal that aborts when the deadline
 * passes (reason: a DeadlineExceededError) or when any caller signal aborts (its reason).
 * Created by the router for every call (and by the dispatcher for every job), carried by the
 * call context, used by executors. `dispose()` (in a `finally`) clears the timer and listeners.
 *
 * The signal, its timer and its listeners are made on first use of `signal`: a job whose method
 * finishes without reading its signal or calling anyone costs no AbortController and no timer.
 * Until then `aborted`, `expired` and `throwIfOver()` read the clock and the caller signals.
 */
export class CallBudget {
  /** Absolute deadline, epoch ms. */
  readonly deadline: number;
  /** When the budget was created, epoch ms. */
  readonly startedAt = Date.now();
  private controller: AbortController | undefined;
  private readonly callerSignals: AbortSource[];
  private timer: NodeJS.Timeout | undefined;
  private timedOut = false;
  private disposed = false;
  private readonly onCallerAbort = (event: Event): void => this.controller!.abort((event.target as AbortSignal).reason);

  private constructor(
    deadline: number,
    signals: ReadonlyArray<AbortSource | undefined>,
    private readonly label: { endpoint?: string; method?: string },
  ) {
    this.deadline = deadline;
    this.callerSignals = signals.filter((s): s is AbortSource => s !== undefined);
  }

  /** A budget of `timeoutMs` from now, never beyond an enclosing `deadline`. */
  static start(options: CallBudgetOptions): CallBudget {
    const own = Date.now() + options.timeoutMs;
    const deadline = options.deadline === undefined ? own : Math.min(own, options.deadline);
    return new CallBudget(deadline, options.signals ?? [], { endpoint: options.endpoint, method: options.method });
  }

  /** A budget that ends at an absolute `deadline` (epoch ms), or when `signal` aborts. */
  static until(deadline: number, signal?: AbortSource, label: { endpoint?: string; method?: string } = {}): CallBudget {
    return new CallBudget(deadline, [signal], label);
  }

  /** Aborts at the deadline (reason: DeadlineExceededError) or with a caller's reason. */
  get signal(): AbortSignal {
    return this.arm().signal;
  }

  /** True once the budget is over, either way. */
  get aborted(): boolean {
    if (this.controller) return this.controller.signal.aborted;
    return this.callerSignals.some((s) => s.aborted) || Date.now() >= this.deadline;
  }

  /** True when the deadline itself ended the budget. */
  get expired(): boolean {
    if (this.controller) return this.timedOut;
    return !this.callerSignals.some((s) => s.aborted) && Date.now() >= this.deadline;
  }

  /** True when a caller's signal ended the budget (not the deadline). */
  get callerAborted(): boolean {
    if (this.controller) return this.controller.signal.aborted && !this.timedOut;
    return this.callerSignals.some((s) => s.aborted);
  }

  /** Milliseconds left, never negative. */
  remaining(now: number = Date.now()): number {
    return remainingMs(this.deadline, now);
  }

  /** The budget's total length, ms. */
  get totalMs(): number {
    return Math.max(0, this.deadline - this.startedAt);
  }

  /** Throws the abort reason (the caller's, or a DeadlineExceededError) if the budget is over. */
  throwIfOver(): void {
    if (this.controller) {
      this.controller.signal.throwIfAborted();
      return;
    }
    const aborted = this.callerSignals.find((s) => s.aborted);
    if (aborted) throw aborted.reason;
    if (Date.now() >= this.deadline) throw this.deadlineError();
  }

  /** Clears the timer and the listeners on the caller's signals; the signal never aborts after this. Idempotent. */
  dispose(): void {
    this.disposed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.controller) for (const s of this.callerSignals) signalOf(s).removeEventListener('abort', this.onCallerAbort);
  }

  private arm(): AbortController {
    if (this.controller) return this.controller;
    const controller = (this.controller = new AbortController());
    if (this.disposed) return controller;
    const aborted = this.callerSignals.find((s) => s.aborted);
    if (aborted) {
      controller.abort(aborted.reason);
      return controller;
    }
    for (const s of this.callerSignals) signalOf(s).addEventListener('abort', this.onCallerAbort, { once: true });
    this.tick();
    return controller;
  }

  private deadlineError(): DeadlineExceededError {
    return new DeadlineExceededError(`the call's deadline (${new Date(this.deadline).toISOString()}) passed.`, this.label);
  }

  private tick(): void {
    const left = this.remaining();
    if (left <= 0) {
      this.timedOut = true;
      this.controller!.abort(this.deadlineError());
      this.dispose();
      return;
    }
    // Deadlines beyond setTimeout's range re-arm instead of overflowing to 1 ms.
    this.timer = setTimeout(() => this.tick(), Math.min(left, MAX_TIMER_MS));
    this.timer.unref?.();
  }
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
