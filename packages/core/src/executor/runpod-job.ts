import { SerializationError } from '../errors';
import { preview } from '../serialization/wire';

/** Job statuses of RunPod's job API (protocol reference §1.3). `RUNNING` appears in the docs only. */
export type RunpodJobStatus = 'IN_QUEUE' | 'IN_PROGRESS' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'TIMED_OUT';

/** The four statuses after which a job never changes again. All four end polling. */
export const TERMINAL_STATUSES: ReadonlySet<string> = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT']);

/** A job as `/runsync` and `/status` report it. Only `id` and `status` are always present. */
export interface RunpodJob {
  id: string;
  /** A RunpodJobStatus; unknown strings are kept and treated as "not finished yet". */
  status: string;
  output?: unknown;
  error?: unknown;
  delayTime?: number;
  executionTime?: number;
}

/** True for COMPLETED, FAILED, CANCELLED and TIMED_OUT. */
export function isTerminal(status: string): boolean {
  return TERMINAL_STATUSES.has(status);
}

/**
 * Reads a `/runsync` or `/status` reply body. Throws SerializationError when it is not a job
 * object with a string `id` and `status` (for example an HTML error page from a proxy).
 *
 * @param where `endpoint.method`; `origin` names the URL, for messages.
 */
export function parseJobBody(text: string, where: string, origin: string): RunpodJob {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const job = parsed as Partial<RunpodJob> | undefined;
  if (!job || typeof job !== 'object' || typeof job.id !== 'string' || job.id === '' || typeof job.status !== 'string') {
    throw new SerializationError(
      `${where}: ${origin} answered with ${preview(parsed ?? text)}, which is not a RunPod job ({"id":…,"status":…}). ` +
        'Check that the address points at a RunPod queue endpoint or a Switchyard worker (…/v2/<endpoint>).',
      { position: `reply of ${where}` },
    );
  }
  return job as RunpodJob;
}
