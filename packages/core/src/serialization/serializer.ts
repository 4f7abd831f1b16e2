import { SuperJSON } from 'superjson';
import type { SuperJSONResult } from 'superjson';
import { BUILTIN_ERROR_CLASSES, SerializationError } from '../errors';
import { assertSafeJson } from './safety';

/** A class that can travel across the wire (its own enumerable fields are sent). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type SerializableClass = new (...args: any[]) => object;
/** An error class whose instances are rebuilt as the same class on the other side. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ErrorClass = new (...args: any[]) => Error;

/** The JSON shape of an encoded value: superjson's `{ json, meta? }`. */
export type EncodedValue = SuperJSONResult;

/** Error as it travels: enough to rebuild the class, message, stack, code and simple fields. */
export interface EncodedError {
  [key: string]: string | EncodedError | Record<string, string | number | boolean | null> | undefined;
  name: string;
  message: string;
  stack?: string;
  code?: string;
  cause?: EncodedError;
  fields?: Record<string, string | number | boolean | null>;
}

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

const RESERVED_ERROR_FIELDS = new Set(['name', 'message', 'stack', 'code', 'cause']);

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
    this.superjson.registerCustom<Error, EncodedError>(
      {
        isApplicable: (v): v is Error => v instanceof Error,
        serialize: (e) => this.encodeError(e),
        deserialize: (e) => this.decodeError(e),
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
    for (const [name, cls] of Object.entries(BUILTIN_ERROR_CLASSES)) this.errorClasses.set(name, cls);
  }

  /** Lets instances of `cls` travel by name (default: the class name). Both sides must register it. */
  registerClass(cls: SerializableClass, name: string = cls.name): void {
    if (!name) throw new SerializationError('registerClass: the class has no name; pass one as the second argument.');
    this.superjson.registerClass(cls, { identifier: name });
    this.classNames.add(name);
  }

  /** Lets errors of `cls` be rebuilt as `cls` (so `instanceof` works) on the other side. */
  registerError(cls: ErrorClass, name: string = cls.name): void {
    if (!name) throw new SerializationError('registerError: the class has no name; pass one as the second argument.');
    this.errorClasses.set(name, cls);
  }

  /** The registered error class for a remote error name, if any. */
  errorClass(name: string): ErrorClass | undefined {
    return this.errorClasses.get(name);
  }

  /** Encodes one value; `where` names it in errors (e.g. `argument 1 of ImageProcessor.resize`). */
  encode(value: unknown, where = 'value'): EncodedValue {
    try {
      return this.superjson.serialize(value as never);
    } catch (cause) {
      throw new SerializationError(
        `${where} cannot be serialized: ${(cause as Error).message}. Pass plain data, binary, Date/Map/Set/BigInt/URL/RegExp, or a class registered with registerClass().`,
        where,
        { cause },
      );
    }
  }

  /** Decodes one value after refusing unsafe keys. */
  decode<T = unknown>(encoded: unknown, where = 'value'): T {
    if (encoded === null || typeof encoded !== 'object' || !('json' in encoded)) {
      throw new SerializationError(`${where} is not an encoded value: expected an object with a "json" field.`, where);
    }
    assertSafeJson(encoded, where);
    try {
      return this.superjson.deserialize<T>(encoded as EncodedValue);
    } catch (cause) {
      if (cause instanceof SerializationError) throw cause;
      throw new SerializationError(
        `${where} cannot be deserialized: ${(cause as Error).message}. If it names a class, register it with registerClass() on both sides.`,
        where,
        { cause },
      );
    }
  }

  /** Encodes each argument separately so an error names its position. */
  encodeArgs(args: readonly unknown[], where: string): EncodedValue {
    try {
      return this.encode([...args], `arguments of ${where}`);
    } catch (error) {
      // Encode one by one only on failure, to name the argument that cannot travel.
      args.forEach((arg, i) => this.encode(arg, `argument ${i + 1} of ${where}`));
      throw error;
    }
  }

  /** Error → plain JSON (used inside payloads and in a FAILED job's `error` string). */
  encodeError(error: Error, depth = 0): EncodedError {
    const encoded: EncodedError = { name: error.name || 'Error', message: String(error.message ?? '') };
    if (error.stack) encoded.stack = error.stack;
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string') encoded.code = code;
    const fields: Record<string, string | number | boolean | null> = {};
    for (const [key, value] of Object.entries(error)) {
      if (RESERVED_ERROR_FIELDS.has(key)) continue;
      if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) fields[key] = value as string;
    }
    if (Object.keys(fields).length > 0) encoded.fields = fields;
    if (error.cause instanceof Error && depth < 5) encoded.cause = this.encodeError(error.cause, depth + 1);
    return encoded;
  }

  /** Plain JSON → Error, as the registered class when there is one, else a plain Error with that name. */
  decodeError(encoded: EncodedError): Error {
    assertSafeJson(encoded, 'error');
    const cls = this.errorClasses.get(encoded.name);
    const error: Error = cls ? Object.create(cls.prototype) : new Error(encoded.message);
    Object.defineProperty(error, 'message', { value: encoded.message, writable: true, configurable: true, enumerable: false });
    if (!cls || error.name !== encoded.name) {
      Object.defineProperty(error, 'name', { value: encoded.name, writable: true, configurable: true, enumerable: false });
    }
    Object.defineProperty(error, 'stack', { value: encoded.stack ?? `${encoded.name}: ${encoded.message}`, writable: true, configurable: true, enumerable: false });
    for (const [key, value] of Object.entries(encoded.fields ?? {})) {
      (error as unknown as Record<string, unknown>)[key] = value;
    }
    if (encoded.code !== undefined) {
      Object.defineProperty(error, 'code', { value: encoded.code, writable: true, configurable: true, enumerable: true });
    }
    if (encoded.cause) {
      Object.defineProperty(error, 'cause', { value: this.decodeError(encoded.cause), writable: true, configurable: true, enumerable: false });
    }
    return error;
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
