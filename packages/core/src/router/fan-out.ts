import { setMaxListeners } from 'node:events';
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
   * before it; calls after it are cancelled (as soon as the calls before it have ended). `true`: every call runs, and each item is a
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
  wake?: () => void;
}

/**
 * Runs `call(args, options)` for each item of `items` with at most `concurrency` in flight and
 * yields the outcomes in input order. A call that ends before those ahead of it waits, read or
 * not, with at most `concurrency` such results held: a slow head does not stall the others, and
 * 10,000 items never hold 10,000 sockets, timers or results.
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
    let inFlight = 0;
    let exhausted = false;
    // Set by the first failure (without returnErrors) or when the consumer stops: nothing more starts.
    let stopped = false;
    let sourceFailure: { error: unknown } | undefined;
    // One signal for every call of the run (a controller per call cost ~5% of a call's CPU):
    // aborted when the run stops, or once every call before the first failure has ended.
    const stop = new AbortController();
    const outer = options.signal;
    const signal = outer ? AbortSignal.any([outer, stop.signal]) : stop.signal;
    // Every call in flight listens to it: that is `concurrency` listeners, not a leak.
    setMaxListeners(0, signal);
    let failure: { slot: Slot<R>; reason: unknown } | undefined;
    const cancelAfterFailure = (): void => {
      if (!failure || stop.signal.aborted) return;
      for (const slot of window) {
        if (slot === failure.slot) return stop.abort(failure.reason);
        if (!slot.settled) return;
      }
    };
    const start = async (): Promise<boolean> => {
      if (exhausted || stopped) return false;
      let next: IteratorResult<A>;
      try {
        next = await source.next();
      } catch (error) {
        exhausted = true;
        sourceFailure = { error };
        return false;
      }
      if (next.done || stopped) {
        exhausted ||= next.done === true;
        return false;
      }
      const slot: Slot<R> = {};
      inFlight++;
      window.push(slot);
      call(next.value, { signal, timeoutMs: options.timeoutMs }).then(
        (value) => settle(slot, { status: 'fulfilled', value }),
        (reason: unknown) => settle(slot, { status: 'rejected', reason }),
      );
      return true;
    };
    // One filler at a time: starts calls while a call slot and a result slot are free.
    let filling: Promise<void> | undefined;
    const room = () => inFlight < concurrency && window.length < 2 * concurrency;
    const fill = (): Promise<void> => {
      if (filling || !room()) return filling ?? Promise.resolve();
      // start() always awaits, so `filling` is set before the filler's finally clears it.
      filling = (async () => {
        try {
          while (room() && (await start()));
        } finally {
          filling = undefined;
        }
      })();
      return filling;
    };
    const settle = (slot: Slot<R>, outcome: PromiseSettledResult<R>): void => {
      slot.settled = outcome;
      inFlight--;
      if (outcome.status === 'rejected' && !options.returnErrors && !stopped) {
        // Stop at the first error: nothing more starts; what runs after it is cancelled once what comes before it has ended.
        stopped = true;
        failure = { slot, reason: outcome.reason };
      }
      cancelAfterFailure();
      slot.wake?.();
      void fill();
    };
    try {
      await fill();
      while (window.length > 0) {
        const head = window[0]!;
        if (!head.settled) await new Promise<void>((resolve) => (head.wake = resolve));
        window.shift();
        const outcome = head.settled!;
        if (options.returnErrors) yield outcome;
        else if (outcome.status === 'rejected') throw outcome.reason;
        else yield outcome.value;
        await fill();
      }
      if (sourceFailure) throw sourceFailure.error;
      outer?.throwIfAborted();
    } finally {
      // A consumer that stops early (break, return, a thrown error) cancels what is still running.
      stopped = true;
      if (window.some((slot) => !slot.settled)) stop.abort(new Error('runtime.map was stopped before this call finished.'));
      await filling;
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
