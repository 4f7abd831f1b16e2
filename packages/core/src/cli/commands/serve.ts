import { dirname } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { listEndpoints } from '@switchyard/decorators';
import { ConfigurationError } from '../../errors';
import { assertSinglePeerCopies } from '../../peer-dependencies';
import { createRuntime } from '../../router/runtime';
import { serve } from '../../worker';
import { READY_MARKER } from '../dev-cluster';
import { loadEntryModule } from '../entry-module';
import type { CliIo } from '../io';
import { waitForStopSignal } from '../signals';

/** Options of `switchyard serve`, as commander parses them. */
export interface ServeCommandOptions {
  entry: string;
  endpoint: string;
  mode: 'http' | 'runpod' | 'load-balancer';
  port?: number;
  host?: string;
  concurrency?: number;
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
 * hosts one endpoint until SIGINT/SIGTERM. Prints the URL, plus a `SWITCHYARD_READY {json}`
 * line that `switchyard dev` reads.
 */
export function register(program: Command, io: CliIo): void {
  program
    .command('serve')
    .description('host one endpoint: local RunPod-compatible API, RunPod worker loop, or load-balancer HTTP')
    .requiredOption('--entry <module>', 'compiled module that imports your @Endpoint classes')
    .requiredOption('--endpoint <name>', 'the endpoint to host')
    .addOption(new Option('--mode <mode>', 'how to serve').choices(['http', 'runpod', 'load-balancer']).default('http'))
    .option('--port <n>', 'port (http: default 0 = any free port; load-balancer: default $PORT)', integerOption('--port'))
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .option('--concurrency <n>', 'jobs run at once (default 4; runpod mode default 1)', integerOption('--concurrency', 1))
    .action((options: ServeCommandOptions) => runServe(options, io));
}

async function runServe(options: ServeCommandOptions, io: CliIo): Promise<void> {
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
    mode: options.mode,
    host: options.host,
    port: options.port,
    concurrency: options.concurrency,
  });
  const where = options.mode === 'runpod' ? 'taking jobs from RunPod' : options.mode === 'http' ? `at ${server.url}/v2/${metadata.name}` : `at ${server.url}/execute`;
  io.stdout(`switchyard: serving endpoint ${metadata.name} (${options.mode}) ${where}, pid ${process.pid}\n`);
  io.stdout(`${READY_MARKER}${JSON.stringify({ endpoint: metadata.name, url: server.url, pid: process.pid })}\n`);
  const signal = await waitForStopSignal();
  io.stdout(`switchyard: ${signal} received, finishing in-flight jobs\n`);
  await server.close();
  await runtime.close();
}
