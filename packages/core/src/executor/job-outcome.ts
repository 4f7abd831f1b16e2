import { RemoteExecutionError } from '../errors';
import { parseFailure } from '../serialization/wire';
import type { WireOutput } from '../serialization/wire';
import type { ExecuteRequest } from './executor';
import type { RunpodJob } from './runpod-job';
import { preview } from './server-message';
import { assertWireOutput } from './wire-output';

/**
 * Turns a job in a terminal status into the call's result or its typed error:
 * - COMPLETED → the `output`, checked to be a Switchyard result (else SerializationError).
 * - FAILED → RemoteExecutionError carrying the worker's error (name, message, stack, code and,
 *   from a Switchyard worker, `fields`/`details`), so the router can rebuild registered classes.
 * - CANCELLED → RemoteExecutionError with `remote.name === 'JobCancelled'`.
 * - TIMED_OUT → RemoteExecutionError with `remote.name === 'JobTimedOut'`.
 */
export function jobOutcome(request: ExecuteRequest, address: string, job: RunpodJob): WireOutput {
  const where = `${request.endpoint}.${request.method}`;
  switch (job.status) {
    case 'COMPLETED':
      return assertWireOutput(job.output, where, `job ${job.id} on ${address}`);
    case 'FAILED': {
      const failure = parseFailure(job.error);
      // The whole WireFailure travels as `remote` (fields, details), not just name/message/stack.
      return throwRemote(
        request,
        job.id,
        `${where} failed on endpoint ${request.endpoint} (job ${job.id}): ${failure.name}: ${failure.message}`,
        failure,
      );
    }
    case 'CANCELLED': {
      const message =
        `${where}: job ${job.id} on endpoint ${request.endpoint} was cancelled on RunPod before it finished ` +
        '(someone called /cancel or purged the queue). Call again if the cancellation was not intended.';
      return throwRemote(request, job.id, message, { name: 'JobCancelled', message });
    }
    case 'TIMED_OUT': {
      const message =
        `${where}: job ${job.id} on endpoint ${request.endpoint} timed out on RunPod: it waited in the queue too long ` +
        "or ran past the endpoint's execution timeout. Raise the endpoint's executionTimeout or add workers, then call again.";
      return throwRemote(request, job.id, message, { name: 'JobTimedOut', message });
    }
    default:
      throw new RemoteExecutionError(
        `${where}: job ${job.id} is in status ${preview(job.status)}, which is not terminal; this is a bug in Switchyard's executor. Please report it.`,
        request.endpoint,
        request.method,
        job.id,
        { name: 'UnexpectedJobStatus', message: `status ${job.status}` },
      );
  }
}

function throwRemote(request: ExecuteRequest, jobId: string, message: string, remote: RemoteExecutionError['remote']): never {
  throw new RemoteExecutionError(message, request.endpoint, request.method, jobId, remote);
}
