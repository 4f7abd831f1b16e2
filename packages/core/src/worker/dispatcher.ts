import { getEndpointMetadata, type Constructor, type EndpointMetadata, type RemoteMethodMetadata } from '@switchyard/decorators';
import { numberOption } from '../config';
import { BUILTIN_ERROR_CLASSES, ConfigurationError, ContractMismatchError, DeadlineExceededError, InvalidRequestError, RouteNotFoundError } from '../errors';
import { contractHash } from '../manifest/contract';
import type { Logger } from '../observability/logger';
import { metricsOf, type SwitchyardMetrics } from '../observability/metrics';
import { redactingLogger } from '../observability/redaction';
import { JobTrace, outcomeOf } from '../observability/tracing';
import { CallBudget } from '../resilience/call-budget';
import { runWithInvocationContext, type CallContext } from '../router/call-context';
import type { Runtime } from '../router/runtime-types';
import { errorToFailure } from '../serialization/failure';
import { WIRE_VERSION, parseInvocation, type Invocation, type WireChunk } from '../serialization/wire';
import { prepareArguments } from './argument-checks';
import { CallOutcomeCache } from './call-outcome-cache';
import type { JobContext, JobDispatcher, JobOutcome } from './dispatcher-types';
import { requestErrorStatus } from './request-status';
import { runStream } from './stream-runner';

/** The part of a Runtime the dispatcher uses. */
export type DispatcherRuntime = Pick<Runtime, 'instanceOf' | 'hosts' | 'serializer' | 'logger' | 'defaults'>;

/** The metric label of an endpoint or method this worker does not serve: labels stay bounded whatever requests say. */
const UNKNOWN = '(unknown)';

/** Options of {@link Dispatcher}. */
export interface DispatcherOptions {
  /** Runtime whose container holds the hosted instances and whose serializer decodes arguments. */
  runtime: DispatcherRuntime;
  /** `@Endpoint` classes this worker serves; only those the runtime hosts are reachable. */
  endpoints: readonly Constructor[];
  /** Default: the runtime's logger. */
  logger?: Logger;
  /** How long a finished call's outcome is replayed for a duplicate callId, ms. Default 600000 (10 min). */
  dedupTtlMs?: number;
  /** Most callIds remembered (least recently used forgotten first). Default 10000. */
  dedupMax?: number;
}

/** One hosted endpoint: its class, routes by route name, and contract hash. */
interface HostedEndpoint {
  metadata: EndpointMetadata;
  routes: ReadonlyMap<string, RemoteMethodMetadata>;
  contract: string;
}

/**
 * Maps a job's `input` (a Switchyard invocation) to a `@Remote` method of a hosted `@Endpoint`
 * class and runs it on the runtime's real instance. Only methods recorded by `@Remote` are
 * reachable: request-supplied names are looked up in maps built from metadata, never used to
 * index an object. Never throws; every failure becomes a FAILED outcome carrying a WireFailure
 * (from the one failure converter) and the HTTP status a direct reply should use (400 bad
 * request, 404 unknown route, 409 contract mismatch, 504 deadline passed, 500 the method threw).
 * A repeated callId gets the first call's outcome and does not run again.
 *
 * A streaming (`async *`) method is iterated inside the job's context: each yielded value is
 * encoded as a WireChunk and handed to the transport's `emit`, which is awaited before the
 * generator resumes (backpressure). Cancel, stop and the deadline close the generator
 * (`return()`, so its `finally` runs). It ends COMPLETED with the number of chunks sent, or
 * FAILED after the chunks already sent. Streams are not replayed: a duplicate callId of an
 * idempotent streaming method runs again, of any other one is refused (409).
 */
export class Dispatcher implements JobDispatcher {
  private readonly runtime: DispatcherRuntime;
  private readonly logger: Logger;
  private readonly metrics: SwitchyardMetrics;
  private readonly endpoints = new Map<string, HostedEndpoint>();
  private readonly outcomes: CallOutcomeCache<JobOutcome>;

  constructor(options: DispatcherOptions) {
    this.runtime = options.runtime;
    this.metrics = metricsOf(options.runtime);
    this.logger = options.logger ? redactingLogger(options.logger, [options.runtime.defaults.apiKey]) : options.runtime.logger;
    const d = options.runtime.defaults;
    this.outcomes = new CallOutcomeCache({
      ttlMs: numberOption('Dispatcher', 'dedupTtlMs', options.dedupTtlMs, d, 'dedupTtlMs'),
      maxEntries: numberOption('Dispatcher', 'dedupMax', options.dedupMax, d, 'dedupMax'),
    });
    for (const cls of options.endpoints) {
      const metadata = getEndpointMetadata(cls);
      if (!metadata) {
        throw new ConfigurationError(`Class ${cls.name} is not decorated with @Endpoint, so a worker cannot serve it. Add @Endpoint() to it or leave it out of endpoints.`, {
          option: 'endpoints',
        });
      }
      if (!this.runtime.hosts(metadata.name)) continue;
      this.endpoints.set(metadata.name, { metadata, routes: new Map(metadata.methods.map((m) => [m.name, m])), contract: contractHash(metadata) });
    }
  }

  /** Names of the endpoints this dispatcher can run, sorted. */
  get endpointNames(): string[] {
    return [...this.endpoints.keys()].sort();
  }

  /** True if `name` is an endpoint this dispatcher runs. */
  serves(name: string): boolean {
    return this.endpoints.has(name);
  }

  dispatch(input: unknown, context: JobContext): Promise<JobOutcome> {
    let invocation: Invocation;
    try {
      invocation = parseInvocation(input);
    } catch (error) {
      return Promise.resolve(this.failed(error, requestErrorStatus(error)));
    }
    // Keyed by route as well, so one caller's callId can never replay another route's result.
    const key = `${invocation.endpoint}\u0000${invocation.method}\u0000${invocation.callId}`;
    const route = this.endpoints.get(invocation.endpoint)?.routes.get(invocation.method);
    if (route?.streaming === true) {
      // A stream is not replayed (its chunks went to the first job's consumer): an idempotent
      // streaming method runs again; any other refuses a callId it has streamed already.
      if (route.idempotent) return this.run(invocation, context);
      if (this.outcomes.has(key)) return Promise.resolve(this.streamedAlready(invocation));
    }
    // A job its transport aborted (cancelled, stopped, timed out, its caller gone) has no outcome
    // worth replaying: a resubmission of the call runs it again.
    return this.outcomes.getOrRun(key, () => this.run(invocation, context), () => !context.signal.aborted);
  }

  /** The refusal of a duplicate callId of a non-idempotent streaming method. */
  private streamedAlready({ endpoint, method, callId }: Invocation): JobOutcome {
    const error = new InvalidRequestError(
      `call ${callId} of ${endpoint}.${method} was streamed already, and a stream is not replayed: its chunks went to the first job's reader. Call again with a new callId, or declare the method @Remote({ idempotent: true }) to let a resubmission run it again.`,
      { endpoint, method },
    );
    return { ...this.failed(error, 409, endpoint, method), chunks: 0 };
  }

  private async run(invocation: Invocation, context: JobContext): Promise<JobOutcome> {
    const { endpoint, method } = invocation;
    const where = `${endpoint}.${method}`;
    let stage: 'request' | 'method' = 'request';
    /** Chunks sent so far, once the route is known to stream. */
    let streamed: number | undefined;
    // The method (and every call it makes) stops on cancel or when the deadline passes.
    const budget = CallBudget.until(invocation.deadline, context.signal, { endpoint, method });
    // Labels from the request are bounded to what this worker serves; anything else is "(unknown)".
    const served = this.endpoints.get(endpoint);
    const traced = new JobTrace(this.metrics, served ? endpoint : UNKNOWN, served?.routes.has(method) ? method : UNKNOWN, {
      callId: invocation.callId,
      jobId: context.jobId,
      queuedMs: context.queuedMs,
      traceparent: invocation.traceparent,
    });
    try {
      const hosted = this.resolveRoute(invocation, context);
      const route = hosted.routes.get(method)!;
      if (route.streaming === true) {
        streamed = 0;
        if (context.emit === undefined) {
          throw new ConfigurationError(
            `${where} is a streaming method, but this worker's transport has no channel for its chunks (in runpod mode, RUNPOD_WEBHOOK_POST_STREAM is not set). Serve it with serve() in mode http, load-balancer, or runpod with RUNPOD_WEBHOOK_POST_STREAM set.`,
            { endpoint, method },
          );
        }
      }
      if (budget.expired) {
        throw new DeadlineExceededError(`the call arrived after its deadline (${new Date(invocation.deadline).toISOString()}), so it was not run. Give the call a longer timeoutMs.`, {
          endpoint,
          method,
          jobId: context.jobId,
        });
      }
      const decoded = this.runtime.serializer.decode<unknown>(invocation.args, `arguments of ${where}`);
      if (!Array.isArray(decoded)) {
        throw new InvalidRequestError(`the arguments must decode to an array, got ${typeof decoded}. Send args as the encoding of an argument list.`, { endpoint, method });
      }
      const prepared = prepareArguments(route, decoded, () => budget.signal, where);
      const args = Array.isArray(prepared) ? prepared : await prepared;
      const instance = this.runtime.instanceOf(hosted.metadata.target) as Record<string, unknown>;
      const fn = instance[route.property];
      if (typeof fn !== 'function') {
        throw new RouteNotFoundError(`the method is registered as @Remote but the hosted instance has no such method. Check the class's providers in the runtime's container.`, {
          endpoint,
          method,
        });
      }
      // A job cancelled before its method started never starts.
      context.signal.throwIfAborted();
      stage = 'method';
      let running = true;
      // The signal is read (and so made) only if the method calls another endpoint.
      const callContext: CallContext = {
        deadline: invocation.deadline,
        traceparent: traced.traceparent(invocation.traceparent),
        get signal(): AbortSignal {
          return budget.signal;
        },
        progress: this.progressOf(context, where, () => running),
        callId: invocation.callId,
      };
      const enter = <T>(step: () => T): T => traced.run(() => runWithInvocationContext(callContext, step));
      let outcome: JobOutcome;
      try {
        const returned = enter(() => (fn as (...a: unknown[]) => unknown).apply(instance, args));
        if (streamed === undefined) {
          const result = await returned;
          outcome = { status: 'COMPLETED', output: { sy: WIRE_VERSION, result: this.runtime.serializer.encode(result, `result of ${where}`) } };
        } else {
          const emit = context.emit!;
          const encode = (value: unknown, n: number): WireChunk => ({ sy: WIRE_VERSION, chunk: this.runtime.serializer.encode(value, `chunk ${n} of ${where}`) });
          const send = async (chunk: WireChunk): Promise<void> => {
            await emit(chunk);
            streamed!++;
          };
          outcome = { status: 'COMPLETED', chunks: await runStream({ returned, enter, encode, emit: send, signal: budget.signal, where }) };
        }
      } finally {
        // Code the method left behind (a timer, a detached promise) reports nothing once it ended.
        running = false;
      }
      const ms = Date.now() - budget.startedAt;
      traced.end(ms / 1000);
      this.logRan(where, invocation, context, ms, 'ok', streamed);
      return outcome;
    } catch (error) {
      const ms = Date.now() - budget.startedAt;
      traced.end(ms / 1000, error);
      this.logRan(where, invocation, context, ms, outcomeOf(error));
      // A request problem gets its 4xx; anything the method threw, or its unserializable result, is 500.
      const status = stage === 'request' ? requestErrorStatus(error) : 500;
      const fields = { endpoint, method, jobId: context.jobId, error };
      const chunks = streamed === undefined ? {} : { chunks: streamed };
      if (streamed !== undefined && stage === 'method' && context.signal.aborted) {
        // A stream's reader that stops early (cancel, break, hang-up) is an ordinary end, not a failure.
        this.logger.info(`stream of ${where} ended early after ${streamed} chunk(s): its job was cancelled or stopped, or its reader left`, { endpoint, method, jobId: context.jobId });
        return { ...this.failed(error, status, endpoint, method), ...chunks };
      }
      if (status === 500 && this.isDeclaredError(error)) {
        // A registered error class is part of the method's contract: the caller gets it as itself.
        this.logger.info('remote method threw a registered error', { endpoint, method, jobId: context.jobId, error: `${(error as Error).name}: ${(error as Error).message}` });
      } else if (status === 500) this.logger.warn('remote method failed', fields);
      else this.logger.info('call refused', { ...fields, status });
      return { ...this.failed(error, status, endpoint, method), ...chunks };
    } finally {
      budget.dispose();
    }
  }

  /** The one line per job (at SWITCHYARD_CALL_LOG_LEVEL): what ran, how it ended, how long it took. */
  private logRan(where: string, invocation: Invocation, context: JobContext, ms: number, outcome: string, chunks?: number): void {
    const level = this.runtime.defaults.callLogLevel;
    if (this.logger.enabled?.(level) === false) return;
    const { endpoint, method, callId } = invocation;
    this.logger[level](`ran ${where}`, { endpoint, method, jobId: context.jobId, callId, traceId: invocation.traceparent?.slice(3, 35), outcome, ms, ...(chunks === undefined ? {} : { chunks }) });
  }

  /** The call context's progress reporter: encodes each update and hands it to the transport while the method runs. */
  private progressOf(context: JobContext, where: string, running: () => boolean): CallContext['progress'] {
    const send = context.progress;
    if (send === undefined) return undefined;
    return (update) => {
      if (!running() || context.signal.aborted) return;
      send({ sy: WIRE_VERSION, progress: this.runtime.serializer.encode(update, `progress of ${where}`) });
    };
  }

  /** The hosted endpoint and route an invocation names, or RouteNotFoundError / ContractMismatchError. */
  private resolveRoute(invocation: Invocation, context: JobContext): HostedEndpoint {
    const { endpoint, method } = invocation;
    const names = { endpoint, method };
    if (context.endpoint !== undefined && context.endpoint !== endpoint) {
      throw new RouteNotFoundError(`the invocation names endpoint "${endpoint}" but was sent to endpoint "${context.endpoint}". Send it to the URL of "${endpoint}".`, names);
    }
    const hosted = this.endpoints.get(endpoint);
    if (!hosted) {
      throw new RouteNotFoundError(
        `endpoint "${endpoint}" is not hosted by this worker (it hosts: ${this.endpointNames.join(', ') || 'none'}). Check the directory's address for "${endpoint}".`,
        names,
      );
    }
    if (invocation.contract !== undefined && invocation.contract !== hosted.contract) {
      throw new ContractMismatchError(
        `the caller was built against contract ${invocation.contract}, but this worker serves contract ${hosted.contract}: caller and worker were built from different versions of endpoint "${endpoint}". Redeploy the worker or rebuild the caller so both use the same code.`,
        { ...names, expected: hosted.contract, actual: invocation.contract },
      );
    }
    if (!hosted.routes.has(method)) {
      throw new RouteNotFoundError(
        `endpoint "${endpoint}" has no @Remote method "${method}" (its remote methods: ${[...hosted.routes.keys()].join(', ') || 'none'}). Check the method name.`,
        names,
      );
    }
    return hosted;
  }

  /** True for an error whose class is registered (registerError): an outcome the caller expects, not a crash. */
  private isDeclaredError(error: unknown): boolean {
    if (!(error instanceof Error)) return false;
    const cls = this.runtime.serializer.lookupError(error.name);
    return cls !== undefined && (BUILTIN_ERROR_CLASSES as Record<string, unknown>)[error.name] !== cls && error instanceof cls;
  }

  private failed(error: unknown, httpStatus: number, endpoint?: string, method?: string): Extract<JobOutcome, { status: 'FAILED' }> {
    return { status: 'FAILED', failure: errorToFailure(error, { endpoint, method }), httpStatus };
  }
}
