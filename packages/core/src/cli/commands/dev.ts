import type { Command } from 'commander';
import { startDevCluster } from '../dev-cluster';
import type { CliIo } from '../io';
import { waitForStopSignal } from '../signals';
import { formatTable } from '../table';
import { integerOption } from './serve';

/** Options of `switchyard dev`. */
export interface DevCommandOptions {
  entry: string;
  maxRestarts: number;
}

/**
 * Registers `switchyard dev --entry <module>`: the whole app on this machine — an embedded
 * directory and one worker process per endpoint on 127.0.0.1 — until SIGINT/SIGTERM.
 */
export function register(program: Command, io: CliIo): void {
  program
    .command('dev')
    .description('run every endpoint locally: embedded directory + one worker process per endpoint on 127.0.0.1')
    .requiredOption('--entry <module>', 'compiled module that imports your @Endpoint classes')
    .option('--max-restarts <n>', 'restarts allowed per crashed worker', integerOption('--max-restarts'), 3)
    .action((options: DevCommandOptions) => runDev(options, io));
}

async function runDev(options: DevCommandOptions, io: CliIo): Promise<void> {
  const cluster = await startDevCluster({
    entry: options.entry,
    maxRestarts: options.maxRestarts,
    onLog: (line) => io.stdout(`${line}\n`),
    onEvent: (line) => io.stderr(`switchyard dev: ${line}\n`),
  });
  const rows = cluster.workers().map((w) => [w.endpoint, w.url, String(w.pid), w.methods.join(', ')]);
  io.stdout(formatTable(['ENDPOINT', 'URL', 'PID', 'METHODS'], rows));
  io.stdout(`\nDirectory: ${cluster.directoryUrl}\nManifest:  ${cluster.manifestPath}\nClient env: ${cluster.envFile}\n`);
  io.stdout(`Call it from another shell: set -a; . ${cluster.envFile}; set +a; switchyard call <endpoint>.<method> --args '[...]'. Ctrl-C stops everything.\n`);
  const signal = await Promise.race([waitForStopSignal(), cluster.stopped.then(() => 'stopped' as const)]);
  io.stderr(`switchyard dev: ${signal}, stopping workers\n`);
  await cluster.stop();
}
