import { dirname } from 'node:path';
import { Option, type Command } from 'commander';
import { listEndpoints } from '@switchyard/decorators';
import { ConfigurationError, DeadlineExceededError, ManifestError, SerializationError, SwitchyardError } from '../../errors';
import { assertSinglePeerCopies } from '../../peer-dependencies';
import { createRuntime } from '../../router/runtime';
import type { Runtime } from '../../router/runtime-types';
import { callArguments, callEntry, type CallEntry } from '../call-input';
import { loadEntryModule } from '../entry-module';
import { addCommandHelp, LOG_LEVEL_ENV } from '../help-text';
import type { CliIo } from '../io';
import { integerOption } from './serve';

/** Options of `switchyard call`. */
export interface CallCommandOptions {
  args?: string;
  argsSuperjson?: string;
  entry?: string;
  manifest?: string;
  timeout?: number;
  spawn?: boolean;
  handle?: string;
}

/**
 * Registers `switchyard call <endpoint>.<method> [--args '<json array>']`: one routed call from
 * a pure client, configured by the environment (SWITCHYARD_DIRECTORY_URL or
 * SWITCHYARD_DIRECTORY, RUNPOD_API_KEY, SWITCHYARD_MANIFEST, SWITCHYARD_ENTRY). Prints the
 * result as JSON, or nothing for a method that returns nothing.
 */
export function register(program: Command, io: CliIo): void {
  const command = program
    .command('call')
    .description('call <endpoint>.<method> through the directory and print the result as JSON')
    .argument('[target]', 'endpoint and method, e.g. image-processor.histogram (not with --handle)')
    .addOption(new Option('--args <json>', 'arguments as a JSON array (default [])').conflicts('argsSuperjson'))
    .option('--args-superjson <json>', 'arguments as superjson\'s {"json": [...], "meta": {...}} of the array, for Date, Map, Set, BigInt, binary, registered classes')
    .option('--entry <module>', 'module declaring the endpoint classes and registering classes and errors (default $SWITCHYARD_ENTRY, which switchyard dev writes to .switchyard/dev.env; else the manifest describes the endpoints)')
    .option('--manifest <file>', 'manifest file (default $SWITCHYARD_MANIFEST, then ./switchyard.manifest.json)')
    .option('--timeout <ms>', "deadline of the call in ms (default: the method's timeoutMs, else 600000); with --handle, how long to wait", integerOption('--timeout', 1))
    .addOption(new Option('--spawn', 'submit the call and print its handle id instead of waiting (queue endpoints)').conflicts('handle'))
    .option('--handle <id>', 'wait for the result of a call started with --spawn (or runtime.spawn) and print it')
    .action((target: string | undefined, options: CallCommandOptions) => (options.handle !== undefined ? runHandle(target, options, io) : runCall(target, options, io)));
  addCommandHelp(command, {
    env: [
      ['SWITCHYARD_DIRECTORY_URL', 'directory to resolve the endpoint (or SWITCHYARD_DIRECTORY, inline JSON)'],
      ['RUNPOD_API_KEY', 'key sent to the directory and the endpoint'],
      ['SWITCHYARD_MANIFEST', 'manifest describing the endpoints (default ./switchyard.manifest.json)'],
      ['SWITCHYARD_ENTRY', 'entry module to load when --entry is not given (set by .switchyard/dev.env)'],
      ['SWITCHYARD_CALL_TIMEOUT_MS', 'deadline of a method without timeoutMs when --timeout is not given'],
      LOG_LEVEL_ENV,
    ],
    examples: [
      '# against switchyard dev: load its client env first',
      'set -a; . .switchyard/dev.env; set +a',
      `npx switchyard call pricing.quote --args '["a-1", 3]'`,
      `npx switchyard call orders.since --args-superjson '{"json":["2026-01-01T00:00:00.000Z"],"meta":{"values":{"0":["Date"]}}}'`,
      `npx switchyard call pricing.quote --args '["a-1", 3]' --entry dist/app.js --timeout 5000`,
      `npx switchyard call reports.render --args '["q3"]' --spawn    # prints a handle id`,
      'npx switchyard call --handle sy1.eyJ…                          # waits for that result',
      `npx switchyard call llm.tokens --args '["Hello"]'             # a streaming method: one JSON line per chunk`,
    ],
  });
}

async function runCall(target: string | undefined, options: CallCommandOptions, io: CliIo): Promise<void> {
  if (target === undefined) throw new ConfigurationError('switchyard call needs <endpoint>.<method> (or --handle <id>); e.g. switchyard call image-processor.histogram --args \'[...]\'.', { option: '<target>' });
  const dot = target.indexOf('.');
  if (dot <= 0 || dot === target.length - 1) {
    throw new ConfigurationError(`"${target}" is not <endpoint>.<method>; e.g. switchyard call image-processor.histogram --args '[...]'.`, { option: '<target>' });
  }
  const [endpoint, method] = [target.slice(0, dot), target.slice(dot + 1)];
  const entry = callEntry(options.entry, io.env, io.cwd);
  if (entry) await loadCallEntry(entry, io);
  // After the entry: its registered classes may be among the arguments.
  const args = callArguments(options);
  const runtime = createRuntime({ manifest: options.manifest, env: io.env });
  try {
    assertKnown(endpoint, runtime, entry?.path);
    if (options.spawn) {
      const handle = await runtime.spawnEndpoint(endpoint, method, args, { timeoutMs: options.timeout });
      io.stdout(`${handle.id}\n`);
      return;
    }
    const result = await runtime.callEndpoint(endpoint, method, args, { timeoutMs: options.timeout });
    if (isAsyncIterable(result)) {
      // A streaming method: one JSON line per chunk, as it arrives.
      for await (const chunk of result) io.stdout(`${JSON.stringify(chunk, jsonReplacer)}\n`);
      return;
    }
    // A method that returns nothing prints nothing, so `$(switchyard call …)` is empty.
    if (result !== undefined) io.stdout(`${JSON.stringify(result, jsonReplacer, 2)}\n`);
  } catch (error) {
    throw cliError(error, target, options, entry !== undefined);
  } finally {
    await runtime.close();
  }
}

/** `switchyard call --handle <id>`: waits for a spawned call's result and prints it (a streaming method's chunks, one JSON line each). */
async function runHandle(target: string | undefined, options: CallCommandOptions, io: CliIo): Promise<void> {
  if (target !== undefined) throw new ConfigurationError(`--handle waits for a call that was already started; leave out "${target}".`, { option: '--handle' });
  const entry = callEntry(options.entry, io.env, io.cwd);
  if (entry) await loadCallEntry(entry, io);
  const runtime = createRuntime({ manifest: options.manifest, env: io.env });
  try {
    const handle = await runtime.handle(options.handle!);
    if (handle.streaming) {
      for await (const chunk of handle.stream({ timeoutMs: options.timeout })) io.stdout(`${JSON.stringify(chunk, jsonReplacer)}\n`);
      return;
    }
    const result = await handle.result({ timeoutMs: options.timeout });
    if (result !== undefined) io.stdout(`${JSON.stringify(result, jsonReplacer, 2)}\n`);
  } catch (error) {
    throw cliError(error, `handle ${options.handle!.slice(0, 24)}…`, options, entry !== undefined);
  } finally {
    await runtime.close();
  }
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return value !== null && typeof value === 'object' && typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';
}

/**
 * Loads the entry. One named by --entry must load; one `call` found on its own (dev's, which
 * a reload under `dev --watch` may have left broken while the previous workers still serve)
 * only warns, and the call goes on with the manifest's description of the endpoints.
 */
async function loadCallEntry(entry: CallEntry, io: CliIo): Promise<void> {
  let file: string;
  try {
    file = await loadEntryModule(entry.path, io.cwd);
  } catch (error) {
    if (entry.from === '--entry' || !(error instanceof ManifestError)) throw error;
    io.stderr(
      `warning: ${error.message}\nwarning: that entry comes from ${entry.from}; calling without it, with the manifest's description of the endpoint. A result of a registered class will not decode.\n`,
    );
    return;
  }
  assertSinglePeerCopies({ paths: [io.cwd, dirname(file)] });
}

/** The endpoint must be a loaded class or in the manifest; otherwise say how to make it one. */
function assertKnown(endpoint: string, runtime: Runtime, entry: string | undefined): void {
  const known = [...new Set([...listEndpoints().map((e) => e.name), ...Object.keys(runtime.manifest?.endpoints ?? {})])].sort();
  if (known.includes(endpoint)) return;
  const fix = entry
    ? `Check the name, or pass --entry with the module that declares it (${entry} does not).`
    : 'Pass --entry <module>, the compiled module that imports your @Endpoint classes (e.g. --entry dist/app.js), or --manifest <file> with a manifest that lists it (switchyard build writes one).';
  throw new ConfigurationError(
    `Unknown endpoint "${endpoint}": no @Endpoint class is loaded with that name and ${runtime.manifest ? 'the manifest does not list it' : 'no manifest is configured'}. Known: ${known.join(', ') || 'none'}. ${fix}`,
    { option: '<target>', endpoint },
  );
}

/** The error as the CLI reports it: its advice in terms of this command's options. */
function cliError(error: unknown, target: string, options: CallCommandOptions, entryLoaded: boolean): unknown {
  if (error instanceof DeadlineExceededError) {
    const advice =
      options.timeout !== undefined
        ? `raise --timeout (this call allowed ${options.timeout} ms), or leave it out to use the method's own timeoutMs.`
        : "pass a longer --timeout <ms>, or raise timeoutMs on the @Remote method.";
    const library = /raise timeoutMs on the @Remote method or pass \{ timeoutMs \} to runtime\.call\.|Give the call a longer timeoutMs\./;
    const message = library.test(error.message) ? error.message.replace(library, advice) : `${error.message} To allow more time, ${advice}`;
    return new DeadlineExceededError(message, { jobId: error.jobId, cause: error });
  }
  if (error instanceof SerializationError && !entryLoaded && /registerClass|class/.test(error.message)) {
    return new SerializationError(`${error.message} switchyard call registers classes only from an entry module: pass --entry <module> (e.g. --entry dist/app.js), the compiled module that calls registerClass.`, { position: error.position, cause: error });
  }
  if (error instanceof SwitchyardError) return error;
  return new SwitchyardError(`${target} failed: ${(error as Error).name}: ${(error as Error).message}`, { cause: error });
}

function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return `<${value.byteLength} bytes>`;
  if (value instanceof Map) return Object.fromEntries(value);
  if (value instanceof Set) return [...value];
  return value;
}
