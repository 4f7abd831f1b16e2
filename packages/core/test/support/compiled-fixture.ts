import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import ts from 'typescript';

// A small app compiled by the real TypeScript compiler (not @swc/jest) into a temp folder, and
// run by a real Node child process against the built packages (`pnpm build` first). For
// mistakes that depend on compiler flags, such as emitDecoratorMetadata off, or on module
// loading order, such as two files that import each other.

const CORE = resolve(__dirname, '../..');
const DECORATORS = resolve(CORE, '../decorators');
const BIN = join(CORE, 'bin/switchyard.js');

/** Compiler flags a fixture may change; everything else is the README's tsconfig. */
export interface FixtureFlags {
  experimentalDecorators: boolean;
  emitDecoratorMetadata: boolean;
}

/** What a child process printed. */
export interface ChildRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** An error as a child process reports it: class name, code and message, and `instanceof DecoratorError`. */
export interface ReportedError {
  name: string;
  code?: string;
  message: string;
  isDecoratorError: boolean;
}

/** A compiled fixture app. `await using` removes its folder. */
export interface CompiledFixture extends AsyncDisposable {
  readonly dir: string;
  /** tsc's diagnostics, one formatted line each; empty when the app compiled cleanly. */
  readonly diagnostics: string[];
  /** Requires `dist/<module>.js` in a child process and returns the error it threw, or undefined. */
  load(module: string): Promise<ReportedError | undefined>;
  /** Requires `dist/<module>.js`, then runs `buildManifest()` of @switchyard/core; returns its error, or undefined. */
  buildManifest(module: string): Promise<ReportedError | undefined>;
  /** The compiled `switchyard` CLI with these arguments, in the fixture's folder. */
  switchyard(args: string[]): Promise<ChildRun>;
}

/** The README's tsconfig, with the given decorator flags. */
function compilerOptions(dir: string, flags: FixtureFlags): ts.CompilerOptions {
  return {
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts', 'lib.esnext.disposable.d.ts'],
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: [],
    rootDir: join(dir, 'src'),
    outDir: join(dir, 'dist'),
    strict: true,
    esModuleInterop: true,
    skipLibCheck: true,
    useDefineForClassFields: false,
    ...flags,
  };
}

/**
 * Writes `files` (paths under `src/`, TypeScript) into a new temp folder that resolves
 * `@switchyard/core` and `@switchyard/decorators` to this repository's packages, and compiles
 * them with `flags`. Emits even when tsc reports errors, as tsc does by default.
 */
export function compileFixture(files: Record<string, string>, flags: FixtureFlags): CompiledFixture {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-fixture-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'fixture-app', private: true, type: 'commonjs' }));
  mkdirSync(join(dir, 'node_modules/@switchyard'), { recursive: true });
  symlinkSync(CORE, join(dir, 'node_modules/@switchyard/core'), 'dir');
  symlinkSync(DECORATORS, join(dir, 'node_modules/@switchyard/decorators'), 'dir');
  const rootNames = Object.entries(files).map(([path, source]) => {
    const file = join(dir, 'src', path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, source);
    return file;
  });
  const program = ts.createProgram({ rootNames, options: compilerOptions(dir, flags) });
  const emitted = program.emit();
  const diagnostics = [...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics].map((d) =>
    `${d.file ? `${d.file.fileName.slice(dir.length + 1)}: ` : ''}TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`,
  );

  const probe = (module: string, thenBuild: boolean): Promise<ReportedError | undefined> => {
    const script = `
      const report = (e) => { const { DecoratorError } = require('@switchyard/core');
        console.log(JSON.stringify({ name: e.name, code: e.code, message: e.message, isDecoratorError: e instanceof DecoratorError })); };
      try { require('./dist/${module}.js'); ${thenBuild ? "require('@switchyard/core').buildManifest();" : ''} console.log('null'); }
      catch (e) { report(e); }`;
    return node(['-e', script], dir).then((run) => {
      if (run.code !== 0) throw new Error(`fixture probe failed (exit ${run.code}): ${run.stderr}`);
      return (JSON.parse(run.stdout.trim()) as ReportedError | null) ?? undefined;
    });
  };

  return {
    dir,
    diagnostics,
    load: (module) => probe(module, false),
    buildManifest: (module) => probe(module, true),
    switchyard: (args) => node([BIN, ...args], dir),
    async [Symbol.asyncDispose]() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function node(args: string[], cwd: string): Promise<ChildRun> {
  return new Promise((done) => {
    execFile(process.execPath, args, { cwd }, (error, stdout, stderr) => {
      done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}
