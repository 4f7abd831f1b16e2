import type { LazyAbort } from '../resilience/lazy-abort';
import type { WireChunk } from '../serialization/wire';
import type { WireProgress } from './dispatcher-types';
import type { JobPolicy } from './job-policy';
import type { JobStream } from './local-job-stream';

/** Job states the local API reports (RunPod's names; TIMED_OUT after a policy's executionTimeout). */
export type LocalJobStatus = 'IN_QUEUE' | 'IN_PROGRESS' | 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'TIMED_OUT';

/** A job as `/status` reports it: the shape of RunPod's reply. */
export interface JobView {
  id: string;
  status: LocalJobStatus;
  /** ms the job waited in the queue. */
  delayTime: number;
  /** ms the job ran (0 until it starts). */
  executionTime: number;
  /**
   * COMPLETED: the WireOutput, or `[]` for a streaming method (its values went out on
   * `/stream`, as runpod-python's without aggregation). IN_PROGRESS: the latest progress update
   * (a WireProgress), if the method reported one.
   */
  output?: unknown;
  /** A FAILED job's error: the JSON string of a WireFailure. */
  error?: string;
}

/** `/health` reply: RunPod's shape. */
export interface QueueHealth {
  jobs: { completed: number; failed: number; inProgress: number; inQueue: number; retried: number };
  workers: { idle: number; running: number };
}

/** One job of a LocalJobQueue. */
export interface Job {
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
  policy: JobPolicy;
  /** submittedAt + policy.ttl: when the job is deleted, whatever its state. */
  expiresAt?: number;
  /** The executionTimeout timer (while running) and the ttl timer (until the job ends). */
  timers: NodeJS.Timeout[];
  /** The latest progress update while the job runs. */
  progress?: WireProgress;
  /** Aborted on cancel; its AbortSignal is made only if the method takes one. */
  cancellation: LazyAbort;
  /** Called once when the job reaches a terminal status (waiting runsync / status-sync requests). */
  onSettled: Array<() => void> | undefined;
  /** A streaming job's chunks waiting for `/stream`; made by the first chunk or the first `/stream` request. */
  stream?: JobStream;
}

/** A `/stream` reply: RunPod's shape, `{id, status, stream: [{output: WireChunk}, …], error?}`. */
export interface JobStreamView {
  id: string;
  status: LocalJobStatus;
  stream: Array<{ output: WireChunk }>;
  /** A FAILED job's error: the JSON string of a WireFailure. */
  error?: string;
}

const TERMINAL: ReadonlySet<LocalJobStatus> = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT']);

/** True for COMPLETED, FAILED, CANCELLED, TIMED_OUT. */
export function isTerminal(status: LocalJobStatus): boolean {
  return TERMINAL.has(status);
}

/** A job as `/status` reports it. */
export function viewOf(job: Job): JobView {
  const now = Date.now();
  const startedOrNow = job.startedAt ?? job.finishedAt ?? now;
  const view: JobView = {
    id: job.id,
    status: job.status,
    delayTime: startedOrNow - job.submittedAt,
    executionTime: job.startedAt === undefined ? 0 : (job.finishedAt ?? now) - job.startedAt,
  };
  if (job.status === 'COMPLETED') view.output = job.output;
  else if (job.status === 'IN_PROGRESS' && job.progress !== undefined) view.output = job.progress;
  if (job.status === 'FAILED') view.error = job.error;
  return view;
}
