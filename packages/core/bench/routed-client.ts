import { StaticDirectory } from '../src/directory';
import { createRuntime, type RuntimeOptions } from '../src/router/runtime';
import type { Runtime } from '../src/router/runtime-types';
import { BENCH_ENDPOINT, BENCH_KEY } from './bench-endpoints';
import { benchLogger } from './bench-logger';

/** `${workerUrl}/v2/bench-echo`: the endpoint's job API on a local worker. */
export function endpointAddress(workerUrl: string): string {
  return `${workerUrl}/v2/${BENCH_ENDPOINT}`;
}

/**
 * A pure client runtime (hosts nothing) that finds bench-echo via a StaticDirectory: at the
 * worker, or at every worker of a list (replicas, as in the recovery benchmark).
 */
export function routedClient(workerUrl: string | readonly string[], extra: Partial<RuntimeOptions> = {}): Runtime {
  const addresses = typeof workerUrl === 'string' ? endpointAddress(workerUrl) : workerUrl.map(endpointAddress);
  return createRuntime({
    directory: new StaticDirectory({ [BENCH_ENDPOINT]: addresses }),
    apiKey: BENCH_KEY,
    logger: benchLogger('bench-client'),
    env: {},
    ...extra,
  });
}
