import type { SwitchyardDefaults } from '../config';
import type { Logger } from '../observability/logger';
import type { SwitchyardMetrics } from '../observability/metrics';
import type { Dispatcher } from './dispatcher';

/** Everything a transport needs, resolved once by `serve()`. */
export interface TransportContext {
  dispatcher: Dispatcher;
  /** The runtime's metrics: the transport adds its queue gauges and counts refused requests. */
  metrics: SwitchyardMetrics;
  /** Names of the hosted endpoints. */
  endpoints: readonly string[];
  defaults: SwitchyardDefaults;
  logger: Logger;
  /** The key requests must carry (http and load-balancer modes). */
  apiKey: string | undefined;
  host: string;
  /** The `port` option, if given. */
  port: number | undefined;
  /** Jobs running at once (the `concurrency` option), if given. */
  concurrency: number | undefined;
  maxBodyBytes: number | undefined;
  resultTtlMs: number | undefined;
  /** The environment RunPod's worker variables are read from (runpod mode). */
  env: NodeJS.ProcessEnv;
}

/** Where a started transport receives calls. */
export interface TransportAddress {
  /** Base URL (`''` in runpod mode, which listens nowhere). */
  url: string;
  /** Load-balancer mode with a separate PORT_HEALTH: base URL of the health server. */
  healthUrl?: string;
}

/**
 * One way a worker receives jobs: the local RunPod API (http), RunPod's job-take loop (runpod)
 * or a load-balancing endpoint's HTTP server. `serve()` picks one and owns the runtime around it.
 */
export interface WorkerTransport {
  /** Starts receiving jobs; resolves once calls are accepted. */
  start(): Promise<TransportAddress>;
  /** Stops taking work, lets running jobs finish (their callers get the result), closes connections. Idempotent. */
  close(): Promise<void>;
  /** Resolves if the transport stops by itself (a SIGTERM in runpod mode). */
  readonly stopped?: Promise<void>;
}
