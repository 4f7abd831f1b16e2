import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { SwitchyardError } from '../errors';
import { register as registerBuild } from './commands/build';
import { register as registerCall } from './commands/call';
import { register as registerDev } from './commands/dev';
import { register as registerInit } from './commands/init';
import { register as registerManifest } from './commands/manifest';
import { register as registerServe } from './commands/serve';
import { processIo, type CliIo } from './io';

/** Adds one command (or group) to the program. Each file in cli/commands exports one. */
export type RegisterCommand = (program: Command, io: CliIo) => void;

/** Every command of `switchyard`, in the order `--help` lists them. Add new command files here. */
export const COMMANDS: readonly RegisterCommand[] = [registerInit, registerBuild, registerManifest, registerDev, registerServe, registerCall];

/** Exit code for usage errors: unknown command or option, missing argument, no command. */
export const EXIT_USAGE = 2;
/** Exit code for a failed command (e.g. an invalid manifest). */
export const EXIT_FAILURE = 1;

/**
 * The `switchyard` program: commander with every command of COMMANDS registered, output going
 * to `io`, and exitOverride so that commander throws instead of calling process.exit.
 */
export function createProgram(io: CliIo, commands: readonly RegisterCommand[] = COMMANDS): Command {
  const program = new Command('switchyard')
    .description('Switchyard: route calls between @Endpoint classes across RunPod serverless endpoints')
    .version(cliVersion(), '-V, --version', 'print the version')
    .helpCommand(true)
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    // After "unknown command" / "unknown option", print the usage too (to stderr).
    .showHelpAfterError(true);
  for (const register of commands) register(program, io);
  return program;
}

/**
 * Runs the CLI with `argv` as in `process.argv` (node, script, ...arguments) and returns the exit
 * code instead of exiting: 0 on success (and for --help / --version), 1 when a command fails
 * (its SwitchyardError message is printed to stderr), 2 for usage errors (commander's message
 * and the usage are printed to stderr).
 */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const program = createProgram(io);
  try {
    await program.parseAsync(argv, { from: 'node' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already written its message (and the usage) to io.
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return 0;
      if (error.code === 'commander.help') return error.exitCode === 0 ? 0 : EXIT_USAGE;
      return EXIT_USAGE;
    }
    if (error instanceof SwitchyardError) {
      io.stderr(`error: ${error.message}\n`);
      return EXIT_FAILURE;
    }
    // Not one of ours: a bug or an unexpected failure, so the stack is worth showing.
    io.stderr(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return EXIT_FAILURE;
  }
}

function cliVersion(): string {
  // src/cli and dist/cli are both two levels below the package root.
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}
