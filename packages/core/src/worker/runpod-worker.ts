import { loadDefaults, numberOption, processEnv } from '../config';
import { ConsoleLogger, type Logger } from '../observability/logger';
import { redactingLogger } from '../observability/redaction';
import { errorToFailure } from '../serialization/failure';
import type { JobOutcome } from './dispatcher-types';
import { HeartbeatThread } from './heartbeat-thread';
import { RunpodJobApi, jobServiceHeaders, type RunpodJob } from './runpod-job-api';
import { JobProgressPoster, chunkPoster } from './runpod-progress';
import { RunpodUrls } from './runpod-urls';
import { switchyardVersionTag } from './runpod-version';
import { readRunpodWorkerSettings, type RunpodWorkerSettings } from './runpod-worker-settings';
import { JobStopChannel, pause, type RunningJob } from './runpod-stop-channel';
import type { RunpodWorkerHandle, RunpodWorkerOptions } from './runpod-worker-options';

export type { RunpodWorkerHandle, RunpodWorkerOptions } from './runpod-worker-options';

/** The loop's timings, each from its option or the resolved defaults. */
interface Tuning {
  backoffMs: number;
  idlePauseMs: number;
  postTimeoutMs: number;
}

/**
 * The job loop of a RunPod serverless worker (protocol reference §2): takes jobs while a slot is
 * free, runs each through the dispatcher, posts its progress, its chunks (a streaming method's,
 * one at a time, each awaited) and its result, sends heartbeats
 * (from a thread of their own) and follows the per-job stop channel.
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
  private takeLoop: Promise<void> = Promise.resolve();
  /** Started by start() when RUNPOD_WEBHOOK_PING is set. */
  private heartbeat: HeartbeatThread | undefined;
  private readonly stops: JobStopChannel;
  private slotWaiter: (() => void) | undefined;
  private closing: Promise<void> | undefined;
  private resolveClosed!: () => void;
  private readonly signalListener = (signal: NodeJS.Signals): void => this.onSignal(signal);
  private signalsInstalled = false;

  constructor(
    private readonly options: RunpodWorkerOptions,
    private readonly settings: RunpodWorkerSettings,
    private readonly tuning: Tuning,
    transport: Omit<ConstructorParameters<typeof RunpodJobApi>[0], 'urls' | 'apiKey' | 'versionTag' | 'fetch'>,
  ) {
    this.workerId = settings.workerId;
    this.closed = new Promise<void>((resolve) => (this.resolveClosed = resolve));
    this.logger = redactingLogger(options.logger ?? new ConsoleLogger({ prefix: 'runpod-worker' }), [settings.apiKey]);
    this.urls = new RunpodUrls(
      { getJob: settings.getJobTemplate, postOutput: settings.postOutputTemplate, postStream: settings.postStreamTemplate, ping: settings.pingTemplate },
      settings.workerId,
    );
    this.api = new RunpodJobApi({
      ...transport,
      urls: this.urls,
      apiKey: settings.apiKey,
      versionTag: this.versionTag,
      fetch: options.fetch,
    });
    this.stops = new JobStopChannel({ api: this.api, url: this.urls.stop(), running: this.running, logger: this.logger, ...tuning });
  }

  start(): void {
    const s = this.settings;
    this.logger.info(`RunPod worker ${s.workerId} started`, {
      concurrency: s.concurrency,
      heartbeat: s.pingTemplate ? `every ${s.pingIntervalMs} ms` : 'off (RUNPOD_WEBHOOK_PING is not set)',
      version: this.versionTag,
    });
    if (s.apiKey === undefined) this.logger.warn('RUNPOD_AI_API_KEY is not set: requests to the job service carry no Authorization header');
    if (s.postStreamTemplate === undefined) this.logger.debug('RUNPOD_WEBHOOK_POST_STREAM is not set: streaming (async *) methods fail with ConfigurationError');
    if (!this.urls.hasTakeSegment) {
      this.logger.debug('RUNPOD_WEBHOOK_GET_JOB has no /job-take/ segment: no batch take and no job-stop channel (jobs cannot be stopped by RunPod)');
    }
    if (this.options.handleSignals ?? true) {
      process.on('SIGTERM', this.signalListener);
      process.on('SIGINT', this.signalListener);
      this.signalsInstalled = true;
    }
    if (s.pingTemplate !== undefined) this.heartbeat = this.startHeartbeat();
    this.takeLoop = this.runTakeLoop();
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
    await this.stops.close();
    await this.heartbeat?.close();
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
        await pause(this.tuning.backoffMs, stop);
      }
    }
  }

  private async takeOnce(free: number, stop: AbortSignal): Promise<void> {
    const backoffMs = this.tuning.backoffMs;
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
        await pause(this.tuning.idlePauseMs, stop);
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
    this.beat();
    this.logger.debug(`job ${job.id} taken`, { jobId: job.id, inProgress: this.running.size });
    entry.done = this.runJob(job, entry).finally(() => this.finishJob(job.id));
    this.stops.ensure();
  }

  private async runJob(job: RunpodJob, entry: RunningJob): Promise<void> {
    const progress = new JobProgressPoster(job.id, this.api, this.logger);
    let outcome: JobOutcome;
    try {
      const emit = this.urls.hasStream ? chunkPoster(job.id, this.api) : undefined;
      outcome = await this.options.dispatcher.dispatch(job.input, { jobId: job.id, signal: entry.controller.signal, progress: (update) => progress.report(update), emit });
    } catch (error) {
      // The dispatcher promises never to throw; if it does anyway, the job still gets a result.
      outcome = { status: 'FAILED', failure: errorToFailure(error), httpStatus: 500 };
    }
    // The result goes after the last progress post, never beside it.
    await progress.end();
    if (entry.stoppedAt !== undefined) {
      // As runpod-python, whose stopped task posts nothing: RunPod ended the job itself (it was
      // cancelled or timed out there), and a job-done would report it as completed or failed.
      const lingered = Date.now() - entry.stoppedAt;
      this.logger.info(`job ${job.id} stopped by RunPod; its method ended ${lingered} ms after the stop, and no result was posted`, { jobId: job.id, status: outcome.status });
      return;
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
    this.beat();
    this.wakeSlotWaiter();
    // No job left: nothing to stop, so end the pending stop long poll.
    if (this.running.size === 0) this.stops.idle();
  }

  // ---- heartbeat -------------------------------------------------------------------------

  private startHeartbeat(): HeartbeatThread {
    const interval = this.settings.pingIntervalMs;
    return new HeartbeatThread({
      url: this.urls.ping([], this.versionTag)!,
      intervalMs: interval,
      // A heartbeat may take as long as the period, and never less than the job-done timeout.
      timeoutMs: Math.max(interval, this.tuning.postTimeoutMs),
      headers: jobServiceHeaders(this.versionTag, this.settings.apiKey),
      onFailure: (reason) => this.logger.debug(`RunPod heartbeat failed (${reason}); next one in ${interval} ms`),
      onCrash: (error) => this.logger.error('the heartbeat thread failed; RunPod receives no heartbeats from this worker and may fail its jobs', { error }),
    });
  }

  /** Tells the heartbeat thread which jobs are in progress now. */
  private beat(): void {
    this.heartbeat?.update(this.urls.ping(this.inProgress(), this.versionTag)!);
  }
}

/**
 * Starts the RunPod serverless job loop (`serve({ mode: 'runpod' })`). Reads RUNPOD_WEBHOOK_GET_JOB,
 * RUNPOD_WEBHOOK_POST_OUTPUT (both required), RUNPOD_WEBHOOK_PING, RUNPOD_PING_INTERVAL,
 * RUNPOD_POD_ID and RUNPOD_AI_API_KEY from `options.env`; RUNPOD_PING_INTERVAL and
 * SWITCHYARD_WORKER_CONCURRENCY through the resolved defaults. Rejects with ConfigurationError
 * when a required variable is missing or a value is malformed.
 */
export async function startRunpodWorker(options: RunpodWorkerOptions): Promise<RunpodWorkerHandle> {
  const env = options.env ?? processEnv();
  const d = options.defaults ?? loadDefaults(env);
  const option = (name: keyof RunpodWorkerOptions & string, key: Parameters<typeof numberOption>[4]): number =>
    numberOption('startRunpodWorker', name, options[name] as number | undefined, d, key);
  const settings = readRunpodWorkerSettings(env, { concurrency: option('concurrency', 'runpodConcurrency'), pingIntervalMs: option('pingIntervalMs', 'pingIntervalMs') });
  const worker = new RunpodWorker(
    options,
    settings,
    { backoffMs: option('backoffMs', 'takeBackoffMs'), idlePauseMs: option('idlePauseMs', 'takeIdlePauseMs'), postTimeoutMs: option('postTimeoutMs', 'postTimeoutMs') },
    {
      longPollTimeoutMs: option('longPollTimeoutMs', 'longPollTimeoutMs'),
      postTimeoutMs: option('postTimeoutMs', 'postTimeoutMs'),
      postAttempts: option('postAttempts', 'postAttempts'),
      postRetryDelayMs: option('postRetryDelayMs', 'postRetryDelayMs'),
      maxRetryAfterMs: d.maxRetryAfterMs,
    },
  );
  worker.start();
  return worker;
}
