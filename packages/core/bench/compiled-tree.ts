import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative, resolve } from 'node:path';
import { transformFileSync, type Options } from '@swc/core';
import { REPO_ROOT } from './child-process';

/** JavaScript compiled from the sources into a temporary folder, runnable with plain `node`. */
export interface CompiledTree {
  /** The temporary folder. */
  readonly dir: string;
  /** Path of the compiled `bench/<script>`. */
  entry(script: string): string;
  /** Environment the child needs: NODE_PATH so bare imports resolve to the workspace's packages. */
  readonly env: Record<string, string>;
  remove(): void;
}

/** The same transform as jest and @swc-node/register: legacy decorators with metadata, CommonJS. */
const SWC_OPTIONS: Options = {
  swcrc: false,
  configFile: false,
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    target: 'es2022',
  },
  module: { type: 'commonjs' },
};

/** Folders compiled, relative to the repository root. */
const SOURCE_FOLDERS = ['packages/decorators/src', 'packages/core/src', 'packages/core/bench'];

function tsFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts'))
    .map((e) => join(e.parentPath, e.name));
}

/**
 * Compiles decorators, core and the bench folder to JavaScript in a temporary folder, so a
 * benchmark child can run without a TypeScript loader. Used where the loader itself would
 * distort the figure: @swc-node/register keeps the swc compiler (about 80 MB of RSS) in every
 * process it runs. `@switchyard/decorators` is rewritten to the compiled decorators; other bare
 * imports resolve through NODE_PATH to the workspace's installed packages. Nothing is written
 * into the repository.
 */
export function compileTree(): CompiledTree {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-'));
  const decoratorsIndex = join(dir, 'packages/decorators/src/index.js');
  for (const folder of SOURCE_FOLDERS) {
    for (const file of tsFiles(resolve(REPO_ROOT, folder))) {
      const out = join(dir, relative(REPO_ROOT, file)).replace(/\.ts$/, '.js');
      const { code } = transformFileSync(file, { ...SWC_OPTIONS, filename: file });
      mkdirSync(dirname(out), { recursive: true });
      const rel = relative(dirname(out), decoratorsIndex);
      writeFileSync(out, code.replaceAll('require("@switchyard/decorators")', `require(${JSON.stringify(rel.startsWith('.') ? rel : `./${rel}`)})`));
    }
  }
  return {
    dir,
    entry: (script) => join(dir, 'packages/core/bench', script.replace(/\.ts$/, '.js')),
    env: { NODE_PATH: [resolve(REPO_ROOT, 'packages/core/node_modules'), resolve(REPO_ROOT, 'node_modules')].join(delimiter) },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
