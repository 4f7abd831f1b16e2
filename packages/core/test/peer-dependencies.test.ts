import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { forgetEndpoint } from '@switchyard/decorators';
import { main, type CliIo } from '../src/cli';
import { assertSinglePeerCopies, DuplicatePeerDependencyError, SHARED_PEER_PACKAGES } from '../src/peer-dependencies';

const CORE = resolve(__dirname, '..');
/** The copy of `name` that core resolves in this workspace (pnpm's store, symlinks resolved). */
const coreCopy = (name: string): string => realpathSync(join(CORE, 'node_modules', name));

/** Writes a package into `<app>/node_modules/<name>`: package.json plus its main file. */
function fakePackage(app: string, name: string, version: string, layout: { main?: string; exports?: unknown } = {}): string {
  const folder = join(app, 'node_modules', name);
  const main = layout.main ?? 'index.js';
  mkdirSync(dirname(join(folder, main)), { recursive: true });
  writeFileSync(join(folder, 'package.json'), JSON.stringify({ name, version, main, ...(layout.exports ? { exports: layout.exports } : {}) }));
  writeFileSync(join(folder, main), 'module.exports = {};\n');
  return realpathSync(folder);
}

/** The thrown error, so that its fields can be checked (the check must throw). */
function thrownBy(check: () => void): DuplicatePeerDependencyError {
  try {
    check();
  } catch (error) {
    return error as DuplicatePeerDependencyError;
  }
  throw new Error('expected the check to throw');
}

describe('assertSinglePeerCopies', () => {
  let app: string;
  beforeEach(() => {
    app = realpathSync(mkdtempSync(join(tmpdir(), 'switchyard-peers-')));
  });
  afterEach(() => rmSync(app, { recursive: true, force: true }));

  it('checks tsyringe, class-transformer and class-validator by default', () => {
    expect(SHARED_PEER_PACKAGES).toEqual(['tsyringe', 'class-transformer', 'class-validator']);
  });

  it('passes when the app has no copy of its own (it then uses the one core resolves)', () => {
    expect(() => assertSinglePeerCopies({ paths: [app] })).not.toThrow();
  });

  it('passes in this workspace with its defaults (the working folder and the main script)', () => {
    expect(() => assertSinglePeerCopies()).not.toThrow();
  });

  it("passes when the app's node_modules links to the very copy core resolves", () => {
    mkdirSync(join(app, 'node_modules'));
    symlinkSync(coreCopy('tsyringe'), join(app, 'node_modules', 'tsyringe'), 'dir');

    expect(() => assertSinglePeerCopies({ paths: [app] })).not.toThrow();
  });

  it('throws DuplicatePeerDependencyError naming both copies, their versions and the fix when the app has its own tsyringe', () => {
    const appCopy = fakePackage(app, 'tsyringe', '4.8.0');

    const error = thrownBy(() => assertSinglePeerCopies({ paths: [app] }));

    expect(error).toBeInstanceOf(DuplicatePeerDependencyError);
    expect(error.code).toBe('DUPLICATE_PEER_DEPENDENCY');
    expect(error.packageName).toBe('tsyringe');
    expect(error.copies).toEqual([
      { directory: coreCopy('tsyringe'), version: '4.10.0', seenFrom: ['@switchyard/core', '@switchyard/decorators'] },
      { directory: appCopy, version: '4.8.0', seenFrom: [app] },
    ]);
    expect(error.message).toBe(
      `2 copies of tsyringe are loaded: ${coreCopy('tsyringe')} (tsyringe@4.10.0, resolved from @switchyard/core, @switchyard/decorators); ` +
        `${appCopy} (tsyringe@4.8.0, resolved from ${app}). Switchyard and your app must share one copy, or classes registered through one are unknown to the other ` +
        '(tsyringe: "TypeInfo not known for ..."). Fix: make tsyringe a dependency of your app at the version @switchyard/core declares as a peer dependency, ' +
        'remove the other copies (`npm ls tsyringe` shows who brings each; then `npm dedupe`), and do not install @switchyard/core with --legacy-peer-deps or link it from another checkout.',
    );
  });

  it("finds the app's copy from any folder below the app, as node does from the entry module's folder", () => {
    fakePackage(app, 'tsyringe', '4.8.0');
    mkdirSync(join(app, 'dist', 'endpoints'), { recursive: true });

    expect(() => assertSinglePeerCopies({ paths: [join(app, 'dist', 'endpoints')] })).toThrow(DuplicatePeerDependencyError);
  });

  it('reports the package folder even when an exports map hides package.json and main is nested', () => {
    const appCopy = fakePackage(app, 'class-validator', '0.14.0', { main: 'cjs/index.js', exports: { '.': './cjs/index.js' } });

    const error = thrownBy(() => assertSinglePeerCopies({ paths: [app] }));

    expect(error.packageName).toBe('class-validator');
    expect(error.copies.map((c) => [c.directory, c.version])).toEqual([
      [coreCopy('class-validator'), '0.15.1'],
      [appCopy, '0.14.0'],
    ]);
    expect(error.message).not.toContain('TypeInfo');
  });

  it('checks only the packages it is given', () => {
    fakePackage(app, 'class-transformer', '0.4.0');

    expect(() => assertSinglePeerCopies({ paths: [app], packages: ['tsyringe'] })).not.toThrow();
    expect(() => assertSinglePeerCopies({ paths: [app] })).toThrow(/^2 copies of class-transformer are loaded/);
  });
});

describe('switchyard build with a second copy of tsyringe', () => {
  let app: string;
  beforeEach(() => {
    app = realpathSync(mkdtempSync(join(tmpdir(), 'switchyard-peers-cli-')));
  });
  afterEach(() => {
    forgetEndpoint();
    jest.resetModules();
    rmSync(app, { recursive: true, force: true });
  });

  it("exits 1 right after loading the entry, before anything else, naming the app's copy", async () => {
    const appCopy = fakePackage(app, 'tsyringe', '4.8.0');
    mkdirSync(join(app, 'dist'));
    // An entry that declares nothing: without the check, build would fail for that instead.
    writeFileSync(join(app, 'dist', 'app.js'), 'module.exports = {};\n');
    let stdout = '';
    let stderr = '';
    const io: CliIo = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), cwd: app, env: {} };

    const code = await main(['node', 'switchyard', 'build', '--entry', 'dist/app.js'], io);

    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^error: 2 copies of tsyringe are loaded: /);
    expect(stderr).toContain(`${appCopy} (tsyringe@4.8.0, resolved from ${app}, ${join(app, 'dist')})`);
  });
});
