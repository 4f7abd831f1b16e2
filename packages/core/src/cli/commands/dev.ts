import { relative } from 'node:path';
import type { Command } from 'commander';
import { startDevCluster } from '../dev-cluster';
import { addCommandHelp, LOG_LEVEL_ENV, required } from '../help-text';
import { cliInvocation } from '../invocation';
import type { CliIo } from '../io';
import { waitForStopSignal } from '../signals';
import { formatTable } from '../table';
import { integerOption } from './serve';

/** Options of `switchyard dev`. */
export interface DevCommandOptions {
  entry: string;
  maxRestarts: number;
  watch?: boolean;
}

/**
 * Registers `switchyard dev --entry <module> [--watch]`: the whole app on this machine — an
 * embedded directory and one worker process per endpoint on 127.0.0.1 — until SIGINT, SIGTERM
 * or SIGHUP. The workers stop with it even when it is killed.
 */
export function register(program: Command, io: CliIo): void {
  const command = program
    .command('dev')
    .description('run every endpoint locally: embedded directory + one worker process per endpoint on 127.0.0.1')
    .requiredOption('--entry <module>', required('compiled module that imports your @Endpoint classes'))
    .option('--watch', "restart the workers when a .js file under the entry's folder changes (node_modules left out); a reload that fails keeps the previous workers")
    .option('--max-restarts <n>', 'restarts allowed per crashed worker', integerOption('--max-restarts'), 3)
    .action((options: DevCommandOptions) => runDev(options, io));
  addCommandHelp(command, {
    required: ['--entry <module>'],
    env: [
      LOG_LEVEL_ENV,
      ['other variables', 'passed on to the workers, except RUNPOD_API_KEY: the cluster has a key of its own, written to .switchyard/dev.env'],
    ],
    examples: [
      'npx switchyard dev --entry dist/app.js',
      '# with tsc --watch in another shell: the workers restart on each build',
      'npx switchyard dev --entry dist/app.js --watch',
      '# then, from another shell',
      "set -a; . .switchyard/dev.env; set +a; npx switchyard call pricing.quote --args '[\"a-1\", 3]'",
    ],
  });
}

async function runDev(options: DevCommandOptions, io: CliIo): Promise<void> {
  const cluster = await startDevCluster({
    entry: options.entry,
    maxRestarts: options.maxRestarts,
    watch: options.watch,
    onLog: (line) => io.stdout(`${line}\n`),
    onEvent: (line) => io.stderr(`switchyard dev: ${line}\n`),
  });
  // Listen before printing: whoever reads the table may signal at once.
  const stopSignal = waitForStopSignal(['SIGINT', 'SIGTERM', 'SIGHUP']);
  const rows = cluster.workers().map((w) => [w.endpoint, w.url, String(w.pid), w.methods.join(', ')]);
  io.stdout(formatTable(['ENDPOINT', 'URL', 'PID', 'METHODS'], rows));
  io.stdout(`\nDirectory: ${cluster.directoryUrl}\nManifest:  ${cluster.manifestPath}\nClient env: ${cluster.envFile}\n`);
  const envFile = relative(io.cwd, cluster.envFile);
  const shown = envFile.startsWith('..') ? cluster.envFile : envFile;
  io.stdout(`Call it from another shell: set -a; . ${shown}; set +a; ${cliInvocation(io.bin, io.cwd)} call <endpoint>.<method> --args '[...]'. Ctrl-C stops everything.\n`);
  const signal = await Promise.race([stopSignal, cluster.stopped.then(() => 'stopped' as const)]);
  io.stderr(`switchyard dev: ${signal}, stopping workers\n`);
  await cluster.stop();
}
