import { resolve as resolvePath } from 'node:path';

/** Printed by `switchyard serve` once it listens; `dev` reads it from the child's stdout. */
export const READY_MARKER = 'SWITCHYARD_READY ';

/**
 * How to start the `switchyard` CLI in a child. When this module runs from source under a
 * TypeScript loader (its flags are in execArgv), the child runs the source bin with the same
 * flags; otherwise (dist, or a test runner that transforms sources itself) the compiled bin.
 * The parent's own script (a demo, a test runner) is never reused.
 */
export function cliCommand(): { command: string; args: string[] } {
  const underLoader = __filename.endsWith('.ts') && process.execArgv.some((flag) => /register|loader|import/.test(flag));
  const script = underLoader ? resolvePath(__dirname, 'bin.ts') : resolvePath(__dirname, '../../bin/switchyard.js');
  return { command: process.execPath, args: [...process.execArgv, script] };
}
