import { SwitchyardError } from '../src/errors';
import { elapsedNs } from './stats';

/** What one burst of calls measured. */
export interface LoadResult {
  calls: number;
  concurrency: number;
  /** Wall time of the whole burst, ns. */
  elapsedNs: number;
  /** Duration of each call, ns, in the order the calls started. */
  latenciesNs: Float64Array;
  callsPerSecond: number;
  /** CPU time (user + system) this process spent per call, µs: the client's own cost. */
  cpuUsPerCall: number;
}

/**
 * Makes `total` calls with at most `concurrency` in flight: each of `concurrency` lanes starts
 * its next call as soon as its previous one ends (a closed loop, like `concurrency` users).
 * Every call's duration is taken with `process.hrtime.bigint()`; this process's CPU time over the
 * burst, divided by the calls, is the client's own cost per call (only meaningful when nothing
 * else runs in this process, which is how the benchmarks use it). A failing call fails the burst:
 * a benchmark whose calls fail measures nothing.
 */
export async function runLoad(call: (index: number) => Promise<unknown>, total: number, concurrency: number): Promise<LoadResult> {
  const latencies = new Float64Array(total);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < total) {
      const index = next++;
      const started = process.hrtime.bigint();
      await call(index);
      latencies[index] = elapsedNs(started);
    }
  };
  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  const lanes = Array.from({ length: Math.min(concurrency, total) }, lane);
  const outcomes = await Promise.allSettled(lanes);
  const elapsed = elapsedNs(started);
  const cpu = process.cpuUsage(cpuBefore);
  const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failed) {
    throw new SwitchyardError(`a benchmark call failed (${total} calls at concurrency ${concurrency}): ${(failed.reason as Error)?.message ?? String(failed.reason)}`, {
      cause: failed.reason,
    });
  }
  return { calls: total, concurrency, elapsedNs: elapsed, latenciesNs: latencies, callsPerSecond: total / (elapsed / 1e9), cpuUsPerCall: (cpu.user + cpu.system) / total };
}
