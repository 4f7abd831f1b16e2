import { dirname } from 'node:path';
import type { Command } from 'commander';
import { ConfigurationError, SwitchyardError } from '../../errors';
import { assertSinglePeerCopies } from '../../peer-dependencies';
import { createRuntime } from '../../router/runtime';
import { loadEntryModule } from '../entry-module';
import type { CliIo } from '../io';
import { integerOption } from './serve';

/** Options of `switchyard call`. */
export interface CallCommandOptions {
  args: string;
  entry?: string;
  manifest?: string;
  timeout?: number;
}

/**
 * Registers `switchyard call <endpoint>.<method> [--args '<json array>']`: one routed call from
 * a pure client, configured by the environment (SWITCHYARD_DIRECTORY_URL or
 * SWITCHYARD_DIRECTORY, RUNPOD_API_KEY, SWITCHYARD_MANIFEST). Prints the result as JSON.
 */
export function register(program: Command, io: CliIo): void {
  program
    .command('call')
    .description('call <endpoint>.<method> through the directory and print the result as JSON')
    .argument('<target>', 'endpoint and method, e.g. image-processor.histogram')
    .option('--args <json>', 'arguments as a JSON array', '[]')
    .option('--entry <module>', 'module declaring the endpoint classes (else the manifest describes them)')
    .option('--manifest <file>', 'manifest file (default $SWITCHYARD_MANIFEST, then ./switchyard.manifest.json)')
    .option('--timeout <ms>', 'deadline of the call in ms', integerOption('--timeout', 1))
    .action((target: string, options: CallCommandOptions) => runCall(target, options, io));
}

async function runCall(target: string, options: CallCommandOptions, io: CliIo): Promise<void> {
  const dot = target.indexOf('.');
  if (dot <= 0 || dot === target.length - 1) {
    throw new ConfigurationError(`"${target}" is not <endpoint>.<method>; e.g. switchyard call image-processor.histogram --args '[...]'.`, { option: '<target>' });
  }
  let args: unknown;
  try {
    args = JSON.parse(options.args);
  } catch {
    throw new ConfigurationError(`--args is not valid JSON. Pass a JSON array, e.g. --args '["order-1", 3]'.`, { option: '--args' });
  }
  if (!Array.isArray(args)) throw new ConfigurationError('--args must be a JSON array of arguments, e.g. --args \'["a", 1]\'.', { option: '--args' });
  if (options.entry) {
    const entry = await loadEntryModule(options.entry, io.cwd);
    assertSinglePeerCopies({ paths: [io.cwd, dirname(entry)] });
  }
  const runtime = createRuntime({ manifest: options.manifest, env: io.env });
  try {
    const result = await runtime.callEndpoint(target.slice(0, dot), target.slice(dot + 1), args, { timeoutMs: options.timeout });
    io.stdout(`${JSON.stringify(result, jsonReplacer, 2)}\n`);
  } catch (error) {
    if (error instanceof SwitchyardError) throw error;
    throw new SwitchyardError(`${target} failed: ${(error as Error).name}: ${(error as Error).message}`, { cause: error });
  } finally {
    await runtime.close();
  }
}

function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return `<${value.byteLength} bytes>`;
  if (value instanceof Map) return Object.fromEntries(value);
  if (value instanceof Set) return [...value];
  return value;
}
