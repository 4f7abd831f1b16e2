import { ENDPOINT_REGISTRY } from './metadata-keys';
import type { Constructor, EndpointMetadata } from './types';

/**
 * Name → metadata of every `@Endpoint` class decorated in this process. It holds metadata
 * only (no instances, no container registrations), which is what `listEndpoints()` needs.
 */
export function endpointRegistry(): Map<string, EndpointMetadata> {
  const slot = globalThis as unknown as Record<symbol, Map<string, EndpointMetadata> | undefined>;
  let registry = slot[ENDPOINT_REGISTRY];
  if (!registry) {
    registry = new Map();
    slot[ENDPOINT_REGISTRY] = registry;
  }
  return registry;
}

/** Removes one class (or all) from the registry, for tests that declare endpoints on the fly. */
export function forgetEndpoint(target?: Constructor): void {
  const registry = endpointRegistry();
  if (!target) {
    registry.clear();
    return;
  }
  for (const [name, meta] of registry) if (meta.target === target) registry.delete(name);
}
