import type { EndpointType } from '@switchyard/decorators';

/**
 * RunPod serverless endpoints as RunPod's REST API v2 describes them (api-reference-v2/openapi.json,
 * schema `Endpoint`, listed by `GET /v2/serverless` as `ListEndpointsResponse`). One parser for
 * both readers: RunpodDirectory (id, name, type, base URL) and `switchyard deploy` (the fields it
 * manages). Fields the document marks optional stay optional here.
 */

/** RunPod's management REST API (the OpenAPI document's `servers`). */
export const RUNPOD_REST_URL = 'https://api.runpod.io';

/** RunPod's endpoint types (`EndpointType`). */
export type RunpodEndpointType = 'QUEUE' | 'LOAD_BALANCER';

/** `@Endpoint` type → RunPod's, and back. */
export const RUNPOD_TYPES: Readonly<Record<EndpointType, RunpodEndpointType>> = { queue: 'QUEUE', 'load-balancer': 'LOAD_BALANCER' };
export const SWITCHYARD_TYPES: Readonly<Record<RunpodEndpointType, EndpointType>> = { QUEUE: 'queue', LOAD_BALANCER: 'load-balancer' };

/** One CPU configuration of an endpoint (`CpuConfig`; `memory` is derived by RunPod). */
export interface RunpodCpuConfig {
  id: string;
  vcpuCount: number;
  memory?: number;
}

/** An endpoint of `GET /v2/serverless`, as far as Switchyard reads it. */
export interface RunpodEndpoint {
  id: string;
  name: string;
  /** Optional in the document; an endpoint without it is a queue endpoint. */
  type: RunpodEndpointType;
  /** For a load balancer, `requestUrls.base`. */
  base?: string;
  image?: string;
  /** Arguments passed to the container's entrypoint (`ContainerConfig.args`). */
  args?: string;
  env?: Record<string, string>;
  workers?: { min?: number; max?: number; idleTimeout?: number };
  gpu?: { pools: string[]; count?: number; excludedTypes?: string[] };
  cpu?: RunpodCpuConfig[];
  /** Per-request execution timeout, ms. */
  timeout?: number;
}

/** Where RunPod's REST API is and how endpoint names map to RunPod names. */
export interface RunpodNaming {
  /** Base of RunPod's REST API. Default `https://api.runpod.io` (env RUNPOD_REST_API_URL). */
  restUrl?: string;
  /** Prepended to an endpoint's name, e.g. `shop-prod-` (env SWITCHYARD_RUNPOD_NAME_PREFIX). */
  namePrefix?: string;
  /** Appended to it, e.g. `-staging` (env SWITCHYARD_RUNPOD_NAME_SUFFIX). */
  nameSuffix?: string;
}

/** The environment variables of {@link RunpodNaming}, read by the directory and by `switchyard deploy`. */
export const RUNPOD_NAMING_ENV = {
  restUrl: 'RUNPOD_REST_API_URL',
  namePrefix: 'SWITCHYARD_RUNPOD_NAME_PREFIX',
  nameSuffix: 'SWITCHYARD_RUNPOD_NAME_SUFFIX',
} as const;

/** {@link RunpodNaming} from the environment it is given (the CLI's or a runtime's, never this process's directly); blank values count as unset. */
export function runpodNamingFromEnv(env: NodeJS.ProcessEnv): RunpodNaming {
  const value = (name: string): string | undefined => {
    const raw = env[name];
    return raw === undefined || raw.trim() === '' ? undefined : raw.trim();
  };
  return { restUrl: value(RUNPOD_NAMING_ENV.restUrl), namePrefix: value(RUNPOD_NAMING_ENV.namePrefix), nameSuffix: value(RUNPOD_NAMING_ENV.nameSuffix) };
}

/** The REST API's base without trailing slashes (default {@link RUNPOD_REST_URL}). */
export function restBase(naming: RunpodNaming): string {
  return (naming.restUrl ?? RUNPOD_REST_URL).replace(/\/+$/, '');
}

/** The RunPod name of an endpoint: `<prefix><endpoint><suffix>`. */
export function runpodName(endpoint: string, naming: RunpodNaming): string {
  return `${naming.namePrefix ?? ''}${endpoint}${naming.nameSuffix ?? ''}`;
}

/** How a name is shown in messages: with the endpoint it comes from when a prefix or suffix applies. */
export function describeRunpodName(name: string, endpoint: string): string {
  return name === endpoint ? `"${name}"` : `"${name}" (endpoint "${endpoint}" with the configured prefix/suffix)`;
}

/** The endpoints of one name in a listing: none, one, or several (a conflict the caller reports with their ids). */
export type NameMatch = { kind: 'none' } | { kind: 'one'; endpoint: RunpodEndpoint } | { kind: 'many'; ids: string[] };

export function findByName(listed: readonly RunpodEndpoint[], name: string): NameMatch {
  const matches = listed.filter((e) => e.name === name);
  if (matches.length === 0) return { kind: 'none' };
  if (matches.length === 1) return { kind: 'one', endpoint: matches[0]! };
  return { kind: 'many', ids: matches.map((m) => m.id) };
}

/**
 * The `endpoints` of a `GET /v2/serverless` reply, or `undefined` when the reply has no such
 * list (the caller throws its own error). Items without a string id and name are skipped;
 * malformed optional fields are left out rather than trusted.
 */
export function parseEndpointList(body: unknown): RunpodEndpoint[] | undefined {
  const list = (body as { endpoints?: unknown } | null)?.endpoints;
  if (!Array.isArray(list)) return undefined;
  const endpoints: RunpodEndpoint[] = [];
  for (const item of list as unknown[]) {
    const parsed = parseEndpoint(item);
    if (parsed) endpoints.push(parsed);
  }
  return endpoints;
}

/** One `Endpoint` object (a list item, or the body of a create or update reply). */
export function parseEndpoint(item: unknown): RunpodEndpoint | undefined {
  const e = item as Record<string, unknown> | null;
  if (!e || typeof e !== 'object' || typeof e.id !== 'string' || typeof e.name !== 'string') return undefined;
  const endpoint: RunpodEndpoint = { id: e.id, name: e.name, type: e.type === 'LOAD_BALANCER' ? 'LOAD_BALANCER' : 'QUEUE' };
  const base = (e.requestUrls as { base?: unknown } | undefined)?.base;
  if (typeof base === 'string') endpoint.base = base;
  if (typeof e.image === 'string') endpoint.image = e.image;
  if (typeof e.args === 'string') endpoint.args = e.args;
  if (isStringRecord(e.env)) endpoint.env = { ...e.env };
  if (isRecord(e.workers)) {
    const w = e.workers;
    endpoint.workers = { ...(isInt(w.min) ? { min: w.min } : {}), ...(isInt(w.max) ? { max: w.max } : {}), ...(isInt(w.idleTimeout) ? { idleTimeout: w.idleTimeout } : {}) };
  }
  if (isRecord(e.gpu) && isStringArray(e.gpu.pools)) {
    const g = e.gpu;
    endpoint.gpu = { pools: [...(g.pools as string[])], ...(isInt(g.count) ? { count: g.count } : {}), ...(isStringArray(g.excludedTypes) ? { excludedTypes: [...g.excludedTypes] } : {}) };
  }
  if (Array.isArray(e.cpu)) {
    endpoint.cpu = e.cpu.filter((c): c is RunpodCpuConfig => isRecord(c) && typeof c.id === 'string' && isInt(c.vcpuCount)).map((c) => ({ ...c }));
  }
  if (isInt(e.timeout)) endpoint.timeout = e.timeout;
  return endpoint;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isStringRecord(v: unknown): v is Record<string, string> {
  return isRecord(v) && Object.values(v).every((x) => typeof x === 'string');
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}
