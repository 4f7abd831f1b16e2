import 'reflect-metadata';

/** tsyringe's metadata key for `@inject(token)` parameters (index → token). */
const INJECTION_TOKENS = 'injectionTokens';

/**
 * The classes a constructor asks for: `design:paramtypes`, with tsyringe's `@inject(Class)` and
 * `@inject(delay(() => Class))` tokens applied on top, as tsyringe itself does. delay() matters
 * here: it is the only way to write a constructor cycle in tsyringe (and the fix for a circular
 * import between two files), so without it a cycle would go unseen. String and symbol tokens name
 * no class and come back as undefined, as do parameters whose type is unknown.
 *
 * Call it once every module has loaded (building the manifest, preparing a runtime), never while
 * classes are being declared: a delayed constructor's thunk may name a class not yet defined.
 */
export function constructorDependencies(cls: object, paramTypes: readonly unknown[] | undefined): unknown[] {
  const params = [...(paramTypes ?? (Reflect.getMetadata('design:paramtypes', cls) as unknown[] | undefined) ?? [])];
  const tokens = (Reflect.getOwnMetadata(INJECTION_TOKENS, cls) as Record<string, unknown> | undefined) ?? {};
  for (const [index, token] of Object.entries(tokens)) params[Number(index)] = token;
  // tsyringe writes its token records into the design:paramtypes array itself, so every entry
  // may be a class, a token record or a delayed constructor.
  return params.map((token) => classOfToken(token));
}

function classOfToken(token: unknown, depth = 0): unknown {
  if (typeof token === 'function') return token;
  if (token === null || typeof token !== 'object' || depth > 3) return undefined;
  const record = token as { token?: unknown; wrap?: unknown; createProxy?: unknown };
  // @inject(token, options) in tsyringe 4.10 stores { token, multiple, isOptional }.
  if ('token' in record) return classOfToken(record.token, depth + 1);
  // delay(() => Class) returns a DelayedConstructor, which tsyringe does not export; its
  // constructor thunk is the `wrap` field. A test pins this so a tsyringe change is noticed.
  if (typeof record.createProxy === 'function' && typeof record.wrap === 'function') {
    try {
      return (record.wrap as () => unknown)();
    } catch {
      return undefined;
    }
  }
  return undefined;
}
