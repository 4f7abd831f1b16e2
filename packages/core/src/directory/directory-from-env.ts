import type { Logger } from '../observability/logger';
import type { Directory } from './directory';
import type { EntryValidation } from './directory-answer';
import { DIRECTORY_URL_ENV, HttpDirectory } from './http-directory';
import { STATIC_DIRECTORY_ENV, StaticDirectory } from './static-directory';

/** Options of {@link directoryFromEnv}. */
export interface DirectoryFromEnvOptions extends EntryValidation {
  /** Environment to read. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Bearer key for an HttpDirectory. Default: none (the directory is read without a key). */
  apiKey?: string;
  /** Logger for an HttpDirectory. */
  logger?: Logger;
}

/**
 * The directory the environment asks for: `SWITCHYARD_DIRECTORY_URL` → {@link HttpDirectory}
 * (timeouts, attempts and TTL from `SWITCHYARD_DIRECTORY_*`), else `SWITCHYARD_DIRECTORY` (JSON)
 * → {@link StaticDirectory}, else `undefined` (the caller decides: no remote routes).
 *
 * @throws DirectoryUnavailableError when the chosen variable is malformed
 */
export function directoryFromEnv(options: DirectoryFromEnvOptions = {}): Directory | undefined {
  const env = options.env ?? process.env;
  const url = env[DIRECTORY_URL_ENV];
  if (url !== undefined && url.trim() !== '') {
    return new HttpDirectory(url.trim(), { env, apiKey: options.apiKey, logger: options.logger, endpointTypes: options.endpointTypes });
  }
  const json = env[STATIC_DIRECTORY_ENV];
  if (json !== undefined && json.trim() !== '') {
    return StaticDirectory.fromEnv(STATIC_DIRECTORY_ENV, env, { endpointTypes: options.endpointTypes });
  }
  return undefined;
}
