// A benchmark child (run with --expose-gc): a pure client runtime that starts N slow routed
// calls at once against the worker and samples its own RSS. Prints one JSON line of figures.
// Arguments: <workerUrl> <calls> <sleepMs> <settleMs>
import 'reflect-metadata';
import { setTimeout as sleep } from 'node:timers/promises';
import { BenchEcho } from './bench-endpoints';
import { routedClient } from './routed-client';
import { report } from './child-report';

/** Figures the memory child reports, bytes and ms. */
export interface MemoryFigures {
  calls: number;
  baselineRss: number;
  peakRss: number;
  /** Right after the calls finished and a full GC. */
  afterRss: number;
  /** `settleMs` later, after another GC (idle keep-alive connections may still be open). */
  settledRss: number;
  peakHeapUsed: number;
  baselineHeapUsed: number;
  settledHeapUsed: number;
  elapsedMs: number;
  gcAvailable: boolean;
}

async function collect(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; i < 3; i++) {
    gc?.();
    await sleep(50);
  }
}

async function main(): Promise<void> {
  const [workerUrl, callsArg, sleepArg, settleArg] = process.argv.slice(2);
  const calls = Number(callsArg);
  const sleepMs = Number(sleepArg);
  const settleMs = Number(settleArg);
  const runtime = routedClient(workerUrl!);
  const slow = runtime.get(BenchEcho);
  // Warm up code paths so the baseline includes the loaded program and a warm connection. The
  // baseline is then taken after the same idle time and GC as the final figure, so the two
  // compare like with like: measured here, an RSS taken 0.5 s after the warm-up read about
  // 20 MB more than one taken 6 s after it.
  for (let i = 0; i < 20; i++) await slow.sleep(1);
  await sleep(settleMs);
  await collect();
  const baseline = process.memoryUsage();
  let peakRss = baseline.rss;
  let peakHeapUsed = baseline.heapUsed;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeapUsed = Math.max(peakHeapUsed, m.heapUsed);
  }, 20);
  const started = Date.now();
  let pending: Array<Promise<number>> | undefined = Array.from({ length: calls }, () => slow.sleep(sleepMs));
  const answers = await Promise.all(pending);
  const elapsedMs = Date.now() - started;
  clearInterval(sampler);
  if (answers.some((a) => a !== sleepMs)) throw new Error('a slow call returned the wrong answer');
  pending = undefined;
  answers.length = 0;
  await collect();
  const afterRss = process.memoryUsage.rss();
  await sleep(settleMs);
  await collect();
  const settled = process.memoryUsage();
  const figures: MemoryFigures = {
    calls,
    baselineRss: baseline.rss,
    peakRss,
    afterRss,
    settledRss: settled.rss,
    baselineHeapUsed: baseline.heapUsed,
    peakHeapUsed,
    settledHeapUsed: settled.heapUsed,
    elapsedMs,
    gcAvailable: typeof (globalThis as { gc?: unknown }).gc === 'function',
  };
  report(figures);
  await runtime.close();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`memory benchmark child failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
