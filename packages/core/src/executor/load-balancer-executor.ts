import ky, { HTTPError, TimeoutError } from 'ky';
import type { KyInstance } from 'ky';
import { loadDefaults } from '../config';
import {
  ContractMismatchError,
  DeadlineExceededError,
  InvalidRequestError,
  PayloadTooLargeError,
  RemoteExecutionError,
  RouteNotFoundError,
  UnauthorizedError,
} from '../errors';
import type { SwitchyardError } from '../errors';
import { ConsoleLogger } from '../observability/logger';
import type { Logger } from '../observability/logger';
import { WIRE_VERSION, parseFailure } from '../serialization/wire';
import type { WireFailure, WireOutput } from '../serialization/wire';
import type { AddressBreakers } from '../resilience/address-breakers';
import { deadlineSignal } from '../resilience/deadline';
import type { DeadlineScope } from '../resilience/deadline';
import { loadBalancerAddress } from './address';
import { requireApiKey } from './api-key';
import { resolveBreakers } from './breaker-option';
import type { BreakerOption } from './breaker-option';
import type { ExecuteRequest, Executor } from './executor';
import { noReplyVerdict, submissionRetry } from './submission-retry';
import { encodeJsonBody } from './request-body';
import { serverMessage } from './server-message';
import { errorForStatus } from './status-errors';
import { connectionFailure, transportFailure } from './transport-error';
import { assertWireOutput } from './wire-output';

/** RunPod's per-request processing limit on load-balancing endpoints: 5.5 min (protocol reference §5). */
const DEFAULT_LB_TIMEOUT_MS = 330_000;

/** Options of {@link LoadBalancerExecutor}. Defaults come from `loadDefaults()` unless noted. */
export interface LoadBalancerExecutorOptions {
  /** Bearer key. Default: env RUNPOD_API_KEY, read at construction. */
  apiKey?: string;
  /** Longest one HTTP attempt may take, ms (the call's deadline still applies). Default 330000 (RunPod's 5.5 min LB limit). */
  timeoutMs?: number;
  /** Attempts in total for an idempotent method after transport failures. Default 4 (SWITCHYARD_SUBMIT_ATTEMPTS). */
  submitAttempts?: number;
  /** Largest Retry-After honoured, ms. Default 30000 (SWITCHYARD_MAX_RETRY_AFTER_MS). */
  maxRetryAfterMs?: number;
  /** First retry backoff, ms (doubling, full jitter). Default 200 (SWITCHYARD_POLL_INITIAL_MS). */
  retryInitialMs?: number;
  /** Cap of the retry backoff, ms. Default 5000 (SWITCHYARD_POLL_MAX_MS). */
  retryMaxMs?: number;
  /** Largest request body, bytes. Default 30 MB (RunPod's load-balancer limit). */
  payloadLimitBytes?: number;
  /** Base URL whose host names LB endpoints given as bare ids (`https://<id>.<host>`). Default RUNPOD_ENDPOINT_BASE_URL. */
  baseUrl?: string;
  /** Circuit breaker per address: options, a shared AddressBreakers, or `false`. Default: own, threshold 5, reset 10000 ms. */
  breaker?: BreakerOption;
  /** Where retries are logged. Default: a ConsoleLogger that redacts the key. */
  logger?: Logger;
  /** The fetch implementation ky uses. Default: the global fetch. */
  fetch?: typeof fetch;
}

interface CallState {
  request: ExecuteRequest;
  where: string;
  address: string;
  body: string;
  scope: DeadlineScope;
  startedAt: number;
  attempts: number;
}

/** A worker's failure reply, `{"sy": 1, "error": WireFailure}`. */
interface SwitchyardFailureReply {
  sy: typeof WIRE_VERSION;
  error: unknown;
}

function asSwitchyardFailure(text: string): WireFailure | undefined {
  try {
    const parsed = JSON.parse(text) as Partial<SwitchyardFailureReply> | null;
    if (parsed && typeof parsed === 'object' && parsed.sy === WIRE_VERSION && parsed.error !== undefined) return parseFailure(parsed.error);
  } catch {
    // not JSON, so not a Switchyard worker's reply
  }
  return undefined;
}

/**
 * Runs calls on load-balancing endpoints: `POST {address}/execute` with the invocation as the
 * JSON body and `Authorization: Bearer <key>`. There is no queue and no job id: the reply is the
 * result.
 *
 * A reply of `{"sy":1,"result":…}` is the result. A non-2xx reply whose body is
 * `{"sy":1,"error":WireFailure}` is a definitive answer from a Switchyard worker and becomes a
 * typed error (400 InvalidRequestError, 401 UnauthorizedError, 404 RouteNotFoundError, 409
 * ContractMismatchError, 413 PayloadTooLargeError, 504 DeadlineExceededError, otherwise
 * RemoteExecutionError); these never count towards the circuit breaker. Any other failing reply
 * (RunPod's 502 "no workers available", a proxy page) and connection errors are transport
 * failures: they count towards the breaker and are retried — with Retry-After honoured for
 * 429/502/503/504 — only for idempotent methods, because every request that reaches a worker
 * runs the method. Connection failures that sent nothing (refused, DNS) are retried for any method.
 */
export class LoadBalancerExecutor implements Executor {
  /** The per-address circuit breakers (undefined when disabled). */
  readonly breakers: AddressBreakers | undefined;
  private readonly apiKey: string | undefined;
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly submitAttempts: number;
  private readonly maxRetryAfterMs: number;
  private readonly retryInitialMs: number;
  private readonly retryMaxMs: number;
  private readonly payloadLimit: number;
  private readonly logger: Logger;
  private readonly http: KyInstance;

  constructor(options: LoadBalancerExecutorOptions = {}) {
    const defaults = loadDefaults();
    this.apiKey = options.apiKey ?? process.env.RUNPOD_API_KEY ?? undefined;
    this.baseUrl = options.baseUrl ?? defaults.runpodBaseUrl;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_LB_TIMEOUT_MS;
    this.submitAttempts = Math.max(1, Math.floor(options.submitAttempts ?? defaults.submitAttempts));
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? defaults.maxRetryAfterMs;
    this.retryInitialMs = options.retryInitialMs ?? defaults.pollInitialMs;
    this.retryMaxMs = Math.max(options.retryMaxMs ?? defaults.pollMaxMs, this.retryInitialMs);
    this.payloadLimit = options.payloadLimitBytes ?? defaults.loadBalancerPayloadLimit;
    this.breakers = resolveBreakers(options.breaker);
    this.logger = options.logger ?? new ConsoleLogger({ secrets: [this.apiKey], prefix: 'lb-executor' });
    this.http = ky.create({ fetch: options.fetch, throwHttpErrors: true, retry: 0 });
  }

  /** False while the circuit of `address` is open (or its probe is in flight); the router skips it. */
  isAvailable(address: string): boolean {
    return !this.breakers?.isOpen(address);
  }

  /** Sends one call and returns the worker's result; see the class comment for errors and retries. */
  async execute(request: ExecuteRequest): Promise<WireOutput> {
    const where = `${request.endpoint}.${request.method}`;
    const apiKey = requireApiKey(this.apiKey, request, 'LoadBalancerExecutor');
    const address = loadBalancerAddress(request, this.baseUrl);
    const body = encodeJsonBody(request.invocation, this.payloadLimit, where, "RunPod's load-balancing endpoints");
    const state: CallState = {
      request,
      where,
      address,
      body,
      scope: deadlineSignal(request.deadline, request.signal),
      startedAt: Date.now(),
      attempts: 0,
    };
    try {
      state.scope.signal.throwIfAborted();
      const post = (): Promise<WireOutput> => this.post(state, apiKey);
      return this.breakers ? await this.breakers.execute(address, request.endpoint, post) : await post();
    } catch (error) {
      if (state.scope.signal.aborted) {
        if (state.scope.callerAborted) throw request.signal!.reason;
        throw new DeadlineExceededError(
          `${where} did not finish within ${Math.max(0, request.deadline - state.startedAt)}ms on the load-balancing endpoint ${request.endpoint} ` +
            '(the request was abandoned; the worker may still finish it); raise timeoutMs on the @Remote method or pass { timeoutMs } to runtime.call.',
          undefined,
          request.endpoint,
          request.method,
        );
      }
      throw error;
    } finally {
      state.scope.dispose();
    }
  }

  private async post(state: CallState, apiKey: string): Promise<WireOutput> {
    const { request, scope } = state;
    const url = `${state.address}/execute`;
    let text: string;
    try {
      state.attempts = 1;
      const response = await this.http.post(url, {
        body: state.body,
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        signal: scope.signal,
        timeout: this.timeoutMs,
        ...submissionRetry({
          request,
          attempts: this.submitAttempts,
          maxRetryAfterMs: this.maxRetryAfterMs,
          retryInitialMs: this.retryInitialMs,
          retryMaxMs: this.retryMaxMs,
          logger: this.logger,
          label: `retrying ${state.where} at ${url}`,
          decide: (error) => this.mayRetry(error, request, scope),
          onAttempt: (n) => (state.attempts = n),
        }),
      });
      text = await response.text();
    } catch (error) {
      if (scope.signal.aborted) throw error;
      throw await this.failure(error, state);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
    const failure = asSwitchyardFailure(text);
    if (failure) throw this.workerError(500, failure, state);
    return assertWireOutput(parsed, state.where, url);
  }

  /**
   * ky's shouldRetry. A reply from a Switchyard worker is an answer, never retried. Transport
   * failures are retried only for idempotent methods, except connects that sent nothing.
   */
  private async mayRetry(error: unknown, request: ExecuteRequest, scope: DeadlineScope): Promise<boolean | undefined> {
    if (scope.signal.aborted) return false;
    if (error instanceof HTTPError) {
      const text = await error.response.clone().text().catch(() => '');
      if (asSwitchyardFailure(text)) return false;
      return request.idempotent && [429, 502, 503, 504].includes(error.response.status) ? undefined : false;
    }
    return noReplyVerdict(error, request.idempotent);
  }

  private async failure(error: unknown, state: CallState): Promise<Error> {
    const { request, address } = state;
    const attempts = `${state.attempts} attempt${state.attempts === 1 ? '' : 's'}`;
    const notRetried = request.idempotent
      ? ''
      : ` It was not retried because ${state.where} is not idempotent and the worker may have run it; mark the method @Remote({ idempotent: true }) if running it twice is safe.`;
    if (error instanceof HTTPError) {
      const status = error.response.status;
      const text = await error.response.text().catch(() => '');
      const failure = asSwitchyardFailure(text);
      if (failure) return this.workerError(status, failure, state);
      const message = serverMessage(text, [this.apiKey]);
      const typed = errorForStatus(request, address, { status, message, route: '/execute', sentBytes: Buffer.byteLength(state.body), limit: this.payloadLimit });
      if (typed) return typed;
      return transportFailure(request, address, `/execute answered HTTP ${status} (${message}) after ${attempts}`, `Check that the endpoint has running workers.${notRetried}`);
    }
    if (error instanceof TimeoutError) {
      return transportFailure(request, address, `/execute gave no reply within ${this.timeoutMs} ms (${attempts})`, `Raise the timeoutMs option of LoadBalancerExecutor if the method needs longer.${notRetried}`);
    }
    return connectionFailure(request, address, error, attempts, notRetried) ?? (error instanceof Error ? error : new Error(String(error)));
  }

  /** A Switchyard worker's definitive failure reply, as the typed error its status stands for. */
  private workerError(status: number, failure: WireFailure, state: CallState): SwitchyardError {
    const { request } = state;
    const where = state.where;
    const remote = `${failure.name}: ${failure.message}`;
    const at = `endpoint ${request.endpoint} at ${state.address}`;
    switch (status) {
      case 400:
        return new InvalidRequestError(`${where}: ${at} rejected the call (${remote}). Check the arguments.`, failure.details ?? [failure.message]);
      case 401:
      case 403:
        return new UnauthorizedError(`${where}: ${at} refused the API key (${failure.message}). Check RUNPOD_API_KEY (or the apiKey option) for this endpoint.`, request.endpoint);
      case 404:
        return new RouteNotFoundError(
          `${where}: ${at} does not serve this method (${remote}). Check that the worker hosts endpoint ${request.endpoint} and was deployed from the same code.`,
          request.endpoint,
          request.method,
        );
      case 409: {
        const fields = failure.fields ?? {};
        const expected = typeof fields.expected === 'string' ? fields.expected : undefined;
        const actual = typeof fields.actual === 'string' ? fields.actual : undefined;
        return new ContractMismatchError(
          `${where}: ${at} was built from a different version of the endpoint (${remote}). Redeploy caller and worker from the same code.`,
          request.endpoint,
          expected,
          actual,
        );
      }
      case 413: {
        const size = Buffer.byteLength(state.body);
        const limit = typeof failure.fields?.limit === 'number' ? failure.fields.limit : this.payloadLimit;
        return new PayloadTooLargeError(`${where}: ${at} refused the request as too large (${remote}). Pass a URL to the data instead of the data itself.`, size, limit);
      }
      case 504:
        return new DeadlineExceededError(
          `${where}: ${at} stopped the call at its deadline (${remote}); raise timeoutMs on the @Remote method or pass { timeoutMs } to runtime.call.`,
          undefined,
          request.endpoint,
          request.method,
        );
      default:
        return new RemoteExecutionError(`${where} failed on endpoint ${request.endpoint}: ${remote}`, request.endpoint, request.method, undefined, failure);
    }
  }
}
