import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

// `switchyard dev` as users run it: the compiled CLI (built by `pnpm test`'s tsc -b) on the
// compiled example app, as a real process tree.
const ROOT = join(__dirname, '..', '..', '..', '..');
const BIN = join(ROOT, 'packages', 'core', 'bin', 'switchyard.js');
const ENTRY = join(ROOT, 'examples', 'dist', 'app.js');

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('switchyard dev (CLI process)', () => {
  it('prints the endpoint table, streams prefixed worker logs, and stops every child on SIGTERM', async () => {
    const dev = spawn(process.execPath, [BIN, 'dev', '--entry', ENTRY], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SWITCHYARD_LOG_LEVEL: 'info' } });
    const out: string[] = [];
    const err: string[] = [];
    createInterface({ input: dev.stderr! }).on('line', (l) => err.push(l));
    const tableSeen = new Promise<void>((resolve, reject) => {
      createInterface({ input: dev.stdout! }).on('line', (l) => {
        out.push(l);
        if (l.startsWith('Directory: ')) resolve();
      });
      dev.once('exit', (code) => reject(new Error(`dev exited early with ${code}: ${err.join('\n')}`)));
    });
    await tableSeen;
    const rows = out.filter((l) => /^(image-processor|orchestrator|report)\s+http:\/\/127\.0\.0\.1:\d+\/v2\//.test(l));
    expect(rows).toHaveLength(3);
    const pids = rows.map((r) => Number(r.split(/\s+/)[2]));
    for (const pid of pids) expect(isAlive(pid)).toBe(true);
    expect(out.some((l) => l.startsWith('[orchestrator] switchyard: serving endpoint orchestrator'))).toBe(true);

    // Another shell reaches the cluster through the client env file; the key is never printed.
    const envFile = out.find((l) => l.startsWith('Client env: '))!.slice('Client env: '.length);
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    const clientEnv = Object.fromEntries(
      readFileSync(envFile, 'utf8').trim().split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    expect(Object.keys(clientEnv).sort()).toEqual(['RUNPOD_API_KEY', 'SWITCHYARD_DIRECTORY_URL', 'SWITCHYARD_MANIFEST']);
    expect([...out, ...err].join('\n')).not.toContain(clientEnv.RUNPOD_API_KEY);
    const called = spawnSync(process.execPath, [BIN, 'call', 'report.render', '--args', '["cli-7", []]'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, SWITCHYARD_LOG_LEVEL: 'silent', ...clientEnv },
      encoding: 'utf8',
    });
    expect(called.status).toBe(0);
    const rendered = JSON.parse(called.stdout) as { text: string; served: { pid: number } };
    expect(rendered.text).toContain('# Report cli-7');
    expect(pids).toContain(rendered.served.pid);

    const exited = new Promise<number | null>((resolve) => dev.once('exit', (code) => resolve(code)));
    dev.kill('SIGTERM');
    await expect(exited).resolves.toBe(0);
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
    expect(existsSync(envFile)).toBe(false);
  }, 60_000);

  it('exits 1 with a clear message when the entry module does not exist', async () => {
    const dev = spawn(process.execPath, [BIN, 'dev', '--entry', 'nope/missing.js'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    dev.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => dev.once('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toMatch(/entry module not found/);
  }, 30_000);
});
