import { randomUUID } from 'node:crypto';
import { ConfigurationError } from '../errors';
import { redact } from '../observability/redaction';

/** What a RunPod worker reads from its environment at start (protocol reference §2.1). */
export interface RunpodWorkerSettings {
  /** RUNPOD_WEBHOOK_GET_JOB: job-take URL template (`$ID` = worker id). Required. */
  getJobTemplate: string;
  /** RUNPOD_WEBHOOK_POST_OUTPUT: job-done URL template (`$RUNPOD_POD_ID` = worker id, `$ID` = job id). Required. */
  postOutputTemplate: string;
  /** RUNPOD_WEBHOOK_POST_STREAM: job-stream URL template (as job-done's) for the chunks of streaming methods; they fail without it. */
  postStreamTemplate?: string;
  /** RUNPOD_WEBHOOK_PING: heartbeat URL template; no heartbeat when unset. */
  pingTemplate?: string;
  /** Heartbeat period, ms: option, else RUNPOD_PING_INTERVAL (resolved defaults), else 10000. */
  pingIntervalMs: number;
  /** RUNPOD_POD_ID, else a random UUID. */
  workerId: string;
  /** RUNPOD_AI_API_KEY, sent as the raw Authorization value (no `Bearer`). */
  apiKey?: string;
  /** Job slots: option, else SWITCHYARD_WORKER_CONCURRENCY (resolved defaults), else 1. */
  concurrency: number;
}

/** The variables RunPod sets on its workers that `readRunpodWorkerSettings` reads and checks. */
export const RUNPOD_WORKER_ENV_NAMES = ['RUNPOD_WEBHOOK_GET_JOB', 'RUNPOD_WEBHOOK_POST_OUTPUT', 'RUNPOD_WEBHOOK_POST_STREAM', 'RUNPOD_WEBHOOK_PING', 'RUNPOD_AI_API_KEY', 'RUNPOD_POD_ID'] as const;

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function checkUrl(name: string, value: string, secrets: readonly (string | undefined)[]): void {
  // `$ID` tokens are fine inside a URL; this only catches values that are not URLs at all.
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
  } catch {
    throw new ConfigurationError(
      redact(`${name}=${JSON.stringify(value)} is not an http(s) URL template; the RunPod worker cannot start. RunPod sets this variable on its workers; a stand-in must give a full URL.`, secrets),
      { option: name },
    );
  }
}

/**
 * Reads and checks the RunPod-injected variables of the worker's environment. Throws
 * ConfigurationError naming the variable when a required one is missing or a value is
 * malformed. The API key never appears in messages.
 */
export function readRunpodWorkerSettings(env: NodeJS.ProcessEnv, resolved: { concurrency: number; pingIntervalMs: number }): RunpodWorkerSettings {
  const apiKey = nonEmpty(env.RUNPOD_AI_API_KEY);
  const secrets = [apiKey];
  const getJobTemplate = nonEmpty(env.RUNPOD_WEBHOOK_GET_JOB);
  if (getJobTemplate === undefined) {
    throw new ConfigurationError(
      'RUNPOD_WEBHOOK_GET_JOB is not set, so there is no RunPod job queue to take jobs from. ' +
        "Mode 'runpod' only runs on a RunPod serverless worker (RunPod sets RUNPOD_WEBHOOK_GET_JOB and RUNPOD_WEBHOOK_POST_OUTPUT) " +
        "or against a stand-in job service that you point these variables at. To run endpoints locally, use mode 'http'.",
      { option: 'RUNPOD_WEBHOOK_GET_JOB' },
    );
  }
  const postOutputTemplate = nonEmpty(env.RUNPOD_WEBHOOK_POST_OUTPUT);
  if (postOutputTemplate === undefined) {
    throw new ConfigurationError(
      'RUNPOD_WEBHOOK_POST_OUTPUT is not set, so job results would have nowhere to go. ' +
        "Mode 'runpod' needs both RUNPOD_WEBHOOK_GET_JOB and RUNPOD_WEBHOOK_POST_OUTPUT (RunPod sets them on its workers). To run endpoints locally, use mode 'http'.",
      { option: 'RUNPOD_WEBHOOK_POST_OUTPUT' },
    );
  }
  checkUrl('RUNPOD_WEBHOOK_GET_JOB', getJobTemplate, secrets);
  checkUrl('RUNPOD_WEBHOOK_POST_OUTPUT', postOutputTemplate, secrets);
  const postStreamTemplate = nonEmpty(env.RUNPOD_WEBHOOK_POST_STREAM);
  if (postStreamTemplate !== undefined) checkUrl('RUNPOD_WEBHOOK_POST_STREAM', postStreamTemplate, secrets);
  const pingTemplate = nonEmpty(env.RUNPOD_WEBHOOK_PING);
  if (pingTemplate !== undefined) checkUrl('RUNPOD_WEBHOOK_PING', pingTemplate, secrets);
  return {
    getJobTemplate,
    postOutputTemplate,
    postStreamTemplate,
    pingTemplate,
    pingIntervalMs: resolved.pingIntervalMs,
    workerId: nonEmpty(env.RUNPOD_POD_ID) ?? randomUUID(),
    apiKey,
    concurrency: resolved.concurrency,
  };
}
