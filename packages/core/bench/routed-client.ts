import { StaticDirectory } from '../src/directory';
import { createRuntime } from '../src/router/runtime';
import type { Runtime } from '../src/router/runtime-types';
import { BENCH_ENDPOINT, BENCH_KEY } from './bench-endpoints';
import { benchLogger } from './bench-logger';

/** `${workerUrl}/v2/bench-echo`: the endpoint's job API on a local worker. */
export function endpointAddress(workerUrl: string): string {
  return `${workerUrl}/v2/${BENCH_ENDPOINT}`;
}

/** A pure client runtime (hosts nothing) that finds bench-echo at the worker via a StaticDirectory. */
export function routedClient(workerUrl: string): Runtime {
  return createRuntime({
    directory: new StaticDirectory({ [BENCH_ENDPOINT]: endpointAddress(workerUrl) }),
    apiKey: BENCH_KEY,
    logger: benchLogger('bench-client'),
    env: {},
  });
}
