import { relative, resolve, sep } from 'node:path';

/**
 * How to run this CLI again from `cwd`, for hints such as dev's "call it from another shell":
 * - run from an app's own install (a `node_modules` in `cwd` or a folder above it): `npx switchyard`;
 * - from npx's cache (`npx @switchyard/core …` without an install): `npx @switchyard/core`;
 * - from another install (global): `switchyard`, which is on the PATH;
 * - from a checkout: `node <script>`, with the node flags it runs under (a TypeScript loader).
 * `bin` is the script that runs (process.argv[1]); unknown, `npx switchyard`.
 */
export function cliInvocation(bin: string | undefined, cwd: string, execArgv: readonly string[] = process.execArgv): string {
  if (!bin) return 'npx switchyard';
  const script = resolve(cwd, bin);
  const parts = script.split(sep);
  const modules = parts.indexOf('node_modules');
  if (modules >= 0) {
    if (parts.includes('_npx')) return 'npx @switchyard/core';
    const root = parts.slice(0, modules).join(sep) || sep;
    return cwd === root || cwd.startsWith(root.endsWith(sep) ? root : `${root}${sep}`) ? 'npx switchyard' : 'switchyard';
  }
  const shown = relative(cwd, script);
  return ['node', ...(script.endsWith('.ts') ? execArgv : []), shown.startsWith('..') ? script : shown].join(' ');
}
