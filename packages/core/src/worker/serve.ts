import { getEndpointMetadata, type Constructor } from '@switchyard/decorators';
import { loadDefaults, portOf, processEnv } from '../config';
import { ConfigurationError } from '../errors';
import { BearerAuth } from '../http';
import type { Logger } from '../observability/logger';
import { metricsOf } from '../observability/metrics';
import { redactingLogger } from '../observability/redaction';
import { createRuntime } from '../router/runtime';
import type { Runtime } from '../router/runtime-types';
import { Dispatcher } from './dispatcher';
import { LoadBalancerTransport } from './load-balancer-transport';
import { LocalApiTransport } from './local-api-transport';
import { RunpodTransport } from './runpod-transport';
import type { TransportContext, WorkerTransport } from './worker-transport';

/**
 * How a worker receives calls:
 * - `'http'`: a local server speaking RunPod's serverless client API under `/v2/{endpoint}/...`;
 * - `'runpod'`: a RunPod serverless worker taking jobs from the platform (RUNPOD_WEBHOOK_* env);
 * - `'load-balancer'`: the HTTP server of a RunPod load-balancing endpoint (`POST /execute`).
 */
export type ServeMode = 'http' | 'runpod' | 'load-balancer';

/** Options of {@link serve}. */
export interface ServeOptions {
  /** The `@Endpoint` classes to serve. */
  endpoints: readonly Constructor[];
  /** Runtime hosting those endpoints. Default: `createRuntime({ endpoint: <their names> })`, closed by `close()`. */
  runtime?: Runtime;
  /** Default `'http'`. */
  mode?: ServeMode;
  /** Interface to bind (http, load-balancer). Default `127.0.0.1`; use `0.0.0.0` inside a RunPod container. */
  host?: string;
  /** Port (http, load-balancer). Default 0 (any free port); load-balancer: env PORT when this is not given. */
  port?: number;
  /** Key every request must carry as `Authorization: Bearer <key>` (http, load-balancer). Default env RUNPOD_API_KEY; required. */
  apiKey?: string;
  /** Jobs running at once per endpoint (http); job slots (runpod). Default 4 (http); runpod: SWITCHYARD_WORKER_CONCURRENCY, else 1. */
  concurrency?: number;
  /** Largest request body, bytes. Default: http `/runsync` 20 MB + 64 KiB (`/run` at most 10 MB + 64 KiB); load-balancer 30 MB. */
  maxBodyBytes?: number;
  /** How long a finished job's result stays readable on `/status` (http), ms. Default 30 min for `/run`, 1 min for `/runsync`. */
  resultTtlMs?: number;
  /** Default: the runtime's logger. */
  logger?: Logger;
  /** Environment to read RUNPOD_API_KEY, PORT, PORT_HEALTH, HEALTH_CHECK_PATH and RUNPOD_* from. Default: the runtime's (this process's). */
  env?: NodeJS.ProcessEnv;
}

/** A running worker. */
export interface WorkerServer {
  /** Base URL, e.g. `http://127.0.0.1:41234` (endpoint X is at `${url}/v2/X` in http mode); `''` in runpod mode. */
  readonly url: string;
  /** Load-balancer mode with a separate PORT_HEALTH: base URL of the health server. */
  readonly healthUrl?: string;
  /** Stops accepting work, waits for running jobs to finish, then closes connections (and the runtime serve created). */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const MODES: readonly ServeMode[] = ['http', 'runpod', 'load-balancer'];

function endpointNames(endpoints: readonly Constructor[]): string[] {
  if (!Array.isArray(endpoints) || endpoints.length === 0) {
    throw new ConfigurationError('serve() needs at least one @Endpoint class: serve({ endpoints: [MyService] }).', { option: 'endpoints' });
  }
  return endpoints.map((cls) => {
    const metadata = getEndpointMetadata(cls);
    if (!metadata) {
      throw new ConfigurationError(`serve(): class ${cls?.name ?? String(cls)} is not decorated with @Endpoint, so it cannot be served. Add @Endpoint() or remove it from endpoints.`, {
        option: 'endpoints',
      });
    }
    return metadata.name;
  });
}

function transportFor(mode: ServeMode, context: TransportContext): WorkerTransport {
  if (mode === 'runpod') return new RunpodTransport(context);
  if (!context.apiKey) {
    throw new ConfigurationError(
      `serve() in ${mode} mode refuses to start an unauthenticated server: no API key. Set RUNPOD_API_KEY or pass serve({ apiKey }); callers then send "Authorization: Bearer <key>".`,
      { option: 'apiKey' },
    );
  }
  const auth = new BearerAuth(context.apiKey);
  return mode === 'load-balancer' ? new LoadBalancerTransport(context, auth) : new LocalApiTransport(context, auth);
}

/**
 * Serves `@Endpoint` classes: only their `@Remote` methods are reachable, and only with the API
 * key (http and load-balancer modes). Picks the transport for `mode`, owns the runtime's
 * lifecycle when it created it, and resolves once the worker accepts calls.
 *
 * ```ts
 * const worker = await serve({ endpoints: [ImageProcessor], apiKey: 'local-key' });
 * // RunPod's API at `${worker.url}/v2/ImageProcessor/runsync` ...
 * await worker.close();
 * ```
 */
export async function serve(options: ServeOptions): Promise<WorkerServer> {
  const mode = options.mode ?? 'http';
  if (!MODES.includes(mode)) {
    throw new ConfigurationError(`serve(): mode ${JSON.stringify(mode)} is unknown. Use 'http', 'runpod' or 'load-balancer'.`, { option: 'mode' });
  }
  const names = endpointNames(options.endpoints);
  const missing = options.runtime ? names.filter((name) => !options.runtime!.hosts(name)) : [];
  if (missing.length > 0) {
    throw new ConfigurationError(
      `serve(): the given runtime does not host ${missing.map((n) => `"${n}"`).join(', ')}. Create it with createRuntime({ endpoint: [${names.map((n) => `'${n}'`).join(', ')}] }) or leave runtime out.`,
      { option: 'runtime' },
    );
  }
  const ownsRuntime = !options.runtime;
  const runtime = options.runtime ?? createRuntime({ endpoint: names, apiKey: options.apiKey, logger: options.logger, env: options.env });
  try {
    const defaults = options.env ? loadDefaults(options.env) : runtime.defaults;
    const apiKey = options.apiKey ?? defaults.apiKey;
    // Whatever logger is given, no record carries the key.
    const logger = redactingLogger(options.logger ?? runtime.logger, [apiKey]);
    const transport = transportFor(mode, {
      dispatcher: new Dispatcher({ runtime, endpoints: options.endpoints, logger }),
      metrics: metricsOf(runtime),
      endpoints: names,
      defaults,
      logger,
      apiKey,
      host: options.host ?? '127.0.0.1',
      port: options.port === undefined ? undefined : portOf(options.port, 'serve() port'),
      concurrency: options.concurrency,
      maxBodyBytes: options.maxBodyBytes,
      resultTtlMs: options.resultTtlMs,
      env: options.env ?? processEnv(),
    });
    const address = await transport.start();
    let closing: Promise<void> | undefined;
    const close = (): Promise<void> =>
      (closing ??= (async () => {
        await transport.close();
        if (ownsRuntime) await runtime.close();
      })());
    void transport.stopped?.then(close);
    return { ...address, close, [Symbol.asyncDispose]: close };
  } catch (error) {
    if (ownsRuntime) await runtime.close();
    throw error;
  }
}
