// Public surface of the directory layer. DirectoryCache and DirectoryAnswer stay internal
// (import them by path): they are policy and parsing details behind HttpDirectory.
export type { Directory } from './directory';
export { parseEndpointAddress, describeUrlSafely, ENDPOINT_ID } from './endpoint-address';
export type { AddressRules, EndpointAddress } from './endpoint-address';
export { StaticDirectory, STATIC_DIRECTORY_ENV } from './static-directory';
export type { EndpointAddresses, StaticDirectoryOptions } from './static-directory';
export { HttpDirectory, DIRECTORY_URL_ENV } from './http-directory';
export type { AddressAnswer, HttpDirectoryOptions } from './http-directory';
export { RunpodDirectory, RUNPOD_REST_URL } from './runpod-directory';
export type { RunpodDirectoryOptions } from './runpod-directory';
export { startDirectoryServer } from './directory-server';
export type { DirectoryServer, DirectoryServerOptions } from './directory-server';
export { directoryFromEnv } from './directory-from-env';
export type { DirectoryFromEnvOptions } from './directory-from-env';
