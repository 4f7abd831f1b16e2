import { startChild } from './child-process';
import { compileTree } from './compiled-tree';
import type { MemoryFigures } from './memory-client';
import type { Progress } from './progress';
import { fmt, makeRow, type ResultRow } from './report';

/** Sizes of the memory benchmark. */
export interface MemoryOptions {
  /** Slow calls in flight at once. */
  calls: number;
  /** How long each call sleeps on the worker, ms. */
  sleepMs: number;
  /** Wait after the calls end before the final measurement, ms (idle keep-alive sockets close). */
  settleMs: number;
}

export const MEMORY_FULL: MemoryOptions = { calls: 10_000, sleepMs: 1_500, settleMs: 6_000 };
export const MEMORY_QUICK: MemoryOptions = { calls: 1_000, sleepMs: 1_000, settleMs: 6_000 };

const BENCH = '6 memory';
const MiB = 1024 * 1024;

/**
 * Benchmark 6: RSS of a client process with `calls` routed calls in flight against a slow
 * method (the worker sleeps `sleepMs`; its slots are not the limit). The client runs in its own
 * child process, plain `node --expose-gc` on JavaScript compiled from the sources (as a deployed
 * client runs), so the baseline is a fresh process and GC is forced before each measurement.
 * The target is the RSS each in-flight call adds, (peak − start) / calls; each call's payload is
 * one number, so the figure is the calls' own cost. The growth left after the calls, a GC and
 * `settleMs` of idleness has a target of its own.
 */
export async function benchMemory(workerUrl: string, options: MemoryOptions, progress: Progress): Promise<ResultRow[]> {
  progress(`memory: ${options.calls} slow calls in flight (${options.sleepMs} ms each), then ${options.settleMs} ms to settle`);
  // Plain node on compiled JavaScript: the TypeScript loader would add its own ~80 MB to the RSS.
  const compiled = compileTree();
  let f: MemoryFigures;
  try {
    const child = await startChild<MemoryFigures>('memory-client.ts', [workerUrl, String(options.calls), String(options.sleepMs), String(options.settleMs)], {
      nodeFlags: ['--expose-gc'],
      compiled,
    });
    await child.stop();
    f = child.info;
  } finally {
    compiled.remove();
  }
  return memoryRows(f);
}

/** Signed MB for details: `+3.2 MB`, `-1.0 MB`. */
const signedMb = (bytes: number) => `${bytes >= 0 ? '+' : ''}${fmt(bytes / MiB, 1)} MB`;

/**
 * The rows of the memory child's figures: RSS at start and at the peak (reported only), RSS per
 * in-flight call, (peak − start) / calls (target ≤ 10 KB), and the growth left after the calls,
 * a GC and the settle time (target ≤ 20 MB).
 */
export function memoryRows(f: MemoryFigures): ResultRow[] {
  const mib = (n: number) => n / MiB;
  const calls = fmt(f.calls, 0);
  const note = f.gcAvailable ? '' : ' (no global.gc: not forced)';
  return [
    makeRow({ bench: BENCH, case: 'client RSS at start', unit: 'MB', value: mib(f.baselineRss), digits: 1, detail: `heap used ${fmt(mib(f.baselineHeapUsed), 1)} MB` }),
    makeRow({
      bench: BENCH,
      case: `client RSS peak, ${calls} calls in flight`,
      unit: 'MB',
      value: mib(f.peakRss),
      digits: 1,
      detail: `heap peak ${fmt(mib(f.peakHeapUsed), 1)} MB; all done in ${fmt(f.elapsedMs, 0)} ms`,
    }),
    makeRow({
      bench: BENCH,
      case: `client RSS per in-flight call, ${calls} calls`,
      unit: 'KB/call',
      value: (f.peakRss - f.baselineRss) / 1024 / f.calls,
      digits: 1,
      detail: `(peak − start) / calls; heap ${fmt((f.peakHeapUsed - f.baselineHeapUsed) / 1024 / f.calls, 1)} KB/call`,
      target: { op: '<=', threshold: 10 },
    }),
    makeRow({
      bench: BENCH,
      case: 'client RSS growth after calls + GC + settle',
      unit: 'MB',
      value: mib(f.settledRss - f.baselineRss),
      digits: 1,
      detail: `right after: ${signedMb(f.afterRss - f.baselineRss)}; heap ${signedMb(f.settledHeapUsed - f.baselineHeapUsed)}${note}`,
      target: { op: '<=', threshold: 20 },
    }),
  ];
}
