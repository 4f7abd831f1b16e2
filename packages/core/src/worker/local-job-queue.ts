import { randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Logger } from '../observability/logger';
import { LazyAbort } from '../resilience/lazy-abort';
import { failureJson } from '../serialization/failure';
import type { JobDispatcher } from './dispatcher-types';

/** Job states the local API reports (RunPod's names; TIMED_OUT never happens locally). */
export type LocalJobStatus = 'IN_QUEUE' | 'IN_PROGRESS' | 'COMPLETED' | 'FAILED' | 'CANCELLED';

/** A job as `/status` reports it: the shape of RunPod's reply. */
export interface JobView {
  id: string;
  status: LocalJobStatus;
  /** ms the job waited in the queue. */
  delayTime: number;
  /** ms the job ran (0 until it starts). */
  executionTime: number;
  output?: unknown;
  /** A FAILED job's error: the JSON string of a WireFailure. */
  error?: string;
}

/** `/health` reply: RunPod's shape. */
export interface QueueHealth {
  jobs: { completed: number; failed: number; inProgress: number; inQueue: number; retried: number };
  workers: { idle: number; running: number };
}

interface Job {
  id: string;
  /** The job's input; dropped once the job has run, so a kept result does not keep its arguments. */
  input: unknown;
  status: LocalJobStatus;
  submittedAt: number;
  startedAt?: number;
  finishedAt?: number;
  output?: unknown;
  error?: string;
  /** How long the result is kept after the job ends, ms. */
  retainMs: number;
  /** Aborted on cancel; its AbortSignal is made only if the method takes one. */
  cancellation: LazyAbort;
  /** Called once when the job reaches a terminal status (waiting runsync / status-sync requests). */
  onSettled: Array<() => void> | undefined;
}

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

const TERMINAL: ReadonlySet<LocalJobStatus> = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);

/** True for COMPLETED, FAILED, CANCELLED. */
export function isTerminal(status: LocalJobStatus): boolean {
  return TERMINAL.has(status);
}

/**
 * The job table of one endpoint in the local RunPod-compatible API: a FIFO queue in front of a
 * fixed number of slots, job records for `/status`, cancellation that aborts the job's signal,
 * and results that expire after their retention time (or when too many are kept).
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
  submit(input: unknown, options: { idPrefix?: string; retainMs: number }): { id: string; status: 'IN_QUEUE' } {
    const job: Job = {
      id: `${options.idPrefix ?? ''}${randomUUID()}`,
      input,
      status: 'IN_QUEUE',
      submittedAt: Date.now(),
      retainMs: options.retainMs,
      cancellation: new LazyAbort(),
      onSettled: undefined,
    };
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
    return job ? this.describe(job) : undefined;
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
    return this.describe(job);
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
    return this.describe(job);
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

  /** Cancels queued jobs and waits for running ones to finish. */
  async drain(): Promise<void> {
    this.purgeQueue();
    if (this.busySlots > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  private pump(): void {
    while (this.busySlots < this.concurrency && this.waiting.length > 0) {
      const job = this.waiting.shift()!;
      this.busySlots++;
      job.status = 'IN_PROGRESS';
      job.startedAt = Date.now();
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
      });
      // A job cancelled while it ran stays CANCELLED whatever the method did afterwards.
      if (job.status !== 'IN_PROGRESS') return;
      if (outcome.status === 'COMPLETED') {
        job.output = outcome.output;
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

  private finish(job: Job, status: 'COMPLETED' | 'FAILED' | 'CANCELLED'): void {
    job.status = status;
    job.finishedAt = Date.now();
    job.input = undefined;
    if (status === 'COMPLETED') this.completedCount++;
    if (status === 'FAILED') this.failedCount++;
    this.active.delete(job.id);
    // A retention of 0 keeps nothing (lru-cache reads a TTL of 0 as "no TTL").
    if (job.retainMs > 0) this.finished.set(job.id, job, { ttl: job.retainMs });
    const waiting = job.onSettled;
    job.onSettled = undefined;
    if (waiting) for (const wake of waiting) wake();
  }

  /** The job, if it is queued, running, or finished within its retention time. */
  private find(id: string): Job | undefined {
    return this.active.get(id) ?? this.finished.get(id);
  }

  private describe(job: Job): JobView {
    const now = Date.now();
    const startedOrNow = job.startedAt ?? job.finishedAt ?? now;
    const view: JobView = {
      id: job.id,
      status: job.status,
      delayTime: startedOrNow - job.submittedAt,
      executionTime: job.startedAt === undefined ? 0 : (job.finishedAt ?? now) - job.startedAt,
    };
    if (job.status === 'COMPLETED') view.output = job.output;
    if (job.status === 'FAILED') view.error = job.error;
    return view;
  }
}
