import 'reflect-metadata';
import { DecoratorError } from './errors';
import { DESIGN_PARAMTYPES, TSYRINGE_INJECTION_TOKENS } from './metadata-keys';
import type { Constructor } from './types';

/** How to make each compiler emit `design:paramtypes`. Part of every missing-metadata message. */
const EMIT_METADATA_FIX =
  'Set "emitDecoratorMetadata": true (and "experimentalDecorators": true) in the compilerOptions of tsconfig.json. ' +
  'With swc the equivalents are jsc.transform.decoratorMetadata and jsc.transform.legacyDecorator (@swc-node/register reads both flags from tsconfig.json); ' +
  'tsx and esbuild do not emit decorator metadata at all, so compile with tsc or run with node -r @swc-node/register.';

/**
 * This package imports reflect-metadata itself, so `Reflect.getMetadata` is missing only if that
 * import was dropped (a bundler that assumes no side effects) or the polyfill was removed.
 */
function requireReflectMetadata(where: string): void {
  if (typeof Reflect.getMetadata === 'function' && typeof Reflect.defineMetadata === 'function') return;
  throw new DecoratorError(
    `${where}: Reflect.getMetadata is not defined, so decorator metadata cannot be read. Add import 'reflect-metadata'; as the first line of your entry module, before any decorated class is loaded.`,
  );
}

/**
 * A `@Remote` method's `design:paramtypes`. TypeScript emits it for every decorated method when
 * `emitDecoratorMetadata` is on (`[]` without parameters), so its absence means the flag is off:
 * DTO validation would be skipped and, on the class, tsyringe could not inject the constructor.
 */
export function methodParamTypes(where: string, target: object, key: string): unknown[] {
  requireReflectMetadata(where);
  const types = Reflect.getMetadata(DESIGN_PARAMTYPES, target, key) as unknown[] | undefined;
  if (types !== undefined) return types;
  throw new DecoratorError(
    `${where}: the compiler emitted no decorator metadata (design:paramtypes) for this method, so its parameter types are unknown (DTO validation would be skipped) and so are its class's constructor dependencies. ${EMIT_METADATA_FIX} ` +
      `(In plain JavaScript, list Reflect.metadata('design:paramtypes', [...]) after Remote() in Reflect.decorate.)`,
  );
}

/**
 * An `@Endpoint` class's constructor parameter types, checked the way tsyringe will read them
 * (`design:paramtypes`, inherited, with the class's own `@inject()` tokens on top; parameter
 * decorators run before the class decorator, so the tokens are already there):
 * - no metadata while some parameter has no token: `emitDecoratorMetadata` is off;
 * - an `undefined` type without a token: the parameter's class was not defined yet when this
 *   class was declared, which is what a circular import between two files does.
 */
export function constructorParamTypes(where: string, target: Constructor): unknown[] {
  requireReflectMetadata(where);
  const types = Reflect.getMetadata(DESIGN_PARAMTYPES, target) as unknown[] | undefined;
  const tokens = (Reflect.getOwnMetadata(TSYRINGE_INJECTION_TOKENS, target) as Record<string, unknown> | undefined) ?? {};
  const hasToken = (index: number): boolean => Object.prototype.hasOwnProperty.call(tokens, String(index));
  if (types === undefined) {
    for (let i = 0; i < target.length; i++) {
      if (hasToken(i)) continue;
      throw new DecoratorError(
        `${where}: its constructor takes ${target.length} parameter${target.length === 1 ? '' : 's'}, but the compiler emitted no decorator metadata (design:paramtypes) for it, so tsyringe cannot tell what to inject (the first call would fail with "TypeInfo not known for "${target.name}"") and the manifest would list no dependencies. ${EMIT_METADATA_FIX}`,
      );
    }
    return [];
  }
  types.forEach((type, i) => {
    if (type !== undefined || hasToken(i)) return;
    const name = parameterName(target, i);
    throw new DecoratorError(
      `${where}: constructor parameter #${i} (${name ? `${name}; ` : ''}counted from 0, as tsyringe counts) has the type undefined in design:paramtypes: its class was not defined yet when ${target.name} was declared. ` +
        `That is a circular import (this file imports the parameter's file, which imports this one, directly or through others), or an import of a name the other file does not export. ` +
        `For a circular import, inject it lazily: @inject(delay(() => Other)) ${name ?? 'param'}: Other, with inject and delay from tsyringe or @switchyard/core; otherwise check the import.`,
    );
  });
  return types;
}

/** The name of a constructor parameter in the compiled source, as tsyringe finds it for its messages. */
function parameterName(target: Constructor, index: number): string | undefined {
  const list = /constructor\s*\(([\w$,\s]*)\)/.exec(Function.prototype.toString.call(target))?.[1];
  const name = list?.split(',')[index]?.trim();
  return name ? name : undefined;
}
