import type { Command } from 'commander';

/** What a command's `--help` shows below commander's option list. */
export interface CommandHelp {
  /** Options the command cannot run without, as in the usage (e.g. `--entry <module>`). */
  required?: readonly string[];
  /** Environment variables the command reads: name and what it sets. */
  env?: ReadonlyArray<readonly [name: string, meaning: string]>;
  /** Command lines, each shown after `$ `, with an optional comment line before it (starting with `#`). */
  examples: readonly string[];
}

/** Marks an option's description as required in `--help` (commander does not). */
export function required(description: string): string {
  return `${description} (required)`;
}

/**
 * Appends the "Required options", "Environment" and "Examples" sections to a command's help.
 * Environment variables are only listed here: commander's own `.env()` would read
 * `process.env` behind the CLI's back (the CLI reads its `io.env`).
 */
export function addCommandHelp(command: Command, help: CommandHelp): Command {
  const sections: string[] = [];
  if (help.required?.length) sections.push(`Required options: ${help.required.join(', ')}`);
  if (help.env?.length) {
    const width = Math.max(...help.env.map(([name]) => name.length));
    sections.push(['Environment:', ...help.env.map(([name, meaning]) => `  ${name.padEnd(width)}  ${meaning}`)].join('\n'));
  }
  sections.push(['Examples:', ...help.examples.map((line) => (line.startsWith('#') ? `  ${line}` : `  $ ${line}`))].join('\n'));
  return command.addHelpText('after', `\n${sections.join('\n\n')}\n`);
}

/** The environment variables every command that creates a runtime reads. */
export const LOG_LEVEL_ENV = ['SWITCHYARD_LOG_LEVEL', 'debug, info, warn, error or silent (default info); anything else exits 2'] as const;
