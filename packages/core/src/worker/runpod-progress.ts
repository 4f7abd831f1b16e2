import { SwitchyardError } from '../errors';
import type { Logger } from '../observability/logger';
import type { WireChunk } from '../serialization/wire';
import type { WireProgress } from './dispatcher-types';
import type { RunpodJobApi } from './runpod-job-api';

/**
 * Posts one running job's progress updates to RunPod (`RunpodJobApi.postProgress`), in order and
 * one at a time. Only the latest update waits: a method that reports faster than the job service
 * answers sends its newest state, never a backlog. {@link end} drops what is still waiting and
 * waits for the post in flight, so the job's result always arrives after its last progress —
 * RunPod would otherwise show IN_PROGRESS again over a finished job.
 */
export class JobProgressPoster {
  private waiting: WireProgress | undefined;
  private inFlight: Promise<void> | undefined;
  private ended = false;

  constructor(
    private readonly jobId: string,
    private readonly api: RunpodJobApi,
    private readonly logger: Logger,
  ) {}

  /** Queues an update (replacing one that has not been sent yet). Ignored once the job ended. */
  report(update: WireProgress): void {
    if (this.ended) return;
    this.waiting = update;
    this.inFlight ??= this.send();
  }

  /** The job ended: nothing more is sent; resolves once the post in flight, if any, is done. */
  async end(): Promise<void> {
    this.ended = true;
    this.waiting = undefined;
    await this.inFlight;
  }

  private async send(): Promise<void> {
    while (this.waiting !== undefined) {
      const update = this.waiting;
      this.waiting = undefined;
      const report = await this.api.postProgress(this.jobId, update);
      if (!report.ok) {
        // Progress is advisory: the job goes on, and the next update (or the result) follows.
        this.logger.debug(`progress of job ${this.jobId} could not be posted after ${report.attempts} attempt(s): ${report.reason ?? 'unknown error'}`, {
          jobId: this.jobId,
          status: report.status,
        });
      }
    }
    this.inFlight = undefined;
  }
}

/**
 * The `emit` of one runpod-mode job: posts each chunk to RUNPOD_WEBHOOK_POST_STREAM and resolves
 * when the job service answered, so the generator waits for each post (backpressure) and the
 * chunks arrive in order. A chunk that cannot be posted after every attempt ends the stream as
 * FAILED: its reader would silently miss a value otherwise.
 */
export function chunkPoster(jobId: string, api: RunpodJobApi): (chunk: WireChunk) => Promise<void> {
  let n = 0;
  return async (chunk) => {
    n++;
    const report = await api.postChunk(jobId, chunk);
    if (!report.ok) {
      throw new SwitchyardError(
        `chunk ${n} of job ${jobId} could not be posted to RUNPOD_WEBHOOK_POST_STREAM after ${report.attempts} attempt(s) (${report.reason ?? 'unknown error'}), so the stream was stopped: its reader would miss that value.`,
      );
    }
  };
}
