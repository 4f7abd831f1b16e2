import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { SwitchyardError } from '../../errors';
import { InitWouldOverwriteError } from '../cli-errors';

export { InitWouldOverwriteError };
import { addCommandHelp } from '../help-text';
import type { CliIo } from '../io';
import { starterFiles, type StarterVersions } from '../init-templates';

/** Options of `switchyard init`, as commander parses them. */
export interface InitCommandOptions {
  /** Write an ES module app. Default false (CommonJS). */
  esm?: boolean;
  /** Package name. Default: the folder's name, made a valid npm name. */
  name?: string;
}


/** Core's peer dependencies, which the starter lists as its own so that the app owns the one copy. */
const STARTER_PEERS = ['class-transformer', 'class-validator', 'reflect-metadata', 'tsyringe'] as const;
/** The toolchain the starter's scripts and jest preset use. */
const STARTER_TOOLCHAIN = ['@swc/core', '@swc/jest', '@types/jest', '@types/node', 'jest', 'typescript'] as const;

/** npm's rules for a package name: lowercase, URL-safe, optional scope, at most 214 characters. */
const PACKAGE_NAME = /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/;

/**
 * Registers `switchyard init [dir] [--esm] [--name <name>]`: writes a starter app (two
 * endpoints that call each other, a registered error, tests, tsconfig, package.json with
 * build/dev/test scripts and exact versions) into `dir` (default: the current folder).
 */
export function register(program: Command, io: CliIo): void {
  const command = program
    .command('init')
    .description('write a starter app: two endpoints calling each other, tests, tsconfig and package.json')
    .argument('[dir]', 'folder to write the app into (created if missing)', '.')
    .option('--esm', 'write an ES module app ("type": "module") instead of CommonJS')
    .option('--name <name>', 'package name (default: the folder name)', packageNameOption)
    .action((dir: string, options: InitCommandOptions) => runInit(dir, options, io));
  addCommandHelp(command, {
    examples: ['npx @switchyard/core init my-app', 'npx @switchyard/core init my-app --esm --name @acme/shop', '# then', 'cd my-app && npm install && npm run dev'],
  });
}

/**
 * The init command itself. Checks every file first and throws `InitWouldOverwriteError`
 * (exit 1) if any exists, so that it writes either the whole app or nothing.
 */
export function runInit(dir: string, options: InitCommandOptions, io: CliIo): void {
  const root = resolve(io.cwd, dir);
  if (existsSync(root) && !statSync(root).isDirectory()) {
    throw new SwitchyardError(`switchyard init: ${root} is a file, not a folder. Pass a new or empty folder, e.g. switchyard init my-app.`);
  }
  const esm = options.esm ?? false;
  const name = options.name ?? packageNameFor(root);
  const files = starterFiles({ name, esm, versions: starterVersions() });
  const existing = files.map((f) => f.path).filter((path) => existsSync(join(root, path)));
  if (existing.length > 0) throw new InitWouldOverwriteError({ directory: root, files: existing });

  for (const file of files) {
    const target = join(root, file.path);
    mkdirSync(dirname(target), { recursive: true });
    // 'wx' fails instead of overwriting a file that appeared since the check above.
    writeFileSync(target, file.content, { flag: 'wx' });
  }

  // A folder below the current one is shown relative (cd my-app); anything else in full.
  const below = relative(io.cwd, root);
  const where = below.startsWith('..') ? root : below;
  const lines = [
    `Wrote a Switchyard app (${esm ? 'ES module' : 'CommonJS'}), "${name}", in ${root}:`,
    ...files.map((f) => `  ${f.path}`),
    '',
    'Next:',
    ...(where ? [`  cd ${/\s/.test(where) ? JSON.stringify(where) : where}`] : []),
    '  npm install',
    '  npm run dev      # pricing and checkout, one worker process each, on 127.0.0.1; Ctrl-C stops them',
    '  npm test         # jest with the @switchyard/core preset',
  ];
  io.stdout(`${lines.join('\n')}\n`);
}

/**
 * Exact versions for the starter, from @switchyard/core's own package.json so they never drift
 * from what this package is built and tested with: `@switchyard/core` at its own version, its
 * peer dependencies and the toolchain at the versions of its devDependencies.
 */
export function starterVersions(): StarterVersions {
  // src/cli/commands and dist/cli/commands are both three levels below the package root.
  const file = join(__dirname, '..', '..', '..', 'package.json');
  const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name: string; version: string; devDependencies?: Record<string, string> };
  const pick = (names: readonly string[]): Record<string, string> =>
    Object.fromEntries(
      names.map((name) => {
        const version = pkg.devDependencies?.[name];
        if (!version) {
          throw new SwitchyardError(`${file} lists no devDependencies version of ${name}, which switchyard init needs for the starter. This is a packaging bug of ${pkg.name}@${pkg.version}: please report it.`);
        }
        return [name, version];
      }),
    );
  return { dependencies: { [pkg.name]: pkg.version, ...pick(STARTER_PEERS) }, devDependencies: pick(STARTER_TOOLCHAIN) };
}

/** The folder's name as a valid npm package name (`My App` → `my-app`), or `switchyard-app`. */
function packageNameFor(root: string): string {
  const name = basename(root)
    .toLowerCase()
    .replace(/[^a-z0-9._~-]+/g, '-')
    .replace(/^[._~-]+|-+$/g, '')
    .slice(0, 214);
  return name || 'switchyard-app';
}

function packageNameOption(value: string): string {
  if (value.length > 214 || !PACKAGE_NAME.test(value)) {
    throw new InvalidArgumentError(`--name must be a valid npm package name (lowercase letters, digits, - . _ ~, optional @scope/), got ${JSON.stringify(value)}.`);
  }
  return value;
}
