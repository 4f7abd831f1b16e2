/**
 * GPU hints in RunPod's terms. RunPod places serverless workers by **pool** (`ADA_24`, …) and
 * narrows a pool by subtracting GPU **types** (`excludedTypes`, the `id` of GET /v2/catalog/gpus):
 * there is no list of types to include. A hint naming a type (`'NVIDIA A40'`, or its short name
 * `'A40'`) therefore becomes its pool minus the pool's other types.
 */

/** One entry of GET /v2/catalog/gpus, as far as deploy reads it. */
export interface GpuTypeInfo {
  /** The type id, e.g. `NVIDIA A40` (what `excludedTypes` takes). */
  id: string;
  /** The short name, e.g. `A40`. */
  name: string;
  /** The serverless pool the type belongs to, e.g. `AMPERE_48`. */
  pool: string;
}

/** A serverless GPU pool id (`pool` of GET /v2/catalog/gpus): `ADA_24`, `AMPERE_80`, `ADA_48_PRO`. */
export const POOL_ID = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/;

/** The GPU types of a `ListGpuTypesResponse` body, or undefined when it has no `gpus` list. Entries without id, name and pool are skipped. */
export function parseGpuCatalog(body: unknown): GpuTypeInfo[] | undefined {
  const gpus = (body as { gpus?: unknown } | null)?.gpus;
  if (!Array.isArray(gpus)) return undefined;
  return gpus.flatMap((g: unknown) => {
    const { id, name, pool } = (g ?? {}) as Record<string, unknown>;
    return typeof id === 'string' && typeof name === 'string' && typeof pool === 'string' && pool !== '' ? [{ id, name, pool }] : [];
  });
}

/** True when some hint names a GPU type rather than a pool, so the catalog is needed. */
export function namesGpuTypes(hints: readonly string[]): boolean {
  return hints.some((h) => !POOL_ID.test(h));
}

/**
 * The pools (in the order the hints reach them) and, when a hint named a type, the types to
 * exclude: for each pool reached only through types, the pool's other types. A pool named
 * directly is used whole. `problem` names the hints the catalog does not know.
 */
export function gpuSelection(hints: readonly string[], catalog: readonly GpuTypeInfo[] | undefined): { pools: string[]; excludedTypes?: string[] } | { problem: string } {
  const pools: string[] = [];
  const whole = new Set<string>();
  const wanted = new Map<string, Set<string>>();
  const unknown: string[] = [];
  for (const hint of hints) {
    if (POOL_ID.test(hint)) {
      whole.add(hint);
      if (!pools.includes(hint)) pools.push(hint);
      continue;
    }
    const type = catalog?.find((t) => t.id === hint) ?? catalog?.find((t) => t.name === hint);
    if (!type) {
      unknown.push(hint);
      continue;
    }
    if (!pools.includes(type.pool)) pools.push(type.pool);
    wanted.set(type.pool, (wanted.get(type.pool) ?? new Set()).add(type.id));
  }
  if (unknown.length > 0 && !catalog) {
    return {
      problem: `resources.gpu ${unknown.map((h) => JSON.stringify(h)).join(', ')} ${unknown.length === 1 ? 'names a GPU type' : 'name GPU types'}, not a pool, and no GPU catalog was given to map types to their pools: pass gpuCatalog (RunpodRestClient.listGpuTypes(), GET /v2/catalog/gpus), or name pools (e.g. "AMPERE_48").`,
    };
  }
  if (unknown.length > 0) {
    const known = catalog ? ` Its types include ${catalog.slice(0, 6).map((t) => `"${t.id}" (${t.name}, pool ${t.pool})`).join(', ')}.` : '';
    return {
      problem:
        `resources.gpu ${unknown.map((h) => JSON.stringify(h)).join(', ')} ${unknown.length === 1 ? 'is neither a GPU pool id nor a GPU type' : 'are neither GPU pool ids nor GPU types'} of RunPod's catalog (GET /v2/catalog/gpus).${known} ` +
        'Name pools (e.g. "AMPERE_48") or types by id or name (e.g. "NVIDIA A40" or "A40").',
    };
  }
  if (wanted.size === 0) return { pools };
  const excludedTypes = [...wanted].filter(([pool]) => !whole.has(pool)).flatMap(([pool, ids]) => catalog!.filter((t) => t.pool === pool && !ids.has(t.id)).map((t) => t.id));
  return { pools, excludedTypes: [...new Set(excludedTypes)].sort() };
}
