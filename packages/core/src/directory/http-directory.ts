import { performance } from 'node:perf_hooks';
import ky, { isHTTPError, isTimeoutError, type RetryOptions } from 'ky';
import type { EndpointType } from '@switchyard/decorators';
import { loadDefaults, numberOption, type SwitchyardDefaults } from '../config';
import { DirectoryUnavailableError, InvalidAddressError, UnauthorizedError } from '../errors';
import { defaultLogger, type Logger } from '../observability/logger';
import { redact, redactingLogger } from '../observability/redaction';
import type { Directory } from './directory';
import { parseDirectoryAnswer } from './directory-answer';
import { DirectoryCache } from './directory-cache';
import { describeUrlSafely, type EndpointAddress } from './endpoint-address';

/** Options of {@link HttpDirectory}. Unset numbers come from the resolved defaults (and so from the environment). */
export interface HttpDirectoryOptions {
  /** How long an answer is fresh, ms. Default 300000 (env SWITCHYARD_DIRECTORY_TTL_MS). */
  ttlMs?: number;
  /** Timeout of each HTTP attempt, headers and body, ms. Default 10000 (env SWITCHYARD_DIRECTORY_TIMEOUT_MS). */
  timeoutMs?: number;
  /** HTTP attempts per refresh, first one included. Default 3 (env SWITCHYARD_DIRECTORY_ATTEMPTS). */
  attempts?: number;
  /** Sent as `Authorization: Bearer <apiKey>`; never logged. Default: no header. */
  apiKey?: string;
  /** Where outage warnings go. Default a ConsoleLogger; the key is redacted either way. */
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
  /** Base of RunPod's job API, for bare endpoint ids. Default RUNPOD_ENDPOINT_BASE_URL, else `https://api.runpod.ai/v2`. */
  baseUrl?: string;
  /** Resolved defaults (createRuntime passes its own). Default `loadDefaults()`. */
  defaults?: SwitchyardDefaults;
}

/** A parsed directory answer: the addresses of one endpoint as one type of endpoint. */
export interface AddressAnswer {
  resolve(endpoint: string, type: EndpointType): EndpointAddress[];
}

/** The environment variable users set to point at the directory. */
export const DIRECTORY_URL_ENV = 'SWITCHYARD_DIRECTORY_URL';
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
 * apart in the background. With nothing cached, a failure is a DirectoryUnavailableError (an
 * UnauthorizedError when the directory refuses the key). A malformed entry only breaks its own
 * endpoint.
 */
export class HttpDirectory implements Directory {
  private readonly url: string;
  /** The URL as it may appear in messages: no credentials, no query. */
  protected readonly label: string;
  private readonly timeoutMs: number;
  private readonly retry: RetryOptions;
  protected readonly baseUrl: string;
  private readonly logger: Logger;
  private readonly cache: DirectoryCache<AddressAnswer>;
  private readonly closer = new AbortController();
  private requests = 0;

  /**
   * @param url the directory's URL (http or https, no credentials), e.g. SWITCHYARD_DIRECTORY_URL
   * @throws InvalidAddressError when the URL is malformed, ConfigurationError when an option is
   */
  constructor(
    url: string,
    private readonly options: HttpDirectoryOptions = {},
  ) {
    this.label = `the directory at ${describeUrlSafely(url)}`;
    this.url = checkDirectoryUrl(url, this.label);
    const defaults = options.defaults ?? loadDefaults();
    const option = (name: keyof HttpDirectoryOptions & string, key: Parameters<typeof numberOption>[4]): number =>
      numberOption('HttpDirectory', name, options[name] as number | undefined, defaults, key);
    this.timeoutMs = option('timeoutMs', 'directoryTimeoutMs');
    const attempts = option('attempts', 'directoryAttempts');
    const retryDelayMs = option('retryDelayMs', 'directoryRetryDelayMs');
    this.retry = {
      limit: attempts - 1,
      methods: ['get'],
      statusCodes: RETRY_STATUS_CODES,
      afterStatusCodes: [429, 503],
      maxRetryAfter: option('maxRetryAfterMs', 'maxRetryAfterMs'),
      delay: (n) => retryDelayMs * 2 ** (n - 1),
      backoffLimit: option('retryBackoffLimitMs', 'directoryRetryBackoffLimitMs'),
      jitter: true,
      // A directory that hangs once may answer the next time; the per-attempt timeout bounds it.
      retryOnTimeout: true,
    };
    this.baseUrl = options.baseUrl ?? defaults.runpodBaseUrl;
    this.logger = redactingLogger(options.logger ?? defaultLogger(defaults, 'directory'), [options.apiKey]);
    this.cache = new DirectoryCache<AddressAnswer>({
      load: () => this.fetchAnswer(),
      ttlMs: option('ttlMs', 'directoryTtlMs'),
      errorBackoffMs: option('errorBackoffMs', 'directoryErrorBackoffMs'),
      now: options.now ?? (() => performance.now()),
      onOutage: (error, staleForMs) =>
        this.logger.warn(`${this.label} is unreachable; serving the addresses cached ${Math.round(staleForMs / 1000)} s ago until it answers again`, {
          error: (error as Error).message,
        }),
      onRecovery: (outageMs) => this.logger.info(`${this.label} answers again after ${Math.round(outageMs / 1000)} s`),
    });
  }

  /** Directory answers fetched, and calls served a cached answer because the directory could not be read (metrics). */
  stats(): { refreshes: number; staleAnswers: number } {
    return { refreshes: this.cache.loads, staleAnswers: this.cache.staleServed };
  }

  /** Number of HTTP requests made so far, retries included. */
  get requestCount(): number {
    return this.requests;
  }

  /**
   * The endpoint's addresses as `type` (a copy); `[]` when the directory answered without it.
   * @throws DirectoryUnavailableError / UnauthorizedError when nothing is cached and the
   *   directory cannot be read; InvalidAddressError when this endpoint's entry is malformed
   */
  async resolve(endpoint: string, type: EndpointType = 'queue'): Promise<EndpointAddress[]> {
    let answer: AddressAnswer;
    try {
      answer = await this.cache.get();
    } catch (error) {
      if (error instanceof UnauthorizedError) throw error;
      throw new DirectoryUnavailableError(`Cannot resolve endpoint "${endpoint}": ${(error as Error).message}`, { endpoint, cause: error });
    }
    return answer.resolve(endpoint, type);
  }

  /**
   * Fetches the directory now (joining a fetch already in flight). On failure the previous
   * answer stays in use and this rejects.
   */
  async refresh(): Promise<void> {
    await this.cache.reload();
  }

  /** Aborts a fetch in flight; later calls that need the network fail. */
  close(): void {
    this.closer.abort(new DirectoryUnavailableError(`${this.label} client was closed.`));
  }

  /** One refresh: GET with ky's retries, then parse. */
  private async fetchAnswer(): Promise<AddressAnswer> {
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
      if (isHTTPError(error) && (error.response.status === 401 || error.response.status === 403)) {
        throw new UnauthorizedError(
          `${this.label} refused the key (HTTP ${error.response.status}). ${this.advice.unauthorized}`,
        );
      }
      const what = redact(describeFailure(error, this.timeoutMs, this.closer.signal.aborted), [apiKey]);
      // The cause is a plain Error: ky's errors carry the request options, Authorization included.
      throw new DirectoryUnavailableError(
        `${this.label} could not be read after ${attemptsMade} attempt${attemptsMade === 1 ? '' : 's'} (${what}). ` +
          this.advice.unreachable,
        { cause: Object.assign(new Error(what), { name: errorName(error) }) },
      );
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new DirectoryUnavailableError(
        `${this.label} answered something that is not JSON (starts with ${redact(JSON.stringify(text.slice(0, 40)), [apiKey])}). ${this.advice.notJson}`,
      );
    }
    return this.parseAnswer(body);
  }

  /** Reads a decoded answer (a Switchyard directory's `resources_endpoints`). */
  protected parseAnswer(body: unknown): AddressAnswer {
    return parseDirectoryAnswer(body, this.label, { baseUrl: this.baseUrl });
  }

  /** What the errors advise (a subclass reading another service says what to check there). */
  protected get advice(): { unreachable: string; notJson: string; unauthorized: string } {
    return {
      unreachable: `Check ${DIRECTORY_URL_ENV} and that the directory is running and reachable.`,
      notJson: `Check ${DIRECTORY_URL_ENV} points at a Switchyard directory.`,
      unauthorized: 'Set RUNPOD_API_KEY (or the apiKey option) to the key the directory expects; switchyard dev writes it to .switchyard/dev.env.',
    };
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
