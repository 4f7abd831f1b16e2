import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { listEndpoints } from '@switchyard/decorators';
import { loadDefaults, processEnv } from '../config';
import { startDirectoryServer, type DirectoryServer } from '../directory';
import { ConfigurationError } from '../errors';
import { buildManifest, writeManifest, type Manifest } from '../manifest';
import { assertSinglePeerCopies } from '../peer-dependencies';
import { CallTree } from './call-tree';
import { acquireDevLock } from './dev-lock';
import { DevReloader } from './dev-reloader';
import { WorkerSet, type DevWorker } from './dev-workers';
import { loadEntryModule } from './entry-module';
import type { WorkerLaunch, WorkerSpec } from './worker-process';

export { cliCommand, READY_MARKER } from './dev-protocol';
export type { DevWorker } from './dev-workers';

/** Options of `startDevCluster`. */
export interface DevClusterOptions {
  /** Compiled entry module that imports the endpoint classes (as for `switchyard build`). */
  entry: string;
  /** Where the manifest is written. Default `.switchyard/dev.manifest.json` in the working folder. */
  manifestPath?: string;
  /** Restarts allowed per worker after a crash. Default 3. */
  maxRestarts?: number;
  /** Receives every worker log line, already prefixed with the endpoint name. Default: stderr. */
  onLog?: (line: string) => void;
  /** Receives lifecycle events (crashed, restarted, reloaded, reload failed). Default: stderr. */
  onEvent?: (line: string) => void;
  /**
   * Receives the live call tree: each call once its tree has ended, the calls a job made
   * indented under it (`call <endpoint>.<method>  pid <pid> :<port>  <ms> ms  <outcome>`).
   * Setting it makes the workers log JSON (their other lines are written back as text) and their
   * per-call lines at info. Default: no tree.
   */
  onCall?: (line: string) => void;
  /** Extra environment for the workers. */
  env?: NodeJS.ProcessEnv;
  /** How long to wait for a worker to become healthy, ms. Default 30000. */
  startTimeoutMs?: number;
  /** Key the directory and workers require. Default: a random key per run (never RUNPOD_API_KEY, which may be a real RunPod key). */
  apiKey?: string;
  /**
   * Where the client environment is written (SWITCHYARD_DIRECTORY_URL, SWITCHYARD_MANIFEST,
   * RUNPOD_API_KEY, SWITCHYARD_ENTRY; file mode 0600), so another shell can call the cluster.
   * Default `.switchyard/dev.env` beside the manifest; removed by stop().
   */
  envFile?: string;
  /**
   * Restart the workers when a `.js` file under the entry's folder changes (node_modules and
   * hidden folders left out). A reload that fails keeps the previous workers. Default false.
   */
  watch?: boolean;
  /** Quiet time after the last change before a reload, ms. Default 250. */
  watchDebounceMs?: number;
}

/** A running dev cluster: an embedded directory and one worker child process per endpoint. */
export interface DevCluster {
  readonly directoryUrl: string;
  readonly apiKey: string;
  /** The manifest of the workers now serving (it changes with each successful reload). */
  readonly manifest: Manifest;
  readonly manifestPath: string;
  /** The client environment file (see DevClusterOptions.envFile). */
  readonly envFile: string;
  /** `dev.lock` beside the manifest: one dev per folder. */
  readonly lockFile: string;
  workers(): DevWorker[];
  /** Stops every child (SIGTERM, then SIGKILL after 5 s) and the directory, removes the env file and the lock. */
  stop(): Promise<void>;
  /** Resolves when stop() has finished. */
  readonly stopped: Promise<void>;
}

/** The endpoints of a manifest, as workers to start. */
export function workerSpecs(manifest: Manifest): WorkerSpec[] {
  return Object.entries(manifest.endpoints).map(([endpoint, e]) => ({ endpoint, type: e.type, methods: e.methods.map((m) => m.name) }));
}

/**
 * Takes the folder's dev lock, builds the manifest of `entry`, starts an embedded directory
 * and one worker child process per endpoint (each `switchyard serve --endpoint <name>`) on
 * free 127.0.0.1 ports with a generated key, waits until each is ready and registers it, then
 * writes the client env file. Workers stop when this process dies, however it dies: their
 * standard input is a pipe from it. A crashed worker is restarted up to `maxRestarts` times.
 */
export async function startDevCluster(options: DevClusterOptions): Promise<DevCluster> {
  const cwd = process.cwd();
  const manifestPath = resolvePath(options.manifestPath ?? join('.switchyard', 'dev.manifest.json'));
  const folder = dirname(manifestPath);
  const envFile = resolvePath(options.envFile ?? join(folder, 'dev.env'));
  const lockFile = join(folder, 'dev.lock');
  // First the lock: a second dev must not overwrite the first one's manifest or env file.
  const lock = acquireDevLock(lockFile, { cwd, entry: resolvePath(cwd, options.entry), envFile });
  let directory: DirectoryServer | undefined;
  let current: WorkerSet | undefined;
  try {
    const entry = await loadEntryModule(options.entry, cwd);
    assertSinglePeerCopies({ paths: [cwd, dirname(entry)] });
    let manifest = buildManifest(listEndpoints());
    if (Object.keys(manifest.endpoints).length === 0) {
      throw new ConfigurationError(`${options.entry} declares no @Endpoint classes. Import your endpoint classes from the entry module.`, { option: '--entry' });
    }
    mkdirSync(folder, { recursive: true });
    writeManifest(manifestPath, manifest);

    // A fresh key per run, never the user's RUNPOD_API_KEY: it is written to the env file below.
    const apiKey = options.apiKey ?? randomBytes(24).toString('hex');
    const dir = (directory = await startDirectoryServer({ apiKey }));
    const log = options.onLog ?? ((line: string) => process.stderr.write(`${line}\n`));
    const event = options.onEvent ?? ((line: string) => process.stderr.write(`${line}\n`));
    const defaults = loadDefaults(options.env ?? processEnv());
    const tree = options.onCall ? new CallTree(options.onCall, (endpoint) => current?.workers().find((w) => w.endpoint === endpoint)) : undefined;
    const launch = (manifestFile: string): WorkerLaunch => ({
      entry,
      manifestPath: manifestFile,
      directoryUrl: dir.url,
      apiKey,
      // The tree is drawn from the workers' per-call lines, so they log them at info whatever the app's own setting.
      env: tree ? { ...options.env, SWITCHYARD_LOG_FORMAT: 'json', SWITCHYARD_CALL_LOG_LEVEL: 'info' } : options.env,
      tree,
      lockFile,
      startTimeoutMs: options.startTimeoutMs ?? defaults.devStartTimeoutMs,
      log,
    });
    const newSet = (specs: WorkerSpec[], manifestFile: string): WorkerSet =>
      new WorkerSet(specs, {
        launch: launch(manifestFile),
        maxRestarts: options.maxRestarts ?? 3,
        stopGraceMs: defaults.devStopGraceMs,
        event,
        publish: (endpoint, url) => (url === undefined ? dir.remove(endpoint) : dir.set(endpoint, [url])),
      });

    const first = newSet(workerSpecs(manifest), manifestPath);
    await first.start();
    first.activate(manifestPath);
    current = first;
    // The key goes to a file only the user can read, never to the terminal or the logs.
    writeFileSync(
      envFile,
      `SWITCHYARD_DIRECTORY_URL=${dir.url}\nSWITCHYARD_MANIFEST=${manifestPath}\nRUNPOD_API_KEY=${apiKey}\nSWITCHYARD_ENTRY=${entry}\n`,
      { mode: 0o600 },
    );
    chmodSync(envFile, 0o600);

    const reloader = options.watch
      ? new DevReloader({
          entry,
          manifestPath,
          env: options.env,
          debounceMs: options.watchDebounceMs,
          event,
          serving: () => ({ set: current!, manifest }),
          start: (next, file) => newSet(workerSpecs(next), file),
          promote: (set, next) => {
            for (const name of Object.keys(manifest.endpoints)) if (!next.endpoints[name]) dir.remove(name);
            set.activate(manifestPath);
            current = set;
            manifest = next;
          },
        })
      : undefined;

    let resolveStopped!: () => void;
    const stopped = new Promise<void>((r) => (resolveStopped = r));
    let stopping: Promise<void> | undefined;
    const stop = (): Promise<void> =>
      (stopping ??= (async () => {
        await reloader?.close();
        await current?.stop();
        tree?.close();
        await dir.close();
        rmSync(envFile, { force: true });
        lock.release();
        resolveStopped();
      })());

    return {
      directoryUrl: dir.url,
      apiKey,
      get manifest() {
        return manifest;
      },
      manifestPath,
      envFile,
      lockFile,
      workers: () => current?.workers() ?? [],
      stop,
      stopped,
    };
  } catch (error) {
    await current?.stop();
    await directory?.close();
    rmSync(envFile, { force: true });
    lock.release();
    throw error;
  }
}
