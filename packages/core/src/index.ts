// @switchyard/core — everything that runs. Decorators are re-exported for one-import use.
export * from '@switchyard/decorators';
export * from './errors';
export { loadDefaults, MB } from './config';
export type { SwitchyardDefaults } from './config';
export * from './serialization';
export * from './manifest';
export * from './directory';
export * from './executor';
export * from './resilience';
export * from './worker';
export { ConsoleLogger, MemoryLogger, redact } from './observability/logger';
export type { Logger, LogLevel } from './observability/logger';
export { createRuntime } from './router/runtime';
export type { RuntimeOptions } from './router/runtime';
export type { Runtime, CallOptions, MethodArgs, MethodKeys, MethodResult } from './router/runtime-types';
export { withCallContext, currentCallContext } from './router/call-context';
export type { CallContext } from './router/call-context';
export { isRouterProxy } from './router/router-proxy';
