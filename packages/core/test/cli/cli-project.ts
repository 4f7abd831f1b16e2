// Real processes for the CLI's tests: a temporary app whose compiled entry is plain JavaScript
// (decorators applied with Reflect.decorate, as tsc would emit them) on the compiled
// @switchyard/core, the compiled bin, and `switchyard dev` as a child whose output is read
// line by line.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

const CORE = resolve(__dirname, '../..');
/** The compiled CLI, as an app runs it. */
export const BIN = join(CORE, 'bin', 'switchyard.js');
const CORE_DIST = join(CORE, 'dist', 'index.js');

/** What `pricing` does in one version of the app. */
export interface PricingVersion {
  /** What `pricing.version()` returns. Default 'v1'. */
  version?: string;
  /** Throw while the module loads (a broken build), at line 3 of dist/endpoints/pricing.js. */
  throwOnLoad?: string;
  /** Throw while loading only in worker processes (SWITCHYARD_ENDPOINT set), at line 4. */
  throwInWorker?: string;
}

/** The compiled `dist/endpoints/pricing.js` of the app. Line numbers are part of the tests. */
export function pricingModule(v: PricingVersion = {}): string {
  return `'use strict';
const { Endpoint, Remote, registerClass } = require(${JSON.stringify(CORE_DIST)});
${v.throwOnLoad ? `throw new Error(${JSON.stringify(v.throwOnLoad)});` : '// loads cleanly'}
${v.throwInWorker ? `if (process.env.SWITCHYARD_ENDPOINT) throw new Error(${JSON.stringify(v.throwInWorker)});` : '// in every process'}
class Quote {
  constructor(sku, total) { this.sku = sku; this.total = total; }
  get label() { return this.sku + ': ' + this.total; }
}
registerClass(Quote);
class Pricing {
  async quote(sku, qty) { return new Quote(sku, qty * 2); }
  async version() { return ${JSON.stringify(v.version ?? 'v1')}; }
  async forget(key) { void key; }
  async slow(ms) { await new Promise((r) => setTimeout(r, ms)); return 'late'; }
  async inspect(when, tags, bytes) {
    return { date: when instanceof Date && when.toISOString(), map: tags instanceof Map && [...tags], bytes: bytes instanceof Uint8Array && [...bytes] };
  }
}
// The parameter types tsc would emit (emitDecoratorMetadata), applied before Remote() reads them.
const PARAMETERS = { quote: [String, Number], version: [], forget: [String], slow: [Number], inspect: [Date, Map, Uint8Array] };
for (const [name, types] of Object.entries(PARAMETERS)) {
  Reflect.decorate([Remote(), Reflect.metadata('design:paramtypes', types)], Pricing.prototype, name, Object.getOwnPropertyDescriptor(Pricing.prototype, name));
}
exports.Quote = Quote;
exports.Pricing = Reflect.decorate([Endpoint({ name: 'pricing' })], Pricing);
`;
}

/** Writes the app into `dir`: dist/app.js importing dist/endpoints/pricing.js. Returns the entry's path. */
export function writeProject(dir: string, v: PricingVersion = {}): string {
  mkdirSync(join(dir, 'dist', 'endpoints'), { recursive: true });
  writeFileSync(join(dir, 'dist', 'app.js'), `'use strict';\nmodule.exports = require('./endpoints/pricing.js');\n`);
  writeFileSync(join(dir, 'dist', 'endpoints', 'pricing.js'), pricingModule(v));
  return join(dir, 'dist', 'app.js');
}

/** A finished CLI run. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the compiled CLI to completion. `env` is the whole environment besides PATH. */
export function runCli(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<CliRun> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, env: { PATH: process.env.PATH, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.once('error', fail);
    child.once('close', (code) => done({ code, stdout, stderr }));
  });
}

/** `switchyard dev` (or any long-running command) as a child process, its output kept by line. */
export class CliProcess {
  readonly child: ChildProcess;
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly waiters: Array<() => void> = [];

  constructor(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }) {
    this.child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd,
      env: { PATH: process.env.PATH, SWITCHYARD_LOG_LEVEL: 'info', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.exited = new Promise((r) => this.child.once('exit', (code, signal) => r({ code, signal })));
    const keep = (into: string[]) => (line: string) => {
      into.push(line);
      for (const wake of this.waiters.splice(0)) wake();
    };
    createInterface({ input: this.child.stdout! }).on('line', keep(this.stdout));
    createInterface({ input: this.child.stderr! }).on('line', keep(this.stderr));
    void this.exited.then(() => {
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  /** Every line so far, stdout then stderr. */
  get output(): string {
    return [...this.stdout, ...this.stderr].join('\n');
  }

  /** The first line (of either stream) matching `pattern`, once printed; rejects on exit or after `timeoutMs`. */
  async line(pattern: RegExp, timeoutMs = 30_000, from = { stdout: 0, stderr: 0 }): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = [...this.stdout.slice(from.stdout), ...this.stderr.slice(from.stderr)].find((l) => pattern.test(l));
      if (found) return found;
      if (this.child.exitCode !== null || this.child.signalCode !== null) throw new Error(`exited before printing ${pattern}:\n${this.output}`);
      if (Date.now() > deadline) throw new Error(`no line ${pattern} within ${timeoutMs} ms:\n${this.output}`);
      await new Promise<void>((r) => {
        const timer = setTimeout(r, 200);
        this.waiters.push(() => {
          clearTimeout(timer);
          r();
        });
      });
    }
  }

  /** Where each stream is now, to wait for lines printed after this point. */
  mark(): { stdout: number; stderr: number } {
    return { stdout: this.stdout.length, stderr: this.stderr.length };
  }

  /** Kills the process (and waits for its exit) unless it has exited. */
  async kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    await this.exited;
  }
}

/** The workers of dev's table: `endpoint url pid methods` rows. */
export function tableRows(lines: readonly string[]): Array<{ endpoint: string; url: string; port: number; pid: number }> {
  return lines
    .filter((l) => /^\S+\s+http:\/\/127\.0\.0\.1:\d+\S*\s+\d+\s/.test(l))
    .map((l) => {
      const [endpoint, url, pid] = l.split(/\s+/);
      return { endpoint, url, port: Number(new URL(url).port), pid: Number(pid) };
    });
}

/** The variables of an env file dev wrote. */
export function readEnvFile(file: string): Record<string, string> {
  return Object.fromEntries(
    readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** True if nothing listens on the port of 127.0.0.1 (binding it works). */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Polls `check` every 100 ms until it is true, at most `timeoutMs`. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check()) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
