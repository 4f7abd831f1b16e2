import { context, INVALID_SPAN_CONTEXT, isSpanContextValid, ProxyTracerProvider, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span, type Tracer, type TracerProvider } from '@opentelemetry/api';
import type { EndpointAddress } from '../directory/endpoint-address';
import type { CallObserver, SubmissionMode } from '../executor/executor';
import type { SwitchyardMetrics } from './metrics';
import { redact } from './redaction';

/**
 * Switchyard's tracer. `@opentelemetry/api` is a no-op until the application registers an SDK
 * (a tracer provider, and a context manager for parent links across awaits): until then spans
 * are non-recording and cost an allocation each.
 */
let cached: { provider: TracerProvider; tracer: Tracer } | undefined;

/** The tracer of the current global provider (re-read, so a provider registered again after `trace.disable()` is used). */
function tracer(): Tracer {
  const provider = trace.getTracerProvider();
  if (cached?.provider !== provider) cached = { provider, tracer: provider.getTracer('@switchyard/core') };
  return cached.tracer;
}

/** The API's no-op provider, what the global proxy delegates to until an SDK is registered. */
const NOOP_PROVIDER = new ProxyTracerProvider().getDelegate();
/** The span of a call or job while no SDK is registered and there is no parent to carry. */
const NO_SPAN = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/**
 * True once an SDK's tracer provider is registered. Until then spans are skipped altogether:
 * measured, the non-recording span, its attributes and contexts were ~0.5 KB of every call in flight.
 */
function tracing(): boolean {
  const provider = trace.getTracerProvider();
  return !(provider instanceof ProxyTracerProvider) || provider.getDelegate() !== NOOP_PROVIDER;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The context of a W3C `traceparent` (a remote parent), or undefined when it is absent or malformed. */
export function contextFromTraceparent(traceparent: string | undefined, base: Context = ROOT_CONTEXT): Context | undefined {
  const match = traceparent ? TRACEPARENT.exec(traceparent) : null;
  if (!match) return undefined;
  const spanContext = { traceId: match[1], spanId: match[2], traceFlags: parseInt(match[3], 16), isRemote: true };
  return isSpanContextValid(spanContext) ? trace.setSpanContext(base, spanContext) : undefined;
}

/** The `traceparent` naming `span` as the parent, or undefined for a no-op span. */
export function traceparentOf(span: Span): string | undefined {
  const c = span.spanContext();
  if (!isSpanContextValid(c)) return undefined;
  return `00-${c.traceId}-${c.spanId}-${(c.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

/** The outcome label of a call or job: `ok`, or the error's class name. */
export function outcomeOf(error: unknown): string {
  if (error === undefined) return 'ok';
  return error instanceof Error && typeof error.name === 'string' && error.name !== '' ? error.name : 'thrown-value';
}

function endSpan(span: Span, error: unknown, secrets: readonly (string | undefined)[]): void {
  if (!span.isRecording()) {
    span.end();
    return;
  }
  const outcome = outcomeOf(error);
  span.setAttribute('switchyard.outcome', outcome);
  if (error !== undefined) {
    span.setAttribute('error.type', outcome);
    // An error message can quote anything a method saw; the key is never written into a span.
    span.setStatus({ code: SpanStatusCode.ERROR, message: redact(error instanceof Error ? error.message : String(error), secrets) });
  }
  span.end();
}

/**
 * One routed call as a client span and caller metrics. The executor reports submissions, the job
 * id, polls and resubmissions through the CallObserver side; resubmissions and polls are events
 * on the span, not spans of their own.
 */
export class CallTrace implements CallObserver {
  readonly span: Span;
  /** The address of the last submission: where the call ran (or last tried to). */
  replica: string | undefined;
  private attempt: number | undefined;
  private mode: SubmissionMode | undefined;
  private jobId: string | undefined;
  private delayTime: number | undefined;
  private executionTime: number | undefined;
  private polls = 0;

  /**
   * @param parent the caller's context: the active OpenTelemetry context when it has a span,
   *   else the `traceparent` of the enclosing Switchyard call (a method calling another endpoint)
   */
  constructor(
    private readonly metrics: SwitchyardMetrics,
    readonly endpoint: string,
    readonly method: string,
    readonly callId: string,
    startedAt: number,
    outerTraceparent: string | undefined,
  ) {
    metrics.callStarted(endpoint);
    const active = context.active();
    const activeSpan = trace.getSpan(active);
    if (!tracing() && outerTraceparent === undefined && activeSpan === undefined) {
      this.span = NO_SPAN;
      return;
    }
    const parent = activeSpan ? active : (contextFromTraceparent(outerTraceparent, active) ?? active);
    const attributes: Attributes = { 'rpc.system': 'switchyard', 'rpc.service': endpoint, 'rpc.method': method, 'switchyard.call_id': callId };
    this.span = tracer().startSpan(`${endpoint}.${method}`, { kind: SpanKind.CLIENT, attributes, startTime: startedAt }, parent);
  }

  submitting(address: EndpointAddress, attempt: number, mode: SubmissionMode): void {
    this.replica = address.url;
    this.attempt = attempt;
    this.mode = mode;
    if (attempt > 1 && this.span.isRecording()) this.span.addEvent('resubmission', { 'switchyard.replica': address.url, 'switchyard.attempt': attempt });
  }

  jobAccepted(jobId: string): void {
    this.jobId = jobId;
  }

  polled(jobId: string, status: string | undefined): void {
    this.polls++;
    if (this.span.isRecording()) this.span.addEvent('poll', { 'switchyard.job_id': jobId, 'switchyard.job_status': status ?? 'no answer', 'switchyard.poll': this.polls });
  }

  retrying(verdict: string, what: string, delayMs: number): void {
    this.metrics.resubmitted(this.endpoint, this.method, verdict);
    if (this.span.isRecording()) this.span.addEvent('retry', { 'switchyard.verdict': verdict, 'switchyard.failure': redact(what, this.metrics.secrets), 'switchyard.delay_ms': Math.round(delayMs) });
  }

  jobTimes(delayTime: number | undefined, executionTime: number | undefined): void {
    this.delayTime = delayTime;
    this.executionTime = executionTime;
  }

  /** The call ended after `seconds`, with `error` when it failed. */
  end(seconds: number, error?: unknown): void {
    this.metrics.callEnded(this.endpoint, this.method, outcomeOf(error), seconds);
    if (this.span.isRecording()) {
      // One setAttributes at the end: what the attempts found out, in a single SDK call.
      const attributes: Attributes = {};
      // Addresses never carry credentials: the parser refuses user:password@.
      if (this.replica !== undefined) attributes['switchyard.replica'] = this.replica;
      if (this.attempt !== undefined) attributes['switchyard.attempt'] = this.attempt;
      if (this.mode !== undefined) attributes['switchyard.submission'] = this.mode === 'run' ? 'run+poll' : this.mode;
      if (this.jobId !== undefined) attributes['switchyard.job_id'] = this.jobId;
      if (this.delayTime !== undefined) attributes['switchyard.runpod.delay_ms'] = this.delayTime;
      if (this.executionTime !== undefined) attributes['switchyard.runpod.execution_ms'] = this.executionTime;
      this.span.setAttributes(attributes);
    }
    endSpan(this.span, error, this.metrics.secrets);
  }
}

/** One job on a worker as a server span (the child of the caller's `traceparent`) and worker metrics. */
export class JobTrace {
  readonly span: Span;
  /** The context the method runs in, so nested calls are children of this span. */
  readonly context: Context;

  constructor(
    private readonly metrics: SwitchyardMetrics,
    private readonly endpoint: string,
    private readonly method: string,
    attributes: { callId: string; jobId: string; queuedMs?: number; traceparent?: string },
  ) {
    if (!tracing()) {
      // No SDK: no span; nested calls continue the caller's traceparent (see traceparent()).
      this.span = NO_SPAN;
      this.context = ROOT_CONTEXT;
      return;
    }
    const parent = contextFromTraceparent(attributes.traceparent) ?? ROOT_CONTEXT;
    const spanAttributes: Attributes = {
      'rpc.system': 'switchyard',
      'rpc.service': endpoint,
      'rpc.method': method,
      'switchyard.call_id': attributes.callId,
      'switchyard.job_id': attributes.jobId,
    };
    if (attributes.queuedMs !== undefined) spanAttributes['switchyard.queue_ms'] = attributes.queuedMs;
    this.span = tracer().startSpan(`${endpoint}.${method}`, { kind: SpanKind.SERVER, attributes: spanAttributes }, parent);
    this.context = trace.setSpan(parent, this.span);
  }

  /** Runs `fn` with this job's span active (a no-op without a context manager). */
  run<T>(fn: () => T): T {
    return this.span === NO_SPAN ? fn() : context.with(this.context, fn);
  }

  /** The traceparent nested calls continue: this span's when it is recorded, else the caller's. */
  traceparent(incoming: string | undefined): string | undefined {
    return traceparentOf(this.span) ?? incoming;
  }

  /** The job ended after `seconds`, with `error` when it failed. */
  end(seconds: number, error?: unknown): void {
    this.metrics.jobEnded(this.endpoint, this.method, outcomeOf(error), seconds);
    if (this.span.isRecording()) this.span.setAttribute('switchyard.run_ms', Math.round(seconds * 1000));
    endSpan(this.span, error, this.metrics.secrets);
  }
}
