import { SuperJSON } from 'superjson';
import type { SuperJSONResult } from 'superjson';
import { BUILTIN_ERROR_CLASSES, SerializationError, type WireFailure } from '../errors';
import { argumentForWire, isUnregisteredInstance, unregisteredInstanceProblem } from './class-instances';
import { errorToFailure, rebuildError, type ErrorClassLookup } from './failure';
import { assertSafeJson } from './safety';

/** A class that can travel across the wire (its own enumerable fields are sent). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type SerializableClass = new (...args: any[]) => object;
/** An error class whose instances are rebuilt as the same class on the other side. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ErrorClass = new (...args: any[]) => Error;

/** The JSON shape of an encoded value: superjson's `{ json, meta? }`. */
export type EncodedValue = SuperJSONResult;

/**
 * True when superjson would write `value` as it is, with no meta: strings, finite numbers other
 * than -0, booleans, null, and dense arrays and plain objects of those. Anything else (undefined,
 * NaN, Date, binary, a class instance, a function) takes superjson's own path.
 */
function isPlainJson(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0);
    case 'object': {
      if (value === null) return true;
      if (depth >= MAX_PLAIN_DEPTH) return false;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) if (!(i in value) || !isPlainJson(value[i], depth + 1)) return false;
        return true;
      }
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto !== Object.prototype && proto !== null) return false;
      for (const key in value) if (!isPlainJson((value as Record<string, unknown>)[key], depth + 1)) return false;
      return true;
    }
    default:
      return false;
  }
}

/** Deeper values take superjson's path (and the decoder's depth limit). */
const MAX_PLAIN_DEPTH = 64;

const TYPED_ARRAYS = {
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
} as const;
type TypedArrayName = keyof typeof TYPED_ARRAYS;

function typedArrayName(value: ArrayBufferView): TypedArrayName | undefined {
  if (Buffer.isBuffer(value)) return 'Uint8Array';
  for (const name of Object.keys(TYPED_ARRAYS) as TypedArrayName[]) {
    if (Object.getPrototypeOf(value) === TYPED_ARRAYS[name].prototype) return name;
  }
  return undefined;
}

/**
 * The one superjson setup shared by callers and workers. Binary data (Buffer, Uint8Array and
 * every typed array) travels as base64; Errors keep name, message, stack, code, cause and
 * simple fields, and come back as their registered class. Payloads with `__proto__`,
 * `constructor` or `prototype` keys are refused in both directions.
 */
export class Serializer {
  private readonly superjson = new SuperJSON();
  private readonly errorClasses = new Map<string, ErrorClass>();
  private readonly classNames = new Set<string>();
  /** The registered error class for a remote error name (what the failure converter rebuilds). */
  readonly lookupError: ErrorClassLookup = (name) => this.errorClasses.get(name);

  constructor() {
    this.superjson.registerCustom<ArrayBufferView, [string, string]>(
      {
        isApplicable: (v): v is ArrayBufferView => ArrayBuffer.isView(v) && !(v instanceof DataView) && typedArrayName(v) !== undefined,
        serialize: (v) => [typedArrayName(v)!, Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64')],
        deserialize: ([name, base64]) => {
          const ctor = TYPED_ARRAYS[name as TypedArrayName];
          if (!ctor || typeof base64 !== 'string') throw new SerializationError(`unknown binary type "${name}"`);
          const bytes = Buffer.from(base64, 'base64');
          // Copy into a fresh, aligned buffer owned by the typed array.
          const copy = new Uint8Array(bytes.byteLength);
          copy.set(bytes);
          return name === 'Uint8Array' ? copy : new ctor(copy.buffer);
        },
      },
      'sy:bin',
    );
    // A WireFailure is plain JSON; superjson's JSONObject type only lacks its index signature.
    type FailureJson = WireFailure & Record<string, never>;
    this.superjson.registerCustom<Error, FailureJson>(
      {
        isApplicable: (v): v is Error => v instanceof Error,
        serialize: (e) => errorToFailure(e) as FailureJson,
        deserialize: (e) => rebuildError(e, this.lookupError),
      },
      'sy:error',
    );
    // superjson would drop functions and symbols silently; refusing them names the culprit.
    this.superjson.registerCustom<unknown, string>(
      {
        isApplicable: (v): v is unknown => typeof v === 'function' || typeof v === 'symbol',
        serialize: (v) => {
          throw new SerializationError(`a ${typeof v} cannot travel across the wire`);
        },
        deserialize: () => {
          throw new SerializationError('a function or symbol cannot travel across the wire');
        },
      },
      'sy:unsupported',
    );
    // superjson would flatten an instance of an unregistered class to a plain object silently.
    this.superjson.registerCustom<object, string>(
      {
        isApplicable: isUnregisteredInstance,
        serialize: (v) => {
          throw new SerializationError(unregisteredInstanceProblem(v));
        },
        deserialize: () => {
          throw new SerializationError('an instance of an unregistered class cannot travel across the wire');
        },
      },
      'sy:unregistered',
    );
    for (const [name, cls] of Object.entries(BUILTIN_ERROR_CLASSES)) this.errorClasses.set(name, cls);
  }

  /** Lets instances of `cls` travel by name (default: the class name). Both sides must register it. */
  registerClass(cls: SerializableClass, name: string = cls.name): void {
    if (!name) throw new SerializationError('registerClass: the class has no name; pass one as the second argument.', { position: 'registerClass' });
    this.superjson.registerClass(cls, { identifier: name });
    this.classNames.add(name);
  }

  /** Lets errors of `cls` be rebuilt as `cls` (so `instanceof` works) on the other side. */
  registerError(cls: ErrorClass, name: string = cls.name): void {
    if (!name) throw new SerializationError('registerError: the class has no name; pass one as the second argument.', { position: 'registerError' });
    this.errorClasses.set(name, cls);
  }

  /** Encodes one value; `where` names it in errors (e.g. `argument 1 of ImageProcessor.resize`). */
  encode(value: unknown, where = 'value'): EncodedValue {
    try {
      // Plain JSON is what superjson would write unchanged, without meta: skip its walk.
      if (isPlainJson(value, 0)) return { json: value as EncodedValue['json'] };
      return this.superjson.serialize(value as never);
    } catch (cause) {
      throw new SerializationError(
        `${where} cannot be serialized: ${(cause as Error).message}. Pass plain data, binary, Date/Map/Set/BigInt/URL/RegExp, or a class registered with registerClass().`,
        { position: where, cause },
      );
    }
  }

  /** Decodes one value after refusing unsafe keys. */
  decode<T = unknown>(encoded: unknown, where = 'value'): T {
    if (encoded === null || typeof encoded !== 'object' || !('json' in encoded)) {
      throw new SerializationError(`${where} is not an encoded value: expected an object with a "json" field.`, { position: where });
    }
    assertSafeJson(encoded, where);
    // Without meta superjson changes nothing: the JSON is the value.
    if ((encoded as EncodedValue).meta === undefined) return (encoded as EncodedValue).json as T;
    try {
      return this.superjson.deserialize<T>(encoded as EncodedValue);
    } catch (cause) {
      if (cause instanceof SerializationError) throw cause;
      throw new SerializationError(
        `${where} cannot be deserialized: ${(cause as Error).message}. If it names a class, register it with registerClass() on both sides.`,
        { position: where, cause },
      );
    }
  }

  /**
   * Encodes a call's arguments; an error names the argument's position. An argument that is an
   * instance of its declared DTO parameter type (`paramTypes`) is sent as plain data: the worker
   * rebuilds and validates it.
   */
  encodeArgs(args: readonly unknown[], where: string, paramTypes: readonly unknown[] = []): EncodedValue {
    try {
      return this.encode(
        args.map((arg, i) => argumentForWire(arg, paramTypes[i])),
        `arguments of ${where}`,
      );
    } catch (error) {
      // Encode one by one only on failure, to name the argument that cannot travel.
      args.forEach((arg, i) => this.encode(argumentForWire(arg, paramTypes[i]), `argument ${i + 1} of ${where}`));
      throw error;
    }
  }
}

/**
 * The process's default serializer, used by `registerClass`/`registerError` and by every
 * runtime that is not given its own. Registration is configuration done once at start-up,
 * like declaring a class; per-test isolation is available by passing a `new Serializer()`.
 */
export const defaultSerializer = new Serializer();

/** Lets instances of `cls` travel across the wire by name. Register on caller and worker. */
export function registerClass(cls: SerializableClass, name?: string): void {
  defaultSerializer.registerClass(cls, name);
}

/** Lets a user error class be rethrown as itself on the caller (instanceof works). */
export function registerError(cls: ErrorClass, name?: string): void {
  defaultSerializer.registerError(cls, name);
}
