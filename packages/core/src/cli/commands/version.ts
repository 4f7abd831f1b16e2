import type { Command } from 'commander';
import { addCommandHelp } from '../help-text';
import type { CliIo } from '../io';
import { cliVersion } from '../version';

/** Registers `switchyard version`: prints the version, as `-v` and `--version` do. */
export function register(program: Command, io: CliIo): void {
  const command = program
    .command('version')
    .description('print the version of @switchyard/core (also -v, --version)')
    .action(() => io.stdout(`${cliVersion()}\n`));
  addCommandHelp(command, { examples: ['npx switchyard version', 'npx switchyard -v'] });
}
