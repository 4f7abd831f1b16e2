import { Worker } from 'node:worker_threads';

/**
 * The code of the heartbeat thread (plain JavaScript, run with `eval: true`). It is a constant
 * written here, never request data; a string rather than a file of its own so the very same code
 * runs from the compiled package, under jest (TypeScript sources) and under swc-node, without a
 * build step that copies a .js file. It has no imports but Node's own worker_threads, and uses
 * the thread's global fetch.
 *
 * workerData: { url, intervalMs, timeoutMs, headers }. Messages in: { url } (the ping URL with the
 * current in-progress job ids). Messages out: { ok: false, reason } after a failed ping.
 * Cadence: one ping every intervalMs, start to start, never two at once.
 */
const HEARTBEAT_THREAD_SOURCE = String.raw`
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { intervalMs, timeoutMs, headers } = workerData;
let url = workerData.url;
parentPort.on('message', (message) => {
  if (message && typeof message.url === 'string') url = message.url;
});
function describe(error) {
  if (error && error.name === 'TimeoutError') return 'no reply within ' + timeoutMs + ' ms';
  const message = error && typeof error.message === 'string' ? error.message : String(error);
  const cause = error && error.cause && typeof error.cause.message === 'string' ? ' (' + error.cause.message + ')' : '';
  return (error && typeof error.name === 'string' ? error.name : 'Error') + ': ' + message + cause;
}
async function beat() {
  const startedAt = Date.now();
  try {
    const response = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
    const text = await response.text().catch(() => '');
    if (!response.ok) parentPort.postMessage({ ok: false, reason: ('HTTP ' + response.status + ' ' + text.slice(0, 200)).trim() });
  } catch (error) {
    parentPort.postMessage({ ok: false, reason: describe(error) });
  }
  setTimeout(beat, Math.max(0, intervalMs - (Date.now() - startedAt)));
}
beat();
`;

/** Options of {@link HeartbeatThread}. */
export interface HeartbeatThreadOptions {
  /** The first ping URL (no job in progress yet). */
  url: string;
  /** Ping period, ms (RUNPOD_PING_INTERVAL). */
  intervalMs: number;
  /** Client timeout of one ping, ms. */
  timeoutMs: number;
  /** Request headers: the raw RUNPOD_AI_API_KEY as Authorization, the User-Agent. */
  headers: Record<string, string>;
  /** Called on the main thread after a failed ping (when the main thread is free to run it). */
  onFailure: (reason: string) => void;
  /** Called if the thread itself dies (it should not): RunPod then sees no heartbeats. */
  onCrash: (error: Error) => void;
}

/**
 * RunPod's heartbeat (protocol reference §2.6), sent from a worker thread as runpod-python sends
 * it from a process of its own: a method that blocks the main event loop (a CPU-bound step, a
 * synchronous native call) must not make the worker look dead, or RunPod would fail its jobs.
 * The main thread tells it the in-progress job ids with {@link update}; the thread keeps the
 * cadence whatever the main thread does. It never keeps the process alive (unref) and is
 * terminated by {@link close}.
 */
export class HeartbeatThread {
  private readonly worker: Worker;
  private url: string;
  private closed = false;

  constructor(options: HeartbeatThreadOptions) {
    this.url = options.url;
    this.worker = new Worker(HEARTBEAT_THREAD_SOURCE, {
      eval: true,
      workerData: { url: options.url, intervalMs: options.intervalMs, timeoutMs: options.timeoutMs, headers: options.headers },
      // The thread reads nothing from the environment and needs no flags of the main process.
      env: {},
      execArgv: [],
      stdout: false,
      stderr: false,
    });
    this.worker.unref();
    this.worker.on('message', (message: { ok?: boolean; reason?: string }) => {
      if (message?.ok === false && !this.closed) options.onFailure(String(message.reason));
    });
    this.worker.on('error', (error) => {
      if (!this.closed) options.onCrash(error);
    });
  }

  /** Sends the ping URL naming the current in-progress job ids; the next ping uses it. */
  update(url: string): void {
    if (this.closed || url === this.url) return;
    this.url = url;
    this.worker.postMessage({ url });
  }

  /** Stops the heartbeat: the thread is terminated, a ping in flight with it. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.worker.terminate();
  }
}
