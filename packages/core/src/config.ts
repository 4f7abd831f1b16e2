import { SwitchyardError } from './errors';

/**
 * Every default in one place. Each can be overridden by the environment variable named in its
 * comment (read when a component is constructed, never at import time), or by an option.
 */
export interface SwitchyardDefaults {
  /** Directory request timeout, ms. Env SWITCHYARD_DIRECTORY_TIMEOUT_MS. Default 10000. */
  directoryTimeoutMs: number;
  /** Directory attempts per refresh (exponential backoff, full jitter). Env SWITCHYARD_DIRECTORY_ATTEMPTS. Default 3. */
  directoryAttempts: number;
  /** Directory cache TTL, ms. Env SWITCHYARD_DIRECTORY_TTL_MS. Default 300000. */
  directoryTtlMs: number;
  /** Per-call deadline when the method sets no timeoutMs, ms. Env SWITCHYARD_CALL_TIMEOUT_MS. Default 600000. */
  callTimeoutMs: number;
  /** `?wait=` sent with runsync, ms (RunPod accepts 1000..300000). Env SWITCHYARD_RUNSYNC_WAIT_MS. Default 90000. */
  runsyncWaitMs: number;
  /** First /status poll delay, ms; doubles up to pollMaxMs. Env SWITCHYARD_POLL_INITIAL_MS. Default 200. */
  pollInitialMs: number;
  /** Cap of the /status poll delay, ms. Env SWITCHYARD_POLL_MAX_MS. Default 5000. */
  pollMaxMs: number;
  /** Submission attempts while no job id exists (429/502/503/504, connection errors). Env SWITCHYARD_SUBMIT_ATTEMPTS. Default 4. */
  submitAttempts: number;
  /** Largest Retry-After honoured, ms. Env SWITCHYARD_MAX_RETRY_AFTER_MS. Default 30000. */
  maxRetryAfterMs: number;
  /** Consecutive transport/5xx failures that open an address's circuit. Env SWITCHYARD_BREAKER_THRESHOLD. Default 5. */
  breakerThreshold: number;
  /** Time an open circuit waits before one half-open probe, ms. Env SWITCHYARD_BREAKER_RESET_MS. Default 10000. */
  breakerResetMs: number;
  /** HTTP requests in flight per endpoint address from one executor; more calls queue, and submit via /run while busy. Env SWITCHYARD_REQUESTS_PER_ADDRESS. Default 128. */
  requestsPerAddress: number;
  /** /run payload limit, bytes. Default 10 MB (RunPod's). */
  runPayloadLimit: number;
  /** /runsync payload limit, bytes. Default 20 MB (RunPod's). */
  runsyncPayloadLimit: number;
  /** Load-balancer request/response limit, bytes. Default 30 MB (RunPod's). */
  loadBalancerPayloadLimit: number;
  /** Base URL of RunPod's job API. Env RUNPOD_ENDPOINT_BASE_URL. Default https://api.runpod.ai/v2. */
  runpodBaseUrl: string;
}

export const MB = 1024 * 1024;

const BUILT_IN: SwitchyardDefaults = {
  directoryTimeoutMs: 10_000,
  directoryAttempts: 3,
  directoryTtlMs: 300_000,
  callTimeoutMs: 600_000,
  runsyncWaitMs: 90_000,
  pollInitialMs: 200,
  pollMaxMs: 5_000,
  submitAttempts: 4,
  maxRetryAfterMs: 30_000,
  breakerThreshold: 5,
  breakerResetMs: 10_000,
  requestsPerAddress: 128,
  runPayloadLimit: 10 * MB,
  runsyncPayloadLimit: 20 * MB,
  loadBalancerPayloadLimit: 30 * MB,
  runpodBaseUrl: 'https://api.runpod.ai/v2',
};

const ENV_NAMES: Partial<Record<keyof SwitchyardDefaults, string>> = {
  directoryTimeoutMs: 'SWITCHYARD_DIRECTORY_TIMEOUT_MS',
  directoryAttempts: 'SWITCHYARD_DIRECTORY_ATTEMPTS',
  directoryTtlMs: 'SWITCHYARD_DIRECTORY_TTL_MS',
  callTimeoutMs: 'SWITCHYARD_CALL_TIMEOUT_MS',
  runsyncWaitMs: 'SWITCHYARD_RUNSYNC_WAIT_MS',
  pollInitialMs: 'SWITCHYARD_POLL_INITIAL_MS',
  pollMaxMs: 'SWITCHYARD_POLL_MAX_MS',
  submitAttempts: 'SWITCHYARD_SUBMIT_ATTEMPTS',
  maxRetryAfterMs: 'SWITCHYARD_MAX_RETRY_AFTER_MS',
  breakerThreshold: 'SWITCHYARD_BREAKER_THRESHOLD',
  breakerResetMs: 'SWITCHYARD_BREAKER_RESET_MS',
  requestsPerAddress: 'SWITCHYARD_REQUESTS_PER_ADDRESS',
  runpodBaseUrl: 'RUNPOD_ENDPOINT_BASE_URL',
};

/** The built-in defaults with environment overrides applied. A malformed number is an error naming the variable. */
export function loadDefaults(env: NodeJS.ProcessEnv = process.env): SwitchyardDefaults {
  const result: SwitchyardDefaults = { ...BUILT_IN };
  for (const [key, envName] of Object.entries(ENV_NAMES) as Array<[keyof SwitchyardDefaults, string]>) {
    const raw = env[envName];
    if (raw === undefined || raw === '') continue;
    if (typeof BUILT_IN[key] === 'string') {
      (result as unknown as Record<string, unknown>)[key] = raw.replace(/\/+$/, '');
      continue;
    }
    const value = Number(raw);
    if (!Number.isInteger(value) || value <= 0) {
      throw new SwitchyardError(`${envName}=${JSON.stringify(raw)} is not a positive integer. Unset it or give a whole number.`);
    }
    (result as unknown as Record<string, unknown>)[key] = value;
  }
  return result;
}
