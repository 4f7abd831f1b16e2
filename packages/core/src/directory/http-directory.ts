import { performance } from 'node:perf_hooks';
import ky, { isHTTPError, isTimeoutError, type RetryOptions } from 'ky';
import { loadDefaults } from '../config';
import { DirectoryUnavailableError, InvalidAddressError, SwitchyardError } from '../errors';
import { ConsoleLogger, redact, type Logger } from '../observability/logger';
import type { Directory } from './directory';
import { parseDirectoryAnswer, type DirectoryAnswer, type EntryValidation } from './directory-answer';
import { DirectoryCache } from './directory-cache';
import { describeUrlSafely } from './endpoint-url';

/** Options of {@link HttpDirectory}. Unset numbers come from `loadDefaults()` (and so from the environment). */
export interface HttpDirectoryOptions extends EntryValidation {
  /** How long an answer is fresh, ms. Default 300000 (env SWITCHYARD_DIRECTORY_TTL_MS). */
  ttlMs?: number;
  /** Timeout of each HTTP attempt, ms. Default 10000 (env SWITCHYARD_DIRECTORY_TIMEOUT_MS). */
  timeoutMs?: number;
  /** HTTP attempts per refresh, first one included. Default 3 (env SWITCHYARD_DIRECTORY_ATTEMPTS). */
  attempts?: number;
  /** Sent as `Authorization: Bearer <apiKey>`; never logged. Default: no header. */
  apiKey?: string;
  /** Where outage warnings go. Default a ConsoleLogger that redacts `apiKey`. */
  logger?: Logger;
  /** Monotonic clock, ms. Default `performance.now()`. Inject one to test TTL expiry. */
  now?: () => number;
  /** After a failed refresh, wait this long before the next one (serving stale or failing fast), ms. Default 5000. */
  errorBackoffMs?: number;
  /** Base of the exponential retry backoff: attempt n waits up to base × 2^(n-1) ms (full jitter). Default 300. */
  retryDelayMs?: number;
  /** Cap of one retry delay, ms. Default 5000. */
  retryBackoffLimitMs?: number;
  /** Largest `Retry-After` honoured on 429/503, ms. Default 30000 (env SWITCHYARD_MAX_RETRY_AFTER_MS). */
  maxRetryAfterMs?: number;
  /** Environment read for the defaults. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/** Default of {@link HttpDirectoryOptions.errorBackoffMs}. */
export const DEFAULT_DIRECTORY_ERROR_BACKOFF_MS = 5_000;
/** Default of {@link HttpDirectoryOptions.retryDelayMs}. */
export const DEFAULT_DIRECTORY_RETRY_DELAY_MS = 300;
/** Default of {@link HttpDirectoryOptions.retryBackoffLimitMs}. */
export const DEFAULT_DIRECTORY_RETRY_BACKOFF_LIMIT_MS = 5_000;

/** The environment variable users set to point at the directory. */
export const DIRECTORY_URL_ENV = 'SWITCHYARD_DIRECTORY_URL';
/** ky refuses longer timeouts (setTimeout's limit). */
const MAX_TIMEOUT_MS = 2_147_483_647;
/** Retried statuses: transient server and gateway failures, rate limiting. */
const RETRY_STATUS_CODES = [408, 429, 500, 502, 503, 504];

/**
 * A directory fetched over HTTP: `GET <url>` answers
 * `{"resources_endpoints": {"<endpoint>": "<url>" | ["<url>", …]}}`.
 *
 * Answers are cached for `ttlMs` on a monotonic clock. Any number of concurrent calls on a cold
 * or expired cache share one request; a fresh cache answers without waiting on anything. Each
 * refresh makes up to `attempts` requests (ky's retry: exponential backoff with full jitter,
 * `Retry-After` honoured). When a refresh fails after a good answer, the old addresses keep
 * being served, one warning is logged per outage, and refreshes are spaced `errorBackoffMs`
 * apart in the background. With nothing cached, a failure is a DirectoryUnavailableError.
 * A malformed entry only breaks its own endpoint.
 */
export class HttpDirectory implements Directory {
  private readonly url: string;
  /** The URL as it may appear in messages: no credentials, no query. */
  private readonly label: string;
  private readonly ttlMs: number;
  private readonly timeoutMs: number;
  private readonly attempts: number;
  private readonly retry: RetryOptions;
  private readonly logger: Logger;
  private readonly cache: DirectoryCache<DirectoryAnswer>;
  private readonly closer = new AbortController();
  private requests = 0;

  /**
   * @param url the directory's URL (http or https, no credentials), e.g. SWITCHYARD_DIRECTORY_URL
   * @throws InvalidAddressError when the URL is malformed, SwitchyardError when an option is
   */
  constructor(
    url: string,
    private readonly options: HttpDirectoryOptions = {},
  ) {
    this.label = `the directory at ${describeUrlSafely(url)}`;
    this.url = checkDirectoryUrl(url, this.label);
    const defaults = loadDefaults(options.env ?? process.env);
    this.ttlMs = checkNumber('ttlMs', options.ttlMs ?? defaults.directoryTtlMs, 0);
    this.timeoutMs = checkNumber('timeoutMs', options.timeoutMs ?? defaults.directoryTimeoutMs, 1, MAX_TIMEOUT_MS);
    this.attempts = checkNumber('attempts', options.attempts ?? defaults.directoryAttempts, 1, 100);
    const retryDelayMs = checkNumber('retryDelayMs', options.retryDelayMs ?? DEFAULT_DIRECTORY_RETRY_DELAY_MS, 0);
    this.retry = {
      limit: this.attempts - 1,
      methods: ['get'],
      statusCodes: RETRY_STATUS_CODES,
      afterStatusCodes: [429, 503],
      maxRetryAfter: checkNumber('maxRetryAfterMs', options.maxRetryAfterMs ?? defaults.maxRetryAfterMs, 0),
      delay: (n) => retryDelayMs * 2 ** (n - 1),
      backoffLimit: checkNumber('retryBackoffLimitMs', options.retryBackoffLimitMs ?? DEFAULT_DIRECTORY_RETRY_BACKOFF_LIMIT_MS, 0),
      jitter: true,
      // A directory that hangs once may answer the next time; the per-attempt timeout bounds it.
      retryOnTimeout: true,
    };
    this.logger = options.logger ?? new ConsoleLogger({ secrets: [options.apiKey], prefix: 'directory' });
    const now = options.now ?? (() => performance.now());
    this.cache = new DirectoryCache<DirectoryAnswer>({
      load: () => this.fetchAnswer(),
      ttlMs: this.ttlMs,
      errorBackoffMs: checkNumber('errorBackoffMs', options.errorBackoffMs ?? DEFAULT_DIRECTORY_ERROR_BACKOFF_MS, 0),
      now,
      onOutage: (error, staleForMs) =>
        this.logger.warn(`${this.label} is unreachable; serving the addresses cached ${Math.round(staleForMs / 1000)} s ago until it answers again`, {
          error: (error as Error).message,
        }),
      onRecovery: (outageMs) => this.logger.info(`${this.label} answers again after ${Math.round(outageMs / 1000)} s`),
    });
  }

  /** Number of HTTP requests made so far, retries included. */
  get requestCount(): number {
    return this.requests;
  }

  /**
   * The endpoint's URLs (a copy); `[]` when the directory answered without it.
   * @throws DirectoryUnavailableError when nothing is cached and the directory cannot be read,
   *   or when this endpoint's entry is malformed (other endpoints still resolve)
   */
  async resolve(endpoint: string): Promise<string[]> {
    let answer: DirectoryAnswer;
    try {
      answer = await this.cache.get();
    } catch (error) {
      throw new DirectoryUnavailableError(
        `Cannot resolve endpoint "${endpoint}": ${(error as Error).message}`,
        endpoint,
        { cause: error },
      );
    }
    const entry = answer.get(endpoint);
    if (entry === undefined) return [];
    if ('problem' in entry) {
      throw entry.problem;
    }
    return [...entry.urls];
  }

  /**
   * Fetches the directory now (joining a fetch already in flight). On failure the previous
   * answer stays in use and this rejects with DirectoryUnavailableError.
   */
  async refresh(): Promise<void> {
    await this.cache.reload();
  }

  /** Aborts a fetch in flight; later calls that need the network fail. */
  close(): void {
    this.closer.abort(new DirectoryUnavailableError(`${this.label} client was closed.`));
  }

  /** One refresh: GET with ky's retries, then parse. Failures become DirectoryUnavailableError. */
  private async fetchAnswer(): Promise<DirectoryAnswer> {
    if (this.closer.signal.aborted) throw new DirectoryUnavailableError(`${this.label} client was closed; create a new HttpDirectory.`);
    const { apiKey } = this.options;
    const attemptController = new AbortController();
    const signal = AbortSignal.any([this.closer.signal, attemptController.signal]);
    let attemptsMade = 0;
    let text: string;
    try {
      const response = await ky.get(this.url, {
        headers: { accept: 'application/json', ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
        timeout: this.timeoutMs,
        signal,
        retry: { ...this.retry, shouldRetry: () => (signal.aborted ? false : undefined) },
        hooks: {
          beforeRequest: [
            () => {
              attemptsMade += 1;
              this.requests += 1;
            },
          ],
        },
      });
      // ky's timeout covers the wait for headers only; bound the body read the same way.
      const bodyTimer = setTimeout(() => attemptController.abort(), this.timeoutMs);
      try {
        text = await response.text();
      } finally {
        clearTimeout(bodyTimer);
      }
    } catch (error) {
      const what = redact(describeFailure(error, this.timeoutMs, this.closer.signal.aborted), [apiKey]);
      // The cause is a plain Error: ky's errors carry the request options, Authorization included.
      throw new DirectoryUnavailableError(
        `${this.label} could not be read after ${attemptsMade} attempt${attemptsMade === 1 ? '' : 's'} (${what}). ` +
          `Check ${DIRECTORY_URL_ENV} and that the directory is running and reachable.`,
        undefined,
        { cause: Object.assign(new Error(what), { name: errorName(error) }) },
      );
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new DirectoryUnavailableError(
        `${this.label} answered something that is not JSON (starts with ${redact(JSON.stringify(text.slice(0, 40)), [apiKey])}). Check ${DIRECTORY_URL_ENV} points at a Switchyard directory.`,
      );
    }
    return parseDirectoryAnswer(body, this.label, this.options);
  }
}

/** Parses and checks the directory URL itself. */
function checkDirectoryUrl(url: string, label: string): string {
  const fix = `Set ${DIRECTORY_URL_ENV} (or the HttpDirectory url) to an http(s) URL such as http://127.0.0.1:7070/.`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidAddressError(`${label} is not an absolute URL. ${fix}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new InvalidAddressError(`${label} uses the scheme "${parsed.protocol}"; only http: and https: are supported. ${fix}`);
  }
  if (parsed.username || parsed.password) {
    throw new InvalidAddressError(`${label} contains credentials (user:password@). Remove them and pass the key as the apiKey option (sent as a Bearer header).`);
  }
  return parsed.href;
}

function checkNumber(name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new SwitchyardError(`HttpDirectory option ${name} must be a whole number from ${min} to ${max}, got ${String(value)}.`);
  }
  return value;
}

/** A short, secret-free account of why a fetch failed. */
function describeFailure(error: unknown, timeoutMs: number, closed: boolean): string {
  if (closed) return 'the client was closed';
  if (isHTTPError(error)) return `HTTP ${error.response.status}${error.response.statusText ? ` ${error.response.statusText}` : ''}`;
  if (isTimeoutError(error)) return `no answer within ${timeoutMs} ms`;
  // Duck-typed: fetch's errors may come from another realm (jest, vm), where instanceof fails.
  const { name, message, cause } = (error ?? {}) as { name?: unknown; message?: unknown; cause?: { code?: unknown } };
  if (name === 'AbortError') return `the body did not arrive within ${timeoutMs} ms`;
  if (typeof message !== 'string') return String(error);
  return typeof cause?.code === 'string' ? `${message}: ${cause.code}` : message;
}

/** The error's class name, whichever realm it comes from. */
function errorName(error: unknown): string {
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name : 'Error';
}
