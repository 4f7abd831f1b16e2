import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { EndpointType } from '@switchyard/decorators';
import { processEnv } from '../config';
import { SwitchyardError } from '../errors';
import { parseRecord, renderRecord, type CallTree, type TreeWorker } from './call-tree';
import { cliCommand, READY_MARKER } from './dev-protocol';

/** One endpoint to run in a worker process. */
export interface WorkerSpec {
  endpoint: string;
  type: EndpointType;
  methods: string[];
}

/** What every worker of a dev cluster is started with. */
export interface WorkerLaunch {
  entry: string;
  /** SWITCHYARD_MANIFEST of the worker. */
  manifestPath: string;
  directoryUrl: string;
  apiKey: string;
  /** Extra environment, over this process's. */
  env?: NodeJS.ProcessEnv;
  startTimeoutMs: number;
  /** dev's lock file: a worker whose dev died removes dev's env file and lock. */
  lockFile?: string;
  /** Receives each output line of the worker, prefixed with `[endpoint]`. */
  log(line: string): void;
  /**
   * When set, the worker logs JSON (SWITCHYARD_LOG_FORMAT=json set by dev): its call and job
   * lines go to this tree, and its other records are written back as text lines.
   */
  tree?: CallTree;
}

/** A worker process that printed its ready line. */
export interface WorkerProcess {
  readonly endpoint: string;
  /** `http://127.0.0.1:PORT/v2/<name>`, or the origin for load-balancer endpoints. */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** Settles when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM (in-flight jobs finish), then SIGKILL after `graceMs`. */
  stop(graceMs: number): Promise<void>;
}

/** Lines of a worker's output kept to explain why it exited before it was ready. */
const KEPT_LINES = 40;

/**
 * Starts `switchyard serve` for one endpoint in a child process on a free 127.0.0.1 port.
 * The child's standard input is a pipe this process never writes to: it closes when this
 * process dies, however it dies, and `serve --stop-on-stdin-end` then stops the worker.
 * Resolves once the child prints its ready line; rejects, quoting the child's error and where
 * it was thrown, when it exits first or takes longer than `startTimeoutMs`.
 */
export function launchWorker(spec: WorkerSpec, launch: WorkerLaunch): Promise<WorkerProcess> {
  const { command, args } = cliCommand();
  const mode = spec.type === 'load-balancer' ? 'load-balancer' : 'http';
  const serveArgs = ['serve', '--entry', launch.entry, '--endpoint', spec.endpoint, '--port', '0', '--host', '127.0.0.1', '--mode', mode];
  // The lifeline: stop when our pipe closes; and, if we died, clean up after us.
  serveArgs.push('--stop-on-stdin-end', ...(launch.lockFile ? ['--dev-lock', launch.lockFile] : []));
  const child = spawn(
    command,
    [...args, ...serveArgs],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: {
        ...processEnv(),
        ...launch.env,
        SWITCHYARD_ENDPOINT: spec.endpoint,
        SWITCHYARD_MANIFEST: launch.manifestPath,
        SWITCHYARD_DIRECTORY_URL: launch.directoryUrl,
        RUNPOD_API_KEY: launch.apiKey,
        PORT: '0',
      },
    },
  );
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return new Promise<WorkerProcess>((resolveReady, rejectReady) => {
    let ready = false;
    // This worker, as the call tree names the jobs it ran (known once it listens).
    let self: TreeWorker | undefined;
    const recent: string[] = [];
    const timer = setTimeout(() => {
      if (ready) return;
      child.kill('SIGKILL');
      rejectReady(new SwitchyardError(`worker for endpoint "${spec.endpoint}" did not become ready within ${launch.startTimeoutMs} ms; see its log lines above, prefixed [${spec.endpoint}].`));
    }, launch.startTimeoutMs);
    const onLine = (line: string): void => {
      if (!ready && line.startsWith(READY_MARKER)) {
        try {
          const { url } = JSON.parse(line.slice(READY_MARKER.length)) as { url: string };
          self = { pid: child.pid ?? -1, port: Number(new URL(url).port) };
          ready = true;
          clearTimeout(timer);
          resolveReady({
            endpoint: spec.endpoint,
            url: spec.type === 'load-balancer' ? url : `${url}/v2/${spec.endpoint}`,
            port: Number(new URL(url).port),
            pid: child.pid ?? -1,
            exited,
            stop: (graceMs) => stopChild(child, exited, graceMs),
          });
        } catch (error) {
          rejectReady(error as Error);
        }
        return;
      }
      const record = launch.tree ? parseRecord(line) : undefined;
      if (record && launch.tree!.add(record, self)) return;
      const text = record ? renderRecord(record) : line;
      for (const part of text.split('\n')) {
        if (!ready && recent.push(part) > KEPT_LINES) recent.shift();
        launch.log(`[${spec.endpoint}] ${part}`);
      }
    };
    createInterface({ input: child.stdout! }).on('line', onLine);
    createInterface({ input: child.stderr! }).on('line', onLine);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      if (ready) return;
      const said = errorLines(recent);
      rejectReady(
        new SwitchyardError(
          `worker for endpoint "${spec.endpoint}" exited before it was ready (${code !== null ? `exit code ${code}` : signal})` +
            (said.length > 0 ? `:\n${said.map((l) => `  ${l}`).join('\n')}\nIts whole output is above, prefixed [${spec.endpoint}].` : `; see its log lines above, prefixed [${spec.endpoint}].`),
        ),
      );
    });
  });
}

/** The worker's `error: …` line and the first stack frame after it (where it was thrown). */
function errorLines(lines: readonly string[]): string[] {
  let at = lines.length - 1;
  while (at >= 0 && !lines[at].startsWith('error: ')) at--;
  if (at < 0) return [];
  const frame = lines.slice(at + 1).find((l) => /^\s+at .*:\d+:\d+\)?$/.test(l));
  return frame ? [lines[at], frame.trim()] : [lines[at]];
}

function stopChild(child: ChildProcess, exited: Promise<unknown>, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const killTimer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  child.kill('SIGTERM');
  return exited.then(() => clearTimeout(killTimer));
}
