import { extname } from 'node:path';
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
  /** `Name: message` of the error (or the thrown value, when it is not an Error). */
  summary: string;
  /** `file:line:column` where it was thrown (a SyntaxError: the offending line), when the stack tells. */
  site?: string;
  /** The error's own stack, without node's module-loader frames and the CLI's frames that follow. */
  stack?: string;
  /** True when the failure is TypeScript given to node without a loader. */
  typescript: boolean;
}

/**
 * Reads a load failure of `entry`: what was thrown, where, and whether the TypeScript hint
 * applies (a `.ts` entry node refused — `ERR_UNKNOWN_FILE_EXTENSION`, or a SyntaxError — or a
 * SyntaxError that TypeScript syntax causes). `loaderFiles` name the module that called
 * require()/import() (compiled, and its source, which stacks show under --enable-source-maps):
 * its frame and everything after it are the CLI's own path, not the app's.
 */
export function describeEntryFailure(entry: string, error: unknown, loaderFiles: readonly string[]): EntryFailure {
  if (!(error instanceof Error)) return { summary: `a non-Error value was thrown: ${String(error)}`, typescript: false };
  const message = error.message.split('\n')[0];
  const summary = `${error.name}: ${message}`;
  const stack = ownStack(error.stack ?? '', loaderFiles);
  const site = syntaxSite(error.stack ?? '') ?? firstFrameSite(stack);
  const offending = syntaxSite(error.stack ?? '') ? (error.stack ?? '').split('\n')[1] ?? '' : '';
  const code = (error as NodeJS.ErrnoException).code;
  const tsFile = TYPESCRIPT_EXTENSIONS.has(extname(entry)) || (site !== undefined && TYPESCRIPT_EXTENSIONS.has(extname(site.replace(/(:\d+)+$/, ''))));
  const typescript =
    (code === 'ERR_UNKNOWN_FILE_EXTENSION' && /\.[cm]?tsx?"?/.test(message)) ||
    (error instanceof SyntaxError && (tsFile || TYPESCRIPT_SYNTAX.some((pattern) => pattern.test(message)) || TYPESCRIPT_LINE.test(offending)));
  return { summary, site, stack: stack || undefined, typescript };
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

/** `file:line:column` of the first stack frame that names a file. */
function firstFrameSite(stack: string): string | undefined {
  for (const line of stack.split('\n')) {
    if (!/^\s+at /.test(line)) continue;
    const match = /\(?((?:file:\/\/)?(?:\/|[A-Za-z]:\\)[^()]*?):(\d+):(\d+)\)?$/.exec(line.trim());
    if (match) return `${toPath(match[1])}:${match[2]}:${match[3]}`;
  }
  return undefined;
}

function toPath(location: string): string {
  return location.startsWith('file://') ? fileURLToPath(location) : location;
}
