import ky, { HTTPError, TimeoutError } from 'ky';
import type { KyInstance } from 'ky';
import { loadDefaults } from '../config';
import { DeadlineExceededError, RemoteExecutionError, UnauthorizedError } from '../errors';
import { ConsoleLogger } from '../observability/logger';
import type { Logger } from '../observability/logger';
import type { WireOutput } from '../serialization/wire';
import type { AddressBreakers } from '../resilience/address-breakers';
import { cappedExponentialDelay, retryAfterMs } from '../resilience/backoff';
import { AddressSlots } from '../resilience/request-slots';
import { deadlineSignal, sleep } from '../resilience/deadline';
import type { DeadlineScope } from '../resilience/deadline';
import { queueAddress } from './address';
import { requireApiKey } from './api-key';
import { resolveBreakers } from './breaker-option';
import type { BreakerOption } from './breaker-option';
import type { ExecuteRequest, Executor } from './executor';
import { jobOutcome } from './job-outcome';
import { describeNetworkFailure } from './network-failure';
import { noReplyVerdict, submissionRetry } from './submission-retry';
import { encodeJsonBody } from './request-body';
import { isTerminal, parseJobBody } from './runpod-job';
import type { RunpodJob } from './runpod-job';
import { serverMessage } from './server-message';
import { errorForStatus } from './status-errors';
import { connectionFailure, transportFailure } from './transport-error';

/** RunPod accepts `?wait=` from 1000 to 300000 ms (protocol reference §1.4). */
const MIN_RUNSYNC_WAIT_MS = 1_000;
const MAX_RUNSYNC_WAIT_MS = 300_000;
/**
 * `?wait=` ends this long before the deadline, so RunPod's IN_PROGRESS reply (with the job id)
 * arrives while there is still time to cancel the job; with wait == time left, the deadline and
 * the reply would race and the job could not be cancelled.
 */
const RUNSYNC_HEADROOM_MS = 1_000;
/** Extra time a runsync reply may take beyond `wait` before the client stops waiting for it. */
const RUNSYNC_GRACE_MS = 15_000;
/** Longest a single /status request may take before it counts as a failed poll. */
const STATUS_TIMEOUT_MS = 10_000;
/** Longest the best-effort /cancel may take; the caller is already waiting for its error. */
const CANCEL_TIMEOUT_MS = 2_000;

/** Options of {@link RunpodExecutor}. Every default comes from `loadDefaults()` (env-overridable). */
export interface RunpodExecutorOptions {
  /** Bearer key for RunPod (or a local Switchyard worker). Default: env RUNPOD_API_KEY, read at construction. */
  apiKey?: string;
  /**
   * Base of the job API, used only when an address is a bare endpoint id (`${baseUrl}/${id}`).
   * Default env RUNPOD_ENDPOINT_BASE_URL, else `https://api.runpod.ai/v2`.
   */
  baseUrl?: string;
  /** `?wait=` sent with runsync, ms; at most the time left minus 1 s, clamped to 1000..300000. Default 90000 (SWITCHYARD_RUNSYNC_WAIT_MS). */
  runsyncWaitMs?: number;
  /** Delay before the first /status poll, ms; doubles after each poll. Default 200 (SWITCHYARD_POLL_INITIAL_MS). */
  pollInitialMs?: number;
  /** Cap of the /status poll delay, ms. Default 5000 (SWITCHYARD_POLL_MAX_MS). */
  pollMaxMs?: number;
  /** First backoff of a submission retry, ms (doubling, full jitter). Default = pollInitialMs. */
  retryInitialMs?: number;
  /** Cap of the submission retry backoff, ms. Default = pollMaxMs. */
  retryMaxMs?: number;
  /** Submission attempts in total while no job id exists. Default 4 (SWITCHYARD_SUBMIT_ATTEMPTS). */
  submitAttempts?: number;
  /** Largest Retry-After honoured, ms; longer values are cut to this. Default 30000 (SWITCHYARD_MAX_RETRY_AFTER_MS). */
  maxRetryAfterMs?: number;
  /**
   * HTTP requests in flight per address (default 128, SWITCHYARD_REQUESTS_PER_ADDRESS; RunPod
   * allows 400 concurrent runsync per endpoint). Half may be long runsync requests; when those
   * are taken, calls submit via /run and poll on the other half, so thousands of calls in
   * flight hold closures and timers, not sockets.
   */
  maxRequestsPerAddress?: number;
  /** Largest `{input}` body sent to /runsync, bytes. Default 20 MB (RunPod's /runsync limit). */
  payloadLimitBytes?: number;
  /**
   * Circuit breaker per address. Default: own breakers with threshold 5 (SWITCHYARD_BREAKER_THRESHOLD)
   * and reset 10000 ms (SWITCHYARD_BREAKER_RESET_MS); an AddressBreakers instance to share; `false` for none.
   */
  breaker?: BreakerOption;
  /** Where retries, polls and failed cancels are logged. Default: a ConsoleLogger that redacts the key. */
  logger?: Logger;
  /** The fetch implementation ky uses. Default: the global fetch. */
  fetch?: typeof fetch;
}

/** Everything one call needs, passed between the steps of `execute`. */
interface CallState {
  request: ExecuteRequest;
  where: string;
  address: string;
  headers: Record<string, string>;
  scope: DeadlineScope;
  body: string;
  startedAt: number;
  /** Set as soon as RunPod has given the job an id; from then on the job is polled, never resubmitted. */
  jobId?: string;
  submissions: number;
}

/**
 * Runs calls on RunPod queue endpoints (and on Switchyard workers serving the same API):
 * `POST {address}/runsync?wait=…`, then `GET {address}/status/{id}` with capped exponential
 * backoff until COMPLETED, FAILED, CANCELLED or TIMED_OUT.
 *
 * Submission retries (ky's retry, full jitter, Retry-After honoured up to `maxRetryAfterMs`,
 * `submitAttempts` in total), only while no job id exists:
 * - 429 and 503 mean "not accepted": always retried.
 * - Connection failures that sent nothing (refused, DNS, unreachable): always retried.
 * - 502, 504, a dropped connection or a runsync reply that never came are ambiguous: RunPod may
 *   have accepted the job. They are retried only when the method is `idempotent`; the
 *   resubmission carries the same `callId`, so a Switchyard worker runs it once.
 * Once a job id exists the job is only polled: poll failures (429, 5xx, connection errors) are
 * retried with backoff until the deadline, and the job is never submitted again.
 *
 * When the deadline passes or the caller's signal aborts while a job id exists, the job is
 * cancelled (`POST {address}/cancel/{id}`, best effort) and DeadlineExceededError (with the
 * job id) or the signal's reason is thrown.
 *
 * The executor does not use `request.retries`: that is the router's budget for trying the call
 * again on another replica after a transport failure.
 */
export class RunpodExecutor implements Executor {
  /** The per-address circuit breakers (undefined when disabled); the router reads `isOpen`. */
  readonly breakers: AddressBreakers | undefined;
  private readonly apiKey: string | undefined;
  private readonly baseUrl: string;
  private readonly runsyncWaitMs: number;
  /** /run's limit (10 MB): calls with a short budget use /run when their body fits. */
  private readonly runPayloadLimit: number;
  private readonly pollInitialMs: number;
  private readonly pollMaxMs: number;
  private readonly retryInitialMs: number;
  private readonly retryMaxMs: number;
  private readonly submitAttempts: number;
  private readonly maxRetryAfterMs: number;
  private readonly payloadLimit: number;
  private readonly logger: Logger;
  private readonly http: KyInstance;
  private readonly slots: AddressSlots;

  constructor(options: RunpodExecutorOptions = {}) {
    const defaults = loadDefaults();
    this.apiKey = options.apiKey ?? process.env.RUNPOD_API_KEY ?? undefined;
    this.baseUrl = (options.baseUrl ?? defaults.runpodBaseUrl).replace(/\/+$/, '');
    this.runsyncWaitMs = options.runsyncWaitMs ?? defaults.runsyncWaitMs;
    this.pollInitialMs = options.pollInitialMs ?? defaults.pollInitialMs;
    this.pollMaxMs = Math.max(options.pollMaxMs ?? defaults.pollMaxMs, this.pollInitialMs);
    this.retryInitialMs = options.retryInitialMs ?? this.pollInitialMs;
    this.retryMaxMs = Math.max(options.retryMaxMs ?? this.pollMaxMs, this.retryInitialMs);
    this.submitAttempts = Math.max(1, Math.floor(options.submitAttempts ?? defaults.submitAttempts));
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? defaults.maxRetryAfterMs;
    this.payloadLimit = options.payloadLimitBytes ?? defaults.runsyncPayloadLimit;
    this.runPayloadLimit = Math.min(this.payloadLimit, defaults.runPayloadLimit);
    this.breakers = resolveBreakers(options.breaker);
    this.logger = options.logger ?? new ConsoleLogger({ secrets: [this.apiKey], prefix: 'runpod-executor' });
    this.http = ky.create({ fetch: options.fetch, throwHttpErrors: true, retry: 0 });
    this.slots = new AddressSlots(Math.max(1, Math.floor(options.maxRequestsPerAddress ?? defaults.requestsPerAddress)));
  }

  /** False while the circuit of `address` is open (or its probe is in flight); the router skips it. */
  isAvailable(address: string): boolean {
    return !this.breakers?.isOpen(address);
  }

  /** Runs one call to a terminal job status; see the class comment for retries and deadlines. */
  async execute(request: ExecuteRequest): Promise<WireOutput> {
    const where = `${request.endpoint}.${request.method}`;
    const apiKey = requireApiKey(this.apiKey, request, 'RunpodExecutor');
    const address = queueAddress(request, this.baseUrl);
    // Serialized once: the size check and every (re)submission use these exact bytes.
    const body = encodeJsonBody({ input: request.invocation }, this.payloadLimit, where, "RunPod's /runsync");
    const state: CallState = {
      request,
      where,
      address,
      body,
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      scope: deadlineSignal(request.deadline, request.signal),
      startedAt: Date.now(),
      submissions: 0,
    };
    try {
      state.scope.signal.throwIfAborted();
      const submit = (): Promise<RunpodJob> => this.submit(state);
      const first = this.breakers ? await this.breakers.execute(address, request.endpoint, submit) : await submit();
      state.jobId = first.id;
      const final = isTerminal(first.status) ? first : await this.pollUntilTerminal(state, first.id);
      return jobOutcome(request, address, final);
    } catch (error) {
      // Whatever was in flight, an aborted scope means the deadline or the caller won the race.
      if (state.scope.signal.aborted) throw await this.abandon(state);
      throw error;
    } finally {
      state.scope.dispose();
    }
  }

  /** POST /runsync with ky's retry limited to the cases where resubmitting is safe. */
  private async submit(state: CallState): Promise<RunpodJob> {
    const { request, scope } = state;
    const wanted = Math.min(this.runsyncWaitMs, scope.remaining() - RUNSYNC_HEADROOM_MS);
    const wait = Math.min(MAX_RUNSYNC_WAIT_MS, Math.max(MIN_RUNSYNC_WAIT_MS, Math.floor(wanted)));
    // With less budget than runsync's shortest wait, the deadline could pass before any reply
    // carries a job id, leaving a job nobody can cancel. /run answers with the id at once, so
    // short calls use it (when the body fits /run's smaller limit) and then poll.
    // When every request slot of this address is taken, a runsync would hold a connection for the
    // whole job; /run hands back a job id at once, and polling needs a slot only per poll.
    const slots = this.slots.for(state.address);
    const useRun = (wanted < MIN_RUNSYNC_WAIT_MS || slots.long.free === 0) && Buffer.byteLength(state.body) <= this.runPayloadLimit;
    // The query is written into the URL: ky's searchParams option would build the Request twice.
    const url = useRun ? `${state.address}/run` : `${state.address}/runsync?wait=${wait}`;
    const release = await (useRun ? slots.short : slots.long).acquire(scope.signal);
    try {
      state.submissions = 1;
      const response = await this.http.post(url, {
        body: state.body,
        headers: state.headers,
        signal: scope.signal,
        timeout: useRun ? Math.max(1, scope.remaining()) + RUNSYNC_GRACE_MS : wait + RUNSYNC_GRACE_MS,
        ...submissionRetry({
          request,
          attempts: this.submitAttempts,
          maxRetryAfterMs: this.maxRetryAfterMs,
          retryInitialMs: this.retryInitialMs,
          retryMaxMs: this.retryMaxMs,
          logger: this.logger,
          label: `resubmitting ${state.where} to ${url}`,
          decide: (error) => this.mayResubmit(error, request, scope),
          onAttempt: (n) => (state.submissions = n),
        }),
      });
      return parseJobBody(await response.text(), state.where, url);
    } catch (error) {
      if (scope.signal.aborted) throw error;
      throw await this.submitError(error, state);
    } finally {
      release();
    }
  }

  /**
   * ky's shouldRetry: `undefined` lets ky's own rules run (status list, Retry-After, backoff),
   * `true` forces a retry, `false` stops. Only failures where no job can exist yet are always
   * retried; ambiguous ones only for idempotent methods.
   */
  private mayResubmit(error: unknown, request: ExecuteRequest, scope: DeadlineScope): boolean | undefined {
    if (scope.signal.aborted) return false;
    if (error instanceof HTTPError) {
      const status = error.response.status;
      if (status === 429 || status === 503) return undefined;
      if (status === 502 || status === 504) return request.idempotent ? undefined : false;
      return false;
    }
    return noReplyVerdict(error, request.idempotent);
  }

  /** The typed error for a submission that did not produce a job. */
  private async submitError(error: unknown, state: CallState): Promise<Error> {
    const { request, address } = state;
    const attempts = `${state.submissions} attempt${state.submissions === 1 ? '' : 's'}`;
    const notRetried = request.idempotent
      ? ''
      : ` It was not resubmitted because ${request.endpoint}.${request.method} is not idempotent and RunPod may have accepted it; mark the method @Remote({ idempotent: true }) if running it twice is safe.`;
    if (error instanceof HTTPError) {
      const status = error.response.status;
      const message = serverMessage(await error.response.text().catch(() => ''), [this.apiKey]);
      const typed = errorForStatus(request, address, { status, message, route: '/runsync', sentBytes: Buffer.byteLength(state.body), limit: this.payloadLimit });
      if (typed) return typed;
      const ambiguous = status === 502 || status === 504;
      return transportFailure(
        request,
        address,
        `/runsync answered HTTP ${status} (${message}) after ${attempts}`,
        status === 429
          ? 'RunPod is rate limiting this endpoint: lower the call rate or raise SWITCHYARD_SUBMIT_ATTEMPTS.'
          : `Check the endpoint's workers and health.${ambiguous ? notRetried : ''}`,
      );
    }
    if (error instanceof TimeoutError) {
      return transportFailure(
        request,
        address,
        `/runsync gave no reply within its wait time plus ${RUNSYNC_GRACE_MS} ms (${attempts})`,
        `The job may still run on RunPod without a job id to poll.${notRetried}`,
      );
    }
    return connectionFailure(request, address, error, attempts, notRetried) ?? (error instanceof Error ? error : new Error(String(error)));
  }

  /**
   * Polls `/status/{id}` with capped exponential backoff until a terminal status. Transient
   * poll failures are retried until the deadline (the scope aborts the wait); the job is never
   * resubmitted.
   */
  private async pollUntilTerminal(state: CallState, jobId: string): Promise<RunpodJob> {
    const { request, scope } = state;
    const url = `${state.address}/status/${encodeURIComponent(jobId)}`;
    let delay = this.pollInitialMs;
    for (let poll = 1; ; poll++) {
      await sleep(delay, scope.signal);
      delay = cappedExponentialDelay(poll + 1, this.pollInitialMs, this.pollMaxMs);
      let response: Response;
      let text: string;
      const release = await this.slots.for(state.address).short.acquire(scope.signal);
      try {
        response = await this.http.get(url, {
          headers: { authorization: state.headers.authorization },
          signal: scope.signal,
          timeout: STATUS_TIMEOUT_MS,
          retry: 0,
          throwHttpErrors: false,
        });
        text = await response.text();
      } catch (error) {
        release();
        if (scope.signal.aborted) throw error;
        this.logger.debug(`status poll of job ${jobId} failed; polling again`, {
          endpoint: request.endpoint,
          jobId,
          reason: error instanceof TimeoutError ? 'timeout' : describeNetworkFailure(error),
        });
        continue;
      }
      release();
      if (response.ok) {
        let job: RunpodJob;
        try {
          job = parseJobBody(text, state.where, url);
        } catch (error) {
          this.logger.warn(`unreadable status reply for job ${jobId}; polling again`, { endpoint: request.endpoint, jobId, error: error as Error });
          continue;
        }
        if (isTerminal(job.status)) return job;
        continue;
      }
      const status = response.status;
      const message = serverMessage(text, [this.apiKey]);
      if (status === 401 || status === 403) {
        throw new UnauthorizedError(
          `${state.where}: endpoint ${request.endpoint} at ${state.address} refused the API key while polling job ${jobId} (HTTP ${status}). ` +
            'Check that RUNPOD_API_KEY (or the apiKey option) holds a valid key for this endpoint.',
          request.endpoint,
        );
      }
      if (status === 404) {
        const remote = `job ${jobId} is no longer known (HTTP 404 on /status): its result expired or the job was removed`;
        throw new RemoteExecutionError(
          `${state.where}: ${remote}. The call may or may not have run; call again if that is safe.`,
          request.endpoint,
          request.method,
          jobId,
          { name: 'JobNotFound', message: remote },
        );
      }
      if (status === 429 || status >= 500) {
        const after = retryAfterMs(response.headers.get('retry-after'), this.maxRetryAfterMs);
        if (after !== undefined) delay = Math.max(delay, after);
        this.logger.debug(`status poll of job ${jobId} answered HTTP ${status}; polling again`, { endpoint: request.endpoint, jobId });
        continue;
      }
      const typed = errorForStatus(request, state.address, { status, message, route: '/status', sentBytes: 0, limit: this.payloadLimit });
      throw typed ?? new Error(`unexpected HTTP ${status} from ${url}`);
    }
  }

  /**
   * The deadline passed or the caller aborted: cancel the job if one exists (best effort), then
   * return the error to throw — DeadlineExceededError, or the caller's abort reason.
   */
  private async abandon(state: CallState): Promise<unknown> {
    const { request, scope, jobId } = state;
    if (jobId !== undefined) await this.cancel(state, jobId);
    if (scope.callerAborted) return request.signal!.reason;
    const budget = Math.max(0, request.deadline - state.startedAt);
    const how = 'raise timeoutMs on the @Remote method or pass { timeoutMs } to runtime.call';
    const message =
      jobId !== undefined
        ? `${state.where} did not finish within ${budget}ms (job ${jobId} was cancelled); ${how}.`
        : `${state.where} did not finish within ${budget}ms: RunPod had not returned a job id yet, so nothing could be cancelled ` +
          `(if the endpoint accepted the request, the job may still run); ${how}.`;
    return new DeadlineExceededError(message, jobId, request.endpoint, request.method);
  }

  /** POST /cancel/{id}: short timeout, no retry, failures only logged. */
  private async cancel(state: CallState, jobId: string): Promise<void> {
    const url = `${state.address}/cancel/${encodeURIComponent(jobId)}`;
    try {
      const response = await this.http.post(url, { headers: { authorization: state.headers.authorization }, timeout: CANCEL_TIMEOUT_MS, retry: 0 });
      await response.text();
      this.logger.debug(`cancelled job ${jobId}`, { endpoint: state.request.endpoint, jobId });
    } catch (error) {
      if (error instanceof HTTPError) void error.response.body?.cancel().catch(() => undefined);
      this.logger.warn(`could not cancel job ${jobId} of ${state.where}; it may keep running on RunPod`, {
        endpoint: state.request.endpoint,
        jobId,
        reason: error instanceof HTTPError ? `HTTP ${error.response.status}` : describeNetworkFailure(error),
      });
    }
  }
}
