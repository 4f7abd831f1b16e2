import type { Registry } from 'prom-client';
import type { CallHandle } from './call-handle';
import type { MapOptions, MapRun } from './fan-out';
import type { ForeignClient, ForeignEndpoint } from './foreign';
import type { DependencyContainer } from 'tsyringe';
import type { Constructor, FallbackPolicy } from '@switchyard/decorators';
import type { SwitchyardDefaults } from '../config';
import type { Directory } from '../directory/directory';
import type { Executor } from '../executor/executor';
import type { Manifest } from '../manifest/model';
import type { Serializer } from '../serialization/serializer';
import type { Logger } from '../observability/logger';

/** Per-call options of `runtime.call`. */
export interface CallOptions {
  /** Deadline for this call, ms from now (overrides the method's timeoutMs; never beyond an enclosing deadline). */
  timeoutMs?: number;
  /** Aborts the call; a remote job is cancelled. */
  signal?: AbortSignal;
  /** Idempotency key; default a fresh UUID. */
  callId?: string;
  /**
   * Called with each new progress update the method reports (`reportProgress`), decoded like a
   * result. Queue endpoints: the call is then sent with `/run` and polled, and an update is seen
   * when a poll lands after it (the latest one wins between polls). Not for load-balancer
   * endpoints or local calls.
   */
  onProgress?: (update: unknown) => void;
}

/** Options of `createRuntime`. Every one has an environment default, resolved once from `env`. */
export interface RuntimeOptions {
  /** Manifest object or path. Default: SWITCHYARD_MANIFEST, then ./switchyard.manifest.json if it exists, else none (metadata only). */
  manifest?: Manifest | string;
  /** Endpoint(s) this process hosts. Default: SWITCHYARD_ENDPOINT (comma-separated). None = pure client. */
  endpoint?: string | string[];
  /** Where endpoints live. Default: SWITCHYARD_DIRECTORY_URL → HttpDirectory; else SWITCHYARD_DIRECTORY (JSON) → StaticDirectory; else the manifest's resources_endpoints. */
  directory?: Directory;
  /** Executor for queue endpoints. Default: a RunpodExecutor with apiKey. */
  executor?: Executor;
  /** Executor for load-balancer endpoints. Default: a LoadBalancerExecutor with apiKey. */
  loadBalancerExecutor?: Executor;
  /** Bearer key for outgoing calls. Default: RUNPOD_API_KEY. Never logged. */
  apiKey?: string;
  /** Runtime-wide fallback when an endpoint has no address: 'none' (default) or 'local' (logged once per endpoint). */
  fallback?: FallbackPolicy;
  /** Serializer; default the process's default one (where registerClass/registerError register). */
  serializer?: Serializer;
  /** Where every component logs. Default a ConsoleLogger at SWITCHYARD_LOG_LEVEL. The API key is redacted from whatever logger is used. */
  logger?: Logger;
  /** Parent container of the runtime's child container. Default: tsyringe's root container. */
  parentContainer?: DependencyContainer;
  /** Environment every default is read from, once. Default: this process's environment. */
  env?: NodeJS.ProcessEnv;
  /**
   * Where the runtime's Prometheus metrics go. Default a registry of its own (see `metrics()`);
   * pass prom-client's global `register` to put them beside the app's default metrics; `false`
   * for none (nothing is counted, `metrics()` is an empty registry).
   */
  metricsRegistry?: Registry | false;
}

/** Method names of T whose values are functions. */
export type MethodKeys<T> = { [K in keyof T]: T[K] extends (...args: never[]) => unknown ? K : never }[keyof T] & string;

/** The result type of calling method K on T, unwrapped from a promise. */
export type MethodResult<T, K extends keyof T> = T[K] extends (...args: never[]) => infer R ? Awaited<R> : never;
/** What `runtime.call` returns: the AsyncIterable of a streaming method's chunks, else a promise of the result. */
export type CallResult<T, K extends keyof T> = T[K] extends (...args: never[]) => infer R ? (R extends AsyncIterable<infer C> ? AsyncIterable<C> : Promise<Awaited<R>>) : never;
/** The parameter tuple of method K on T. */
export type MethodArgs<T, K extends keyof T> = T[K] extends (...args: infer A) => unknown ? A : never;

/** A running Switchyard runtime: a child container wired with directory, executors and serializer. */
export interface Runtime {
  /** tsyringe child container; register overrides here before the first `get`. */
  readonly container: DependencyContainer;
  /** Endpoint names this process hosts (empty for a pure client). */
  readonly hosted: ReadonlySet<string>;
  readonly serializer: Serializer;
  readonly directory: Directory;
  /** Executor for queue endpoints. */
  readonly executor: Executor;
  /** Executor for load-balancer endpoints. */
  readonly loadBalancerExecutor: Executor;
  /** The logger every component of this runtime writes to (secrets redacted). */
  readonly logger: Logger;
  /** The defaults this runtime resolved from its `env`, once. */
  readonly defaults: SwitchyardDefaults;
  /** The manifest, when one was given or found. */
  readonly manifest: Manifest | undefined;
  /** Real instance if Cls's endpoint is hosted here (or Cls is not an endpoint), else a router proxy. */
  get<T>(cls: Constructor<T>): T;
  /** The real instance of a hosted endpoint class (what a worker dispatches to). */
  instanceOf<T>(cls: Constructor<T>): T;
  /** True if this process hosts the endpoint. */
  hosts(endpoint: string): boolean;
  /**
   * The runtime's Prometheus registry: caller metrics (calls, durations, in flight,
   * resubmissions, circuits, directory) and, in a worker, job metrics. `await
   * registry.metrics()` is the text a scrape gets; a worker serves it at `GET /metrics`.
   */
  metrics(): Registry;
  /** Explicit call with per-call options; routes exactly like `get(cls)[method](...args)`, overrides included. */
  /** A streaming method's call returns the AsyncIterable of its chunks (`for await`, no `await`); `break` cancels its job. */
  call<T, K extends MethodKeys<T>>(cls: Constructor<T>, method: K, args: MethodArgs<T, K>, options?: CallOptions): CallResult<T, K>;
  /**
   * Calls `endpoint.method` by name (as `switchyard call` does), using the loaded @Endpoint class
   * when there is one, else the manifest's description of the endpoint. A streaming method's
   * promise resolves to the AsyncIterable of its chunks.
   */
  callEndpoint(endpoint: string, method: string, args: unknown[], options?: CallOptions): Promise<unknown>;
  /** `spawn` by endpoint and method name (as `switchyard call --spawn` does). */
  spawnEndpoint(endpoint: string, method: string, args: unknown[], options?: CallOptions): Promise<CallHandle<unknown>>;
  /**
   * Starts a call without waiting for it (queue endpoints): submits its job through `/run` and
   * returns a handle whose `result()` collects it later. `handle.id` can be passed to another
   * process, which gets the handle back with `runtime.handle(id)`.
   */
  spawn<T, K extends MethodKeys<T>>(cls: Constructor<T>, method: K, args: MethodArgs<T, K>, options?: CallOptions): Promise<CallHandle<MethodResult<T, K>>>;
  /** Calls to a foreign endpoint (a RunPod worker that is not Switchyard's), declared with `foreignEndpoint`. */
  foreign<I, O>(endpoint: ForeignEndpoint<I, O>): ForeignClient<I, O>;
  /** The handle of a spawned call from its id; the id's address must be one the directory lists for its endpoint. */
  handle<T = unknown>(id: string): Promise<CallHandle<T>>;
  /**
   * One call per argument tuple, at most `concurrency` at once, results in input order. Stops at
   * the first error (cancelling the calls after it) unless `returnErrors: true`, which yields a
   * `PromiseSettledResult` per item. Iterate with `for await`, or `await run.toArray()`.
   */
  map<T, K extends MethodKeys<T>>(
    cls: Constructor<T>,
    method: K,
    argsList: Iterable<MethodArgs<T, K>> | AsyncIterable<MethodArgs<T, K>>,
    options: MapOptions & { returnErrors: true },
  ): MapRun<PromiseSettledResult<MethodResult<T, K>>>;
  map<T, K extends MethodKeys<T>>(
    cls: Constructor<T>,
    method: K,
    argsList: Iterable<MethodArgs<T, K>> | AsyncIterable<MethodArgs<T, K>>,
    options?: MapOptions & { returnErrors?: false },
  ): MapRun<MethodResult<T, K>>;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}
