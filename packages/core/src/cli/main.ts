import { Command, CommanderError, Option } from 'commander';
import { DEFAULT_ENV_NAMES, loadDefaults } from '../config';
import { RUNPOD_WORKER_ENV_NAMES } from '../worker/runpod-worker-settings';
import { ConfigurationError, SwitchyardError } from '../errors';
import { register as registerBuild } from './commands/build';
import { register as registerCall } from './commands/call';
import { register as registerDeploy } from './commands/deploy';
import { register as registerDev } from './commands/dev';
import { register as registerInit } from './commands/init';
import { register as registerManifest } from './commands/manifest';
import { register as registerServe } from './commands/serve';
import { register as registerVersion } from './commands/version';
import { entryLoadStack } from './entry-module';
import { processIo, type CliIo } from './io';
import { cliVersion } from './version';

/** Adds one command (or group) to the program. Each file in cli/commands exports one. */
export type RegisterCommand = (program: Command, io: CliIo) => void;

/** Every command of `switchyard`, in the order `--help` lists them. Add new command files here. */
export const COMMANDS: readonly RegisterCommand[] = [registerInit, registerBuild, registerManifest, registerDev, registerServe, registerCall, registerDeploy, registerVersion];

/** Exit code for usage errors: unknown command or option, missing argument, no command, a malformed environment variable. */
export const EXIT_USAGE = 2;
/** Exit code for a failed command (e.g. an invalid manifest). */
export const EXIT_FAILURE = 1;

/** Commands that create a runtime, so read the SWITCHYARD_* and RUNPOD_* defaults: checked before they start anything. */
const READS_DEFAULTS = new Set(['dev', 'serve', 'call', 'deploy']);
/** Variables whose malformed value is exit code 2: the defaults, and those RunPod sets on its workers (serve --mode runpod). */
const ENV_NAMES = new Set<string>([...Object.values(DEFAULT_ENV_NAMES), ...RUNPOD_WORKER_ENV_NAMES]);

/**
 * The `switchyard` program: commander with every command of COMMANDS registered, output going
 * to `io`, and exitOverride so that commander throws instead of calling process.exit.
 */
export function createProgram(io: CliIo, commands: readonly RegisterCommand[] = COMMANDS): Command {
  const version = cliVersion();
  const program = new Command('switchyard')
    .description('Switchyard: route calls between @Endpoint classes across RunPod serverless endpoints')
    .version(version, '-v, --version', 'print the version')
    // -V was the version flag before -v; it still works, unlisted.
    .addOption(new Option('-V').hideHelp())
    .helpCommand(true)
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    // After "unknown command" / "unknown option", print the usage too (to stderr).
    .showHelpAfterError(true);
  program.on('option:V', () => {
    io.stdout(`${version}\n`);
    throw new CommanderError(0, 'commander.version', version);
  });
  // A malformed SWITCHYARD_*/RUNPOD_* variable stops the command before it starts anything.
  program.hook('preAction', (_program, action) => {
    if (READS_DEFAULTS.has(action.name())) loadDefaults(io.env);
  });
  for (const register of commands) register(program, io);
  return program;
}

/**
 * Runs the CLI with `argv` as in `process.argv` (node, script, ...arguments) and returns the exit
 * code instead of exiting: 0 on success (and for --help / --version), 1 when a command fails
 * (its SwitchyardError message is printed to stderr; an entry module that threw, with its own
 * stack), 2 for usage errors (commander's message and the usage, or the ConfigurationError of
 * a malformed environment variable, printed to stderr).
 */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const program = createProgram({ ...io, bin: io.bin ?? argv[1] });
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
    if (error instanceof ConfigurationError && error.option !== undefined && ENV_NAMES.has(error.option)) {
      io.stderr(`error: ${error.message}\n`);
      return EXIT_USAGE;
    }
    if (error instanceof SwitchyardError) {
      const stack = entryLoadStack(error);
      io.stderr(`error: ${error.message}\n${stack ? `${stack}\n` : ''}`);
      return EXIT_FAILURE;
    }
    // Not one of ours: a bug or an unexpected failure, so the stack is worth showing.
    io.stderr(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return EXIT_FAILURE;
  }
}
