import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpRefusal, parseJsonBody, readBody, sendJson, sendRefusal, type BearerAuth } from '../http';
import type { Logger } from '../observability/logger';
import { LazyAbort } from '../resilience/lazy-abort';
import { WIRE_VERSION } from '../serialization/wire';
import type { SwitchyardMetrics } from '../observability/metrics';
import type { JobDispatcher, JobOutcome } from './dispatcher-types';
import { answerMetrics, METRICS_PATH } from './metrics-route';
import { NdjsonReply } from './ndjson-reply';

/** Options of {@link LoadBalancerApi}. */
export interface LoadBalancerApiOptions {
  dispatcher: JobDispatcher;
  /** Where refused requests are counted and running jobs are read; served at GET /metrics. */
  metrics: SwitchyardMetrics;
  /** The hosted endpoints (running jobs are counted per endpoint). */
  endpoints: readonly string[];
  auth: BearerAuth;
  /** Request body limit, bytes. */
  maxBodyBytes: number;
  /** Path of the health check (env HEALTH_CHECK_PATH). */
  healthPath: string;
  /** Whether this server also answers the health check (false when PORT_HEALTH is a separate port). */
  servesHealth: boolean;
  logger: Logger;
}

/** Lifecycle reported by the health check: 204 while starting, 200 when ready, 503 while stopping. */
export type HealthState = 'starting' | 'ready' | 'stopping';

const INVOCATION_EXAMPLE = '{"sy": 1, "endpoint": "...", "method": "...", "args": {"json": []}, "callId": "...", "deadline": 0}';

/** Answers RunPod's load-balancer health check on `path`; false if the request is for another path. */
export function answerHealth(req: IncomingMessage, res: ServerResponse, path: string, state: HealthState): boolean {
  const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (pathname !== path) return false;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendRefusal(res, new HttpRefusal(405, `${req.method} is not allowed on ${path}; use GET.`, { allow: 'GET, HEAD' }));
  } else if (state === 'ready') {
    sendJson(res, 200, { status: 'healthy' });
  } else if (state === 'starting') {
    res.writeHead(204).end();
  } else {
    sendJson(res, 503, { status: 'stopping' });
  }
  return true;
}

/**
 * The worker side of a RunPod load-balancing endpoint: `POST /execute` takes a Switchyard
 * invocation as the JSON body (never code) and replies 200 with the WireOutput, or the
 * outcome's status (400/404/409/504/500) with `{"sy": 1, "error": <WireFailure>}`. A streaming
 * method's reply is 200 NDJSON (ndjson-reply.ts): `{"sy":1,"chunk":…}` per value, then
 * `{"sy":1,"end":true}`, or `{"sy":1,"error":…}` when it fails after its first chunk. If the caller
 * disconnects before the reply ends, the method's AbortSignal fires (and a stream's generator is closed).
 */
export class LoadBalancerApi {
  state: HealthState = 'starting';
  private readonly running = new Map<string, number>();

  constructor(private readonly options: LoadBalancerApiOptions) {
    for (const endpoint of options.endpoints) this.running.set(endpoint, 0);
    options.metrics.watchQueues(() => [...this.running].map(([endpoint, running]) => ({ endpoint, queued: 0, running })));
  }

  /** Answers one request. Never throws. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      if (this.options.servesHealth && answerHealth(req, res, this.options.healthPath, this.state)) return;
      await this.route(req, res);
    } catch (error) {
      if (error instanceof HttpRefusal) {
        this.options.metrics.requestRejected(error.status);
        sendRefusal(res, error);
      } else {
        this.options.metrics.requestRejected(500);
        this.options.logger.error('load-balancer request failed', { url: req.url?.slice(0, 200), error: error as Error });
        sendJson(res, 500, { error: 'The worker failed to handle the request; see its log. Retry the request.' });
      }
    }
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.options.auth.check(req);
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (await answerMetrics(req, res, pathname, this.options.metrics)) return;
    if (pathname !== '/execute') {
      throw new HttpRefusal(404, `No route ${req.method} ${JSON.stringify(pathname.slice(0, 80))}. This load-balancer worker serves POST /execute, GET ${METRICS_PATH} and GET ${this.options.healthPath}.`);
    }
    if (req.method !== 'POST') {
      throw new HttpRefusal(405, `${req.method} is not allowed on /execute; use POST with an invocation as the JSON body.`, { allow: 'POST' });
    }
    if (this.state === 'stopping') {
      throw new HttpRefusal(503, 'This worker is shutting down. Send the request to another worker.', { connection: 'close' });
    }
    const invocation = parseJsonBody(await readBody(req, this.options.maxBodyBytes, '/execute'), INVOCATION_EXAMPLE);
    const controller = new LazyAbort();
    // The caller hung up before the reply: the work is no longer wanted.
    const onClose = () => {
      if (!res.writableFinished) controller.abort();
    };
    res.once('close', onClose);
    // It may have hung up while its body was being read, before the listener was there.
    if (req.socket.destroyed) onClose();
    const requestId = req.headers['x-request-id'];
    const jobId = typeof requestId === 'string' && requestId.length > 0 && requestId.length <= 128 ? requestId : `lb-${randomUUID()}`;
    const endpoint = (invocation as { endpoint?: unknown } | null)?.endpoint;
    const counted = typeof endpoint === 'string' && this.running.has(endpoint) ? endpoint : undefined;
    if (counted) this.running.set(counted, this.running.get(counted)! + 1);
    const stream = new NdjsonReply(res);
    let outcome: JobOutcome;
    try {
      outcome = await this.options.dispatcher.dispatch(invocation, { jobId, signal: controller, emit: (chunk) => stream.write(chunk) });
    } finally {
      if (counted) this.running.set(counted, this.running.get(counted)! - 1);
    }
    if (outcome.status === 'COMPLETED') {
      if ('chunks' in outcome) stream.end({ sy: WIRE_VERSION, end: true });
      else sendJson(res, 200, outcome.output);
    } else if (stream.started) {
      // The failure ends a stream that has begun; before its first chunk it is an ordinary error reply.
      stream.end({ sy: WIRE_VERSION, error: outcome.failure });
    } else {
      sendJson(res, outcome.httpStatus, { sy: WIRE_VERSION, error: outcome.failure });
    }
  }
}
