import 'reflect-metadata';
import { injectable } from 'tsyringe';
import { constructorParamTypes } from './design-metadata';
import { DecoratorError } from './errors';
import { ENDPOINT_METADATA } from './metadata-keys';
import { endpointRegistry } from './registry';
import { getOwnRemoteMethods } from './remote';
import { refuseStandardDecorators } from './standard-decorators';
import type { Constructor, EndpointMetadata, EndpointOptions, RemoteMethodMetadata } from './types';
import { validateEndpointOptions } from './validate-options';

/**
 * `@Remote` methods of a class and its ancestors. A subclass's record for a property replaces
 * the ancestor's; methods keep the order in which they were first declared.
 */
function collectRemoteMethods(target: Constructor): RemoteMethodMetadata[] {
  const chain: object[] = [];
  for (let proto = target.prototype; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    chain.unshift(proto);
  }
  const byProperty = new Map<string, RemoteMethodMetadata>();
  for (const proto of chain) for (const m of getOwnRemoteMethods(proto)) byProperty.set(m.property, m);
  const methods = [...byProperty.values()];
  const seen = new Map<string, string>();
  for (const m of methods) {
    const other = seen.get(m.name);
    if (other !== undefined) {
      throw new DecoratorError(
        `@Endpoint on class ${target.name}: methods "${other}" and "${m.property}" both use the route name "${m.name}". Rename one.`,
      );
    }
    seen.set(m.name, m.property);
  }
  return methods;
}

/**
 * Marks a class as a Switchyard endpoint and makes it injectable by tsyringe (constructor
 * parameters resolved by type). Nothing is registered in any container.
 *
 * Inheritance: a subclass is an endpoint only if it is decorated itself; it then inherits its
 * ancestors' `@Remote` methods, and may override them (its own `@Remote` options win).
 *
 * Throws DecoratorError at declaration for bad options, and for what tsyringe would only fail
 * on at the first call: a constructor with parameters but no `design:paramtypes`
 * (`emitDecoratorMetadata` off), a parameter type that is `undefined` without an `@inject`
 * token (a circular import), or a standard (TC39) decorator call (`experimentalDecorators` off).
 */
export function Endpoint(options: EndpointOptions = {}): ClassDecorator {
  return (<T extends Constructor>(target: T, context?: unknown): T => {
    refuseStandardDecorators('@Endpoint', context);
    validateEndpointOptions(target.name, options);
    const dependencies = constructorParamTypes(`@Endpoint on class ${target.name}`, target);
    const name = options.name ?? target.name;
    const registry = endpointRegistry();
    const existing = registry.get(name);
    if (existing && existing.target !== target) {
      throw new DecoratorError(
        `@Endpoint on class ${target.name}: the endpoint name "${name}" is already used by class ${existing.target.name}. Endpoint names must be unique; pass { name: '...' }.`,
      );
    }
    const metadata: EndpointMetadata = {
      name,
      type: options.type ?? 'queue',
      resources: { ...(options.resources ?? {}) },
      target,
      methods: collectRemoteMethods(target),
      dependencies,
    };
    Reflect.defineMetadata(ENDPOINT_METADATA, metadata, target);
    registry.set(name, metadata);
    return injectable()(target) ?? target;
  }) as ClassDecorator;
}

/** Metadata of an `@Endpoint` class, or undefined (also for undecorated subclasses). */
export function getEndpointMetadata(target: unknown): EndpointMetadata | undefined {
  if (typeof target !== 'function') return undefined;
  return Reflect.getOwnMetadata(ENDPOINT_METADATA, target) as EndpointMetadata | undefined;
}

/** Every endpoint decorated in this process, sorted by name. */
export function listEndpoints(): EndpointMetadata[] {
  return [...endpointRegistry().values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The `@Remote` method with this route name, or undefined. */
export function getRemoteMethod(target: unknown, routeName: string): RemoteMethodMetadata | undefined {
  return getEndpointMetadata(target)?.methods.find((m) => m.name === routeName);
}
