import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CliProcess, isAlive, portIsFree, tableRows, until, writeProject } from './cli-project';

// `switchyard dev` killed without a chance to clean up (SIGKILL runs no handler): its workers
// must go anyway, through the pipe they watch; and one dev per folder, by its lock file.
const ENTRY = resolve(__dirname, '..', '..', '..', '..', 'examples', 'dist', 'app.js');

describe('switchyard dev: workers never outlive it, one dev per folder', () => {
  let dir: string;
  const started: CliProcess[] = [];
  /** dev of the example app (three workers), or of a one-endpoint app written into the folder. */
  const dev = (entry = ENTRY): CliProcess => {
    const p = new CliProcess(['dev', '--entry', entry], { cwd: dir });
    started.push(p);
    return p;
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sy-dev-lifeline-'));
  });
  afterEach(async () => {
    await Promise.all(started.splice(0).map((p) => p.kill('SIGKILL')));
    rmSync(dir, { recursive: true, force: true });
  });

  it('SIGKILL of dev: every worker exits within a few seconds, its port is free, and the env file with the key is removed', async () => {
    const first = dev();
    await first.line(/^Call it from another shell: /);
    const rows = tableRows(first.stdout);
    expect(rows).toHaveLength(3);
    const envFile = join(dir, '.switchyard', 'dev.env');
    expect(existsSync(envFile)).toBe(true);

    first.child.kill('SIGKILL');
    await first.exited;
    const waited = await until(() => rows.every((r) => !isAlive(r.pid)), 5_000, 'the workers of a SIGKILLed dev exit');
    expect(waited).toBeLessThan(5_000);
    for (const { port } of rows) await expect(portIsFree(port)).resolves.toBe(true);
    // The workers cleaned up after their dead dev: no key left on disk, no stale lock.
    await until(() => !existsSync(envFile) && !existsSync(join(dir, '.switchyard', 'dev.lock')), 3_000, 'env file and lock removed');
  }, 60_000);

  it('a second dev in the same folder exits 1 naming the running pid and how to stop it, and leaves the first one intact', async () => {
    const entry = writeProject(dir);
    const first = dev(entry);
    await first.line(/^Call it from another shell: /);
    const envFile = join(dir, '.switchyard', 'dev.env');
    const envBefore = readFileSync(envFile, 'utf8');
    const manifestBefore = readFileSync(join(dir, '.switchyard', 'dev.manifest.json'), 'utf8');

    const second = dev(entry);
    await expect(second.exited).resolves.toEqual({ code: 1, signal: null });
    const pid = first.child.pid!;
    expect(second.stderr.join('\n')).toMatch(
      new RegExp(
        `^error: switchyard dev is already running in ${escape(dir)} \\(pid ${pid}, started [0-9T:.Z-]+, entry ${escape(entry)}\\)\\. ` +
          `One dev per folder: stop it first \\(Ctrl-C in its terminal, or kill ${pid}\\), or run this one from another folder\\. ` +
          `If pid ${pid} is not a switchyard dev, delete ${escape(join(dir, '.switchyard', 'dev.lock'))}\\.$`,
      ),
    );
    // The env file belongs to the first dev: the second neither rewrote nor removed it.
    expect(readFileSync(envFile, 'utf8')).toBe(envBefore);
    expect(readFileSync(join(dir, '.switchyard', 'dev.manifest.json'), 'utf8')).toBe(manifestBefore);
    for (const { pid: worker } of tableRows(first.stdout)) expect(isAlive(worker)).toBe(true);
  }, 60_000);

  it('takes over the stale lock of a dev that is no longer running', async () => {
    const lock = join(dir, '.switchyard', 'dev.lock');
    const envFile = join(dir, '.switchyard', 'dev.env');
    // A lock and env file left by a dev that died where nothing cleaned up after it.
    const gone = spawnSync(process.execPath, ['-e', '0']).pid;
    mkdirSync(join(dir, '.switchyard'));
    writeFileSync(lock, JSON.stringify({ pid: gone, startedAt: '2026-01-01T00:00:00.000Z', cwd: dir, entry: ENTRY, envFile }));
    writeFileSync(envFile, 'RUNPOD_API_KEY=key-of-the-dead-dev\n');

    const next = dev(writeProject(dir));
    await next.line(/^Call it from another shell: /);
    expect(JSON.parse(readFileSync(lock, 'utf8')).pid).toBe(next.child.pid);
    expect(readFileSync(envFile, 'utf8')).not.toContain('key-of-the-dead-dev');
    next.child.kill('SIGTERM');
    await expect(next.exited).resolves.toEqual({ code: 0, signal: null });
    expect(existsSync(lock)).toBe(false);
    expect(existsSync(envFile)).toBe(false);
  }, 60_000);
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
