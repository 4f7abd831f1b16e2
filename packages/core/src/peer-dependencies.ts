import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SwitchyardError } from './errors';

/**
 * Peer dependencies of `@switchyard/core` that keep state per copy of the package, so the app
 * and Switchyard must load the same copy:
 * - `tsyringe`: the container and the constructor type information of `@injectable()` classes
 *   live in the module. A class decorated through another copy is unknown to Switchyard's
 *   container (`TypeInfo not known for "X"`).
 * - `class-transformer`: `@Type`/`@Transform` metadata lives in the module. With another copy,
 *   nested DTOs stay plain objects and their class-validator rules are silently not checked.
 * - `class-validator`: its rules live in a process global that every copy reads, so two copies
 *   agree only while their internal format does; one copy keeps validation defined.
 * `reflect-metadata` is not listed: every 0.2.x copy shares one registry through a global symbol.
 */
export const SHARED_PEER_PACKAGES: readonly string[] = ['tsyringe', 'class-transformer', 'class-validator'];

/** One resolved copy of a peer package. */
export interface PeerCopy {
  /** Real path (symlinks resolved) of the package folder, the one holding its package.json. */
  readonly directory: string;
  /** `version` of that package.json, or `unknown` if it has none. */
  readonly version: string;
  /** Who resolves it: `@switchyard/core`, `@switchyard/decorators`, or the folders app lookups started from. */
  readonly seenFrom: readonly string[];
}

/**
 * Two or more copies of a package that the app and Switchyard must share are loaded (see
 * `SHARED_PEER_PACKAGES`). `copies` lists each with its folder, version and who resolves it.
 */
export class DuplicatePeerDependencyError extends SwitchyardError {
  override name = 'DuplicatePeerDependencyError' as const;
  override readonly code = 'DUPLICATE_PEER_DEPENDENCY' as const;
  readonly packageName: string;
  readonly copies: readonly PeerCopy[];

  constructor(message: string, options: { packageName: string; copies: readonly PeerCopy[]; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.packageName = options.packageName;
    this.copies = options.copies;
  }
}

/** Options of `assertSinglePeerCopies`. */
export interface PeerCopyCheckOptions {
  /**
   * Folders the app's copies are resolved from; node's lookup walks up `node_modules` from
   * each. Default: `process.cwd()` and the folder of the main script (`require.main`), when
   * there is one. The CLI passes its working folder and the entry module's folder.
   */
  readonly paths?: readonly string[];
  /** Packages to check. Default `SHARED_PEER_PACKAGES`. */
  readonly packages?: readonly string[];
}

/**
 * Throws `DuplicatePeerDependencyError` when the app resolves a different copy of tsyringe,
 * class-transformer or class-validator than Switchyard does, naming every copy and the fix.
 * Switchyard's copy is the one `@switchyard/core` resolves (and `@switchyard/decorators`, which
 * registers `@Endpoint` classes with tsyringe). A package the app cannot resolve at all is not
 * an error: then the app has no copy of its own. Call it once the app's modules are loaded;
 * `switchyard build`, `dev`, `serve` and `call --entry` do so right after loading the entry.
 */
export function assertSinglePeerCopies(options: PeerCopyCheckOptions = {}): void {
  const appFolders = options.paths ?? defaultAppFolders();
  const decoratorsFolder = resolvePackageFolder('@switchyard/decorators', [__dirname]);
  for (const packageName of options.packages ?? SHARED_PEER_PACKAGES) {
    const lookups: Array<{ seenFrom: string; from: string }> = [
      { seenFrom: '@switchyard/core', from: __dirname },
      ...(decoratorsFolder ? [{ seenFrom: '@switchyard/decorators', from: decoratorsFolder }] : []),
      ...appFolders.map((folder) => ({ seenFrom: folder, from: folder })),
    ];
    const copies = new Map<string, { directory: string; version: string; seenFrom: string[] }>();
    for (const { seenFrom, from } of lookups) {
      const directory = resolvePackageFolder(packageName, [from]);
      if (directory === undefined) continue;
      const copy = copies.get(directory);
      if (copy) copy.seenFrom.push(seenFrom);
      else copies.set(directory, { directory, version: packageVersion(directory), seenFrom: [seenFrom] });
    }
    if (copies.size > 1) throw duplicateError(packageName, [...copies.values()]);
  }
}

function duplicateError(packageName: string, copies: PeerCopy[]): DuplicatePeerDependencyError {
  const list = copies.map((c) => `${c.directory} (${packageName}@${c.version}, resolved from ${c.seenFrom.join(', ')})`).join('; ');
  return new DuplicatePeerDependencyError(
    `${copies.length} copies of ${packageName} are loaded: ${list}. Switchyard and your app must share one copy, ` +
      `or classes registered through one are unknown to the other${packageName === 'tsyringe' ? ' (tsyringe: "TypeInfo not known for ...")' : ''}. ` +
      `Fix: make ${packageName} a dependency of your app at the version @switchyard/core declares as a peer dependency, ` +
      `remove the other copies (\`npm ls ${packageName}\` shows who brings each; then \`npm dedupe\`), and do not install @switchyard/core with --legacy-peer-deps or link it from another checkout.`,
    { packageName, copies },
  );
}

/** process.cwd() and the main script's folder: where an app's own node_modules lookup starts. */
function defaultAppFolders(): string[] {
  const folders = [process.cwd()];
  const main = require.main?.filename;
  if (main) folders.push(dirname(main));
  return [...new Set(folders)];
}

/**
 * The real folder of `packageName` as node resolves it from `paths`, or undefined when it is
 * not installed there. The entry file is resolved (not `<name>/package.json`, which an
 * `exports` map may hide), then its folder is walked up to the package.json naming the package.
 */
function resolvePackageFolder(packageName: string, paths: string[]): string | undefined {
  let entry: string;
  try {
    entry = realpathSync(require.resolve(packageName, { paths }));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') return undefined;
    throw error;
  }
  for (let folder = dirname(entry); ; folder = dirname(folder)) {
    const manifest = join(folder, 'package.json');
    if (existsSync(manifest) && readName(manifest) === packageName) return folder;
    if (dirname(folder) === folder) return dirname(entry);
  }
}

function readName(manifest: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name;
  } catch {
    return undefined; // an unreadable package.json belongs to no package we look for
  }
}

function packageVersion(folder: string): string {
  try {
    const version = (JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as { version?: unknown }).version;
    return typeof version === 'string' ? version : 'unknown';
  } catch {
    return 'unknown';
  }
}
