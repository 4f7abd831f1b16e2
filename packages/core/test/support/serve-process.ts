import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';

/** The workspace root: children run from there, as a developer would. */
const ROOT = resolve(__dirname, '../../../..');
const BIN = 'packages/core/src/cli/bin.ts';
const READY = 'SWITCHYARD_READY ';

/** A `switchyard serve` child process. */
export interface ServeProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** When it printed its ready line (epoch ms). */
  readonly readyAt: number;
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;
  /** SIGKILL: the worker dies with whatever it was running. */
  kill(): Promise<void>;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
}

/**
 * Starts `switchyard serve --entry <entry> --endpoint <name>` from source in a real child process
 * (swc-node, as the CLI tests do) and resolves once it prints its ready line.
 */
export function startServeProcess(options: { entry: string; endpoint: string; env: NodeJS.ProcessEnv; port?: number; args?: string[] }): Promise<ServeProcess> {
  const args = ['--conditions=@switchyard/source', '-r', '@swc-node/register', BIN, 'serve', '--entry', options.entry, '--endpoint', options.endpoint];
  args.push('--port', String(options.port ?? 0), ...(options.args ?? []));
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  let output = '';
  return new Promise<ServeProcess>((ready, fail) => {
    const timer = setTimeout(() => fail(new Error(`switchyard serve did not become ready in 30 s:\n${output}`)), 30_000);
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      output += `${line}\n`;
      if (!line.startsWith(READY)) return;
      clearTimeout(timer);
      const { url, pid } = JSON.parse(line.slice(READY.length)) as { url: string; pid: number };
      ready({
        child,
        url,
        port: Number(new URL(url).port),
        pid,
        readyAt: Date.now(),
        exited,
        kill: async () => {
          child.kill('SIGKILL');
          await exited;
        },
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          await exited;
        },
      });
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      fail(new Error(`switchyard serve exited (${code ?? signal}) before it was ready:\n${output}`));
    });
  });
}
