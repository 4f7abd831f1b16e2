import { SerializationError } from '../errors';
import type { WireChunk } from '../serialization/wire';

/** What {@link runStream} needs to drive one streaming method. */
export interface StreamRun {
  /** What the method returned: an async iterable (its generator), else the job fails. */
  returned: unknown;
  /** Runs `fn` inside the job's span and call context (each step of the generator runs there). */
  enter: <T>(fn: () => T) => T;
  /** Encodes the n-th yielded value (from 1) as a chunk; throws when it cannot be encoded. */
  encode: (value: unknown, n: number) => WireChunk;
  /** Hands a chunk to the transport; resolves when the transport can take the next one. */
  emit: (chunk: WireChunk) => Promise<void>;
  /** Aborts on cancel, stop, the caller's departure or the call's deadline. */
  signal: AbortSignal;
  /** `endpoint.method`, for messages. */
  where: string;
}

/** Rejects with the signal's reason once it aborts; resolves or rejects with `promise` otherwise. */
function unlessAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    // The transport's own rejection (its reader gone too) is expected then; only the reason counts.
    promise.catch(() => undefined);
    return Promise.reject(signal.reason as Error);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}

/** The iterator of a streaming method's return value, or a SerializationError saying what came back instead. */
function iteratorOf(returned: unknown, where: string): AsyncIterator<unknown> {
  const make = (returned as { [Symbol.asyncIterator]?: unknown } | null | undefined)?.[Symbol.asyncIterator];
  if (typeof make === 'function') return (make as () => AsyncIterator<unknown>).call(returned);
  const what = returned === null ? 'null' : returned instanceof Promise ? 'a Promise' : typeof returned;
  throw new SerializationError(
    `${where} is a streaming method, but the hosted instance's method returned ${what}, not an async iterable. Make the method an async generator (async *), or give the container an override that returns one.`,
    { position: `result of ${where}` },
  );
}

/**
 * Drives one streaming method: pulls each value from its generator (inside the job's context),
 * encodes it and hands it to the transport, one at a time. The generator is resumed only after
 * the transport took the previous chunk (`emit` resolved), so it never runs ahead of the
 * consumer by more than the transport buffers. Resolves with the number of chunks sent when the
 * generator ends. Rejects with the generator's error, an encoding error, `emit`'s rejection, or
 * the signal's reason; the generator is then closed with `return()`, so its `finally` blocks run
 * (a generator busy between two yields finishes that step first: JavaScript cannot interrupt it,
 * but its AbortSignal parameter, if it takes one, has fired).
 */
export async function runStream(run: StreamRun): Promise<number> {
  const { enter, signal } = run;
  const iterator = enter(() => iteratorOf(run.returned, run.where));
  let sent = 0;
  let ended = false;
  try {
    for (;;) {
      signal.throwIfAborted();
      const step = await enter(() => iterator.next());
      if (step.done) {
        ended = true;
        return sent;
      }
      // Stopped while the generator produced this value: it is not sent.
      signal.throwIfAborted();
      await unlessAborted(run.emit(run.encode(step.value, sent + 1)), signal);
      sent++;
    }
  } finally {
    // A generator that threw is closed already; one suspended at a yield runs its finally now.
    if (!ended && typeof iterator.return === 'function') {
      try {
        await enter(() => iterator.return!());
      } catch {
        // An error from the generator's own cleanup must not hide why the stream stopped.
      }
    }
  }
}
