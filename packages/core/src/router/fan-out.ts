import { ConfigurationError } from '../errors';
import type { CallOptions } from './runtime-types';

/** Options of `runtime.map`. */
export interface MapOptions {
  /** Calls in flight at once. Default 16; 1 to 10,000. */
  concurrency?: number;
  /** Aborts every call in flight and ends the iteration with the signal's reason. */
  signal?: AbortSignal;
  /** Deadline of each call, ms (as `runtime.call`'s option). */
  timeoutMs?: number;
  /**
   * `false` (default): the first failed call ends the iteration with its error, after the results
   * before it; calls after it are cancelled. `true`: every call runs, and each item is a
   * `PromiseSettledResult` in input order.
   */
  returnErrors?: boolean;
}

/** The results of `runtime.map`, in input order: an async iterable, or all at once with `toArray()`. */
export interface MapRun<R> extends AsyncIterable<R> {
  toArray(): Promise<R[]>;
}

const DEFAULT_CONCURRENCY = 16;
const MAX_CONCURRENCY = 10_000;

interface Slot<R> {
  settled?: PromiseSettledResult<R>;
  controller: AbortController;
  wake?: () => void;
}

/**
 * Runs `call(args, options)` for each item of `items` with at most `concurrency` in flight and
 * yields the outcomes in input order. Calls start only within a window of `concurrency` items
 * ahead of the one the consumer waits for, so in-flight calls and finished-but-unread results
 * together never exceed `concurrency` (10,000 items never hold 10,000 sockets, timers or results).
 */
export function mapCalls<A, R>(
  items: Iterable<A> | AsyncIterable<A>,
  call: (args: A, options: CallOptions) => Promise<R>,
  options: MapOptions = {},
): MapRun<R | PromiseSettledResult<R>> {
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_CONCURRENCY) {
    throw new ConfigurationError(`runtime.map option concurrency must be a whole number from 1 to ${MAX_CONCURRENCY}, got ${String(concurrency)}.`, { option: 'concurrency' });
  }
  const run = async function* (): AsyncGenerator<R | PromiseSettledResult<R>> {
    const source = Symbol.asyncIterator in items ? (items as AsyncIterable<A>)[Symbol.asyncIterator]() : (items as Iterable<A>)[Symbol.iterator]();
    const window: Array<Slot<R>> = [];
    let exhausted = false;
    let failed = false;
    const outer = options.signal;
    const start = async (): Promise<boolean> => {
      if (exhausted || failed) return false;
      const next = await source.next();
      if (next.done) {
        exhausted = true;
        return false;
      }
      const slot: Slot<R> = { controller: new AbortController() };
      const signal = outer ? AbortSignal.any([outer, slot.controller.signal]) : slot.controller.signal;
      call(next.value, { signal, timeoutMs: options.timeoutMs }).then(
        (value) => settle(slot, { status: 'fulfilled', value }),
        (reason: unknown) => settle(slot, { status: 'rejected', reason }),
      );
      window.push(slot);
      return true;
    };
    const settle = (slot: Slot<R>, outcome: PromiseSettledResult<R>): void => {
      slot.settled = outcome;
      if (outcome.status === 'rejected' && !options.returnErrors && !failed) {
        // Stop at the first error: cancel what runs after it, keep what comes before.
        failed = true;
        const at = window.indexOf(slot);
        for (const later of window.slice(at + 1)) later.controller.abort(outcome.reason);
      }
      slot.wake?.();
    };
    try {
      while (window.length < concurrency && (await start()));
      while (window.length > 0) {
        const head = window[0]!;
        if (!head.settled) await new Promise<void>((resolve) => (head.wake = resolve));
        window.shift();
        const outcome = head.settled!;
        if (options.returnErrors) yield outcome;
        else if (outcome.status === 'rejected') throw outcome.reason;
        else yield outcome.value;
        while (window.length < concurrency && (await start()));
      }
      outer?.throwIfAborted();
    } finally {
      // A consumer that stops early (break, return, a thrown error) cancels what is still running.
      for (const slot of window) if (!slot.settled) slot.controller.abort(new Error('runtime.map was stopped before this call finished.'));
      if (!exhausted) await (source as AsyncIterator<A> | Iterator<A>).return?.();
    }
  };
  return {
    [Symbol.asyncIterator]: () => run(),
    async toArray() {
      const all: Array<R | PromiseSettledResult<R>> = [];
      for await (const item of run()) all.push(item);
      return all;
    },
  };
}
