import 'reflect-metadata';
import { DecoratorError } from './errors';
import { methodParamTypes } from './design-metadata';
import { DESIGN_RETURNTYPE, REMOTE_METHODS } from './metadata-keys';
import { functionKind, hasRestParameter } from './parameters';
import { refuseStandardDecorators } from './standard-decorators';
import type { RemoteMethodMetadata, RemoteOptions } from './types';
import { validateRemoteOptions } from './validate-options';

/** Remote-method records stored on one prototype (own, not inherited). */
export function getOwnRemoteMethods(proto: object): RemoteMethodMetadata[] {
  return (Reflect.getOwnMetadata(REMOTE_METHODS, proto) as RemoteMethodMetadata[] | undefined) ?? [];
}

/**
 * The decorator `@Remote()` returns. Typed so that only methods returning a Promise can be
 * decorated: a remote call is always asynchronous, so a synchronous method would be typed as
 * returning its value while its router proxy returns a Promise.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type RemoteMethodDecorator = <M extends (...args: any[]) => Promise<unknown>>(
  target: object,
  propertyKey: string | symbol,
  descriptor: TypedPropertyDescriptor<M>,
) => void;

/**
 * Marks an instance method as callable across endpoints. Metadata only: nothing is wrapped,
 * so calling the method on a plain instance is an ordinary call. The method must return a
 * Promise (be `async`, or be declared to return `Promise<…>`): a compile-time error in
 * TypeScript, a DecoratorError at declaration otherwise. The compiler must emit decorator
 * metadata (`design:paramtypes`) and legacy decorators: a DecoratorError at declaration says
 * which tsconfig flag is off.
 */
export function Remote(options: RemoteOptions = {}): RemoteMethodDecorator {
  return ((target: object, propertyKey: string | symbol, descriptor: PropertyDescriptor | undefined) => {
    refuseStandardDecorators('@Remote', propertyKey);
    const owner = typeof target === 'function' ? target.name : target.constructor.name;
    const where = `@Remote on ${owner}.${String(propertyKey)}`;
    if (typeof target === 'function') {
      throw new DecoratorError(`${where}: static methods cannot be remote. Make it an instance method.`);
    }
    if (typeof propertyKey === 'symbol') {
      throw new DecoratorError(`${where}: symbol-named methods cannot be remote. Give the method a string name.`);
    }
    if (!descriptor || typeof descriptor.value !== 'function') {
      throw new DecoratorError(`${where}: @Remote decorates methods only, not properties or accessors.`);
    }
    // Before the Promise check: without metadata it would misjudge `m(): Promise<T>` as synchronous.
    const paramTypes = methodParamTypes(where, target, propertyKey);
    checkReturnsPromise(where, target, propertyKey, descriptor.value as (...args: never[]) => unknown);
    validateRemoteOptions(where, options);
    const routeName = options.name ?? propertyKey;
    const own = getOwnRemoteMethods(target);
    if (own.some((m) => m.name === routeName)) {
      throw new DecoratorError(`${where}: the route name "${routeName}" is already used in ${owner}. Give one of them another name.`);
    }
    const record: RemoteMethodMetadata = {
      name: routeName,
      property: propertyKey,
      arity: (descriptor.value as (...args: never[]) => unknown).length,
      rest: hasRestParameter(descriptor.value as (...args: never[]) => unknown),
      paramTypes,
      timeoutMs: options.timeoutMs,
      idempotent: options.idempotent ?? false,
      retries: options.retries ?? 0,
      fallback: options.fallback ?? 'none',
    };
    // Method decorators run in source order (one per method), so appending keeps it.
    Reflect.defineMetadata(REMOTE_METHODS, [...own, record], target);
  }) as RemoteMethodDecorator;
}

/**
 * Refuses a method that does not return a Promise: by its declared return type when the compiler
 * emitted `design:returntype`, else by being an async function. Generators are refused too.
 */
function checkReturnsPromise(where: string, target: object, key: string, fn: (...args: never[]) => unknown): void {
  const kind = functionKind(fn);
  if (kind === 'async-generator' || kind === 'generator') {
    throw new DecoratorError(`${where}: a ${kind === 'generator' ? 'generator' : 'streaming (async *)'} method cannot be remote yet. Return a Promise of the whole result instead.`);
  }
  const declared = Reflect.getMetadata(DESIGN_RETURNTYPE, target, key) as unknown;
  if (declared === Promise || (declared === undefined && kind === 'async')) return;
  const shown = typeof declared === 'function' ? declared.name : 'a value';
  throw new DecoratorError(
    `${where}: the method returns ${declared === undefined ? 'a value' : shown}, not a Promise. A remote call is always asynchronous: declare the method async (or annotate it as returning Promise<…>).`,
  );
}
