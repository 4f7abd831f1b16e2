/**
 * A stand-in for the serverless routes of RunPod's REST API v2 (api-reference-v2/openapi.json),
 * for tests: a real `node:http` server on 127.0.0.1 with a random port.
 *
 * | route | answer |
 * |---|---|
 * | `GET /v2/serverless` | 200 `ListEndpointsResponse` `{endpoints: Endpoint[]}` |
 * | `POST /v2/serverless` | 201 `Endpoint`; 422 for a body the schema refuses (`name`, `type`, `scaling` required, `image` without `templateId`, no unknown fields, REQUEST_COUNT scaling for LOAD_BALANCER), 400 for `gpu` and `cpu` together |
 * | `GET /v2/serverless/{id}` | 200 `Endpoint`; 404 |
 * | `PATCH /v2/serverless/{id}` | 200 `Endpoint` with only the sent fields changed (`env` replaced whole, `gpu` too: pools sent without `excludedTypes` clear them); 422 for fields `UpdateEndpointRequest` lacks (e.g. `type`) and for `gpu.excludedTypes` without `gpu.pools`, 400 for `gpu` on a CPU endpoint or `cpu` on a GPU one; 404 |
 * | `GET /v2/catalog/gpus` | 200 `ListGpuTypesResponse` `{gpus: GpuType[]}` ({@link STANDIN_GPUS} unless given) |
 *
 * On create and update, an `excludedTypes` entry that is not a type of one of the `pools` is 400, as the document says.
 *
 * Every error is `application/problem+json` `ErrorResponse` `{title, status, detail}`: 401
 * without `Authorization: Bearer <apiKey>`, 403 when {@link RunpodRestStandin.forbid} is set,
 * 429 with `Retry-After` (seconds) for the requests {@link RunpodRestStandin.failNext} scripts.
 * Every request is recorded (method, path, authorization, parsed body).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A RunPod `Endpoint` as the stand-in keeps it (the document's field names). */
export type StandinEndpoint = Record<string, unknown> & { id: string; name: string; type: 'QUEUE' | 'LOAD_BALANCER' };

/** One request the stand-in saw. */
export interface StandinRestRequest {
  method: string;
  path: string;
  authorization?: string;
  body?: unknown;
}

export interface RunpodRestStandin {
  /** Base URL (RUNPOD_REST_API_URL), e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** The account's endpoints; tests may edit them. */
  endpoints: StandinEndpoint[];
  readonly requests: StandinRestRequest[];
  /** Requests seen, retries included. */
  readonly count: number;
  /** POST and PATCH requests seen. */
  writes(): StandinRestRequest[];
  /**
   * Answers the next `n` requests (of `method`, if given) with `status` and `detail`; a 429
   * carries `Retry-After: retryAfter` seconds (default 0).
   */
  failNext(n: number, status: number, options?: { retryAfter?: number; method?: string; detail?: string }): void;
  /** While true, every request with the right key is 403 (a key without serverless access). */
  forbid: boolean;
  close(): Promise<void>;
}

const CONTAINER = ['args', 'disk', 'env', 'image', 'ports', 'registry'];
const CREATE_FIELDS = new Set([...CONTAINER, 'gpu', 'name', 'scaling', 'type', 'cpu', 'dataCenterIds', 'flashboot', 'networkVolumes', 'templateId', 'timeout', 'workers']);
const UPDATE_FIELDS = new Set([...CONTAINER, 'cpu', 'dataCenterIds', 'flashboot', 'gpu', 'name', 'networkVolumes', 'scaling', 'templateId', 'timeout', 'workers']);
const TITLES: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 422: 'Unprocessable Entity', 429: 'Too Many Requests', 500: 'Internal Server Error', 503: 'Service Unavailable' };

/** A queue endpoint as `GET /v2/serverless` lists it (the document's example, with this id and name). */
export function queueEndpoint(id: string, name: string, fields: Record<string, unknown> = {}): StandinEndpoint {
  return withUrls({
    id,
    name,
    type: 'QUEUE',
    image: 'runpod/base:0.6.2',
    args: '',
    env: {},
    registry: null,
    workers: { min: 0, max: 3, idleTimeout: 5 },
    scaling: { type: 'QUEUE_DELAY', queueDelay: 4 },
    dataCenterIds: [],
    networkVolumes: [],
    timeout: 300000,
    flashboot: 'OFF',
    createdAt: '2026-06-01T12:00:00Z',
    ...fields,
  } as StandinEndpoint);
}

/** A load-balancing endpoint likewise. */
export function loadBalancerEndpoint(id: string, name: string, fields: Record<string, unknown> = {}): StandinEndpoint {
  return queueEndpoint(id, name, { type: 'LOAD_BALANCER', scaling: { type: 'REQUEST_COUNT', requestCount: 4 }, ...fields });
}

/** A few GPU types of RunPod's catalog, in `GpuType`'s shape (ids, names and pools as RunPod lists them). */
export const STANDIN_GPUS = [
  gpuType('NVIDIA A40', 'A40', 'AMPERE_48', 48),
  gpuType('NVIDIA RTX A6000', 'RTX A6000', 'AMPERE_48', 48),
  gpuType('NVIDIA GeForce RTX 4090', 'RTX 4090', 'ADA_24', 24),
  gpuType('NVIDIA L4', 'L4', 'ADA_24', 24),
  gpuType('NVIDIA A100 80GB PCIe', 'A100 PCIe', 'AMPERE_80', 80),
  gpuType('NVIDIA A100-SXM4-80GB', 'A100 SXM', 'AMPERE_80', 80),
];

function gpuType(id: string, name: string, pool: string, memory: number): Record<string, unknown> {
  return { id, name, pool, manufacturer: 'NVIDIA', memory, secure: true, community: true, price: { secure: 0.5, community: 0.35, serverless: 1.2 }, maxCount: { secure: 8, community: 4 } };
}

export async function startRunpodRestStandin(options: { apiKey: string; endpoints?: StandinEndpoint[]; gpus?: Array<Record<string, unknown>> }): Promise<RunpodRestStandin> {
  const gpus = options.gpus ?? STANDIN_GPUS;
  const requests: StandinRestRequest[] = [];
  const failures: Array<{ status: number; retryAfter: number; method?: string; detail?: string }> = [];
  let created = 0;
  const state = {
    endpoints: options.endpoints ?? [],
    forbid: false,
  };
  const server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    req.on('end', () => {
      let body: unknown;
      try {
        body = text === '' ? undefined : JSON.parse(text);
      } catch {
        body = text;
      }
      const path = (req.url ?? '/').split('?')[0]!;
      requests.push({ method: req.method ?? '', path, authorization: req.headers.authorization, body });
      answer(req, res, path, body);
    });
  });

  function answer(req: IncomingMessage, res: ServerResponse, path: string, body: unknown): void {
    if (req.headers.authorization !== `Bearer ${options.apiKey}`) return problem(res, 401, 'invalid bearer token');
    if (state.forbid) return problem(res, 403, 'access denied');
    const at = failures.findIndex((f) => f.method === undefined || f.method === req.method);
    const failure = at >= 0 ? failures.splice(at, 1)[0] : undefined;
    if (failure) {
      const detail = failure.detail ?? (failure.status === 429 ? 'rate limit exceeded for the minute window' : 'scripted failure');
      return problem(res, failure.status, detail, failure.status === 429 ? { 'retry-after': String(failure.retryAfter) } : {});
    }
    if (path === '/v2/catalog/gpus' && req.method === 'GET') return json(res, 200, { gpus });
    if (path === '/v2/serverless') {
      if (req.method === 'GET') return json(res, 200, { endpoints: state.endpoints });
      if (req.method === 'POST') return create(res, body);
    }
    const id = /^\/v2\/serverless\/([^/]+)$/.exec(path)?.[1];
    const found = id === undefined ? undefined : state.endpoints.find((e) => e.id === decodeURIComponent(id));
    if (id !== undefined && (req.method === 'GET' || req.method === 'PATCH')) {
      if (!found) return problem(res, 404, 'endpoint not found');
      return req.method === 'GET' ? json(res, 200, found) : update(res, found, body);
    }
    problem(res, 404, 'resource not found');
  }

  function create(res: ServerResponse, body: unknown): void {
    const b = body as Record<string, unknown>;
    const refused = unknownFields(b, CREATE_FIELDS) ?? missing(b, ['name', 'type', 'scaling']);
    if (refused) return problem(res, 422, refused);
    if (b.type !== 'QUEUE' && b.type !== 'LOAD_BALANCER') return problem(res, 422, '$.type: must be QUEUE or LOAD_BALANCER');
    if (b.templateId === undefined && typeof b.image !== 'string') return problem(res, 422, '$: image is required without templateId');
    if (b.type === 'LOAD_BALANCER' && (b.scaling as { type?: unknown }).type !== 'REQUEST_COUNT') return problem(res, 422, '$.scaling: a LOAD_BALANCER endpoint scales on REQUEST_COUNT');
    if (b.gpu !== undefined && b.cpu !== undefined) return problem(res, 400, 'gpu and cpu are mutually exclusive');
    const exclusion = badExclusion(b.gpu);
    if (exclusion) return problem(res, exclusion.status, exclusion.detail);
    created += 1;
    const fields = { workers: { min: 0, max: 3, idleTimeout: 10 }, timeout: 300000, flashboot: 'OFF', args: '', env: {}, ...b, ...compute(b) };
    const endpoint = (b.type === 'QUEUE' ? queueEndpoint : loadBalancerEndpoint)(`ep_new${created}`, b.name as string, fields);
    state.endpoints.push(endpoint);
    json(res, 201, endpoint);
  }

  function update(res: ServerResponse, found: StandinEndpoint, body: unknown): void {
    const b = body as Record<string, unknown>;
    const refused = unknownFields(b, UPDATE_FIELDS);
    if (refused) return problem(res, 422, refused);
    if ((b.gpu !== undefined && Array.isArray(found.cpu)) || (b.cpu !== undefined && found.gpu)) return problem(res, 400, 'endpoint compute family cannot be changed');
    const exclusion = badExclusion(b.gpu);
    if (exclusion) return problem(res, exclusion.status, exclusion.detail);
    const workers = b.workers === undefined ? {} : { workers: { ...(found.workers as object), ...(b.workers as object) } };
    Object.assign(found, b, workers, compute(b));
    json(res, 200, found);
  }

  /** `excludedTypes` needs `pools` (422), and each entry must be a type of one of them (400). */
  function badExclusion(gpu: unknown): { status: number; detail: string } | undefined {
    const g = gpu as { pools?: string[]; excludedTypes?: string[] } | undefined;
    if (!g?.excludedTypes) return undefined;
    if (!g.pools) return { status: 422, detail: '$.gpu: excludedTypes requires pools' };
    const wrong = g.excludedTypes.filter((t) => !gpus.some((c) => c.id === t && g.pools!.includes(c.pool as string)));
    return wrong.length > 0 ? { status: 400, detail: `gpu.excludedTypes: ${wrong.join(', ')} is not a GPU type in the selected pools` } : undefined;
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get endpoints() {
      return state.endpoints;
    },
    set endpoints(list) {
      state.endpoints = list;
    },
    get forbid() {
      return state.forbid;
    },
    set forbid(value) {
      state.forbid = value;
    },
    requests,
    get count() {
      return requests.length;
    },
    writes: () => requests.filter((r) => r.method === 'POST' || r.method === 'PATCH'),
    failNext(n, status, { retryAfter = 0, method, detail } = {}) {
      for (let i = 0; i < n; i += 1) failures.push({ status, retryAfter, method, detail });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** `gpu` / `cpu` as `Endpoint` answers them: CUDA fields filled in, memory derived (2 GB per vCPU here). */
function compute(b: Record<string, unknown>): Record<string, unknown> {
  if (b.gpu) return { gpu: { count: 1, allowedCudaVersions: [], minCudaVersion: null, ...(b.gpu as object) } };
  if (Array.isArray(b.cpu)) return { cpu: (b.cpu as Array<{ vcpuCount: number }>).map((c) => ({ ...c, memory: c.vcpuCount * 2 })) };
  return {};
}

function withUrls(e: StandinEndpoint): StandinEndpoint {
  const job = `https://api.runpod.ai/v2/${e.id}`;
  const requestUrls =
    e.type === 'QUEUE'
      ? { run: `${job}/run`, runSync: `${job}/runsync`, status: `${job}/status/{job_id}`, stream: `${job}/stream/{job_id}`, cancel: `${job}/cancel/{job_id}`, retry: `${job}/retry/{job_id}`, purgeQueue: `${job}/purge-queue`, health: `${job}/health` }
      : { base: `https://${e.id}.api.runpod.ai`, health: `https://${e.id}.api.runpod.ai/ping` };
  return { ...e, requestUrls };
}

function unknownFields(body: Record<string, unknown> | undefined, allowed: Set<string>): string | undefined {
  if (!body || typeof body !== 'object') return '$: a JSON object is required';
  const extra = Object.keys(body).filter((k) => !allowed.has(k));
  return extra.length > 0 ? `$: additional properties ${extra.map((k) => `'${k}'`).join(', ')} not allowed` : undefined;
}

function missing(body: Record<string, unknown>, required: string[]): string | undefined {
  const absent = required.filter((k) => body[k] === undefined);
  return absent.length > 0 ? `$: missing properties ${absent.map((k) => `'${k}'`).join(', ')}` : undefined;
}

function json(res: ServerResponse, status: number, body: unknown, type = 'application/json', headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': type, 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

function problem(res: ServerResponse, status: number, detail: string, headers: Record<string, string> = {}): void {
  json(res, status, { title: TITLES[status] ?? 'Error', status, detail }, 'application/problem+json', headers);
}
