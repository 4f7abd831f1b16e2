import { randomUUID } from 'node:crypto';
import { SwitchyardError } from '../errors';
import { redact } from '../observability/logger';

/** What a RunPod worker reads from its environment at start (protocol reference §2.1). */
export interface RunpodWorkerSettings {
  /** RUNPOD_WEBHOOK_GET_JOB: job-take URL template (`$ID` = worker id). Required. */
  getJobTemplate: string;
  /** RUNPOD_WEBHOOK_POST_OUTPUT: job-done URL template (`$RUNPOD_POD_ID` = worker id, `$ID` = job id). Required. */
  postOutputTemplate: string;
  /** RUNPOD_WEBHOOK_POST_STREAM: read for completeness; Switchyard never streams, so it is unused. */
  postStreamTemplate?: string;
  /** RUNPOD_WEBHOOK_PING: heartbeat URL template; no heartbeat when unset. */
  pingTemplate?: string;
  /** Heartbeat period, ms: option, else RUNPOD_PING_INTERVAL, else 10000. */
  pingIntervalMs: number;
  /** RUNPOD_POD_ID, else a random UUID. */
  workerId: string;
  /** RUNPOD_AI_API_KEY, sent as the raw Authorization value (no `Bearer`). */
  apiKey?: string;
  /** Job slots: option, else SWITCHYARD_WORKER_CONCURRENCY, else 1. */
  concurrency: number;
}

/** Default heartbeat period, ms (runpod-python's RUNPOD_PING_INTERVAL default). */
export const DEFAULT_PING_INTERVAL_MS = 10_000;

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function positiveInteger(name: string, raw: string | number | undefined, fallback: number, secrets: readonly (string | undefined)[]): number {
  if (raw === undefined || raw === '') return fallback;
  const value = typeof raw === 'number' ? raw : Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    throw new SwitchyardError(
      redact(`${name}=${JSON.stringify(raw)} is not a positive whole number; the RunPod worker cannot start. Unset it or give a whole number above 0.`, secrets),
    );
  }
  return value;
}

function checkUrl(name: string, value: string, secrets: readonly (string | undefined)[]): void {
  // `$ID` tokens are fine inside a URL; this only catches values that are not URLs at all.
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
  } catch {
    throw new SwitchyardError(
      redact(`${name}=${JSON.stringify(value)} is not an http(s) URL template; the RunPod worker cannot start. RunPod sets this variable on its workers; a stand-in must give a full URL.`, secrets),
    );
  }
}

/**
 * Reads and checks the worker's environment. Throws SwitchyardError naming the variable when
 * a required one is missing or a value is malformed. The API key never appears in messages.
 */
export function readRunpodWorkerSettings(
  env: NodeJS.ProcessEnv,
  overrides: { concurrency?: number; pingIntervalMs?: number } = {},
): RunpodWorkerSettings {
  const apiKey = nonEmpty(env.RUNPOD_AI_API_KEY);
  const secrets = [apiKey];
  const getJobTemplate = nonEmpty(env.RUNPOD_WEBHOOK_GET_JOB);
  if (getJobTemplate === undefined) {
    throw new SwitchyardError(
      'RUNPOD_WEBHOOK_GET_JOB is not set, so there is no RunPod job queue to take jobs from. ' +
        "Mode 'runpod' only runs on a RunPod serverless worker (RunPod sets RUNPOD_WEBHOOK_GET_JOB and RUNPOD_WEBHOOK_POST_OUTPUT) " +
        "or against a stand-in job service that you point these variables at. To run endpoints locally, use mode 'http'.",
    );
  }
  const postOutputTemplate = nonEmpty(env.RUNPOD_WEBHOOK_POST_OUTPUT);
  if (postOutputTemplate === undefined) {
    throw new SwitchyardError(
      'RUNPOD_WEBHOOK_POST_OUTPUT is not set, so job results would have nowhere to go. ' +
        "Mode 'runpod' needs both RUNPOD_WEBHOOK_GET_JOB and RUNPOD_WEBHOOK_POST_OUTPUT (RunPod sets them on its workers). To run endpoints locally, use mode 'http'.",
    );
  }
  checkUrl('RUNPOD_WEBHOOK_GET_JOB', getJobTemplate, secrets);
  checkUrl('RUNPOD_WEBHOOK_POST_OUTPUT', postOutputTemplate, secrets);
  const pingTemplate = nonEmpty(env.RUNPOD_WEBHOOK_PING);
  if (pingTemplate !== undefined) checkUrl('RUNPOD_WEBHOOK_PING', pingTemplate, secrets);
  return {
    getJobTemplate,
    postOutputTemplate,
    postStreamTemplate: nonEmpty(env.RUNPOD_WEBHOOK_POST_STREAM),
    pingTemplate,
    pingIntervalMs: positiveInteger(
      overrides.pingIntervalMs !== undefined ? 'pingIntervalMs' : 'RUNPOD_PING_INTERVAL',
      overrides.pingIntervalMs ?? nonEmpty(env.RUNPOD_PING_INTERVAL),
      DEFAULT_PING_INTERVAL_MS,
      secrets,
    ),
    workerId: nonEmpty(env.RUNPOD_POD_ID) ?? randomUUID(),
    apiKey,
    concurrency: positiveInteger(
      overrides.concurrency !== undefined ? 'concurrency' : 'SWITCHYARD_WORKER_CONCURRENCY',
      overrides.concurrency ?? nonEmpty(env.SWITCHYARD_WORKER_CONCURRENCY),
      1,
      secrets,
    ),
  };
}
