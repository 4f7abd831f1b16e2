/**
 * A cancellation that makes its AbortSignal only when someone reads `signal`. Node's AbortSignal
 * is an EventTarget: making one and collecting it costs several microseconds, which a job that
 * finishes without its method taking a signal (or calling another endpoint) never needs to pay.
 * `aborted` and `reason` read like an AbortSignal's; a signal made after `abort()` is already
 * aborted with the same reason.
 */
export class LazyAbort {
  private controller: AbortController | undefined;
  private ended: { reason: unknown } | undefined;

  get aborted(): boolean {
    return this.ended !== undefined;
  }

  get reason(): unknown {
    return this.ended?.reason;
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.ended) this.controller.abort(this.ended.reason);
    }
    return this.controller.signal;
  }

  /** Aborts once; later calls change nothing. The default reason is an AbortError, as AbortController's. */
  abort(reason: unknown = new DOMException('This operation was aborted', 'AbortError')): void {
    if (this.ended) return;
    this.ended = { reason };
    this.controller?.abort(reason);
  }

  /** Throws the reason once aborted. */
  throwIfAborted(): void {
    if (this.ended) throw this.ended.reason;
  }
}

/** What can end a call early: an AbortSignal, or a LazyAbort that makes one only when asked. */
export type AbortSource = AbortSignal | LazyAbort;

/** The AbortSignal of a source (made now, for a LazyAbort). */
export function signalOf(source: AbortSource): AbortSignal {
  return source instanceof LazyAbort ? source.signal : source;
}
