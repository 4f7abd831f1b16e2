import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigurationError } from '../errors';
import { defaultSerializer } from '../serialization/serializer';

/** The client env file `switchyard dev` writes, relative to the folder it runs in. */
export const DEV_ENV_FILE = join('.switchyard', 'dev.env');

/**
 * The call's arguments: `--args`, a JSON array; or `--args-superjson`, superjson's
 * `{"json": [...], "meta": {...}}` of the argument array (as in an invocation's `args` on the
 * wire), for Date, Map, Set, BigInt, binary and registered classes. No guessing between the
 * two: an object given to --args is refused, and the message points to --args-superjson.
 */
export function callArguments(options: { args?: string; argsSuperjson?: string }): unknown[] {
  if (options.argsSuperjson !== undefined) {
    let encoded: unknown;
    try {
      encoded = JSON.parse(options.argsSuperjson);
    } catch {
      throw new ConfigurationError(`--args-superjson is not valid JSON. Pass superjson's encoding of the argument array, e.g. --args-superjson '{"json":["2026-01-01T00:00:00.000Z"],"meta":{"values":{"0":["Date"]}}}'.`, { option: '--args-superjson' });
    }
    if (encoded === null || typeof encoded !== 'object' || Array.isArray(encoded) || !('json' in encoded)) {
      throw new ConfigurationError(`--args-superjson must be an object {"json": [...], "meta": {...}} (superjson's encoding of the argument array). For plain JSON arguments use --args '[...]'.`, { option: '--args-superjson' });
    }
    const args = defaultSerializer.decode(encoded, '--args-superjson');
    if (!Array.isArray(args)) throw new ConfigurationError('--args-superjson must encode an array of arguments: its "json" is an array, e.g. {"json": ["a", 1]}.', { option: '--args-superjson' });
    return args;
  }
  let args: unknown;
  try {
    args = JSON.parse(options.args ?? '[]');
  } catch {
    throw new ConfigurationError(`--args is not valid JSON. Pass a JSON array, e.g. --args '["order-1", 3]'.`, { option: '--args' });
  }
  if (!Array.isArray(args)) {
    const superjson = args !== null && typeof args === 'object' && 'json' in args;
    throw new ConfigurationError(
      superjson
        ? `--args must be a JSON array of arguments; this looks like superjson's {"json", "meta"}: pass it with --args-superjson instead.`
        : `--args must be a JSON array of arguments, e.g. --args '["a", 1]'.`,
      { option: '--args' },
    );
  }
  return args;
}

/** The entry module `call` loads, and where that choice came from (for messages). */
export interface CallEntry {
  path: string;
  from: string;
}

/**
 * The entry module whose classes `call` loads, so results of registered classes decode as
 * instances: `--entry`; else SWITCHYARD_ENTRY (dev.env sets it, so a shell that loaded
 * dev.env has it); else, when `.switchyard/dev.env` in the working folder describes the
 * cluster being called (the same SWITCHYARD_DIRECTORY_URL), the entry it records. None: the
 * manifest alone describes the endpoints.
 */
export function callEntry(entry: string | undefined, env: NodeJS.ProcessEnv, cwd: string): CallEntry | undefined {
  if (entry) return { path: entry, from: '--entry' };
  const recorded = env.SWITCHYARD_ENTRY?.trim();
  if (recorded) return checked({ path: recorded, from: 'SWITCHYARD_ENTRY, which switchyard dev wrote to .switchyard/dev.env' });
  const file = join(cwd, DEV_ENV_FILE);
  if (!existsSync(file)) return undefined;
  const vars = readEnvFile(file);
  if (!vars.SWITCHYARD_ENTRY || !env.SWITCHYARD_DIRECTORY_URL || vars.SWITCHYARD_DIRECTORY_URL !== env.SWITCHYARD_DIRECTORY_URL.trim()) return undefined;
  return checked({ path: vars.SWITCHYARD_ENTRY, from: `SWITCHYARD_ENTRY in ${file}` });
}

function checked(entry: CallEntry): CallEntry {
  if (!existsSync(entry.path)) {
    throw new ConfigurationError(
      `the entry module ${entry.path} (from ${entry.from}) does not exist. Start switchyard dev again and load its new .switchyard/dev.env, or pass --entry <module>.`,
      { option: '--entry' },
    );
  }
  return entry;
}

function readEnvFile(file: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0 && !line.startsWith('#')) vars[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return vars;
}
