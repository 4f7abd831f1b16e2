import { existsSync, realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ManifestError } from '../errors';
import { describeEntryFailure, type EntryCodeLayout } from './entry-failure';

/**
 * `require()` errors after which the entry is loaded with `import()` instead: an ES module
 * graph with top-level await (`ERR_REQUIRE_ASYNC_MODULE`, Node ≥ 20.19), or any ES module on a
 * Node started with `--no-experimental-require-module` (`ERR_REQUIRE_ESM`). In both cases
 * nothing of the graph has run yet, so importing it afterwards evaluates it exactly once.
 */
const IMPORT_INSTEAD = new Set(['ERR_REQUIRE_ASYNC_MODULE', 'ERR_REQUIRE_ESM']);

/** This module (compiled, and as its source, which stacks show with --enable-source-maps) and Switchyard's package folders. */
const LAYOUT: EntryCodeLayout = {
  loaderFiles: [__filename, join(__dirname, '..', '..', 'src', 'cli', 'entry-module.ts')],
  libraryRoots: [resolve(__dirname, '..', '..'), ...packageRoot('@switchyard/decorators')],
};

/** The entry's own stack of each load failure, which the CLI prints below the message. */
const stacks = new WeakMap<Error, string>();

/**
 * Loads the developer's entry module (a path given on the command line, never request data)
 * so that its `@Endpoint` classes are decorated in this process. Returns the absolute path.
 * CommonJS and ES modules are loaded with `require()`; an ES module with top-level await is
 * then loaded with `import()` of the same file, and the promise settles once its top-level
 * awaits have finished. Throws `ManifestError` naming the file when it is missing or throws
 * while loading; for the latter the message names where it was thrown, and
 * {@link entryLoadStack} gives the error's own stack.
 */
export async function loadEntryModule(entry: string, cwd: string): Promise<string> {
  const file = resolve(cwd, entry);
  if (!existsSync(file)) {
    throw new ManifestError({ file, problem: 'entry module not found. Pass the compiled module that imports your @Endpoint classes, e.g. --entry dist/app.js.' });
  }
  try {
    require(file);
  } catch (error) {
    if (!IMPORT_INSTEAD.has((error as NodeJS.ErrnoException).code ?? '')) throw loadFailure(file, error);
    try {
      // The developer's own module, named on the command line: see the security rules.
      await import(pathToFileURL(file).href);
    } catch (importError) {
      throw loadFailure(file, importError);
    }
  }
  return file;
}

/** The stack of the error an entry module threw while loading (node's loader frames left out), if `error` is such a failure. */
export function entryLoadStack(error: unknown): string | undefined {
  return error instanceof Error ? stacks.get(error) : undefined;
}

function loadFailure(file: string, error: unknown): ManifestError {
  const failure = describeEntryFailure(file, error, LAYOUT);
  const what = failure.site ? `${failure.name} ${failure.relation} ${failure.site}` : failure.name;
  let fix: string;
  if (failure.typescript) {
    fix =
      'It looks like TypeScript, which node does not run without a loader: compile it and pass the compiled JavaScript (e.g. --entry dist/app.js), ' +
      'or run the CLI under a loader: node -r @swc-node/register node_modules/@switchyard/core/bin/switchyard.js <command> … ' +
      '(ES modules: node --import @swc-node/register/esm-register …).';
  } else if (/MODULE_NOT_FOUND/.test((error as NodeJS.ErrnoException | undefined)?.code ?? '')) {
    fix = 'A module it imports cannot be found: install the package (npm install) or fix the import path, rebuild, and run the command again.';
  } else {
    fix = `Fix the code ${failure.site ? 'there' : 'that threw'} (rebuild if it is compiled) and run the command again.`;
  }
  // "failed to load (<message>)" first: the reason is what a reader (and a grep) looks for.
  const manifestError = new ManifestError({ file, problem: `entry module failed to load (${failure.message}): ${what}. ${fix}`, cause: error });
  if (failure.stack) stacks.set(manifestError, failure.stack);
  return manifestError;
}

/** The real folder of an installed package (two levels above its main file), if it resolves. */
function packageRoot(name: string): string[] {
  try {
    return [dirname(dirname(realpathSync(require.resolve(name))))];
  } catch {
    return [];
  }
}
