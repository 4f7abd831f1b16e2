import { dirname } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { listEndpoints } from '@switchyard/decorators';
import { ConfigurationError } from '../../errors';
import type { Logger } from '../../observability/logger';
import { assertSinglePeerCopies } from '../../peer-dependencies';
import { createRuntime } from '../../router/runtime';
import { serve, type WorkerServer } from '../../worker';
import { releaseDeadOwnersFiles } from '../dev-lock';
import { READY_MARKER } from '../dev-protocol';
import { loadEntryModule } from '../entry-module';
import { addCommandHelp, LOG_LEVEL_ENV, required } from '../help-text';
import type { CliIo } from '../io';
import { exitAfter, ignoreBrokenOutput, untilInputEnds } from '../lifeline';
import { waitForStopSignal } from '../signals';

/** Options of `switchyard serve`, as commander parses them. */
export interface ServeCommandOptions {
  entry: string;
  endpoint: string;
  mode: 'http' | 'runpod' | 'load-balancer';
  port?: number;
  host?: string;
  concurrency?: number;
  /** Stop when standard input ends (switchyard dev's parent-liveness channel). */
  stopOnStdinEnd?: boolean;
  /** Internal, from switchyard dev: its lock file, whose files this worker removes if dev died. */
  devLock?: string;
}

/** Parses a non-negative integer option or fails with a usage error naming it. */
export function integerOption(name: string, min = 0): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}.`);
    return n;
  };
}

/**
 * Registers `switchyard serve --entry <module> --endpoint <name> [--mode] [--port] [--host]`:
 * hosts one endpoint until SIGINT/SIGTERM (or, with --stop-on-stdin-end, until standard input
 * ends). Prints one start line with the URL, plus a `SWITCHYARD_READY {json}` line that
 * `switchyard dev` reads.
 */
export function register(program: Command, io: CliIo): void {
  const command = program
    .command('serve')
    .description('host one endpoint: local RunPod-compatible API, RunPod worker loop, or load-balancer HTTP')
    .requiredOption('--entry <module>', required('compiled module that imports your @Endpoint classes'))
    .requiredOption('--endpoint <name>', required('the endpoint to host'))
    .addOption(new Option('--mode <mode>', 'how to serve').choices(['http', 'runpod', 'load-balancer']).default('http'))
    .option('--port <n>', 'port (http: default 0 = any free port; load-balancer: default $PORT)', integerOption('--port'))
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .option('--concurrency <n>', 'jobs run at once (default 4; runpod mode default 1)', integerOption('--concurrency', 1))
    .option('--stop-on-stdin-end', 'stop (finishing in-flight jobs, at most 5 s) when standard input ends; switchyard dev passes it so that its workers never outlive it')
    .addOption(new Option('--dev-lock <file>', 'internal: the lock file of the switchyard dev that started this worker').hideHelp())
    .action((options: ServeCommandOptions) => runServe(options, io));
  addCommandHelp(command, {
    required: ['--entry <module>', '--endpoint <name>'],
    env: [
      ['RUNPOD_API_KEY', 'the key callers must send (required in http and load-balancer modes)'],
      ['SWITCHYARD_DIRECTORY_URL', 'directory for calls this endpoint makes to other endpoints (or SWITCHYARD_DIRECTORY, inline JSON)'],
      ['SWITCHYARD_MANIFEST', 'manifest file the hosted endpoint is checked against'],
      ['PORT, PORT_HEALTH, HEALTH_CHECK_PATH', 'load-balancer mode: port, health port, health path (default /ping)'],
      ['RUNPOD_WEBHOOK_GET_JOB, …', 'runpod mode: set by RunPod on its workers'],
      ['SWITCHYARD_WORKER_CONCURRENCY', 'runpod mode: job slots (default 1)'],
      LOG_LEVEL_ENV,
    ],
    examples: [
      'RUNPOD_API_KEY=local-key npx switchyard serve --entry dist/app.js --endpoint pricing',
      'npx switchyard serve --entry dist/app.js --endpoint pricing --mode load-balancer --host 0.0.0.0',
      '# on a RunPod serverless worker',
      'npx switchyard serve --entry dist/app.js --endpoint pricing --mode runpod',
    ],
  });
}

async function runServe(options: ServeCommandOptions, io: CliIo): Promise<void> {
  // Watch the channel from the start: dev may die while the entry is still loading.
  const parentGone = options.stopOnStdinEnd ? untilInputEnds() : undefined;
  const parentPid = process.ppid;
  const entry = await loadEntryModule(options.entry, io.cwd);
  assertSinglePeerCopies({ paths: [io.cwd, dirname(entry)] });
  const metadata = listEndpoints().find((e) => e.name === options.endpoint);
  if (!metadata) {
    throw new ConfigurationError(
      `The entry module declares no endpoint "${options.endpoint}". Declared: ${listEndpoints().map((e) => e.name).join(', ') || 'none'}.`,
      { option: '--endpoint', endpoint: options.endpoint },
    );
  }
  const runtime = createRuntime({ endpoint: metadata.name, env: io.env });
  const server = await serve({
    endpoints: [metadata.target],
    runtime,
    env: io.env,
    // The one start line is this command's (below), not the transport's record as well.
    logger: withoutStartRecord(runtime.logger),
    mode: options.mode,
    host: options.host,
    port: options.port,
    concurrency: options.concurrency,
  });
  // Listen before printing the ready line: whoever reads it may signal at once.
  const stopSignal = waitForStopSignal();
  io.stdout(`switchyard: serving endpoint ${metadata.name} (${options.mode}) ${where(options.mode, server, metadata.name, runtime.defaults.healthCheckPath)}, pid ${process.pid}\n`);
  io.stdout(`${READY_MARKER}${JSON.stringify({ endpoint: metadata.name, url: server.url, pid: process.pid })}\n`);
  const reason = await Promise.race([stopSignal, ...(parentGone ? [parentGone] : [])]);
  let cleaned: Promise<void> | undefined;
  if (reason === 'stdin-closed') {
    ignoreBrokenOutput();
    exitAfter(runtime.defaults.devStopGraceMs);
    io.stdout('switchyard: standard input closed (the switchyard dev that started this worker is gone), finishing in-flight jobs\n');
    if (options.devLock) cleaned = releaseDeadOwnersFiles(options.devLock, parentPid, runtime.defaults.apiKey);
  } else {
    io.stdout(`switchyard: ${reason} received, finishing in-flight jobs\n`);
  }
  await server.close();
  await runtime.close();
  await cleaned;
}

function where(mode: ServeCommandOptions['mode'], server: WorkerServer, endpoint: string, healthPath: string): string {
  if (mode === 'runpod') return 'taking jobs from RunPod';
  if (mode === 'http') return `at ${server.url}/v2/${endpoint}`;
  return `at ${server.url}/execute, health check ${server.healthUrl ?? server.url}${healthPath}`;
}

/** The transports' own "worker serving … API" record; the start line printed above says it all. */
const START_RECORD = /^worker serving (RunPod|load-balancer) API$/;

function withoutStartRecord(logger: Logger): Logger {
  return {
    debug: (message, fields) => logger.debug(message, fields),
    info: (message, fields) => (START_RECORD.test(message) ? undefined : logger.info(message, fields)),
    warn: (message, fields) => logger.warn(message, fields),
    error: (message, fields) => logger.error(message, fields),
  };
}
