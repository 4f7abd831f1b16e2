import type { Constructor, EndpointMetadata } from '@switchyard/decorators';
import type { ManifestEndpoint } from './model';

/**
 * Endpoint metadata rebuilt from a manifest entry, for calling an endpoint whose class is not
 * loaded in this process (`switchyard call`, `runtime.callEndpoint`): enough to route, encode,
 * apply the method's retry rules and compute the same contract hash as the worker.
 */
export function metadataFromManifest(name: string, entry: ManifestEndpoint): EndpointMetadata {
  const target = class {} as Constructor;
  Object.defineProperty(target, 'name', { value: name });
  return {
    name,
    type: entry.type,
    resources: {},
    target,
    dependencies: [],
    methods: entry.methods.map((m) => ({
      name: m.name,
      property: m.property,
      arity: m.arity,
      paramTypes: [],
      timeoutMs: m.timeoutMs,
      idempotent: m.idempotent,
      retries: m.retries,
      fallback: 'none' as const,
      streaming: m.streaming ?? false,
    })),
  };
}
