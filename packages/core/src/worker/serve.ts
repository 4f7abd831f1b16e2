import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getEndpointMetadata, type Constructor } from '@switchyard/decorators';
import { SwitchyardError } from '../errors';
import type { Logger } from '../observability/logger';
import { createRuntime } from '../router/runtime';
import type { Runtime } from '../router/runtime-types';
import { BearerAuth } from './bearer-auth';
import { Dispatcher } from './dispatcher';
import { HttpRefusal, sendRefusal } from './http-io';
import { LoadBalancerApi, answerHealth } from './load-balancer-api';
import { RunpodApi } from './runpod-api';
import { startRunpodWorker } from './runpod-worker';

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
  /** Jobs running at once per endpoint (http); job slots (runpod). Default 4 (http); runpod: the job-take loop's default. */
  concurrency?: number;
  /** Largest request body, bytes. Default: http `/runsync` 20 MB + 64 KiB (`/run` at most 10 MB + 64 KiB); load-balancer 30 MB. */
  maxBodyBytes?: number;
  /** How long a finished job's result stays readable on `/status` (http), ms. Default 30 min for `/run`, 1 min for `/runsync`. */
  resultTtlMs?: number;
  /** Default: the runtime's logger. */
  logger?: Logger;
  /** Environment to read RUNPOD_API_KEY, PORT, PORT_HEALTH, HEALTH_CHECK_PATH and RUNPOD_* from. Default `process.env`. */
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

function checkEndpoints(endpoints: readonly Constructor[]): string[] {
  if (!Array.isArray(endpoints) || endpoints.length === 0) {
    throw new SwitchyardError('serve() needs at least one @Endpoint class: serve({ endpoints: [MyService] }).');
  }
  return endpoints.map((cls) => {
    const metadata = getEndpointMetadata(cls);
    if (!metadata) {
      throw new SwitchyardError(`serve(): class ${cls?.name ?? String(cls)} is not decorated with @Endpoint, so it cannot be served. Add @Endpoint() or remove it from endpoints.`);
    }
    return metadata.name;
  });
}

function checkPort(value: unknown, what: string): number {
  const port = typeof value === 'string' ? Number(value) : value;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new SwitchyardError(`${what} = ${JSON.stringify(value)} is not a port number. Give an integer from 0 to 65535 (0 = any free port).`);
  }
  return port;
}

function requireKey(options: ServeOptions, env: NodeJS.ProcessEnv, mode: ServeMode): BearerAuth {
  const key = options.apiKey ?? env.RUNPOD_API_KEY;
  if (!key) {
    throw new SwitchyardError(
      `serve() in ${mode} mode refuses to start an unauthenticated server: no API key. Set RUNPOD_API_KEY or pass serve({ apiKey }); callers then send "Authorization: Bearer <key>".`,
    );
  }
  return new BearerAuth(key);
}

function formatUrl(server: Server, host: string): string {
  const { port } = server.address() as AddressInfo;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

async function listen(server: Server, port: number, host: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => reject(new SwitchyardError(`The worker could not listen on ${host}:${port}: ${error.message}. Choose another port or host.`, { cause: error }));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/** How long an idle keep-alive connection stays open, ms. */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;

/** An http server that counts the requests it is answering, so close() can wait for them. */
function trackingServer(handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>): { server: Server; settled(): Promise<void> } {
  const inFlight = new Set<Promise<void>>();
  const server = createServer((req, res) => {
    const work = handle(req, res).finally(() => inFlight.delete(work));
    inFlight.add(work);
  });
  // Node closes idle keep-alive sockets after 5 s. A busy client may write its next request on
  // such a socket just as it closes, and a POST that failed that way cannot be resent safely.
  // Idle sockets are kept for 65 s instead; the timeout hint sent to clients says so.
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1_000;
  return {
    server,
    async settled() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}

async function closeServer(server: Server): Promise<void> {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/**
 * Serves `@Endpoint` classes: only their `@Remote` methods are reachable, and only with the API
 * key (http and load-balancer modes). Resolves once the worker accepts calls.
 *
 * ```ts
 * const worker = await serve({ endpoints: [ImageProcessor], apiKey: 'local-key' });
 * // RunPod's API at `${worker.url}/v2/ImageProcessor/runsync` ...
 * await worker.close();
 * ```
 */
export async function serve(options: ServeOptions): Promise<WorkerServer> {
  const mode = options.mode ?? 'http';
  if (mode !== 'http' && mode !== 'runpod' && mode !== 'load-balancer') {
    throw new SwitchyardError(`serve(): mode ${JSON.stringify(mode)} is unknown. Use 'http', 'runpod' or 'load-balancer'.`);
  }
  const env = options.env ?? process.env;
  const names = checkEndpoints(options.endpoints);
  const host = options.host ?? '127.0.0.1';
  const auth = mode === 'runpod' ? undefined : requireKey(options, env, mode);
  if (options.runtime) {
    const missing = names.filter((name) => !options.runtime!.hosts(name));
    if (missing.length > 0) {
      throw new SwitchyardError(
        `serve(): the given runtime does not host ${missing.map((n) => `"${n}"`).join(', ')}. Create it with createRuntime({ endpoint: [${names.map((n) => `'${n}'`).join(', ')}] }) or leave runtime out.`,
      );
    }
  }
  const ownsRuntime = !options.runtime;
  const runtime = options.runtime ?? createRuntime({ endpoint: names, apiKey: options.apiKey, logger: options.logger, env });
  const logger = options.logger ?? runtime.logger;
  try {
    const dispatcher = new Dispatcher({ runtime, endpoints: options.endpoints, logger });
    if (mode === 'runpod') return await serveRunpod(options, dispatcher, runtime, ownsRuntime, logger, env);
    if (mode === 'load-balancer') return await serveLoadBalancer(options, dispatcher, auth!, host, runtime, ownsRuntime, logger, env);
    return await serveHttp(options, dispatcher, auth!, host, names, runtime, ownsRuntime, logger);
  } catch (error) {
    if (ownsRuntime) await runtime.close();
    throw error;
  }
}

function handleOf(close: () => Promise<void>, url: string, healthUrl?: string): WorkerServer {
  let closing: Promise<void> | undefined;
  const once = () => (closing ??= close());
  return { url, ...(healthUrl ? { healthUrl } : {}), close: once, [Symbol.asyncDispose]: once };
}

async function serveRunpod(
  options: ServeOptions,
  dispatcher: Dispatcher,
  runtime: Runtime,
  ownsRuntime: boolean,
  logger: Logger,
  env: NodeJS.ProcessEnv,
): Promise<WorkerServer> {
  const worker = await startRunpodWorker({ dispatcher, concurrency: options.concurrency, logger, env });
  // A SIGTERM drains the worker by itself; the runtime serve() created must close with it.
  void worker.closed.then(() => (ownsRuntime ? runtime.close() : undefined));
  return handleOf(async () => {
    await worker.close();
    if (ownsRuntime) await runtime.close();
  }, '');
}

async function serveHttp(
  options: ServeOptions,
  dispatcher: Dispatcher,
  auth: BearerAuth,
  host: string,
  names: string[],
  runtime: Runtime,
  ownsRuntime: boolean,
  logger: Logger,
): Promise<WorkerServer> {
  const port = checkPort(options.port ?? 0, 'serve() port');
  const api = new RunpodApi({
    dispatcher,
    endpoints: dispatcher.endpointNames,
    auth,
    concurrency: options.concurrency,
    maxBodyBytes: options.maxBodyBytes,
    resultTtlMs: options.resultTtlMs,
    logger,
  });
  const { server, settled } = trackingServer((req, res) => api.handle(req, res));
  await listen(server, port, host);
  const url = formatUrl(server, host);
  logger.info('worker serving RunPod API', { url, endpoints: names.join(',') });
  return handleOf(async () => {
    server.close();
    server.closeIdleConnections();
    await api.drain();
    // Every job is terminal now, so waiting requests (runsync, status-sync) answer at once.
    await settled();
    await closeServer(server);
    if (ownsRuntime) await runtime.close();
  }, url);
}

async function serveLoadBalancer(
  options: ServeOptions,
  dispatcher: Dispatcher,
  auth: BearerAuth,
  host: string,
  runtime: Runtime,
  ownsRuntime: boolean,
  logger: Logger,
  env: NodeJS.ProcessEnv,
): Promise<WorkerServer> {
  const port = options.port !== undefined ? checkPort(options.port, 'serve() port') : env.PORT ? checkPort(env.PORT, 'PORT') : 0;
  const healthPort = env.PORT_HEALTH ? checkPort(env.PORT_HEALTH, 'PORT_HEALTH') : undefined;
  const healthPath = env.HEALTH_CHECK_PATH || '/ping';
  if (!healthPath.startsWith('/')) {
    throw new SwitchyardError(`HEALTH_CHECK_PATH = ${JSON.stringify(healthPath)} must start with "/", e.g. /ping.`);
  }
  const separateHealth = healthPort !== undefined && healthPort !== port;
  const api = new LoadBalancerApi({ dispatcher, auth, maxBodyBytes: options.maxBodyBytes, healthPath, servesHealth: !separateHealth, logger });

  let health: ReturnType<typeof trackingServer> | undefined;
  if (separateHealth) {
    // Up first, so RunPod sees "starting" (204) until the main server is ready.
    health = trackingServer(async (req, res) => {
      if (!answerHealth(req, res, healthPath, api.state)) {
        sendRefusal(res, new HttpRefusal(404, `This port only answers the health check at GET ${healthPath}.`));
      }
    });
    await listen(health.server, healthPort, host);
  }
  const main = trackingServer((req, res) => api.handle(req, res));
  try {
    await listen(main.server, port, host);
  } catch (error) {
    if (health) await closeServer(health.server);
    throw error;
  }
  api.state = 'ready';
  const url = formatUrl(main.server, host);
  const healthUrl = health ? formatUrl(health.server, host) : undefined;
  logger.info('worker serving load-balancer API', { url, healthPath, healthUrl });
  return handleOf(async () => {
    api.state = 'stopping';
    main.server.close();
    main.server.closeIdleConnections();
    await main.settled();
    await closeServer(main.server);
    if (health) await closeServer(health.server);
    if (ownsRuntime) await runtime.close();
  }, url, healthUrl);
}
