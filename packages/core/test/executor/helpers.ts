import { randomUUID } from 'node:crypto';
import type { ExecuteRequest } from '../../src/executor/executor';
import { Serializer } from '../../src/serialization/serializer';
import { WIRE_VERSION } from '../../src/serialization/wire';
import type { Invocation, WireOutput } from '../../src/serialization/wire';
import { JobFailure } from '../support/runpod-standin';
import type { JobControl, JobHandler } from '../support/runpod-standin';

/** One serializer per test file, as caller and worker share one setup. */
export const serializer = new Serializer();

/** A real ExecuteRequest for `endpoint.method(...args)`, encoded with the real Serializer. */
export function callRequest(
  address: string,
  args: unknown[],
  overrides: Partial<Omit<ExecuteRequest, 'invocation'>> & { callId?: string; timeoutMs?: number; endpoint?: string; method?: string } = {},
): ExecuteRequest {
  const endpoint = overrides.endpoint ?? 'image-processor';
  const method = overrides.method ?? 'resize';
  const deadline = overrides.deadline ?? Date.now() + (overrides.timeoutMs ?? 10_000);
  const invocation: Invocation = {
    sy: WIRE_VERSION,
    endpoint,
    method,
    args: serializer.encodeArgs(args, `${endpoint}.${method}`),
    callId: overrides.callId ?? randomUUID(),
    deadline,
  };
  return {
    endpoint,
    method,
    address,
    invocation,
    deadline,
    signal: overrides.signal,
    idempotent: overrides.idempotent ?? false,
    retries: overrides.retries ?? 0,
  };
}

/** Decodes a WireOutput's result with the same serializer. */
export function decodeResult<T>(output: WireOutput): T {
  return serializer.decode<T>(output.result, 'result');
}

/**
 * A job handler that behaves like a Switchyard worker: decodes the invocation's arguments,
 * runs `fn`, and returns `{sy:1, result}`; a thrown error ends the job FAILED with the
 * encoded error as a JSON string (the wire format's `error`).
 */
export function switchyardWorker(fn: (args: unknown[], job: JobControl) => unknown): JobHandler {
  return async (input, job) => {
    const invocation = input as Invocation;
    const args = serializer.decode<unknown[]>(invocation.args, 'arguments');
    try {
      const result = await fn(args, job);
      return { sy: WIRE_VERSION, result: serializer.encode(result) };
    } catch (error) {
      const encoded = serializer.encodeError(error as Error);
      throw new JobFailure(JSON.stringify({ ...encoded, endpoint: invocation.endpoint, method: invocation.method }));
    }
  };
}

/** Resolves when `signal` aborts (a handler that runs until its job is cancelled). */
export function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the promise to reject, but it resolved');
}
