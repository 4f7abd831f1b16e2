import { randomUUID } from 'node:crypto';
import type { EndpointMetadata, FallbackPolicy, RemoteMethodMetadata } from '@switchyard/decorators';
import type { SwitchyardDefaults } from '../config';
import type { Directory } from '../directory/directory';
import {
  CircuitOpenError,
  DirectoryUnavailableError,
  RemoteExecutionError,
  RouteNotFoundError,
} from '../errors';
import type { Executor } from '../executor/executor';
import { contractHash } from '../manifest/contract';
import type { Logger } from '../observability/logger';
import { isTransportFailure } from '../resilience/transport-failure';
import type { Serializer } from '../serialization/serializer';
import { WIRE_VERSION, type Invocation } from '../serialization/wire';
import { childTraceparent, currentCallContext, withCallContext } from './call-context';
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
  defaults: SwitchyardDefaults;
  /** Runtime-wide fallback; a method's own `fallback: 'local'` also enables it. */
  fallback: FallbackPolicy;
  /** A local instance of a (non-hosted) endpoint class, for an explicit local fallback. */
  localInstance(metadata: EndpointMetadata): object;
}

/** An executor that can say an address is currently refused (circuit open). */
interface AvailabilityAware {
  isAvailable?(address: string): boolean;
}

// randomUUID draws from a cached entropy pool: far cheaper per call than randomBytes.
const hex = (bytes: number): string => (randomUUID() + randomUUID()).replace(/-/g, '').slice(0, bytes * 2);

/**
 * Carries out the routing decision of DESIGN.md for calls whose endpoint this process does not
 * host: resolve addresses, pick a replica, encode, execute, decode, rethrow typed errors. It
 * never falls back to local silently: a fallback is opt-in and logged.
 */
export class RemoteRouter {
  private readonly nextReplica = new Map<string, number>();
  private readonly warnedFallback = new Set<string>();
  /** Contract hashes by endpoint metadata: a sha256 per call would be wasted work. */
  private readonly contracts = new WeakMap<EndpointMetadata, string>();

  constructor(private readonly deps: RemoteRouterDeps) {}

  async invoke(metadata: EndpointMetadata, routeName: string, args: unknown[], options: CallOptions = {}): Promise<unknown> {
    const method = metadata.methods.find((m) => m.name === routeName);
    if (!method) {
      throw new RouteNotFoundError(
        `Endpoint "${metadata.name}" has no @Remote method "${routeName}". Check the method name and that it is decorated with @Remote.`,
        metadata.name,
        routeName,
      );
    }
    const outer = currentCallContext();
    const timeoutMs = options.timeoutMs ?? method.timeoutMs ?? this.deps.defaults.callTimeoutMs;
    const deadline = Math.min(Date.now() + timeoutMs, outer?.deadline ?? Number.POSITIVE_INFINITY);
    const signals = [options.signal, outer?.signal].filter((s): s is AbortSignal => s !== undefined);
    const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
    signal?.throwIfAborted();
    const where = `${metadata.target.name}.${method.property}`;

    const addresses = await this.resolve(metadata, method, where);
    if (addresses === 'local') return this.runLocally(metadata, method, args, deadline, signal);

    const invocation: Invocation = {
      sy: WIRE_VERSION,
      endpoint: metadata.name,
      method: method.name,
      args: this.deps.serializer.encodeArgs(args, where),
      callId: options.callId ?? randomUUID(),
      deadline,
      traceparent: childTraceparent(outer?.traceparent, hex),
      contract: this.contractOf(metadata),
    };
    const executor = metadata.type === 'load-balancer' ? this.deps.loadBalancerExecutor : this.deps.executor;
    const attempts = method.idempotent ? 1 + method.retries : 1;
    let lastError: unknown;
    for (let attempt = 0; attempt < attempts; attempt++) {
      const address = this.pickReplica(metadata.name, addresses, executor as AvailabilityAware);
      try {
        const output = await executor.execute({
          endpoint: metadata.name,
          method: method.name,
          address,
          invocation,
          signal,
          deadline,
          idempotent: method.idempotent,
          retries: method.retries,
        });
        return this.deps.serializer.decode(output.result, `result of ${where}`);
      } catch (error) {
        lastError = error;
        if (!this.isResubmittable(error) || attempt + 1 >= attempts || Date.now() >= deadline) break;
        this.deps.logger.warn(`retrying idempotent call ${where} on another replica`, {
          endpoint: metadata.name,
          callId: invocation.callId,
          attempt: attempt + 2,
          error: error as Error,
        });
      }
    }
    throw this.rehydrate(lastError);
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
  private async resolve(metadata: EndpointMetadata, method: RemoteMethodMetadata, where: string): Promise<string[] | 'local'> {
    const fallbackLocal = method.fallback === 'local' || this.deps.fallback === 'local';
    let addresses: string[];
    try {
      addresses = await this.deps.directory.resolve(metadata.name);
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
      `No address for endpoint "${metadata.name}" (called as ${where}): the directory answered without one. Deploy the endpoint and add it to the directory's resources_endpoints, or host it in this process (SWITCHYARD_ENDPOINT=${metadata.name}).`,
      metadata.name,
      method.name,
    );
  }

  private noteFallback(endpoint: string, why: string, where: string): void {
    if (this.warnedFallback.has(endpoint)) return;
    this.warnedFallback.add(endpoint);
    this.deps.logger.warn(`running ${where} locally: ${why}; fallback 'local' is configured`, { endpoint });
  }

  private async runLocally(
    metadata: EndpointMetadata,
    method: RemoteMethodMetadata,
    args: unknown[],
    deadline: number,
    signal: AbortSignal | undefined,
  ): Promise<unknown> {
    const instance = this.deps.localInstance(metadata) as Record<string, (...a: unknown[]) => unknown>;
    return withCallContext({ deadline, signal }, () => instance[method.property](...args));
  }

  /** Round-robin over the addresses, skipping ones whose circuit is open while others remain. */
  private pickReplica(endpoint: string, addresses: string[], executor: AvailabilityAware): string {
    const start = this.nextReplica.get(endpoint) ?? 0;
    this.nextReplica.set(endpoint, (start + 1) % Number.MAX_SAFE_INTEGER);
    for (let i = 0; i < addresses.length; i++) {
      const candidate = addresses[(start + i) % addresses.length];
      if (!executor.isAvailable || executor.isAvailable(candidate)) return candidate;
    }
    return addresses[start % addresses.length];
  }

  /** Transport-level failures that a resubmission with the same callId may cure. */
  private isResubmittable(error: unknown): boolean {
    return error instanceof CircuitOpenError || isTransportFailure(error);
  }

  /** A remote error whose class is registered comes back as that class; `remote` keeps the details. */
  private rehydrate(error: unknown): unknown {
    if (!(error instanceof RemoteExecutionError)) return error;
    const cls = this.deps.serializer.errorClass(error.remote.name);
    if (!cls) return error;
    const rebuilt = this.deps.serializer.decodeError({
      name: error.remote.name,
      message: error.remote.message,
      stack: error.remote.stack,
      code: error.remote.code,
      fields: (error.remote as { fields?: Record<string, string | number | boolean | null> }).fields,
    });
    const details = (error.remote as { details?: unknown }).details;
    if (Array.isArray(details)) Object.defineProperty(rebuilt, 'details', { value: details, enumerable: true, configurable: true, writable: true });
    for (const [key, value] of [
      ['remote', error.remote],
      ['endpoint', error.endpoint],
      ['jobId', error.jobId],
    ] as const) {
      if (!(key in rebuilt)) Object.defineProperty(rebuilt, key, { value, enumerable: false, configurable: true });
    }
    return rebuilt;
  }
}

