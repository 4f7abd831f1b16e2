import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Endpoint, Remote } from '@switchyard/decorators';
import { buildManifest, writeManifest } from '@switchyard/core';
import { startLocalCluster, type LocalCluster } from '@switchyard/core/testing';

// `switchyard call` as a real process (the compiled CLI that `pnpm test` builds first), against
// real workers. The CLI knows the endpoint only from the manifest: no classes are loaded there.
const BIN = join(__dirname, '..', '..', 'bin', 'switchyard.js');

@Endpoint({ name: 'cli-calc' })
class Calculator {
  @Remote()
  async add(a: number, b: number): Promise<{ sum: number; at: Date }> {
    return { sum: a + b, at: new Date(0) };
  }

  @Remote()
  async divide(a: number, b: number): Promise<number> {
    if (b === 0) throw new RangeError('division by zero');
    return a / b;
  }

  @Remote()
  async *countdown(from: number): AsyncGenerator<{ left: number }> {
    for (let left = from; left > 0; left--) yield { left };
  }
}

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('switchyard call (CLI process)', () => {
  let cluster: LocalCluster;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    cluster = await startLocalCluster({ endpoints: [Calculator] });
    const manifestPath = join(mkdtempSync(join(tmpdir(), 'sy-call-')), 'switchyard.manifest.json');
    writeManifest(manifestPath, buildManifest([Calculator]));
    env = { SWITCHYARD_DIRECTORY_URL: cluster.directoryUrl, RUNPOD_API_KEY: cluster.apiKey, SWITCHYARD_MANIFEST: manifestPath, SWITCHYARD_LOG_LEVEL: 'silent' };
  });
  afterAll(async () => {
    await cluster.stop();
  });

  it('prints the result of a routed call as JSON and exits 0', async () => {
    const result = await run(['call', 'cli-calc.add', '--args', '[2, 40]'], env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ sum: 42, at: '1970-01-01T00:00:00.000Z' });
  }, 30_000);

  it('--spawn prints a handle id, and --handle waits for that result (issue 16)', async () => {
    const spawned = await run(['call', 'cli-calc.add', '--args', '[1, 2]', '--spawn'], env);
    expect(spawned.stderr).toBe('');
    expect(spawned.code).toBe(0);
    const id = spawned.stdout.trim();
    expect(id).toMatch(/^sy1\.[A-Za-z0-9_-]+$/);
    const waited = await run(['call', '--handle', id], env);
    expect(waited.stderr).toBe('');
    expect(JSON.parse(waited.stdout)).toEqual({ sum: 3, at: '1970-01-01T00:00:00.000Z' });
    const both = await run(['call', 'cli-calc.add', '--handle', id], env);
    expect(both.code).toBe(1);
    expect(both.stderr).toContain('--handle waits for a call that was already started');
  }, 60_000);

  it("prints a streaming method's values one JSON line each, called or spawned and then followed by --handle", async () => {
    const called = await run(['call', 'cli-calc.countdown', '--args', '[3]'], env);
    expect(called.stderr).toBe('');
    expect(called.stdout.trim().split('\n').map((line) => JSON.parse(line))).toEqual([{ left: 3 }, { left: 2 }, { left: 1 }]);
    const spawned = await run(['call', 'cli-calc.countdown', '--args', '[2]', '--spawn'], env);
    expect(spawned.code).toBe(0);
    const waited = await run(['call', '--handle', spawned.stdout.trim()], env);
    expect(waited.stderr).toBe('');
    expect(waited.code).toBe(0);
    expect(waited.stdout.trim().split('\n').map((line) => JSON.parse(line))).toEqual([{ left: 2 }, { left: 1 }]);
  }, 60_000);

  it('exits 1 with the remote error when the method throws', async () => {
    const result = await run(['call', 'cli-calc.divide', '--args', '[1, 0]'], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/RangeError: division by zero/);
    expect(result.stderr).not.toContain(cluster.apiKey);
  }, 30_000);

  it('exits 1 naming the problem for bad --args and for an unknown endpoint', async () => {
    const bad = await run(['call', 'cli-calc.add', '--args', '{"a":1}'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--args must be a JSON array/);
    const unknown = await run(['call', 'nope.add'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/Unknown endpoint "nope"/);
  }, 30_000);
});
