import { startRunpodWorker, type RunpodWorkerHandle } from './runpod-worker';
import type { TransportAddress, TransportContext, WorkerTransport } from './worker-transport';

/** Mode `runpod`: a RunPod serverless worker taking jobs from the platform's job service (RUNPOD_WEBHOOK_* env). */
export class RunpodTransport implements WorkerTransport {
  private worker: RunpodWorkerHandle | undefined;
  private resolveStopped!: () => void;
  readonly stopped = new Promise<void>((resolve) => (this.resolveStopped = resolve));

  constructor(private readonly context: TransportContext) {}

  async start(): Promise<TransportAddress> {
    const c = this.context;
    this.worker = await startRunpodWorker({ dispatcher: c.dispatcher, concurrency: c.concurrency, logger: c.logger, env: c.env, defaults: c.defaults });
    // A SIGTERM drains the worker by itself; serve() closes the runtime with it.
    void this.worker.closed.then(() => this.resolveStopped());
    return { url: '' };
  }

  async close(): Promise<void> {
    await this.worker?.close();
  }
}
