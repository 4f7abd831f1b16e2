import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { CliProcess, runCli, writeProject } from './cli-project';

// An entry module that throws, given to the compiled CLI in a real process: the message names
// where it was thrown and the error's own stack follows; the TypeScript hint only when
// TypeScript is what node refused.

const TS_HINT = 'It looks like TypeScript, which node does not run without a loader';

describe('an entry module that fails to load (CLI process)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sy-entry-failure-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serve: exits 1 with the file:line of the throw, the stack of the error, and no TypeScript hint', async () => {
    const app = join(dir, 'throws');
    const entry = writeProject(app, { throwOnLoad: 'DATABASE_URL is not set' });
    const pricing = join(app, 'dist', 'endpoints', 'pricing.js');

    const result = await runCli(['serve', '--entry', entry, '--endpoint', 'pricing'], { cwd: dir, env: { RUNPOD_API_KEY: 'k' } });

    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `error: ${entry}: entry module failed to load (DATABASE_URL is not set): Error thrown at ${pricing}:3:7. Fix the code there (rebuild if it is compiled) and run the command again.\n` +
        'Error: DATABASE_URL is not set\n' +
        `    at Object.<anonymous> (${pricing}:3:7)\n` +
        `    at Object.<anonymous> (${entry}:2:18)\n`,
    );
    expect(result.stderr).not.toContain('TypeScript');
  });

  it('with --enable-source-maps, the TypeScript line of the throw and a stack of TypeScript frames', async () => {
    const app = join(dir, 'mapped');
    mkdirSync(join(app, 'src'), { recursive: true });
    mkdirSync(join(app, 'dist'));
    const source = "function boot(): void {\n  throw new Error('no config');\n}\nboot();\n";
    writeFileSync(join(app, 'src', 'app.ts'), source);
    const out = ts.transpileModule(source, { fileName: 'app.ts', compilerOptions: { sourceMap: true, module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } });
    writeFileSync(join(app, 'dist', 'app.js'), out.outputText);
    writeFileSync(join(app, 'dist', 'app.js.map'), JSON.stringify({ ...JSON.parse(out.sourceMapText!), sources: ['../src/app.ts'] }));

    const result = await runCli(['build', '--entry', 'dist/app.js'], { cwd: app, env: { NODE_OPTIONS: '--enable-source-maps' } });

    expect(result.code).toBe(1);
    const appTs = join(app, 'src', 'app.ts');
    expect(result.stderr).toBe(
      `error: ${join(app, 'dist', 'app.js')}: entry module failed to load (no config): Error thrown at ${appTs}:2:9. Fix the code there (rebuild if it is compiled) and run the command again.\n` +
        `Error: no config\n    at boot (${appTs}:2:9)\n    at Object.<anonymous> (${appTs}:4:1)\n`,
    );
  });

  it('dev: the same report, from the entry it loads itself', async () => {
    const app = join(dir, 'throws-dev');
    const entry = writeProject(app, { throwOnLoad: 'no config' });
    const dev = new CliProcess(['dev', '--entry', entry], { cwd: app });
    await expect(dev.exited).resolves.toEqual({ code: 1, signal: null });
    expect(dev.stderr[0]).toBe(`error: ${entry}: entry module failed to load (no config): Error thrown at ${join(app, 'dist', 'endpoints', 'pricing.js')}:3:7. Fix the code there (rebuild if it is compiled) and run the command again.`);
    expect(dev.stderr[2]).toBe(`    at Object.<anonymous> (${join(app, 'dist', 'endpoints', 'pricing.js')}:3:7)`);
  }, 30_000);

  it('dev: a worker whose entry throws only in the worker is reported with its error and where it was thrown', async () => {
    const app = join(dir, 'throws-in-worker');
    const entry = writeProject(app, { throwInWorker: 'no GPU here' });
    const pricing = join(app, 'dist', 'endpoints', 'pricing.js');
    const dev = new CliProcess(['dev', '--entry', entry], { cwd: app });
    await expect(dev.exited).resolves.toEqual({ code: 1, signal: null });
    const err = dev.stderr.join('\n');
    expect(err).toContain(
      'error: worker for endpoint "pricing" exited before it was ready (exit code 1):\n' +
        `  error: ${entry}: entry module failed to load (no GPU here): Error thrown at ${pricing}:4:44. Fix the code there (rebuild if it is compiled) and run the command again.\n` +
        `  at Object.<anonymous> (${pricing}:4:44)\n` +
        'Its whole output is above, prefixed [pricing].',
    );
    // The worker's own lines, stack included, are streamed before it.
    expect(dev.stdout).toContain(`[pricing]     at Object.<anonymous> (${pricing}:4:44)`);
  }, 30_000);

  it("a throw inside Switchyard's decorators (a DecoratorError) is reported at the app's line that applied the decorator", async () => {
    writeFileSync(
      join(dir, 'bad-decorator.js'),
      `const { Endpoint, Remote } = require(${JSON.stringify(join(__dirname, '..', '..', 'dist', 'index.js'))});
class Clock { async now() { return 1; } }
Reflect.decorate([Remote({ timeoutMs: -5 }), Reflect.metadata('design:paramtypes', [])], Clock.prototype, 'now', Object.getOwnPropertyDescriptor(Clock.prototype, 'now'));
exports.Clock = Reflect.decorate([Endpoint({ name: 'clock' })], Clock);
`,
    );
    const result = await runCli(['build', '--entry', 'bad-decorator.js'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr.split('\n')[0]).toBe(
      `error: ${join(dir, 'bad-decorator.js')}: entry module failed to load (@Remote on Clock.now: timeoutMs must be a positive integer number of milliseconds, got -5.): ` +
        `DecoratorError called from ${join(dir, 'bad-decorator.js')}:3:9. Fix the code there (rebuild if it is compiled) and run the command again.`,
    );
    expect(result.stderr).toContain(`    at Object.<anonymous> (${join(dir, 'bad-decorator.js')}:3:9)`);
  });

  it('build: a .ts entry given to node without a loader gets the TypeScript hint', async () => {
    writeFileSync(join(dir, 'app.ts'), "import 'reflect-metadata';\nexport const port: number = 3000;\n");
    const result = await runCli(['build', '--entry', 'app.ts'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^error: ${join(dir, 'app.ts')}: entry module failed to load \\(.+\\): SyntaxError`));
    expect(result.stderr).toContain(
      `${TS_HINT}: compile it and pass the compiled JavaScript (e.g. --entry dist/app.js), or run the CLI under a loader: node -r @swc-node/register node_modules/@switchyard/core/bin/switchyard.js <command> … (ES modules: node --import @swc-node/register/esm-register …).`,
    );
  });

  it('build: an ES module entry importing a .ts file (ERR_UNKNOWN_FILE_EXTENSION) gets the hint', async () => {
    writeFileSync(join(dir, 'settings.ts'), 'export const retries: number = 3;\n');
    writeFileSync(join(dir, 'esm-app.mjs'), "import { retries } from './settings.ts';\nexport default retries;\n");
    const result = await runCli(['build', '--entry', 'esm-app.mjs'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`entry module failed to load (Unknown file extension ".ts" for ${join(dir, 'settings.ts')}): TypeError. ${TS_HINT}`);
  });

  it('build: TypeScript syntax in a .js file (an uncompiled source copied into dist) gets the hint, with the line', async () => {
    writeFileSync(join(dir, 'copied.js'), "const limit = 3;\ninterface Options { limit: number }\n");
    const result = await runCli(['build', '--entry', 'copied.js'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`entry module failed to load (Unexpected identifier 'Options'): SyntaxError at ${join(dir, 'copied.js')}:2. ${TS_HINT}`);
  });

  it('build: a plain JavaScript syntax error names its line and gets no TypeScript hint', async () => {
    writeFileSync(join(dir, 'typo.js'), 'const a = 1;\nconst b = ;\n');
    const result = await runCli(['build', '--entry', 'typo.js'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`entry module failed to load (Unexpected token ';'): SyntaxError at ${join(dir, 'typo.js')}:2. Fix the code there (rebuild if it is compiled) and run the command again.`);
    expect(result.stderr).not.toContain('TypeScript');
  });

  it('build: a missing package says to install it', async () => {
    writeFileSync(join(dir, 'missing-dep.js'), "require('left-pad-that-is-not-installed');\n");
    const result = await runCli(['build', '--entry', 'missing-dep.js'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`entry module failed to load (Cannot find module 'left-pad-that-is-not-installed'): Error thrown at ${join(dir, 'missing-dep.js')}:1:1. A module it imports cannot be found: install the package (npm install) or fix the import path, rebuild, and run the command again.`);
    expect(result.stderr).not.toContain('TypeScript');
  });
});
