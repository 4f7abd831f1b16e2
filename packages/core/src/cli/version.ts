import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The version of @switchyard/core, which the CLI prints for `-v`, `--version` and `version`. */
export function cliVersion(): string {
  // src/cli and dist/cli are both two levels below the package root.
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}
