// `pnpm bench [--quick] [--only=1,4] [--out=FILE]`: runs Switchyard's benchmarks and prints one
// table. Complete full runs write bench/RESULTS.md; --out=FILE writes any run's results there. Exit code 0
// whenever the benchmarks ran, targets missed or not; non-zero only when something crashed.
import 'reflect-metadata';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { startChild, type BenchChild } from './child-process';
import { benchDirectoryStampede, DIRECTORY_STAMPEDE_FULL, DIRECTORY_STAMPEDE_QUICK } from './directory-stampede';
import { benchLocalOverhead, LOCAL_OVERHEAD_FULL, LOCAL_OVERHEAD_QUICK } from './local-overhead';
import { benchMemory, MEMORY_FULL, MEMORY_QUICK } from './memory';
import { benchObservabilityOverhead, OBSERVABILITY_FULL, OBSERVABILITY_QUICK } from './observability-overhead';
import { benchRecovery, RECOVERY_FULL, RECOVERY_QUICK } from './recovery';
import { benchRemoteCalls, REMOTE_CALLS_FULL, REMOTE_CALLS_QUICK } from './remote-calls';
import { benchStreaming, STREAMING_FULL, STREAMING_QUICK } from './streaming';
import { benchSerialization, SERIALIZATION_FULL, SERIALIZATION_QUICK } from './serialization';
import { benchWorkerServer, WORKER_SERVER_FULL, WORKER_SERVER_QUICK } from './worker-server';
import { stderrProgress } from './progress';
import { describeMachine, machineInfo, missedTargets, renderResultsFile, renderTable, spliceReadmeTable, type ResultRow } from './report';

/** How the figures were taken; printed under the table in the results file. */
const METHOD_NOTES: readonly string[] = [
  'Benchmarks 1, 3 and 5 run the client in the benchmark process and the worker (`serve()`, http mode, concurrency 20,000) in a child process, so each side has a core of its own. Benchmark 5 adds a bare server child; benchmark 6 runs its client in a second child; benchmark 7 runs two workers of its own.',
  '1: the four variants run interleaved in rounds, their order rotating each round; ratios are taken per round and the median shown. (u) and (f) post the very body a routed call sends (`{input: invocation}`, a fresh callId each) to the same `/runsync?wait=` URL; (u) uses one undici `Pool` (keep-alive, as many connections as the executor allows per address). "client CPU" is the benchmark process\'s CPU time per call, the least noisy figure of a client\'s cost.',
  '2: ns per call over millions of iterations of a synchronous method; "added" is the variant minus the plain instance in the same round.',
  '3: a fresh runtime and HttpDirectory per round; the request count is read from the directory server.',
  '4: encode → JSON.stringify → JSON.parse → decode, the path of a real call; MB = 2^20 raw bytes (for the graph, bytes of its plain JSON). The binary target is the per-round ratio to base64 inside JSON with no superjson.',
  '5: the same undici client code (one keep-alive Pool per server, same options, 64 requests in flight) against both servers, rounds alternating which goes first; each request is `add(a, b)` with fresh numbers and callId; server CPU per request is read from /proc (10 ms ticks).',
  '6: the client runs as plain `node --expose-gc` on JavaScript compiled from the sources (the TypeScript loader alone adds ~80 MB of RSS). The start figure is taken after a warm-up, the same idle time as the final figure and a forced GC; RSS is sampled every 20 ms during the calls; the final figure is taken that idle time after the calls end and another GC. Idle keep-alive connections are still open then (the client closes them after 30 s).',
  '7: two workers (`serve()`, each its own child process) listed as replicas in one client\'s StaticDirectory; 16 closed-loop callers of the non-idempotent `work(5 ms)` run throughout. Each round SIGKILLs one worker (the victim alternates), waits, restarts it on the same port and waits for a call to be answered by it. Failures are attributed to the latest kill before them; a failure before the first kill fails the benchmark. Client defaults throughout (breaker threshold 5, open circuits probed on the health route every 500 ms).',
  '8: two pure client runtimes to the shared worker: one with an OpenTelemetry SDK tracer provider registered (BasicTracerProvider, BatchSpanProcessor, an exporter that drops spans, the async-hooks context manager) and its Prometheus metrics on, one with no SDK and `metricsRegistry: false`; rounds alternate which goes first, the provider is registered only for the "on" rounds, and the ratio is taken per round.',
  '9: the worker is the shared one (http mode). (s) and (r) read the same method\'s job, a fresh one each round: (s) through the router (`/run`, then `/stream?wait=` long polls, superjson per chunk), (r) with runpod-sdk\'s `run()` and its `stream()` loop (polls without wait; chunks JSON-parsed only). (m) and (p) make the same `add` calls, 64 in flight: (m) through `runtime.map` (results in input order), (p) `runtime.call` in 64 closed-loop lanes. Variants alternate which goes first; ratios per round.',
];

interface Args {
  quick: boolean;
  only: Set<number> | undefined;
  out: string | undefined;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { quick: false, only: undefined, out: undefined };
  for (const arg of argv) {
    if (arg === '--quick') args.quick = true;
    else if (arg.startsWith('--only=')) args.only = new Set(arg.slice(7).split(',').map(Number));
    else if (arg.startsWith('--out=')) args.out = resolve(arg.slice(6));
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write('Usage: pnpm bench [--quick] [--only=1,2,...,9] [--out=results.md]\n');
      process.exit(0);
    } else {
      process.stderr.write(`unknown argument ${JSON.stringify(arg)}; see --help\n`);
      process.exit(2);
    }
  }
  return args;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const mode = args.quick ? 'quick' : 'full';
  const machine = machineInfo(mode);
  const wanted = (n: number) => !args.only || args.only.has(n);
  const started = Date.now();
  process.stderr.write(`Switchyard benchmarks — ${describeMachine(machine)}\n`);
  const rows: ResultRow[] = [];
  const notes = METHOD_NOTES;
  const q = args.quick;
  const p = stderrProgress;
  let worker: BenchChild<{ url: string; pid: number }> | undefined;
  try {
    // One worker child serves benchmarks 1, 3, 5 and 6; the client side runs here (or, for 6, in its own child).
    // Benchmark 5 adds a bare server child; benchmark 7 starts, kills and restarts two workers of its own.
    if ([1, 3, 5, 6, 8, 9].some(wanted)) worker = await startChild<{ url: string; pid: number }>('worker-process.ts', ['serve']);
    const url = worker?.info.url ?? '';
    if (wanted(1)) rows.push(...(await benchRemoteCalls(url, q ? REMOTE_CALLS_QUICK : REMOTE_CALLS_FULL, p)));
    if (wanted(2)) rows.push(...(await benchLocalOverhead(q ? LOCAL_OVERHEAD_QUICK : LOCAL_OVERHEAD_FULL, p)));
    if (wanted(3)) rows.push(...(await benchDirectoryStampede(url, q ? DIRECTORY_STAMPEDE_QUICK : DIRECTORY_STAMPEDE_FULL, p)));
    if (wanted(4)) rows.push(...(await benchSerialization(q ? SERIALIZATION_QUICK : SERIALIZATION_FULL, p)));
    if (wanted(5)) rows.push(...(await benchWorkerServer(url, worker!.info.pid, q ? WORKER_SERVER_QUICK : WORKER_SERVER_FULL, p)));
    if (wanted(6)) rows.push(...(await benchMemory(url, q ? MEMORY_QUICK : MEMORY_FULL, p)));
    if (wanted(8)) rows.push(...(await benchObservabilityOverhead(url, q ? OBSERVABILITY_QUICK : OBSERVABILITY_FULL, p)));
    if (wanted(9)) rows.push(...(await benchStreaming(url, q ? STREAMING_QUICK : STREAMING_FULL, p)));
    // The shared worker is done: stopped now, it takes no core from benchmark 7's processes.
    await worker?.stop();
    if (wanted(7)) rows.push(...(await benchRecovery(q ? RECOVERY_QUICK : RECOVERY_FULL, p)));
  } finally {
    await worker?.stop();
  }
  process.stdout.write(`\nSwitchyard benchmarks — ${describeMachine(machine)}\n\n${renderTable(rows)}\n\n`);
  const missed = missedTargets(rows);
  process.stdout.write(missed.length === 0 ? 'All targets met.\n' : `Missed targets: ${missed.map((r) => `${r.bench} / ${r.case}`).join('; ')}\n`);
  process.stdout.write(`Took ${((Date.now() - started) / 1000).toFixed(1)} s.\n`);
  // bench/RESULTS.md holds complete full runs only; --out writes any run anywhere.
  const out = args.out ?? (args.quick || args.only ? undefined : resolve(__dirname, 'RESULTS.md'));
  if (out) {
    writeFileSync(out, renderResultsFile(rows, machine, notes));
    process.stdout.write(`Results written to ${out}\n`);
  }
  // A complete full run is also the README's table.
  if (!args.quick && !args.only && !args.out) {
    const readme = resolve(__dirname, '../../../README.md');
    writeFileSync(readme, spliceReadmeTable(readFileSync(readme, 'utf8'), rows, machine));
    process.stdout.write(`README table updated: ${readme}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`benchmark crashed: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
});
