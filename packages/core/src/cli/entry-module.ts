import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ManifestError } from '../errors';

/**
 * Loads the developer's entry module (a path given on the command line, never request data)
 * so that its `@Endpoint` classes are decorated in this process. Returns the absolute path.
 * Throws `ManifestError` naming the file when it is missing or throws while loading.
 */
export function loadEntryModule(entry: string, cwd: string): string {
  const file = resolve(cwd, entry);
  if (!existsSync(file)) {
    throw new ManifestError({ file, problem: 'entry module not found. Pass the compiled module that imports your @Endpoint classes, e.g. --entry dist/app.js.' });
  }
  try {
    require(file);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new ManifestError({
      file,
      problem: `entry module failed to load (${reason}). Pass the compiled JavaScript module (run your build first), or for TypeScript run the CLI with node -r @swc-node/register.`,
      cause: error,
    });
  }
  return file;
}
