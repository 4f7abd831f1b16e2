import { getEndpointMetadata, type Constructor, type EndpointMetadata, type RemoteMethodMetadata } from '@switchyard/decorators';
import { ContractMismatchError, DeadlineExceededError, InvalidRequestError, RouteNotFoundError, SwitchyardError } from '../errors';
import { contractHash } from '../manifest/contract';
import type { Logger } from '../observability/logger';
import { runWithInvocationContext } from '../router/call-context';
import type { Runtime } from '../router/runtime-types';
import { WIRE_VERSION, parseInvocation, type Invocation, type WireOutput } from '../serialization/wire';
import { prepareArguments } from './argument-checks';
import { CallOutcomeCache } from './call-outcome-cache';
import type { JobContext, JobDispatcher, JobOutcome } from './dispatcher-types';
import { requestErrorStatus, toWireFailure } from './wire-failure';

/** The part of a Runtime the dispatcher uses. */
export type DispatcherRuntime = Pick<Runtime, 'instanceOf' | 'hosts' | 'serializer' | 'logger'>;

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

/** Longest setTimeout delay Node accepts; later deadlines need no timer. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Maps a job's `input` (a Switchyard invocation) to a `@Remote` method of a hosted `@Endpoint`
 * class and runs it on the runtime's real instance. Only methods recorded by `@Remote` are
 * reachable: request-supplied names are looked up in maps built from metadata, never used to
 * index an object. Never throws; every failure becomes a FAILED outcome carrying a JSON
 * WireFailure and the HTTP status a direct reply should use (400 bad request, 404 unknown
 * route, 409 contract mismatch, 504 deadline passed, 500 the method threw).
 * A repeated callId gets the first call's outcome and does not run again.
 */
export class Dispatcher implements JobDispatcher {
  private readonly runtime: DispatcherRuntime;
  private readonly logger: Logger;
  private readonly endpoints = new Map<string, HostedEndpoint>();
  private readonly outcomes: CallOutcomeCache<JobOutcome>;

  constructor(options: DispatcherOptions) {
    this.runtime = options.runtime;
    this.logger = options.logger ?? options.runtime.logger;
    this.outcomes = new CallOutcomeCache({ ttlMs: options.dedupTtlMs ?? 600_000, maxEntries: options.dedupMax ?? 10_000 });
    for (const cls of options.endpoints) {
      const metadata = getEndpointMetadata(cls);
      if (!metadata) {
        throw new SwitchyardError(`Class ${cls.name} is not decorated with @Endpoint, so a worker cannot serve it. Add @Endpoint() to it or leave it out of endpoints.`);
      }
      if (!this.runtime.hosts(metadata.name)) continue;
      this.endpoints.set(metadata.name, {
        metadata,
        routes: new Map(metadata.methods.map((m) => [m.name, m])),
        contract: contractHash(metadata),
      });
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

  async dispatch(input: unknown, context: JobContext): Promise<JobOutcome> {
    let invocation: Invocation;
    try {
      invocation = parseInvocation(input);
    } catch (error) {
      return this.failed(error, requestErrorStatus(error));
    }
    // Keyed by route as well, so one caller's callId can never replay another route's result.
    const key = `${invocation.endpoint}\u0000${invocation.method}\u0000${invocation.callId}`;
    return this.outcomes.getOrRun(key, () => this.run(invocation, context));
  }

  private async run(invocation: Invocation, context: JobContext): Promise<JobOutcome> {
    const { endpoint: endpointName, method: routeName } = invocation;
    let stage: 'request' | 'method' = 'request';
    const deadlineAbort = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    try {
      const hosted = this.resolveRoute(invocation, context);
      const route = hosted.routes.get(routeName)!;
      const where = `${endpointName}.${routeName}`;
      if (invocation.deadline <= Date.now()) {
        throw new DeadlineExceededError(
          `The call to ${where} arrived after its deadline (${new Date(invocation.deadline).toISOString()}), so it was not run. Give the call a longer timeoutMs.`,
          context.jobId,
          endpointName,
          routeName,
        );
      }
      const decoded = this.runtime.serializer.decode<unknown>(invocation.args, `arguments of ${where}`);
      if (!Array.isArray(decoded)) {
        throw new InvalidRequestError(`The arguments of ${where} must decode to an array, got ${typeof decoded}. Send args as the encoding of an argument list.`);
      }
      const remaining = invocation.deadline - Date.now();
      if (remaining < MAX_TIMER_MS) {
        timer = setTimeout(() => {
          deadlineAbort.abort(new DeadlineExceededError(`The deadline of ${where} passed while it ran; it was aborted.`, context.jobId, endpointName, routeName));
        }, Math.max(0, remaining));
      }
      // The method (and every call it makes) stops on cancel or when the deadline passes.
      const signal = AbortSignal.any([context.signal, deadlineAbort.signal]);
      const args = await prepareArguments(route, decoded, signal, where);
      const instance = this.runtime.instanceOf(hosted.metadata.target) as Record<string, unknown>;
      const method = instance[route.property];
      if (typeof method !== 'function') {
        throw new RouteNotFoundError(`${where} is registered as @Remote but the hosted instance has no such method. Check the class's providers in the runtime's container.`, endpointName, routeName);
      }
      // A job cancelled before its method started never starts.
      context.signal.throwIfAborted();
      stage = 'method';
      const result: unknown = await runWithInvocationContext(
        { deadline: invocation.deadline, signal, traceparent: invocation.traceparent },
        () => (method as (...a: unknown[]) => unknown).apply(instance, args),
      );
      const output: WireOutput = { sy: WIRE_VERSION, result: this.runtime.serializer.encode(result, `result of ${where}`) };
      return { status: 'COMPLETED', output };
    } catch (error) {
      // A request problem gets its 4xx; anything the method threw, or its unserializable result, is 500.
      const status = stage === 'request' ? requestErrorStatus(error) : 500;
      if (status === 500) {
        this.logger.warn('remote method failed', { endpoint: endpointName, method: routeName, jobId: context.jobId, error: (error as Error)?.name });
      } else {
        this.logger.info('call refused', { endpoint: endpointName, method: routeName, jobId: context.jobId, status, error: (error as Error)?.name });
      }
      return this.failed(error, status, endpointName, routeName);
    } finally {
      if (timer) clearTimeout(timer);
    }
  }

  /** The hosted endpoint and route an invocation names, or RouteNotFoundError / ContractMismatchError. */
  private resolveRoute(invocation: Invocation, context: JobContext): HostedEndpoint {
    const { endpoint: endpointName, method: routeName } = invocation;
    if (context.endpoint !== undefined && context.endpoint !== endpointName) {
      throw new RouteNotFoundError(
        `The invocation names endpoint "${endpointName}" but was sent to endpoint "${context.endpoint}". Send it to the URL of "${endpointName}".`,
        endpointName,
        routeName,
      );
    }
    const hosted = this.endpoints.get(endpointName);
    if (!hosted) {
      throw new RouteNotFoundError(
        `Endpoint "${endpointName}" is not hosted by this worker (it hosts: ${this.endpointNames.join(', ') || 'none'}). Check the directory's address for "${endpointName}".`,
        endpointName,
        routeName,
      );
    }
    if (!hosted.routes.has(routeName)) {
      throw new RouteNotFoundError(
        `Endpoint "${endpointName}" has no @Remote method "${routeName}" (its remote methods: ${[...hosted.routes.keys()].join(', ') || 'none'}). If the caller's code has it, the caller and worker were built from different versions: redeploy the worker or rebuild the caller.`,
        endpointName,
        routeName,
      );
    }
    if (invocation.contract !== undefined && invocation.contract !== hosted.contract) {
      throw new ContractMismatchError(
        `The caller of ${endpointName}.${routeName} was built against contract ${invocation.contract}, but this worker serves contract ${hosted.contract}: caller and worker were built from different versions of endpoint "${endpointName}". Redeploy the worker or rebuild the caller so both use the same code.`,
        endpointName,
        hosted.contract,
        invocation.contract,
      );
    }
    return hosted;
  }

  private failed(error: unknown, httpStatus: number, endpoint?: string, method?: string): JobOutcome {
    let text: string;
    try {
      text = JSON.stringify(toWireFailure(error, this.runtime.serializer, endpoint, method));
    } catch {
      text = JSON.stringify({ name: 'Error', message: 'the call failed and its error could not be encoded', endpoint, method });
    }
    return { status: 'FAILED', error: text, httpStatus };
  }
}
