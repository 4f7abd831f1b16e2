import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ManifestError } from '../errors';

/**
 * `require()` errors after which the entry is loaded with `import()` instead: an ES module
 * graph with top-level await (`ERR_REQUIRE_ASYNC_MODULE`, Node ≥ 20.19), or any ES module on a
 * Node started with `--no-experimental-require-module` (`ERR_REQUIRE_ESM`). In both cases
 * nothing of the graph has run yet, so importing it afterwards evaluates it exactly once.
 */
const IMPORT_INSTEAD = new Set(['ERR_REQUIRE_ASYNC_MODULE', 'ERR_REQUIRE_ESM']);

/**
 * Loads the developer's entry module (a path given on the command line, never request data)
 * so that its `@Endpoint` classes are decorated in this process. Returns the absolute path.
 * CommonJS and ES modules are loaded with `require()`; an ES module with top-level await is
 * then loaded with `import()` of the same file, and the promise settles once its top-level
 * awaits have finished. Throws `ManifestError` naming the file when it is missing or throws
 * while loading.
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

function loadFailure(file: string, error: unknown): ManifestError {
  const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
  return new ManifestError({
    file,
    problem: `entry module failed to load (${reason}). Pass the compiled JavaScript module (run your build first), or for TypeScript run the CLI with node -r @swc-node/register.`,
    cause: error,
  });
}
