/**
 * What a method's compiled source says about its parameter list: whether it ends in a rest
 * parameter (`...xs`), which `Function.length` and `design:paramtypes` cannot tell. The list is
 * found by matching the first `(` with its `)`, skipping nested brackets and string literals.
 */
export function hasRestParameter(fn: (...args: never[]) => unknown): boolean {
  const source = Function.prototype.toString.call(fn);
  const start = source.indexOf('(');
  if (start < 0) return false;
  let depth = 0;
  let quote: string | undefined;
  for (let i = start; i < source.length; i++) {
    const c = source[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      depth--;
      if (depth === 0) return false;
    } else if (depth === 1 && source.startsWith('...', i)) return true;
  }
  return false;
}

/** The kinds of function a `@Remote` method may be. */
export function functionKind(fn: unknown): 'async' | 'async-generator' | 'generator' | 'plain' {
  const name = (fn as { constructor?: { name?: string } }).constructor?.name;
  if (name === 'AsyncFunction') return 'async';
  if (name === 'AsyncGeneratorFunction') return 'async-generator';
  if (name === 'GeneratorFunction') return 'generator';
  return 'plain';
}
