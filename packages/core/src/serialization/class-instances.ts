import { instanceToPlain, type ClassConstructor } from 'class-transformer';
import { getMetadataStorage } from 'class-validator';

/** Whether a class has class-validator rules, per class: the lookup walks every rule registered. */
const validated = new WeakMap<object, boolean>();

/**
 * True if `type` is a class carrying class-validator decorators (own or inherited): a DTO, which
 * the worker rebuilds from plain data and validates when it is a method's declared parameter type.
 */
export function isDtoClass(type: unknown): type is ClassConstructor<object> {
  if (typeof type !== 'function') return false;
  let known = validated.get(type);
  if (known === undefined) {
    // A class's decorators run when it is declared, before any value of it can be sent.
    known = getMetadataStorage().getTargetValidationMetadatas(type, '', true, false).length > 0;
    validated.set(type, known);
  }
  return known;
}

/** Built-in classes superjson (or the Serializer's own rules) carries as themselves. */
const CARRIED: ReadonlyArray<abstract new (...args: never[]) => object> = [Date, RegExp, Map, Set, URL, Error];

/**
 * True for an object that superjson would flatten to a plain object without a word: an instance
 * of a class that is neither built in (Date, RegExp, Map, Set, URL, Error, arrays, typed arrays)
 * nor registered. Registered classes never get here: superjson's class rule is asked first.
 */
export function isUnregisteredInstance(value: unknown): value is object {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto === Object.prototype || proto === null) return false;
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return false;
  return !CARRIED.some((cls) => value instanceof cls);
}

/** Why an unregistered instance cannot travel, and what to do, for a SerializationError. */
export function unregisteredInstanceProblem(value: object): string {
  const name = (value.constructor as { name?: string } | undefined)?.name || 'an anonymous class';
  if (value instanceof Promise) return 'a Promise cannot travel across the wire; await it and pass its value';
  if (value instanceof ArrayBuffer || value instanceof DataView) return `a ${name} cannot travel across the wire; pass a Uint8Array (or another typed array) of its bytes`;
  return (
    `an instance of class ${name} is not plain data and ${name} is not registered, so it would arrive as a plain object ` +
    `(instanceof false, methods and getters lost); call registerClass(${name}) on the caller and the worker, or pass a plain object`
  );
}

/**
 * A call argument as it is sent: an instance of its parameter's declared DTO class travels as
 * plain data (the worker rebuilds and validates it from the declared type); anything else as is.
 */
export function argumentForWire(arg: unknown, declaredType: unknown): unknown {
  if (isDtoClass(declaredType) && arg instanceof declaredType && isUnregisteredInstance(arg)) return instanceToPlain(arg);
  return arg;
}
