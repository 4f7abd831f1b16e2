/**
 * Where a CLI command writes and which directory and environment it works in. `main` uses the
 * real process by default; tests pass their own to capture output.
 */
export interface CliIo {
  /** Writes text to standard output (the text carries its own newlines). */
  stdout(text: string): void;
  /** Writes text to standard error. */
  stderr(text: string): void;
  /** Directory that relative paths (--entry, --out, files) are resolved from. */
  cwd: string;
  /** Environment variables the commands read. */
  env: NodeJS.ProcessEnv;
  /**
   * The script that runs the CLI (`process.argv[1]`), so that hints can say how to run it
   * again (`npx switchyard …` in an app, `node packages/core/bin/switchyard.js …` in a
   * checkout). Default: what `main` was given as argv[1].
   */
  bin?: string;
}

/** The CliIo of this process: process.stdout/stderr, process.cwd(), process.env. */
export function processIo(): CliIo {
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    cwd: process.cwd(),
    env: process.env,
  };
}
