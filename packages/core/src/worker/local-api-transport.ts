import { numberOption } from '../config';
import { BearerAuth, startHttpServer, type TrackedServer } from '../http';
import { RunpodApi } from './runpod-api';
import type { TransportAddress, TransportContext, WorkerTransport } from './worker-transport';

/** Mode `http`: RunPod's serverless client API served locally under `/v2/{endpoint}/…`. */
export class LocalApiTransport implements WorkerTransport {
  private server: TrackedServer | undefined;
  private api: RunpodApi | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly context: TransportContext,
    private readonly auth: BearerAuth,
  ) {}

  async start(): Promise<TransportAddress> {
    const c = this.context;
    const api = (this.api = new RunpodApi({
      dispatcher: c.dispatcher,
      metrics: c.metrics,
      endpoints: c.dispatcher.endpointNames,
      auth: this.auth,
      concurrency: numberOption('serve()', 'concurrency', c.concurrency, c.defaults, 'httpConcurrency'),
      maxBodyBytes: c.maxBodyBytes,
      resultTtlMs: c.resultTtlMs,
      defaults: c.defaults,
      logger: c.logger,
    }));
    this.server = await startHttpServer({ host: c.host, port: c.port ?? 0, keepAliveTimeoutMs: c.defaults.keepAliveTimeoutMs, what: 'The worker' }, (req, res) =>
      api.handle(req, res),
    );
    c.logger.info('worker serving RunPod API', { url: this.server.url, endpoints: c.endpoints.join(',') });
    return { url: this.server.url };
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.server?.stopAccepting();
      await this.api?.drain();
      // Every job is terminal now, so waiting requests (runsync, status-sync) answer at once.
      await this.server?.settled();
      await this.server?.close();
    })();
    return this.closing;
  }
}
