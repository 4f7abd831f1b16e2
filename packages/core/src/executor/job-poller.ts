import type { SwitchyardDefaults } from '../config';
import type { EndpointAddress } from '../directory/endpoint-address';
import { RemoteExecutionError, UnauthorizedError, type WireFailure } from '../errors';
import type { Logger } from '../observability/logger';
import type { AddressBreakers } from '../resilience/address-breakers';
import { cappedExponentialDelay, retryAfterMs } from '../resilience/backoff';
import type { AddressSlots } from '../resilience/request-slots';
import { AttemptFailure } from '../resilience/transport-failure';
import { parseFailure } from '../serialization/failure';
import { assertWireOutput, WIRE_VERSION, type WireOutput } from '../serialization/wire';
import type { CallState } from './call-state';
import { headerValue, type HttpReply, type HttpTransport } from './http-transport';
import type { JobWatch } from './job-watch';
import { describeNetworkFailure } from './network-failure';
import { serverMessage } from './reply-errors';
import { isTerminal, parseJobBody, type RunpodJob } from './runpod-job';

/** What the poller borrows from its executor. */
export interface JobPollerDeps {
  transport: HttpTransport;
  slots: AddressSlots;
  breakers: AddressBreakers | undefined;
  logger: Logger;
  defaults: SwitchyardDefaults;
  pollInitialMs: number;
  pollMaxMs: number;
  maxRetryAfterMs: number;
  /** Redacted from quoted replies (the key). */
  secrets: readonly (string | undefined)[];
  /** Waits between polls, woken early when a request to the address fails. */
  pause(url: string, ms: number, signal: AbortSignal): Promise<void>;
  /** A request to the address failed in the transport. */
  trouble(url: string): void;
  /** A remote failure as the caller's typed error. */
  remoteError(call: CallState, failure: WireFailure, jobId?: string): Error;
}

/**
 * The `/status` side of a queue call: polls a job until it is terminal, and maps the terminal
 * job to the call's result or typed error. RunpodExecutor uses it after a submission, and to
 * wait for a job spawned earlier (a call handle).
 */
export class JobPoller {
  constructor(private readonly deps: JobPollerDeps) {}

  /**
   * Polls `/status/{id}` with capped exponential backoff until a terminal status. Transient
   * failures are polled through until the deadline. A self-hosted replica that refuses or drops
   * `replicaLostPolls` polls in a row, or no longer knows the job, has died with it: that is an
   * AttemptFailure (`replica-lost`). RunPod's own API holds its jobs, so it is polled on.
   */
  async poll(call: CallState, address: EndpointAddress, jobId: string, watch: JobWatch): Promise<RunpodJob> {
    const d = this.deps;
    const { request } = call;
    const { budget } = request;
    const path = `${address.path}/status/${encodeURIComponent(jobId)}`;
    const lost = (what: string): AttemptFailure =>
      new AttemptFailure('replica-lost', `the replica at ${address.url} stopped answering while job ${jobId} ran (${what})`, {
        jobId,
        advice: 'The method may or may not have run.',
      });
    let delay = d.pollInitialMs;
    let failedInARow = 0;
    for (let poll = 1; ; poll++) {
      await d.pause(address.url, delay, budget.signal);
      delay = cappedExponentialDelay(poll + 1, d.pollInitialMs, d.pollMaxMs);
      const release = await d.slots.for(address.url).short.acquire(budget.signal);
      let reply: HttpReply;
      try {
        reply = await d.transport.send({
          origin: address.origin,
          path,
          method: 'GET',
          headers: { authorization: call.headers.authorization },
          timeoutMs: d.defaults.statusTimeoutMs,
          signal: budget.signal,
        });
      } catch (error) {
        if (budget.aborted) throw error;
        failedInARow++;
        request.observer?.polled(jobId, undefined);
        const reason = describeNetworkFailure(error);
        const failure = new AttemptFailure('replica-lost', `${failedInARow} status poll(s) of job ${jobId} failed: ${reason}`);
        d.breakers?.record(address.url, failure);
        d.trouble(address.url);
        if (!address.platform && failedInARow >= d.defaults.replicaLostPolls) throw lost(`${failedInARow} status polls failed: ${reason}`);
        d.logger.debug(`status poll of job ${jobId} failed (${reason}); polling again`, { endpoint: request.endpoint, jobId });
        // Look again soon: the replica may be gone, and a caller should learn it in time.
        delay = d.pollInitialMs;
        continue;
      } finally {
        release();
      }
      failedInARow = 0;
      d.breakers?.record(address.url);
      if (reply.status >= 200 && reply.status <= 299) {
        let job: RunpodJob;
        try {
          job = parseJobBody(reply.text, call.where, `${address.url}/status`);
        } catch (error) {
          d.logger.warn(`unreadable status reply for job ${jobId}; polling again`, { endpoint: request.endpoint, jobId, error: error as Error });
          continue;
        }
        request.observer?.polled(jobId, job.status);
        watch.seen(job);
        if (isTerminal(job.status)) return job;
        continue;
      }
      if (reply.status === 401 || reply.status === 403) {
        throw new UnauthorizedError(
          `endpoint ${request.endpoint} at ${address.url} refused the API key while polling job ${jobId} (HTTP ${reply.status}). Check that RUNPOD_API_KEY (or the apiKey option) holds a valid key for this endpoint.`,
          { endpoint: request.endpoint, method: request.method },
        );
      }
      if (reply.status === 404) {
        if (!address.platform) throw lost('it no longer knows the job: HTTP 404 on /status, so it restarted');
        const remote = `job ${jobId} is no longer known (HTTP 404 on /status): its result expired or the job was removed`;
        throw new RemoteExecutionError(`${remote}. The call may or may not have run; call again if that is safe.`, {
          endpoint: request.endpoint,
          method: request.method,
          jobId,
          remote: { name: 'JobNotFound', message: remote },
        });
      }
      request.observer?.polled(jobId, `HTTP ${reply.status}`);
      const after = retryAfterMs(headerValue(reply.headers, 'retry-after'), d.maxRetryAfterMs);
      if (after !== undefined) delay = Math.max(delay, after);
      d.logger.debug(`status poll of job ${jobId} answered HTTP ${reply.status} (${serverMessage(reply.text, d.secrets)}); polling again`, {
        endpoint: request.endpoint,
        jobId,
      });
    }
  }

  /**
   * A terminal job as the call's result or its typed error: COMPLETED → the output (checked to
   * be a Switchyard result); FAILED → the remote error, rebuilt by the failure converter;
   * CANCELLED / TIMED_OUT → RemoteExecutionError named `JobCancelled` / `JobTimedOut`.
   */
  outcome(call: CallState, address: EndpointAddress, job: RunpodJob): WireOutput {
    const { endpoint, method } = call.request;
    switch (job.status) {
      case 'COMPLETED':
        // A foreign worker's output is whatever its handler returned.
        if (call.request.foreign) return { sy: WIRE_VERSION, result: job.output as WireOutput['result'] };
        return assertWireOutput(job.output, call.where, `job ${job.id} on ${address.url}`);
      case 'FAILED':
        throw this.deps.remoteError(call, parseFailure(job.error), job.id);
      case 'CANCELLED': {
        const message = `job ${job.id} on endpoint ${endpoint} was cancelled on RunPod before it finished (someone called /cancel or purged the queue). Call again if the cancellation was not intended.`;
        throw new RemoteExecutionError(message, { endpoint, method, jobId: job.id, remote: { name: 'JobCancelled', message } });
      }
      default: {
        const message = `job ${job.id} on endpoint ${endpoint} timed out on RunPod: it waited in the queue too long or ran past the endpoint's execution timeout. Raise the endpoint's executionTimeout or add workers, then call again.`;
        throw new RemoteExecutionError(message, { endpoint, method, jobId: job.id, remote: { name: 'JobTimedOut', message } });
      }
    }
  }
}
