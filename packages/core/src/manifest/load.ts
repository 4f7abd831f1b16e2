import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ManifestError } from '../errors';
import type { Manifest } from './model';
import { validateManifest } from './validate';

/** `file` of the ManifestErrors thrown for a manifest passed as an object. */
export const OBJECT_SOURCE = '<object>';

/**
 * Reads and validates a manifest: a path to a JSON file (resolved from the current directory)
 * or an already parsed object. Returns `Manifest` instances; the input object is not modified.
 *
 * Throws `ManifestError` whose `file` is the resolved path (or `<object>`) and whose `path` is
 * the JSON path of the bad field, e.g.
 * `switchyard.manifest.json: endpoints["image-processor"].methods[2].timeoutMs must be a positive integer, got -5. ...`.
 * A missing file or invalid JSON is a ManifestError with an empty `path`. The rules, including
 * the unknown-field rule (`x-...` extension fields only), are listed on `validateManifest`.
 */
export function loadManifest(pathOrObject: string | object): Manifest {
  if (typeof pathOrObject !== 'string') return validateManifest(pathOrObject, OBJECT_SOURCE);
  const file = resolve(pathOrObject);
  return validateManifest(readManifestJson(file), file);
}

function readManifestJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const problem =
      code === 'ENOENT'
        ? 'file not found. Run `switchyard build --entry <module>` to create it, or pass the right path (SWITCHYARD_MANIFEST)'
        : `cannot be read (${code ?? (error as Error).message}). Check the path and its permissions`;
    throw new ManifestError({ file, problem: `${problem}.`, cause: error });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ManifestError({ file, problem: `is not valid JSON (${(error as Error).message}). Fix the file, or regenerate it with \`switchyard build\`.`, cause: error });
  }
}
