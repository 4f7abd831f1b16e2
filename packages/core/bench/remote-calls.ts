import { BenchEcho } from './bench-endpoints';
import { endpointAddress, fetchRunsync, routedClient, sdkEndpoint } from './clients';
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

/** Full run: 7 rounds at concurrency 1 and 64. */
export const REMOTE_CALLS_FULL: RemoteCallsOptions = { rounds: 7, concurrencies: [1, 64], callsPerRoundOne: 1_500, callsPerRoundMany: 4_000, warmupCalls: 500 };
/** `--quick`: 3 short rounds. */
export const REMOTE_CALLS_QUICK: RemoteCallsOptions = { rounds: 3, concurrencies: [1, 64], callsPerRoundOne: 250, callsPerRoundMany: 800, warmupCalls: 200 };

const BENCH = '1 remote calls';
const VALUE = 'hello';

interface Variant {
  key: 'a' | 'b' | 'c';
  label: string;
  call: () => Promise<unknown>;
}

/**
 * Benchmark 1: the same call to the same worker three ways — (a) Switchyard's routed call
 * `runtime.get(BenchEcho).echo(x)` from a pure client runtime, (b) a hand-written fetch POST
 * to /runsync, (c) runpod-sdk's runSync — at each concurrency. The variants run interleaved
 * in rounds, and the order rotates each round, so machine noise and GC debt hit all three
 * alike. Ratios are taken per round (a and b of the same round) and their median reported.
 */
export async function benchRemoteCalls(workerUrl: string, options: RemoteCallsOptions, progress: Progress): Promise<ResultRow[]> {
  const runtime = routedClient(workerUrl);
  try {
    const routed = runtime.get(BenchEcho);
    const address = endpointAddress(workerUrl);
    const sdk = sdkEndpoint(workerUrl);
    const variants: Variant[] = [
      { key: 'a', label: 'routed runtime.get(Cls).echo()', call: () => routed.echo(VALUE) },
      { key: 'b', label: 'hand-written fetch /runsync', call: () => fetchRunsync(address, VALUE) },
      { key: 'c', label: 'runpod-sdk runSync', call: () => sdk.runSync(VALUE) },
    ];
    for (const v of variants) {
      const answer = await v.call();
      if (answer !== VALUE) throw new Error(`${v.label} answered ${JSON.stringify(answer)} instead of ${JSON.stringify(VALUE)}`);
    }
    const rows: ResultRow[] = [];
    for (const concurrency of options.concurrencies) {
      const calls = concurrency === 1 ? options.callsPerRoundOne : options.callsPerRoundMany;
      progress(`remote calls: concurrency ${concurrency}, ${options.rounds} rounds × 3 variants × ${calls} calls`);
      for (const v of variants) await runLoad(v.call, options.warmupCalls, concurrency);
      const results = new Map<Variant['key'], LoadResult[]>(variants.map((v) => [v.key, []]));
      for (let round = 0; round < options.rounds; round++) {
        for (let i = 0; i < variants.length; i++) {
          const v = variants[(round + i) % variants.length]!;
          results.get(v.key)!.push(await runLoad(v.call, calls, concurrency));
        }
      }
      for (const v of variants) {
        const own = results.get(v.key)!;
        const latency = latencySummary(own.map((r) => r.latenciesNs));
        rows.push(
          makeRow({
            bench: BENCH,
            case: `(${v.key}) ${v.label}, c=${concurrency}`,
            unit: 'calls/s',
            value: spread(own.map((r) => r.callsPerSecond)),
            detail: `p50 ${fmt(latency.p50Ms, 2)} / p99 ${fmt(latency.p99Ms, 2)} ms; client CPU ${fmt(spread(own.map((r) => r.cpuUsPerCall)).median, 0)} µs/call`,
          }),
        );
      }
      const ratio = (x: Variant['key'], y: Variant['key']) =>
        spread(results.get(x)!.map((r, round) => r.callsPerSecond / results.get(y)![round]!.callsPerSecond));
      rows.push(
        makeRow({ bench: BENCH, case: `a/b throughput, c=${concurrency}`, unit: '×', value: ratio('a', 'b'), digits: 2, detail: 'per-round ratio', target: { op: '>=', threshold: 0.85 } }),
        makeRow({ bench: BENCH, case: `a/c throughput, c=${concurrency}`, unit: '×', value: ratio('a', 'c'), digits: 2, detail: 'per-round ratio', target: { op: '>=', threshold: 1.0 } }),
      );
    }
    return rows;
  } finally {
    await runtime.close();
  }
}
