import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { compareNames } from './cycles';
import type { Manifest, ManifestEndpoint, ManifestMethod, ManifestResources } from './model';

/**
 * The manifest as JSON text: two-space indentation, a trailing newline, fields in a fixed
 * order (version, generatedAt, project, endpoints, function_registry, resources_endpoints,
 * then `x-...` extensions), and every map sorted by key. Arrays keep their order (the builder
 * sorts methods and dependsOn; `gpu` is a preference list). Same manifest → same bytes.
 */
export function manifestToJson(manifest: Manifest): string {
  const out: Record<string, unknown> = {
    version: manifest.version,
    generatedAt: manifest.generatedAt,
    project: manifest.project,
    endpoints: sortedMap(manifest.endpoints, endpointToPlain),
    function_registry: sortedMap(manifest.function_registry, (v) => v),
  };
  if (manifest.resources_endpoints !== undefined) {
    out.resources_endpoints = sortedMap(manifest.resources_endpoints, (v) => (Array.isArray(v) ? [...v] : v));
  }
  Object.assign(out, extensionsOf(manifest));
  return `${JSON.stringify(out, null, 2)}\n`;
}

/**
 * Writes `manifestToJson(manifest)` to `path` (resolved from the current directory), creating
 * the folder if needed. The file is written beside the target and renamed over it, so a process
 * reading the manifest never sees half a file.
 */
export function writeManifest(path: string, manifest: Manifest): void {
  const file = resolve(path);
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, manifestToJson(manifest), 'utf8');
  renameSync(temporary, file);
}

function endpointToPlain(endpoint: ManifestEndpoint): Record<string, unknown> {
  return {
    type: endpoint.type,
    resources: resourcesToPlain(endpoint.resources),
    methods: endpoint.methods.map(methodToPlain),
    dependsOn: [...endpoint.dependsOn],
    contract: endpoint.contract,
    ...extensionsOf(endpoint),
  };
}

function resourcesToPlain(resources: ManifestResources): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (resources.gpu !== undefined) out.gpu = Array.isArray(resources.gpu) ? [...resources.gpu] : resources.gpu;
  if (resources.cpu !== undefined) out.cpu = resources.cpu;
  if (resources.workersMin !== undefined) out.workersMin = resources.workersMin;
  if (resources.workersMax !== undefined) out.workersMax = resources.workersMax;
  if (resources.env !== undefined) out.env = sortedMap(resources.env, (v) => v);
  return out;
}

function methodToPlain(method: ManifestMethod): Record<string, unknown> {
  return {
    name: method.name,
    property: method.property,
    ...(method.timeoutMs !== undefined ? { timeoutMs: method.timeoutMs } : {}),
    idempotent: method.idempotent,
    retries: method.retries,
    fallback: method.fallback,
    arity: method.arity,
    ...(method.streaming === true ? { streaming: true } : {}),
  };
}

function sortedMap<V, R>(map: Record<string, V>, convert: (value: V) => R): Record<string, R> {
  return Object.fromEntries(
    Object.keys(map)
      .sort(compareNames)
      .map((key) => [key, convert(map[key])]),
  );
}

/** `x-...` fields, sorted by name; their values are written as they are. */
function extensionsOf(value: object): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key.startsWith('x-'))
      .sort(([a], [b]) => compareNames(a, b)),
  );
}
