// The low HTTP tier shared by the worker transports and the directory server.
export { startHttpServer } from './server';
export type { HttpServerOptions, TrackedServer } from './server';
export { HttpRefusal, parseJsonBody, parseWait, readBody, sendJson, sendRefusal } from './json-io';
export { BearerAuth } from './bearer-auth';
