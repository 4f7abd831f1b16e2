import { ManifestError } from '../../src/errors';
import { loadManifest } from '../../src/manifest';
import { LOAD_HINT } from '../../src/manifest/validate';
import { endpointOf, methodOf, validManifest } from './valid-manifest';

type Json = Record<string, unknown>;

/** Loads the object and returns the ManifestError it must throw. */
function manifestError(raw: unknown): ManifestError {
  try {
    loadManifest(raw as object);
  } catch (error) {
    if (error instanceof ManifestError) return error;
    throw error;
  }
  throw new Error('expected loadManifest to throw a ManifestError');
}

/** [case, mutation of a valid manifest, exact JSON path, words the problem must contain]. */
const CASES: Array<[string, (m: Json) => void, string, string]> = [
  ['version 2', (m) => (m.version = 2), 'version', 'must be 1 (the manifest version this Switchyard reads), got 2'],
  ['version as a string', (m) => (m.version = '1'), 'version', 'must be 1'],
  ['no version', (m) => delete m.version, 'version', 'is missing; it must be 1'],
  ['a generatedAt that is not a date', (m) => (m.generatedAt = 'yesterday'), 'generatedAt', 'must be an ISO 8601 date-time string'],
  ['an empty project', (m) => (m.project = ''), 'project', 'must be a non-empty string, got ""'],
  ['endpoints as an array', (m) => (m.endpoints = []), 'endpoints', 'must be an object mapping endpoint names to endpoints'],
  [
    'an endpoint name with a space',
    (m) => ((m.endpoints as Json)['image processor'] = endpointOf(m, 'storage')),
    'endpoints["image processor"]',
    'is not a valid endpoint name',
  ],
  ['an endpoint that is not an object', (m) => ((m.endpoints as Json).storage = 'cpu'), 'endpoints["storage"]', 'must be an endpoint object, got "cpu"'],
  ['an unknown endpoint type', (m) => (endpointOf(m, 'storage').type = 'gpu'), 'endpoints["storage"].type', 'must be "queue" or "load-balancer", got "gpu"'],
  ['no resources', (m) => delete endpointOf(m, 'storage').resources, 'endpoints["storage"].resources', 'is missing'],
  ['an empty gpu list', (m) => ((endpointOf(m, 'image-processor').resources as Json).gpu = []), 'endpoints["image-processor"].resources.gpu', 'must be a non-empty string or a non-empty array'],
  ['workersMax 0', (m) => ((endpointOf(m, 'image-processor').resources as Json).workersMax = 0), 'endpoints["image-processor"].resources.workersMax', 'must be a positive integer, got 0'],
  ['workersMin above workersMax', (m) => ((endpointOf(m, 'image-processor').resources as Json).workersMin = 5), 'endpoints["image-processor"].resources.workersMin', 'is 5, greater than workersMax (2)'],
  ['an invalid env name', (m) => ((endpointOf(m, 'image-processor').resources as Json).env = { '1MODEL': 'x' }), 'endpoints["image-processor"].resources.env["1MODEL"]', 'is not a valid environment variable name'],
  ['a numeric env value', (m) => ((endpointOf(m, 'image-processor').resources as Json).env = { MODEL: 7 }), 'endpoints["image-processor"].resources.env["MODEL"]', 'must be a string, got 7'],
  ['methods as an object', (m) => (endpointOf(m, 'storage').methods = {}), 'endpoints["storage"].methods', 'must be an array of methods, got an object'],
  ['a method that is a string', (m) => ((endpointOf(m, 'image-processor').methods as unknown[])[1] = 'thumbnail'), 'endpoints["image-processor"].methods[1]', 'must be an object, got "thumbnail"'],
  ['a negative timeout', (m) => (methodOf(m, 'image-processor', 1).timeoutMs = -5), 'endpoints["image-processor"].methods[1].timeoutMs', 'must be a positive integer, got -5'],
  ['a fractional timeout', (m) => (methodOf(m, 'image-processor', 0).timeoutMs = 1.5), 'endpoints["image-processor"].methods[0].timeoutMs', 'must be a positive integer, got 1.5'],
  ['a null timeout', (m) => (methodOf(m, 'image-processor', 0).timeoutMs = null), 'endpoints["image-processor"].methods[0].timeoutMs', 'must be a positive integer, got null'],
  ['a non-boolean idempotent', (m) => (methodOf(m, 'storage', 0).idempotent = 'yes'), 'endpoints["storage"].methods[0].idempotent', 'must be true or false, got "yes"'],
  ['retries without idempotent', (m) => (methodOf(m, 'storage', 0).retries = 2), 'endpoints["storage"].methods[0].retries', 'is 2 but idempotent is false; only idempotent methods are resubmitted'],
  ['an unknown fallback', (m) => (methodOf(m, 'workflow', 0).fallback = 'remote'), 'endpoints["workflow"].methods[0].fallback', 'must be "none" or "local", got "remote"'],
  ['a negative arity', (m) => (methodOf(m, 'storage', 0).arity = -1), 'endpoints["storage"].methods[0].arity', 'must be a non-negative integer, got -1'],
  ['a method without a name', (m) => delete methodOf(m, 'storage', 0).name, 'endpoints["storage"].methods[0].name', 'is missing; it must be a route name'],
  ['a route name with a dot', (m) => (methodOf(m, 'storage', 0).name = 'put.v2'), 'endpoints["storage"].methods[0].name', 'must be a route name'],
  ['two methods with one name', (m) => (methodOf(m, 'image-processor', 1).name = 'resize'), 'endpoints["image-processor"].methods[1].name', 'duplicates methods[0].name "resize"'],
  ['a misspelt method field', (m) => (methodOf(m, 'storage', 0).timeoutMS = 100), 'endpoints["storage"].methods[0].timeoutMS', 'is not a known field'],
  ['dependsOn as a string', (m) => (endpointOf(m, 'workflow').dependsOn = 'storage'), 'endpoints["workflow"].dependsOn', 'must be an array of endpoint names'],
  ['dependsOn naming an unknown endpoint', (m) => (endpointOf(m, 'workflow').dependsOn = ['storage', 'ghost']), 'endpoints["workflow"].dependsOn[1]', 'names endpoint "ghost", which is not in endpoints'],
  ['dependsOn holding a number', (m) => (endpointOf(m, 'workflow').dependsOn = [3]), 'endpoints["workflow"].dependsOn[0]', 'must be an endpoint name, got 3'],
  ['no contract', (m) => delete endpointOf(m, 'storage').contract, 'endpoints["storage"].contract', 'is missing; it must be a 16-character lowercase hex contract hash'],
  ['a contract of the wrong shape', (m) => (endpointOf(m, 'storage').contract = 'v1'), 'endpoints["storage"].contract', 'must be a 16-character lowercase hex contract hash, got "v1"'],
  ['a contract that does not match the methods', (m) => (endpointOf(m, 'storage').contract = '0123456789abcdef'), 'endpoints["storage"].contract', 'is "0123456789abcdef" but the endpoint\'s methods hash to "5f1fa187579fbbbe"; the method list was edited after the build'],
  ['a method with no function_registry entry', (m) => delete (m.function_registry as Json)['storage.put'], 'function_registry["storage.put"]', 'is missing; every remote method needs an entry'],
  ['a function_registry key without a method', (m) => ((m.function_registry as Json).storage = 'storage'), 'function_registry["storage"]', 'is not a routing key: keys must be "<endpoint>.<method>"'],
  ['a function_registry entry for an unknown endpoint', (m) => ((m.function_registry as Json)['ghost.put'] = 'ghost'), 'function_registry["ghost.put"]', 'names endpoint "ghost", which is not in endpoints'],
  ['a function_registry entry for an unknown method', (m) => ((m.function_registry as Json)['storage.get'] = 'storage'), 'function_registry["storage.get"]', 'names method "get", which endpoint "storage" does not have'],
  ['a function_registry entry pointing elsewhere', (m) => ((m.function_registry as Json)['storage.put'] = 'workflow'), 'function_registry["storage.put"]', 'must be "storage" (the endpoint named by the key), got "workflow"'],
  ['resources_endpoints naming an unknown endpoint', (m) => ((m.resources_endpoints as Json).ghost = 'https://ghost.example.test'), 'resources_endpoints["ghost"]', 'names endpoint "ghost"'],
  ['a resources_endpoints URL that is not http', (m) => ((m.resources_endpoints as Json).storage = 'ftp://files.example.test'), 'resources_endpoints["storage"]', 'must be an http(s) URL or an array of them'],
  ['a bad replica URL', (m) => ((m.resources_endpoints as Json)['image-processor'] = ['https://ok.example.test', 'not a url']), 'resources_endpoints["image-processor"][1]', 'must be an http(s) URL, got "not a url"'],
  ['an empty replica list', (m) => ((m.resources_endpoints as Json).storage = []), 'resources_endpoints["storage"]', 'must list at least one URL'],
  [
    'a call cycle',
    (m) => (endpointOf(m, 'storage').dependsOn = ['workflow']),
    'endpoints["storage"].dependsOn',
    'forms a call cycle storage -> workflow -> storage: a synchronous call cycle across serverless endpoints can deadlock',
  ],
  ['a self-dependency', (m) => (endpointOf(m, 'storage').dependsOn = ['storage']), 'endpoints["storage"].dependsOn', 'forms a call cycle storage -> storage'],
  [
    'a __proto__ key',
    (m) => Object.defineProperty(methodOf(m, 'storage', 0), '__proto__', { value: { polluted: true }, enumerable: true }),
    'endpoints["storage"].methods[0].__proto__',
    'is a refused key (prototype-pollution risk)',
  ],
];

describe('loadManifest on malformed manifests', () => {
  it('accepts the unmodified base manifest', () => {
    expect(Object.keys(loadManifest(validManifest()).endpoints)).toEqual(['image-processor', 'storage', 'workflow']);
  });

  it.each(CASES)('refuses %s, naming the field path', (_case, mutate, path, problem) => {
    const raw = validManifest();
    mutate(raw);
    const error = manifestError(raw);

    expect(error.path).toBe(path);
    expect(error.file).toBe('<object>');
    expect(error.code).toBe('MANIFEST_INVALID');
    expect(error.message).toContain(`<object>: ${path} ${problem}`);
    expect(error.message.endsWith(LOAD_HINT)).toBe(true);
  });

  it('refuses a top level that is not an object', () => {
    const error = manifestError([1, 2]);

    expect(error.path).toBe('');
    expect(error.message).toBe(`<object>: the manifest must be a JSON object, got an array of 2. ${LOAD_HINT}`);
  });
});
