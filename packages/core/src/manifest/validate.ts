import 'reflect-metadata';
import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { NAME_PATTERN } from '@switchyard/decorators';
import { ManifestError } from '../errors';
import { findUnsafeJson } from '../serialization/safety';
import { EXPECT_CONSTRAINT, describeValue, expectationProblem, isNonEmptyString, isPlainObject } from './constraints';
import { contractHash } from './contract';
import { findCycle } from './cycles';
import { fieldPath, indexPath, keyPath } from './json-path';
import { ENV_NAME_PATTERN, Manifest, ManifestEndpoint, type ExtensionKey } from './model';

/** Deepest nesting accepted in a manifest; a manifest is far shallower. */
const MAX_DEPTH = 64;

/** Options of `validateManifest`. */
export interface ValidateManifestOptions {
  /**
   * Sentence appended to every problem, saying what to do. Default: fix the file or regenerate
   * it with `switchyard build`.
   */
  hint?: string;
}

/** The hint appended to problems found in a manifest read from a file or object. */
export const LOAD_HINT = 'Fix the manifest, or regenerate it with `switchyard build`.';

type Fail = (path: string, problem: string) => never;

/**
 * Validates parsed JSON (or an object) as a manifest and returns `Manifest` instances.
 * `file` names the source in errors (a path, or `<object>`). Throws `ManifestError` with the
 * JSON path of the first bad field, e.g. `endpoints["image-processor"].methods[2].timeoutMs`
 * and a problem such as `must be a positive integer, got -5`.
 *
 * Checks, in order: the shape and every field (class-validator); unknown fields (only `x-...`
 * at the top level and in endpoint entries are allowed); endpoint names match NAME_PATTERN;
 * `resources.env` names and values; `workersMin <= workersMax`; `retries > 0` only with
 * `idempotent`; route names unique per endpoint; each `contract` equals `contractHash()` of its
 * endpoint; `dependsOn` names exist; `function_registry` has exactly one correct entry per
 * method; `resources_endpoints` names exist and hold http(s) URLs; no call cycle.
 */
export function validateManifest(raw: unknown, file: string, options: ValidateManifestOptions = {}): Manifest {
  const hint = options.hint ?? LOAD_HINT;
  const fail: Fail = (path, problem) => {
    throw new ManifestError({ file, path, problem: hint ? `${problem}. ${hint}` : `${problem}.` });
  };

  if (!isPlainObject(raw)) fail('', `the manifest must be a JSON object, got ${describeValue(raw)}`);
  refuseForbiddenKeys(raw, fail);

  const [topExtensions, topFields] = splitExtensions(raw, '', fail);
  const manifest = transformAndValidate(Manifest, topFields, '', fail);

  const endpoints: Record<string, ManifestEndpoint> = {};
  for (const [name, value] of Object.entries(topFields.endpoints as Record<string, unknown>)) {
    const path = keyPath('endpoints', name);
    if (!NAME_PATTERN.test(name)) {
      fail(path, 'is not a valid endpoint name: use 1-64 letters, digits, "-" or "_", starting with a letter or digit');
    }
    if (!isPlainObject(value)) fail(path, expectationProblem(value, 'an endpoint object'));
    const [extensions, fields] = splitExtensions(value, path, fail);
    endpoints[name] = Object.assign(transformAndValidate(ManifestEndpoint, fields, path, fail), extensions);
  }
  manifest.endpoints = endpoints;
  Object.assign(manifest, topExtensions);

  checkEndpoints(manifest, fail);
  checkFunctionRegistry(manifest, fail);
  checkResourcesEndpoints(manifest, fail);
  const cycle = findCycle(new Map(Object.entries(manifest.endpoints).map(([name, e]) => [name, e.dependsOn])));
  if (cycle) {
    fail(
      fieldPath(keyPath('endpoints', cycle[0]), 'dependsOn'),
      `forms a call cycle ${cycle.join(' -> ')}: a synchronous call cycle across serverless endpoints can deadlock; remove one of these dependencies`,
    );
  }
  return manifest;
}

/** class-transformer then class-validator on one object; fails with the first problem's path. */
function transformAndValidate<T extends object>(cls: ClassConstructor<T>, plain: Record<string, unknown>, base: string, fail: Fail): T {
  const instance = plainToInstance(cls, plain);
  const errors = validateSync(instance, {
    whitelist: true,
    forbidNonWhitelisted: true,
    stopAtFirstError: true,
    validationError: { target: false, value: true },
  });
  const problem = firstProblem(errors, base, false);
  if (problem) fail(problem.path, problem.problem);
  return instance;
}

/** Depth-first: the first error that carries a message, with its JSON path. */
function firstProblem(errors: ValidationError[], base: string, inArray: boolean): { path: string; problem: string } | undefined {
  for (const error of errors) {
    const path = inArray ? indexPath(base, Number(error.property)) : fieldPath(base, error.property);
    const constraints = error.constraints ?? {};
    if (Object.keys(constraints).length > 0) return { path, problem: problemOf(error, constraints) };
    const inner = firstProblem(error.children ?? [], path, Array.isArray(error.value));
    if (inner) return inner;
  }
  return undefined;
}

function problemOf(error: ValidationError, constraints: Record<string, string>): string {
  if (constraints[EXPECT_CONSTRAINT]) return constraints[EXPECT_CONSTRAINT];
  if (constraints.whitelistValidation) {
    return 'is not a known field; remove it (extension fields are allowed only at the top level and in endpoint entries, and their names start with "x-")';
  }
  if (constraints.nestedValidation) return expectationProblem(error.value, 'an object');
  return Object.values(constraints)[0];
}

/** Separates `x-...` extension fields (deep-copied, kept verbatim) from the modelled fields. */
function splitExtensions(value: Record<string, unknown>, base: string, fail: Fail): [Record<ExtensionKey, unknown>, Record<string, unknown>] {
  const extensions: Record<ExtensionKey, unknown> = {};
  const fields: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if (!key.startsWith('x-')) {
      fields[key] = field;
      continue;
    }
    try {
      extensions[key as ExtensionKey] = structuredClone(field);
    } catch {
      fail(fieldPath(base, key), 'must hold JSON data (objects, arrays, strings, numbers, booleans, null)');
    }
  }
  return [extensions, fields];
}

/** Fields whose values are maps keyed by names; their keys are written `["key"]` in paths. */
const MAP_FIELDS: ReadonlySet<string> = new Set(['endpoints', 'env', 'function_registry', 'resources_endpoints']);

/** Refuses prototype-pollution keys and excessive nesting (the shared JSON safety walk), naming the field. */
function refuseForbiddenKeys(value: unknown, fail: Fail): void {
  const unsafe = findUnsafeJson(value, MAX_DEPTH);
  if (!unsafe) return;
  // Keys of name-keyed maps are written ["key"], other keys .key, as everywhere in manifest errors.
  let path = '';
  let parentIsMap = false;
  for (const segment of unsafe.segments) {
    const isMapKey: boolean = parentIsMap;
    path = typeof segment === 'number' ? indexPath(path, segment) : isMapKey ? keyPath(path, segment) : fieldPath(path, segment);
    parentIsMap = typeof segment === 'string' && !isMapKey && MAP_FIELDS.has(segment);
  }
  if (unsafe.problem === 'too-deep') fail(path, `nests deeper than ${MAX_DEPTH} levels; a manifest is far shallower`);
  fail(path, 'is a refused key (prototype-pollution risk); remove it');
}

function checkEndpoints(manifest: Manifest, fail: Fail): void {
  for (const [name, endpoint] of Object.entries(manifest.endpoints)) {
    const path = keyPath('endpoints', name);
    const resources = fieldPath(path, 'resources');
    for (const [variable, value] of Object.entries(endpoint.resources.env ?? {})) {
      const envPath = keyPath(fieldPath(resources, 'env'), variable);
      if (!ENV_NAME_PATTERN.test(variable)) fail(envPath, 'is not a valid environment variable name: use letters, digits and "_", not starting with a digit');
      if (typeof value !== 'string') fail(envPath, `must be a string, got ${describeValue(value)}`);
    }
    const { workersMin, workersMax } = endpoint.resources;
    if (workersMin !== undefined && workersMax !== undefined && workersMin > workersMax) {
      fail(fieldPath(resources, 'workersMin'), `is ${workersMin}, greater than workersMax (${workersMax})`);
    }

    const seen = new Map<string, number>();
    endpoint.methods.forEach((method, i) => {
      const methodPath = indexPath(fieldPath(path, 'methods'), i);
      if (method.retries > 0 && !method.idempotent) {
        fail(fieldPath(methodPath, 'retries'), `is ${method.retries} but idempotent is false; only idempotent methods are resubmitted, so set idempotent: true or retries: 0`);
      }
      const first = seen.get(method.name);
      if (first !== undefined) {
        fail(fieldPath(methodPath, 'name'), `duplicates methods[${first}].name ${JSON.stringify(method.name)}; route names must be unique within an endpoint`);
      }
      seen.set(method.name, i);
    });

    const expected = contractHash({ name, methods: endpoint.methods });
    if (endpoint.contract !== expected) {
      fail(fieldPath(path, 'contract'), `is ${JSON.stringify(endpoint.contract)} but the endpoint's methods hash to ${JSON.stringify(expected)}; the method list was edited after the build`);
    }

    endpoint.dependsOn.forEach((dependency, i) => {
      const depPath = indexPath(fieldPath(path, 'dependsOn'), i);
      if (typeof dependency !== 'string') fail(depPath, `must be an endpoint name, got ${describeValue(dependency)}`);
      if (!Object.hasOwn(manifest.endpoints, dependency)) fail(depPath, `names endpoint ${JSON.stringify(dependency)}, which is not in endpoints`);
    });
  }
}

function checkFunctionRegistry(manifest: Manifest, fail: Fail): void {
  const registry = manifest.function_registry;
  for (const [key, value] of Object.entries(registry)) {
    const path = keyPath('function_registry', key);
    const dot = key.indexOf('.');
    if (dot <= 0 || dot === key.length - 1) fail(path, 'is not a routing key: keys must be "<endpoint>.<method>"');
    const endpointName = key.slice(0, dot);
    const methodName = key.slice(dot + 1);
    const endpoint = Object.hasOwn(manifest.endpoints, endpointName) ? manifest.endpoints[endpointName] : undefined;
    if (!endpoint) fail(path, `names endpoint ${JSON.stringify(endpointName)}, which is not in endpoints`);
    if (!endpoint.methods.some((m) => m.name === methodName)) {
      fail(path, `names method ${JSON.stringify(methodName)}, which endpoint ${JSON.stringify(endpointName)} does not have`);
    }
    if (value !== endpointName) fail(path, `must be ${JSON.stringify(endpointName)} (the endpoint named by the key), got ${describeValue(value)}`);
  }
  for (const [name, endpoint] of Object.entries(manifest.endpoints)) {
    for (const method of endpoint.methods) {
      const key = `${name}.${method.name}`;
      if (!Object.hasOwn(registry, key)) fail(keyPath('function_registry', key), `is missing; every remote method needs an entry ("${key}": "${name}")`);
    }
  }
}

function checkResourcesEndpoints(manifest: Manifest, fail: Fail): void {
  for (const [name, value] of Object.entries(manifest.resources_endpoints ?? {})) {
    const path = keyPath('resources_endpoints', name);
    if (!Object.hasOwn(manifest.endpoints, name)) fail(path, `names endpoint ${JSON.stringify(name)}, which is not in endpoints`);
    if (Array.isArray(value)) {
      if (value.length === 0) fail(path, 'must list at least one URL');
      value.forEach((url, i) => {
        if (!isHttpUrl(url)) fail(indexPath(path, i), expectationProblem(url, 'an http(s) URL'));
      });
    } else if (!isHttpUrl(value)) {
      fail(path, expectationProblem(value, 'an http(s) URL or an array of them'));
    }
  }
}

function isHttpUrl(value: unknown): value is string {
  if (!isNonEmptyString(value)) return false;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
