import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliProcess, readEnvFile, runCli, writeProject } from './cli-project';

// `switchyard call` as a user runs it against `switchyard dev`: after loading dev.env, from the
// app's folder or elsewhere, with registered classes, superjson arguments, void results and
// deadlines. Real processes throughout: dev, its worker, and each call.

describe('switchyard call against switchyard dev (CLI processes)', () => {
  let dir: string;
  let dev: CliProcess;
  let devEnv: Record<string, string>;
  let elsewhere: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sy-call-dev-'));
    elsewhere = mkdtempSync(join(tmpdir(), 'sy-call-elsewhere-'));
    writeProject(dir);
    dev = new CliProcess(['dev', '--entry', 'dist/app.js'], { cwd: dir });
    await dev.line(/^Call it from another shell: /);
    devEnv = { ...readEnvFile(join(dir, '.switchyard', 'dev.env')), SWITCHYARD_LOG_LEVEL: 'silent' };
  }, 60_000);
  afterAll(async () => {
    await dev?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
    rmSync(elsewhere, { recursive: true, force: true });
  });

  const envWithout = (name: string): Record<string, string> => Object.fromEntries(Object.entries(devEnv).filter(([key]) => key !== name));

  it('decodes a registered class with the entry dev.env records (SWITCHYARD_ENTRY), from any folder', async () => {
    const result = await runCli(['call', 'pricing.quote', '--args', '["apple", 3]'], { cwd: elsewhere, env: devEnv });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ sku: 'apple', total: 6 });
  }, 30_000);

  it("uses the entry of ./.switchyard/dev.env when the environment points at that dev's directory but has no SWITCHYARD_ENTRY", async () => {
    const result = await runCli(['call', 'pricing.quote', '--args', '["pear", 2]'], { cwd: dir, env: envWithout('SWITCHYARD_ENTRY') });
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({ sku: 'pear', total: 4 });
  }, 30_000);

  it('without any entry, a registered class result fails with the fix: pass --entry', async () => {
    const result = await runCli(['call', 'pricing.quote', '--args', '["fig", 1]'], { cwd: elsewhere, env: envWithout('SWITCHYARD_ENTRY') });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      "error: result of pricing.quote cannot be deserialized: Trying to deserialize unknown class 'Quote' - check https://github.com/blitz-js/superjson/issues/116#issuecomment-773996564. " +
        'If it names a class, register it with registerClass() on both sides. ' +
        'switchyard call registers classes only from an entry module: pass --entry <module> (e.g. --entry dist/app.js), the compiled module that calls registerClass.\n',
    );
    const fixed = await runCli(['call', 'pricing.quote', '--args', '["fig", 1]', '--entry', join(dir, 'dist', 'app.js')], { cwd: elsewhere, env: envWithout('SWITCHYARD_ENTRY') });
    expect(JSON.parse(fixed.stdout)).toEqual({ sku: 'fig', total: 2 });
  }, 30_000);

  it('--args-superjson passes a Date, a Map and binary as themselves', async () => {
    const encoded = JSON.stringify({
      json: ['2026-01-01T00:00:00.000Z', [['a', 1]], ['Uint8Array', 'AQID']],
      meta: { values: { 0: ['Date'], 1: ['map'], 2: [['custom', 'sy:bin']] } },
    });
    const result = await runCli(['call', 'pricing.inspect', '--args-superjson', encoded], { cwd: elsewhere, env: devEnv });
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({ date: '2026-01-01T00:00:00.000Z', map: [['a', 1]], bytes: [1, 2, 3] });
  }, 30_000);

  it('refuses superjson given to --args, and both flags at once, naming the flag to use', async () => {
    const wrongFlag = await runCli(['call', 'pricing.inspect', '--args', '{"json": ["x"]}'], { cwd: elsewhere, env: devEnv });
    expect(wrongFlag.code).toBe(1);
    expect(wrongFlag.stderr).toBe(`error: --args must be a JSON array of arguments; this looks like superjson's {"json", "meta"}: pass it with --args-superjson instead.\n`);
    const both = await runCli(['call', 'pricing.inspect', '--args', '[]', '--args-superjson', '{"json":[]}'], { cwd: elsewhere, env: devEnv });
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("error: option '--args <json>' cannot be used with option '--args-superjson <json>'");
  }, 30_000);

  it('prints nothing and exits 0 for a method that returns nothing', async () => {
    const result = await runCli(['call', 'pricing.forget', '--args', '["k"]'], { cwd: elsewhere, env: devEnv });
    expect(result).toEqual({ code: 0, stdout: '', stderr: '' });
  }, 30_000);

  it('--timeout: the DeadlineExceededError says to raise --timeout', async () => {
    const result = await runCli(['call', 'pricing.slow', '--args', '[3000]', '--timeout', '1'], { cwd: elsewhere, env: devEnv });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: pricing\.slow: (did not finish within 1 ms|the call's deadline \([^)]+\) passed)\b.*\braise --timeout \(this call allowed 1 ms\), or leave it out to use the method's own timeoutMs\.\n$/);
    expect(result.stderr).not.toContain('runtime.call');
  }, 30_000);

  it('an endpoint nothing describes: "Known: none" and the fix, pass --entry', async () => {
    const result = await runCli(['call', 'pricing.quote', '--args', '["a", 1]'], { cwd: elsewhere, env: { SWITCHYARD_DIRECTORY_URL: devEnv.SWITCHYARD_DIRECTORY_URL, RUNPOD_API_KEY: devEnv.RUNPOD_API_KEY } });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'error: Unknown endpoint "pricing": no @Endpoint class is loaded with that name and no manifest is configured. Known: none. ' +
        'Pass --entry <module>, the compiled module that imports your @Endpoint classes (e.g. --entry dist/app.js), or --manifest <file> with a manifest that lists it (switchyard build writes one).\n',
    );
  }, 30_000);

  it('a SWITCHYARD_ENTRY that no longer exists says where it came from and what to do', async () => {
    const result = await runCli(['call', 'pricing.version'], { cwd: elsewhere, env: { ...devEnv, SWITCHYARD_ENTRY: join(dir, 'dist', 'gone.js') } });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `error: the entry module ${join(dir, 'dist', 'gone.js')} (from SWITCHYARD_ENTRY, which switchyard dev wrote to .switchyard/dev.env) does not exist. Start switchyard dev again and load its new .switchyard/dev.env, or pass --entry <module>.\n`,
    );
  }, 30_000);
});
