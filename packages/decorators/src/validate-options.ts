import { DecoratorError } from './errors';
import type { EndpointOptions, RemoteOptions, ResourceHints } from './types';

/** Names usable in URLs, manifests and routing keys. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

const ENDPOINT_KEYS = new Set(['name', 'type', 'resources']);
const REMOTE_KEYS = new Set(['name', 'timeoutMs', 'idempotent', 'retries', 'fallback']);
const RESOURCE_KEYS = new Set(['gpu', 'cpu', 'workersMin', 'workersMax', 'env']);

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

function checkKeys(where: string, value: object, allowed: Set<string>): void {
  for (const key of Object.keys(value)) {
    if (!allowed.has(key)) {
      throw new DecoratorError(
        `${where}: unknown option "${key}". Allowed options: ${[...allowed].join(', ')}.`,
      );
    }
  }
}

function checkName(where: string, name: unknown): void {
  if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
    throw new DecoratorError(
      `${where}: name ${describe(name)} is invalid. Use 1-64 letters, digits, "-" or "_", starting with a letter or digit.`,
    );
  }
}

function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

export function validateResources(where: string, resources: ResourceHints): void {
  if (typeof resources !== 'object' || resources === null || Array.isArray(resources)) {
    throw new DecoratorError(`${where}: resources must be an object like { gpu: 'AMPERE_16', workersMax: 3 }.`);
  }
  checkKeys(`${where} resources`, resources, RESOURCE_KEYS);
  const { gpu, cpu, workersMin, workersMax, env } = resources;
  const gpuOk =
    gpu === undefined ||
    (typeof gpu === 'string' && gpu.length > 0) ||
    (Array.isArray(gpu) && gpu.length > 0 && gpu.every((g) => typeof g === 'string' && g.length > 0));
  if (!gpuOk) throw new DecoratorError(`${where}: resources.gpu must be a non-empty string or array of strings.`);
  if (cpu !== undefined && (typeof cpu !== 'string' || cpu.length === 0)) {
    throw new DecoratorError(`${where}: resources.cpu must be a non-empty string.`);
  }
  if (workersMin !== undefined && !isNonNegativeInteger(workersMin)) {
    throw new DecoratorError(`${where}: resources.workersMin must be a non-negative integer, got ${describe(workersMin)}.`);
  }
  if (workersMax !== undefined && (!isNonNegativeInteger(workersMax) || workersMax === 0)) {
    throw new DecoratorError(`${where}: resources.workersMax must be a positive integer, got ${describe(workersMax)}.`);
  }
  if (workersMin !== undefined && workersMax !== undefined && workersMin > workersMax) {
    throw new DecoratorError(`${where}: resources.workersMin (${workersMin}) is greater than workersMax (${workersMax}).`);
  }
  if (env !== undefined) {
    const envOk =
      typeof env === 'object' && env !== null && !Array.isArray(env) && Object.values(env).every((v) => typeof v === 'string');
    if (!envOk) throw new DecoratorError(`${where}: resources.env must map variable names to string values.`);
  }
}

export function validateEndpointOptions(className: string, options: EndpointOptions): void {
  const where = `@Endpoint on class ${className}`;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new DecoratorError(`${where}: options must be an object, got ${describe(options)}.`);
  }
  checkKeys(where, options, ENDPOINT_KEYS);
  if (options.name !== undefined) checkName(where, options.name);
  if (options.type !== undefined && options.type !== 'queue' && options.type !== 'load-balancer') {
    throw new DecoratorError(`${where}: type ${describe(options.type)} is unknown. Use 'queue' or 'load-balancer'.`);
  }
  if (options.resources !== undefined) validateResources(where, options.resources);
}

export function validateRemoteOptions(where: string, options: RemoteOptions): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new DecoratorError(`${where}: options must be an object, got ${describe(options)}.`);
  }
  checkKeys(where, options, REMOTE_KEYS);
  if (options.name !== undefined) checkName(where, options.name);
  const { timeoutMs, idempotent, retries, fallback } = options;
  if (timeoutMs !== undefined && !(isNonNegativeInteger(timeoutMs) && timeoutMs > 0)) {
    throw new DecoratorError(`${where}: timeoutMs must be a positive integer number of milliseconds, got ${describe(timeoutMs)}.`);
  }
  if (idempotent !== undefined && typeof idempotent !== 'boolean') {
    throw new DecoratorError(`${where}: idempotent must be true or false, got ${describe(idempotent)}.`);
  }
  if (retries !== undefined && !isNonNegativeInteger(retries)) {
    throw new DecoratorError(`${where}: retries must be a non-negative integer, got ${describe(retries)}.`);
  }
  if (retries !== undefined && retries > 0 && idempotent !== true) {
    throw new DecoratorError(`${where}: retries > 0 needs idempotent: true; a method that is not idempotent is never resubmitted.`);
  }
  if (fallback !== undefined && fallback !== 'none' && fallback !== 'local') {
    throw new DecoratorError(`${where}: fallback ${describe(fallback)} is unknown. Use 'none' or 'local'.`);
  }
}
