import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { createInterface } from 'node:readline';
import { listEndpoints } from '@switchyard/decorators';
import { loadDefaults, processEnv } from '../config';
import { startDirectoryServer } from '../directory';
import { ConfigurationError, SwitchyardError } from '../errors';
import { buildManifest, writeManifest, type Manifest } from '../manifest';
import { assertSinglePeerCopies } from '../peer-dependencies';
import { loadEntryModule } from './entry-module';

/** Printed by `switchyard serve` once it listens; `dev` reads it from the child's stdout. */
export const READY_MARKER = 'SWITCHYARD_READY ';

/** Options of `startDevCluster`. */
export interface DevClusterOptions {
  /** Compiled entry module that imports the endpoint classes (as for `switchyard build`). */
  entry: string;
  /** Where the manifest is written. Default `.switchyard/dev.manifest.json` next to the entry's cwd. */
  manifestPath?: string;
  /** Restarts allowed per worker after a crash. Default 3. */
  maxRestarts?: number;
  /** Receives every worker log line, already prefixed with the endpoint name. Default: stderr. */
  onLog?: (line: string) => void;
  /** Receives lifecycle events (started, crashed, restarted, stopped). Default: stderr. */
  onEvent?: (line: string) => void;
  /** Extra environment for the workers. */
  env?: NodeJS.ProcessEnv;
  /** How long to wait for a worker to become healthy, ms. Default 30000. */
  startTimeoutMs?: number;
  /** Key the directory and workers require. Default: a random key per run (never RUNPOD_API_KEY, which may be a real RunPod key). */
  apiKey?: string;
  /**
   * Where the client environment is written (SWITCHYARD_DIRECTORY_URL, SWITCHYARD_MANIFEST,
   * RUNPOD_API_KEY; file mode 0600), so another shell can call the cluster. Default
   * `.switchyard/dev.env` beside the manifest; removed by stop().
   */
  envFile?: string;
}

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

/** A running dev cluster: an embedded directory and one worker child process per endpoint. */
export interface DevCluster {
  readonly directoryUrl: string;
  readonly apiKey: string;
  readonly manifest: Manifest;
  readonly manifestPath: string;
  /** The client environment file (see DevClusterOptions.envFile). */
  readonly envFile: string;
  workers(): DevWorker[];
  /** Stops every child (SIGTERM, then SIGKILL after 5 s) and the directory. */
  stop(): Promise<void>;
  /** Resolves when stop() has finished. */
  readonly stopped: Promise<void>;
}

interface WorkerSlot {
  endpoint: string;
  methods: string[];
  type: 'queue' | 'load-balancer';
  child?: ChildProcess;
  info?: DevWorker;
  restarts: number;
  stopping: boolean;
}

/**
 * How to start the `switchyard` CLI in a child. When this module runs from source under a
 * TypeScript loader (its flags are in execArgv), the child runs the source bin with the same
 * flags; otherwise (dist, or a test runner that transforms sources itself) the compiled bin.
 * The parent's own script (a demo, a test runner) is never reused.
 */
export function cliCommand(): { command: string; args: string[] } {
  const underLoader = __filename.endsWith('.ts') && process.execArgv.some((flag) => /register|loader|import/.test(flag));
  const script = underLoader ? resolvePath(__dirname, 'bin.ts') : resolvePath(__dirname, '../../bin/switchyard.js');
  return { command: process.execPath, args: [...process.execArgv, script] };
}

/**
 * Builds the manifest of `entry`, starts an embedded directory and one worker child process per
 * endpoint (each `switchyard serve --endpoint <name>` with SWITCHYARD_ENDPOINT set) on free
 * 127.0.0.1 ports with a generated key, waits until each is healthy and registers it.
 * A crashed worker is reported with its exit code and restarted up to `maxRestarts` times.
 */
export async function startDevCluster(options: DevClusterOptions): Promise<DevCluster> {
  const entry = await loadEntryModule(options.entry, process.cwd());
  assertSinglePeerCopies({ paths: [process.cwd(), dirname(entry)] });
  const manifest = buildManifest(listEndpoints());
  const manifestPath = resolvePath(options.manifestPath ?? join('.switchyard', 'dev.manifest.json'));
  mkdirSync(dirname(manifestPath), { recursive: true });
  writeManifest(manifestPath, manifest);
  const endpoints = Object.entries(manifest.endpoints);
  if (endpoints.length === 0) {
    throw new ConfigurationError(`${options.entry} declares no @Endpoint classes. Import your endpoint classes from the entry module.`, { option: '--entry' });
  }

  // A fresh key per run, never the user's RUNPOD_API_KEY: it is written to the env file below.
  const apiKey = options.apiKey ?? randomBytes(24).toString('hex');
  const directory = await startDirectoryServer({ apiKey });
  const envFile = resolvePath(options.envFile ?? join(dirname(manifestPath), 'dev.env'));
  // The key goes to a file only the user can read, never to the terminal or the logs.
  writeFileSync(
    envFile,
    `SWITCHYARD_DIRECTORY_URL=${directory.url}\nSWITCHYARD_MANIFEST=${manifestPath}\nRUNPOD_API_KEY=${apiKey}\n`,
    { mode: 0o600 },
  );
  chmodSync(envFile, 0o600);
  const log = options.onLog ?? ((line: string) => process.stderr.write(`${line}\n`));
  const event = options.onEvent ?? ((line: string) => process.stderr.write(`${line}\n`));
  const maxRestarts = options.maxRestarts ?? 3;
  const defaults = loadDefaults(options.env ?? processEnv());
  const startTimeoutMs = options.startTimeoutMs ?? defaults.devStartTimeoutMs;
  const { command, args } = cliCommand();
  let stopping = false;

  const slots: WorkerSlot[] = endpoints.map(([name, e]) => ({
    endpoint: name,
    methods: e.methods.map((m) => m.name),
    type: e.type,
    restarts: 0,
    stopping: false,
  }));

  const launch = (slot: WorkerSlot): Promise<DevWorker> =>
    new Promise<DevWorker>((resolveReady, rejectReady) => {
      const child = spawn(
        command,
        [...args, 'serve', '--entry', entry, '--endpoint', slot.endpoint, '--port', '0', '--host', '127.0.0.1', '--mode', slot.type === 'load-balancer' ? 'load-balancer' : 'http'],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
          env: {
            ...process.env,
            ...options.env,
            SWITCHYARD_ENDPOINT: slot.endpoint,
            SWITCHYARD_MANIFEST: manifestPath,
            SWITCHYARD_DIRECTORY_URL: directory.url,
            RUNPOD_API_KEY: apiKey,
            PORT: '0',
          },
        },
      );
      slot.child = child;
      let ready = false;
      const timer = setTimeout(() => {
        if (!ready) {
          child.kill('SIGKILL');
          rejectReady(new SwitchyardError(`worker for endpoint "${slot.endpoint}" did not become ready within ${startTimeoutMs} ms; see its log lines above.`));
        }
      }, startTimeoutMs);
      const onLine = (line: string): void => {
        if (!ready && line.startsWith(READY_MARKER)) {
          try {
            const { url } = JSON.parse(line.slice(READY_MARKER.length)) as { url: string };
            const port = Number(new URL(url).port);
            ready = true;
            clearTimeout(timer);
            const address = slot.type === 'load-balancer' ? url : `${url}/v2/${slot.endpoint}`;
            slot.info = { endpoint: slot.endpoint, url: address, port, pid: child.pid ?? -1, methods: slot.methods, restarts: slot.restarts };
            resolveReady(slot.info);
          } catch (error) {
            rejectReady(error as Error);
          }
          return;
        }
        log(`[${slot.endpoint}] ${line}`);
      };
      createInterface({ input: child.stdout! }).on('line', onLine);
      createInterface({ input: child.stderr! }).on('line', onLine);
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        if (!ready) {
          rejectReady(new SwitchyardError(`worker for endpoint "${slot.endpoint}" exited before it was ready (code ${code ?? signal}); see its log lines above.`));
          return;
        }
        if (slot.stopping || stopping) return;
        event(`worker ${slot.endpoint} (pid ${child.pid}) crashed with exit code ${code ?? signal}`);
        directory.remove(slot.endpoint);
        if (slot.restarts >= maxRestarts) {
          event(`worker ${slot.endpoint} crashed ${slot.restarts + 1} times; not restarting it (limit ${maxRestarts}). Calls to it now fail with RouteNotFoundError.`);
          return;
        }
        slot.restarts++;
        launch(slot).then(
          (info) => {
            directory.set(slot.endpoint, [info.url]);
            event(`worker ${slot.endpoint} restarted (${slot.restarts}/${maxRestarts}) as pid ${info.pid} on ${info.url}`);
          },
          (error: Error) => event(`worker ${slot.endpoint} could not be restarted: ${error.message}`),
        );
      });
    });

  const stopChild = (slot: WorkerSlot): Promise<void> =>
    new Promise((done) => {
      const child = slot.child;
      slot.stopping = true;
      if (!child || child.exitCode !== null || child.signalCode !== null) return done();
      const killTimer = setTimeout(() => child.kill('SIGKILL'), defaults.devStopGraceMs);
      child.once('exit', () => {
        clearTimeout(killTimer);
        done();
      });
      child.kill('SIGTERM');
    });

  let resolveStopped!: () => void;
  const stopped = new Promise<void>((r) => (resolveStopped = r));
  let stopPromise: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopPromise ??= (async () => {
      stopping = true;
      await Promise.all(slots.map(stopChild));
      await directory.close();
      rmSync(envFile, { force: true });
      resolveStopped();
    })();
    return stopPromise;
  };

  try {
    const infos = await Promise.all(slots.map(launch));
    for (const info of infos) directory.set(info.endpoint, [info.url]);
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    directoryUrl: directory.url,
    apiKey,
    manifest,
    manifestPath,
    envFile,
    workers: () => slots.filter((s) => s.info).map((s) => ({ ...s.info!, restarts: s.restarts })),
    stop,
    stopped,
  };
}
