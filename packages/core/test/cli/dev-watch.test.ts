import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliProcess, isAlive, pricingModule, readEnvFile, runCli, tableRows, writeProject, type PricingVersion } from './cli-project';

// `switchyard dev --watch` on a temporary app whose compiled files the test rewrites, as tsc
// --watch would: new code is served after a reload, broken code never replaces working workers.

describe('switchyard dev --watch', () => {
  let dir: string;
  let dev: CliProcess;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sy-dev-watch-'));
    writeProject(dir, { version: 'v1' });
    dev = new CliProcess(['dev', '--entry', 'dist/app.js', '--watch'], { cwd: dir });
    await dev.line(/^Call it from another shell: /);
    env = { ...readEnvFile(join(dir, '.switchyard', 'dev.env')), SWITCHYARD_LOG_LEVEL: 'silent' };
  }, 60_000);
  afterAll(async () => {
    await dev?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  /** Rewrites dist/endpoints/pricing.js and waits for the reload's outcome line. */
  async function rebuild(v: PricingVersion, outcome: RegExp): Promise<string[]> {
    const mark = dev.mark();
    writeFileSync(join(dir, 'dist', 'endpoints', 'pricing.js'), pricingModule(v));
    await dev.line(outcome, 30_000, mark);
    return dev.stderr.slice(mark.stderr);
  }
  const version = async (): Promise<{ code: number | null; stdout: string; stderr: string }> => runCli(['call', 'pricing.version'], { cwd: dir, env });

  it('says what it watches', () => {
    expect(dev.stderr).toContain(`switchyard dev: watching ${join(dir, 'dist')} for changes to .js files; the workers restart when they change`);
  });

  it('serves the new code after a compiled file changes, naming the endpoints it reloaded', async () => {
    expect((await version()).stdout).toBe('"v1"\n');
    const [before] = tableRows(dev.stdout);
    const lines = await rebuild({ version: 'v2' }, /reloaded pricing/);
    expect(lines).toContain('switchyard dev: endpoints/pricing.js changed: reloading');
    const reloaded = lines.find((l) => l.includes('reloaded'))!;
    expect(reloaded).toMatch(new RegExp(`^switchyard dev: reloaded pricing \\(pid ${before.pid} → \\d+\\)$`));
    expect((await version()).stdout).toBe('"v2"\n');
    expect(isAlive(before.pid)).toBe(false);
  }, 60_000);

  it('keeps the previous workers serving when the new code throws while loading, and prints the error with where it was thrown', async () => {
    const lines = await rebuild({ version: 'v3', throwOnLoad: 'broken build' }, /reload failed/);
    const at = lines.findIndex((l) => l.includes('reload failed'));
    expect(lines[at]).toBe('switchyard dev: reload failed; the previous workers keep serving. The changed code did not load:');
    expect(dev.stderr).toContain(
      `  error: ${join(dir, 'dist', 'app.js')}: entry module failed to load (broken build): Error thrown at ${join(dir, 'dist', 'endpoints', 'pricing.js')}:3:7. Fix the code there (rebuild if it is compiled) and run the command again.`,
    );
    expect(dev.stderr).toContain(`      at Object.<anonymous> (${join(dir, 'dist', 'endpoints', 'pricing.js')}:3:7)`);

    // Still v2. The call's own entry (from dev.env) is broken too: it says so and calls without it.
    const call = await version();
    expect(call.code).toBe(0);
    expect(call.stdout).toBe('"v2"\n');
    expect(call.stderr).toContain('entry module failed to load (broken build): Error thrown at');
    expect(call.stderr).toContain("warning: that entry comes from SWITCHYARD_ENTRY, which switchyard dev wrote to .switchyard/dev.env; calling without it, with the manifest's description of the endpoint.");
  }, 60_000);

  it('keeps the previous workers when a new worker cannot start, quoting its error and where it was thrown', async () => {
    const lines = await rebuild({ version: 'v4', throwInWorker: 'no DATABASE_URL in the worker' }, /reload failed/);
    const failed = lines.findIndex((l) => l.includes('reload failed'));
    expect(lines[failed]).toBe('switchyard dev: reload failed; the previous workers keep serving. worker for endpoint "pricing" exited before it was ready (exit code 1):');
    const pricing = join(dir, 'dist', 'endpoints', 'pricing.js');
    expect(lines[failed + 1]).toBe(
      `  error: ${join(dir, 'dist', 'app.js')}: entry module failed to load (no DATABASE_URL in the worker): Error thrown at ${pricing}:4:44. Fix the code there (rebuild if it is compiled) and run the command again.`,
    );
    expect(lines[failed + 2]).toBe(`  at Object.<anonymous> (${pricing}:4:44)`);
    expect(lines[failed + 3]).toBe('Its whole output is above, prefixed [pricing].');
    expect((await version()).stdout).toBe('"v2"\n');
  }, 60_000);

  it('reloads again once the code is fixed', async () => {
    await rebuild({ version: 'v5' }, /reloaded pricing/);
    expect((await version()).stdout).toBe('"v5"\n');
  }, 60_000);
});
