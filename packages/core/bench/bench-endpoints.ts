import { setTimeout as sleep } from 'node:timers/promises';
import { Endpoint, Remote } from '@switchyard/decorators';

/** Name of the endpoint every benchmark calls. */
export const BENCH_ENDPOINT = 'bench-echo';

/** Key the benchmark workers require and the clients send. Local only. */
export const BENCH_KEY = 'bench-key-9d2f61c4';

/**
 * The endpoint the benchmarks call. Clients and workers import this same class, so their
 * contract hashes agree. Methods do (almost) nothing: the benchmarks measure the plumbing.
 */
@Endpoint({ name: BENCH_ENDPOINT })
export class BenchEcho {
  /** Returns its argument: the remote-call and worker benchmarks. */
  @Remote()
  async echo(value: string): Promise<string> {
    return value;
  }

  /** A cheap remote method: `runtime.call` in the local routing overhead benchmark. */
  @Remote()
  async inc(n: number): Promise<number> {
    return n + 1;
  }

  /** A cheap synchronous method: what `get()` costs, measured without an await in the loop. */
  incNow(n: number): number {
    return n + 1;
  }

  /** Adds two numbers: the worker-server benchmark, against a bare server doing the same sum. */
  @Remote()
  async add(a: number, b: number): Promise<number> {
    return a + b;
  }

  /**
   * Waits `ms` and returns the worker's pid: the recovery benchmark's load. Not idempotent (the
   * default), so a call cut off by a killed worker fails instead of being resubmitted, and the
   * pid shows which replica answered.
   */
  @Remote()
  async work(ms: number): Promise<number> {
    await sleep(ms);
    return process.pid;
  }

  /** Waits `ms` and returns it: the slow method of the memory benchmark. */
  @Remote({ timeoutMs: 300_000 })
  async sleep(ms: number): Promise<number> {
    await sleep(ms);
    return ms;
  }

  /** Yields 0 … n-1: the streaming benchmark, against runpod-sdk's /stream loop over the same job. */
  @Remote({ timeoutMs: 300_000 })
  async *count(n: number): AsyncGenerator<number> {
    for (let i = 0; i < n; i++) yield i;
  }
}
