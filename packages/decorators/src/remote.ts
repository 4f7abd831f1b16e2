import 'reflect-metadata';
import { DecoratorError } from './errors';
import { REMOTE_METHODS } from './metadata-keys';
import type { RemoteMethodMetadata, RemoteOptions } from './types';
import { validateRemoteOptions } from './validate-options';

/** Remote-method records stored on one prototype (own, not inherited). */
export function getOwnRemoteMethods(proto: object): RemoteMethodMetadata[] {
  return (Reflect.getOwnMetadata(REMOTE_METHODS, proto) as RemoteMethodMetadata[] | undefined) ?? [];
}

/**
 * Marks an instance method as callable across endpoints. Metadata only: nothing is wrapped,
 * so calling the method on a plain instance is an ordinary call.
 */
export function Remote(options: RemoteOptions = {}): MethodDecorator {
  return (target, propertyKey, descriptor) => {
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
    validateRemoteOptions(where, options);
    const routeName = options.name ?? propertyKey;
    const own = getOwnRemoteMethods(target);
    if (own.some((m) => m.name === routeName)) {
      throw new DecoratorError(`${where}: the route name "${routeName}" is already used in ${owner}. Give one of them another name.`);
    }
    const record: RemoteMethodMetadata = {
      name: routeName,
      property: propertyKey,
      arity: (descriptor.value as (...args: unknown[]) => unknown).length,
      paramTypes: (Reflect.getMetadata('design:paramtypes', target, propertyKey) as unknown[] | undefined) ?? [],
      timeoutMs: options.timeoutMs,
      idempotent: options.idempotent ?? false,
      retries: options.retries ?? 0,
      fallback: options.fallback ?? 'none',
    };
    // Method decorators run in source order (one per method), so appending keeps it.
    Reflect.defineMetadata(REMOTE_METHODS, [...own, record], target);
  };
}
