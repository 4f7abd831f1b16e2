import { createRuntime } from '../src/router/runtime';
import { StaticDirectory } from '../src/directory';
import { BENCH_ENDPOINT, BENCH_KEY, BenchEcho } from './bench-endpoints';
import { benchLogger } from './bench-logger';
import type { Progress } from './progress';
import { fmt, makeRow, type ResultRow } from './report';
import { elapsedNs, spread } from './stats';

/** Sizes of the local-overhead benchmark. */
export interface LocalOverheadOptions {
  rounds: number;
  /** Iterations per round of the cheap variants (plain instance, get() once). */
  iterations: number;
  /** Iterations per round of `get()` per call, the slower variant. */
  iterationsPerGet: number;
  /** Iterations per round of the async `runtime.call()` variant. */
  iterationsCall: number;
}

export const LOCAL_OVERHEAD_FULL: LocalOverheadOptions = { rounds: 9, iterations: 5_000_000, iterationsPerGet: 1_000_000, iterationsCall: 200_000 };
export const LOCAL_OVERHEAD_QUICK: LocalOverheadOptions = { rounds: 3, iterations: 1_000_000, iterationsPerGet: 200_000, iterationsCall: 30_000 };

const BENCH = '2 local overhead';

/** Sink for results, so the optimiser cannot drop the calls. */
let sink = 0;

/**
 * Benchmark 2: what routing costs when the endpoint is hosted in this process. A hosted
 * `runtime.get(BenchEcho)` returns the real instance, so the cost is that of `get()` itself:
 * measured once outside the loop (expected: nothing added) and once per call (the container
 * lookup on every call), against the same synchronous method on `new BenchEcho()`. Also
 * reported without a target: `await runtime.call(BenchEcho, 'inc', [i])` (async, runs the
 * method inside a call context) against `await plain.inc(i)`.
 */
export async function benchLocalOverhead(options: LocalOverheadOptions, progress: Progress): Promise<ResultRow[]> {
  const runtime = createRuntime({
    endpoint: BENCH_ENDPOINT,
    directory: new StaticDirectory({}),
    apiKey: BENCH_KEY,
    logger: benchLogger('bench-local'),
    env: {},
  });
  try {
    const plain = new BenchEcho();
    const hosted = runtime.get(BenchEcho);
    if (hosted.incNow(1) !== 2 || !(hosted instanceof BenchEcho)) throw new Error('runtime.get(BenchEcho) did not return the hosted instance');

    const loops: Record<'plain' | 'once' | 'perGet', (n: number) => void> = {
      plain: (n) => {
        let acc = 0;
        for (let i = 0; i < n; i++) acc += plain.incNow(i);
        sink += acc;
      },
      once: (n) => {
        const instance = runtime.get(BenchEcho);
        let acc = 0;
        for (let i = 0; i < n; i++) acc += instance.incNow(i);
        sink += acc;
      },
      perGet: (n) => {
        let acc = 0;
        for (let i = 0; i < n; i++) acc += runtime.get(BenchEcho).incNow(i);
        sink += acc;
      },
    };
    const asyncLoops: Record<'plainAwait' | 'call', (n: number) => Promise<void>> = {
      plainAwait: async (n) => {
        let acc = 0;
        for (let i = 0; i < n; i++) acc += await plain.inc(i);
        sink += acc;
      },
      call: async (n) => {
        let acc = 0;
        for (let i = 0; i < n; i++) acc += await runtime.call(BenchEcho, 'inc', [i]);
        sink += acc;
      },
    };
    const sizes = { plain: options.iterations, once: options.iterations, perGet: options.iterationsPerGet, plainAwait: options.iterationsCall, call: options.iterationsCall };
    const ns: Record<keyof typeof sizes, number[]> = { plain: [], once: [], perGet: [], plainAwait: [], call: [] };
    const measure = async (name: keyof typeof sizes): Promise<void> => {
      const n = sizes[name];
      const started = process.hrtime.bigint();
      if (name === 'plainAwait' || name === 'call') await asyncLoops[name](n);
      else loops[name](n);
      ns[name].push(elapsedNs(started) / n);
    };
    progress(`local overhead: ${options.rounds} rounds`);
    // Warm-up round: lets the JIT optimise every loop before anything is recorded.
    for (const name of Object.keys(sizes) as Array<keyof typeof sizes>) {
      await measure(name);
      ns[name].length = 0;
    }
    for (let round = 0; round < options.rounds; round++) {
      for (const name of Object.keys(sizes) as Array<keyof typeof sizes>) await measure(name);
    }
    const added = (variant: keyof typeof sizes, base: keyof typeof sizes) => spread(ns[variant].map((v, i) => v - ns[base][i]!));
    const plainNs = spread(ns.plain);
    const awaitNs = spread(ns.plainAwait);
    return [
      makeRow({ bench: BENCH, case: 'plain new BenchEcho().inc()', unit: 'ns/call', value: plainNs, digits: 1 }),
      makeRow({
        bench: BENCH,
        case: 'hosted, get() once: added',
        unit: 'ns/call',
        value: added('once', 'plain'),
        digits: 1,
        detail: `${fmt(spread(ns.once).median, 1)} ns/call in all`,
        target: { op: '<', threshold: 1000 },
      }),
      makeRow({
        bench: BENCH,
        case: 'hosted, get() per call: added',
        unit: 'ns/call',
        value: added('perGet', 'plain'),
        digits: 1,
        detail: `${fmt(spread(ns.perGet).median, 1)} ns/call in all`,
        target: { op: '<', threshold: 1000 },
      }),
      makeRow({
        bench: BENCH,
        case: 'hosted runtime.call() vs await plain: added',
        unit: 'ns/call',
        value: added('call', 'plainAwait'),
        digits: 0,
        detail: `${fmt(spread(ns.call).median, 0)} vs ${fmt(awaitNs.median, 0)} ns/call`,
      }),
    ];
  } finally {
    await runtime.close();
  }
}

/** Keeps `sink` observable so the loops have an effect. */
export function localOverheadSink(): number {
  return sink;
}
