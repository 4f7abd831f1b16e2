import { BenchEcho } from './bench-endpoints';
import { echoInvocation, fetchRunsync, routedClient, RUNSYNC_PATH, sdkEndpoint, undiciJobClient } from './clients';
import { runLoad, type LoadResult } from './load';
import type { Progress } from './progress';
import { fmt, makeRow, type ResultRow } from './report';
import { latencySummary, spread } from './stats';

/** Sizes of the remote-call benchmark. */
export interface RemoteCallsOptions {
  /** Measured rounds; each round runs every variant once. */
  rounds: number;
  /** Concurrency levels, each measured separately. */
  concurrencies: readonly number[];
  /** Calls per variant per round at concurrency 1; higher levels get `callsPerRoundMany`. */
  callsPerRoundOne: number;
  callsPerRoundMany: number;
  /** Unmeasured calls per variant before the first round (JIT, connection pool). */
  warmupCalls: number;
}

/** Full run: 8 rounds (each of the 4 variants takes each place in the order twice) at concurrency 1 and 64. */
export const REMOTE_CALLS_FULL: RemoteCallsOptions = { rounds: 8, concurrencies: [1, 64], callsPerRoundOne: 1_000, callsPerRoundMany: 3_000, warmupCalls: 500 };
/** `--quick`: 3 short rounds. */
export const REMOTE_CALLS_QUICK: RemoteCallsOptions = { rounds: 3, concurrencies: [1, 64], callsPerRoundOne: 250, callsPerRoundMany: 800, warmupCalls: 200 };

const BENCH = '1 remote calls';
const VALUE = 'hello';

/** The four ways of making the call: (a) routed, (u) undici floor, (f) fetch, (c) runpod-sdk. */
export type RemoteCallVariant = 'a' | 'u' | 'f' | 'c';

/** What each variant's rows are called, in the order they are printed. */
export const REMOTE_CALL_LABELS: Readonly<Record<RemoteCallVariant, string>> = {
  a: 'routed runtime.get(Cls).echo()',
  u: 'undici Pool.request /runsync (floor)',
  f: 'global fetch /runsync',
  c: 'runpod-sdk runSync',
};

const VARIANT_KEYS = Object.keys(REMOTE_CALL_LABELS) as RemoteCallVariant[];

/**
 * Benchmark 1: the same call to the same worker four ways — (a) Switchyard's routed call
 * `runtime.get(BenchEcho).echo(x)` from a pure client runtime, (u) undici's `Pool.request` POST
 * of the very same body to the same runsync URL, the floor of a Node client, (f) the global
 * fetch of that body, (c) runpod-sdk's runSync — at each concurrency. The variants run
 * interleaved in rounds, and the order rotates each round, so machine noise and GC debt hit all
 * four alike. Ratios are taken per round (a and u of the same round, and so on) and their median
 * reported: a/u (target ≥ 0.8), a/f (no target), a/c (target ≥ 2).
 */
export async function benchRemoteCalls(workerUrl: string, options: RemoteCallsOptions, progress: Progress): Promise<ResultRow[]> {
  const runtime = routedClient(workerUrl);
  const floor = undiciJobClient(workerUrl);
  try {
    const routed = runtime.get(BenchEcho);
    const sdk = sdkEndpoint(workerUrl);
    const calls: Record<RemoteCallVariant, () => Promise<unknown>> = {
      a: () => routed.echo(VALUE),
      u: () => floor.run(RUNSYNC_PATH, echoInvocation(VALUE)),
      f: () => fetchRunsync(workerUrl, VALUE),
      c: () => sdk.runSync(VALUE),
    };
    const variants = VARIANT_KEYS.map((key) => ({ key, label: REMOTE_CALL_LABELS[key], call: calls[key] }));
    for (const v of variants) {
      const answer = await v.call();
      if (answer !== VALUE) throw new Error(`${v.label} answered ${JSON.stringify(answer)} instead of ${JSON.stringify(VALUE)}`);
    }
    const rows: ResultRow[] = [];
    for (const concurrency of options.concurrencies) {
      const perRound = concurrency === 1 ? options.callsPerRoundOne : options.callsPerRoundMany;
      progress(`remote calls: concurrency ${concurrency}, ${options.rounds} rounds × ${variants.length} variants × ${perRound} calls`);
      for (const v of variants) await runLoad(v.call, options.warmupCalls, concurrency);
      const results = Object.fromEntries(VARIANT_KEYS.map((key) => [key, [] as LoadResult[]])) as Record<RemoteCallVariant, LoadResult[]>;
      for (let round = 0; round < options.rounds; round++) {
        for (let i = 0; i < variants.length; i++) {
          const v = variants[(round + i) % variants.length]!;
          results[v.key].push(await runLoad(v.call, perRound, concurrency));
        }
      }
      rows.push(...remoteCallRows(concurrency, results));
    }
    return rows;
  } finally {
    await Promise.all([runtime.close(), floor.close()]);
  }
}

/**
 * The rows of one concurrency level: one per variant (median calls/s over rounds, pooled
 * latency percentiles, client CPU per call), then the per-round ratios a/u (target ≥ 0.8), a/f
 * (no target) and a/c (target ≥ 2). `results[key][round]` is that variant's burst in that round.
 */
export function remoteCallRows(concurrency: number, results: Readonly<Record<RemoteCallVariant, readonly LoadResult[]>>): ResultRow[] {
  const rows = VARIANT_KEYS.map((key) => {
    const own = results[key];
    const latency = latencySummary(own.map((r) => r.latenciesNs));
    return makeRow({
      bench: BENCH,
      case: `(${key}) ${REMOTE_CALL_LABELS[key]}, c=${concurrency}`,
      unit: 'calls/s',
      value: spread(own.map((r) => r.callsPerSecond)),
      detail: `p50 ${fmt(latency.p50Ms, 2)} / p99 ${fmt(latency.p99Ms, 2)} ms; client CPU ${fmt(spread(own.map((r) => r.cpuUsPerCall)).median, 0)} µs/call`,
    });
  });
  const ratio = (x: RemoteCallVariant, y: RemoteCallVariant) => spread(results[x].map((r, round) => r.callsPerSecond / results[y][round]!.callsPerSecond));
  const c = `c=${concurrency}`;
  rows.push(
    makeRow({ bench: BENCH, case: `a/u throughput (routed / undici floor), ${c}`, unit: '×', value: ratio('a', 'u'), digits: 2, detail: 'per-round ratio', target: { op: '>=', threshold: 0.8 } }),
    makeRow({ bench: BENCH, case: `a/f throughput (routed / fetch), ${c}`, unit: '×', value: ratio('a', 'f'), digits: 2, detail: 'per-round ratio' }),
    makeRow({ bench: BENCH, case: `a/c throughput (routed / runpod-sdk), ${c}`, unit: '×', value: ratio('a', 'c'), digits: 2, detail: 'per-round ratio', target: { op: '>=', threshold: 2 } }),
  );
  return rows;
}
