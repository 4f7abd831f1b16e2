import { numberOption } from '../config';
import type { EndpointAddress } from '../directory/endpoint-address';
import { AddressSlots, type RequestSlots } from '../resilience/request-slots';
import type { WireOutput } from '../serialization/wire';
import { DeadlineExceededError, RemoteExecutionError } from '../errors';
import type { CallBudget } from '../resilience/call-budget';
import { AttemptFailure } from '../resilience/transport-failure';
import type { ExecuteRequest } from './executor';
import { CallState } from './call-state';
import { jobPolicy, RUN_RESULT_RETENTION_MS } from './job-policy';
import { HttpExecutor, type HttpExecutorOptions } from './http-executor';
import type { HttpReply } from './http-transport';
import { noReplyFailure, replyFailure } from './reply-errors';
import { cancelJob, jobIdOf, JobWatch, replyUnlessAborted, type CancelTarget } from './job-watch';
import { JobPoller } from './job-poller';
import { readJobStream, spawnedRequest } from './job-stream';
import { isTerminal, parseJobBody, type RunpodJob } from './runpod-job';

/** RunPod accepts `?wait=` from 1000 to 300000 ms (protocol reference §1.4). */
const MIN_RUNSYNC_WAIT_MS = 1_000;
const MAX_RUNSYNC_WAIT_MS = 300_000;

/** A job `spawn` submitted: where it runs and its id. */
export interface SpawnedJob {
  address: EndpointAddress;
  jobId: string;
}

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
  private readonly poller: JobPoller;

  constructor(options: RunpodExecutorOptions = {}) {
    super('RunpodExecutor', 'queue', options, 'runsyncPayloadLimit');
    const d = this.defaults;
    this.runsyncWaitMs = numberOption('RunpodExecutor', 'runsyncWaitMs', options.runsyncWaitMs, d, 'runsyncWaitMs');
    this.pollInitialMs = numberOption('RunpodExecutor', 'pollInitialMs', options.pollInitialMs, d, 'pollInitialMs');
    this.pollMaxMs = Math.max(this.pollInitialMs, numberOption('RunpodExecutor', 'pollMaxMs', options.pollMaxMs, d, 'pollMaxMs'));
    this.runPayloadLimit = Math.min(this.payloadLimit, d.runPayloadLimit);
    this.slots = new AddressSlots(numberOption('RunpodExecutor', 'maxRequestsPerAddress', options.maxRequestsPerAddress, d, 'requestsPerAddress'));
    this.poller = new JobPoller({
      transport: this.transport,
      slots: this.slots,
      breakers: this.breakers,
      logger: this.logger,
      defaults: d,
      pollInitialMs: this.pollInitialMs,
      pollMaxMs: this.pollMaxMs,
      maxRetryAfterMs: this.maxRetryAfterMs,
      secrets: [this.apiKey],
      pause: (url, ms, signal) => this.pauseWatching(url, ms, signal),
      trouble: (url) => this.troubleAt(url),
      remoteError: (call, failure, jobId) => this.remoteError(call, failure, jobId),
    });
  }

  protected bodyOf(request: ExecuteRequest): unknown {
    // RunPod enforces the policy itself: a job outliving its caller's budget is stopped and dropped.
    const input = request.foreign ? request.foreign.input : request.invocation;
    return { input, policy: jobPolicy(request.budget.remaining(), request.submitOnly ? RUN_RESULT_RETENTION_MS : 0) };
  }

  /**
   * Submits the call through `/run` only, under the same retry policy as a whole call, and returns
   * where its job runs (`runtime.spawn`). The job's result stays readable for RunPod's retention.
   */
  spawn(request: ExecuteRequest): Promise<SpawnedJob> {
    return this.submitJob({ ...request, submitOnly: true });
  }

  /**
   * The chunks of a streaming method's call, still encoded, as the worker produces them: the job
   * is submitted through `/run` (under the retry policy), then `/stream/{id}` is polled until the
   * job ends. A FAILED job throws its typed error after the chunks before it; stopping early (a
   * consumer's `break`, an abort, the deadline) cancels the job.
   */
  async *stream(request: ExecuteRequest): AsyncGenerator<unknown> {
    const job = await this.submitJob({ ...request, streaming: true });
    yield* this.readStream(request, job, true);
  }

  /**
   * The chunks of a spawned streaming call (`handle.stream()`), still encoded. Reading that stops
   * early leaves the job running, as a `result()` wait that ends does; `cancelSpawned` stops it.
   */
  streamSpawned(job: SpawnedJob & { endpoint: string; method: string; foreign?: boolean }, budget: CallBudget): AsyncGenerator<unknown> {
    return this.readStream(spawnedRequest(job, budget), job, false);
  }

  private readStream(request: ExecuteRequest, job: SpawnedJob, cancelOnStop: boolean): AsyncGenerator<unknown> {
    const headers = this.requireKey(request);
    const target = { endpoint: request.endpoint, where: `${request.endpoint}.${request.method}`, address: job.address, jobId: job.jobId, authorization: headers.authorization!, logger: this.logger, secrets: [this.apiKey] };
    return readJobStream({
      request,
      job,
      headers,
      transport: this.transport,
      slots: this.slots.for(job.address.url).short,
      defaults: this.defaults,
      statusOf: (j, call) => this.poller.outcome(call, job.address, j),
      callState: () => {
        const call = new CallState(request, '', headers);
        call.address = job.address;
        call.jobId = job.jobId;
        return call;
      },
      cancel: cancelOnStop ? () => cancelJob(target, this.defaults.cancelTimeoutMs) : undefined,
      secrets: [this.apiKey],
    });
  }

  /** Submits through `/run` under the retry policy and returns where the job runs. */
  private submitJob(request: ExecuteRequest): Promise<SpawnedJob> {
    return this.run(request, async (call, address) => {
      const route = this.submission(call, address);
      const release = await route.slots.acquire(call.request.budget.signal);
      call.request.observer?.submitting(address, call.submissions + 1, 'run');
      try {
        const job = await this.guard(call, address, () => this.submit(call, address, route));
        return { address, jobId: job.id };
      } finally {
        release();
      }
    });
  }

  /**
   * Waits for a spawned job: its output or typed error. When `budget` ends first the job keeps
   * running (DeadlineExceededError, or the caller's abort reason); only `cancelJob` stops it.
   */
  async awaitJob(job: SpawnedJob & { endpoint: string; method: string; foreign?: boolean }, budget: CallBudget, onProgress?: (encoded: unknown) => void): Promise<WireOutput> {
    const { endpoint, method, address, jobId } = job;
    const request = spawnedRequest(job, budget, onProgress);
    const call = new CallState(request, '', this.requireKey(request));
    call.address = address;
    call.jobId = jobId;
    try {
      const done = await this.poller.poll(call, address, jobId, this.watchOf(call, address, jobId, Date.now()));
      return this.poller.outcome(call, address, done);
    } catch (error) {
      if (budget.callerAborted) throw budget.signal.reason;
      if (budget.aborted || budget.remaining() === 0) {
        throw new DeadlineExceededError(`job ${jobId} did not finish within ${budget.totalMs} ms; it keeps running: wait again with result(), or cancel() it.`, { endpoint, method, jobId });
      }
      if (error instanceof AttemptFailure) {
        const remote = `job ${jobId} is no longer known at ${address.url}: its result expired (results are kept ${RUN_RESULT_RETENTION_MS / 60_000} min after a /run job ends) or its worker restarted`;
        throw new RemoteExecutionError(`${remote}. Spawn the call again if that is safe.`, { endpoint, method, jobId, remote: { name: 'JobNotFound', message: remote } });
      }
      throw error;
    }
  }

  /** One `/status` look at a spawned job. */
  async jobStatus(job: SpawnedJob & { endpoint: string; method: string }): Promise<RunpodJob> {
    const headers = this.requireKey(job);
    const reply = await this.transport.send({ origin: job.address.origin, path: `${job.address.path}/status/${encodeURIComponent(job.jobId)}`, method: 'GET', headers, timeoutMs: this.defaults.statusTimeoutMs });
    if (reply.status === 404) return { id: job.jobId, status: 'NOT_FOUND' };
    if (reply.status < 200 || reply.status > 299) throw replyFailure({ endpoint: job.endpoint, method: job.method, address: job.address.url, route: '/status', sentBytes: 0, limit: this.payloadLimit, secrets: [this.apiKey], maxRetryAfterMs: this.maxRetryAfterMs }, reply);
    return parseJobBody(reply.text, `${job.endpoint}.${job.method}`, `${job.address.url}/status`);
  }

  /** Cancels a spawned job (best effort, as for any call). */
  async cancelSpawned(job: SpawnedJob & { endpoint: string; method: string }): Promise<void> {
    const authorization = this.requireKey(job).authorization!;
    await cancelJob({ endpoint: job.endpoint, where: `${job.endpoint}.${job.method}`, address: job.address, jobId: job.jobId, authorization, logger: this.logger, secrets: [this.apiKey] }, this.defaults.cancelTimeoutMs);
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
    const job = isTerminal(first.status) ? first : await this.poller.poll(call, address, first.id, this.watchOf(call, address, first.id, submittedAt));
    observer?.jobTimes(job.delayTime, job.executionTime);
    return this.poller.outcome(call, address, job);
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
    const polled = call.request.onProgress !== undefined || call.request.submitOnly === true || call.request.streaming === true;
    const useRun = (wanted < MIN_RUNSYNC_WAIT_MS || slots.long.free === 0 || polled) && call.bodyBytes <= this.runPayloadLimit;
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
