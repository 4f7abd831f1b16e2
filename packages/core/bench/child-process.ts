import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { SwitchyardError } from '../src/errors';
import type { CompiledTree } from './compiled-tree';

/** The repository root: children run from there so @swc-node/register finds tsconfig.json. */
export const REPO_ROOT = resolve(__dirname, '../../..');

/** Node flags that run a TypeScript source file, the same as `pnpm bench`. */
export const TS_NODE_FLAGS: readonly string[] = ['--conditions=@switchyard/source', '-r', '@swc-node/register'];

/** A child process started by {@link startChild}. */
export interface BenchChild<T> {
  /** What the child printed as its first stdout line (JSON). */
  readonly info: T;
  readonly pid: number;
  /** Ends the child (closes its stdin, then SIGTERM to its pid if it lingers) and waits for its exit. */
  stop(): Promise<void>;
  /** SIGKILL: the child dies at once with whatever it was doing (a crashed replica); resolves on its exit. */
  kill(): Promise<void>;
  /** Resolves with the next JSON line the child prints (for children that report more than once). */
  nextMessage<M = unknown>(): Promise<M>;
}

/** Options of {@link startChild}. */
export interface ChildOptions {
  /** Extra Node flags, e.g. `--expose-gc`. */
  nodeFlags?: readonly string[];
  /** Run the script's compiled JavaScript with plain `node` instead of the TypeScript source. */
  compiled?: CompiledTree;
}

/**
 * Starts `bench/<script>` in its own Node process (so it gets its own core and heap) and waits
 * for its first stdout line, a JSON object such as `{"url": "http://127.0.0.1:41234"}`.
 * The child is expected to exit when its stdin closes, so it never outlives the benchmark.
 */
export async function startChild<T>(script: string, args: readonly string[] = [], options: ChildOptions = {}): Promise<BenchChild<T>> {
  const file = options.compiled ? options.compiled.entry(script) : resolve(__dirname, script);
  const flags = [...(options.nodeFlags ?? []), ...(options.compiled ? [] : TS_NODE_FLAGS)];
  const child: ChildProcess = spawn(process.execPath, [...flags, file, ...args], {
    cwd: REPO_ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, SWITCHYARD_LOG_LEVEL: 'warn', ...options.compiled?.env },
  });
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  // Closing the stdin of a child that was killed can fail with EPIPE; the child is gone either way.
  child.stdin!.on('error', () => undefined);
  const lines = createInterface({ input: child.stdout! });
  const queue: string[] = [];
  const waiters: Array<(line: string) => void> = [];
  lines.on('line', (line) => {
    const waiter = waiters.shift();
    if (waiter) waiter(line);
    else queue.push(line);
  });
  const nextMessage = async <M>(): Promise<M> => {
    const line =
      queue.shift() ??
      (await Promise.race([
        new Promise<string>((r) => waiters.push(r)),
        exited.then(([code, signal]) => {
          throw new SwitchyardError(`benchmark child ${script} exited (code ${code}, signal ${signal}) before reporting; see its stderr above.`);
        }),
      ]));
    try {
      return JSON.parse(line) as M;
    } catch {
      throw new SwitchyardError(`benchmark child ${script} printed ${JSON.stringify(line.slice(0, 200))} instead of a JSON line.`);
    }
  };
  let info: T;
  try {
    info = await nextMessage<T>();
  } catch (error) {
    child.kill('SIGTERM');
    throw error;
  }
  let stopping: Promise<void> | undefined;
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  return {
    info,
    pid: child.pid!,
    nextMessage,
    kill: async () => {
      if (gone()) return;
      child.kill('SIGKILL');
      await exited;
    },
    stop: () =>
      (stopping ??= (async () => {
        if (gone()) return;
        child.stdin!.end();
        const timer = setTimeout(() => child.kill('SIGTERM'), 3_000);
        await exited;
        clearTimeout(timer);
      })()),
  };
}
