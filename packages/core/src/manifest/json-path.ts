/**
 * JSON paths for error messages, written the way a reader would type them in JavaScript:
 * `endpoints["image-processor"].methods[2].timeoutMs`. Keys of name-keyed maps are always
 * bracketed (names may contain `-`); object fields use dots when they are identifiers.
 */

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `base` followed by the field `name` (`.name`, or `["na-me"]` when not an identifier). */
export function fieldPath(base: string, name: string): string {
  if (!IDENTIFIER.test(name)) return `${base}[${JSON.stringify(name)}]`;
  return base === '' ? name : `${base}.${name}`;
}

/** `base` followed by the map key `key`, always bracketed: `endpoints["a"]`. */
export function keyPath(base: string, key: string): string {
  return `${base}[${JSON.stringify(key)}]`;
}

/** `base` followed by the array index: `methods[2]`. */
export function indexPath(base: string, index: number): string {
  return `${base}[${index}]`;
}
