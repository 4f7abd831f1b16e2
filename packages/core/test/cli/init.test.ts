import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { main, type CliIo } from '../../src/cli';
import { InitWouldOverwriteError, runInit } from '../../src/cli/commands/init';
import { loadManifest } from '../../src/manifest';

const ROOT = resolve(__dirname, '../../../..');
const CORE = join(ROOT, 'packages/core');
const corePackage = JSON.parse(readFileSync(join(CORE, 'package.json'), 'utf8')) as {
  version: string;
  devDependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
};
const rootPackage = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
const run = promisify(execFile);

const STARTER_FILES = [
  'package.json',
  'tsconfig.json',
  '.gitignore',
  'README.md',
  'src/app.ts',
  'src/catalog.ts',
  'src/errors.ts',
  'src/endpoints/pricing.ts',
  'src/endpoints/checkout.ts',
  'src/client.ts',
  'test/tsconfig.json',
  'test/checkout.test.ts',
];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

interface StarterPackage {
  name: string;
  type?: string;
  scripts: Record<string, string>;
  jest: { preset: string };
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}

describe('switchyard init', () => {
  let dir: string;

  async function init(...args: string[]): Promise<Run> {
    let stdout = '';
    let stderr = '';
    const io: CliIo = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), cwd: dir, env: {} };
    const code = await main(['node', 'switchyard', 'init', ...args], io);
    return { code, stdout, stderr };
  }
  const read = (path: string): string => readFileSync(join(dir, path), 'utf8');
  const readPackage = (app: string): StarterPackage => JSON.parse(read(join(app, 'package.json'))) as StarterPackage;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'switchyard-init-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the starter into a new folder and prints each file and the next steps', async () => {
    const result = await init('my-app');

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    for (const file of STARTER_FILES) expect(existsSync(join(dir, 'my-app', file))).toBe(true);
    expect(result.stdout).toContain(`Wrote a Switchyard app (CommonJS), "my-app", in ${join(dir, 'my-app')}:\n`);
    for (const file of STARTER_FILES) expect(result.stdout).toContain(`\n  ${file}\n`);
    expect(result.stdout).toContain('\nNext:\n  cd my-app\n  npm install\n  npm run dev');
  });

  it('writes package.json with build, dev and test scripts, the jest preset and exact versions from core', async () => {
    await init('shop');
    const pkg = readPackage('shop');

    expect(pkg.name).toBe('shop');
    expect(pkg.type).toBeUndefined();
    expect(pkg.scripts).toMatchObject({ build: 'tsc', dev: 'tsc && switchyard dev --entry dist/app.js', test: 'jest' });
    expect(pkg.jest).toEqual({ preset: '@switchyard/core' });
    expect(pkg.dependencies).toEqual({
      '@switchyard/core': corePackage.version,
      'class-transformer': corePackage.devDependencies['class-transformer'],
      'class-validator': corePackage.devDependencies['class-validator'],
      'reflect-metadata': corePackage.devDependencies['reflect-metadata'],
      tsyringe: corePackage.devDependencies.tsyringe,
    });
    for (const tool of ['typescript', '@types/node', 'jest', '@types/jest', '@swc/jest', '@swc/core']) {
      expect(pkg.devDependencies[tool]).toBe(corePackage.devDependencies[tool]);
    }
    for (const version of [...Object.values(pkg.dependencies), ...Object.values(pkg.devDependencies)]) expect(version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("takes the starter's versions from what this repo builds and tests with, and lists every peer of core", () => {
    // core's devDependencies are the starter's source of versions; the root's are what CI runs.
    for (const [name, version] of Object.entries(corePackage.devDependencies)) {
      if (rootPackage.devDependencies[name] !== undefined) expect(`${name}@${version}`).toBe(`${name}@${rootPackage.devDependencies[name]}`);
    }
    for (const [peer, range] of Object.entries(corePackage.peerDependencies)) {
      expect(range).toBe(`^${corePackage.devDependencies[peer]}`);
    }
  });

  it('is documented with the same versions: npm install lines and tarball names in both READMEs', () => {
    for (const readme of [join(ROOT, 'README.md'), join(CORE, 'README.md')]) {
      const text = readFileSync(readme, 'utf8');
      const pins = [...text.matchAll(/^npm install .*$/gm)]
        .flatMap((line) => line[0].split(/\s+/))
        .map((token) => /^(@?[^@\s]+)@(\d+\.\d+\.\d+)$/.exec(token))
        .filter((match): match is RegExpExecArray => match !== null);

      expect(pins.length).toBeGreaterThanOrEqual(10);
      for (const [, name, version] of pins) expect(`${name}@${version}`).toBe(`${name}@${corePackage.devDependencies[name]}`);
      for (const [, version] of text.matchAll(/switchyard-(?:core|decorators)-(\d+\.\d+\.\d+)\.tgz/g)) expect(version).toBe(corePackage.version);
    }
  });

  it('writes a tsconfig with the compiler flags Switchyard needs', async () => {
    await init('app');
    const { compilerOptions } = JSON.parse(read('app/tsconfig.json')) as { compilerOptions: Record<string, unknown> };

    expect(compilerOptions).toMatchObject({
      target: 'ES2022',
      module: 'nodenext',
      moduleResolution: 'nodenext',
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
      useDefineForClassFields: false,
      types: ['node'],
    });
    expect(compilerOptions.lib).toEqual(expect.arrayContaining(['ESNext.Disposable']));
    expect(read('app/.gitignore').split('\n')).toEqual(expect.arrayContaining(['node_modules/', 'dist/', '.switchyard/']));
  });

  it('declares every @Remote method async, and two endpoints where checkout receives Pricing by constructor', async () => {
    await init('app');
    const sources = ['src/endpoints/pricing.ts', 'src/endpoints/checkout.ts'].map((f) => read(join('app', f)));
    const remotes = sources.flatMap((s) => [...s.matchAll(/@Remote\([^)]*\)\n(.*)\n/g)].map((m) => m[1].trim()));

    expect(remotes).toHaveLength(2);
    for (const method of remotes) expect(method).toMatch(/^async \w+\(.*\): Promise<.+> \{$/);
    expect(sources[1]).toContain('constructor(private readonly pricing: Pricing) {}');
    expect(read('app/src/errors.ts')).toContain('registerError(UnknownSkuError);');
    expect(read('app/test/checkout.test.ts')).toContain("from '@switchyard/core/testing'");
  });

  it('writes an ES module app with --esm: "type": "module" and .js in every relative import', async () => {
    const result = await init('esm-app', '--esm');
    const pkg = readPackage('esm-app');
    const relativeImports = STARTER_FILES.filter((f) => f.endsWith('.ts'))
      .flatMap((f) => [...read(join('esm-app', f)).matchAll(/from '(\.{1,2}\/[^']*)'/g)].map((m) => m[1]));

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('(ES module)');
    expect(pkg.type).toBe('module');
    expect(relativeImports.length).toBeGreaterThan(5);
    for (const specifier of relativeImports) expect(specifier).toMatch(/\.js$/);
    // A CommonJS app keeps extensionless imports: they resolve under nodenext's CommonJS rules.
    await init('cjs-app');
    for (const m of read('cjs-app/src/app.ts').matchAll(/from '(\.{1,2}\/[^']*)'/g)) expect(m[1]).not.toMatch(/\.js$/);
  });

  it('names the package after the folder, made a valid npm name, or after --name', async () => {
    await init('My Shop');
    await init('other', '--name', '@acme/shop');

    expect(readPackage('My Shop').name).toBe('my-shop');
    expect(readPackage('other').name).toBe('@acme/shop');
  });

  it('writes into the current folder by default', async () => {
    const result = await init();

    expect(result.code).toBe(0);
    expect(existsSync(join(dir, 'src/app.ts'))).toBe(true);
    expect(result.stdout).not.toContain('cd ');
  });

  it('refuses to overwrite: exits 1 with InitWouldOverwriteError listing the existing files, and writes nothing', async () => {
    mkdirSync(join(dir, 'app/src'), { recursive: true });
    writeFileSync(join(dir, 'app/package.json'), '{"name": "mine"}\n');
    writeFileSync(join(dir, 'app/src/app.ts'), '// my own app\n');

    const result = await init('app');

    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `error: switchyard init would overwrite 2 existing files in ${join(dir, 'app')}: package.json, src/app.ts. Nothing was written. ` +
        'Run it in an empty or new folder (e.g. switchyard init my-app), or move those files away.\n',
    );
    expect(read('app/package.json')).toBe('{"name": "mine"}\n');
    expect(read('app/src/app.ts')).toBe('// my own app\n');
    expect(readdirSync(join(dir, 'app')).sort()).toEqual(['package.json', 'src']);
    expect(readdirSync(join(dir, 'app/src'))).toEqual(['app.ts']);
    const io: CliIo = { stdout: () => undefined, stderr: () => undefined, cwd: dir, env: {} };
    const error = (() => {
      try {
        runInit('app', {}, io);
      } catch (thrown) {
        return thrown;
      }
    })();
    expect(error).toBeInstanceOf(InitWouldOverwriteError);
    expect(error).toMatchObject({ code: 'INIT_WOULD_OVERWRITE', directory: join(dir, 'app'), files: ['package.json', 'src/app.ts'] });
  });

  it('exits 1 when the target is a file', async () => {
    writeFileSync(join(dir, 'taken'), 'x');
    const result = await init('taken');

    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${join(dir, 'taken')} is a file, not a folder`);
  });

  it('exits 2 with the reason for a --name npm would refuse', async () => {
    const result = await init('app', '--name', 'My App');

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--name must be a valid npm package name');
    expect(existsSync(join(dir, 'app'))).toBe(false);
  });

  it('--help describes the folder argument and the options, and exits 0', async () => {
    const result = await init('--help');

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: switchyard init [options] [dir]');
    expect(result.stdout).toContain('write a starter app');
    expect(result.stdout).toMatch(/--esm\s+write an ES module app/);
    expect(result.stdout).toMatch(/--name <name>\s+package name/);
  });

  // The starter compiles with its own tsconfig against the built packages, its tests type-check,
  // and `switchyard build` accepts the compiled entry. No network: the packages the app would
  // install are linked from this workspace. (scripts/adoption-test.sh does the same with npm.)
  it.each([['a CommonJS', []], ['an ES module', ['--esm']]])(
    'writes %s app that compiles, type-checks its tests and builds a manifest',
    async (_kind, flags) => {
      expect((await init('app', ...flags)).code).toBe(0);
      const app = join(dir, 'app');
      linkWorkspacePackages(app);
      const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');

      await run(process.execPath, [tsc, '-p', app]);
      await run(process.execPath, [tsc, '-p', join(app, 'test')]);
      const build = await run(process.execPath, [join(CORE, 'bin/switchyard.js'), 'build', '--entry', 'dist/app.js'], { cwd: app });

      expect(build.stdout).toMatch(/\ncheckout\s+queue\s+total\s+pricing\s+[0-9a-f]{16}\n/);
      expect(build.stdout).toMatch(/\npricing\s+queue\s+quote\s+-\s+[0-9a-f]{16}\n/);
      expect(loadManifest(join(app, 'switchyard.manifest.json')).project).toBe('app');
    },
    60_000,
  );
});

/** node_modules of a starter app, linked to this workspace's packages and their installed peers. */
function linkWorkspacePackages(app: string): void {
  const link = (name: string, target: string): void => {
    const at = join(app, 'node_modules', name);
    mkdirSync(dirname(at), { recursive: true });
    symlinkSync(target, at, 'dir');
  };
  link('@switchyard/core', CORE);
  for (const peer of ['tsyringe', 'reflect-metadata', 'class-validator', 'class-transformer']) {
    link(peer, realpathSync(join(CORE, 'node_modules', peer)));
  }
  for (const types of ['@types/node', '@types/jest']) link(types, realpathSync(join(ROOT, 'node_modules', types)));
}
