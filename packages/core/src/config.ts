import { ConfigurationError } from './errors';

/**
 * Every default in one place, with the environment variable that overrides it. `createRuntime`
 * resolves them once from its `env` and hands the values to every component it builds;
 * components built on their own call `loadDefaults()` once, in their constructor. Apart from the
 * CLI entry, this is the only module that reads `process.env`.
 */
export interface SwitchyardDefaults {
  /** Directory request timeout, ms. Env SWITCHYARD_DIRECTORY_TIMEOUT_MS. Default 10000. */
  directoryTimeoutMs: number;
  /** Directory attempts per refresh (exponential backoff, full jitter). Env SWITCHYARD_DIRECTORY_ATTEMPTS. Default 3. */
  directoryAttempts: number;
  /** Directory cache TTL, ms. Env SWITCHYARD_DIRECTORY_TTL_MS. Default 300000. */
  directoryTtlMs: number;
  /** After a failed directory refresh, wait this long before the next one, ms. Default 5000. */
  directoryErrorBackoffMs: number;
  /** Base of the directory's retry backoff, ms. Default 300. */
  directoryRetryDelayMs: number;
  /** Cap of one directory retry delay, ms. Default 5000. */
  directoryRetryBackoffLimitMs: number;
  /** Per-call deadline when the method sets no timeoutMs, ms. Env SWITCHYARD_CALL_TIMEOUT_MS. Default 600000. */
  callTimeoutMs: number;
  /** `?wait=` sent with runsync, ms (RunPod accepts 1000..300000). Env SWITCHYARD_RUNSYNC_WAIT_MS. Default 90000. */
  runsyncWaitMs: number;
  /** runsync's `wait` ends this long before the deadline, so the job id arrives while the job can still be cancelled, ms. Default 1000. */
  runsyncHeadroomMs: number;
  /** Extra time a runsync reply may take beyond `wait`, ms. Default 15000. */
  runsyncGraceMs: number;
  /** First /status poll delay, ms; doubles up to pollMaxMs. Env SWITCHYARD_POLL_INITIAL_MS. Default 200. */
  pollInitialMs: number;
  /** Cap of the /status poll delay, ms. Env SWITCHYARD_POLL_MAX_MS. Default 5000. */
  pollMaxMs: number;
  /** Longest one /status request may take, ms. Default 10000. */
  statusTimeoutMs: number;
  /** Longest the best-effort /cancel may take, ms. Default 2000. */
  cancelTimeoutMs: number;
  /** A job still queued this long after submission is logged once, with the endpoint's running workers (a cold start), ms. Env SWITCHYARD_COLD_START_NOTICE_MS. Default 10000. */
  coldStartNoticeMs: number;
  /** Submissions "not accepted" (429/503/refused) may be retried up to this many in total. Env SWITCHYARD_SUBMIT_ATTEMPTS. Default 4. */
  submitAttempts: number;
  /** Largest Retry-After honoured, ms. Env SWITCHYARD_MAX_RETRY_AFTER_MS. Default 30000. */
  maxRetryAfterMs: number;
  /** Consecutive transport failures that open an address's circuit. Env SWITCHYARD_BREAKER_THRESHOLD. Default 5. */
  breakerThreshold: number;
  /** Time an open circuit waits before one half-open probe, ms. Env SWITCHYARD_BREAKER_RESET_MS. Default 10000. */
  breakerResetMs: number;
  /** HTTP requests in flight per endpoint address from one executor. Env SWITCHYARD_REQUESTS_PER_ADDRESS. Default 128. */
  requestsPerAddress: number;
  /** Longest one load-balancer request may take, ms (RunPod's 5.5 min limit). Default 330000. */
  loadBalancerTimeoutMs: number;
  /** /run payload limit, bytes. Default 10 MB (RunPod's). */
  runPayloadLimit: number;
  /** /runsync payload limit, bytes. Default 20 MB (RunPod's). */
  runsyncPayloadLimit: number;
  /** Load-balancer request/response limit, bytes. Default 30 MB (RunPod's). */
  loadBalancerPayloadLimit: number;
  /** Jobs running at once per endpoint in http mode. Default 4. */
  httpConcurrency: number;
  /** Job slots in runpod mode. Env SWITCHYARD_WORKER_CONCURRENCY. Default 1. */
  runpodConcurrency: number;
  /** How long a worker replays a finished call's outcome for a repeated callId, ms. Default 600000. */
  dedupTtlMs: number;
  /** Most callIds a worker remembers. Default 10000. */
  dedupMax: number;
  /** How long a finished `/run` job stays readable on a local worker, ms. Default 1800000 (RunPod's 30 min). */
  runResultTtlMs: number;
  /** How long a finished `/runsync` job stays readable on a local worker, ms. Default 60000 (RunPod's 1 min). */
  runsyncResultTtlMs: number;
  /** Most finished jobs a local worker keeps per endpoint. Default 10000. */
  maxRetainedJobs: number;
  /** Idle keep-alive sockets of a worker stay open this long, ms (longer than clients keep them). Default 65000. */
  keepAliveTimeoutMs: number;
  /** An executor closes its idle connections after this long, ms (before the worker does). Default 30000. */
  clientKeepAliveMs: number;
  /** Consecutive failed /status polls after which a self-hosted replica counts as gone with its job. Default 3. */
  replicaLostPolls: number;
  /** An open circuit's replica is probed on its health route this often, ms; it takes traffic again at the first answer. Default 500. */
  probeIntervalMs: number;
  /** Longest one health probe may take, ms. Default 1000. */
  probeTimeoutMs: number;
  /** RunPod worker heartbeat period, ms. Env RUNPOD_PING_INTERVAL. Default 10000. */
  pingIntervalMs: number;
  /** RunPod worker: pause after a 429 or a failed take, ms. Default 5000 (runpod-python's). */
  takeBackoffMs: number;
  /** RunPod worker: pause after a take without a job, ms. Default 200. */
  takeIdlePauseMs: number;
  /** RunPod worker: client timeout of a job-take or job-stop long poll, ms. Default 120000. */
  longPollTimeoutMs: number;
  /** RunPod worker: attempts of each job-done POST. Default 3. */
  postAttempts: number;
  /** RunPod worker: first job-done retry delay, ms (doubling). Default 300. */
  postRetryDelayMs: number;
  /** RunPod worker: client timeout of one job-done attempt, ms. Default 30000. */
  postTimeoutMs: number;
  /** RunPod's REST API (`switchyard deploy`): requests per call while it answers 429 (a GET also 5xx), the first included. Default 4. */
  restAttempts: number;
  /** RunPod's REST API: wait before a retry without `Retry-After`, ms (doubling). Default 1000. */
  restRetryDelayMs: number;
  /** RunPod's REST API: timeout of one request, ms. Default 30000. */
  restTimeoutMs: number;
  /** `switchyard dev`: how long a worker may take to become ready, ms. Default 30000. */
  devStartTimeoutMs: number;
  /** `switchyard dev`: how long a stopping worker gets after SIGTERM before SIGKILL, ms. Default 5000. */
  devStopGraceMs: number;
  /** Base URL of RunPod's job API. Env RUNPOD_ENDPOINT_BASE_URL. Default https://api.runpod.ai/v2. */
  runpodBaseUrl: string;
  /** Log level of the default logger. Env SWITCHYARD_LOG_LEVEL. Default `info`. */
  logLevel: LogLevelName;
  /** Line format of the default logger: `text` or `json` (one object per line). Env SWITCHYARD_LOG_FORMAT. Default `text`. */
  logFormat: LogFormat;
  /** Level of the one line logged per routed call and per job: `debug`, or `info` (what `switchyard dev` sets). Env SWITCHYARD_CALL_LOG_LEVEL. Default `debug`. */
  callLogLevel: 'debug' | 'info';
  /** Bearer key for outgoing calls and the key a local worker requires. Env RUNPOD_API_KEY. Default none. */
  apiKey: string | undefined;
  /** Endpoint(s) this process hosts, comma-separated. Env SWITCHYARD_ENDPOINT. Default none (a pure client). */
  endpoint: string | undefined;
  /** Manifest path. Env SWITCHYARD_MANIFEST. Default none (then ./switchyard.manifest.json if it exists). */
  manifestPath: string | undefined;
  /** Load-balancer mode: listening port. Env PORT (0 to 65535). Default none (the option, else 0). */
  port: number | undefined;
  /** Load-balancer mode: a separate health-check port. Env PORT_HEALTH. Default none (the main port). */
  healthPort: number | undefined;
  /** Load-balancer mode: health-check path. Env HEALTH_CHECK_PATH. Default `/ping`. */
  healthCheckPath: string;
}

/** Log levels, least to most severe, and `silent`. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

/** Line formats of the console logger. */
export const LOG_FORMATS = ['text', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export const MB = 1024 * 1024;
const MAX_MS = 2_147_483_647;

type NumberKey = { [K in keyof SwitchyardDefaults]: SwitchyardDefaults[K] extends number ? K : never }[keyof SwitchyardDefaults];

/** Default, allowed range and environment variable of every numeric setting. */
const NUMBERS: Record<NumberKey, { value: number; min: number; max: number; env?: string }> = {
  directoryTimeoutMs: { value: 10_000, min: 1, max: MAX_MS, env: 'SWITCHYARD_DIRECTORY_TIMEOUT_MS' },
  directoryAttempts: { value: 3, min: 1, max: 100, env: 'SWITCHYARD_DIRECTORY_ATTEMPTS' },
  directoryTtlMs: { value: 300_000, min: 0, max: Number.MAX_SAFE_INTEGER, env: 'SWITCHYARD_DIRECTORY_TTL_MS' },
  directoryErrorBackoffMs: { value: 5_000, min: 0, max: MAX_MS },
  directoryRetryDelayMs: { value: 300, min: 0, max: MAX_MS },
  directoryRetryBackoffLimitMs: { value: 5_000, min: 0, max: MAX_MS },
  callTimeoutMs: { value: 600_000, min: 1, max: Number.MAX_SAFE_INTEGER, env: 'SWITCHYARD_CALL_TIMEOUT_MS' },
  runsyncWaitMs: { value: 90_000, min: 1_000, max: 300_000, env: 'SWITCHYARD_RUNSYNC_WAIT_MS' },
  runsyncHeadroomMs: { value: 1_000, min: 0, max: 60_000 },
  runsyncGraceMs: { value: 15_000, min: 0, max: MAX_MS },
  pollInitialMs: { value: 200, min: 1, max: MAX_MS, env: 'SWITCHYARD_POLL_INITIAL_MS' },
  pollMaxMs: { value: 5_000, min: 1, max: MAX_MS, env: 'SWITCHYARD_POLL_MAX_MS' },
  statusTimeoutMs: { value: 10_000, min: 1, max: MAX_MS },
  cancelTimeoutMs: { value: 2_000, min: 1, max: MAX_MS },
  coldStartNoticeMs: { value: 10_000, min: 0, max: MAX_MS, env: 'SWITCHYARD_COLD_START_NOTICE_MS' },
  submitAttempts: { value: 4, min: 1, max: 100, env: 'SWITCHYARD_SUBMIT_ATTEMPTS' },
  maxRetryAfterMs: { value: 30_000, min: 0, max: MAX_MS, env: 'SWITCHYARD_MAX_RETRY_AFTER_MS' },
  breakerThreshold: { value: 5, min: 1, max: 1_000, env: 'SWITCHYARD_BREAKER_THRESHOLD' },
  breakerResetMs: { value: 10_000, min: 0, max: MAX_MS, env: 'SWITCHYARD_BREAKER_RESET_MS' },
  requestsPerAddress: { value: 128, min: 1, max: 100_000, env: 'SWITCHYARD_REQUESTS_PER_ADDRESS' },
  loadBalancerTimeoutMs: { value: 330_000, min: 1, max: MAX_MS },
  runPayloadLimit: { value: 10 * MB, min: 1, max: 1024 * MB },
  runsyncPayloadLimit: { value: 20 * MB, min: 1, max: 1024 * MB },
  loadBalancerPayloadLimit: { value: 30 * MB, min: 1, max: 1024 * MB },
  httpConcurrency: { value: 4, min: 1, max: 1_000_000 },
  runpodConcurrency: { value: 1, min: 1, max: 1_000_000, env: 'SWITCHYARD_WORKER_CONCURRENCY' },
  dedupTtlMs: { value: 600_000, min: 0, max: Number.MAX_SAFE_INTEGER },
  dedupMax: { value: 10_000, min: 1, max: 10_000_000 },
  runResultTtlMs: { value: 30 * 60_000, min: 0, max: Number.MAX_SAFE_INTEGER },
  runsyncResultTtlMs: { value: 60_000, min: 0, max: Number.MAX_SAFE_INTEGER },
  maxRetainedJobs: { value: 10_000, min: 1, max: 10_000_000 },
  keepAliveTimeoutMs: { value: 65_000, min: 1, max: MAX_MS },
  clientKeepAliveMs: { value: 30_000, min: 1, max: MAX_MS },
  replicaLostPolls: { value: 3, min: 1, max: 1_000 },
  probeIntervalMs: { value: 500, min: 1, max: MAX_MS },
  probeTimeoutMs: { value: 1_000, min: 1, max: MAX_MS },
  pingIntervalMs: { value: 10_000, min: 1, max: MAX_MS, env: 'RUNPOD_PING_INTERVAL' },
  takeBackoffMs: { value: 5_000, min: 0, max: MAX_MS },
  takeIdlePauseMs: { value: 200, min: 0, max: MAX_MS },
  longPollTimeoutMs: { value: 120_000, min: 1, max: MAX_MS },
  postAttempts: { value: 3, min: 1, max: 100 },
  postRetryDelayMs: { value: 300, min: 0, max: MAX_MS },
  postTimeoutMs: { value: 30_000, min: 1, max: MAX_MS },
  restAttempts: { value: 4, min: 1, max: 100 },
  restRetryDelayMs: { value: 1_000, min: 0, max: MAX_MS },
  restTimeoutMs: { value: 30_000, min: 1, max: MAX_MS },
  devStartTimeoutMs: { value: 30_000, min: 1, max: MAX_MS },
  devStopGraceMs: { value: 5_000, min: 0, max: MAX_MS },
};

/** Every environment variable `loadDefaults` reads, by setting. */
export const DEFAULT_ENV_NAMES: Readonly<Partial<Record<keyof SwitchyardDefaults, string>>> = {
  ...Object.fromEntries(Object.entries(NUMBERS).flatMap(([key, spec]) => (spec.env ? [[key, spec.env]] : []))),
  runpodBaseUrl: 'RUNPOD_ENDPOINT_BASE_URL',
  logLevel: 'SWITCHYARD_LOG_LEVEL',
  logFormat: 'SWITCHYARD_LOG_FORMAT',
  callLogLevel: 'SWITCHYARD_CALL_LOG_LEVEL',
  apiKey: 'RUNPOD_API_KEY',
  endpoint: 'SWITCHYARD_ENDPOINT',
  manifestPath: 'SWITCHYARD_MANIFEST',
  port: 'PORT',
  healthPort: 'PORT_HEALTH',
  healthCheckPath: 'HEALTH_CHECK_PATH',
};

/** The environment of this process. The one place outside the CLI entry that touches `process.env`. */
export function processEnv(): NodeJS.ProcessEnv {
  return process.env;
}

function set(env: NodeJS.ProcessEnv, name: string | undefined): string | undefined {
  const raw = name === undefined ? undefined : env[name];
  return raw === undefined || raw.trim() === '' ? undefined : raw.trim();
}

/**
 * The built-in defaults with environment overrides applied (default env: this process's).
 * A malformed value is a ConfigurationError naming the variable and the allowed values.
 */
export function loadDefaults(env: NodeJS.ProcessEnv = processEnv()): SwitchyardDefaults {
  const result = {} as Record<string, unknown>;
  for (const [key, spec] of Object.entries(NUMBERS)) {
    const raw = set(env, spec.env);
    result[key] = raw === undefined ? spec.value : checkedInteger(spec.env!, Number(raw), spec, raw);
  }
  const base = set(env, 'RUNPOD_ENDPOINT_BASE_URL');
  result.runpodBaseUrl = (base ?? 'https://api.runpod.ai/v2').replace(/\/+$/, '');
  result.logLevel = logLevelOf(set(env, 'SWITCHYARD_LOG_LEVEL') ?? 'info', 'SWITCHYARD_LOG_LEVEL');
  result.logFormat = oneOf(set(env, 'SWITCHYARD_LOG_FORMAT') ?? 'text', LOG_FORMATS, 'SWITCHYARD_LOG_FORMAT', 'a log format');
  result.callLogLevel = oneOf(set(env, 'SWITCHYARD_CALL_LOG_LEVEL') ?? 'debug', ['debug', 'info'] as const, 'SWITCHYARD_CALL_LOG_LEVEL', 'a call log level');
  result.apiKey = set(env, 'RUNPOD_API_KEY');
  result.endpoint = set(env, 'SWITCHYARD_ENDPOINT');
  result.manifestPath = set(env, 'SWITCHYARD_MANIFEST');
  for (const [key, name] of [['port', 'PORT'], ['healthPort', 'PORT_HEALTH']] as const) {
    const raw = set(env, name);
    result[key] = raw === undefined ? undefined : portOf(raw, name);
  }
  const healthPath = set(env, 'HEALTH_CHECK_PATH') ?? '/ping';
  if (!healthPath.startsWith('/')) {
    throw new ConfigurationError(`HEALTH_CHECK_PATH=${JSON.stringify(healthPath)} must start with "/", e.g. /ping.`, { option: 'HEALTH_CHECK_PATH' });
  }
  result.healthCheckPath = healthPath;
  return result as unknown as SwitchyardDefaults;
}

/** A port number (0 = any free port), or ConfigurationError naming `option`. */
export function portOf(value: unknown, option: string): number {
  const port = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new ConfigurationError(`${option} = ${JSON.stringify(value)} is not a port number. Give an integer from 0 to 65535 (0 = any free port).`, { option });
  }
  return port;
}

/** One of `allowed`, or ConfigurationError listing them. */
export function oneOf<T extends string>(value: string, allowed: readonly T[], option: string, what: string): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new ConfigurationError(`${option}=${JSON.stringify(value)} is not ${what}. Use one of ${allowed.join(', ')}.`, { option });
}

/** A log level name, or ConfigurationError listing the levels. */
export function logLevelOf(value: string, option: string): LogLevelName {
  return oneOf(value, LOG_LEVELS, option, 'a log level');
}

function checkedInteger(option: string, value: number, range: { min: number; max: number }, shown: unknown = value): number {
  if (!Number.isInteger(value) || value < range.min || value > range.max) {
    throw new ConfigurationError(`${option} must be a whole number from ${range.min} to ${range.max}, got ${JSON.stringify(shown) ?? String(shown)}.`, { option });
  }
  return value;
}

/**
 * One component option, normalised the same way everywhere: the given value, else
 * `defaults[key]`, checked against the setting's range. `owner` names the component
 * (e.g. `RunpodExecutor`), so an invalid value is a ConfigurationError like
 * `RunpodExecutor option submitAttempts must be a whole number from 1 to 100, got 0.`
 */
export function numberOption(owner: string, name: string, value: number | undefined, defaults: SwitchyardDefaults, key: NumberKey): number {
  if (value === undefined) return defaults[key];
  return checkedInteger(`${owner} option ${name}`, value, NUMBERS[key]);
}

/** A numeric option that is not one of the settings above, checked against its own range. */
export function integerOption(owner: string, name: string, value: number | undefined, fallback: number, range: { min: number; max?: number }): number {
  if (value === undefined) return fallback;
  return checkedInteger(`${owner} option ${name}`, value, { min: range.min, max: range.max ?? Number.MAX_SAFE_INTEGER });
}
