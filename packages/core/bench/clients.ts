import { randomUUID } from 'node:crypto';
import runpodSdk from 'runpod-sdk';
import { getEndpointMetadata } from '@switchyard/decorators';
import { SwitchyardError } from '../src/errors';
import { contractHash } from '../src/manifest/contract';
import { WIRE_VERSION, type Invocation } from '../src/serialization/wire';
import { BENCH_ENDPOINT, BENCH_KEY, BenchEcho } from './bench-endpoints';

export { endpointAddress, routedClient } from './routed-client';

const CONTRACT = contractHash(getEndpointMetadata(BenchEcho)!);

/**
 * The invocation a Switchyard caller sends for `BenchEcho.echo(value)`, built the way a
 * hand-written client would: same fields, a fresh callId (the worker deduplicates by callId),
 * and `args` written as superjson's plain-JSON form `{"json": [value]}`.
 */
export function echoInvocation(value: string): Invocation {
  return {
    sy: WIRE_VERSION,
    endpoint: BENCH_ENDPOINT,
    method: 'echo',
    args: { json: [value] },
    callId: randomUUID(),
    deadline: Date.now() + 600_000,
    contract: CONTRACT,
  };
}

const HEADERS = { authorization: `Bearer ${BENCH_KEY}`, 'content-type': 'application/json' };

/** A COMPLETED job's echoed value, or an error naming what came back instead. */
function echoedValue(job: { status?: string; output?: { result?: { json?: unknown } }; error?: unknown }, how: string): unknown {
  if (job.status !== 'COMPLETED') {
    throw new SwitchyardError(`${how}: the job ended ${job.status ?? 'without a status'} (${JSON.stringify(job.error ?? job).slice(0, 300)}).`);
  }
  return job.output?.result?.json;
}

/** `POST {address}/runsync` with fetch (keep-alive by default), body = `{input: invocation}`. */
export async function fetchRunsync(address: string, value: string): Promise<unknown> {
  const response = await fetch(`${address}/runsync`, { method: 'POST', headers: HEADERS, body: JSON.stringify({ input: echoInvocation(value) }) });
  const job = (await response.json()) as Parameters<typeof echoedValue>[0];
  if (!response.ok) throw new SwitchyardError(`fetch runsync: HTTP ${response.status} from ${address} (${JSON.stringify(job).slice(0, 300)}).`);
  return echoedValue(job, 'fetch runsync');
}

/** runpod-sdk's client for bench-echo on a local worker. */
export function sdkEndpoint(workerUrl: string): { runSync(value: string): Promise<unknown> } {
  const endpoint = runpodSdk(BENCH_KEY, { baseUrl: `${workerUrl}/v2` }).endpoint(BENCH_ENDPOINT);
  if (!endpoint) throw new SwitchyardError(`runpod-sdk gave no client for endpoint ${BENCH_ENDPOINT}.`);
  return {
    async runSync(value: string) {
      const job = (await endpoint.runSync({ input: echoInvocation(value) as unknown as Record<string, unknown> }, 60_000)) as unknown as Parameters<typeof echoedValue>[0];
      return echoedValue(job, 'runpod-sdk runSync');
    },
  };
}
