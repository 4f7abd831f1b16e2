import { createHash } from 'node:crypto';
import type { EndpointMetadata } from '@switchyard/decorators';

/**
 * Contract hash of an endpoint: sha256 over its sorted route names and their arity, first 16
 * hex characters. Stable across runs and machines (no paths, dates or ordering effects);
 * changes when a remote method is added, removed or renamed, or its parameter count changes.
 */
export function contractHash(metadata: Pick<EndpointMetadata, 'name' | 'methods'>): string {
  const lines = metadata.methods.map((m) => `${m.name}/${m.arity}`).sort();
  return createHash('sha256').update(`switchyard-contract-v1\n${metadata.name}\n${lines.join('\n')}`).digest('hex').slice(0, 16);
}
