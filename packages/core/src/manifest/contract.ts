import { createHash } from 'node:crypto';
import type { RemoteMethodMetadata } from '@switchyard/decorators';

/** What the contract hash is computed from: an endpoint name and its methods' route names and arity. */
export interface ContractSource {
  name: string;
  methods: ReadonlyArray<Pick<RemoteMethodMetadata, 'name' | 'arity'>>;
}

/**
 * Contract hash of an endpoint: sha256 over its sorted route names and their arity, first 16
 * hex characters. Stable across runs and machines (no paths, dates or ordering effects);
 * changes when a remote method is added, removed or renamed, or its parameter count changes.
 * Accepts decorator metadata (`EndpointMetadata`) and manifest entries alike.
 */
export function contractHash(metadata: ContractSource): string {
  // Code-unit sort, not localeCompare: the order must not depend on the machine's locale.
  const lines = metadata.methods.map((m) => `${m.name}/${m.arity}`).sort();
  return createHash('sha256').update(`switchyard-contract-v1\n${metadata.name}\n${lines.join('\n')}`).digest('hex').slice(0, 16);
}
