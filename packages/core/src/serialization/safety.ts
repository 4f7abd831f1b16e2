import { SerializationError } from '../errors';

/** Keys that could reach an object's prototype when a payload is merged or deserialized. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Deepest nesting accepted in a payload; deeper input is refused rather than risking a stack overflow. */
export const MAX_DEPTH = 200;

/**
 * Walks parsed JSON and refuses forbidden keys and excessive depth. `where` names the value for
 * the error (e.g. `argument 2`), and the path inside it is appended.
 */
export function assertSafeJson(value: unknown, where: string): void {
  const stack: Array<[unknown, string, number]> = [[value, '', 0]];
  while (stack.length > 0) {
    const [node, path, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth > MAX_DEPTH) {
      throw new SerializationError(`${where}: nesting deeper than ${MAX_DEPTH} levels at ${path || '(root)'}; flatten the value.`, where);
    }
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) stack.push([node[i], `${path}[${i}]`, depth + 1]);
      continue;
    }
    for (const key of Object.keys(node)) {
      if (FORBIDDEN_KEYS.has(key)) {
        throw new SerializationError(
          `${where}: the key "${key}" at ${path || '(root)'} is refused (prototype-pollution risk). Rename the field.`,
          where,
        );
      }
      stack.push([(node as Record<string, unknown>)[key], `${path}.${key}`, depth + 1]);
    }
  }
}
