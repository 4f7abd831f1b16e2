import { setTimeout as sleep } from 'node:timers/promises';
import { SwitchyardError } from '../errors';
import { ConsoleLogger, type Logger } from '../observability/logger';
import type { JobDispatcher, JobOutcome } from './dispatcher-types';
import { RunpodJobApi, type RunpodJob } from './runpod-job-api';
import { RunpodUrls } from './runpod-urls';
import { switchyardVersionTag } from './runpod-version';
import { redactingLogger } from './runpod-worker-logger';
import { readRunpodWorkerSettings, type RunpodWorkerSettings } from './runpod-worker-settings';

/** Options of `startRunpodWorker`. Everything else comes from the environment (see RunpodWorkerSettings). */
export interface RunpodWorkerOptions {
  /** Runs one job's `input`; never throws. */
  dispatcher: JobDispatcher;
  /** Where the RUNPOD_* variables are read, once, at start. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Job slots. Default env SWITCHYARD_WORKER_CONCURRENCY, else 1. */
  concurrency?: number;
  /** Default a ConsoleLogger (prefix `runpod-worker`). The API key is redacted whichever logger is used. */
  logger?: Logger;
  /** The fetch used for every request. Default the global fetch. */
  fetch?: typeof fetch;
  /** Heartbeat period, ms. Default env RUNPOD_PING_INTERVAL, else 10000. */
  pingIntervalMs?: number;
  /**
   * On SIGTERM/SIGINT, stop taking jobs, finish and post the current ones, then let the process
   * exit. The listeners are removed when the worker closes. Default true.
   */
  handleSignals?: boolean;
  /** Pause after a 429 or a failed take before asking again, ms. Default 5000 (runpod-python's). */
  backoffMs?: number;
  /** Pause after a take that returned no job (204, 400, empty body), ms. Default 200. */
  idlePauseMs?: number;
  /** Client timeout of a job-take or job-stop long poll, ms. RunPod holds them up to 90 s. Default 120000. */
  longPollTimeoutMs?: number;
  /** Attempts of each job-done POST (408/429/5xx and network errors are retried). Default 3. */
  postAttempts?: number;
  /** Delay before the n-th job-done retry is this × 2^(n-1), ms. Default 300. */
  postRetryDelayMs?: number;
  /** Client timeout of one job-done attempt, ms. Default 30000. */
  postTimeoutMs?: number;
}

/** A running RunPod worker. */
export interface RunpodWorkerHandle {
  /** The worker id used in every URL (RUNPOD_POD_ID, else a random UUID). */
  readonly workerId: string;
  /** Ids of the jobs taken and not yet reported, in the order they were taken. */
  inProgress(): string[];
  /**
   * Stops taking jobs (a pending long poll is cancelled), lets current jobs finish, posts their
   * results, then stops the heartbeat and the stop channel. Idempotent.
   */
  close(): Promise<void>;
  /** Resolves when the worker has stopped, by close() or by a signal. */
  readonly closed: Promise<void>;
}

interface RunningJob {
  controller: AbortController;
  done: Promise<void>;
}

const DEFAULTS = {
  backoffMs: 5_000,
  idlePauseMs: 200,
  longPollTimeoutMs: 120_000,
  postAttempts: 3,
  postRetryDelayMs: 300,
  postTimeoutMs: 30_000,
} as const;

/** Waits `ms`, or less if `signal` aborts; never rejects. */
async function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return;
  try {
    await sleep(ms, undefined, { signal });
  } catch {
    /* aborted: the caller re-checks its state */
  }
}

function errorJson(error: unknown): string {
  const e = error instanceof Error ? error : new Error(String(error));
  return JSON.stringify({ name: e.name, message: e.message, stack: e.stack, code: (e as { code?: unknown }).code ?? 'SWITCHYARD_ERROR' });
}

/**
 * The job loop of a RunPod serverless worker (protocol reference §2): takes jobs while a slot is
 * free, runs each through the dispatcher, posts the result, sends heartbeats and follows the
 * per-job stop channel.
 */
class RunpodWorker implements RunpodWorkerHandle {
  readonly workerId: string;
  readonly closed: Promise<void>;
  private readonly logger: Logger;
  private readonly urls: RunpodUrls;
  private readonly api: RunpodJobApi;
  private readonly versionTag = switchyardVersionTag();
  private readonly running = new Map<string, RunningJob>();
  /** Aborted by close(): cancels the pending take and any pause of the take loop. */
  private readonly takeStop = new AbortController();
  /** Aborted when the heartbeat must end. */
  private readonly heartbeatStop = new AbortController();
  private takeLoop: Promise<void> = Promise.resolve();
  private heartbeat: Promise<void> = Promise.resolve();
  private stopPoller: Promise<void> | undefined;
  private stopPollAbort: AbortController | undefined;
  private slotWaiter: (() => void) | undefined;
  private closing: Promise<void> | undefined;
  private resolveClosed!: () => void;
  private readonly signalListener = (signal: NodeJS.Signals): void => this.onSignal(signal);
  private signalsInstalled = false;

  constructor(
    private readonly options: RunpodWorkerOptions,
    private readonly settings: RunpodWorkerSettings,
  ) {
    this.workerId = settings.workerId;
    this.closed = new Promise<void>((resolve) => (this.resolveClosed = resolve));
    this.logger = redactingLogger(
      options.logger ?? new ConsoleLogger({ secrets: [settings.apiKey], prefix: 'runpod-worker' }),
      [settings.apiKey],
    );
    this.urls = new RunpodUrls(
      { getJob: settings.getJobTemplate, postOutput: settings.postOutputTemplate, ping: settings.pingTemplate },
      settings.workerId,
    );
    const longPollTimeoutMs = options.longPollTimeoutMs ?? DEFAULTS.longPollTimeoutMs;
    this.api = new RunpodJobApi({
      urls: this.urls,
      apiKey: settings.apiKey,
      versionTag: this.versionTag,
      fetch: options.fetch,
      longPollTimeoutMs,
      postTimeoutMs: options.postTimeoutMs ?? DEFAULTS.postTimeoutMs,
      postAttempts: options.postAttempts ?? DEFAULTS.postAttempts,
      postRetryDelayMs: options.postRetryDelayMs ?? DEFAULTS.postRetryDelayMs,
      pingTimeoutMs: Math.max(settings.pingIntervalMs, 10_000),
    });
  }

  start(): void {
    const s = this.settings;
    this.logger.info(`RunPod worker ${s.workerId} started`, {
      concurrency: s.concurrency,
      heartbeat: s.pingTemplate ? `every ${s.pingIntervalMs} ms` : 'off (RUNPOD_WEBHOOK_PING is not set)',
      version: this.versionTag,
    });
    if (s.apiKey === undefined) this.logger.warn('RUNPOD_AI_API_KEY is not set: requests to the job service carry no Authorization header');
    if (s.postStreamTemplate !== undefined) this.logger.debug('RUNPOD_WEBHOOK_POST_STREAM is set but unused: Switchyard methods return one result, never a stream');
    if (!this.urls.hasTakeSegment) {
      this.logger.debug('RUNPOD_WEBHOOK_GET_JOB has no /job-take/ segment: no batch take and no job-stop channel (jobs cannot be stopped by RunPod)');
    }
    if (this.options.handleSignals ?? true) {
      process.on('SIGTERM', this.signalListener);
      process.on('SIGINT', this.signalListener);
      this.signalsInstalled = true;
    }
    this.takeLoop = this.runTakeLoop();
    if (s.pingTemplate !== undefined) this.heartbeat = this.runHeartbeat();
  }

  inProgress(): string[] {
    return [...this.running.keys()];
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private onSignal(signal: NodeJS.Signals): void {
    const jobs = this.inProgress();
    if (this.closing) {
      this.logger.warn(`${signal} received again: still finishing ${jobs.length} job(s) before exit`, { jobs: jobs.join(',') });
      return;
    }
    this.logger.info(`${signal} received: taking no more jobs, finishing ${jobs.length} job(s) and posting their results before exit`, {
      jobs: jobs.join(','),
    });
    void this.close();
  }

  private async shutdown(): Promise<void> {
    this.takeStop.abort();
    this.wakeSlotWaiter();
    await this.takeLoop;
    // A take that raced the abort may still have started jobs: wait for every one of them.
    while (this.running.size > 0) await Promise.all([...this.running.values()].map((job) => job.done));
    this.stopPollAbort?.abort();
    await this.stopPoller;
    this.heartbeatStop.abort();
    await this.heartbeat;
    if (this.signalsInstalled) {
      process.off('SIGTERM', this.signalListener);
      process.off('SIGINT', this.signalListener);
      this.signalsInstalled = false;
    }
    this.logger.info(`RunPod worker ${this.workerId} stopped`);
    this.resolveClosed();
  }

  // ---- job take --------------------------------------------------------------------------

  private async runTakeLoop(): Promise<void> {
    const stop = this.takeStop.signal;
    while (!stop.aborted) {
      const free = this.settings.concurrency - this.running.size;
      if (free <= 0) {
        await this.waitForSlot();
        continue;
      }
      try {
        await this.takeOnce(free, stop);
      } catch (error) {
        // takeOnce reports through results; this only guards the loop against a bug.
        this.logger.error('RunPod job take failed unexpectedly; retrying after the back-off', { error });
        await pause(this.options.backoffMs ?? DEFAULTS.backoffMs, stop);
      }
    }
  }

  private async takeOnce(free: number, stop: AbortSignal): Promise<void> {
    const backoffMs = this.options.backoffMs ?? DEFAULTS.backoffMs;
    const result = await this.api.take(free, this.running.size > 0, stop);
    switch (result.kind) {
      case 'jobs':
        for (const rejected of result.rejected) this.logger.warn('RunPod job take returned an entry without "id" and "input"; ignored', { entry: rejected });
        if (result.jobs.length > free) {
          // They are assigned to this worker already; dropping them would lose them.
          this.logger.warn(`RunPod handed out ${result.jobs.length} jobs for ${free} free slot(s); running all of them`);
        }
        for (const job of result.jobs) this.startJob(job);
        return;
      case 'none':
        this.logger.debug(`RunPod job take: no job (${result.reason})`);
        await pause(this.options.idlePauseMs ?? DEFAULTS.idlePauseMs, stop);
        return;
      case 'rate-limited':
        this.logger.debug(`RunPod job take: HTTP 429, backing off ${backoffMs} ms`);
        await pause(backoffMs, stop);
        return;
      case 'failed':
        if (result.status === 401 || result.status === 403) {
          this.logger.error(`RunPod job take was refused (${result.reason}); check RUNPOD_AI_API_KEY. Retrying in ${backoffMs} ms`, { url: result.url });
        } else {
          this.logger.warn(`RunPod job take failed (${result.reason}); retrying in ${backoffMs} ms`, { url: result.url });
        }
        await pause(backoffMs, stop);
        return;
      case 'aborted':
        return;
    }
  }

  private waitForSlot(): Promise<void> {
    if (this.takeStop.signal.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => (this.slotWaiter = resolve));
  }

  private wakeSlotWaiter(): void {
    const wake = this.slotWaiter;
    this.slotWaiter = undefined;
    wake?.();
  }

  // ---- running jobs ----------------------------------------------------------------------

  private startJob(job: RunpodJob): void {
    if (this.running.has(job.id)) {
      this.logger.warn(`RunPod handed out job ${job.id} again while it is still running; ignoring the second copy`, { jobId: job.id });
      return;
    }
    const controller = new AbortController();
    const entry: RunningJob = { controller, done: Promise.resolve() };
    this.running.set(job.id, entry);
    this.logger.debug(`job ${job.id} taken`, { jobId: job.id, inProgress: this.running.size });
    entry.done = this.runJob(job, controller.signal).finally(() => this.finishJob(job.id));
    this.ensureStopPoller();
  }

  private async runJob(job: RunpodJob, signal: AbortSignal): Promise<void> {
    let outcome: JobOutcome;
    try {
      outcome = await this.options.dispatcher.dispatch(job.input, { jobId: job.id, signal });
    } catch (error) {
      // The dispatcher promises never to throw; if it does anyway, the job still gets a result.
      outcome = { status: 'FAILED', error: errorJson(error), httpStatus: 500 };
    }
    const report = await this.api.postResult(job.id, outcome);
    if (report.ok) {
      this.logger.debug(`job ${job.id} ${outcome.status}; result posted`, { jobId: job.id, attempts: report.attempts });
    } else {
      this.logger.error(
        `job ${job.id} ${outcome.status}, but its result could not be posted to RUNPOD_WEBHOOK_POST_OUTPUT after ${report.attempts} attempt(s): ${report.reason ?? 'unknown error'}. RunPod will report the job as failed or timed out.`,
        { jobId: job.id, status: report.status },
      );
    }
  }

  private finishJob(jobId: string): void {
    this.running.delete(jobId);
    this.wakeSlotWaiter();
    // No job left: nothing to stop, so end the pending stop long poll.
    if (this.running.size === 0) this.stopPollAbort?.abort();
  }

  // ---- job stop channel (protocol reference §2.6) ----------------------------------------

  private ensureStopPoller(): void {
    if (this.stopPoller !== undefined || this.urls.stop() === undefined) return;
    this.stopPoller = this.runStopPoller().finally(() => {
      this.stopPoller = undefined;
      // A job may have started between the loop's last check and here.
      if (this.running.size > 0) this.ensureStopPoller();
    });
  }

  private async runStopPoller(): Promise<void> {
    const url = this.urls.stop()!;
    const backoffMs = this.options.backoffMs ?? DEFAULTS.backoffMs;
    while (this.running.size > 0) {
      const abort = new AbortController();
      this.stopPollAbort = abort;
      const result = await this.api.pollStops(url, abort.signal);
      switch (result.kind) {
        case 'stop':
          for (const id of result.jobIds) {
            const job = this.running.get(id);
            if (job === undefined) {
              this.logger.debug(`RunPod asked to stop job ${id}, which is not running here`, { jobId: id });
              continue;
            }
            this.logger.info(`RunPod asked to stop job ${id}; aborting it`, { jobId: id });
            job.controller.abort(new SwitchyardError(`job ${id} was stopped by RunPod (job-stop channel); its method was aborted.`));
          }
          break;
        case 'none':
          await pause(this.options.idlePauseMs ?? DEFAULTS.idlePauseMs, abort.signal);
          break;
        case 'rate-limited':
          this.logger.debug(`RunPod job-stop poll: HTTP 429, backing off ${backoffMs} ms`);
          await pause(backoffMs, abort.signal);
          break;
        case 'failed':
          this.logger.debug(`RunPod job-stop poll failed (${result.reason}); retrying in ${backoffMs} ms`);
          await pause(backoffMs, abort.signal);
          break;
        case 'aborted':
          break;
      }
    }
    this.stopPollAbort = undefined;
  }

  // ---- heartbeat -------------------------------------------------------------------------

  private async runHeartbeat(): Promise<void> {
    const stop = this.heartbeatStop.signal;
    while (!stop.aborted) {
      const result = await this.api.ping(this.inProgress(), stop);
      if (result && !result.ok && !stop.aborted) this.logger.debug(`RunPod heartbeat failed (${result.reason}); next one in ${this.settings.pingIntervalMs} ms`);
      await pause(this.settings.pingIntervalMs, stop);
    }
  }
}

/**
 * Starts the RunPod serverless job loop (`serve({ mode: 'runpod' })`). Reads RUNPOD_WEBHOOK_GET_JOB,
 * RUNPOD_WEBHOOK_POST_OUTPUT (both required), RUNPOD_WEBHOOK_PING, RUNPOD_PING_INTERVAL,
 * RUNPOD_POD_ID, RUNPOD_AI_API_KEY and SWITCHYARD_WORKER_CONCURRENCY from `options.env`.
 * Rejects with SwitchyardError when a required variable is missing or a value is malformed.
 */
export async function startRunpodWorker(options: RunpodWorkerOptions): Promise<RunpodWorkerHandle> {
  const settings = readRunpodWorkerSettings(options.env ?? process.env, {
    concurrency: options.concurrency,
    pingIntervalMs: options.pingIntervalMs,
  });
  const worker = new RunpodWorker(options, settings);
  worker.start();
  return worker;
}
