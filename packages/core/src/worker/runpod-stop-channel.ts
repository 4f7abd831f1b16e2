import { setTimeout as sleep } from 'node:timers/promises';
import { SwitchyardError } from '../errors';
import type { Logger } from '../observability/logger';
import type { RunpodJobApi } from './runpod-job-api';

/** A job the worker is running: what stopping it needs. */
export interface RunningJob {
  controller: AbortController;
  done: Promise<void>;
  /** When the stop channel named the job (epoch ms): its method is aborted and no result is posted. */
  stoppedAt?: number;
}

/** Waits `ms`, or less if `signal` aborts; never rejects. */
export async function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return;
  try {
    await sleep(ms, undefined, { signal });
  } catch {
    /* aborted: the caller re-checks its state */
  }
}

/** What the stop channel needs from its worker. */
export interface JobStopChannelOptions {
  api: RunpodJobApi;
  /** The job-stop long-poll URL, or undefined when the take template has no `/job-take/` segment. */
  url: string | undefined;
  /** The jobs running now, by id. */
  running: ReadonlyMap<string, RunningJob>;
  logger: Logger;
  backoffMs: number;
  idlePauseMs: number;
}

/**
 * RunPod's per-job stop channel (protocol reference §2.6): while any job runs, long-polls
 * `…/job-stop/…` and aborts the signal of every job it names, marking it stopped so that the
 * worker posts no result for it (runpod-python cancels the job's task, which posts nothing).
 * The job keeps its slot until its method returns. Polls only while jobs run.
 */
export class JobStopChannel {
  private poller: Promise<void> | undefined;
  private pending: AbortController | undefined;

  constructor(private readonly options: JobStopChannelOptions) {}

  /** Starts polling if a job runs and no poll loop is active. */
  ensure(): void {
    if (this.poller !== undefined || this.options.url === undefined) return;
    this.poller = this.run().finally(() => {
      this.poller = undefined;
      // A job may have started between the loop's last check and here.
      if (this.options.running.size > 0) this.ensure();
    });
  }

  /** No job runs any more: ends the pending long poll. */
  idle(): void {
    this.pending?.abort();
  }

  /** Ends the poll loop. */
  async close(): Promise<void> {
    this.pending?.abort();
    await this.poller;
  }

  private async run(): Promise<void> {
    const { api, running, logger, backoffMs, idlePauseMs } = this.options;
    const url = this.options.url!;
    while (running.size > 0) {
      const abort = new AbortController();
      this.pending = abort;
      const result = await api.pollStops(url, abort.signal);
      switch (result.kind) {
        case 'stop':
          for (const id of result.jobIds) {
            const job = running.get(id);
            if (job === undefined) {
              logger.debug(`RunPod asked to stop job ${id}, which is not running here`, { jobId: id });
              continue;
            }
            if (job.stoppedAt !== undefined) continue;
            logger.info(`RunPod asked to stop job ${id}; aborting its method, and no result will be posted`, { jobId: id });
            job.stoppedAt = Date.now();
            job.controller.abort(new SwitchyardError(`job ${id} was stopped by RunPod (job-stop channel); its method was aborted.`));
          }
          break;
        case 'none':
          await pause(idlePauseMs, abort.signal);
          break;
        case 'rate-limited':
          logger.debug(`RunPod job-stop poll: HTTP 429, backing off ${backoffMs} ms`);
          await pause(backoffMs, abort.signal);
          break;
        case 'failed':
          logger.debug(`RunPod job-stop poll failed (${result.reason}); retrying in ${backoffMs} ms`);
          await pause(backoffMs, abort.signal);
          break;
        case 'aborted':
          break;
      }
    }
    this.pending = undefined;
  }
}
