import { launchWorker, type WorkerLaunch, type WorkerProcess, type WorkerSpec } from './worker-process';

/** One running worker of the dev cluster. */
export interface DevWorker {
  endpoint: string;
  /** The endpoint's URL (`http://127.0.0.1:PORT/v2/<name>`, or the origin for load-balancer endpoints). */
  url: string;
  port: number;
  pid: number;
  methods: string[];
  restarts: number;
}

/** Options of a {@link WorkerSet}. */
export interface WorkerSetOptions {
  launch: WorkerLaunch;
  /** Restarts allowed per worker after a crash. */
  maxRestarts: number;
  /** How long a stopping worker gets after SIGTERM before SIGKILL, ms. */
  stopGraceMs: number;
  /** Lifecycle events: crashed, restarted. */
  event(line: string): void;
  /** A worker's address changed (undefined: it is down). Called only while the set is active. */
  publish(endpoint: string, url: string | undefined): void;
}

interface Slot {
  spec: WorkerSpec;
  worker?: WorkerProcess;
  restarts: number;
}

/**
 * One worker process per endpoint, all started from the same build of the entry: the dev
 * cluster's current set, or the next one a reload starts beside it. A crashed worker is
 * reported with its exit code and restarted up to `maxRestarts` times; only the active set
 * tells the directory about it.
 */
export class WorkerSet {
  private readonly slots: Slot[];
  private active = false;
  private stopping = false;

  constructor(
    specs: readonly WorkerSpec[],
    private readonly options: WorkerSetOptions,
  ) {
    this.slots = specs.map((spec) => ({ spec, restarts: 0 }));
  }

  /** Starts every worker and waits until each is ready; if one cannot start, stops the others and throws its error. */
  async start(): Promise<void> {
    const results = await Promise.allSettled(this.slots.map((slot) => this.launch(slot)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await this.stop();
      throw failed.reason;
    }
  }

  /** From now on this set's workers are the ones the directory lists; `manifestPath` is what restarted workers load. */
  activate(manifestPath: string): void {
    this.active = true;
    this.options.launch.manifestPath = manifestPath;
    for (const slot of this.slots) if (slot.worker) this.options.publish(slot.spec.endpoint, slot.worker.url);
  }

  workers(): DevWorker[] {
    return this.slots.flatMap((s) =>
      s.worker ? [{ endpoint: s.spec.endpoint, url: s.worker.url, port: s.worker.port, pid: s.worker.pid, methods: s.spec.methods, restarts: s.restarts }] : [],
    );
  }

  /** Stops every worker (SIGTERM, then SIGKILL after the grace period). */
  async stop(): Promise<void> {
    this.stopping = true;
    this.active = false;
    await Promise.all(this.slots.map((slot) => slot.worker?.stop(this.options.stopGraceMs)));
  }

  private async launch(slot: Slot): Promise<WorkerProcess> {
    const worker = await launchWorker(slot.spec, this.options.launch);
    if (this.stopping) {
      await worker.stop(this.options.stopGraceMs);
      return worker;
    }
    slot.worker = worker;
    void worker.exited.then(({ code, signal }) => this.onExit(slot, worker, code ?? signal));
    return worker;
  }

  private onExit(slot: Slot, worker: WorkerProcess, how: number | string | null): void {
    if (this.stopping || slot.worker !== worker) return;
    const { event, maxRestarts } = this.options;
    const name = slot.spec.endpoint;
    event(`worker ${name} (pid ${worker.pid}) crashed with exit code ${how}`);
    slot.worker = undefined;
    if (this.active) this.options.publish(name, undefined);
    if (slot.restarts >= maxRestarts) {
      event(`worker ${name} crashed ${slot.restarts + 1} times; not restarting it (limit ${maxRestarts}). Calls to it now fail with RouteNotFoundError.`);
      return;
    }
    slot.restarts++;
    this.launch(slot).then(
      (next) => {
        if (this.stopping) return;
        if (this.active) this.options.publish(name, next.url);
        event(`worker ${name} restarted (${slot.restarts}/${maxRestarts}) as pid ${next.pid} on ${next.url}`);
      },
      (error: Error) => event(`worker ${name} could not be restarted: ${error.message}`),
    );
  }
}
