import { performance } from 'node:perf_hooks';

/** One call of a {@link SteadyLoad}: when it started and settled (`performance.now()` ms), and how. */
export interface CallRecord<T> {
  startedAt: number;
  settledAt: number;
  /** The call's result when it succeeded. */
  value?: T;
  /** The call's error when it failed. */
  error?: unknown;
}

/** A closed-loop load that runs until stopped and records every call; see {@link startSteadyLoad}. */
export interface SteadyLoad<T> {
  /** Every call settled so far, in the order they settled. */
  readonly records: readonly CallRecord<T>[];
  /** Stops starting calls and resolves once the ones in flight have settled. */
  stop(): Promise<void>;
}

/**
 * Starts `concurrency` lanes, each making `call()` again as soon as its previous call settles
 * (like `concurrency` users), until `stop()`. Unlike `runLoad`, a failed call does not end the
 * load: it is recorded with its error, because the recovery benchmark fails calls on purpose and
 * measures how long that lasts. `onSettled` sees each record as it is made; if it throws, the
 * load stops and `stop()` rethrows that error.
 */
export function startSteadyLoad<T>(call: () => Promise<T>, concurrency: number, onSettled: (record: CallRecord<T>) => void = () => undefined): SteadyLoad<T> {
  const records: CallRecord<T>[] = [];
  let stopped = false;
  // An error thrown by onSettled stops the load and is rethrown by stop(), not left unhandled.
  let fatal: { error: unknown } | undefined;
  const lane = async (): Promise<void> => {
    while (!stopped) {
      const startedAt = performance.now();
      let record: CallRecord<T>;
      try {
        const value = await call();
        record = { startedAt, settledAt: performance.now(), value };
      } catch (error) {
        record = { startedAt, settledAt: performance.now(), error };
      }
      records.push(record);
      try {
        onSettled(record);
      } catch (error) {
        fatal ??= { error };
        stopped = true;
      }
    }
  };
  const lanes = Array.from({ length: concurrency }, lane);
  return {
    records,
    stop: async () => {
      stopped = true;
      await Promise.all(lanes);
      if (fatal) throw fatal.error;
    },
  };
}
