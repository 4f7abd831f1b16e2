import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, BatchSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { BenchEcho } from './bench-endpoints';
import { routedClient } from './clients';
import { runLoad, type LoadResult } from './load';
import type { Progress } from './progress';
import { fmt, makeRow, type ResultRow } from './report';
import { spread } from './stats';

/** Sizes of the observability-overhead benchmark. */
export interface ObservabilityOverheadOptions {
  rounds: number;
  concurrencies: readonly number[];
  callsPerRound: number;
  warmupCalls: number;
}

/** Full run: 8 rounds (each variant goes first 4 times) at concurrency 1 and 16. */
export const OBSERVABILITY_FULL: ObservabilityOverheadOptions = { rounds: 8, concurrencies: [1, 16], callsPerRound: 1_000, warmupCalls: 300 };
/** `--quick`: 2 short rounds. */
export const OBSERVABILITY_QUICK: ObservabilityOverheadOptions = { rounds: 2, concurrencies: [1, 16], callsPerRound: 200, warmupCalls: 100 };

const BENCH = '8 observability';

/** An exporter that takes every span and keeps none: the SDK's whole pipeline runs, nothing accumulates. */
class DroppingExporter implements SpanExporter {
  exported = 0;
  export(spans: ReadableSpan[], done: (result: { code: 0 }) => void): void {
    this.exported += spans.length;
    done({ code: 0 });
  }
  async shutdown(): Promise<void> {}
}

/**
 * Benchmark 8: the routed `echo` call with observability on — an OpenTelemetry SDK tracer
 * provider (BasicTracerProvider, a BatchSpanProcessor — what production uses — and an exporter that drops what it gets)
 * with the async-hooks context manager, and the runtime's Prometheus metrics — against both off
 * (no SDK registered, `metricsRegistry: false`), to the same worker, rounds alternating which
 * goes first. Row: the per-round ratio of throughputs on/off (target ≥ 0.9) at each concurrency.
 */
export async function benchObservabilityOverhead(workerUrl: string, options: ObservabilityOverheadOptions, progress: Progress): Promise<ResultRow[]> {
  const on = routedClient(workerUrl);
  const off = routedClient(workerUrl, { metricsRegistry: false });
  const exporter = new DroppingExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] });
  const contextManager = new AsyncLocalStorageContextManager();
  const enable = (yes: boolean): void => {
    trace.disable();
    context.disable();
    if (!yes) return;
    context.setGlobalContextManager(contextManager.enable());
    trace.setGlobalTracerProvider(provider);
  };
  const calls = { on: () => on.get(BenchEcho).echo('hello'), off: () => off.get(BenchEcho).echo('hello') };
  const rows: ResultRow[] = [];
  try {
    for (const concurrency of options.concurrencies) {
      progress(`observability: concurrency ${concurrency}, ${options.rounds} rounds × 2 variants × ${options.callsPerRound} calls`);
      const results: Record<'on' | 'off', LoadResult[]> = { on: [], off: [] };
      for (const name of ['on', 'off'] as const) {
        enable(name === 'on');
        await runLoad(calls[name], options.warmupCalls, concurrency);
      }
      for (let round = 0; round < options.rounds; round++) {
        for (const name of round % 2 === 0 ? (['on', 'off'] as const) : (['off', 'on'] as const)) {
          enable(name === 'on');
          results[name].push(await runLoad(calls[name], options.callsPerRound, concurrency));
        }
      }
      await provider.forceFlush();
      if (exporter.exported === 0) throw new Error('the tracer exported no span: observability was not on');
      rows.push(...observabilityRows(concurrency, results));
    }
  } finally {
    enable(false);
    await provider.shutdown();
    await Promise.allSettled([on.close(), off.close()]);
  }
  return rows;
}

/** The rows: each variant's median calls/s with its client CPU, and the per-round ratio on/off (target ≥ 0.9). */
export function observabilityRows(concurrency: number, results: Readonly<Record<'on' | 'off', readonly LoadResult[]>>): ResultRow[] {
  const median = (name: 'on' | 'off') => spread(results[name].map((r) => r.callsPerSecond));
  const cpu = (name: 'on' | 'off') => spread(results[name].map((r) => r.cpuUsPerCall)).median;
  const ratios = results.on.map((r, i) => r.callsPerSecond / results.off[i]!.callsPerSecond);
  return [
    makeRow({ bench: BENCH, case: `routed echo, tracer + metrics on, c=${concurrency}`, unit: 'calls/s', value: median('on'), detail: `client CPU ${fmt(cpu('on'), 0)} µs/call` }),
    makeRow({ bench: BENCH, case: `routed echo, both off, c=${concurrency}`, unit: 'calls/s', value: median('off'), detail: `client CPU ${fmt(cpu('off'), 0)} µs/call` }),
    makeRow({ bench: BENCH, case: `on / off throughput, c=${concurrency}`, unit: '×', value: spread(ratios), digits: 2, detail: 'per-round ratio', target: { op: '>=', threshold: 0.9 } }),
  ];
}
