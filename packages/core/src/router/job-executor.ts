import { ConfigurationError } from '../errors';
import type { Executor } from '../executor/executor';
import type { RunpodExecutor, SpawnedJob } from '../executor/runpod-executor';

/** What handles need of an executor: RunpodExecutor's job operations. */
export type JobExecutor = Pick<RunpodExecutor, 'spawn' | 'awaitJob' | 'jobStatus' | 'cancelSpawned'> & Partial<Pick<RunpodExecutor, 'streamSpawned'>>;

/** A call `spawn` submitted: the endpoint and method, where the job runs and its id. */
export interface SpawnedCall extends SpawnedJob {
  endpoint: string;
  method: string;
  /** The job runs on a foreign endpoint: its output is the handler's, not a Switchyard result. */
  foreign?: boolean;
}

/** The executor's job operations, or ConfigurationError when it has none (a custom executor). */
export function spawnerOf(executor: Executor, endpoint: string): JobExecutor {
  const candidate = executor as Partial<JobExecutor>;
  if (typeof candidate.spawn === 'function' && typeof candidate.awaitJob === 'function' && typeof candidate.jobStatus === 'function' && typeof candidate.cancelSpawned === 'function') {
    return candidate as JobExecutor;
  }
  throw new ConfigurationError(`the executor of endpoint "${endpoint}" cannot spawn jobs (it has no spawn/awaitJob/jobStatus/cancelSpawned); use the default RunpodExecutor.`, { endpoint });
}

