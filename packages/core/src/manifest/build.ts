import 'reflect-metadata';
import { basename } from 'node:path';
import { getEndpointMetadata, listEndpoints, type Constructor, type EndpointMetadata, type ResourceHints } from '@switchyard/decorators';
import { ManifestError } from '../errors';
import { describeValue } from './constraints';
import { constructorDependencies } from './constructor-dependencies';
import { contractHash } from './contract';
import { compareNames, findCycle } from './cycles';
import { fieldPath, keyPath } from './json-path';
import { MANIFEST_VERSION, type Manifest } from './model';
import { validateManifest } from './validate';

/** Options of `buildManifest`. */
export interface BuildManifestOptions {
  /** Project name written to the manifest. Default: the name of the current directory. */
  project?: string;
  /** Build time written as `generatedAt`. Default: now. Pass a fixed date for reproducible output. */
  now?: Date;
}

/** `file` of the ManifestErrors thrown while building (there is no file yet). */
export const BUILD_SOURCE = '<build>';

/**
 * Builds a manifest from decorator metadata: the given `@Endpoint` classes, or every endpoint
 * decorated in this process (`listEndpoints()`). The list may hold classes or their
 * `EndpointMetadata` (what `listEndpoints()` returns). Endpoints, methods (by route name), `dependsOn`,
 * `resources.env`, and `function_registry` are sorted, so the same classes always give the same
 * JSON (apart from `generatedAt`; pass `now` to pin it).
 *
 * `dependsOn` lists the endpoints reachable through constructor parameters (their types, or
 * tsyringe's `@inject(Class)` / `@inject(delay(() => Class))`): directly, or through plain
 * (non-endpoint) classes in between, since those are built locally and would call the endpoint
 * themselves. String and symbol tokens (`@inject('token')`) name no class and are not seen.
 *
 * Throws `ManifestError` (file `<build>`) when a class is not an endpoint, two classes share an
 * endpoint name, an endpoint needs an endpoint that is not in the list, endpoints form a call
 * cycle (`a -> b -> a`, including self-dependency), or the result is not a valid manifest.
 */
export function buildManifest(endpoints?: ReadonlyArray<Constructor | EndpointMetadata>, options: BuildManifestOptions = {}): Manifest {
  const metadata = endpoints ? endpoints.map(requireEndpoint) : listEndpoints();
  const byName = new Map<string, EndpointMetadata>();
  for (const meta of metadata) {
    const other = byName.get(meta.name);
    if (other && other.target !== meta.target) {
      fail(keyPath('endpoints', meta.name), `is declared by two classes, ${other.target.name} and ${meta.target.name}; give one of them another name`);
    }
    byName.set(meta.name, meta);
  }
  const names = [...byName.keys()].sort(compareNames);

  const dependsOn = new Map<string, string[]>();
  for (const name of names) {
    const meta = byName.get(name)!;
    const needed = reachableEndpoints(meta);
    for (const dependency of needed) {
      if (byName.get(dependency.name)?.target !== dependency.target) {
        fail(
          fieldPath(keyPath('endpoints', name), 'dependsOn'),
          `needs endpoint ${JSON.stringify(dependency.name)} (class ${dependency.target.name}), which is not in the list passed to buildManifest; add ${dependency.target.name} to the list`,
        );
      }
    }
    dependsOn.set(name, [...new Set(needed.map((d) => d.name))].sort(compareNames));
  }

  const cycle = findCycle(dependsOn);
  if (cycle) {
    const classes = cycle.map((name) => byName.get(name)!.target.name).join(' -> ');
    fail(
      fieldPath(keyPath('endpoints', cycle[0]), 'dependsOn'),
      `forms a call cycle ${cycle.join(' -> ')} (constructors ${classes}): a synchronous call cycle across serverless endpoints can deadlock; remove one of these constructor dependencies`,
    );
  }

  const manifestEndpoints: Record<string, unknown> = {};
  const functionRegistry: Record<string, string> = {};
  for (const name of names) {
    const meta = byName.get(name)!;
    const methods = [...meta.methods].sort((a, b) => compareNames(a.name, b.name));
    manifestEndpoints[name] = {
      type: meta.type,
      resources: resourcesOf(meta.resources),
      methods: methods.map((m) => ({
        name: m.name,
        property: m.property,
        ...(m.timeoutMs !== undefined ? { timeoutMs: m.timeoutMs } : {}),
        idempotent: m.idempotent,
        retries: m.retries,
        fallback: m.fallback,
        arity: m.arity,
        ...(m.streaming === true ? { streaming: true } : {}),
      })),
      dependsOn: dependsOn.get(name),
      contract: contractHash(meta),
    };
    for (const m of methods) functionRegistry[`${name}.${m.name}`] = name;
  }

  const plain = {
    version: MANIFEST_VERSION,
    generatedAt: (options.now ?? new Date()).toISOString(),
    project: options.project ?? basename(process.cwd()),
    endpoints: manifestEndpoints,
    function_registry: functionRegistry,
  };
  // The same validation as loadManifest, so a build can never write a file that fails to load.
  return validateManifest(plain, BUILD_SOURCE, { hint: 'Fix the @Endpoint / @Remote declarations.' });
}

function fail(path: string, problem: string): never {
  throw new ManifestError({ file: BUILD_SOURCE, path, problem: `${problem}.` });
}

function requireEndpoint(item: Constructor | EndpointMetadata): EndpointMetadata {
  const cls: unknown = typeof item === 'function' ? item : (item as Partial<EndpointMetadata> | null)?.target;
  const meta = getEndpointMetadata(cls);
  if (!meta) {
    const name = typeof cls === 'function' ? cls.name : describeValue(item);
    fail('', `class ${name} is not decorated with @Endpoint; decorate it or leave it out of the list passed to buildManifest`);
  }
  return meta;
}

/**
 * Endpoint classes reachable from an endpoint's constructor parameters, looking through plain
 * classes (their own constructor parameters) but not through other endpoints, whose
 * dependencies are their own edges in the graph.
 */
function reachableEndpoints(meta: EndpointMetadata): EndpointMetadata[] {
  const found = new Map<unknown, EndpointMetadata>();
  const seen = new Set<unknown>([meta.target]);
  const queue: unknown[] = constructorDependencies(meta.target, meta.dependencies);
  while (queue.length > 0) {
    const candidate = queue.shift();
    if (typeof candidate !== 'function') continue;
    const candidateMeta = getEndpointMetadata(candidate);
    if (candidateMeta) {
      found.set(candidate, candidateMeta);
      continue;
    }
    if (seen.has(candidate)) continue;
    seen.add(candidate);
    queue.push(...constructorDependencies(candidate, undefined));
  }
  return [...found.values()];
}

function resourcesOf(hints: ResourceHints): Record<string, unknown> {
  const resources: Record<string, unknown> = {};
  if (hints.gpu !== undefined) resources.gpu = Array.isArray(hints.gpu) ? [...hints.gpu] : hints.gpu;
  if (hints.cpu !== undefined) resources.cpu = hints.cpu;
  if (hints.workersMin !== undefined) resources.workersMin = hints.workersMin;
  if (hints.workersMax !== undefined) resources.workersMax = hints.workersMax;
  if (hints.env !== undefined) {
    resources.env = Object.fromEntries(Object.entries(hints.env).sort(([a], [b]) => compareNames(a, b)));
  }
  return resources;
}
