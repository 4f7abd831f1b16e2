import { createHash } from 'node:crypto';
import type { RemoteMethodMetadata } from '@switchyard/decorators';

/** What the contract hash is computed from: an endpoint name and its methods' route names, arity and streaming flag. */
export interface ContractSource {
  name: string;
  methods: ReadonlyArray<Pick<RemoteMethodMetadata, 'name' | 'arity' | 'streaming'>>;
}

/**
 * Contract hash of an endpoint: sha256 over its sorted `<route>/<arity>` lines, first 16 hex
 * characters; a streaming method's line is `<route>/<arity>/stream`, so a method that starts or
 * stops streaming changes the contract (its callers read one result or a stream), while every
 * endpoint without streaming methods keeps the hash it always had. Stable across runs and
 * machines (no paths, dates or ordering effects); changes when a remote method is added,
 * removed or renamed, its parameter count changes, or it starts or stops streaming. Accepts
 * decorator metadata (`EndpointMetadata`) and manifest entries alike.
 */
export function contractHash(metadata: ContractSource): string {
  // Code-unit sort, not localeCompare: the order must not depend on the machine's locale.
  const lines = metadata.methods.map((m) => `${m.name}/${m.arity}${m.streaming === true ? '/stream' : ''}`).sort();
  return createHash('sha256').update(`switchyard-contract-v1\n${metadata.name}\n${lines.join('\n')}`).digest('hex').slice(0, 16);
}
