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
 * The decorator `@Remote()` returns. Typed so that only asynchronous methods can be decorated:
 * methods returning a Promise, and streaming methods returning an AsyncIterable (an async
 * generator, `async *name()`). A remote call is always asynchronous, so a synchronous method
 * would be typed as returning its value while its router proxy returns a Promise. (A method
 * declared to return an AsyncIterable that is not an `async *` method passes the compiler but
 * is refused at declaration: only an async generator function is known to stream.)
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type RemoteMethodDecorator = <M extends (...args: any[]) => Promise<unknown> | AsyncIterable<unknown>>(
  target: object,
  propertyKey: string | symbol,
  descriptor: TypedPropertyDescriptor<M>,
) => void;

/**
 * Marks an instance method as callable across endpoints. Metadata only: nothing is wrapped,
 * so calling the method on a plain instance is an ordinary call. The method must return a
 * Promise (be `async`, or be declared to return `Promise<…>`), or be an async generator
 * (`async *name()`), which makes it a streaming method (`streaming: true`): each value it
 * yields travels to the caller as it is produced. Anything else (a synchronous method, a
 * synchronous generator) is a compile-time error in TypeScript, a DecoratorError at
 * declaration otherwise. The compiler must emit decorator
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
    const streaming = checkReturnType(where, target, propertyKey, descriptor.value as (...args: never[]) => unknown);
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
      streaming,
    };
    // Method decorators run in source order (one per method), so appending keeps it.
    Reflect.defineMetadata(REMOTE_METHODS, [...own, record], target);
  }) as RemoteMethodDecorator;
}

/**
 * Whether the method streams (an async generator function), after refusing a method that
 * neither streams nor returns a Promise: by its declared return type when the compiler
 * emitted `design:returntype`, else by being an async function. Synchronous generators are
 * refused: iterating one would block the worker between values.
 */
function checkReturnType(where: string, target: object, key: string, fn: (...args: never[]) => unknown): boolean {
  const kind = functionKind(fn);
  if (kind === 'async-generator') return true;
  if (kind === 'generator') {
    throw new DecoratorError(
      `${where}: a synchronous generator (function*) cannot be remote: it would block the worker between values. Make it an async generator (async *${key}(…)) to stream its values, or an async method returning the whole result.`,
    );
  }
  const declared = Reflect.getMetadata(DESIGN_RETURNTYPE, target, key) as unknown;
  if (declared === Promise || (declared === undefined && kind === 'async')) return false;
  const shown = typeof declared === 'function' ? declared.name : 'a value';
  // An AsyncIterable return type is emitted as Object: only an `async *` method is known to stream.
  const streamHint = declared === Object || declared === undefined ? ` To stream values, make it an async generator method (async *${key}(…)).` : '';
  throw new DecoratorError(
    `${where}: the method returns ${declared === undefined ? 'a value' : shown}, not a Promise. A remote call is always asynchronous: declare the method async (or annotate it as returning Promise<…>).${streamHint}`,
  );
}
