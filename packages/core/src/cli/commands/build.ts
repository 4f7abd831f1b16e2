import { readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { listEndpoints } from '@switchyard/decorators';
import { ConfigurationError, ManifestError } from '../../errors';
import { buildManifest, writeManifest, type Manifest } from '../../manifest';
import { BUILD_SOURCE } from '../../manifest/build';
import { assertSinglePeerCopies } from '../../peer-dependencies';
import { loadEntryModule } from '../entry-module';
import type { CliIo } from '../io';
import { addCommandHelp, required } from '../help-text';
import { formatTable } from '../table';

/** Manifest file written by `switchyard build` when --out is not given. */
export const DEFAULT_MANIFEST_FILE = 'switchyard.manifest.json';

/** Options of `switchyard build`, as commander parses them. */
export interface BuildCommandOptions {
  entry: string;
  out: string;
  project?: string;
}

/**
 * Registers `switchyard build --entry <module> [--out <file>] [--project <name>]`: loads the
 * entry module, builds the manifest from its @Endpoint classes, writes it (default
 * ./switchyard.manifest.json) and prints a table of endpoints. `SOURCE_DATE_EPOCH` (seconds),
 * when set, pins `generatedAt` for reproducible builds.
 */
export function register(program: Command, io: CliIo): void {
  const command = program
    .command('build')
    .description('build the manifest from the @Endpoint classes an entry module imports')
    .requiredOption('--entry <module>', required('compiled module that imports your @Endpoint classes (relative to the current directory)'))
    .option('--out <file>', 'where to write the manifest', DEFAULT_MANIFEST_FILE)
    .option('--project <name>', 'project name in the manifest (default: "name" of ./package.json, else the folder name)')
    .action((options: BuildCommandOptions) => runBuild(options, io));
  addCommandHelp(command, {
    required: ['--entry <module>'],
    env: [['SOURCE_DATE_EPOCH', 'seconds since 1970: pins generatedAt, for reproducible builds']],
    examples: ['npx tsc && npx switchyard build --entry dist/app.js', 'npx switchyard build --entry dist/app.js --out deploy/switchyard.manifest.json --project photo-app'],
  });
}

/** The build command itself; exported for the CLI's in-process tests. */
export async function runBuild(options: BuildCommandOptions, io: CliIo): Promise<void> {
  const entry = await loadEntryModule(options.entry, io.cwd);
  assertSinglePeerCopies({ paths: [io.cwd, dirname(entry)] });
  if (listEndpoints().length === 0) {
    throw new ManifestError({ file: entry, problem: 'declares no @Endpoint classes. Import your endpoint classes from the entry module.' });
  }
  let manifest: Manifest;
  try {
    manifest = buildManifest(undefined, { project: options.project ?? defaultProject(io.cwd), now: buildTime(io.env) });
  } catch (error) {
    // Name the entry module instead of the anonymous build source, so the user knows where to look.
    if (error instanceof ManifestError && error.file === BUILD_SOURCE) throw new ManifestError({ file: entry, path: error.path, problem: error.problem, cause: error });
    throw error;
  }
  const out = resolve(io.cwd, options.out);
  writeManifest(out, manifest);
  io.stdout(endpointTable(manifest));
  const endpoints = Object.values(manifest.endpoints);
  const methods = endpoints.reduce((sum, e) => sum + e.methods.length, 0);
  io.stdout(`\nWrote ${out} (${endpoints.length} endpoint${endpoints.length === 1 ? '' : 's'}, ${methods} method${methods === 1 ? '' : 's'}).\n`);
}

/** ENDPOINT / TYPE / METHODS / DEPENDS ON / CONTRACT, one row per endpoint. */
export function endpointTable(manifest: Manifest): string {
  const rows = Object.entries(manifest.endpoints).map(([name, e]) => [
    name,
    e.type,
    e.methods.map((m) => m.name).join(', ') || '-',
    e.dependsOn.join(', ') || '-',
    e.contract,
  ]);
  return formatTable(['ENDPOINT', 'TYPE', 'METHODS', 'DEPENDS ON', 'CONTRACT'], rows);
}

function defaultProject(cwd: string): string {
  try {
    const pkg = JSON.parse(readFileSync(join(cwd, 'package.json'), 'utf8')) as { name?: unknown };
    if (typeof pkg.name === 'string' && pkg.name.length > 0) return pkg.name;
  } catch {
    // No readable package.json: the folder name is a fine project name.
  }
  return basename(cwd);
}

function buildTime(env: NodeJS.ProcessEnv): Date | undefined {
  const raw = env.SOURCE_DATE_EPOCH;
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d+$/.test(raw)) {
    throw new ConfigurationError(`SOURCE_DATE_EPOCH must be a whole number of seconds since 1970, got ${JSON.stringify(raw)}. Fix or unset it.`, { option: 'SOURCE_DATE_EPOCH' });
  }
  return new Date(Number(raw) * 1000);
}
