import { startChild } from './child-process';
import { echoInvocation, endpointAddress } from './clients';
import { BENCH_KEY } from './bench-endpoints';
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

export const WORKER_SERVER_FULL: WorkerServerOptions = { rounds: 7, requests: 5_000, concurrency: 32, warmupRequests: 1_000 };
export const WORKER_SERVER_QUICK: WorkerServerOptions = { rounds: 3, requests: 1_000, concurrency: 32, warmupRequests: 300 };

const BENCH = '5 worker server';
const HEADERS = { authorization: `Bearer ${BENCH_KEY}`, 'content-type': 'application/json' };

/** One runsync request; the server must answer a COMPLETED job. */
async function post(url: string): Promise<void> {
  const response = await fetch(url, { method: 'POST', headers: HEADERS, body: JSON.stringify({ input: echoInvocation('hello') }) });
  const job = (await response.json()) as { status?: string };
  if (!response.ok || job.status !== 'COMPLETED') throw new Error(`${url} answered HTTP ${response.status} ${JSON.stringify(job).slice(0, 200)}`);
}

/**
 * Benchmark 5: runsync throughput of Switchyard's worker (`serve()`, a child process) against a
 * bare node:http server that parses the JSON body and echoes it as a COMPLETED job (another
 * child), driven by the same client: fetch with keep-alive, `concurrency` requests in flight,
 * identical bodies. Rounds alternate the two servers. Also reports each server's CPU time per
 * request (from /proc), which the client's own speed does not limit.
 */
export async function benchWorkerServer(workerUrl: string, workerPid: number, options: WorkerServerOptions, progress: Progress): Promise<ResultRow[]> {
  const echo = await startChild<{ url: string; pid: number }>('worker-process.ts', ['echo']);
  try {
    const targets = {
      serve: { url: `${endpointAddress(workerUrl)}/runsync`, pid: workerPid },
      echo: { url: `${echo.info.url}/v2/bench-echo/runsync`, pid: echo.info.pid },
    };
    type Name = keyof typeof targets;
    const names: Name[] = ['serve', 'echo'];
    const rps: Record<Name, number[]> = { serve: [], echo: [] };
    const cpuUs: Record<Name, number[]> = { serve: [], echo: [] };
    progress(`worker server: ${options.rounds} rounds × 2 servers × ${options.requests} requests at concurrency ${options.concurrency}`);
    for (const name of names) await runLoad(() => post(targets[name].url), options.warmupRequests, options.concurrency);
    for (let round = 0; round < options.rounds; round++) {
      for (const name of round % 2 === 0 ? names : [...names].reverse()) {
        const { url, pid } = targets[name];
        const cpuBefore = processCpuMs(pid);
        const result = await runLoad(() => post(url), options.requests, options.concurrency);
        const cpuAfter = processCpuMs(pid);
        rps[name].push(result.callsPerSecond);
        if (cpuBefore !== undefined && cpuAfter !== undefined) cpuUs[name].push(((cpuAfter - cpuBefore) * 1000) / options.requests);
      }
    }
    const cpuDetail = (name: Name) => (cpuUs[name].length > 0 ? `server CPU ${fmt(spread(cpuUs[name]).median, 0)} µs/request` : 'server CPU n/a');
    return [
      makeRow({ bench: BENCH, case: `serve() runsync, c=${options.concurrency}`, unit: 'req/s', value: spread(rps.serve), detail: cpuDetail('serve') }),
      makeRow({ bench: BENCH, case: `bare node:http JSON echo, c=${options.concurrency}`, unit: 'req/s', value: spread(rps.echo), detail: cpuDetail('echo') }),
      makeRow({
        bench: BENCH,
        case: 'serve() / echo throughput',
        unit: '×',
        value: spread(rps.serve.map((v, i) => v / rps.echo[i]!)),
        digits: 2,
        detail: 'per-round ratio',
        target: { op: '>=', threshold: 0.5 },
      }),
      ...(cpuUs.serve.length > 0
        ? [
            makeRow({
              bench: BENCH,
              case: 'echo / serve() server CPU per request',
              unit: '×',
              value: spread(cpuUs.echo.map((v, i) => v / cpuUs.serve[i]!)),
              digits: 2,
              detail: 'efficiency, not limited by the client',
            }),
          ]
        : []),
    ];
  } finally {
    await echo.stop();
  }
}
