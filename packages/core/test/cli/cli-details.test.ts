import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { main, type CliIo } from '../../src/cli';
import { cliInvocation } from '../../src/cli/invocation';
import { BIN, CliProcess, portIsFree, until } from './cli-project';

const VERSION = (JSON.parse(readFileSync(resolve(__dirname, '../../package.json'), 'utf8')) as { version: string }).version;
const ENTRY = resolve(__dirname, '..', '..', '..', '..', 'examples', 'dist', 'app.js');

async function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), cwd: tmpdir(), env };
  const code = await main(['node', 'switchyard', ...args], io);
  return { code, stdout, stderr };
}

describe('switchyard CLI details', () => {
  it.each([['-v'], ['--version'], ['-V'], ['version']])('%s prints the version and exits 0', async (flag) => {
    await expect(run([flag])).resolves.toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
  });

  it('--help of each command shows its examples, the environment it reads and its required options', async () => {
    const help = async (...command: string[]) => (await run([...command, '--help'])).stdout;
    const dev = await help('dev');
    expect(dev).toContain('--entry <module>    compiled module that imports your @Endpoint classes\n                      (required)');
    expect(dev).toContain('Required options: --entry <module>');
    expect(dev).toMatch(/\nEnvironment:\n {2}SWITCHYARD_LOG_LEVEL +debug, info, warn, error or silent/);
    expect(dev).toContain('Examples:\n  $ npx switchyard dev --entry dist/app.js\n');
    expect(dev).toContain('$ npx switchyard dev --entry dist/app.js --watch');
    const serve = await help('serve');
    expect(serve).toContain('Required options: --entry <module>, --endpoint <name>');
    expect(serve).toMatch(/\n {2}RUNPOD_API_KEY +the key callers must send/);
    const call = await help('call');
    expect(call).not.toContain('Required options');
    expect(call).toMatch(/\n {2}SWITCHYARD_ENTRY +entry module to load when --entry is not given/);
    expect(call).toContain("$ npx switchyard call pricing.quote --args '[\"a-1\", 3]'");
    expect(await help('build')).toMatch(/\n {2}SOURCE_DATE_EPOCH +seconds since 1970/);
    for (const command of [['init'], ['manifest', 'validate'], ['version']]) expect(await help(...command)).toContain('Examples:\n  $ npx ');
  });

  it.each([['call', 'pricing.quote'], ['serve', '--entry', ENTRY, '--endpoint', 'report']])(
    '%s exits 2 with the ConfigurationError for an unknown SWITCHYARD_LOG_LEVEL',
    async (...args) => {
      const result = await run(args, { SWITCHYARD_LOG_LEVEL: 'verbose', RUNPOD_API_KEY: 'k' });
      expect(result).toEqual({ code: 2, stdout: '', stderr: 'error: SWITCHYARD_LOG_LEVEL="verbose" is not a log level. Use one of debug, info, warn, error, silent.\n' });
    },
  );
});

describe('cliInvocation (how hints say to run the CLI again)', () => {
  it.each([
    ['an app running its own install', '/app/node_modules/@switchyard/core/bin/switchyard.js', '/app', 'npx switchyard'],
    ['npm run, from a subfolder', '/app/node_modules/.bin/switchyard', '/app/packages/api', 'npx switchyard'],
    ["pnpm's layout", '/app/node_modules/.pnpm/@switchyard+core@0.1.0/node_modules/@switchyard/core/bin/switchyard.js', '/app', 'npx switchyard'],
    ['a global install', '/usr/lib/node_modules/@switchyard/core/bin/switchyard.js', '/app', 'switchyard'],
    ["npx's cache", '/root/.npm/_npx/4b2c/node_modules/@switchyard/core/bin/switchyard.js', '/app', 'npx @switchyard/core'],
    ['a checkout', '/src/switchyard/packages/core/bin/switchyard.js', '/src/switchyard', 'node packages/core/bin/switchyard.js'],
    ['a checkout, from outside it', '/src/switchyard/packages/core/bin/switchyard.js', '/tmp/x', 'node /src/switchyard/packages/core/bin/switchyard.js'],
    ['unknown', undefined, '/app', 'npx switchyard'],
  ])('%s', (_case, bin, cwd, expected) => {
    expect(cliInvocation(bin, cwd, [])).toBe(expected);
  });

  it('the TypeScript bin with the loader flags it runs under', () => {
    expect(cliInvocation('/src/sy/packages/core/src/cli/bin.ts', '/src/sy', ['--conditions=@switchyard/source', '-r', '@swc-node/register'])).toBe(
      'node --conditions=@switchyard/source -r @swc-node/register packages/core/src/cli/bin.ts',
    );
  });
});

describe('switchyard serve (CLI process)', () => {
  it('load-balancer mode prints one start line with the health check URL and no undefined field', async () => {
    const serve = new CliProcess(['serve', '--entry', ENTRY, '--endpoint', 'report', '--mode', 'load-balancer'], { cwd: tmpdir(), env: { RUNPOD_API_KEY: 'k' } });
    try {
      const ready = await serve.line(/^SWITCHYARD_READY /);
      const { url, pid } = JSON.parse(ready.slice('SWITCHYARD_READY '.length)) as { url: string; pid: number };
      expect(serve.stdout[0]).toBe(`switchyard: serving endpoint report (load-balancer) at ${url}/execute, health check ${url}/ping, pid ${pid}`);
      expect(serve.output.split('\n').filter((l) => /serving/.test(l))).toHaveLength(1);
      expect(serve.output).not.toContain('undefined');
    } finally {
      serve.child.kill('SIGTERM');
      await expect(serve.exited).resolves.toEqual({ code: 0, signal: null });
    }
  }, 30_000);

  it('--stop-on-stdin-end: the worker stops, freeing its port, when its standard input closes', async () => {
    const child = spawn(process.execPath, [BIN, 'serve', '--entry', ENTRY, '--endpoint', 'report', '--stop-on-stdin-end'], {
      env: { PATH: process.env.PATH, RUNPOD_API_KEY: 'k' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const lines: string[] = [];
    createInterface({ input: child.stdout! }).on('line', (l) => lines.push(l));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    await until(() => lines.some((l) => l.startsWith('SWITCHYARD_READY ')), 20_000, 'ready');
    const port = Number(new URL((JSON.parse(lines.find((l) => l.startsWith('SWITCHYARD_READY '))!.slice(17)) as { url: string }).url).port);
    child.stdin!.end();
    await expect(exited).resolves.toBe(0);
    expect(lines).toContain('switchyard: standard input closed (the switchyard dev that started this worker is gone), finishing in-flight jobs');
    await expect(portIsFree(port)).resolves.toBe(true);
  }, 30_000);
});

