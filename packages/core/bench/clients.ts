import { randomUUID } from 'node:crypto';
import runpodSdk from 'runpod-sdk';
import { Pool } from 'undici';
import { getEndpointMetadata } from '@switchyard/decorators';
import { loadDefaults } from '../src/config';
import { SwitchyardError } from '../src/errors';
import { contractHash } from '../src/manifest/contract';
import { WIRE_VERSION, type Invocation } from '../src/serialization/wire';
import { BENCH_ENDPOINT, BENCH_KEY, BenchEcho } from './bench-endpoints';

export { endpointAddress, routedClient } from './routed-client';

const CONTRACT = contractHash(getEndpointMetadata(BenchEcho)!);

/** The `?wait=` a routed call sends with /runsync under the default budget, so the floors send the same URL. */
const RUNSYNC_WAIT_MS = loadDefaults({}).runsyncWaitMs;

/** Path and query of bench-echo's runsync route on a worker, as a routed call requests it. */
export const RUNSYNC_PATH = `/v2/${BENCH_ENDPOINT}/runsync?wait=${RUNSYNC_WAIT_MS}`;

/** Headers every hand-written client sends: the worker's key and a JSON body. */
export const JOB_HEADERS: Readonly<Record<string, string>> = { authorization: `Bearer ${BENCH_KEY}`, 'content-type': 'application/json' };

/**
 * The invocation a Switchyard caller sends for `BenchEcho[method](...args)`, built the way a
 * hand-written client would: same fields, a fresh callId (the worker deduplicates by callId),
 * and `args` written as superjson's plain-JSON form `{"json": args}` (enough for strings and
 * numbers, which is all the benchmarks pass).
 */
export function benchInvocation(method: keyof BenchEcho & string, args: readonly (string | number)[]): Invocation {
  return {
    sy: WIRE_VERSION,
    endpoint: BENCH_ENDPOINT,
    method,
    args: { json: [...args] },
    callId: randomUUID(),
    deadline: Date.now() + 600_000,
    contract: CONTRACT,
  };
}

/** {@link benchInvocation} of `echo(value)`. */
export function echoInvocation(value: string): Invocation {
  return benchInvocation('echo', [value]);
}

/** A job reply as far as the benchmarks read it. */
export interface JobReply {
  status?: string;
  output?: { result?: { json?: unknown } };
  error?: unknown;
}

/** A COMPLETED job's result (`output.result.json`), or an error naming what came back instead. */
export function jobResult(job: JobReply, how: string): unknown {
  if (job.status !== 'COMPLETED') {
    throw new SwitchyardError(`${how}: the job ended ${job.status ?? 'without a status'} (${JSON.stringify(job.error ?? job).slice(0, 300)}).`);
  }
  return job.output?.result?.json;
}

/**
 * The floor of a client: undici's `Pool.request` on one keep-alive pool per worker, the least a
 * Node client can do per call (no WHATWG Request/Response objects). Posts a body, reads the
 * reply as text and parses it; `close()` ends the pool.
 */
export interface UndiciJobClient {
  /** `POST path` with `{input: invocation}`; the job's result, or throws on a non-2xx or a job that did not complete. */
  run(path: string, invocation: Invocation): Promise<unknown>;
  close(): Promise<void>;
}

/**
 * An {@link UndiciJobClient} for the worker at `workerUrl`. `connections` bounds the pool as the
 * executor's `requestsPerAddress` bounds its own (default 128), so neither side queues at c=64.
 */
export function undiciJobClient(workerUrl: string, connections: number = loadDefaults({}).requestsPerAddress): UndiciJobClient {
  const pool = new Pool(workerUrl, { connections, pipelining: 1 });
  return {
    async run(path, invocation) {
      const response = await pool.request({ path, method: 'POST', headers: JOB_HEADERS, body: JSON.stringify({ input: invocation }) });
      const text = await response.body.text();
      if (response.statusCode < 200 || response.statusCode > 299) {
        throw new SwitchyardError(`undici ${path}: HTTP ${response.statusCode} from ${workerUrl} (${text.slice(0, 300)}).`);
      }
      return jobResult(JSON.parse(text) as JobReply, `undici ${path}`);
    },
    close: () => pool.close(),
  };
}

/** `POST {workerUrl}{RUNSYNC_PATH}` with the global fetch (keep-alive by default), body = `{input: echo invocation}`. */
export async function fetchRunsync(workerUrl: string, value: string): Promise<unknown> {
  const response = await fetch(`${workerUrl}${RUNSYNC_PATH}`, { method: 'POST', headers: JOB_HEADERS, body: JSON.stringify({ input: echoInvocation(value) }) });
  const job = (await response.json()) as JobReply;
  if (!response.ok) throw new SwitchyardError(`fetch runsync: HTTP ${response.status} from ${workerUrl} (${JSON.stringify(job).slice(0, 300)}).`);
  return jobResult(job, 'fetch runsync');
}

/** runpod-sdk's client for bench-echo on a local worker. */
export function sdkEndpoint(workerUrl: string): { runSync(value: string): Promise<unknown> } {
  const endpoint = runpodSdk(BENCH_KEY, { baseUrl: `${workerUrl}/v2` }).endpoint(BENCH_ENDPOINT);
  if (!endpoint) throw new SwitchyardError(`runpod-sdk gave no client for endpoint ${BENCH_ENDPOINT}.`);
  return {
    async runSync(value: string) {
      const job = (await endpoint.runSync({ input: echoInvocation(value) as unknown as Record<string, unknown> }, 60_000)) as unknown as JobReply;
      return jobResult(job, 'runpod-sdk runSync');
    },
  };
}
