import { BearerAuth, HttpRefusal, sendRefusal, startHttpServer, type TrackedServer } from '../http';
import { LoadBalancerApi, answerHealth } from './load-balancer-api';
import type { TransportAddress, TransportContext, WorkerTransport } from './worker-transport';

/**
 * Mode `load-balancer`: the HTTP server of a RunPod load-balancing endpoint (`POST /execute`),
 * with the health check on HEALTH_CHECK_PATH — on its own PORT_HEALTH server when that differs
 * from the main port, started first so RunPod sees "starting" until the main server is ready.
 */
export class LoadBalancerTransport implements WorkerTransport {
  private main: TrackedServer | undefined;
  private health: TrackedServer | undefined;
  private api: LoadBalancerApi | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly context: TransportContext,
    private readonly auth: BearerAuth,
  ) {}

  async start(): Promise<TransportAddress> {
    const c = this.context;
    const port = c.port ?? c.defaults.port ?? 0;
    const healthPort = c.defaults.healthPort;
    const healthPath = c.defaults.healthCheckPath;
    const separateHealth = healthPort !== undefined && healthPort !== port;
    const api = (this.api = new LoadBalancerApi({
      dispatcher: c.dispatcher,
      metrics: c.metrics,
      endpoints: c.endpoints,
      auth: this.auth,
      maxBodyBytes: c.maxBodyBytes ?? c.defaults.loadBalancerPayloadLimit,
      healthPath,
      servesHealth: !separateHealth,
      logger: c.logger,
    }));
    const server = (p: number) => ({ host: c.host, port: p, keepAliveTimeoutMs: c.defaults.keepAliveTimeoutMs, what: 'The worker' });
    if (separateHealth) {
      this.health = await startHttpServer(server(healthPort), (req, res) => {
        if (!answerHealth(req, res, healthPath, api.state)) sendRefusal(res, new HttpRefusal(404, `This port only answers the health check at GET ${healthPath}.`));
      });
    }
    try {
      this.main = await startHttpServer(server(port), (req, res) => api.handle(req, res));
    } catch (error) {
      await this.health?.close();
      throw error;
    }
    api.state = 'ready';
    c.logger.info('worker serving load-balancer API', { url: this.main.url, healthPath, ...(this.health ? { healthUrl: this.health.url } : {}) });
    return { url: this.main.url, ...(this.health ? { healthUrl: this.health.url } : {}) };
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.api) this.api.state = 'stopping';
      this.main?.stopAccepting();
      await this.main?.settled();
      await this.main?.close();
      await this.health?.close();
    })();
    return this.closing;
  }
}
