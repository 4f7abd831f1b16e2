import ky from 'ky';
import type { EndpointAddress } from '../directory/endpoint-address';
import type { Logger } from '../observability/logger';
import { describeNetworkFailure } from './network-failure';
import { serverMessage } from './reply-errors';
import type { RunpodJob } from './runpod-job';

/** Options of {@link JobWatch}. */
export interface JobWatchOptions {
  endpoint: string;
  /** `endpoint.method`, for messages. */
  where: string;
  address: EndpointAddress;
  jobId: string;
  /** The call's progress callback (the router decodes); progress is read from IN_PROGRESS polls. */
  onProgress?: (encoded: unknown) => void;
  /** Headers of `/health` and `/cancel` (the key). */
  authorization: string;
  /** After this long in the queue the call logs the endpoint's workers once, ms (0 = never). */
  coldStartNoticeMs: number;
  /** Epoch ms of the submission. */
  submittedAt: number;
  logger: Logger;
  secrets: readonly (string | undefined)[];
}

/** The progress a worker reports on `/status` while IN_PROGRESS: `{"sy": 1, "progress": <encoded>}`. */
function progressOf(output: unknown): unknown {
  if (output === null || typeof output !== 'object' || !('progress' in output) || (output as { sy?: unknown }).sy !== 1) return undefined;
  return (output as { progress: unknown }).progress;
}

/**
 * What one call learns from the `/status` replies of its job besides the result: progress
 * updates (passed to the caller's callback, each new one once) and a cold start (a job still
 * queued after `coldStartNoticeMs`: the endpoint's `/health` is read and logged once, so a
 * slow call is explainable).
 */
export class JobWatch {
  private lastProgress: string | undefined;
  private noticed = false;

  constructor(private readonly options: JobWatchOptions) {}

  /** One poll's reply. Never throws. */
  seen(job: RunpodJob): void {
    const o = this.options;
    if (o.onProgress && job.status === 'IN_PROGRESS') {
      const encoded = progressOf(job.output);
      const key = encoded === undefined ? undefined : JSON.stringify(encoded);
      if (key !== undefined && key !== this.lastProgress) {
        this.lastProgress = key;
        try {
          o.onProgress(encoded);
        } catch (error) {
          o.logger.warn(`the onProgress callback of ${o.where} threw; progress keeps being read`, { endpoint: o.endpoint, error: error as Error });
        }
      }
    }
    if (!this.noticed && o.coldStartNoticeMs > 0 && job.status === 'IN_QUEUE' && Date.now() - o.submittedAt >= o.coldStartNoticeMs) {
      this.noticed = true;
      void this.noticeColdStart();
    }
  }

  private async noticeColdStart(): Promise<void> {
    const o = this.options;
    const queuedS = Math.round((Date.now() - o.submittedAt) / 1000);
    let workers = '';
    try {
      const health = await ky.get(`${o.address.url}/health`, { headers: { authorization: o.authorization }, timeout: 5_000, retry: 0 }).json<{ workers?: Record<string, unknown> }>();
      const w = health.workers ?? {};
      const count = (name: string) => (typeof w[name] === 'number' ? (w[name] as number) : undefined);
      workers = ` has ${count('running') ?? 0} running worker(s)${count('idle') !== undefined ? ` and ${count('idle')} idle` : ''}${count('initializing') ? `, ${count('initializing')} starting` : ''};`;
    } catch {
      workers = "'s /health did not answer;";
    }
    o.logger.info(`endpoint ${o.endpoint}${workers} job ${o.jobId} of ${o.where} has been queued for ${queuedS} s (a cold start, or every worker busy)`, {
      endpoint: o.endpoint,
      jobId: o.jobId,
    });
  }
}

/** What `cancelJob` needs to name and reach the job. */
export type CancelTarget = Pick<JobWatchOptions, 'endpoint' | 'where' | 'address' | 'jobId' | 'authorization' | 'logger' | 'secrets'>;

/** POST /cancel/{id} over ky: short timeout, no retry, failures only logged. */
export async function cancelJob(o: CancelTarget, timeoutMs: number): Promise<void> {
  try {
    const response = await ky.post(`${o.address.url}/cancel/${encodeURIComponent(o.jobId)}`, {
      headers: { authorization: o.authorization },
      timeout: timeoutMs,
      retry: 0,
      throwHttpErrors: false,
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`HTTP ${response.status} (${serverMessage(text, o.secrets)})`);
    o.logger.debug(`cancelled job ${o.jobId}`, { endpoint: o.endpoint, jobId: o.jobId });
  } catch (error) {
    o.logger.warn(`could not cancel job ${o.jobId} of ${o.where}; it may keep running`, { endpoint: o.endpoint, jobId: o.jobId, reason: describeNetworkFailure(error) });
  }
}

/**
 * `sending`'s reply, unless `signal` aborts first: then this rejects with the signal's reason at
 * once, and `onLate` gets the reply when it still arrives (to cancel the job it created).
 */
export function replyUnlessAborted<R>(signal: AbortSignal, sending: Promise<R>, onLate: (reply: R) => void): Promise<R> {
  if (signal.aborted) {
    sending.then(onLate, () => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<R>((resolve, reject) => {
    const onAbort = (): void => {
      reject(signal.reason);
      sending.then(onLate, () => undefined);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    sending.then(
      (reply) => {
        signal.removeEventListener('abort', onAbort);
        resolve(reply);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** The job id of a /run or /runsync reply body, if it has one. */
export function jobIdOf(text: string): string | undefined {
  try {
    const id = (JSON.parse(text) as { id?: unknown }).id;
    return typeof id === 'string' && id !== '' ? id : undefined;
  } catch {
    return undefined;
  }
}
