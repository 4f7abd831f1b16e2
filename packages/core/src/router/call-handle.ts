import type { EndpointMetadata, RemoteMethodMetadata } from '@switchyard/decorators';
import type { Directory } from '../directory/directory';
import type { EndpointAddress } from '../directory/endpoint-address';
import { ConfigurationError, InvalidAddressError, InvalidRequestError } from '../errors';
import type { Executor } from '../executor/executor';
import { CallBudget } from '../resilience/call-budget';
import type { Serializer } from '../serialization/serializer';
import { spawnerOf, type SpawnedCall } from './job-executor';

/** Options of `handle.result()`. */
export interface ResultOptions {
  /** How long to wait for the job this time, ms (the job itself keeps its own deadline). Default: the method's timeoutMs, else SWITCHYARD_CALL_TIMEOUT_MS. */
  timeoutMs?: number;
  /** Stops waiting (the job keeps running; `cancel()` stops it). */
  signal?: AbortSignal;
  /** Progress updates the method reports while it runs, decoded. */
  onProgress?: (update: unknown) => void;
}

/** A job's state as `handle.status()` reports it: RunPod's status (or `NOT_FOUND` once it expired) and timings. */
export interface HandleStatus {
  status: string;
  /** ms the job waited in the queue, when known. */
  delayTime?: number;
  /** ms the job ran, when known. */
  executionTime?: number;
}

/**
 * A call started with `runtime.spawn`: its job runs on its own, and the result can be collected
 * later, here or in another process (`runtime.handle(handle.id)`).
 */
export interface CallHandle<T> {
  /** Names the endpoint, method, the job's address and its id (no secrets); `runtime.handle(id)` turns it back into a handle. */
  readonly id: string;
  readonly endpoint: string;
  readonly method: string;
  readonly jobId: string;
  /** The method is a streaming one (known when its endpoint's class or manifest is loaded): read it with `stream()`. */
  readonly streaming: boolean;
  status(): Promise<HandleStatus>;
  /** The result, or the typed error a plain call would get. A wait that ends first leaves the job running. */
  result(options?: ResultOptions): Promise<T>;
  /**
   * A streaming method's chunks, decoded, as its job yields them (RunPod's `/stream`). Each chunk
   * is delivered once: read the stream in one place. Stopping early leaves the job running;
   * `cancel()` stops it. A failure after some chunks is thrown after them.
   */
  stream(options?: Omit<ResultOptions, 'onProgress'>): AsyncIterable<StreamChunk<T>>;
  /** Cancels the job (best effort, as for a plain call). */
  cancel(): Promise<void>;
}

/** The chunk type of a streaming method's result (`AsyncIterable<C>` → `C`). */
export type StreamChunk<T> = T extends AsyncIterable<infer C> ? C : unknown;

const ID_PREFIX = 'sy1.';

interface HandleFields {
  e: string;
  m: string;
  a: string;
  j: string;
  /** 1 for a job on a foreign endpoint. */
  f?: 1;
}

/** The handle id of a spawned call: `sy1.` and base64url JSON of endpoint, method, address and job id. */
export function handleId(call: SpawnedCall): string {
  const fields: HandleFields = { e: call.endpoint, m: call.method, a: call.address.url, j: call.jobId, ...(call.foreign ? { f: 1 as const } : {}) };
  return ID_PREFIX + Buffer.from(JSON.stringify(fields), 'utf8').toString('base64url');
}

/** The fields of a handle id, or InvalidRequestError saying what is wrong with it. */
export function parseHandleId(id: unknown): HandleFields {
  const bad = (why: string) => new InvalidRequestError(`${JSON.stringify(String(id).slice(0, 80))} is not a call handle id: ${why}. Pass the id of a handle from runtime.spawn.`);
  if (typeof id !== 'string' || !id.startsWith(ID_PREFIX) || id.length > 4_096) throw bad('it does not start with "sy1."');
  let fields: unknown;
  try {
    fields = JSON.parse(Buffer.from(id.slice(ID_PREFIX.length), 'base64url').toString('utf8'));
  } catch {
    throw bad('its body is not base64url JSON');
  }
  const f = fields as Partial<HandleFields> | null;
  if (!f || typeof f !== 'object' || [f.e, f.m, f.a, f.j].some((v) => typeof v !== 'string' || v === '')) throw bad('it lacks the endpoint, method, address or job id');
  return f as HandleFields;
}

/** What a handle needs of its runtime. */
export interface HandleContext {
  executor: Executor;
  serializer: Serializer;
  directory: Directory;
  /** Default wait of `result()`, ms. */
  defaultTimeoutMs: number;
}

/** A handle for a spawned call, or one rebuilt from its id. */
export function makeHandle<T>(context: HandleContext, call: SpawnedCall, method: RemoteMethodMetadata | undefined): CallHandle<T> {
  const jobs = spawnerOf(context.executor, call.endpoint);
  const where = `${call.endpoint}.${call.method}`;
  return {
    id: handleId(call),
    endpoint: call.endpoint,
    method: call.method,
    jobId: call.jobId,
    streaming: method?.streaming === true,
    async status() {
      const job = await jobs.jobStatus(call);
      return { status: job.status, delayTime: job.delayTime, executionTime: job.executionTime };
    },
    async result(options: ResultOptions = {}) {
      if (method?.streaming) throw new ConfigurationError(`${where} is a streaming method: read its chunks with handle.stream(), not result().`, { endpoint: call.endpoint, method: call.method });
      const budget = CallBudget.start({ timeoutMs: options.timeoutMs ?? method?.timeoutMs ?? context.defaultTimeoutMs, signals: [options.signal], endpoint: call.endpoint, method: call.method });
      try {
        const onProgress = options.onProgress && ((encoded: unknown) => options.onProgress!(context.serializer.decode(encoded, `progress of ${where}`)));
        const output = await jobs.awaitJob(call, budget, onProgress);
        // A foreign handler's output is as it returned it; runtime.foreign checks it.
        if (call.foreign) return output.result as T;
        return context.serializer.decode<T>(output.result, `result of ${where}`);
      } finally {
        budget.dispose();
      }
    },
    stream: (options = {}) => ({
      async *[Symbol.asyncIterator](): AsyncGenerator<StreamChunk<T>> {
        if (typeof jobs.streamSpawned !== 'function') throw new ConfigurationError(`the executor of endpoint "${call.endpoint}" cannot read streams (it has no streamSpawned); use the default RunpodExecutor.`, { endpoint: call.endpoint });
        const budget = CallBudget.start({ timeoutMs: options.timeoutMs ?? method?.timeoutMs ?? context.defaultTimeoutMs, signals: [options.signal], endpoint: call.endpoint, method: call.method });
        try {
          for await (const encoded of jobs.streamSpawned(call, budget)) yield (call.foreign ? encoded : context.serializer.decode(encoded, `chunk of ${where}`)) as StreamChunk<T>;
        } finally {
          budget.dispose();
        }
      },
    }),
    cancel: () => jobs.cancelSpawned(call),
  };
}

/**
 * Rebuilds a handle from its id. The id's address must be one the directory lists for its
 * endpoint: a handle id from elsewhere can never make this runtime send its key to another host.
 */
export async function handleFromId<T>(context: HandleContext, id: string, metadata: EndpointMetadata | undefined): Promise<CallHandle<T>> {
  const fields = parseHandleId(id);
  const addresses: EndpointAddress[] = await context.directory.resolve(fields.e, metadata?.type ?? 'queue');
  const address = addresses.find((a) => a.url === fields.a);
  if (!address) {
    throw new InvalidAddressError(
      `the handle's job runs at ${fields.a}, which the directory does not list for endpoint "${fields.e}" (it lists ${addresses.map((a) => a.url).join(', ') || 'none'}); a handle is only followed to an address of its endpoint.`,
      { endpoint: fields.e },
    );
  }
  const method = metadata?.methods.find((m) => m.name === fields.m);
  return makeHandle<T>(context, { endpoint: fields.e, method: fields.m, address, jobId: fields.j, foreign: fields.f === 1 }, method);
}
