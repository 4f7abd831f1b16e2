import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { forgetEndpoint } from '@switchyard/decorators';
import { main, type CliIo } from '../../src/cli';
import { loadManifest, manifestToJson } from '../../src/manifest';
import { validManifest } from '../manifest/valid-manifest';

const FIXTURES = resolve(__dirname, '../fixtures/manifest');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('switchyard CLI (in process)', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;

  /** Runs main() with captured output, in the temporary folder. */
  async function run(...args: string[]): Promise<Run> {
    let stdout = '';
    let stderr = '';
    const io: CliIo = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), cwd: dir, env };
    const code = await main(['node', 'switchyard', ...args], io);
    return { code, stdout, stderr };
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'switchyard-cli-'));
    env = {};
  });
  afterEach(() => {
    // The entry modules decorate classes when loaded: forget them and load them afresh next time.
    forgetEndpoint();
    jest.resetModules();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('build', () => {
    it('writes ./switchyard.manifest.json by default and prints one table row per endpoint', async () => {
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'photo-app' }));
      const result = await run('build', '--entry', join(FIXTURES, 'app.ts'));

      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const lines = result.stdout.split('\n');
      expect(lines[0]).toMatch(/^ENDPOINT\s+TYPE\s+METHODS\s+DEPENDS ON\s+CONTRACT$/);
      expect(lines[1]).toMatch(/^image-processor\s+queue\s+resize, thumbnail\s+-\s+4eb6938d548fb606$/);
      expect(lines[2]).toMatch(/^storage\s+queue\s+put\s+-\s+[0-9a-f]{16}$/);
      expect(lines[3]).toMatch(/^workflow\s+load-balancer\s+run\s+image-processor, storage\s+[0-9a-f]{16}$/);
      const file = join(dir, 'switchyard.manifest.json');
      expect(result.stdout).toContain(`Wrote ${file} (3 endpoints, 4 methods).`);
      const manifest = loadManifest(file);
      expect(manifest.project).toBe('photo-app');
      expect(Object.keys(manifest.endpoints)).toEqual(['image-processor', 'storage', 'workflow']);
    });

    it('honours --out, --project and SOURCE_DATE_EPOCH', async () => {
      env.SOURCE_DATE_EPOCH = '1767225600';
      const result = await run('build', '--entry', join(FIXTURES, 'app.ts'), '--out', 'out/m.json', '--project', 'demo');

      expect(result.code).toBe(0);
      const manifest = loadManifest(join(dir, 'out', 'm.json'));
      expect(manifest.project).toBe('demo');
      expect(manifest.generatedAt).toBe('2026-01-01T00:00:00.000Z');
      expect(readFileSync(join(dir, 'out', 'm.json'), 'utf8')).toBe(manifestToJson(manifest));
    });

    it('defaults the project to the folder name when there is no package.json', async () => {
      const result = await run('build', '--entry', join(FIXTURES, 'app.ts'));

      expect(result.code).toBe(0);
      expect(loadManifest(join(dir, 'switchyard.manifest.json')).project).toBe(dir.split(/[\\/]/).pop());
    });

    it('exits 1 naming the entry module and the cycle when endpoints need each other', async () => {
      const entry = join(FIXTURES, 'cyclic-app.ts');
      const result = await run('build', '--entry', entry);

      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        `error: ${entry}: endpoints["ping"].dependsOn forms a call cycle ping -> pong -> ping (constructors Ping -> Pong -> Ping): a synchronous call cycle across serverless endpoints can deadlock; remove one of these constructor dependencies.\n`,
      );
    });

    it('exits 1 when the entry module does not exist', async () => {
      const result = await run('build', '--entry', 'dist/missing.js');

      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`${join(dir, 'dist', 'missing.js')}: entry module not found. Pass the compiled module`);
    });

    it('exits 1 with the reason, where it was thrown and its stack when the entry module throws while loading; no TypeScript hint', async () => {
      const entry = join(FIXTURES, 'throws-on-load.ts');
      const result = await run('build', '--entry', entry);

      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        new RegExp(`^error: ${entry}: entry module failed to load \\(boom while loading the entry module\\): Error thrown at ${entry}:2:7\\. Fix the code there \\(rebuild if it is compiled\\) and run the command again\\.\nError: boom while loading the entry module\n    at .*${entry}:2:7`),
      );
      expect(result.stderr).not.toContain('TypeScript');
    });

    it('exits 1 when the entry module declares no endpoints', async () => {
      const result = await run('build', '--entry', join(FIXTURES, 'no-endpoints.ts'));

      expect(result.code).toBe(1);
      expect(result.stderr).toContain('declares no @Endpoint classes');
    });

    it('exits 1 for a SOURCE_DATE_EPOCH that is not a number of seconds', async () => {
      env.SOURCE_DATE_EPOCH = 'yesterday';
      const result = await run('build', '--entry', join(FIXTURES, 'app.ts'));

      expect(result.code).toBe(1);
      expect(result.stderr).toContain('SOURCE_DATE_EPOCH must be a whole number of seconds since 1970, got "yesterday"');
    });

    it('exits 2 with the usage when --entry is missing', async () => {
      const result = await run('build');

      expect(result.code).toBe(2);
      expect(result.stderr).toContain("error: required option '--entry <module>' not specified");
      expect(result.stderr).toContain('Usage: switchyard build [options]');
    });
  });

  describe('serve', () => {
    it('exits 2 naming the variable when a RunPod worker variable is malformed (regression: it was 1)', async () => {
      env.RUNPOD_WEBHOOK_GET_JOB = 'not a url';
      env.RUNPOD_WEBHOOK_POST_OUTPUT = 'http://127.0.0.1:1/done/$ID';
      const result = await run('serve', '--entry', join(FIXTURES, 'app.ts'), '--endpoint', 'storage', '--mode', 'runpod');

      expect(result.code).toBe(2);
      expect(result.stderr).toContain('error: RUNPOD_WEBHOOK_GET_JOB="not a url" is not an http(s) URL template');
    });
  });

  describe('manifest validate', () => {
    it('exits 0 with a one-line summary for a valid file', async () => {
      writeFileSync(join(dir, 'm.json'), JSON.stringify(validManifest()));
      const result = await run('manifest', 'validate', 'm.json');

      expect(result.code).toBe(0);
      expect(result.stdout).toBe(`OK ${join(dir, 'm.json')}: project "demo", 3 endpoints, 4 methods, manifest version 1\n`);
    });

    it('exits 1 printing the ManifestError for an invalid file', async () => {
      const raw = validManifest();
      (raw.endpoints as Record<string, Record<string, unknown>>).storage.type = 'gpu';
      writeFileSync(join(dir, 'm.json'), JSON.stringify(raw));
      const result = await run('manifest', 'validate', 'm.json');

      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain(`error: ${join(dir, 'm.json')}: endpoints["storage"].type must be "queue" or "load-balancer", got "gpu".`);
    });

    it('exits 1 for a missing file', async () => {
      const result = await run('manifest', 'validate', 'nope.json');

      expect(result.code).toBe(1);
      expect(result.stderr).toContain('nope.json: file not found');
    });

    it('exits 2 when the file argument is missing or there are extra arguments', async () => {
      expect((await run('manifest', 'validate')).code).toBe(2);
      const extra = await run('manifest', 'validate', 'a.json', 'b.json');
      expect(extra.code).toBe(2);
      expect(extra.stderr).toContain('too many arguments');
    });
  });

  describe('usage', () => {
    it('exits 2 with the usage on stderr when no command is given', async () => {
      const result = await run();

      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain('Usage: switchyard [options] [command]');
    });

    it('exits 2 with the manifest usage when no manifest subcommand is given', async () => {
      const result = await run('manifest');

      expect(result.code).toBe(2);
      expect(result.stderr).toContain('validate <file>');
    });

    it('prints help for a command with `help <command>` and exits 0', async () => {
      const result = await run('help', 'build');

      expect(result.code).toBe(0);
      expect(result.stdout).toContain('Usage: switchyard build [options]');
      expect(result.stdout).toContain('--out <file>');
    });
  });
});
