import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The version string the worker reports as `runpod_version` on heartbeats and in its
 * User-Agent: `switchyard-<@switchyard/core version>`, e.g. `switchyard-0.1.0`
 * (`switchyard-unknown` if the package file cannot be read). runpod-python reports its own
 * release there; the prefix tells RunPod's logs which worker implementation is talking.
 * Read once per worker start.
 */
export function switchyardVersionTag(): string {
  let version = 'unknown';
  try {
    // The same relative path works from src/worker (tests, swc-node) and dist/worker (built).
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version?: unknown };
    if (typeof pkg.version === 'string') version = pkg.version;
  } catch {
    /* keep 'unknown': a missing version must never stop a worker */
  }
  return `switchyard-${version}`;
}
