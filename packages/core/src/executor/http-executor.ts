import type { EndpointType } from '@switchyard/decorators';
import { loadDefaults, numberOption, type SwitchyardDefaults } from '../config';
import type { EndpointAddress } from '../directory/endpoint-address';
import { CircuitOpenError, DeadlineExceededError, EndpointUnavailableError, InvalidAddressError, UnauthorizedError, type WireFailure } from '../errors';
import { defaultLogger, type Logger } from '../observability/logger';
import { redactingLogger } from '../observability/redaction';
import { AddressBreakers } from '../resilience/address-breakers';
import { sleep } from '../resilience/call-budget';
import { ReplicaChoice } from '../resilience/replica-choice';
import { RetryPolicy } from '../resilience/retry-policy';
import { TroubleWatch } from '../resilience/trouble-watch';
import { AttemptFailure } from '../resilience/transport-failure';
import { failureToError } from '../serialization/failure';
import { defaultSerializer, type Serializer } from '../serialization/serializer';
import type { WireOutput } from '../serialization/wire';
import { CallState, GIVE_UP_REASONS } from './call-state';
import type { ExecuteRequest, Executor } from './executor';
import { HealthProbes } from './health-probes';
import { HttpTransport } from './http-transport';
import { encodeJsonBody } from './request-body';
import type { SentRequest } from './reply-errors';

/**
 * How an executor guards addresses with circuit breakers: omitted or `{ threshold?, resetMs? }`
 * for its own AddressBreakers; an AddressBreakers instance to share; `false` for none.
 */
export type BreakerOption = { threshold?: number; resetMs?: number } | AddressBreakers | false;

/** Options every HTTP executor takes. Unset values come from the resolved defaults (and so from the environment). */
export interface HttpExecutorOptions {
  /** Bearer key. Default RUNPOD_API_KEY (read once, at construction). */
  apiKey?: string;
  /** Most submissions of one call that were not accepted (429/503/refused), across replicas. Default 4 (SWITCHYARD_SUBMIT_ATTEMPTS). */
  submitAttempts?: number;
  /** Largest Retry-After honoured, ms. Default 30000 (SWITCHYARD_MAX_RETRY_AFTER_MS). */
  maxRetryAfterMs?: number;
  /** First backoff before retrying the same replica, ms (doubling, full jitter). Default 200 (SWITCHYARD_POLL_INITIAL_MS). */
  retryInitialMs?: number;
  /** Cap of that backoff, ms. Default 5000 (SWITCHYARD_POLL_MAX_MS). */
  retryMaxMs?: number;
  /** HTTP connections (and requests in flight) per address origin. Default 128 (SWITCHYARD_REQUESTS_PER_ADDRESS). */
  maxRequestsPerAddress?: number;
  /** Largest request body, bytes. Default: the route's RunPod limit. */
  payloadLimitBytes?: number;
  /** Circuit breaker per address. Default own breakers, threshold 5 (SWITCHYARD_BREAKER_THRESHOLD), reset 10000 ms (SWITCHYARD_BREAKER_RESET_MS). */
  breaker?: BreakerOption;
  /** Where retries and failed cancels are logged. Default a ConsoleLogger; the key is redacted either way. */
  logger?: Logger;
  /** Where registered error classes are looked up to rebuild remote errors. Default the process's default serializer. */
  serializer?: Serializer;
  /** Resolved defaults (createRuntime passes its own). Default `loadDefaults()`. */
  defaults?: SwitchyardDefaults;
}

/**
 * The skeleton every HTTP executor shares: the API key, encoding the body once with its size
 * check, the call budget, the attempt loop (replica choice, circuit breakers, the one
 * RetryPolicy) and the mapping of failures to typed errors. Subclasses implement only their
 * protocol: what the body is (`bodyOf`) and one attempt against one address (`attempt`).
 */
export abstract class HttpExecutor implements Executor {
  /** The per-address circuit breakers (undefined when disabled). */
  readonly breakers: AddressBreakers | undefined;
  protected readonly defaults: SwitchyardDefaults;
  protected readonly apiKey: string | undefined;
  protected readonly logger: Logger;
  protected readonly transport: HttpTransport;
  protected readonly policy: RetryPolicy;
  protected readonly payloadLimit: number;
  protected readonly maxRetryAfterMs: number;
  private readonly serializer: Serializer;
  private readonly probes: HealthProbes | undefined;
  /** Request headers of every submission (one object for all calls). */
  private readonly headers: Readonly<Record<string, string>> | undefined;
  /** Pollers waiting on an address, woken when a request to it fails (its replica may be gone). */
  private readonly watch = new TroubleWatch();

  protected constructor(
    private readonly name: string,
    private readonly kind: EndpointType,
    options: HttpExecutorOptions,
    payloadLimitKey: 'runsyncPayloadLimit' | 'loadBalancerPayloadLimit',
  ) {
    const defaults = (this.defaults = options.defaults ?? loadDefaults());
    const option = (key: keyof HttpExecutorOptions & string, setting: Parameters<typeof numberOption>[4]): number =>
      numberOption(name, key, options[key] as number | undefined, defaults, setting);
    this.apiKey = options.apiKey ?? defaults.apiKey;
    this.payloadLimit = option('payloadLimitBytes', payloadLimitKey);
    this.maxRetryAfterMs = option('maxRetryAfterMs', 'maxRetryAfterMs');
    const initialDelayMs = option('retryInitialMs', 'pollInitialMs');
    this.policy = new RetryPolicy({
      submitAttempts: option('submitAttempts', 'submitAttempts'),
      initialDelayMs,
      maxDelayMs: Math.max(initialDelayMs, option('retryMaxMs', 'pollMaxMs')),
      maxRetryAfterMs: this.maxRetryAfterMs,
    });
    this.transport = new HttpTransport({ connections: option('maxRequestsPerAddress', 'requestsPerAddress'), keepAliveTimeoutMs: defaults.clientKeepAliveMs });
    const breaker = options.breaker;
    this.breakers = breaker === false ? undefined : breaker instanceof AddressBreakers ? breaker : new AddressBreakers({ ...breaker, defaults });
    this.logger = redactingLogger(options.logger ?? defaultLogger(defaults, name), [this.apiKey]);
    this.serializer = options.serializer ?? defaultSerializer;
    this.headers = this.apiKey ? { authorization: `Bearer ${this.apiKey}`, 'content-type': 'application/json' } : undefined;
    this.probes = this.breakers
      ? new HealthProbes({
          breakers: this.breakers,
          healthUrl: (address) => `${address.url}${this.healthRoute}`,
          headers: this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {},
          intervalMs: defaults.probeIntervalMs,
          timeoutMs: defaults.probeTimeoutMs,
          logger: this.logger,
        })
      : undefined;
  }

  /** False while the circuit of `address` is open (or its probe is in flight). */
  isAvailable(address: EndpointAddress): boolean {
    return !this.breakers?.isOpen(address.url);
  }

  /** Sends one call and returns the worker's output; see the README's retry policy for what is retried. */
  execute(request: ExecuteRequest): Promise<WireOutput> {
    return this.run(request, (call, address) => this.attempt(call, address));
  }

  /**
   * The attempt loop of the one retry policy around `attempt`: replica choice, circuits, typed
   * errors, and the budget's end (the job cancelled). `execute` runs whole calls through it; a
   * subclass can run other steps (a submission only) under the same policy.
   */
  protected async run<T>(request: ExecuteRequest, attempt: (call: CallState, address: EndpointAddress) => Promise<T>): Promise<T> {
    const headers = this.requireKey(request);
    for (const address of request.addresses) {
      this.checkKind(request, address);
      this.probes?.watch(address);
    }
    const call = new CallState(request, encodeJsonBody(this.bodyOf(request), this.payloadLimit, `${request.endpoint}.${request.method}`, this.limitLabel), headers);
    const choice = new ReplicaChoice(request.addresses, this.available);
    let last: { failure: AttemptFailure; address: EndpointAddress } | undefined;
    try {
      request.budget.throwIfOver();
      // The attempt loop of the one retry policy.
      for (;;) {
        const address = choice.next();
        if (address === undefined) {
          if (last) throw this.giveUp(call, last.failure, last.address, " Every replica's circuit is open now.");
          throw this.noReplica(request);
        }
        call.address = address;
        call.jobId = undefined;
        try {
          return await attempt(call, address);
        } catch (error) {
          if (error instanceof CircuitOpenError) {
            // Nothing was sent: try another replica, or report the circuit when none is left.
            if (!request.addresses.some((a) => a !== address && this.isAvailable(a))) throw error;
            continue;
          }
          if (!(error instanceof AttemptFailure)) throw error;
          last = { failure: error, address };
          await this.afterFailure(call, choice, error, address);
        }
      }
    } catch (error) {
      // Whatever was in flight, an ended budget means the deadline or the caller won the race
      // (a request timer may fire a moment before the budget's own).
      if (request.budget.aborted || request.budget.remaining() === 0) throw await this.abandon(call);
      throw error;
    }
  }

  /** Stops the health probes and closes the connection pools. */
  async close(): Promise<void> {
    this.probes?.close();
    await this.transport.close();
  }

  /** The JSON body of a submission. */
  protected abstract bodyOf(request: ExecuteRequest): unknown;
  /** Names the body limit in a PayloadTooLargeError, e.g. `RunPod's /runsync`. */
  protected abstract readonly limitLabel: string;
  /** The health route an open circuit's replica is probed on, e.g. `/health` or `/ping`. */
  protected abstract readonly healthRoute: string;
  /** One attempt against one address: the output, a typed error, or an AttemptFailure for the retry policy. */
  protected abstract attempt(call: CallState, address: EndpointAddress): Promise<WireOutput>;

  /** Runs a submission under the address's circuit: CircuitOpenError (nothing sent) while it refuses. */
  protected guard<T>(call: CallState, address: EndpointAddress, submit: () => Promise<T>): Promise<T> {
    return this.breakers ? this.breakers.execute(address.url, call.request.endpoint, submit) : submit();
  }

  /** What a reply mapping needs about the submission to `route`. */
  protected sent(call: CallState, address: EndpointAddress, route: string): SentRequest {
    const { endpoint, method } = call.request;
    return { endpoint, method, address: address.url, route, sentBytes: call.bodyBytes, limit: this.payloadLimit, secrets: [this.apiKey], maxRetryAfterMs: this.maxRetryAfterMs };
  }

  /**
   * Waits `ms`, or until a request to `url` fails (its replica may have died: a poller should
   * look at once), or until `signal` aborts (then rejects with its reason).
   */
  protected pauseWatching(url: string, ms: number, signal: AbortSignal): Promise<void> {
    return this.watch.pause(url, ms, signal);
  }

  /** A request to `url` failed in the transport: wakes its pollers. */
  protected troubleAt(url: string): void {
    this.watch.trouble(url);
  }

  /** A remote failure as the error the caller gets (the registered class, or RemoteExecutionError). */
  protected remoteError(call: CallState, failure: WireFailure, jobId?: string): Error {
    return failureToError(failure, this.serializer.lookupError, { endpoint: call.request.endpoint, method: call.request.method, jobId });
  }

  /** The budget ended: the error to throw (the caller's abort reason, or DeadlineExceededError). Subclasses cancel what runs first. */
  protected async abandon(call: CallState): Promise<unknown> {
    const { budget, endpoint, method } = call.request;
    if (budget.callerAborted) return budget.signal.reason;
    return new DeadlineExceededError(
      `did not finish within ${budget.totalMs} ms${this.abandonedNote(call)}; raise timeoutMs on the @Remote method or pass { timeoutMs } to runtime.call.`,
      { endpoint, method, jobId: call.jobId },
    );
  }

  /** What happened to the work when the budget ended, for the DeadlineExceededError message. */
  protected abstract abandonedNote(call: CallState): string;

  /** Counts a failed attempt and waits before the next one, or throws the error the policy ends the call with. */
  private async afterFailure(call: CallState, choice: ReplicaChoice<EndpointAddress>, error: AttemptFailure, address: EndpointAddress): Promise<void> {
    const { request } = call;
    if (error.countsForBreaker) this.troubleAt(address.url);
    call.submissions++;
    if (error.verdict !== 'not-accepted') call.mayHaveRun++;
    const sameReplica = choice.wouldRepeat(address);
    const decision = this.policy.decide(error.verdict, call, request, { sameReplica, retryAfterMs: error.options.retryAfterMs, remainingMs: request.budget.remaining() });
    if (!decision.retry) {
      const skip = error.verdict === 'not-accepted' && decision.reason === 'not-idempotent';
      throw this.giveUp(call, error, address, skip ? '' : GIVE_UP_REASONS[decision.reason](call, this.policy));
    }
    request.observer?.retrying(error.verdict, error.what, decision.delayMs);
    this.logger.debug(`retrying ${call.where} ${sameReplica ? 'on the same replica' : 'on another replica'} after: ${error.what}`, {
      endpoint: request.endpoint,
      callId: request.invocation.callId,
      attempt: call.submissions + 1,
      delayMs: Math.round(decision.delayMs),
    });
    await sleep(decision.delayMs, request.budget.signal);
  }

  /** `isAvailable` bound once: the replica choice of every call asks it. */
  private readonly available = (address: EndpointAddress): boolean => this.isAvailable(address);

  private giveUp(call: CallState, failure: AttemptFailure, address: EndpointAddress, reason: string): EndpointUnavailableError {
    const { request } = call;
    const attempts = `${call.submissions} attempt${call.submissions === 1 ? '' : 's'}`;
    const replicas = request.addresses.length > 1 ? ` across ${request.addresses.length} replicas` : '';
    const advice = failure.options.advice ? ` ${failure.options.advice}` : '';
    return new EndpointUnavailableError(`endpoint ${request.endpoint} at ${address.url} is unavailable: ${failure.what} (${attempts}${replicas}).${advice}${reason}`, {
      endpoint: request.endpoint,
      method: request.method,
      address: address.url,
      mayHaveRun: call.mayHaveRun > 0,
    });
  }

  private noReplica(request: ExecuteRequest): Error {
    if (request.addresses.length === 0) {
      return new InvalidAddressError(`the executor was given no address for endpoint ${request.endpoint}; the router resolves them from the directory.`, {
        endpoint: request.endpoint,
        method: request.method,
      });
    }
    // Every replica's circuit refuses: report the first one's.
    return this.breakers!.refusal(request.addresses[0]!.url, request.endpoint);
  }

  protected requireKey(request: Pick<ExecuteRequest, "endpoint" | "method">): Readonly<Record<string, string>> {
    if (this.headers) return this.headers;
    throw new UnauthorizedError(`no API key for calls to endpoint ${request.endpoint}. Set RUNPOD_API_KEY, or pass { apiKey } to createRuntime() or new ${this.name}().`, {
      endpoint: request.endpoint,
      method: request.method,
    });
  }

  private checkKind(request: ExecuteRequest, address: EndpointAddress): void {
    if (address.kind === this.kind) return;
    throw new InvalidAddressError(
      `the address ${address.url} was read as a ${address.kind} endpoint, but ${this.name} calls ${this.kind} endpoints. Declare the endpoint with the right @Endpoint({ type }) so the directory reads its address as one.`,
      { endpoint: request.endpoint, method: request.method },
    );
  }
}
