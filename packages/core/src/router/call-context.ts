import { AsyncLocalStorage } from 'node:async_hooks';

/** What a call inherits from the code that made it: a deadline, an abort signal, a trace. */
export interface CallContext {
  /** Absolute deadline, epoch ms. Nested calls never get more time than this. */
  deadline?: number;
  /** Aborts every call made inside the scope. */
  signal?: AbortSignal;
  /** W3C traceparent of the enclosing operation. */
  traceparent?: string;
  /**
   * Where {@link reportProgress} sends a progress update of the job running this scope. Set by
   * the worker's dispatcher for each job whose transport carries progress; inherited by nested
   * scopes. Undefined outside a job, where reporting progress does nothing.
   */
  progress?: (update: unknown) => void;
  /** The callId of the job this scope runs in (set by the worker): calls made inside name it as their parent in their log line. */
  callId?: string;
}

// Storage only: it keeps no state of its own outside an async scope.
const storage = new AsyncLocalStorage<CallContext>();

/** The context of the current async scope, if any. */
export function currentCallContext(): CallContext | undefined {
  return storage.getStore();
}

function merge(outer: CallContext | undefined, inner: CallContext): CallContext {
  const deadlines = [outer?.deadline, inner.deadline].filter((d): d is number => typeof d === 'number');
  const signals = [outer?.signal, inner.signal].filter((s): s is AbortSignal => s !== undefined);
  return {
    deadline: deadlines.length > 0 ? Math.min(...deadlines) : undefined,
    signal: signals.length > 1 ? AbortSignal.any(signals) : signals[0],
    traceparent: inner.traceparent ?? outer?.traceparent,
    progress: inner.progress ?? outer?.progress,
    callId: inner.callId ?? outer?.callId,
  };
}

/**
 * Runs `fn` with a signal and/or deadline that apply to every Switchyard call made inside it,
 * however deep. Scopes nest: the earliest deadline wins and either signal aborts.
 *
 * ```ts
 * await withCallContext({ signal, deadline: Date.now() + 5_000 }, () => workflow.run(input));
 * ```
 */
export function withCallContext<T>(context: CallContext, fn: () => T): T {
  return storage.run(merge(storage.getStore(), context), fn);
}

/**
 * The values of the iterable `open` returns, each step of it run inside `context` (a generator's
 * body runs in the context of whoever calls its `next()`, so wrapping only the call that creates
 * it would leave its steps outside). Stopping early returns the iterator, in the context too.
 */
export async function* iterateInContext<T>(context: CallContext, open: () => AsyncIterable<T>): AsyncGenerator<T> {
  const iterator = withCallContext(context, () => open()[Symbol.asyncIterator]());
  let finished = false;
  try {
    for (;;) {
      const step = await withCallContext(context, () => iterator.next());
      if (step.done) {
        finished = true;
        return;
      }
      yield step.value;
    }
  } finally {
    if (!finished) await withCallContext(context, async () => iterator.return?.());
  }
}

/**
 * Reports the progress of the job the calling code runs in: a `@Remote` method (or anything it
 * calls in the same process) served by a worker. The update is encoded like a result (superjson,
 * so Dates, Maps, typed arrays… survive) and sent as RunPod's progress: in runpod mode a job-done
 * POST with `{"status": "IN_PROGRESS", "output": …}`, in http mode the `output` of the job's
 * IN_PROGRESS `/status`, where a caller's poll reads it. Only the latest update is kept, so report
 * as often as you like. Outside a job (or in load-balancer mode, which has no channel for it) it
 * does nothing. Throws SerializationError if the update cannot be encoded.
 *
 * ```ts
 * @Remote() async train(epochs: number) {
 *   for (let i = 1; i <= epochs; i++) { await this.epoch(); reportProgress({ epoch: i, of: epochs }); }
 * }
 * ```
 */
export function reportProgress(update: unknown): void {
  storage.getStore()?.progress?.(update);
}

/** Used by the worker: runs a dispatched method inside its incoming invocation's context. */
export function runWithInvocationContext<T>(context: CallContext, fn: () => T): T {
  return storage.run(context, fn);
}

/** A fresh W3C traceparent (version 00, sampled), continuing `parent`'s trace id when given. */
export function childTraceparent(parent: string | undefined, randomHex: (bytes: number) => string): string {
  const match = parent ? /^00-([0-9a-f]{32})-[0-9a-f]{16}-([0-9a-f]{2})$/.exec(parent) : null;
  const traceId = match ? match[1] : randomHex(16);
  const flags = match ? match[2] : '01';
  return `00-${traceId}-${randomHex(8)}-${flags}`;
}
