import { loadDefaults, processEnv, type SwitchyardDefaults } from '../config';
import { runpodNamingFromEnv } from '../deploy/runpod-endpoints';
import type { Logger } from '../observability/logger';
import type { Directory } from './directory';
import { DIRECTORY_URL_ENV, HttpDirectory } from './http-directory';
import { RunpodDirectory } from './runpod-directory';
import { STATIC_DIRECTORY_ENV, StaticDirectory } from './static-directory';

/** Options of {@link directoryFromEnv}. */
export interface DirectoryFromEnvOptions {
  /** Environment to read. Default this process's. */
  env?: NodeJS.ProcessEnv;
  /** Bearer key for an HttpDirectory. Default: none (the directory is read without a key). */
  apiKey?: string;
  /** Logger for an HttpDirectory. */
  logger?: Logger;
  /** Resolved defaults. Default `loadDefaults(env)`. */
  defaults?: SwitchyardDefaults;
}

/**
 * The directory the environment asks for: `SWITCHYARD_DIRECTORY_URL` → {@link HttpDirectory}
 * (timeouts, attempts and TTL from `SWITCHYARD_DIRECTORY_*`), else `SWITCHYARD_DIRECTORY=runpod`
 * → {@link RunpodDirectory} (the account's RunPod endpoints by name; `RUNPOD_REST_API_URL`,
 * `SWITCHYARD_RUNPOD_NAME_PREFIX`, `SWITCHYARD_RUNPOD_NAME_SUFFIX`), else `SWITCHYARD_DIRECTORY`
 * (JSON) → {@link StaticDirectory}, else `undefined` (the caller decides: no remote routes).
 *
 * @throws DirectoryUnavailableError / InvalidAddressError when the chosen variable is malformed
 */
export function directoryFromEnv(options: DirectoryFromEnvOptions = {}): Directory | undefined {
  const env = options.env ?? processEnv();
  const defaults = options.defaults ?? loadDefaults(env);
  const url = env[DIRECTORY_URL_ENV];
  if (url !== undefined && url.trim() !== '') {
    return new HttpDirectory(url.trim(), { apiKey: options.apiKey, logger: options.logger, defaults });
  }
  const json = env[STATIC_DIRECTORY_ENV];
  if (json?.trim() === 'runpod') {
    return new RunpodDirectory({
      apiKey: options.apiKey,
      logger: options.logger,
      defaults,
      ...runpodNamingFromEnv(env),
    });
  }
  if (json !== undefined && json.trim() !== '') {
    return StaticDirectory.fromEnv(STATIC_DIRECTORY_ENV, env, { baseUrl: defaults.runpodBaseUrl });
  }
  return undefined;
}
