import { startChild } from './child-process';
import { benchInvocation, RUNSYNC_PATH, undiciJobClient, type UndiciJobClient } from './clients';
import { runLoad } from './load';
import { processCpuMs } from './process-cpu';
import type { Progress } from './progress';
import { fmt, makeRow, type ResultRow } from './report';
import { spread } from './stats';

/** Sizes of the worker-server benchmark. */
export interface WorkerServerOptions {
  rounds: number;
  /** Requests per server per round. */
  requests: number;
  concurrency: number;
  warmupRequests: number;
}

/** Full run: 8 rounds (each server goes first 4 times) of 5,000 requests at concurrency 64. */
export const WORKER_SERVER_FULL: WorkerServerOptions = { rounds: 8, requests: 5_000, concurrency: 64, warmupRequests: 1_000 };
/** `--quick`: 4 rounds of 1,000 requests. */
export const WORKER_SERVER_QUICK: WorkerServerOptions = { rounds: 4, requests: 1_000, concurrency: 64, warmupRequests: 300 };

const BENCH = '5 worker server';

/** The two servers compared. */
export type WorkerServerName = 'serve' | 'bare';

/** One `add(a, b)` job with fresh numbers (and callId); the server must answer their sum. */
async function postAdd(client: UndiciJobClient, index: number): Promise<void> {
  const a = index;
  const b = index % 97;
  const sum = await client.run(RUNSYNC_PATH, benchInvocation('add', [a, b]));
  if (sum !== a + b) throw new Error(`add(${a}, ${b}) answered ${JSON.stringify(sum)}`);
}

/**
 * Benchmark 5: runsync throughput of Switchyard's worker (`serve()`, a child process) calling
 * `BenchEcho.add(a, b)`, against a bare node:http server (another child) that parses the job,
 * adds the two numbers and answers in RunPod's shape. Both are driven by the same client code:
 * an undici Pool per server with the same options, `concurrency` requests in flight, bodies of
 * the same shape (fetch would make the client the bottleneck and hide the worker's cost).
 * Rounds alternate which server goes first. Also reports each server's CPU time per request
 * (from /proc), which the client's own speed does not limit.
 */
export async function benchWorkerServer(workerUrl: string, workerPid: number, options: WorkerServerOptions, progress: Progress): Promise<ResultRow[]> {
  const bare = await startChild<{ url: string; pid: number }>('worker-process.ts', ['bare']);
  const clients = { serve: undiciJobClient(workerUrl), bare: undiciJobClient(bare.info.url) };
  try {
    const pids: Record<WorkerServerName, number> = { serve: workerPid, bare: bare.info.pid };
    const names: WorkerServerName[] = ['serve', 'bare'];
    const rps: Record<WorkerServerName, number[]> = { serve: [], bare: [] };
    const cpuUs: Record<WorkerServerName, number[]> = { serve: [], bare: [] };
    progress(`worker server: ${options.rounds} rounds × 2 servers × ${options.requests} requests at concurrency ${options.concurrency}`);
    for (const name of names) await runLoad((i) => postAdd(clients[name], i), options.warmupRequests, options.concurrency);
    for (let round = 0; round < options.rounds; round++) {
      for (const name of round % 2 === 0 ? names : [...names].reverse()) {
        const cpuBefore = processCpuMs(pids[name]);
        const result = await runLoad((i) => postAdd(clients[name], i), options.requests, options.concurrency);
        const cpuAfter = processCpuMs(pids[name]);
        rps[name].push(result.callsPerSecond);
        if (cpuBefore !== undefined && cpuAfter !== undefined) cpuUs[name].push(((cpuAfter - cpuBefore) * 1000) / options.requests);
      }
    }
    return workerServerRows(options.concurrency, rps, cpuUs);
  } finally {
    await Promise.allSettled([clients.serve.close(), clients.bare.close()]);
    await bare.stop();
  }
}

/**
 * The rows: each server's median req/s over rounds with its server CPU per request, the
 * per-round throughput ratio serve/bare (target ≥ 0.6), and the per-round CPU ratio bare/serve.
 * `rps[name][round]` and `cpuUs[name][round]` are one server's figures in one round; `cpuUs` is
 * empty where /proc is not available.
 */
export function workerServerRows(
  concurrency: number,
  rps: Readonly<Record<WorkerServerName, readonly number[]>>,
  cpuUs: Readonly<Record<WorkerServerName, readonly number[]>>,
): ResultRow[] {
  const c = concurrency;
  const cpuDetail = (name: WorkerServerName) => (cpuUs[name].length > 0 ? `server CPU ${fmt(spread(cpuUs[name]).median, 0)} µs/request` : 'server CPU n/a');
  return [
    makeRow({ bench: BENCH, case: `serve() runsync add(a, b), undici c=${c}`, unit: 'req/s', value: spread(rps.serve), detail: cpuDetail('serve') }),
    makeRow({ bench: BENCH, case: `bare node:http job server, undici c=${c}`, unit: 'req/s', value: spread(rps.bare), detail: cpuDetail('bare') }),
    makeRow({
      bench: BENCH,
      case: 'serve() / bare throughput',
      unit: '×',
      value: spread(rps.serve.map((v, i) => v / rps.bare[i]!)),
      digits: 2,
      detail: 'per-round ratio',
      target: { op: '>=', threshold: 0.6 },
    }),
    ...(cpuUs.serve.length > 0
      ? [
          makeRow({
            bench: BENCH,
            case: 'bare / serve() server CPU per request',
            unit: '×',
            value: spread(cpuUs.bare.map((v, i) => v / cpuUs.serve[i]!)),
            digits: 2,
            detail: 'per-round ratio; efficiency, not limited by the client',
          }),
        ]
      : []),
  ];
}
