import runpodSdk from 'runpod-sdk';
import { SwitchyardError } from '../src/errors';
import { BENCH_ENDPOINT, BENCH_KEY, BenchEcho } from './bench-endpoints';
import { benchInvocation, routedClient } from './clients';
import { runLoad } from './load';
import type { Progress } from './progress';
import { fmt, makeRow, type ResultRow } from './report';
import { elapsedNs, spread } from './stats';

/** Sizes of the streaming and fan-out benchmark. */
export interface StreamingOptions {
  /** Measured rounds; each runs both variants of each case, the order alternating. */
  rounds: number;
  /** Chunks of one streamed call. */
  chunks: number;
  /** Calls of one `map` run (and of the hand-pooled run it is compared with). */
  mapCalls: number;
  /** In flight at once in both map variants. */
  mapConcurrency: number;
}

export const STREAMING_FULL: StreamingOptions = { rounds: 6, chunks: 5_000, mapCalls: 4_000, mapConcurrency: 64 };
export const STREAMING_QUICK: StreamingOptions = { rounds: 2, chunks: 1_000, mapCalls: 800, mapConcurrency: 64 };

const BENCH = '9 streaming & map';

/** A variant's rate (items per second) in one round. */
async function rate(items: number, run: () => Promise<number>): Promise<number> {
  const started = process.hrtime.bigint();
  const got = await run();
  if (got !== items) throw new SwitchyardError(`a streaming benchmark variant delivered ${got} items instead of ${items}.`);
  return items / (elapsedNs(started) / 1e9);
}

/**
 * Benchmark 9: (s) Switchyard's streamed call `for await (… of runtime.call(BenchEcho, 'count',
 * [n]))` (a `/run`, then `/stream?wait=` long polls, superjson per chunk) against (r) runpod-sdk's
 * `run()` + `stream(id)` loop reading the same method's job from the same worker (its raw poll
 * loop; chunks only JSON-parsed, not decoded): chunks per second, ratio s/r per round. Then
 * `runtime.map(BenchEcho, 'add', …, { concurrency: 64 })` against the same calls kept 64 in flight
 * by hand (`runtime.call` in 64 closed-loop lanes): what map's ordering and bounding cost.
 */
export async function benchStreaming(workerUrl: string, options: StreamingOptions, progress: Progress): Promise<ResultRow[]> {
  const runtime = routedClient(workerUrl);
  const sdk = runpodSdk(BENCH_KEY, { baseUrl: `${workerUrl}/v2` }).endpoint(BENCH_ENDPOINT);
  if (!sdk) throw new SwitchyardError(`runpod-sdk gave no client for endpoint ${BENCH_ENDPOINT}.`);
  try {
    const n = options.chunks;
    const switchyard = async (): Promise<number> => {
      let seen = 0;
      for await (const value of runtime.call(BenchEcho, 'count', [n])) {
        if (value !== seen) throw new SwitchyardError(`the routed stream yielded ${value} at position ${seen}.`);
        seen++;
      }
      return seen;
    };
    const floor = async (): Promise<number> => {
      const job = await sdk.run({ input: benchInvocation('count', [n]) as unknown as Record<string, unknown> });
      let seen = 0;
      for await (const item of sdk.stream(job.id)) {
        if ((item as { output?: { chunk?: { json?: unknown } } }).output?.chunk?.json !== seen) throw new SwitchyardError(`runpod-sdk's stream yielded ${JSON.stringify(item).slice(0, 200)} at position ${seen}.`);
        seen++;
      }
      return seen;
    };
    const items = Array.from({ length: options.mapCalls }, (_, i) => [i, 1] as [number, number]);
    const mapped = async (): Promise<number> => {
      let at = 0;
      for await (const sum of runtime.map(BenchEcho, 'add', items, { concurrency: options.mapConcurrency })) {
        if (sum !== at + 1) throw new SwitchyardError(`map yielded ${sum} at position ${at}.`);
        at++;
      }
      return at;
    };
    const echo = runtime.get(BenchEcho);
    const pooled = async (): Promise<number> => (await runLoad((i) => echo.add(i, 1), options.mapCalls, options.mapConcurrency)).calls;
    progress(`streaming & map: warm-up, then ${options.rounds} rounds of ${n} chunks and ${options.mapCalls} map calls at c=${options.mapConcurrency}`);
    await switchyard();
    await floor();
    await mapped();
    await pooled();
    const rates = { s: [] as number[], r: [] as number[], m: [] as number[], p: [] as number[] };
    for (let round = 0; round < options.rounds; round++) {
      const flip = round % 2 === 1;
      for (const key of flip ? (['r', 's'] as const) : (['s', 'r'] as const)) rates[key].push(await rate(n, key === 's' ? switchyard : floor));
      for (const key of flip ? (['p', 'm'] as const) : (['m', 'p'] as const)) rates[key].push(await rate(options.mapCalls, key === 'm' ? mapped : pooled));
    }
    const ratio = (x: number[], y: number[]) => spread(x.map((v, i) => v / y[i]!));
    return [
      makeRow({ bench: BENCH, case: `(s) routed stream of ${n} chunks`, unit: 'chunks/s', value: spread(rates.s) }),
      makeRow({ bench: BENCH, case: `(r) runpod-sdk run() + stream() of the same job`, unit: 'chunks/s', value: spread(rates.r) }),
      makeRow({ bench: BENCH, case: 's/r throughput (routed / runpod-sdk)', unit: '×', value: ratio(rates.s, rates.r), digits: 2, detail: 'per-round ratio', target: { op: '>=', threshold: 1 } }),
      makeRow({ bench: BENCH, case: `(m) runtime.map, ${options.mapCalls} calls, c=${options.mapConcurrency}`, unit: 'calls/s', value: spread(rates.m) }),
      makeRow({ bench: BENCH, case: `(p) runtime.call in ${options.mapConcurrency} lanes, same calls`, unit: 'calls/s', value: spread(rates.p) }),
      makeRow({ bench: BENCH, case: 'm/p throughput (map / hand-pooled calls)', unit: '×', value: ratio(rates.m, rates.p), digits: 2, detail: `per-round ratio; map ${fmt(spread(rates.m).median, 0)} calls/s`, target: { op: '>=', threshold: 0.9 } }),
    ];
  } finally {
    await runtime.close();
  }
}
