import { randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { DeadlineExceededError } from '../errors';
import type { Logger } from '../observability/logger';
import { LazyAbort } from '../resilience/lazy-abort';
import { failureJson } from '../serialization/failure';
import type { JobDispatcher } from './dispatcher-types';
import type { JobPolicy } from './job-policy';
import { isTerminal, viewOf, type Job, type JobStreamView, type JobView, type QueueHealth } from './local-job';
import { JobStream } from './local-job-stream';

export { isTerminal, type JobStreamView, type JobView, type LocalJobStatus, type QueueHealth } from './local-job';

/** Options of {@link LocalJobQueue}. */
export interface LocalJobQueueOptions {
  /** The endpoint id jobs are submitted to (`/v2/{endpoint}`). */
  endpoint: string;
  dispatcher: JobDispatcher;
  /** Jobs running at once; the rest wait in FIFO order. */
  concurrency: number;
  /** Most finished jobs kept for `/status`; the oldest are forgotten first. */
  maxRetainedJobs: number;
  logger?: Logger;
}

/** A policy timer; never keeps the process alive. */
function timer(ms: number, fire: () => void): NodeJS.Timeout {
  return setTimeout(fire, ms).unref();
}

/**
 * The job table of one endpoint in the local RunPod-compatible API: a FIFO queue in front of a
 * fixed number of slots, job records for `/status` (with the latest progress while a job runs),
 * a bounded chunk buffer per streaming job for `/stream` (local-job-stream.ts),
 * cancellation that aborts the job's signal, a job's `policy` (executionTimeout: TIMED_OUT and
 * aborted; ttl: deleted, aborted if running), and results that expire after their retention
 * time (or when too many are kept).
 */
export class LocalJobQueue {
  /** Jobs queued or running. */
  private readonly active = new Map<string, Job>();
  /**
   * Finished jobs, each with its own retention time; past `maxRetainedJobs` the least recently
   * used is forgotten first. lru-cache keeps this O(1) per job.
   */
  private readonly finished: LRUCache<string, Job>;
  private readonly waiting: Job[] = [];
  /** Resolved when no job runs any more (drain). */
  private readonly idle: Array<() => void> = [];
  private readonly concurrency: number;
  private busySlots = 0;
  /** Set by drain(): a stream can no longer be read through a server that stops accepting connections. */
  private draining = false;
  private completedCount = 0;
  private failedCount = 0;

  constructor(private readonly options: LocalJobQueueOptions) {
    this.concurrency = options.concurrency;
    this.finished = new LRUCache({ max: options.maxRetainedJobs, ttlResolution: 0 });
  }

  /** Jobs waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Jobs holding a slot (running, or cancelled while their method still runs). */
  get running(): number {
    return this.busySlots;
  }

  /** Queues a job and returns its id; it starts as soon as a slot is free. */
  submit(input: unknown, options: { idPrefix?: string; retainMs: number; policy?: JobPolicy }): { id: string; status: 'IN_QUEUE' } {
    const job: Job = {
      id: `${options.idPrefix ?? ''}${randomUUID()}`,
      input,
      status: 'IN_QUEUE',
      submittedAt: Date.now(),
      retainMs: options.retainMs,
      policy: options.policy ?? {},
      timers: [],
      cancellation: new LazyAbort(),
      onSettled: undefined,
    };
    const ttl = job.policy.ttlMs;
    if (ttl !== undefined) {
      job.expiresAt = job.submittedAt + ttl;
      job.timers.push(timer(ttl, () => this.expire(job)));
    }
    this.active.set(job.id, job);
    this.waiting.push(job);
    // The reply describes the job as accepted; it may start right after.
    const accepted = { id: job.id, status: 'IN_QUEUE' as const };
    this.pump();
    return accepted;
  }

  /** The job's current view, or undefined if unknown or expired. */
  view(id: string): JobView | undefined {
    const job = this.find(id);
    return job ? viewOf(job) : undefined;
  }

  /** Waits until the job is terminal or `waitMs` passed; then its view (undefined if it expired meanwhile). */
  async waitFor(id: string, waitMs: number): Promise<JobView | undefined> {
    const job = this.find(id);
    if (!job) return undefined;
    if (!isTerminal(job.status)) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, waitMs);
        (job.onSettled ??= []).push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    // A job whose ttl passed meanwhile is gone.
    return this.find(id) ? viewOf(job) : undefined;
  }

  /**
   * A `/stream` read: the chunks buffered since the last read, waiting up to `waitMs` for one (or
   * the job's end) when none is buffered. The status is read with the drain, so a terminal
   * status comes only with (or after) the job's last chunks. `gone` aborts the wait when the
   * reader hangs up, and then nothing is drained, so no chunk is lost to a closed connection.
   * Undefined if the job is unknown or expired.
   */
  async readStream(id: string, waitMs: number, gone?: AbortSignal): Promise<JobStreamView | undefined> {
    const job = this.find(id);
    if (!job) return undefined;
    job.stream ??= new JobStream();
    if (!isTerminal(job.status)) await job.stream.waitForChunk(waitMs, gone);
    if (!this.find(id)) return undefined;
    const chunks = gone?.aborted ? [] : job.stream.drain();
    const view: JobStreamView = { id: job.id, status: job.status, stream: chunks.map((output) => ({ output })) };
    if (job.status === 'FAILED') view.error = job.error;
    return view;
  }

  /**
   * Cancels a job: a queued one is removed and never runs; a running one has its signal aborted
   * (the method stops if it honours the signal) and is reported CANCELLED at once. A finished
   * job keeps its status. Undefined if the job is unknown.
   */
  cancel(id: string): JobView | undefined {
    const job = this.find(id);
    if (!job) return undefined;
    if (job.status === 'IN_QUEUE') {
      this.waiting.splice(this.waiting.indexOf(job), 1);
      this.finish(job, 'CANCELLED');
    } else if (job.status === 'IN_PROGRESS') {
      this.finish(job, 'CANCELLED');
      job.cancellation.abort();
    }
    return viewOf(job);
  }

  /** Cancels every queued job; returns how many. */
  purgeQueue(): number {
    const removed = this.waiting.splice(0, this.waiting.length);
    for (const job of removed) this.finish(job, 'CANCELLED');
    return removed.length;
  }

  /** Counts for `/health`. completed/failed count since start; the rest are current. */
  health(): QueueHealth {
    return {
      jobs: { completed: this.completedCount, failed: this.failedCount, inProgress: this.active.size - this.waiting.length, inQueue: this.waiting.length, retried: 0 },
      workers: { idle: this.concurrency - this.busySlots, running: this.busySlots },
    };
  }

  /**
   * Cancels queued jobs and waits for running ones to finish. Running streams are cancelled
   * (their generators closed): once the server stops accepting connections, nobody could read
   * the rest of them, and a full buffer would hold the job forever.
   */
  async drain(): Promise<void> {
    this.draining = true;
    this.purgeQueue();
    for (const job of [...this.active.values()]) if (job.stream?.started === true) this.cancel(job.id);
    if (this.busySlots > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  private pump(): void {
    while (this.busySlots < this.concurrency && this.waiting.length > 0) {
      const job = this.waiting.shift()!;
      this.busySlots++;
      job.status = 'IN_PROGRESS';
      job.startedAt = Date.now();
      const limit = job.policy.executionTimeoutMs;
      if (limit !== undefined) job.timers.push(timer(limit, () => this.timeOut(job, limit)));
      void this.execute(job).then(() => {
        this.busySlots--;
        if (this.busySlots === 0 && this.idle.length > 0) for (const resolve of this.idle.splice(0)) resolve();
        this.pump();
      });
    }
  }

  private async execute(job: Job): Promise<void> {
    const input = job.input;
    job.input = undefined;
    try {
      const outcome = await this.options.dispatcher.dispatch(input, {
        jobId: job.id,
        signal: job.cancellation,
        queuedMs: (job.startedAt ?? job.submittedAt) - job.submittedAt,
        endpoint: this.options.endpoint,
        progress: (update) => {
          if (job.status === 'IN_PROGRESS') job.progress = update;
        },
        emit: (chunk) => {
          if (job.status !== 'IN_PROGRESS') return Promise.resolve();
          if (this.draining) {
            this.cancel(job.id);
            return Promise.resolve();
          }
          return (job.stream ??= new JobStream()).push(chunk);
        },
      });
      // A job cancelled while it ran stays CANCELLED whatever the method did afterwards.
      if (job.status !== 'IN_PROGRESS') return;
      if (outcome.status === 'COMPLETED') {
        // A stream's values went out on /stream; its job's output is [] (runpod-python's, without aggregation).
        job.output = 'chunks' in outcome ? [] : outcome.output;
        this.finish(job, 'COMPLETED');
      } else {
        job.error = JSON.stringify(outcome.failure);
        this.finish(job, 'FAILED');
      }
    } catch (error) {
      // Dispatchers never throw; this guards the queue against one that does.
      this.options.logger?.error('dispatcher threw instead of returning an outcome', { jobId: job.id, error: error as Error });
      if (job.status === 'IN_PROGRESS') {
        job.error = failureJson(error);
        this.finish(job, 'FAILED');
      }
    }
  }

  /** The job ran past its policy's executionTimeout: TIMED_OUT, and its method is aborted. */
  private timeOut(job: Job, limitMs: number): void {
    if (job.status !== 'IN_PROGRESS') return;
    this.finish(job, 'TIMED_OUT');
    job.cancellation.abort(
      new DeadlineExceededError(`job ${job.id} ran longer than its policy.executionTimeout of ${limitMs} ms, so it was stopped (TIMED_OUT). Give the job a longer executionTimeout.`, {
        jobId: job.id,
      }),
    );
  }

  /** The job's policy.ttl passed: it is deleted whatever its state (RunPod's `/status` then answers 404), and aborted if it runs. */
  private expire(job: Job): void {
    if (isTerminal(job.status)) return;
    if (job.status === 'IN_QUEUE') this.waiting.splice(this.waiting.indexOf(job), 1);
    const running = job.status === 'IN_PROGRESS';
    this.finish(job, 'CANCELLED', false);
    if (running) {
      job.cancellation.abort(
        new DeadlineExceededError(`job ${job.id} outlived its policy.ttl of ${job.policy.ttlMs} ms (counted from its submission), so it was deleted. Give the job a longer ttl.`, {
          jobId: job.id,
        }),
      );
    }
  }

  private finish(job: Job, status: 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'TIMED_OUT', keep = true): void {
    job.status = status;
    job.finishedAt = Date.now();
    job.input = undefined;
    job.progress = undefined;
    job.stream?.end();
    for (const t of job.timers.splice(0)) clearTimeout(t);
    if (status === 'COMPLETED') this.completedCount++;
    if (status === 'FAILED') this.failedCount++;
    this.active.delete(job.id);
    // Kept for its retention, never past its ttl. A retention of 0 keeps nothing (lru-cache reads a TTL of 0 as "no TTL").
    const retainMs = Math.min(job.retainMs, (job.expiresAt ?? Infinity) - job.finishedAt);
    if (keep && retainMs > 0) this.finished.set(job.id, job, { ttl: retainMs });
    const waiting = job.onSettled;
    job.onSettled = undefined;
    if (waiting) for (const wake of waiting) wake();
  }

  /** The job, if it is queued, running, or finished within its retention time. */
  private find(id: string): Job | undefined {
    return this.active.get(id) ?? this.finished.get(id);
  }
}
