import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BIN, CliProcess, isAlive, portIsFree, readEnvFile, tableRows, writeProject } from './cli-project';

// `switchyard dev` as users run it: the compiled CLI (built by `pnpm test`'s tsc -b) on the
// compiled example app, as a real process tree, each test in a folder of its own.
const ENTRY = resolve(__dirname, '..', '..', '..', '..', 'examples', 'dist', 'app.js');

describe('switchyard dev (CLI process)', () => {
  let dir: string;
  let dev: CliProcess | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sy-dev-'));
  });
  afterEach(async () => {
    await dev?.kill('SIGKILL');
    dev = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints the endpoint table, one start line per worker, a call hint with the command as invoked, and stops every child on SIGTERM', async () => {
    dev = new CliProcess(['dev', '--entry', ENTRY], { cwd: dir });
    await dev.line(/^Call it from another shell: /);
    const rows = tableRows(dev.stdout);
    expect(rows.map((r) => r.endpoint)).toEqual(['image-processor', 'orchestrator', 'report']);
    for (const { pid } of rows) expect(isAlive(pid)).toBe(true);
    // One start line per worker: serve's own, not the transport's log record as well.
    for (const { endpoint, url, pid } of rows) {
      expect(dev.stdout.filter((l) => l.startsWith(`[${endpoint}] `) && /serving/.test(l))).toEqual([`[${endpoint}] switchyard: serving endpoint ${endpoint} (http) at ${url}, pid ${pid}`]);
    }
    expect(dev.stdout).toContain(`Call it from another shell: set -a; . .switchyard/dev.env; set +a; node ${BIN} call <endpoint>.<method> --args '[...]'. Ctrl-C stops everything.`);

    // Another shell reaches the cluster through the client env file; the key is never printed.
    const envFile = dev.stdout.find((l) => l.startsWith('Client env: '))!.slice('Client env: '.length);
    expect(envFile).toBe(join(dir, '.switchyard', 'dev.env'));
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    const clientEnv = readEnvFile(envFile);
    expect(Object.keys(clientEnv).sort()).toEqual(['RUNPOD_API_KEY', 'SWITCHYARD_DIRECTORY_URL', 'SWITCHYARD_ENTRY', 'SWITCHYARD_MANIFEST']);
    expect(clientEnv.SWITCHYARD_ENTRY).toBe(ENTRY);
    expect(dev.output).not.toContain(clientEnv.RUNPOD_API_KEY);
    const called = spawnSync(process.execPath, [BIN, 'call', 'report.render', '--args', '["cli-7", []]'], {
      cwd: dir,
      env: { PATH: process.env.PATH, SWITCHYARD_LOG_LEVEL: 'silent', ...clientEnv },
      encoding: 'utf8',
    });
    expect(called.stderr).toBe('');
    expect(called.status).toBe(0);
    const rendered = JSON.parse(called.stdout) as { text: string; served: { pid: number } };
    expect(rendered.text).toContain('# Report cli-7');
    expect(rows.map((r) => r.pid)).toContain(rendered.served.pid);

    dev.child.kill('SIGTERM');
    await expect(dev.exited).resolves.toEqual({ code: 0, signal: null });
    for (const { pid } of rows) expect(isAlive(pid)).toBe(false);
    expect(existsSync(envFile)).toBe(false);
    expect(existsSync(join(dir, '.switchyard', 'dev.lock'))).toBe(false);
  }, 60_000);

  it('stops its workers and removes its env file and lock on SIGHUP (the terminal closed)', async () => {
    dev = new CliProcess(['dev', '--entry', writeProject(dir)], { cwd: dir });
    await dev.line(/^Call it from another shell: /);
    const rows = tableRows(dev.stdout);
    dev.child.kill('SIGHUP');
    await expect(dev.exited).resolves.toEqual({ code: 0, signal: null });
    expect(dev.stderr).toContain('switchyard dev: SIGHUP, stopping workers');
    for (const { pid, port } of rows) {
      expect(isAlive(pid)).toBe(false);
      await expect(portIsFree(port)).resolves.toBe(true);
    }
    expect(existsSync(join(dir, '.switchyard', 'dev.env'))).toBe(false);
    expect(existsSync(join(dir, '.switchyard', 'dev.lock'))).toBe(false);
  }, 60_000);

  it('exits 1 with a clear message when the entry module does not exist, and leaves no lock behind', async () => {
    dev = new CliProcess(['dev', '--entry', 'nope/missing.js'], { cwd: dir });
    await expect(dev.exited).resolves.toEqual({ code: 1, signal: null });
    expect(dev.stderr.join('\n')).toContain(`error: ${join(dir, 'nope', 'missing.js')}: entry module not found. Pass the compiled module that imports your @Endpoint classes, e.g. --entry dist/app.js.`);
    expect(existsSync(join(dir, '.switchyard', 'dev.lock'))).toBe(false);
  }, 30_000);

  it('exits 2 naming the variable before it starts anything when SWITCHYARD_LOG_LEVEL is not a level', async () => {
    dev = new CliProcess(['dev', '--entry', ENTRY], { cwd: dir, env: { SWITCHYARD_LOG_LEVEL: 'verbose' } });
    await expect(dev.exited).resolves.toEqual({ code: 2, signal: null });
    expect(dev.stderr).toEqual(['error: SWITCHYARD_LOG_LEVEL="verbose" is not a log level. Use one of debug, info, warn, error, silent.']);
    expect(existsSync(join(dir, '.switchyard'))).toBe(false);
  }, 30_000);
});
