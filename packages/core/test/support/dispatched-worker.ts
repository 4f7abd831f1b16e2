import { getEndpointMetadata, type Constructor } from '@switchyard/decorators';
import { StaticDirectory } from '../../src/directory/static-directory';
import { silentLogger } from '../../src/observability/logger';
import { createRuntime } from '../../src/router/runtime';
import type { Runtime } from '../../src/router/runtime-types';
import type { Serializer } from '../../src/serialization/serializer';
import { Dispatcher } from '../../src/worker/dispatcher';
import { JobFailure, type JobHandler } from './runpod-standin';

/** A RunPod stand-in job handler that is a real Switchyard worker: jobs go through the real Dispatcher. */
export interface DispatchedWorker {
  /** Give it to `runpod.endpoint(id, { handler })`. */
  readonly handler: JobHandler;
  readonly runtime: Runtime;
  close(): Promise<void>;
}

/**
 * What a Switchyard worker in runpod mode does with a job the platform hands it — the real
 * Dispatcher runs the invocation; COMPLETED returns its output, FAILED ends the job with the
 * failure's JSON string — so executor tests exercise the worker's own wire format, never a copy.
 */
export function dispatchedBy(endpoints: Constructor[], options: { serializer?: Serializer } = {}): DispatchedWorker {
  const names = endpoints.map((cls) => getEndpointMetadata(cls)!.name);
  const runtime = createRuntime({ endpoint: names, env: {}, logger: silentLogger, directory: new StaticDirectory({}), serializer: options.serializer });
  const dispatcher = new Dispatcher({ runtime, endpoints });
  return {
    runtime,
    handler: async (input, job) => {
      const outcome = await dispatcher.dispatch(input, { jobId: job.id, signal: job.signal });
      if (outcome.status === 'COMPLETED') return outcome.output;
      throw new JobFailure(JSON.stringify(outcome.failure));
    },
    close: () => runtime.close(),
  };
}
