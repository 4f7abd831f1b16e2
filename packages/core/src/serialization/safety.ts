import { SerializationError } from '../errors';

/** Keys that could reach an object's prototype when a payload is merged or deserialized. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Deepest nesting accepted in a payload; deeper input is refused rather than risking a stack overflow. */
export const MAX_DEPTH = 200;

/** The first unsafe spot of a JSON value: where it is (keys and indexes from the root) and what is wrong. */
export interface UnsafeJson {
  segments: Array<string | number>;
  problem: 'forbidden-key' | 'too-deep';
}

/**
 * The one JSON safety walk: finds the first forbidden key (`__proto__`, `constructor`,
 * `prototype`) or nesting deeper than `maxDepth`. Iterative, so hostile input cannot overflow
 * the stack. Callers format the location their own way (payloads, manifests).
 */
export function findUnsafeJson(value: unknown, maxDepth: number = MAX_DEPTH): UnsafeJson | undefined {
  // Each entry links to its parent, so a path is only built for the spot that is reported.
  interface Entry { node: unknown; key: string | number | undefined; parent: Entry | undefined; depth: number }
  const pathOf = (entry: Entry, last?: string): Array<string | number> => {
    const segments: Array<string | number> = last === undefined ? [] : [last];
    for (let e: Entry | undefined = entry; e && e.key !== undefined; e = e.parent) segments.unshift(e.key);
    return segments;
  };
  const stack: Entry[] = [{ node: value, key: undefined, parent: undefined, depth: 0 }];
  while (stack.length > 0) {
    const entry = stack.pop()!;
    const node = entry.node;
    if (node === null || typeof node !== 'object') continue;
    if (entry.depth > maxDepth) return { segments: pathOf(entry), problem: 'too-deep' };
    if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i--) stack.push({ node: node[i], key: i, parent: entry, depth: entry.depth + 1 });
      continue;
    }
    const keys = Object.keys(node);
    for (const key of keys) if (FORBIDDEN_KEYS.has(key)) return { segments: pathOf(entry, key), problem: 'forbidden-key' };
    for (let i = keys.length - 1; i >= 0; i--) {
      stack.push({ node: (node as Record<string, unknown>)[keys[i]], key: keys[i], parent: entry, depth: entry.depth + 1 });
    }
  }
  return undefined;
}

/** `.a[0].b`, or `(root)`. */
function formatPath(segments: ReadonlyArray<string | number>): string {
  return segments.map((s) => (typeof s === 'number' ? `[${s}]` : `.${s}`)).join('') || '(root)';
}

/**
 * Refuses forbidden keys and excessive depth in parsed JSON with a SerializationError. `where`
 * names the value (e.g. `argument 2`), and the path inside it is appended.
 */
export function assertSafeJson(value: unknown, where: string, maxDepth: number = MAX_DEPTH): void {
  const unsafe = findUnsafeJson(value, maxDepth);
  if (!unsafe) return;
  const at = formatPath(unsafe.problem === 'too-deep' ? unsafe.segments : unsafe.segments.slice(0, -1));
  if (unsafe.problem === 'too-deep') {
    throw new SerializationError(`${where}: nesting deeper than ${maxDepth} levels at ${at}; flatten the value.`, { position: where });
  }
  const key = String(unsafe.segments[unsafe.segments.length - 1]);
  throw new SerializationError(`${where}: the key "${key}" at ${at} is refused (prototype-pollution risk). Rename the field.`, { position: where });
}
