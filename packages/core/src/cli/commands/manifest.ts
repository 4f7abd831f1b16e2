import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadManifest } from '../../manifest';
import { addCommandHelp } from '../help-text';
import type { CliIo } from '../io';

/**
 * Registers `switchyard manifest validate <file>`: prints a one-line OK summary (exit 0), or
 * the ManifestError naming the file and the JSON path of the bad field (exit 1, via main).
 */
export function register(program: Command, io: CliIo): void {
  const manifest = program.command('manifest').description('inspect manifest files');
  const validate = manifest
    .command('validate')
    .description('check a manifest file; exit 0 if valid, 1 with the ManifestError if not')
    .argument('<file>', 'manifest file (relative to the current directory)')
    .action((file: string) => runValidate(file, io));
  addCommandHelp(validate, { examples: ['npx switchyard manifest validate switchyard.manifest.json'] });
  addCommandHelp(manifest, { examples: ['npx switchyard manifest validate switchyard.manifest.json'] });
}

/** The validate command itself; throws ManifestError when the file is invalid. */
export function runValidate(file: string, io: CliIo): void {
  const path = resolve(io.cwd, file);
  const manifest = loadManifest(path);
  const endpoints = Object.values(manifest.endpoints);
  const methods = endpoints.reduce((sum, e) => sum + e.methods.length, 0);
  io.stdout(
    `OK ${path}: project ${JSON.stringify(manifest.project)}, ${endpoints.length} endpoint${endpoints.length === 1 ? '' : 's'}, ${methods} method${methods === 1 ? '' : 's'}, manifest version ${manifest.version}\n`,
  );
}
