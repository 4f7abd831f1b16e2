import { InvalidRequestError, SerializationError } from '../errors';
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

/** A COMPLETED job's `output` (and a load-balancer success reply). */
export interface WireOutput {
  sy: typeof WIRE_VERSION;
  result: EncodedValue;
}

/** A load-balancer worker's failure reply: `{"sy": 1, "error": WireFailure}` (any HTTP status), and the last line of a stream that failed. */
export interface WireFailureReply {
  sy: typeof WIRE_VERSION;
  error: unknown;
}

/**
 * One value a streaming (`async *`) method yielded, encoded like a result:
 * `{"sy": 1, "chunk": <superjson>}`. It travels as the `output` of one entry of a job's
 * `/stream` reply (http mode, RunPod), as the body `{"output": WireChunk}` of one job-stream
 * POST (runpod mode), and as one NDJSON line (load-balancer mode).
 */
export interface WireChunk {
  sy: typeof WIRE_VERSION;
  chunk: EncodedValue;
}

/** The last NDJSON line of a load-balancer stream that ended normally: `{"sy": 1, "end": true}`. */
export interface WireStreamEnd {
  sy: typeof WIRE_VERSION;
  end: true;
}

/** One NDJSON line of a load-balancer streaming reply: a chunk, the end, or the failure that ended the stream. */
export type WireStreamLine = WireChunk | WireStreamEnd | WireFailureReply;

/** Content type of a load-balancer streaming reply: one JSON object per line. */
export const NDJSON_CONTENT_TYPE = 'application/x-ndjson';

function fail(problem: string, details: string[] = []): never {
  throw new InvalidRequestError(`invalid Switchyard invocation: ${problem}`, { details });
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

/** A short preview of a value for error messages (JSON, at most 200 characters). */
export function preview(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/** True for `{"sy": 1, "error": …}`, a Switchyard worker's failure reply. */
export function isWireFailureReply(value: unknown): value is WireFailureReply {
  return value !== null && typeof value === 'object' && (value as { sy?: unknown }).sy === WIRE_VERSION && (value as { error?: unknown }).error !== undefined;
}

/**
 * Checks that a worker's result looks like a Switchyard result, `{"sy": 1, "result": {...}}`,
 * and returns it typed. Anything else means the endpoint does not run a (compatible)
 * Switchyard worker; the SerializationError says so instead of handing the caller garbage.
 *
 * @param where `endpoint.method`, for messages.
 * @param origin where it came from, e.g. `job J on http://…/v2/x`.
 */
export function assertWireOutput(value: unknown, where: string, origin: string): WireOutput {
  const v = value as Partial<WireOutput> | null;
  if (v !== null && typeof v === 'object' && !Array.isArray(v) && 'sy' in v) {
    if (v.sy !== WIRE_VERSION) {
      throw new SerializationError(
        `${where}: ${origin} answered with Switchyard wire format version ${preview(v.sy)}, but this caller speaks version ${WIRE_VERSION}. ` +
          'Deploy caller and worker from the same Switchyard version.',
        { position: `result of ${where}` },
      );
    }
    const result = v.result as unknown;
    if (result !== null && typeof result === 'object' && 'json' in result) return v as WireOutput;
  }
  throw new SerializationError(
    `${where}: ${origin} answered with ${preview(value)}, which is not a Switchyard result ({"sy":1,"result":{"json":…}}). ` +
      'The endpoint is probably not running a Switchyard worker: deploy it with `switchyard serve` (or serve()) for this endpoint.',
    { position: `result of ${where}` },
  );
}

/**
 * Checks that one streamed value looks like a Switchyard chunk, `{"sy": 1, "chunk": {...}}`, and
 * returns it typed; anything else is a SerializationError naming where it came from.
 *
 * @param where `endpoint.method`, for messages.
 * @param origin where it came from, e.g. `job J on http://…/v2/x (/stream)`.
 */
export function assertWireChunk(value: unknown, where: string, origin: string): WireChunk {
  const v = value as Partial<WireChunk> | null;
  if (v !== null && typeof v === 'object' && !Array.isArray(v) && v.sy === WIRE_VERSION) {
    const chunk = v.chunk as unknown;
    if (chunk !== null && typeof chunk === 'object' && 'json' in chunk) return v as WireChunk;
  }
  throw new SerializationError(
    `${where}: ${origin} streamed ${preview(value)}, which is not a Switchyard chunk ({"sy":1,"chunk":{"json":…}}). ` +
      'The endpoint is probably not running a Switchyard worker of this version: deploy caller and worker from the same Switchyard version.',
    { position: `chunk of ${where}` },
  );
}
