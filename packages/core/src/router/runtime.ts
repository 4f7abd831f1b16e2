import { existsSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { container as rootContainer, Lifecycle, type DependencyContainer } from 'tsyringe';
import {
  getEndpointMetadata,
  listEndpoints,
  type Constructor,
  type EndpointMetadata,
  type FallbackPolicy,
} from '@switchyard/decorators';
import { loadDefaults, type SwitchyardDefaults } from '../config';
import type { Directory } from '../directory/directory';
import { directoryFromEnv, StaticDirectory } from '../directory';
import { DirectoryUnavailableError, RouteNotFoundError, SwitchyardError } from '../errors';
import type { Executor } from '../executor/executor';
import { LoadBalancerExecutor, RunpodExecutor } from '../executor';
import { loadManifest, type Manifest } from '../manifest';
import { contractHash } from '../manifest/contract';
import { ConsoleLogger, type Logger } from '../observability/logger';
import { defaultSerializer, type Serializer } from '../serialization/serializer';
import { withCallContext } from './call-context';
import { RemoteRouter } from './remote-router';
import { createRouterProxy } from './router-proxy';
import type { CallOptions, MethodArgs, MethodKeys, MethodResult, Runtime } from './runtime-types';

/** Options of `createRuntime`. Every one has an environment default. */
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
  logger?: Logger;
  /** Parent container of the runtime's child container. Default: tsyringe's root container. */
  parentContainer?: DependencyContainer;
  /** Environment to read defaults from. Default: process.env. */
  env?: NodeJS.ProcessEnv;
}

/** Directory used when none is configured: every lookup explains how to configure one. */
class UnconfiguredDirectory implements Directory {
  async resolve(endpoint: string): Promise<string[]> {
    throw new DirectoryUnavailableError(
      `No directory is configured, so endpoint "${endpoint}" cannot be located. Set SWITCHYARD_DIRECTORY_URL (or SWITCHYARD_DIRECTORY with a JSON map), or pass { directory } to createRuntime.`,
      endpoint,
    );
  }
  async refresh(): Promise<void> {}
}

function parseHosted(value: string | string[] | undefined): Set<string> {
  const list = Array.isArray(value) ? value : (value ?? '').split(',');
  return new Set(list.map((s) => s.trim()).filter(Boolean));
}

function loadManifestOption(option: Manifest | string | undefined, env: NodeJS.ProcessEnv): Manifest | undefined {
  if (option !== undefined) return loadManifest(option as string);
  if (env.SWITCHYARD_MANIFEST) return loadManifest(resolvePath(env.SWITCHYARD_MANIFEST));
  const fallback = resolvePath('switchyard.manifest.json');
  return existsSync(fallback) ? loadManifest(fallback) : undefined;
}

function endpointTypes(manifest: Manifest | undefined): Record<string, 'queue' | 'load-balancer'> {
  const types: Record<string, 'queue' | 'load-balancer'> = {};
  for (const [name, e] of Object.entries(manifest?.endpoints ?? {})) types[name] = e.type;
  for (const e of listEndpoints()) types[e.name] = e.type;
  return types;
}

function defaultDirectory(env: NodeJS.ProcessEnv, manifest: Manifest | undefined, apiKey: string | undefined, logger: Logger): Directory {
  const types = endpointTypes(manifest);
  const fromEnv = directoryFromEnv({ env, apiKey, logger, endpointTypes: types });
  if (fromEnv) return fromEnv;
  if (manifest?.resources_endpoints) return new StaticDirectory(manifest.resources_endpoints, { endpointTypes: types });
  return new UnconfiguredDirectory();
}

/**
 * The Switchyard runtime: a tsyringe child container in which hosted endpoint classes resolve to
 * real instances (one per runtime) and every other endpoint class to a router proxy. Nothing is
 * global: two runtimes in one process do not share instances, caches or executors.
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
  private readonly router: RemoteRouter;
  private readonly prepared = new Set<Constructor>();
  private readonly owned: object[] = [];
  private fallbackContainer: DependencyContainer | undefined;
  private closed = false;

  constructor(options: RuntimeOptions) {
    const env = options.env ?? process.env;
    const apiKey = options.apiKey ?? env.RUNPOD_API_KEY;
    this.defaults = loadDefaults(env);
    this.logger = options.logger ?? new ConsoleLogger({ secrets: [apiKey] });
    this.serializer = options.serializer ?? defaultSerializer;
    this.manifest = loadManifestOption(options.manifest, env);
    this.hosted = parseHosted(options.endpoint ?? env.SWITCHYARD_ENDPOINT);
    this.checkHostedNames();
    this.directory = options.directory ?? this.own(defaultDirectory(env, this.manifest, apiKey, this.logger));
    this.executor = options.executor ?? this.own(new RunpodExecutor({ apiKey, logger: this.logger }));
    this.loadBalancerExecutor = options.loadBalancerExecutor ?? this.own(new LoadBalancerExecutor({ apiKey, logger: this.logger }));
    this.container = (options.parentContainer ?? rootContainer).createChildContainer();
    this.router = new RemoteRouter({
      directory: this.directory,
      executor: this.executor,
      loadBalancerExecutor: this.loadBalancerExecutor,
      serializer: this.serializer,
      logger: this.logger,
      defaults: this.defaults,
      fallback: options.fallback ?? 'none',
      localInstance: (metadata) => this.localFallbackInstance(metadata),
    });
    for (const metadata of listEndpoints()) this.prepare(metadata.target);
  }

  private own<T extends object>(component: T): T {
    this.owned.push(component);
    return component;
  }

  private checkHostedNames(): void {
    const known = new Set([...listEndpoints().map((e) => e.name), ...Object.keys(this.manifest?.endpoints ?? {})]);
    for (const name of this.hosted) {
      if (!known.has(name)) {
        throw new RouteNotFoundError(
          `This process is set to host endpoint "${name}" (SWITCHYARD_ENDPOINT or the endpoint option), but no @Endpoint class has that name. Known endpoints: ${[...known].sort().join(', ') || '(none: import the endpoint classes before createRuntime)'}.`,
          name,
        );
      }
    }
    if (this.manifest) {
      for (const metadata of listEndpoints()) {
        const declared = this.manifest.endpoints[metadata.name];
        if (declared && declared.contract !== contractHash(metadata)) {
          this.logger.warn(`the manifest's contract for endpoint "${metadata.name}" differs from the code; rebuild it with "switchyard build"`, {
            endpoint: metadata.name,
          });
        }
      }
    }
  }

  /** Registers an endpoint class (and its endpoint dependencies) in the child container once. */
  private prepare(cls: Constructor): void {
    if (this.prepared.has(cls)) return;
    const metadata = getEndpointMetadata(cls);
    if (!metadata) return;
    this.prepared.add(cls);
    if (this.hosted.has(metadata.name)) {
      this.container.register(cls, { useClass: cls }, { lifecycle: Lifecycle.ContainerScoped });
    } else {
      const proxy = createRouterProxy(cls, metadata, (method, args) => this.router.invoke(metadata, method, args));
      this.container.register(cls, { useValue: proxy });
    }
    for (const dependency of metadata.dependencies) if (typeof dependency === 'function') this.prepare(dependency as Constructor);
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
        metadata.name,
      );
    }
    return this.get(cls);
  }

  hosts(endpoint: string): boolean {
    return this.hosted.has(endpoint);
  }

  async call<T, K extends MethodKeys<T>>(
    cls: Constructor<T>,
    method: K,
    args: MethodArgs<T, K>,
    options: CallOptions = {},
  ): Promise<MethodResult<T, K>> {
    this.assertOpen();
    const metadata = getEndpointMetadata(cls);
    const argList = args as unknown as unknown[];
    if (metadata && !this.hosted.has(metadata.name)) {
      this.prepare(cls);
      const route = metadata.methods.find((m) => m.property === method);
      if (!route) {
        throw new RouteNotFoundError(
          `${cls.name}.${method} is not a @Remote method, so it cannot run on endpoint "${metadata.name}". Mark it @Remote.`,
          metadata.name,
          method,
        );
      }
      // Resolve through the container so a registered override still wins.
      const target = this.container.resolve(cls) as Record<string, unknown>;
      if (!this.isOurProxy(target)) {
        return (await (target[method] as (...a: unknown[]) => unknown)(...argList)) as MethodResult<T, K>;
      }
      return (await this.router.invoke(metadata, route.name, argList, options)) as MethodResult<T, K>;
    }
    const instance = this.get(cls) as Record<string, (...a: unknown[]) => unknown>;
    const deadline = options.timeoutMs !== undefined ? Date.now() + options.timeoutMs : undefined;
    return (await withCallContext({ signal: options.signal, deadline }, () => instance[method](...argList))) as MethodResult<T, K>;
  }

  async callEndpoint(endpoint: string, method: string, args: unknown[], options: CallOptions = {}): Promise<unknown> {
    this.assertOpen();
    const fromCode = listEndpoints().find((e) => e.name === endpoint);
    if (fromCode) {
      const route = fromCode.methods.find((m) => m.name === method);
      if (route && this.hosted.has(endpoint)) return this.call(fromCode.target, route.property as never, args as never, options);
      return this.router.invoke(fromCode, method, args, options);
    }
    const declared = this.manifest?.endpoints[endpoint];
    if (!declared) {
      throw new RouteNotFoundError(
        `Unknown endpoint "${endpoint}": no @Endpoint class is loaded with that name and the manifest does not list it. Known: ${[...new Set([...listEndpoints().map((e) => e.name), ...Object.keys(this.manifest?.endpoints ?? {})])].sort().join(', ') || 'none'}.`,
        endpoint,
        method,
      );
    }
    // Metadata rebuilt from the manifest: enough to route, encode and compute the same contract.
    const target = class {} as Constructor;
    Object.defineProperty(target, 'name', { value: endpoint });
    const metadata: EndpointMetadata = {
      name: endpoint,
      type: declared.type,
      resources: {},
      target,
      dependencies: [],
      methods: declared.methods.map((m) => ({
        name: m.name,
        property: m.property,
        arity: m.arity,
        paramTypes: [],
        timeoutMs: m.timeoutMs,
        idempotent: m.idempotent,
        retries: m.retries,
        fallback: 'none' as const,
      })),
    };
    return this.router.invoke(metadata, method, args, options);
  }

  private isOurProxy(value: object): boolean {
    return (value as Record<symbol, unknown>)[Symbol.for('switchyard:router-proxy')] !== undefined;
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
export function createRuntime(options: RuntimeOptions = {}): Runtime & { readonly manifest: Manifest | undefined } {
  return new SwitchyardRuntime(options);
}
