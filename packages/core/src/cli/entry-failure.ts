import { extname, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Extensions node cannot run without a TypeScript loader. */
const TYPESCRIPT_EXTENSIONS = new Set(['.ts', '.mts', '.cts', '.tsx']);

/**
 * SyntaxError messages that TypeScript source (type annotations, decorators) gives when node
 * parses it as JavaScript, and TypeScript-only syntax on the line node points at. A
 * SyntaxError of any other kind is a plain JavaScript mistake, and the TypeScript hint would
 * send the developer the wrong way.
 */
const TYPESCRIPT_SYNTAX = [/^Unexpected token ':'/, /^Missing initializer in const declaration/, /^Unexpected strict mode reserved word/];
const TYPESCRIPT_LINE = /^\s*(export\s+)?(declare\s+)?(interface|type\s+\w+\s*=|enum|namespace|abstract\s+class)\b|^\s*@\w+|\b(private|public|protected|readonly)\s+\w+\s*[:;,)]|\)\s*:\s*\w+/;

/** What went wrong while loading an entry module, read from the error node threw. */
export interface EntryFailure {
  /** The error's name (`Error`, `SyntaxError`, `DecoratorError`, …). */
  name: string;
  /** The first line of its message (or the thrown value, when it is not an Error). */
  message: string;
  /** `file:line:column` in the app's code where it was thrown (a SyntaxError: the offending line), when the stack tells. */
  site?: string;
  /**
   * How the site relates to the throw: `thrown at` (the throw itself), `called from` (thrown in
   * a library — Switchyard's decorators, a package in node_modules — and `site` is the app's
   * first frame on the way there), `at` (a SyntaxError's line).
   */
  relation?: 'thrown at' | 'called from' | 'at';
  /** The error's own stack, without node's module-loader frames and the CLI's frames that follow. */
  stack?: string;
  /** True when the failure is TypeScript given to node without a loader. */
  typescript: boolean;
}

/** Where the CLI's own code is: what called require() and the folders that are not the app's. */
export interface EntryCodeLayout {
  /** The module that called require()/import(), compiled and as its source (which stacks show under --enable-source-maps): its frame and everything after it are the CLI's own path. */
  loaderFiles: readonly string[];
  /** Folders of Switchyard's packages: a throw there (a DecoratorError) is reported at the app's frame that led to it. */
  libraryRoots: readonly string[];
}

/**
 * Reads a load failure of `entry`: what was thrown, where, and whether the TypeScript hint
 * applies (a `.ts` entry node refused — `ERR_UNKNOWN_FILE_EXTENSION`, or a SyntaxError — or a
 * SyntaxError that TypeScript syntax causes).
 */
export function describeEntryFailure(entry: string, error: unknown, layout: EntryCodeLayout): EntryFailure {
  if (!(error instanceof Error)) return { name: 'a thrown non-Error value', message: String(error), typescript: false };
  const message = error.message.split('\n')[0];
  const stack = ownStack(error.stack ?? '', layout.loaderFiles);
  const syntax = syntaxSite(error.stack ?? '');
  const sites = frameSites(stack);
  const inApp = sites.find((site) => !isLibrary(site, layout.libraryRoots));
  const site = syntax ?? inApp ?? sites[0];
  const relation = syntax ? 'at' : site === undefined ? undefined : site === sites[0] ? 'thrown at' : 'called from';
  const offending = syntax ? ((error.stack ?? '').split('\n')[1] ?? '') : '';
  const code = (error as NodeJS.ErrnoException).code;
  const tsFile = TYPESCRIPT_EXTENSIONS.has(extname(entry)) || (site !== undefined && TYPESCRIPT_EXTENSIONS.has(extname(site.replace(/(:\d+)+$/, ''))));
  const typescript =
    (code === 'ERR_UNKNOWN_FILE_EXTENSION' && /\.[cm]?tsx?"?/.test(message)) ||
    (error instanceof SyntaxError && (tsFile || TYPESCRIPT_SYNTAX.some((pattern) => pattern.test(message)) || TYPESCRIPT_LINE.test(offending)));
  return { name: error.name, message, site, relation, stack: stack || undefined, typescript };
}

function isLibrary(site: string, roots: readonly string[]): boolean {
  return /[\\/]node_modules[\\/]/.test(site) || roots.some((root) => site.startsWith(`${root}${sep}`));
}

/** The stack cut at the loader's frame, without node's internal frames. */
function ownStack(stack: string, loaderFiles: readonly string[]): string {
  const isLoader = (line: string): boolean => loaderFiles.some((file) => line.includes(`${file}:`));
  const lines = stack.split('\n');
  const kept: string[] = [];
  let requireStackDone = false;
  for (const line of lines) {
    const frame = /^\s+at /.test(line);
    if (frame && isLoader(line)) break;
    if (frame && /\(?node:internal\//.test(line)) continue;
    // MODULE_NOT_FOUND lists the requiring modules; from the loader on they are the CLI's.
    if (line.startsWith('- ') && (requireStackDone ||= loaderFiles.some((file) => line === `- ${file}`))) continue;
    kept.push(line);
  }
  while (kept.length > 0 && kept[kept.length - 1].trim() === '') kept.pop();
  return kept.join('\n');
}

/** A SyntaxError's stack starts with `file:line` of the offending line when node knows it. */
function syntaxSite(stack: string): string | undefined {
  const first = stack.split('\n')[0];
  const match = /^((?:file:\/\/)?\/.*|[A-Za-z]:\\.*):(\d+)$/.exec(first);
  return match ? `${toPath(match[1])}:${match[2]}` : undefined;
}

/** `file:line:column` of each stack frame that names a file, in order. */
function frameSites(stack: string): string[] {
  const sites: string[] = [];
  for (const line of stack.split('\n')) {
    if (!/^\s+at /.test(line)) continue;
    const match = /\(?((?:file:\/\/)?(?:\/|[A-Za-z]:\\)[^()]*?):(\d+):(\d+)\)?$/.exec(line.trim());
    if (match) sites.push(`${toPath(match[1])}:${match[2]}:${match[3]}`);
  }
  return sites;
}

function toPath(location: string): string {
  return location.startsWith('file://') ? fileURLToPath(location) : location;
}
