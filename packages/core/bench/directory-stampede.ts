import { HttpDirectory, startDirectoryServer } from '../src/directory';
import { createRuntime } from '../src/router/runtime';
import { BENCH_ENDPOINT, BENCH_KEY, BenchEcho } from './bench-endpoints';
import { benchLogger } from './bench-logger';
import { endpointAddress } from './clients';
import type { Progress } from './progress';
import { fmt, makeRow, type ResultRow } from './report';
import { elapsedNs, spread } from './stats';

/** Sizes of the directory stampede benchmark. */
export interface DirectoryStampedeOptions {
  rounds: number;
  /** Concurrent first calls per round. */
  calls: number;
}

export const DIRECTORY_STAMPEDE_FULL: DirectoryStampedeOptions = { rounds: 5, calls: 1_000 };
export const DIRECTORY_STAMPEDE_QUICK: DirectoryStampedeOptions = { rounds: 2, calls: 1_000 };

const BENCH = '3 directory stampede';

/**
 * Benchmark 3: `calls` routed calls started at once by a client whose HttpDirectory cache is
 * cold, against an embedded directory server (startDirectoryServer) that points at the worker.
 * Counts the requests the directory server received (single-flight should make it 1) and the
 * time until the last call returned. Each round uses a fresh runtime and directory client.
 */
export async function benchDirectoryStampede(workerUrl: string, options: DirectoryStampedeOptions, progress: Progress): Promise<ResultRow[]> {
  const server = await startDirectoryServer({ endpoints: { [BENCH_ENDPOINT]: endpointAddress(workerUrl) } });
  try {
    const requests: number[] = [];
    const lastResultMs: number[] = [];
    progress(`directory stampede: ${options.rounds} rounds × ${options.calls} concurrent first calls`);
    for (let round = 0; round < options.rounds; round++) {
      const runtime = createRuntime({
        directory: new HttpDirectory(server.url, { logger: benchLogger('bench-directory') }),
        apiKey: BENCH_KEY,
        logger: benchLogger('bench-stampede'),
        env: {},
      });
      try {
        const echo = runtime.get(BenchEcho);
        const before = server.requestCount;
        const started = process.hrtime.bigint();
        const answers = await Promise.all(Array.from({ length: options.calls }, (_, i) => echo.echo(`call-${i}`)));
        lastResultMs.push(elapsedNs(started) / 1e6);
        requests.push(server.requestCount - before);
        if (answers[options.calls - 1] !== `call-${options.calls - 1}`) throw new Error('a stampede call returned the wrong answer');
      } finally {
        await runtime.close();
      }
    }
    const worst = Math.max(...requests);
    return [
      makeRow({
        bench: BENCH,
        case: `${fmt(options.calls, 0)} concurrent first calls: directory requests`,
        unit: 'requests',
        value: worst,
        digits: 0,
        detail: `per round: ${requests.join(', ')} (worst shown)`,
        target: { op: '==', threshold: 1 },
      }),
      makeRow({ bench: BENCH, case: `${fmt(options.calls, 0)} concurrent first calls: time to last result`, unit: 'ms', value: spread(lastResultMs), digits: 0 }),
    ];
  } finally {
    await server.close();
  }
}
