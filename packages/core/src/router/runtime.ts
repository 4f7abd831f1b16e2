import type { Registry } from 'prom-client';
import { container as rootContainer, Lifecycle, type DependencyContainer } from 'tsyringe';
import { getEndpointMetadata, listEndpoints, type Constructor, type EndpointMetadata } from '@switchyard/decorators';
import { loadDefaults, processEnv, type SwitchyardDefaults } from '../config';
import type { Directory } from '../directory/directory';
import { ConfigurationError, MethodNotRemoteError, RouteNotFoundError, SwitchyardError } from '../errors';
import type { Executor } from '../executor/executor';
import { HttpExecutor } from '../executor/http-executor';
import { LoadBalancerExecutor } from '../executor/load-balancer-executor';
import { RunpodExecutor } from '../executor/runpod-executor';
import { constructorDependencies } from '../manifest/constructor-dependencies';
import { metadataFromManifest } from '../manifest/endpoint-metadata';
import type { Manifest } from '../manifest/model';
import { defaultLogger, type Logger } from '../observability/logger';
import { setRuntimeMetrics, SwitchyardMetrics } from '../observability/metrics';
import { redactingLogger } from '../observability/redaction';
import { assertSinglePeerCopies } from '../peer-dependencies';
import { defaultSerializer, type Serializer } from '../serialization/serializer';
import { iterateInContext, withCallContext } from './call-context';
import { RemoteRouter } from './remote-router';
import { RouteSelection } from './route-selection';
import { handleFromId, makeHandle, parseHandleId, type CallHandle, type HandleContext } from './call-handle';
import { mapCalls, type MapOptions, type MapRun } from './fan-out';
import { foreignClient, type ForeignClient, type ForeignEndpoint } from './foreign';
import { createRouterProxy } from './router-proxy';
import { checkHosting, defaultDirectory, hostedEndpoints, runtimeManifest } from './runtime-components';
import type { CallOptions, CallResult, MethodArgs, MethodKeys, MethodResult, Runtime, RuntimeOptions } from './runtime-types';

export type { RuntimeOptions } from './runtime-types';

/** The two-copies check is about the process's modules, so it runs once per process. */
let peersChecked = false;

/**
 * The Switchyard runtime: a tsyringe child container in which hosted endpoint classes resolve to
 * real instances (one per runtime) and every other endpoint class to a router proxy. Nothing is
 * global: two runtimes in one process do not share instances, caches or executors, and nothing
 * a runtime builds reads the environment after `createRuntime` resolved it.
 */
class SwitchyardRuntime implements Runtime {
  readonly container: DependencyContainer;
  readonly hosted: ReadonlySet<string>;
  readonly serializer: Serializer;
  readonly directory: Directory;
  readonly executor: Executor;
  readonly loadBalancerExecutor: Executor;
  readonly logger: Logger;
  readonly manifest: Manifest | undefined;
  readonly defaults: SwitchyardDefaults;
  private readonly telemetry: SwitchyardMetrics;
  private readonly routes: RouteSelection;
  private readonly router: RemoteRouter;
  private readonly prepared = new Set<Constructor>();
  private readonly owned: object[] = [];
  private fallbackContainer: DependencyContainer | undefined;
  private closed = false;

  constructor(options: RuntimeOptions) {
    if (!peersChecked) {
      // A second tsyringe or class-transformer copy breaks injection and DTO validation silently.
      assertSinglePeerCopies();
      peersChecked = true;
    }
    const env = options.env ?? processEnv();
    const defaults = (this.defaults = loadDefaults(env));
    const apiKey = options.apiKey ?? defaults.apiKey;
    this.logger = redactingLogger(options.logger ?? defaultLogger(defaults), [apiKey]);
    this.serializer = options.serializer ?? defaultSerializer;
    this.manifest = runtimeManifest(options.manifest, defaults);
    this.hosted = hostedEndpoints(options.endpoint, defaults);
    checkHosting(this.hosted, this.manifest, this.logger);
    const shared = { apiKey, logger: this.logger, defaults, serializer: this.serializer };
    this.directory = options.directory ?? this.own(defaultDirectory(env, defaults, this.manifest, apiKey, this.logger));
    this.executor = options.executor ?? this.own(new RunpodExecutor(shared));
    this.loadBalancerExecutor = options.loadBalancerExecutor ?? this.own(new LoadBalancerExecutor(shared));
    this.telemetry = new SwitchyardMetrics(options.metricsRegistry || undefined, [apiKey], options.metricsRegistry !== false);
    setRuntimeMetrics(this, this.telemetry);
    for (const executor of new Set([this.executor, this.loadBalancerExecutor])) {
      if (executor instanceof HttpExecutor && executor.breakers) this.telemetry.watchBreakers(() => executor.breakers!.readings());
    }
    const directory = this.directory;
    if (directory.stats) this.telemetry.watchDirectory(() => directory.stats?.());
    this.container = (options.parentContainer ?? rootContainer).createChildContainer();
    this.routes = new RouteSelection(this.hosted, this.container);
    this.router = new RemoteRouter({
      directory: this.directory,
      executor: this.executor,
      loadBalancerExecutor: this.loadBalancerExecutor,
      serializer: this.serializer,
      logger: this.logger,
      metrics: this.telemetry,
      defaults,
      fallback: options.fallback ?? 'none',
      localInstance: (metadata) => this.localFallbackInstance(metadata),
    });
    for (const metadata of listEndpoints()) this.prepare(metadata.target);
  }

  private own<T extends object>(component: T): T {
    this.owned.push(component);
    return component;
  }

  /** Registers an endpoint class (and its endpoint dependencies) in the child container once. */
  private prepare(cls: Constructor): void {
    if (this.prepared.has(cls)) return;
    const metadata = getEndpointMetadata(cls);
    if (!metadata) return;
    this.prepared.add(cls);
    if (this.routes.registration(metadata) === 'instance') {
      this.container.register(cls, { useClass: cls }, { lifecycle: Lifecycle.ContainerScoped });
    } else {
      const proxy = createRouterProxy(cls, metadata, (method, args) => this.router.route(metadata, method).streaming ? this.router.stream(metadata, method, args) : this.router.invoke(metadata, method, args));
      this.container.register(cls, { useValue: proxy });
    }
    // Through @inject(Class) and @inject(delay(() => Class)) too: read here, not at declaration,
    // where a delay() thunk may name a class that is not defined yet.
    for (const dependency of constructorDependencies(cls, metadata.dependencies)) if (typeof dependency === 'function') this.prepare(dependency as Constructor);
  }

  get<T>(cls: Constructor<T>): T {
    this.assertOpen();
    this.prepare(cls);
    return this.container.resolve(cls);
  }

  instanceOf<T>(cls: Constructor<T>): T {
    const metadata = getEndpointMetadata(cls);
    if (metadata && !this.hosted.has(metadata.name)) {
      throw new RouteNotFoundError(
        `Endpoint "${metadata.name}" is not hosted by this runtime (hosted: ${[...this.hosted].join(', ') || 'none'}), so it has no local instance.`,
        { endpoint: metadata.name },
      );
    }
    return this.get(cls);
  }

  metrics(): Registry {
    return this.telemetry.registry;
  }

  hosts(endpoint: string): boolean {
    return this.hosted.has(endpoint);
  }

  call<T, K extends MethodKeys<T>>(cls: Constructor<T>, method: K, args: MethodArgs<T, K>, options: CallOptions = {}): CallResult<T, K> {
    const streaming = getEndpointMetadata(cls)?.methods.some((m) => m.property === method && m.streaming) === true;
    return (streaming ? this.callStream(cls, method, args, options) : this.callOnce(cls, method, args, options)) as CallResult<T, K>;
  }

  private async callOnce<T>(cls: Constructor<T>, method: MethodKeys<T>, args: unknown, options: CallOptions): Promise<unknown> {
    const route = this.callRoute(cls, method);
    if (route.kind === 'remote') return this.router.invoke(route.metadata, route.method.name, args as unknown[], options);
    return withCallContext(this.localContext(options), () => this.localMethod(cls, method, route.target).apply(route.target, args as unknown[]));
  }

  /** A streaming method's call: the chunks (errors of the call itself surface on the first read). */
  private async *callStream<T>(cls: Constructor<T>, method: MethodKeys<T>, args: unknown, options: CallOptions): AsyncGenerator<unknown> {
    const route = this.callRoute(cls, method);
    if (route.kind === 'remote') return yield* this.router.stream(route.metadata, route.method.name, args as unknown[], options);
    yield* iterateInContext(this.localContext(options), () => this.localMethod(cls, method, route.target).apply(route.target, args as unknown[]) as AsyncIterable<unknown>);
  }

  private callRoute<T>(cls: Constructor<T>, method: MethodKeys<T>) {
    this.assertOpen();
    this.prepare(cls);
    return this.routes.forCall(cls, method);
  }

  private localContext(options: CallOptions) {
    return { signal: options.signal, deadline: options.timeoutMs !== undefined ? Date.now() + options.timeoutMs : undefined };
  }

  /** Hosted instances, overrides and plain classes run here, inside the call's own context. */
  private localMethod<T>(cls: Constructor<T>, method: string, target: unknown): (...a: unknown[]) => unknown {
    const fn = (target as Record<string, unknown>)[method];
    if (typeof fn === 'function') return fn as (...a: unknown[]) => unknown;
    throw new MethodNotRemoteError(`${cls.name}.${method} is not a method of the local instance, so it cannot be called. Check the name.`, { endpoint: getEndpointMetadata(cls)?.name, method });
  }

  async callEndpoint(endpoint: string, method: string, args: unknown[], options: CallOptions = {}): Promise<unknown> {
    this.assertOpen();
    const metadata = this.endpointByName(endpoint);
    const route = this.router.route(metadata, method);
    if (this.prepared.has(metadata.target)) return this.call(metadata.target, route.property as never, args as never, options);
    if (route.streaming) return this.router.stream(metadata, method, args, options);
    return this.router.invoke(metadata, method, args, options);
  }

  async spawnEndpoint(endpoint: string, method: string, args: unknown[], options: CallOptions = {}): Promise<CallHandle<unknown>> {
    this.assertOpen();
    const metadata = this.endpointByName(endpoint);
    if (this.hosted.has(endpoint)) {
      throw new ConfigurationError(`runtime.spawn sends a job to a worker, but endpoint "${endpoint}" is hosted in this process. Call it with runtime.callEndpoint.`, { endpoint });
    }
    const call = await this.router.spawn(metadata, method, args, options);
    return makeHandle(this.handleContext(), call, this.router.route(metadata, method));
  }

  async spawn<T, K extends MethodKeys<T>>(cls: Constructor<T>, method: K, args: MethodArgs<T, K>, options: CallOptions = {}): Promise<CallHandle<MethodResult<T, K>>> {
    this.assertOpen();
    this.prepare(cls);
    const route = this.routes.forCall(cls, method);
    if (route.kind !== 'remote') {
      throw new ConfigurationError(`runtime.spawn sends a job to a worker, but ${cls.name} runs in this process (${route.kind === 'hosted' ? 'its endpoint is hosted here' : route.kind === 'override' ? 'it is overridden' : 'it is no endpoint'}). Call it with runtime.call.`, {
        endpoint: getEndpointMetadata(cls)?.name,
      });
    }
    const call = await this.router.spawn(route.metadata, route.method.name, args as unknown as unknown[], options);
    return makeHandle(this.handleContext(), call, route.method);
  }

  handle<T = unknown>(id: string): Promise<CallHandle<T>> {
    this.assertOpen();
    const endpoint = parseHandleId(id).e;
    const metadata = listEndpoints().find((e) => e.name === endpoint) ?? (this.manifest?.endpoints[endpoint] ? metadataFromManifest(endpoint, this.manifest.endpoints[endpoint]) : undefined);
    return handleFromId<T>(this.handleContext(), id, metadata);
  }

  private handleContext(): HandleContext {
    return { executor: this.executor, serializer: this.serializer, directory: this.directory, defaultTimeoutMs: this.defaults.callTimeoutMs };
  }

  foreign<I, O>(endpoint: ForeignEndpoint<I, O>): ForeignClient<I, O> {
    this.assertOpen();
    return foreignClient(
      endpoint,
      (input, options, mode) => this.router.invokeForeign(endpoint.metadata, input, options, mode, endpoint.options.path),
      (input, options) => this.router.streamForeign(endpoint.metadata, input, options),
      this.handleContext(),
    );
  }

  map<T, K extends MethodKeys<T>>(cls: Constructor<T>, method: K, argsList: Iterable<MethodArgs<T, K>> | AsyncIterable<MethodArgs<T, K>>, options: MapOptions = {}): MapRun<never> {
    this.assertOpen();
    if (getEndpointMetadata(cls)?.methods.some((m) => m.property === method && m.streaming)) {
      throw new ConfigurationError(`runtime.map runs calls that return one result; ${cls.name}.${method} is a streaming method: iterate runtime.call(${cls.name}, '${method}', args) for each item instead.`, { method });
    }
    return mapCalls(argsList, (args, callOptions) => this.call(cls, method, args, callOptions) as Promise<unknown>, options) as MapRun<never>;
  }

  /** The loaded @Endpoint class of that name, else the manifest's description of it. */
  private endpointByName(endpoint: string): EndpointMetadata {
    const fromCode = listEndpoints().find((e) => e.name === endpoint);
    if (fromCode) return fromCode;
    const declared = this.manifest?.endpoints[endpoint];
    if (declared) return metadataFromManifest(endpoint, declared);
    const known = [...new Set([...listEndpoints().map((e) => e.name), ...Object.keys(this.manifest?.endpoints ?? {})])].sort();
    throw new ConfigurationError(
      `Unknown endpoint "${endpoint}": no @Endpoint class is loaded with that name and the manifest does not list it. Known: ${known.join(', ') || 'none (pass the entry module or a manifest that declares it)'}.`,
      { endpoint },
    );
  }

  private localFallbackInstance(metadata: EndpointMetadata): object {
    if (!this.fallbackContainer) this.fallbackContainer = this.container.createChildContainer();
    const c = this.fallbackContainer;
    if (!c.isRegistered(metadata.target)) c.register(metadata.target, { useClass: metadata.target }, { lifecycle: Lifecycle.ContainerScoped });
    return c.resolve(metadata.target) as object;
  }

  private assertOpen(): void {
    if (this.closed) throw new SwitchyardError('This runtime is closed; create a new one with createRuntime().');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled(this.owned.map((c) => (c as { close?: () => unknown }).close?.()));
    await this.container.dispose();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/**
 * Creates a runtime. In the process that hosts an endpoint, `runtime.get(Cls)` returns the real
 * instance; elsewhere a router proxy with the same type that sends calls to the endpoint.
 */
export function createRuntime(options: RuntimeOptions = {}): Runtime {
  return new SwitchyardRuntime(options);
}
