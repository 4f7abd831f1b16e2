import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validate } from 'class-validator';
import { ConfigurationError, SerializationError } from '../errors';
import { NAME_PATTERN as ENDPOINT_NAME_PATTERN, type EndpointMetadata } from '@switchyard/decorators';
import { makeHandle, type CallHandle, type HandleContext } from './call-handle';
import type { SpawnedCall } from './job-executor';
import type { CallOptions } from './runtime-types';

/** Options of {@link foreignEndpoint}. */
export interface ForeignEndpointOptions<O> {
  /** The RunPod endpoint's name in the directory (or its id). */
  name: string;
  /**
   * `queue` (default): RunPod's job API, the input sent as the job's `input`. `load-balancer`: a
   * server behind a RunPod load-balancing endpoint (vLLM's OpenAI-compatible server, say): the
   * input is the JSON body POSTed to `path`, and the reply's JSON body is the output.
   */
  type?: 'queue' | 'load-balancer';
  /** Load-balancer endpoints: the route the input is POSTed to, e.g. `/v1/completions`. Default `/`. */
  path?: string;
  /** Deadline of a call, ms. Default SWITCHYARD_CALL_TIMEOUT_MS. */
  timeoutMs?: number;
  /** The handler is safe to run twice: a submission that may have created a job may be sent again. Default false. */
  idempotent?: boolean;
  /** Resubmissions allowed for an idempotent handler after a transport failure. Default 0. */
  retries?: number;
  /** Checks and converts the handler's output; what it returns is the call's result. A throw fails the call. */
  parse?: (output: unknown) => O;
  /** Checks and converts each chunk a generator handler yields (`stream`); a throw fails the stream. */
  parseChunk?: (chunk: unknown) => unknown;
  /** A class with class-validator rules: the output is converted to it and validated (after `parse`, if both). */
  validate?: ClassConstructor<object>;
}

/** A RunPod endpoint that is not a Switchyard worker, with the types of its input and output. */
export interface ForeignEndpoint<I, O> {
  readonly name: string;
  readonly options: ForeignEndpointOptions<O>;
  /** Routing metadata: one method, `run`, with the endpoint's deadline and retry options. */
  readonly metadata: EndpointMetadata;
  /** Type carrier, never set. */
  readonly types?: { input: I; output: O };
}

/** Calls to one foreign endpoint. */
export interface ForeignClient<I, O> {
  /** Submits `{"input": input}` and returns the handler's output (checked by `parse`/`validate`). */
  run(input: I, options?: CallOptions): Promise<O>;
  /** Submits through `/run` and returns a handle whose `result()` collects the output later. */
  spawn(input: I, options?: CallOptions): Promise<CallHandle<O>>;
  /**
   * Submits through `/run` and yields what a generator handler yields, as it yields it (RunPod's
   * `/stream`, each chunk checked by `parseChunk`); `break` cancels the job. `C` is the chunk type.
   */
  stream<C = unknown>(input: I, options?: CallOptions): AsyncIterable<C>;
}

/** A route of a foreign load-balancer endpoint: a path and an optional query, nothing that leaves the endpoint's address. */
const SAFE_PATH = /^\/(?!\/)[^\s#]*$/;

/** Stands in for the class of a foreign endpoint in routing metadata: it has no code here. */
class ForeignEndpointClass {}

/**
 * Declares an endpoint that is not a Switchyard worker — a Python handler, a vLLM or ComfyUI
 * worker — so the router can call it with the same directory, deadlines, policy, cancel, retry
 * policy, breaker, traces and metrics as a Switchyard endpoint: `runtime.foreign(endpoint).run(input)`.
 */
export function foreignEndpoint<I, O = unknown>(options: ForeignEndpointOptions<O>): ForeignEndpoint<I, O> {
  if (typeof options?.name !== 'string' || !ENDPOINT_NAME_PATTERN.test(options.name)) {
    throw new ConfigurationError(`foreignEndpoint: name ${JSON.stringify(options?.name)} is not an endpoint name. Use letters, digits, "-" and "_" (the RunPod endpoint's name or id).`, { option: 'name' });
  }
  const type = options.type ?? 'queue';
  if (type !== 'queue' && type !== 'load-balancer') {
    throw new ConfigurationError(`foreignEndpoint "${options.name}": type ${JSON.stringify(options.type)} is not one of 'queue' (RunPod's job API) and 'load-balancer'.`, { option: 'type' });
  }
  if (options.path !== undefined && (type !== 'load-balancer' || !SAFE_PATH.test(options.path) || /(^|\/)\.\.?(\/|$|\?)/.test(options.path))) {
    throw new ConfigurationError(
      `foreignEndpoint "${options.name}": path ${JSON.stringify(options.path)} is not usable. It is for load-balancer endpoints only, and is a route starting with "/" (e.g. "/v1/completions"), with no "//" at its start, no "." or ".." segments, no spaces and no "#".`,
      { option: 'path' },
    );
  }
  const retries = options.retries ?? 0;
  if (!Number.isInteger(retries) || retries < 0 || retries > 10 || (retries > 0 && !options.idempotent)) {
    throw new ConfigurationError(`foreignEndpoint "${options.name}": retries must be a whole number from 0 to 10, and above 0 only with idempotent: true.`, { option: 'retries' });
  }
  const metadata: EndpointMetadata = {
    name: options.name,
    type,
    resources: {},
    target: ForeignEndpointClass,
    dependencies: [],
    methods: [{ name: 'run', property: 'run', arity: 1, paramTypes: [], timeoutMs: options.timeoutMs, idempotent: options.idempotent ?? false, retries, fallback: 'none' }],
  };
  return { name: options.name, options, metadata };
}

/** The output as the caller gets it: `parse`, then `validate`, naming the endpoint when either refuses it. */
export async function checkForeignOutput<O>(endpoint: ForeignEndpoint<unknown, O>, output: unknown): Promise<O> {
  const { parse, validate: cls } = endpoint.options;
  let value: unknown = output;
  if (parse) {
    try {
      value = parse(output);
    } catch (cause) {
      throw new SerializationError(`the output of foreign endpoint "${endpoint.name}" was refused by its parse function: ${(cause as Error).message}.`, { position: 'output', cause });
    }
  }
  if (cls) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new SerializationError(`the output of foreign endpoint "${endpoint.name}" is not an object, so it cannot be a ${cls.name}.`, { position: 'output' });
    }
    const instance = plainToInstance(cls, value as Record<string, unknown>);
    const errors = await validate(instance, { forbidUnknownValues: false });
    if (errors.length > 0) {
      const problems = errors.flatMap((e) => Object.values(e.constraints ?? {})).join('; ');
      throw new SerializationError(`the output of foreign endpoint "${endpoint.name}" is not a valid ${cls.name}: ${problems}.`, { position: 'output' });
    }
    value = instance;
  }
  return value as O;
}

/** A chunk as `parseChunk` accepts it, naming the endpoint and the chunk when it refuses. */
function checkForeignChunk(endpoint: ForeignEndpoint<unknown, unknown>, chunk: unknown, n: number): unknown {
  const { parseChunk } = endpoint.options;
  if (!parseChunk) return chunk;
  try {
    return parseChunk(chunk);
  } catch (cause) {
    throw new SerializationError(`chunk ${n} of foreign endpoint "${endpoint.name}" was refused by its parseChunk function: ${(cause as Error).message}.`, { position: 'stream', cause });
  }
}

/** The calls of one foreign endpoint, over `send` (the router's foreign call or spawn) and `open` (its stream). */
export function foreignClient<I, O>(
  endpoint: ForeignEndpoint<I, O>,
  send: (input: unknown, options: CallOptions, mode: 'call' | 'spawn') => Promise<unknown>,
  open: (input: unknown, options: CallOptions) => AsyncIterable<unknown>,
  handles: HandleContext,
): ForeignClient<I, O> {
  const jobsOnly = (what: string) => {
    if (endpoint.metadata.type === 'load-balancer') {
      throw new ConfigurationError(`foreign endpoint "${endpoint.name}" is a load-balancer endpoint, which has no jobs to ${what}: call it with run().`, { endpoint: endpoint.name });
    }
  };
  return {
    stream: <C>(input: I, options: CallOptions = {}) => ({
      async *[Symbol.asyncIterator]() {
        jobsOnly('stream');
        let n = 0;
        for await (const chunk of open(input, options)) yield checkForeignChunk(endpoint as ForeignEndpoint<unknown, unknown>, chunk, n++) as C;
      },
    }),
    run: async (input, options = {}) => checkForeignOutput(endpoint, await send(input, options, 'call')),
    spawn: async (input, options = {}) => {
      jobsOnly('spawn');
      const call = (await send(input, options, 'spawn')) as SpawnedCall;
      // result() runs the same output checks as run().
      const handle = makeHandle<unknown>(handles, call, endpoint.metadata.methods[0]);
      return { ...handle, result: async (o) => checkForeignOutput(endpoint, await handle.result(o)) } as CallHandle<O>;
    },
  };
}
