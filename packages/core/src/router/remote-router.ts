import { randomUUID } from 'node:crypto';
import type { EndpointMetadata, FallbackPolicy, RemoteMethodMetadata } from '@switchyard/decorators';
import type { SwitchyardDefaults } from '../config';
import type { Directory } from '../directory/directory';
import type { EndpointAddress } from '../directory/endpoint-address';
import { ConfigurationError, DirectoryUnavailableError, MethodNotRemoteError, RouteNotFoundError } from '../errors';
import type { ExecuteRequest, Executor } from '../executor/executor';
import { contractHash } from '../manifest/contract';
import type { Logger } from '../observability/logger';
import type { SwitchyardMetrics } from '../observability/metrics';
import { randomHex } from '../observability/trace-ids';
import { CallTrace, outcomeOf, traceparentOf } from '../observability/tracing';
import { CallBudget } from '../resilience/call-budget';
import type { Serializer } from '../serialization/serializer';
import { WIRE_VERSION, type Invocation } from '../serialization/wire';
import { childTraceparent, currentCallContext, iterateInContext, withCallContext } from './call-context';
import { spawnerOf, type SpawnedCall } from './job-executor';
import type { CallOptions } from './runtime-types';

/** What the router needs from its runtime. */
export interface RemoteRouterDeps {
  directory: Directory;
  /** Executor for queue endpoints (RunPod job API). */
  executor: Executor;
  /** Executor for load-balancer endpoints (direct HTTP). */
  loadBalancerExecutor: Executor;
  serializer: Serializer;
  logger: Logger;
  /** The runtime's metrics (calls, durations, resubmissions). */
  metrics: SwitchyardMetrics;
  defaults: SwitchyardDefaults;
  /** Runtime-wide fallback; a method's own `fallback: 'local'` also enables it. */
  fallback: FallbackPolicy;
  /** A local instance of a (non-hosted) endpoint class, for an explicit local fallback. */
  localInstance(metadata: EndpointMetadata): object;
}

/**
 * Carries out the routing decision of DESIGN.md for calls whose endpoint this process does not
 * host: create the call's budget, resolve addresses, encode, execute, decode. Retries and replica
 * choice belong to the executor's one retry policy; the router never retries. It never falls
 * back to local silently: a fallback is opt-in and logged.
 */
export class RemoteRouter {
  private readonly nextReplica = new Map<string, number>();
  private readonly warnedFallback = new Set<string>();
  /** Contract hashes by endpoint metadata: a sha256 per call would be wasted work. */
  private readonly contracts = new WeakMap<EndpointMetadata, string>();

  constructor(private readonly deps: RemoteRouterDeps) {}

  /** The `@Remote` method of `metadata` with this route name, or MethodNotRemoteError. */
  route(metadata: EndpointMetadata, routeName: string): RemoteMethodMetadata {
    const method = metadata.methods.find((m) => m.name === routeName);
    if (method) return method;
    throw new MethodNotRemoteError(
      `endpoint "${metadata.name}" has no @Remote method "${routeName}" (its remote methods: ${metadata.methods.map((m) => m.name).join(', ') || 'none'}). Check the name, and that the method is decorated with @Remote.`,
      { endpoint: metadata.name, method: routeName },
    );
  }

  /** A routed call: its decoded result or typed error. */
  invoke(metadata: EndpointMetadata, routeName: string, args: unknown[], options: CallOptions = {}): Promise<unknown> {
    return this.send(metadata, routeName, args, options, 'call');
  }

  /**
   * A call to a foreign endpoint (a RunPod worker that is not Switchyard's): `input` is the job's
   * raw input, and the output comes back as the handler returned it (`spawn` for a handle).
   */
  invokeForeign(metadata: EndpointMetadata, input: unknown, options: CallOptions, mode: 'call' | 'spawn', path?: string): Promise<unknown> {
    return this.send(metadata, 'run', [], options, mode, { input, path });
  }

  /** A foreign endpoint's generator handler: its chunks as it yielded them (RunPod's `/stream`). */
  streamForeign(metadata: EndpointMetadata, input: unknown, options: CallOptions): AsyncGenerator<unknown> {
    return this.stream(metadata, 'run', [], options, { input });
  }

  /** Submits a routed call without waiting (`runtime.spawn`): where its job runs. Queue endpoints only. */
  spawn(metadata: EndpointMetadata, routeName: string, args: unknown[], options: CallOptions = {}): Promise<SpawnedCall> {
    if (metadata.type === 'load-balancer') {
      throw new ConfigurationError(`runtime.spawn needs a queue endpoint; "${metadata.name}" is a load-balancer endpoint, which has no job to come back to. Call it with runtime.call.`, { endpoint: metadata.name });
    }
    return this.send(metadata, routeName, args, options, 'spawn') as Promise<SpawnedCall>;
  }

  private async send(metadata: EndpointMetadata, routeName: string, args: unknown[], options: CallOptions, mode: 'call' | 'spawn', foreign?: { input: unknown; path?: string }): Promise<unknown> {
    const method = this.route(metadata, routeName);
    const outer = currentCallContext();
    const budget = this.budgetOf(metadata, method, options, outer);
    try {
      const { where, addresses } = await this.locate(metadata, method, budget);
      if (addresses === 'local') {
        if (mode === 'spawn') throw new ConfigurationError(`runtime.spawn needs a worker of endpoint "${metadata.name}", and the directory has none for it (fallback 'local' applies to calls only).`, { endpoint: metadata.name });
        const instance = this.deps.localInstance(metadata) as Record<string, (...a: unknown[]) => unknown>;
        return await withCallContext({ deadline: budget.deadline, signal: budget.signal }, () => instance[method.property](...args));
      }
      const callId = options.callId ?? randomUUID();
      const traced = new CallTrace(this.deps.metrics, metadata.name, method.name, callId, budget.startedAt, outer?.traceparent);
      let invocation: Invocation | undefined;
      try {
        const built = this.buildRequest(metadata, method, where, addresses, args, options, budget, traced, foreign);
        invocation = built.invocation;
        const { request, executor } = built;
        if (mode === 'spawn') {
          const job = await spawnerOf(executor, metadata.name).spawn(request);
          this.ended(where, traced, invocation, budget);
          return { endpoint: metadata.name, method: method.name, ...job, foreign: foreign !== undefined } satisfies SpawnedCall;
        }
        const output = await executor.execute(request);
        const result = foreign ? output.result : this.deps.serializer.decode(output.result, `result of ${where}`);
        this.ended(where, traced, invocation, budget);
        return result;
      } catch (error) {
        this.ended(where, traced, invocation, budget, error);
        throw error;
      }
    } finally {
      budget.dispose();
    }
  }

  /**
   * A streaming method's call: the decoded chunks, as the worker yields them. Stopping early
   * (`break`, an abort, the deadline) cancels the job and stops the generator on the worker; a
   * failure mid-stream is thrown, as the same typed error a plain call gets, after the chunks
   * before it.
   */
  async *stream(metadata: EndpointMetadata, routeName: string, args: unknown[], options: CallOptions = {}, foreign?: { input: unknown }): AsyncGenerator<unknown> {
    const method = this.route(metadata, routeName);
    const outer = currentCallContext();
    const budget = this.budgetOf(metadata, method, options, outer);
    try {
      const { where, addresses } = await this.locate(metadata, method, budget);
      if (addresses === 'local') {
        const instance = this.deps.localInstance(metadata) as Record<string, (...a: unknown[]) => AsyncIterable<unknown>>;
        yield* iterateInContext({ deadline: budget.deadline, signal: budget.signal }, () => instance[method.property](...args));
        return;
      }
      const callId = options.callId ?? randomUUID();
      const traced = new CallTrace(this.deps.metrics, metadata.name, method.name, callId, budget.startedAt, outer?.traceparent);
      let invocation: Invocation | undefined;
      let outcome: { error?: unknown } | undefined;
      try {
        const built = this.buildRequest(metadata, method, where, addresses, args, options, budget, traced, foreign);
        invocation = built.invocation;
        const executor = built.executor as Executor & { stream?: (request: ExecuteRequest) => AsyncIterable<unknown> };
        if (typeof executor.stream !== 'function') {
          throw new ConfigurationError(`the executor of endpoint "${metadata.name}" cannot read streams (it has no stream()); use the default executors.`, { endpoint: metadata.name });
        }
        for await (const encoded of executor.stream(built.request)) yield foreign ? encoded : this.deps.serializer.decode(encoded, `chunk of ${where}`);
        outcome = {};
      } catch (error) {
        outcome = { error };
        throw error;
      } finally {
        // A consumer that stopped early ends the call too; its span says so.
        this.ended(where, traced, invocation, budget, outcome ? outcome.error : Object.assign(new Error('the consumer stopped reading'), { name: 'StreamStopped' }));
      }
    } finally {
      budget.dispose();
    }
  }

  /** Where a call goes (`'local'` under fallback), once its budget is known not to be over. */
  private async locate(metadata: EndpointMetadata, method: RemoteMethodMetadata, budget: CallBudget): Promise<{ where: string; addresses: EndpointAddress[] | 'local' }> {
    budget.throwIfOver();
    const where = `${metadata.target.name}.${method.property}`;
    return { where, addresses: await this.resolve(metadata, method, where) };
  }

  private budgetOf(metadata: EndpointMetadata, method: RemoteMethodMetadata, options: CallOptions, outer: ReturnType<typeof currentCallContext>): CallBudget {
    return CallBudget.start({
      timeoutMs: options.timeoutMs ?? method.timeoutMs ?? this.deps.defaults.callTimeoutMs,
      deadline: outer?.deadline,
      signals: [options.signal, outer?.signal],
      endpoint: metadata.name,
      method: method.name,
    });
  }

  /** The invocation and the executor request of one remote call. */
  private buildRequest(
    metadata: EndpointMetadata,
    method: RemoteMethodMetadata,
    where: string,
    addresses: EndpointAddress[],
    args: unknown[],
    options: CallOptions,
    budget: CallBudget,
    traced: CallTrace,
    foreign?: { input: unknown; path?: string },
  ): { invocation: Invocation; request: ExecuteRequest; executor: Executor } {
    const outer = currentCallContext();
    const invocation: Invocation = {
      sy: WIRE_VERSION,
      endpoint: metadata.name,
      method: method.name,
      args: foreign ? { json: [] } : this.deps.serializer.encodeArgs(args, where, method.paramTypes),
      callId: traced.callId,
      deadline: budget.deadline,
      // The client span's context when a tracer records it, else a child id of the same trace.
      traceparent: traceparentOf(traced.span) ?? childTraceparent(outer?.traceparent, randomHex),
      contract: foreign ? undefined : this.contractOf(metadata),
    };
    const executor = metadata.type === 'load-balancer' ? this.deps.loadBalancerExecutor : this.deps.executor;
    const request: ExecuteRequest = {
      endpoint: metadata.name,
      method: method.name,
      addresses: this.rotate(metadata.name, addresses),
      invocation,
      budget,
      idempotent: method.idempotent,
      retries: method.retries,
      observer: traced,
      onProgress: options.onProgress && this.progressDecoder(where, options.onProgress),
      foreign,
    };
    return { invocation, request, executor };
  }

  /** Ends the call's span and metrics, and writes its debug line: what was called, where it ran, how it ended, how long it took. */
  private ended(where: string, traced: CallTrace, invocation: Invocation | undefined, budget: CallBudget, error?: unknown): void {
    const ms = Date.now() - budget.startedAt;
    traced.end(ms / 1000, error);
    const level = this.deps.defaults.callLogLevel;
    if (this.deps.logger.enabled?.(level) === false) return;
    this.deps.logger[level](`called ${where}`, {
      endpoint: traced.endpoint,
      method: traced.method,
      callId: invocation?.callId,
      // The job this call was made from, when it runs on a worker (switchyard dev draws the tree from it).
      parentCallId: currentCallContext()?.callId,
      traceId: invocation?.traceparent?.slice(3, 35),
      replica: traced.replica,
      outcome: outcomeOf(error),
      ms,
    });
  }

  /** The executor's progress hook: decodes each update like a result, then hands it to the caller. */
  private progressDecoder(where: string, onProgress: (update: unknown) => void): (encoded: unknown) => void {
    return (encoded) => onProgress(this.deps.serializer.decode(encoded, `progress of ${where}`));
  }

  private contractOf(metadata: EndpointMetadata): string {
    let hash = this.contracts.get(metadata);
    if (hash === undefined) {
      hash = contractHash(metadata);
      this.contracts.set(metadata, hash);
    }
    return hash;
  }

  /** Addresses for the endpoint, or 'local' when an explicit fallback applies. */
  private async resolve(metadata: EndpointMetadata, method: RemoteMethodMetadata, where: string): Promise<EndpointAddress[] | 'local'> {
    const fallbackLocal = method.fallback === 'local' || this.deps.fallback === 'local';
    let addresses: EndpointAddress[];
    try {
      addresses = await this.deps.directory.resolve(metadata.name, metadata.type);
    } catch (error) {
      if (fallbackLocal && error instanceof DirectoryUnavailableError) {
        this.noteFallback(metadata.name, `the directory is unavailable (${error.message})`, where);
        return 'local';
      }
      throw error;
    }
    if (addresses.length > 0) return addresses;
    if (fallbackLocal) {
      this.noteFallback(metadata.name, 'the directory has no address for it', where);
      return 'local';
    }
    throw new RouteNotFoundError(
      `no address for endpoint "${metadata.name}" (called as ${where}): the directory answered without one. Deploy the endpoint and add it to the directory's resources_endpoints, or host it in this process (SWITCHYARD_ENDPOINT=${metadata.name}).`,
      { endpoint: metadata.name, method: method.name },
    );
  }

  private noteFallback(endpoint: string, why: string, where: string): void {
    if (this.warnedFallback.has(endpoint)) return;
    this.warnedFallback.add(endpoint);
    this.deps.logger.warn(`running ${where} locally: ${why}; fallback 'local' is configured`, { endpoint });
  }

  /** The replicas starting at this endpoint's next one, so calls spread while each call can walk them all. */
  private rotate(endpoint: string, addresses: EndpointAddress[]): EndpointAddress[] {
    if (addresses.length < 2) return addresses;
    const start = this.nextReplica.get(endpoint) ?? 0;
    this.nextReplica.set(endpoint, (start + 1) % Number.MAX_SAFE_INTEGER);
    const offset = start % addresses.length;
    return [...addresses.slice(offset), ...addresses.slice(0, offset)];
  }
}
