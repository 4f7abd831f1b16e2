// Public surface of the directory layer. DirectoryCache and parseDirectoryAnswer stay internal
// (import them by path): they are policy and parsing details behind HttpDirectory.
export type { Directory } from './directory';
export { validateEndpointUrl, validateLoadBalancerUrl, validateAnyEndpointUrl } from './endpoint-url';
export type { EntryValidation } from './directory-answer';
export { StaticDirectory, STATIC_DIRECTORY_ENV } from './static-directory';
export type { EndpointAddresses } from './static-directory';
export {
  HttpDirectory,
  DIRECTORY_URL_ENV,
  DEFAULT_DIRECTORY_ERROR_BACKOFF_MS,
  DEFAULT_DIRECTORY_RETRY_DELAY_MS,
  DEFAULT_DIRECTORY_RETRY_BACKOFF_LIMIT_MS,
} from './http-directory';
export type { HttpDirectoryOptions } from './http-directory';
export { startDirectoryServer } from './directory-server';
export type { DirectoryServer, DirectoryServerOptions } from './directory-server';
export { directoryFromEnv } from './directory-from-env';
export type { DirectoryFromEnvOptions } from './directory-from-env';
