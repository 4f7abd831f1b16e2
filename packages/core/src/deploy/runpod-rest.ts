import ky, { isHTTPError, isTimeoutError, type KyResponse, type RetryOptions } from 'ky';
import { loadDefaults, numberOption, type SwitchyardDefaults } from '../config';
import { DeployError, UnauthorizedError } from '../errors';
import { parseGpuCatalog, type GpuTypeInfo } from './gpu-catalog';
import { parseEndpoint, parseEndpointList, restBase, type RunpodCpuConfig, type RunpodEndpoint, type RunpodEndpointType } from './runpod-endpoints';

/**
 * A client of the serverless routes of RunPod's REST API v2 (api-reference-v2/openapi.json):
 *
 * | Route                        | Operation      | Body / answer                                   |
 * |------------------------------|----------------|-------------------------------------------------|
 * | `GET /v2/serverless`         | listEndpoints  | → 200 `ListEndpointsResponse` `{endpoints: [...]}` |
 * | `POST /v2/serverless`        | createEndpoint | `CreateEndpointRequest` → 201 `Endpoint`       |
 * | `PATCH /v2/serverless/{id}`  | updateEndpoint | `UpdateEndpointRequest` (only the fields sent change) → 200 `Endpoint` |
 *
 * Errors are `application/problem+json` `ErrorResponse` `{title, status, detail, errors?}`; 429
 * carries `Retry-After` (seconds). Authentication is `Authorization: Bearer <key>`, the only
 * place the key goes: messages are redacted, and ky's errors (which hold the request headers)
 * never become a cause.
 */

/** The body of `POST /v2/serverless`, as far as `switchyard deploy` fills it (`CreateEndpointRequest`). */
export interface CreateEndpointBody {
  name: string;
  type: RunpodEndpointType;
  /** The image itself: the document allows `image` instead of `templateId`, so no template is created. */
  image: string;
  args: string;
  env: Record<string, string>;
  workers: { min: number; max: number };
  scaling: { type: 'QUEUE_DELAY'; queueDelay: number } | { type: 'REQUEST_COUNT'; requestCount: number };
  timeout: number;
  /** `excludedTypes` only when a hint named GPU types: the pool's other types (see gpu-catalog.ts). */
  gpu?: { pools: string[]; excludedTypes?: string[] };
  cpu?: Array<Pick<RunpodCpuConfig, 'id' | 'vcpuCount'>>;
}

/** The body of `PATCH /v2/serverless/{id}` (`UpdateEndpointRequest`): only changed fields. */
export type UpdateEndpointBody = Partial<Omit<CreateEndpointBody, 'type' | 'name' | 'scaling'>>;

/** Options of {@link RunpodRestClient}. */
export interface RunpodRestClientOptions {
  /** The RunPod API key (RUNPOD_API_KEY). Required. */
  apiKey: string;
  /** Base of RunPod's REST API. Default `https://api.runpod.io` (env RUNPOD_REST_API_URL). */
  restUrl?: string;
  /** Requests per call while RunPod answers 429 (or, for GET, 5xx), first included. Default 4. */
  attempts?: number;
  /** Largest `Retry-After` honoured, ms; a longer one is cut to this. Default 30000. */
  maxRetryAfterMs?: number;
  /** Wait before a retry when RunPod sends no `Retry-After`, ms (doubling). Default 1000. */
  retryDelayMs?: number;
  /** Timeout of one request, ms. Default 30000. */
  timeoutMs?: number;
  /** Where unset options come from. Default: the built-in defaults (`loadDefaults({})`). */
  defaults?: SwitchyardDefaults;
}

/** What one request was, for messages: `POST /v2/serverless (create "shop-orders")`. */
interface RequestLabel {
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  what: string;
}

/** The client `switchyard deploy` uses; one instance per command run. */
export class RunpodRestClient {
  private readonly base: string;
  private readonly apiKey: string;
  private readonly attempts: number;
  private readonly maxRetryAfterMs: number;
  private readonly retryDelayMs: number;
  private readonly timeoutMs: number;
  private made = 0;

  constructor(options: RunpodRestClientOptions) {
    const defaults = options.defaults ?? loadDefaults({});
    this.base = restBase(options);
    this.apiKey = options.apiKey;
    this.attempts = numberOption('RunpodRestClient', 'attempts', options.attempts, defaults, 'restAttempts');
    this.maxRetryAfterMs = numberOption('RunpodRestClient', 'maxRetryAfterMs', options.maxRetryAfterMs, defaults, 'maxRetryAfterMs');
    this.retryDelayMs = numberOption('RunpodRestClient', 'retryDelayMs', options.retryDelayMs, defaults, 'restRetryDelayMs');
    this.timeoutMs = numberOption('RunpodRestClient', 'timeoutMs', options.timeoutMs, defaults, 'restTimeoutMs');
  }

  /** HTTP requests made so far, retries included. */
  get requestCount(): number {
    return this.made;
  }

  /** `GET /v2/serverless`: every endpoint of the account. */
  async listEndpoints(): Promise<RunpodEndpoint[]> {
    const label: RequestLabel = { method: 'GET', path: '/v2/serverless', what: "list the account's endpoints" };
    const body = await this.send(label);
    const endpoints = parseEndpointList(body);
    if (!endpoints) throw new DeployError(`${describe(label)}: RunPod's answer has no "endpoints" list. Check RUNPOD_REST_API_URL points at RunPod's REST API (https://api.runpod.io).`);
    return endpoints;
  }

  /** `GET /v2/catalog/gpus`: the GPU types and the pool of each (to turn type hints into pools). */
  async listGpuTypes(): Promise<GpuTypeInfo[]> {
    const label: RequestLabel = { method: 'GET', path: '/v2/catalog/gpus', what: "list RunPod's GPU types" };
    const types = parseGpuCatalog(await this.send(label));
    if (!types) throw new DeployError(`${describe(label)}: RunPod's answer has no "gpus" list. Check RUNPOD_REST_API_URL points at RunPod's REST API (https://api.runpod.io).`);
    return types;
  }

  /** `POST /v2/serverless`: creates an endpoint and answers it (with its new id). */
  async createEndpoint(body: CreateEndpointBody): Promise<RunpodEndpoint> {
    return this.endpointReply({ method: 'POST', path: '/v2/serverless', what: `create "${body.name}"` }, body);
  }

  /** `PATCH /v2/serverless/{id}`: changes the fields in `body`, leaves the others. */
  async updateEndpoint(id: string, name: string, body: UpdateEndpointBody): Promise<RunpodEndpoint> {
    return this.endpointReply({ method: 'PATCH', path: `/v2/serverless/${encodeURIComponent(id)}`, what: `update "${name}" (${id})` }, body);
  }

  private async endpointReply(label: RequestLabel, body: object): Promise<RunpodEndpoint> {
    const reply = parseEndpoint(await this.send(label, body));
    if (!reply) throw new DeployError(`${describe(label)}: RunPod answered without the endpoint's id and name; check RunPod's console for its state.`);
    return reply;
  }

  private async send(label: RequestLabel, json?: object): Promise<unknown> {
    const retry: RetryOptions = {
      limit: this.attempts - 1,
      methods: ['get', 'post', 'patch'],
      // 429 means "not processed", so a write is safe to repeat; a 5xx write may have happened.
      statusCodes: label.method === 'GET' ? [429, 500, 502, 503, 504] : [429],
      afterStatusCodes: [429, 503],
      maxRetryAfter: this.maxRetryAfterMs,
      delay: (n) => this.retryDelayMs * 2 ** (n - 1),
      backoffLimit: this.maxRetryAfterMs,
      retryOnTimeout: label.method === 'GET',
    };
    let attempts = 0;
    let response: KyResponse;
    try {
      response = await ky(`${this.base}${label.path}`, {
        method: label.method,
        headers: { accept: 'application/json', authorization: `Bearer ${this.apiKey}` },
        json,
        timeout: this.timeoutMs,
        retry,
        hooks: { beforeRequest: [() => void ((attempts += 1), (this.made += 1))] },
      });
    } catch (error) {
      throw await this.failure(label, error, attempts);
    }
    const text = await response.text();
    try {
      return text === '' ? undefined : (JSON.parse(text) as unknown);
    } catch {
      throw new DeployError(`${describe(label)}: RunPod answered HTTP ${response.status} with something that is not JSON (starts with ${this.clean(JSON.stringify(text.slice(0, 40)))}). Check RUNPOD_REST_API_URL.`);
    }
  }

  /** The typed, redacted error of a failed request. */
  private async failure(label: RequestLabel, error: unknown, attempts: number): Promise<Error> {
    if (!isHTTPError(error)) {
      const why = isTimeoutError(error) ? `no answer within ${this.timeoutMs} ms` : networkReason(error);
      return new DeployError(this.clean(`${describe(label)}: RunPod's REST API at ${this.base} could not be reached (${why}). Check RUNPOD_REST_API_URL and the network, then run switchyard deploy again.`));
    }
    const status = error.response.status;
    const problem = await problemText(error.response);
    const said = this.clean(problem ? `HTTP ${status}: ${problem}` : `HTTP ${status}${error.response.statusText ? ` ${error.response.statusText}` : ''}`);
    if (status === 401) {
      return new UnauthorizedError(`${describe(label)}: RunPod's REST API rejected the key in RUNPOD_API_KEY (${said}). Set RUNPOD_API_KEY to a valid RunPod API key (console → Settings → API Keys).`);
    }
    if (status === 403) {
      return new UnauthorizedError(`${describe(label)}: the key in RUNPOD_API_KEY is valid but may not do this (${said}). Give RUNPOD_API_KEY a key with read/write access to serverless endpoints.`);
    }
    if (status === 429) {
      const after = error.response.headers.get('retry-after');
      return new DeployError(
        `${describe(label)}: RunPod's REST API is rate-limiting this account (${said}) after ${attempts} attempt${attempts === 1 ? '' : 's'}` +
          `${after ? `, the last asking to wait ${after} s` : ''}. Wait for the rate-limit window to pass and run switchyard deploy again; it picks up where it stopped.`,
        { status },
      );
    }
    return new DeployError(`${describe(label)}: RunPod's REST API answered ${said}.`, { status });
  }

  /** The text with the key cut out. Only the key: redact()'s Bearer rule would also eat RunPod's "invalid bearer token". */
  private clean(text: string): string {
    return this.apiKey.length >= 4 ? text.split(this.apiKey).join('[redacted]') : text;
  }
}

function describe(label: RequestLabel): string {
  return `Could not ${label.what} (${label.method} ${label.path})`;
}

/** `title: detail (errors…)` of an ErrorResponse body, or the text itself, kept short. */
async function problemText(response: Response): Promise<string> {
  let text: string;
  try {
    text = await response.text();
  } catch {
    return '';
  }
  try {
    const body = JSON.parse(text) as { title?: unknown; detail?: unknown; errors?: unknown };
    const parts = [typeof body.title === 'string' ? body.title : '', typeof body.detail === 'string' ? body.detail : ''].filter(Boolean);
    const errors = Array.isArray(body.errors) ? body.errors.filter((e): e is string => typeof e === 'string') : [];
    const main = parts.join(': ');
    if (main || errors.length > 0) return `${main}${errors.length > 0 ? ` (${errors.join('; ')})` : ''}`;
  } catch {
    // Not JSON: show the beginning of the text.
  }
  return text.trim().slice(0, 200);
}

/** A secret-free account of a network failure (fetch errors may come from another realm). */
function networkReason(error: unknown): string {
  const { message, cause } = (error ?? {}) as { message?: unknown; cause?: { code?: unknown } };
  if (typeof message !== 'string') return String(error);
  return typeof cause?.code === 'string' ? `${message}: ${cause.code}` : message;
}
