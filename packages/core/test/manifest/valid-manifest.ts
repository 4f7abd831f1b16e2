// A valid hand-written manifest (as plain JSON data) that the malformed-manifest tests break one
// field at a time. Contracts are computed, so the base itself always validates.
import { contractHash } from '../../src/manifest';

type Json = Record<string, unknown>;

const resize = { name: 'resize', property: 'resize', timeoutMs: 30000, idempotent: false, retries: 0, fallback: 'none', arity: 2 };
const thumbnail = { name: 'thumbnail', property: 'thumbnail', idempotent: true, retries: 2, fallback: 'none', arity: 1 };
const put = { name: 'put', property: 'put', idempotent: false, retries: 0, fallback: 'none', arity: 2 };
const run = { name: 'run', property: 'run', idempotent: false, retries: 0, fallback: 'local', arity: 1 };

/** A fresh deep copy of the valid manifest, safe to mutate. */
export function validManifest(): Json {
  return structuredClone({
    version: 1,
    generatedAt: '2026-01-20T10:00:00.000Z',
    project: 'demo',
    endpoints: {
      'image-processor': {
        type: 'queue',
        resources: { gpu: ['AMPERE_16', 'ADA_24'], workersMin: 0, workersMax: 2, env: { MODEL: 'sdxl' } },
        methods: [resize, thumbnail],
        dependsOn: [],
        contract: contractHash({ name: 'image-processor', methods: [resize, thumbnail] }),
      },
      storage: {
        type: 'queue',
        resources: { cpu: 'cpu3c' },
        methods: [put],
        dependsOn: [],
        contract: contractHash({ name: 'storage', methods: [put] }),
      },
      workflow: {
        type: 'load-balancer',
        resources: {},
        methods: [run],
        dependsOn: ['image-processor', 'storage'],
        contract: contractHash({ name: 'workflow', methods: [run] }),
      },
    },
    function_registry: {
      'image-processor.resize': 'image-processor',
      'image-processor.thumbnail': 'image-processor',
      'storage.put': 'storage',
      'workflow.run': 'workflow',
    },
    resources_endpoints: {
      'image-processor': ['https://img-1.example.test/v2/image-processor', 'https://img-2.example.test/v2/image-processor'],
      storage: 'http://127.0.0.1:9000/v2/storage',
    },
  });
}

/** The endpoint entry `name` of a manifest returned by validManifest(), for mutation. */
export function endpointOf(manifest: Json, name: string): Json {
  return (manifest.endpoints as Record<string, Json>)[name];
}

/** Method `index` of endpoint `name`, for mutation. */
export function methodOf(manifest: Json, name: string, index: number): Json {
  return (endpointOf(manifest, name).methods as Json[])[index];
}
