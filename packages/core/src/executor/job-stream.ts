import type { SwitchyardDefaults } from '../config';
import { DeadlineExceededError, EndpointUnavailableError, RemoteExecutionError } from '../errors';
import { sleep } from '../resilience/call-budget';
import type { RequestSlots } from '../resilience/request-slots';
import type { CallState } from './call-state';
import type { ExecuteRequest } from './executor';
import type { HttpReply, HttpTransport } from './http-transport';
import { describeNetworkFailure } from './network-failure';
import { serverMessage } from './reply-errors';
import { isTerminal, type RunpodJob } from './runpod-job';
import type { SpawnedJob } from './runpod-executor';
import type { CallBudget } from '../resilience/call-budget';
import { WIRE_VERSION } from '../serialization/wire';
import { parseStreamPoll } from './stream-readers';

/** RunPod's `/stream` takes `?wait=` from 1000 to 300000 ms and holds an empty poll about 10 s. */
const STREAM_WAIT = { min: 1_000, max: 10_000 };
/** Pause after a failed or refused `/stream` poll before the next, ms. */
const RETRY_PAUSE_MS = 200;

/** What reading one job's stream needs from its executor. */
export interface JobStreamDeps {
  request: ExecuteRequest;
  job: SpawnedJob;
  headers: Readonly<Record<string, string>>;
  transport: HttpTransport;
  slots: RequestSlots;
  defaults: SwitchyardDefaults;
  /** The typed error of a terminal job that did not complete (FAILED, CANCELLED, TIMED_OUT): throws. */
  statusOf(job: RunpodJob, call: CallState): unknown;
  callState(): CallState;
  /** Cancels the job when reading stops before it ended; none for a spawned job's stream, which keeps running. */
  cancel?: () => Promise<void>;
  secrets: readonly (string | undefined)[];
}

/**
 * Polls `/stream/{id}?wait=` and yields each chunk (still encoded) as it arrives, until the job is
 * terminal. Failed polls are retried until `replicaLostPolls` fail in a row (then the replica is
 * taken for dead: EndpointUnavailableError; chunks already yielded cannot be taken back, so a
 * stream is never resubmitted). Whenever the reading stops before the job ended — a consumer's
 * `break`, an abort, the deadline, a failure — the job is cancelled.
 */
export async function* readJobStream(d: JobStreamDeps): AsyncGenerator<unknown> {
  const { request, job } = d;
  const { budget } = request;
  const where = `${request.endpoint}.${request.method}`;
  const origin = `${job.address.url}/stream`;
  let ended = false;
  let failedInARow = 0;
  try {
    for (;;) {
      budget.throwIfOver();
      const wait = Math.max(STREAM_WAIT.min, Math.min(STREAM_WAIT.max, Math.floor(budget.remaining() - 500)));
      let reply: HttpReply | undefined;
      let problem: string | undefined;
      const release = await d.slots.acquire(budget.signal);
      try {
        reply = await d.transport.send({
          origin: job.address.origin,
          path: `${job.address.path}/stream/${encodeURIComponent(job.jobId)}?wait=${wait}`,
          method: 'GET',
          headers: { authorization: d.headers.authorization! },
          timeoutMs: wait + d.defaults.statusTimeoutMs,
          signal: budget.signal,
        });
      } catch (error) {
        if (budget.aborted) throw error;
        problem = describeNetworkFailure(error);
      } finally {
        release();
      }
      if (reply?.status === 404) {
        const remote = `job ${job.jobId} is no longer known at ${job.address.url} (HTTP 404 on /stream): its worker restarted, or the job expired`;
        throw new RemoteExecutionError(`${remote}. The stream ended early; call again if that is safe.`, { endpoint: request.endpoint, method: request.method, jobId: job.jobId, remote: { name: 'JobNotFound', message: remote } });
      }
      if (reply && reply.status >= 200 && reply.status <= 299) {
        failedInARow = 0;
        const poll = parseStreamPoll(reply.text, job.jobId, where, origin, request.foreign !== undefined);
        for (const chunk of poll.chunks) yield chunk;
        if (isTerminal(poll.job.status)) {
          ended = true;
          if (poll.job.status !== 'COMPLETED') d.statusOf(poll.job, d.callState());
          return;
        }
        continue;
      }
      failedInARow++;
      const what = problem ?? `HTTP ${reply!.status} (${serverMessage(reply!.text, d.secrets)})`;
      if (failedInARow >= d.defaults.replicaLostPolls) {
        throw new EndpointUnavailableError(`endpoint ${request.endpoint} at ${job.address.url} stopped answering the /stream polls of job ${job.jobId} (${failedInARow} in a row: ${what}); the chunks so far were delivered, the rest are lost.`, {
          endpoint: request.endpoint,
          method: request.method,
          address: job.address.url,
          mayHaveRun: true,
        });
      }
      await sleep(RETRY_PAUSE_MS, budget.signal);
    }
  } catch (error) {
    if (budget.callerAborted) throw budget.signal.reason;
    if (budget.aborted || budget.remaining() === 0) {
      throw new DeadlineExceededError(`the stream did not end within ${budget.totalMs} ms (job ${job.jobId} ${d.cancel ? 'was cancelled' : 'keeps running'}); raise timeoutMs on the @Remote method or pass { timeoutMs }.`, {
        endpoint: request.endpoint,
        method: request.method,
        jobId: job.jobId,
      });
    }
    throw error;
  } finally {
    if (!ended) await d.cancel?.();
  }
}

/** The request of a job `spawn` submitted earlier, to wait for it or read its stream (no resubmission: it ran or runs already). */
export function spawnedRequest(job: SpawnedJob & { endpoint: string; method: string; foreign?: boolean }, budget: CallBudget, onProgress?: (encoded: unknown) => void): ExecuteRequest {
  const { endpoint, method, address, jobId } = job;
  return {
    endpoint,
    method,
    addresses: [address],
    invocation: { sy: WIRE_VERSION, endpoint, method, args: { json: [] }, callId: jobId, deadline: budget.deadline },
    budget,
    idempotent: false,
    retries: 0,
    onProgress,
    foreign: job.foreign ? { input: undefined } : undefined,
  };
}
