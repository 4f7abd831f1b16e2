import { InvalidRequestError } from '../errors';
import type { EncodedValue } from './serializer';

/** Version of the Switchyard wire format carried in every payload as `sy`. */
export const WIRE_VERSION = 1;

/**
 * A call as it travels inside a RunPod job: `{"input": Invocation}`.
 * `args` is superjson's `{json, meta}` of the argument array.
 */
export interface Invocation {
  sy: typeof WIRE_VERSION;
  endpoint: string;
  method: string;
  args: EncodedValue;
  /** Unique per logical call; a resubmission reuses it and the worker runs it once. */
  callId: string;
  /** Absolute deadline, epoch ms. */
  deadline: number;
  /** W3C trace context of the caller, if any. */
  traceparent?: string;
  /** Contract hash of the endpoint as the caller knows it. */
  contract?: string;
}

/** A COMPLETED job's `output`. */
export interface WireOutput {
  sy: typeof WIRE_VERSION;
  result: EncodedValue;
}

/** A FAILED job's `error`, JSON-encoded as a string. */
export interface WireFailure {
  name: string;
  message: string;
  stack?: string;
  code?: string;
  endpoint?: string;
  method?: string;
  /** Simple own fields of the error (strings, numbers, booleans). */
  fields?: Record<string, string | number | boolean | null>;
  /** Validation problems, one line each (InvalidRequestError). */
  details?: string[];
}

function fail(problem: string, details: string[] = []): never {
  throw new InvalidRequestError(`invalid Switchyard invocation: ${problem}`, details);
}

/** Checks the shape of a job's `input` and returns it typed, or throws InvalidRequestError naming the field. */
export function parseInvocation(input: unknown): Invocation {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    fail('"input" must be an object like {"sy":1,"endpoint":"...","method":"...","args":{"json":[]},...}.');
  }
  const v = input as Record<string, unknown>;
  if (v.sy !== WIRE_VERSION) fail(`"sy" must be ${WIRE_VERSION} (wire format version), got ${JSON.stringify(v.sy)}.`);
  for (const field of ['endpoint', 'method', 'callId'] as const) {
    if (typeof v[field] !== 'string' || (v[field] as string).length === 0 || (v[field] as string).length > 256) {
      fail(`"${field}" must be a non-empty string of at most 256 characters.`);
    }
  }
  if (typeof v.deadline !== 'number' || !Number.isFinite(v.deadline)) fail('"deadline" must be a number (epoch ms).');
  const args = v.args as Record<string, unknown> | undefined;
  if (args === null || typeof args !== 'object' || Array.isArray(args) || !('json' in args) || !Array.isArray(args.json)) {
    fail('"args" must be an encoded argument array: {"json": [...], "meta"?: {...}}.');
  }
  if (v.traceparent !== undefined && typeof v.traceparent !== 'string') fail('"traceparent" must be a string.');
  if (v.contract !== undefined && typeof v.contract !== 'string') fail('"contract" must be a string.');
  return v as unknown as Invocation;
}

/** Reads a FAILED job's `error` (a JSON string, or any other string) into a WireFailure. */
export function parseFailure(error: unknown): WireFailure {
  if (typeof error === 'string') {
    try {
      const parsed = JSON.parse(error) as unknown;
      if (parsed && typeof parsed === 'object' && typeof (parsed as WireFailure).message === 'string') {
        const f = parsed as WireFailure & { error_type?: string; error_message?: string; error_traceback?: string };
        return { ...f, name: typeof f.name === 'string' ? f.name : 'Error' };
      }
      // runpod-python's shape: {error_type, error_message, error_traceback}
      const py = parsed as { error_type?: string; error_message?: string; error_traceback?: string } | null;
      if (py && typeof py.error_message === 'string') {
        return { name: String(py.error_type ?? 'Error'), message: py.error_message, stack: py.error_traceback };
      }
    } catch {
      /* a plain string */
    }
    return { name: 'Error', message: error };
  }
  if (error && typeof error === 'object' && typeof (error as WireFailure).message === 'string') {
    const f = error as WireFailure;
    return { ...f, name: typeof f.name === 'string' ? f.name : 'Error' };
  }
  return { name: 'Error', message: error === undefined ? 'the job failed without an error message' : JSON.stringify(error) };
}
