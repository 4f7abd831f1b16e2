import { numberOption } from '../config';
import type { EndpointAddress } from '../directory/endpoint-address';
import { RemoteExecutionError, UnauthorizedError } from '../errors';
import { cappedExponentialDelay, retryAfterMs } from '../resilience/backoff';
import { sleep } from '../resilience/call-budget';
import { AddressSlots, type RequestSlots } from '../resilience/request-slots';
import { AttemptFailure } from '../resilience/transport-failure';
import { parseFailure } from '../serialization/failure';
import { assertWireOutput, type WireOutput } from '../serialization/wire';
import type { ExecuteRequest } from './executor';
import type { CallState } from './call-state';
import { jobPolicy } from './job-policy';
import { HttpExecutor, type HttpExecutorOptions } from './http-executor';
import { headerValue, type HttpReply } from './http-transport';
import { describeNetworkFailure } from './network-failure';
import { noReplyFailure, replyFailure, serverMessage } from './reply-errors';
import { cancelJob, jobIdOf, JobWatch, replyUnlessAborted, type CancelTarget } from './job-watch';
import { isTerminal, parseJobBody, type RunpodJob } from './runpod-job';

/** RunPod accepts `?wait=` from 1000 to 300000 ms (protocol reference §1.4). */
const MIN_RUNSYNC_WAIT_MS = 1_000;
const MAX_RUNSYNC_WAIT_MS = 300_000;

/** Where one submission goes, and the request slots it holds. */
interface Submission {
  route: '/run' | '/runsync';
  /** `?wait=` of a runsync, ms. */
  wait: number;
  slots: RequestSlots;
}

/** Options of {@link RunpodExecutor}. Unset values come from the resolved defaults (env-overridable). */
export interface RunpodExecutorOptions extends HttpExecutorOptions {
  /** `?wait=` sent with runsync, ms; at most the time left minus 1 s. Default 90000 (SWITCHYARD_RUNSYNC_WAIT_MS). */
  runsyncWaitMs?: number;
  /** Delay before the first /status poll, ms; doubles after each poll. Default 200 (SWITCHYARD_POLL_INITIAL_MS). */
  pollInitialMs?: number;
  /** Cap of the /status poll delay, ms. Default 5000 (SWITCHYARD_POLL_MAX_MS). */
  pollMaxMs?: number;
}

/**
 * Runs calls on RunPod queue endpoints (and on Switchyard workers serving the same API):
 * `POST {address}/runsync?wait=…` (or `/run` when the budget is short or the address's runsync
 * slots are busy), then `GET {address}/status/{id}` with capped exponential backoff until
 * COMPLETED, FAILED, CANCELLED or TIMED_OUT. Once a job id exists the job is polled, never
 * resubmitted — unless its self-hosted replica stops answering (then the retry policy decides,
 * as for any submission that may have run). When the budget ends, the job is cancelled
 * (`POST {address}/cancel/{id}`, best effort).
 */
export class RunpodExecutor extends HttpExecutor {
  protected readonly limitLabel = "RunPod's /runsync";
  protected readonly healthRoute = '/health';
  private readonly runsyncWaitMs: number;
  private readonly pollInitialMs: number;
  private readonly pollMaxMs: number;
  /** /run's limit (10 MB): calls with a short budget use /run when their body fits. */
  private readonly runPayloadLimit: number;
  private readonly slots: AddressSlots;

  constructor(options: RunpodExecutorOptions = {}) {
    super('RunpodExecutor', 'queue', options, 'runsyncPayloadLimit');
    const d = this.defaults;
    this.runsyncWaitMs = numberOption('RunpodExecutor', 'runsyncWaitMs', options.runsyncWaitMs, d, 'runsyncWaitMs');
    this.pollInitialMs = numberOption('RunpodExecutor', 'pollInitialMs', options.pollInitialMs, d, 'pollInitialMs');
    this.pollMaxMs = Math.max(this.pollInitialMs, numberOption('RunpodExecutor', 'pollMaxMs', options.pollMaxMs, d, 'pollMaxMs'));
    this.runPayloadLimit = Math.min(this.payloadLimit, d.runPayloadLimit);
    this.slots = new AddressSlots(numberOption('RunpodExecutor', 'maxRequestsPerAddress', options.maxRequestsPerAddress, d, 'requestsPerAddress'));
  }

  protected bodyOf(request: ExecuteRequest): unknown {
    // RunPod enforces the policy itself: a job outliving its caller's budget is stopped and dropped.
    return { input: request.invocation, policy: jobPolicy(request.budget.remaining()) };
  }

  protected abandonedNote(call: CallState): string {
    if (call.jobId !== undefined) return ` (job ${call.jobId} was cancelled)`;
    if (call.lateCancel) return ': the /run submission was still in flight; its job is cancelled as soon as the id arrives';
    return ": the endpoint had not returned a job id yet (a runsync was in flight: a Switchyard worker cancels the job when the request drops, RunPod stops it at the job's policy deadline)";
  }

  protected async attempt(call: CallState, address: EndpointAddress): Promise<WireOutput> {
    const route = this.submission(call, address);
    // The slot is taken before the circuit and the request: a call waiting for one holds no
    // frames beyond this one (10,000 calls in flight mostly wait here).
    const release = await route.slots.acquire(call.request.budget.signal);
    call.request.observer?.submitting(address, call.submissions + 1, route.route === '/run' ? 'run' : 'runsync');
    const submittedAt = Date.now();
    let first: RunpodJob;
    try {
      first = await this.guard(call, address, () => this.submit(call, address, route));
    } finally {
      release();
    }
    call.jobId = first.id;
    const observer = call.request.observer;
    observer?.jobAccepted(first.id);
    const job = isTerminal(first.status) ? first : await this.pollUntilTerminal(call, address, first.id, this.watchOf(call, address, first.id, submittedAt));
    observer?.jobTimes(job.delayTime, job.executionTime);
    return this.outcome(call, address, job);
  }

  protected override async abandon(call: CallState): Promise<unknown> {
    if (call.jobId !== undefined && call.address !== undefined) await cancelJob(this.target(call, call.address, call.jobId), this.defaults.cancelTimeoutMs);
    return super.abandon(call);
  }

  /** What cancelling `jobId` needs. */
  private target(call: CallState, address: EndpointAddress, jobId: string): CancelTarget {
    const { endpoint } = call.request;
    return { endpoint, where: call.where, address, jobId, authorization: call.headers.authorization!, logger: this.logger, secrets: [this.apiKey] };
  }

  private watchOf(call: CallState, address: EndpointAddress, jobId: string, submittedAt: number): JobWatch {
    return new JobWatch({ ...this.target(call, address, jobId), onProgress: call.request.onProgress, coldStartNoticeMs: this.defaults.coldStartNoticeMs, submittedAt });
  }

  /**
   * Where a submission goes: `/runsync?wait=` with a runsync slot, or `/run` with a short one. A
   * budget shorter than runsync's shortest wait could end before any reply carries a job id,
   * leaving a job nobody can cancel; /run answers with the id at once. /run also keeps calls
   * beyond the busy runsync slots from holding a connection for the whole job.
   */
  private submission(call: CallState, address: EndpointAddress): Submission {
    const { budget } = call.request;
    const wanted = Math.min(this.runsyncWaitMs, budget.remaining() - this.defaults.runsyncHeadroomMs);
    const wait = Math.min(MAX_RUNSYNC_WAIT_MS, Math.max(MIN_RUNSYNC_WAIT_MS, Math.floor(wanted)));
    const slots = this.slots.for(address.url);
    // Progress is read from /status polls, so a call that wants it is polled from the start.
    const useRun = (wanted < MIN_RUNSYNC_WAIT_MS || slots.long.free === 0 || call.request.onProgress !== undefined) && call.bodyBytes <= this.runPayloadLimit;
    return useRun ? { route: '/run', wait, slots: slots.short } : { route: '/runsync', wait, slots: slots.long };
  }

  /** POST /runsync (or /run), holding the slot `attempt` took: the accepted job, or an AttemptFailure / typed error. */
  private async submit(call: CallState, address: EndpointAddress, { route, wait }: Submission): Promise<RunpodJob> {
    const { budget } = call.request;
    const useRun = route === '/run';
    let reply: HttpReply;
    try {
      const sending = this.transport.send({
        origin: address.origin,
        path: useRun ? `${address.path}/run` : `${address.path}/runsync?wait=${wait}`,
        method: 'POST',
        headers: call.headers,
        body: call.body,
        timeoutMs: useRun ? this.defaults.statusTimeoutMs : wait + this.defaults.runsyncGraceMs,
        // A dropped runsync is a cancel to a Switchyard worker (RunPod bounds it by the job's
        // policy). A /run is short and not aborted: its job id is what a cancel needs.
        signal: useRun ? undefined : budget.signal,
      });
      reply = useRun ? await this.unlessAbandoned(call, address, sending) : await sending;
    } catch (error) {
      if (budget.aborted) throw error;
      throw noReplyFailure(route, error);
    }
    if (reply.status < 200 || reply.status > 299) throw replyFailure(this.sent(call, address, route), reply);
    return parseJobBody(reply.text, call.where, `${address.url}${route}`);
  }

  /**
   * Polls `/status/{id}` with capped exponential backoff until a terminal status. Transient
   * failures are polled through until the deadline. A self-hosted replica that refuses or drops
   * `replicaLostPolls` polls in a row, or no longer knows the job, has died with it: that is an
   * AttemptFailure (`replica-lost`). RunPod's own API holds its jobs, so it is polled on.
   */
  private async pollUntilTerminal(call: CallState, address: EndpointAddress, jobId: string, watch: JobWatch): Promise<RunpodJob> {
    const { request } = call;
    const { budget } = request;
    const path = `${address.path}/status/${encodeURIComponent(jobId)}`;
    const lost = (what: string): AttemptFailure =>
      new AttemptFailure('replica-lost', `the replica at ${address.url} stopped answering while job ${jobId} ran (${what})`, {
        jobId,
        advice: 'The method may or may not have run.',
      });
    let delay = this.pollInitialMs;
    let failedInARow = 0;
    for (let poll = 1; ; poll++) {
      await this.pauseWatching(address.url, delay, budget.signal);
      delay = cappedExponentialDelay(poll + 1, this.pollInitialMs, this.pollMaxMs);
      const release = await this.slots.for(address.url).short.acquire(budget.signal);
      let reply: HttpReply;
      try {
        reply = await this.transport.send({
          origin: address.origin,
          path,
          method: 'GET',
          headers: { authorization: call.headers.authorization },
          timeoutMs: this.defaults.statusTimeoutMs,
          signal: budget.signal,
        });
      } catch (error) {
        if (budget.aborted) throw error;
        failedInARow++;
        request.observer?.polled(jobId, undefined);
        const reason = describeNetworkFailure(error);
        const failure = new AttemptFailure('replica-lost', `${failedInARow} status poll(s) of job ${jobId} failed: ${reason}`);
        this.breakers?.record(address.url, failure);
        this.troubleAt(address.url);
        if (!address.platform && failedInARow >= this.defaults.replicaLostPolls) throw lost(`${failedInARow} status polls failed: ${reason}`);
        this.logger.debug(`status poll of job ${jobId} failed (${reason}); polling again`, { endpoint: request.endpoint, jobId });
        // Look again soon: the replica may be gone, and a caller should learn it in time.
        delay = this.pollInitialMs;
        continue;
      } finally {
        release();
      }
      failedInARow = 0;
      this.breakers?.record(address.url);
      if (reply.status >= 200 && reply.status <= 299) {
        let job: RunpodJob;
        try {
          job = parseJobBody(reply.text, call.where, `${address.url}/status`);
        } catch (error) {
          this.logger.warn(`unreadable status reply for job ${jobId}; polling again`, { endpoint: request.endpoint, jobId, error: error as Error });
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
      const after = retryAfterMs(headerValue(reply.headers, 'retry-after'), this.maxRetryAfterMs);
      if (after !== undefined) delay = Math.max(delay, after);
      this.logger.debug(`status poll of job ${jobId} answered HTTP ${reply.status} (${serverMessage(reply.text, [this.apiKey])}); polling again`, {
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
  private outcome(call: CallState, address: EndpointAddress, job: RunpodJob): WireOutput {
    const { endpoint, method } = call.request;
    switch (job.status) {
      case 'COMPLETED':
        return assertWireOutput(job.output, call.where, `job ${job.id} on ${address.url}`);
      case 'FAILED':
        throw this.remoteError(call, parseFailure(job.error), job.id);
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

  /**
   * The /run reply, unless the call's budget ends first: then the caller gets the budget's reason
   * at once, and the job is cancelled as soon as its id arrives.
   */
  private unlessAbandoned(call: CallState, address: EndpointAddress, sending: Promise<HttpReply>): Promise<HttpReply> {
    return replyUnlessAborted(call.request.budget.signal, sending, (reply) => {
      call.lateCancel = true;
      const id = jobIdOf(reply.text);
      if (id !== undefined) void cancelJob(this.target(call, address, id), this.defaults.cancelTimeoutMs);
    });
  }
}
