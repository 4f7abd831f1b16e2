import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadManifest } from '../../src/manifest';
import { validManifest } from '../manifest/valid-manifest';

/** The workspace root: the child runs from there, as a developer would. */
const ROOT = resolve(__dirname, '../../../..');
const BIN = 'packages/core/src/cli/bin.ts';
const APP = 'packages/core/test/fixtures/manifest/app.ts';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `switchyard ...args` from source in a real child process (swc-node, as `pnpm demo` does). */
function switchyard(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--conditions=@switchyard/source', '-r', '@swc-node/register', BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

describe('switchyard CLI (child process)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'switchyard-cli-process-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('build writes a manifest that loadManifest accepts and prints the endpoint table', async () => {
    const out = join(dir, 'switchyard.manifest.json');
    const result = await switchyard(['build', '--entry', APP, '--out', out, '--project', 'photo-app'], { SOURCE_DATE_EPOCH: '1767225600' });

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^ENDPOINT\s+TYPE\s+METHODS\s+DEPENDS ON\s+CONTRACT\n/);
    expect(result.stdout).toMatch(/\nimage-processor\s+queue\s+resize, thumbnail\s+-\s+4eb6938d548fb606\n/);
    expect(result.stdout).toMatch(/\nstorage\s+queue\s+put\s+-\s+[0-9a-f]{16}\n/);
    expect(result.stdout).toMatch(/\nworkflow\s+load-balancer\s+run\s+image-processor, storage\s+[0-9a-f]{16}\n/);
    expect(result.stdout).toContain(`Wrote ${out} (3 endpoints, 4 methods).`);

    const manifest = loadManifest(out);
    expect(manifest.project).toBe('photo-app');
    expect(manifest.generatedAt).toBe('2026-01-01T00:00:00.000Z');
    expect(manifest.endpoints.workflow.dependsOn).toEqual(['image-processor', 'storage']);
    expect(manifest.function_registry['image-processor.resize']).toBe('image-processor');
  });

  it('manifest validate exits 0 with a one-line summary for a valid file', async () => {
    const file = join(dir, 'valid.json');
    writeFileSync(file, JSON.stringify(validManifest()));
    const result = await switchyard(['manifest', 'validate', file]);

    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`OK ${file}: project "demo", 3 endpoints, 4 methods, manifest version 1\n`);
    expect(result.stderr).toBe('');
  });

  it('manifest validate exits 1 printing the ManifestError with the field path', async () => {
    const raw = validManifest();
    ((raw.endpoints as Record<string, { methods: Array<Record<string, unknown>> }>)['image-processor'].methods[1]).timeoutMs = -5;
    const file = join(dir, 'invalid.json');
    writeFileSync(file, JSON.stringify(raw));
    const result = await switchyard(['manifest', 'validate', file]);

    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`error: ${file}: endpoints["image-processor"].methods[1].timeoutMs must be a positive integer, got -5.`);
  });

  it('exits 2 and prints the usage to stderr for an unknown command', async () => {
    const result = await switchyard(['provision']);

    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain("error: unknown command 'provision'");
    expect(result.stderr).toContain('Usage: switchyard [options] [command]');
  });

  it('exits 2 and prints the command usage to stderr for an unknown flag', async () => {
    const result = await switchyard(['build', '--entry', APP, '--verbose']);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain("error: unknown option '--verbose'");
    expect(result.stderr).toContain('Usage: switchyard build [options]');
  });

  it('--help lists the commands and exits 0; each command has its own --help', async () => {
    const top = await switchyard(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/\n {2}build \[options\]\s+build the manifest/);
    expect(top.stdout).toMatch(/\n {2}manifest\s+inspect manifest files/);

    const validate = await switchyard(['manifest', 'validate', '--help']);
    expect(validate.code).toBe(0);
    expect(validate.stdout).toContain('Usage: switchyard manifest validate [options] <file>');
  });

  it('--version prints the version of @switchyard/core', async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'packages/core/package.json'), 'utf8')) as { version: string };
    const result = await switchyard(['--version']);

    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${version}\n`);
  });
});
