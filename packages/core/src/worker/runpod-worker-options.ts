import type { SwitchyardDefaults } from '../config';
import type { Logger } from '../observability/logger';
import type { JobDispatcher } from './dispatcher-types';

/** Options of `startRunpodWorker`. Everything else comes from the environment (see RunpodWorkerSettings). */
export interface RunpodWorkerOptions {
  /** Runs one job's `input`; never throws. */
  dispatcher: JobDispatcher;
  /** Where the RUNPOD_* variables are read, once, at start. Default this process's environment. */
  env?: NodeJS.ProcessEnv;
  /** Resolved defaults (serve passes its runtime's). Default `loadDefaults(env)`. */
  defaults?: SwitchyardDefaults;
  /** Job slots. Default env SWITCHYARD_WORKER_CONCURRENCY, else 1. */
  concurrency?: number;
  /** Default a ConsoleLogger (prefix `runpod-worker`). The API key is redacted whichever logger is used. */
  logger?: Logger;
  /**
   * The fetch used for job take, job stop, progress and job done. Default the global fetch.
   * Heartbeats come from their own thread, with that thread's global fetch.
   */
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
   * results, then stops the stop channel and the heartbeat thread. Idempotent.
   */
  close(): Promise<void>;
  /** Resolves when the worker has stopped, by close() or by a signal. */
  readonly closed: Promise<void>;
}
