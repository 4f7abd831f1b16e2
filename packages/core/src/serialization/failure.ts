import { RemoteExecutionError, type WireFailure } from '../errors';
import { assertSafeJson } from './safety';

/**
 * The one failure converter: Error ↔ WireFailure. The worker's dispatcher, every worker
 * transport, both executors and the serializer (errors inside payloads) use these functions, so
 * the same remote error comes back as the same class with the same fields over every endpoint
 * type. An HTTP status is never part of a failure's meaning; it is only a transport hint.
 */

/** Causes deeper than this are cut off: a failure stays small and a cyclic cause cannot loop. */
export const MAX_CAUSE_DEPTH = 8;
/** Most `details` lines carried; more would only bloat a reply. */
const MAX_DETAILS = 100;

/** Looks up the class registered for a remote error name (registerError, or a Switchyard class). */
export type ErrorClassLookup = (name: string) => (new (...args: never[]) => Error) | undefined;

/** Where a failure happened, for the message of the error rebuilt from it. */
export interface FailureContext {
  endpoint?: string;
  method?: string;
  jobId?: string;
}

/** Own properties that travel in their own WireFailure slots, never in `fields`. */
const RESERVED = new Set(['name', 'message', 'stack', 'code', 'cause', 'endpoint', 'method', 'details']);

type Simple = string | number | boolean | null;
const isSimple = (value: unknown): value is Simple =>
  value === null || typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));

/** True for an Error of any realm (jest's vm contexts and worker threads fail `instanceof`). */
function isErrorLike(value: unknown): value is Error {
  return value instanceof Error || (value !== null && typeof value === 'object' && typeof (value as Error).message === 'string' && typeof (value as Error).name === 'string');
}

/** Anything thrown, as an Error: a thrown string or object keeps its text, named `NonErrorThrown`. */
export function asError(thrown: unknown): Error {
  if (isErrorLike(thrown)) return thrown;
  let text: string;
  try {
    text = typeof thrown === 'string' ? thrown : (JSON.stringify(thrown) ?? String(thrown));
  } catch {
    text = String(thrown);
  }
  const error = new Error(text);
  error.name = 'NonErrorThrown';
  return error;
}

function read<T>(get: () => T): T | undefined {
  try {
    return get();
  } catch {
    // A throwing getter on a user's error must not turn one failure into another.
    return undefined;
  }
}

/**
 * Error → WireFailure. Never throws: a getter that throws or a field that is not simple data is
 * left out. The error's own `endpoint`/`method` win over `context`'s.
 */
export function errorToFailure(thrown: unknown, context: FailureContext = {}, depth = 0): WireFailure {
  const error = asError(thrown);
  const name = read(() => error.name);
  const failure: WireFailure = {
    name: typeof name === 'string' && name !== '' ? name : 'Error',
    message: String(read(() => error.message) ?? ''),
  };
  const stack = read(() => error.stack);
  if (typeof stack === 'string') failure.stack = stack;
  const code = read(() => (error as { code?: unknown }).code);
  if (typeof code === 'string') failure.code = code;
  const own = error as unknown as Record<string, unknown>;
  const endpoint = read(() => own.endpoint) ?? context.endpoint;
  const method = read(() => own.method) ?? context.method;
  if (typeof endpoint === 'string') failure.endpoint = endpoint;
  if (typeof method === 'string') failure.method = method;
  const fields: Record<string, Simple> = {};
  for (const key of read(() => Object.keys(error)) ?? []) {
    if (RESERVED.has(key)) continue;
    const value = read(() => own[key]);
    if (isSimple(value)) fields[key] = value;
  }
  if (Object.keys(fields).length > 0) failure.fields = fields;
  const details = read(() => own.details);
  if (Array.isArray(details) && details.every((d) => typeof d === 'string')) failure.details = details.slice(0, MAX_DETAILS);
  const cause = read(() => error.cause);
  if (isErrorLike(cause) && depth + 1 < MAX_CAUSE_DEPTH) failure.cause = errorToFailure(cause, {}, depth + 1);
  return failure;
}

/** `JSON.stringify(errorToFailure(...))`; never throws (what a FAILED job's `error` holds). */
export function failureJson(thrown: unknown, context: FailureContext = {}): string {
  return JSON.stringify(errorToFailure(thrown, context));
}

function define(target: object, key: string, value: unknown, enumerable = false): void {
  Object.defineProperty(target, key, { value, writable: true, configurable: true, enumerable });
}

/**
 * A WireFailure rebuilt as an Error: the registered class when `lookup` knows the name (so
 * `instanceof` works), else a plain Error carrying the remote name. Fields, `code`, `details`
 * and the whole cause chain come back too.
 */
export function rebuildError(failure: WireFailure, lookup: ErrorClassLookup, depth = 0): Error {
  const cls = lookup(failure.name);
  // Object.create: a user's constructor may take any arguments, so it is not called.
  const error: Error = cls ? (Object.create(cls.prototype) as Error) : new Error(failure.message);
  define(error, 'message', failure.message);
  if (!cls || error.name !== failure.name) define(error, 'name', failure.name);
  define(error, 'stack', failure.stack ?? `${failure.name}: ${failure.message}`);
  const target = error as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(failure.fields ?? {})) target[key] = value;
  if (failure.code !== undefined) define(error, 'code', failure.code, true);
  if (failure.details !== undefined) define(error, 'details', [...failure.details], true);
  for (const key of ['endpoint', 'method'] as const) {
    if (failure[key] !== undefined && target[key] === undefined) define(error, key, failure[key], true);
  }
  if (failure.cause && depth + 1 < MAX_CAUSE_DEPTH) define(error, 'cause', rebuildError(failure.cause, lookup, depth + 1));
  return error;
}

/**
 * The error a caller throws for a call's failure: the registered class (with `remote`,
 * `endpoint`, `method` and `jobId` attached when it has no such fields of its own), or a
 * RemoteExecutionError whose `remote` is the failure and whose `cause` is the remote cause.
 */
export function failureToError(failure: WireFailure, lookup: ErrorClassLookup, context: FailureContext): Error {
  if (lookup(failure.name)) {
    const error = rebuildError(failure, lookup);
    const target = error as unknown as Record<string, unknown>;
    if (target.remote === undefined) define(error, 'remote', failure);
    if (context.jobId !== undefined && target.jobId === undefined) define(error, 'jobId', context.jobId);
    for (const key of ['endpoint', 'method'] as const) {
      if (target[key] === undefined && context[key] !== undefined) define(error, key, context[key], true);
    }
    return error;
  }
  const endpoint = context.endpoint ?? failure.endpoint ?? 'unknown';
  const method = context.method ?? failure.method ?? 'unknown';
  const job = context.jobId === undefined ? '' : ` (job ${context.jobId})`;
  return new RemoteExecutionError(`failed on endpoint ${endpoint}${job}: ${failure.name}: ${failure.message}`, {
    endpoint,
    method,
    jobId: context.jobId,
    remote: failure,
    cause: failure.cause ? rebuildError(failure.cause, lookup) : undefined,
  });
}

/** Checks that a parsed value has the WireFailure shape; fields that are not are dropped. */
function checkedFailure(value: Record<string, unknown>, depth: number): WireFailure {
  const failure: WireFailure = {
    name: typeof value.name === 'string' && value.name !== '' ? value.name : 'Error',
    message: typeof value.message === 'string' ? value.message : JSON.stringify(value.message ?? ''),
  };
  for (const key of ['stack', 'code', 'endpoint', 'method'] as const) if (typeof value[key] === 'string') failure[key] = value[key];
  if (value.fields !== null && typeof value.fields === 'object' && !Array.isArray(value.fields)) {
    const fields = Object.entries(value.fields as Record<string, unknown>).filter((entry): entry is [string, Simple] => isSimple(entry[1]));
    if (fields.length > 0) failure.fields = Object.fromEntries(fields);
  }
  if (Array.isArray(value.details)) failure.details = value.details.filter((d): d is string => typeof d === 'string').slice(0, MAX_DETAILS);
  const cause = value.cause;
  if (cause !== null && typeof cause === 'object' && !Array.isArray(cause) && depth + 1 < MAX_CAUSE_DEPTH) {
    failure.cause = checkedFailure(cause as Record<string, unknown>, depth + 1);
  }
  return failure;
}

/**
 * Reads a failure as it arrives: a FAILED job's `error` (a JSON string, or any text), a
 * load-balancer reply's `error` object, or runpod-python's `{error_type, error_message,
 * error_traceback}`. Anything else becomes a plain `Error` with the text. Prototype-pollution
 * keys are refused (SerializationError).
 */
export function parseFailure(raw: unknown): WireFailure {
  let value: unknown = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw) as unknown;
    } catch {
      return { name: 'Error', message: raw };
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    if (raw === undefined) return { name: 'Error', message: 'the job failed without an error message' };
    return { name: 'Error', message: typeof raw === 'string' ? raw : JSON.stringify(raw) };
  }
  assertSafeJson(value, 'error');
  const record = value as Record<string, unknown>;
  if (typeof record.message === 'string') return checkedFailure(record, 0);
  if (typeof record.error_message === 'string') {
    // runpod-python writes the type as str(type(err)): "<class 'ValueError'>".
    const type = typeof record.error_type === 'string' ? record.error_type.replace(/^<class '([^']+)'>$/, '$1') : 'Error';
    const failure: WireFailure = { name: type, message: record.error_message };
    if (typeof record.error_traceback === 'string') failure.stack = record.error_traceback;
    return failure;
  }
  return { name: 'Error', message: JSON.stringify(value).slice(0, 2_000) };
}
