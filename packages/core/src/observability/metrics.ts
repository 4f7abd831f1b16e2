import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Seconds: from a fast local call to a long GPU job. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/** A source of gauge values read when the registry is scraped (nothing is counted per call). */
export type GaugeSource<T> = () => Iterable<T>;

/** One replica's circuit as the breaker-state gauge reports it. */
export interface BreakerReading {
  replica: string;
  /** 0 closed, 1 open, 2 half-open (a probe or trial call is in flight). */
  state: 0 | 1 | 2;
}

/** One endpoint's job queue as the worker gauges report it. */
export interface QueueReading {
  endpoint: string;
  queued: number;
  running: number;
}

/** The directory's counts so far. */
export interface DirectoryReading {
  refreshes: number;
  staleAnswers: number;
}

/**
 * The Prometheus metrics of one runtime, in a registry of its own (two runtimes in one process
 * never share a counter). Per-call updates go through label children cached by label values, so
 * a call costs a few map look-ups; gauges of state (queues, circuits, the directory) are read
 * from their owners at scrape time. Names and labels are listed in the README's Observability
 * section.
 */
export class SwitchyardMetrics {
  readonly registry: Registry;
  private readonly calls: Counter<'endpoint' | 'method' | 'outcome'>;
  private readonly callSeconds: Histogram<'endpoint' | 'method' | 'outcome'>;
  private readonly inFlight: Gauge<'endpoint'>;
  private readonly resubmissions: Counter<'endpoint' | 'method' | 'reason'>;
  private readonly jobs: Counter<'endpoint' | 'method' | 'outcome'>;
  private readonly jobSeconds: Histogram<'endpoint' | 'method' | 'outcome'>;
  private readonly rejected: Counter<'status'>;
  private readonly children = new Map<string, { count: Counter.Internal; seconds: Histogram.Internal<string> }>();
  private readonly inFlightChildren = new Map<string, Gauge.Internal<'endpoint'>>();
  private readonly breakerSources: Array<GaugeSource<BreakerReading>> = [];
  private readonly queueSources: Array<GaugeSource<QueueReading>> = [];
  private readonly directorySources: Array<() => DirectoryReading | undefined> = [];

  /**
   * @param registry where the metrics go; default a new one (pass prom-client's `register` for the global default)
   * @param secrets values never written into a span (the API key): the runtime's traces redact with them
   * @param enabled false: nothing is counted (the registry stays empty)
   */
  constructor(
    registry: Registry = new Registry(),
    readonly secrets: readonly (string | undefined)[] = [],
    private readonly enabled = true,
  ) {
    this.registry = registry;
    // Disabled metrics still exist (the code paths stay the same) but live in no registry.
    const registers = enabled ? [registry] : [];
    const sources = this;
    this.calls = new Counter({ name: 'switchyard_calls_total', help: 'Routed calls by endpoint, method and outcome (ok or the error class).', labelNames: ['endpoint', 'method', 'outcome'], registers });
    this.callSeconds = new Histogram({
      name: 'switchyard_call_duration_seconds',
      help: 'Duration of routed calls, from the proxy call to the decoded result or error.',
      labelNames: ['endpoint', 'method', 'outcome'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.inFlight = new Gauge({ name: 'switchyard_calls_in_flight', help: 'Routed calls started and not yet ended.', labelNames: ['endpoint'], registers });
    this.resubmissions = new Counter({
      name: 'switchyard_resubmissions_total',
      help: 'Submissions sent again by the retry policy, by the verdict on the failed attempt.',
      labelNames: ['endpoint', 'method', 'reason'],
      registers,
    });
    new Gauge({
      name: 'switchyard_breaker_state',
      help: 'Circuit of each replica address: 0 closed, 1 open, 2 half-open.',
      labelNames: ['replica'],
      registers,
      collect() {
        this.reset();
        for (const source of sources.breakerSources) for (const r of source()) this.set({ replica: r.replica }, r.state);
      },
    });
    new Counter({
      name: 'switchyard_directory_refreshes_total',
      help: 'Directory answers fetched (cache misses and expiries).',
      registers,
      collect() {
        this.reset();
        this.inc(sumOf(sources.directorySources, 'refreshes'));
      },
    });
    new Counter({
      name: 'switchyard_directory_stale_answers_total',
      help: 'Calls routed with a cached directory answer because the directory could not be reached.',
      registers,
      collect() {
        this.reset();
        this.inc(sumOf(sources.directorySources, 'staleAnswers'));
      },
    });
    this.jobs = new Counter({ name: 'switchyard_jobs_total', help: 'Jobs a worker ran, by endpoint, method and outcome.', labelNames: ['endpoint', 'method', 'outcome'], registers });
    this.jobSeconds = new Histogram({
      name: 'switchyard_job_duration_seconds',
      help: 'Run time of jobs on a worker, from dispatch to the encoded outcome.',
      labelNames: ['endpoint', 'method', 'outcome'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    new Gauge({
      name: 'switchyard_queue_depth',
      help: 'Jobs waiting for a slot on a worker, per endpoint.',
      labelNames: ['endpoint'],
      registers,
      collect() {
        this.reset();
        for (const source of sources.queueSources) for (const q of source()) this.set({ endpoint: q.endpoint }, q.queued);
      },
    });
    new Gauge({
      name: 'switchyard_running_jobs',
      help: 'Jobs running on a worker, per endpoint.',
      labelNames: ['endpoint'],
      registers,
      collect() {
        this.reset();
        for (const source of sources.queueSources) for (const q of source()) this.set({ endpoint: q.endpoint }, q.running);
      },
    });
    this.rejected = new Counter({ name: 'switchyard_rejected_requests_total', help: 'Requests a worker refused, by HTTP status.', labelNames: ['status'], registers });
  }

  /** A routed call started. */
  callStarted(endpoint: string): void {
    if (!this.enabled) return;
    this.inFlightOf(endpoint).inc();
  }

  /** A routed call ended after `seconds` with `outcome` (`ok` or the error class). */
  callEnded(endpoint: string, method: string, outcome: string, seconds: number): void {
    if (!this.enabled) return;
    this.inFlightOf(endpoint).dec();
    const child = this.child('call', this.calls, this.callSeconds, endpoint, method, outcome);
    child.count.inc();
    child.seconds.observe(seconds);
  }

  /** The retry policy sent a call again after an attempt with this verdict. */
  resubmitted(endpoint: string, method: string, reason: string): void {
    if (!this.enabled) return;
    this.resubmissions.inc({ endpoint, method, reason });
  }

  /** A worker finished a job after `seconds` with `outcome`. */
  jobEnded(endpoint: string, method: string, outcome: string, seconds: number): void {
    if (!this.enabled) return;
    const child = this.child('job', this.jobs, this.jobSeconds, endpoint, method, outcome);
    child.count.inc();
    child.seconds.observe(seconds);
  }

  /** A worker refused a request with this HTTP status. */
  requestRejected(status: number): void {
    if (!this.enabled) return;
    this.rejected.inc({ status: String(status) });
  }

  /** Reads circuit states from `source` at every scrape. */
  watchBreakers(source: GaugeSource<BreakerReading>): void {
    this.breakerSources.push(source);
  }

  /** Reads job queues from `source` at every scrape. */
  watchQueues(source: GaugeSource<QueueReading>): void {
    this.queueSources.push(source);
  }

  /** Reads the directory's counts from `source` at every scrape. */
  watchDirectory(source: () => DirectoryReading | undefined): void {
    this.directorySources.push(source);
  }

  private inFlightOf(endpoint: string): Gauge.Internal<'endpoint'> {
    let child = this.inFlightChildren.get(endpoint);
    if (!child) this.inFlightChildren.set(endpoint, (child = this.inFlight.labels(endpoint)));
    return child;
  }

  private child(
    kind: string,
    counter: Counter<'endpoint' | 'method' | 'outcome'>,
    histogram: Histogram<'endpoint' | 'method' | 'outcome'>,
    endpoint: string,
    method: string,
    outcome: string,
  ): { count: Counter.Internal; seconds: Histogram.Internal<string> } {
    const key = `${kind}\u0000${endpoint}\u0000${method}\u0000${outcome}`;
    let child = this.children.get(key);
    if (!child) {
      child = { count: counter.labels(endpoint, method, outcome), seconds: histogram.labels(endpoint, method, outcome) };
      this.children.set(key, child);
    }
    return child;
  }
}

function sumOf(sources: ReadonlyArray<() => DirectoryReading | undefined>, field: keyof DirectoryReading): number {
  let total = 0;
  for (const source of sources) total += source()?.[field] ?? 0;
  return total;
}

/** The metrics of each runtime, for the components that only hold the runtime (dispatcher, transports). */
const byRuntime = new WeakMap<object, SwitchyardMetrics>();

/** Records `metrics` as the runtime's. */
export function setRuntimeMetrics(runtime: object, metrics: SwitchyardMetrics): void {
  byRuntime.set(runtime, metrics);
}

/** The runtime's metrics; a runtime made elsewhere (a test double of the Runtime type) gets its own once. */
export function metricsOf(runtime: object): SwitchyardMetrics {
  let metrics = byRuntime.get(runtime);
  if (!metrics) byRuntime.set(runtime, (metrics = new SwitchyardMetrics()));
  return metrics;
}
