import type { LazyAbort } from '../resilience/lazy-abort';
import type { WireProgress } from './dispatcher-types';
import type { JobPolicy } from './job-policy';

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
  /** COMPLETED: the WireOutput. IN_PROGRESS: the latest progress update (a WireProgress), if the method reported one. */
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
}

const TERMINAL: ReadonlySet<LocalJobStatus> = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT']);

/** True for COMPLETED, FAILED, CANCELLED, TIMED_OUT. */
export function isTerminal(status: LocalJobStatus): boolean {
  return TERMINAL.has(status);
}
