import type { EndpointType } from '@switchyard/decorators';
import { ConfigurationError, DirectoryUnavailableError, InvalidAddressError } from '../errors';
import { parseEndpointAddress, type EndpointAddress } from './endpoint-address';
import { HttpDirectory, type AddressAnswer, type HttpDirectoryOptions } from './http-directory';

/** RunPod's management REST API (api-reference-v2/openapi.json `servers`). */
export const RUNPOD_REST_URL = 'https://api.runpod.io';

/** Options of {@link RunpodDirectory}: those of HttpDirectory, plus the name mapping. */
export interface RunpodDirectoryOptions extends Omit<HttpDirectoryOptions, 'apiKey'> {
  /** The RunPod API key (RUNPOD_API_KEY): listing endpoints needs it. */
  apiKey: string | undefined;
  /** Base of RunPod's REST API. Default `https://api.runpod.io` (env RUNPOD_REST_API_URL). */
  restUrl?: string;
  /** Prepended to an endpoint's name to get the RunPod endpoint's name, e.g. `shop-prod-` (env SWITCHYARD_RUNPOD_NAME_PREFIX). */
  namePrefix?: string;
  /** Appended likewise, e.g. `-staging` (env SWITCHYARD_RUNPOD_NAME_SUFFIX). */
  nameSuffix?: string;
}

/** One endpoint of `GET /v2/serverless`, as far as routing needs it. */
interface ListedEndpoint {
  id: string;
  name: string;
  type: 'QUEUE' | 'LOAD_BALANCER';
  /** For a load balancer, `requestUrls.base`. */
  base?: string;
}

const TYPES: Record<ListedEndpoint['type'], EndpointType> = { QUEUE: 'queue', LOAD_BALANCER: 'load-balancer' };

/**
 * The account's RunPod endpoints as a directory: `resolve("shop")` finds the RunPod endpoint named
 * `<prefix>shop<suffix>` in `GET /v2/serverless` (RunPod's REST API) and answers its job URL
 * (`https://api.runpod.ai/v2/<id>`) or, for a load-balancing endpoint, its base URL. The list is
 * cached like any HttpDirectory answer (TTL, one request for concurrent cold calls,
 * stale-if-error). Two RunPod endpoints of one name, or a type that differs from the
 * `@Endpoint`'s, are an InvalidAddressError naming the ids. The key goes only in the
 * Authorization header; no URL or message shows it.
 */
export class RunpodDirectory extends HttpDirectory {
  private readonly prefix: string;
  private readonly suffix: string;

  constructor(options: RunpodDirectoryOptions) {
    if (!options.apiKey) {
      throw new ConfigurationError('RunpodDirectory needs a RunPod API key to list the account\'s endpoints. Set RUNPOD_API_KEY, or pass { apiKey }.', { option: 'apiKey' });
    }
    const rest = (options.restUrl ?? RUNPOD_REST_URL).replace(/\/+$/, '');
    super(`${rest}/v2/serverless`, options);
    this.prefix = options.namePrefix ?? '';
    this.suffix = options.nameSuffix ?? '';
  }

  protected override parseAnswer(body: unknown): AddressAnswer {
    const listed = readEndpoints(body, this.label);
    return {
      resolve: (endpoint, type) => this.pick(listed, endpoint, type),
    };
  }

  protected override get advice(): { unreachable: string; notJson: string; unauthorized: string } {
    return {
      unreachable: "Check that RunPod's REST API is reachable (RUNPOD_REST_API_URL) and the key is valid.",
      notJson: 'Check RUNPOD_REST_API_URL points at RunPod\'s REST API (https://api.runpod.io).',
      unauthorized: 'Set RUNPOD_API_KEY to a RunPod API key that can read the account\'s endpoints.',
    };
  }

  private pick(listed: readonly ListedEndpoint[], endpoint: string, type: EndpointType): EndpointAddress[] {
    const name = `${this.prefix}${endpoint}${this.suffix}`;
    const matches = listed.filter((e) => e.name === name);
    if (matches.length === 0) return [];
    const mapped = name === endpoint ? `"${name}"` : `"${name}" (endpoint "${endpoint}" with the configured prefix/suffix)`;
    if (matches.length > 1) {
      throw new InvalidAddressError(`RunPod has ${matches.length} endpoints named ${mapped}: ${matches.map((m) => m.id).join(', ')}. Rename or delete all but one, so the name routes to one endpoint.`, { endpoint });
    }
    const found = matches[0]!;
    if (TYPES[found.type] !== type) {
      throw new InvalidAddressError(
        `the RunPod endpoint named ${mapped} (${found.id}) is a ${found.type} endpoint, but @Endpoint "${endpoint}" is declared as ${type}. Declare it with @Endpoint({ type: '${TYPES[found.type]}' }), or deploy it as the type it is declared.`,
        { endpoint },
      );
    }
    const url = type === 'queue' ? `${this.baseUrl}/${found.id}` : (found.base ?? `https://${found.id}.api.runpod.ai`);
    return [parseEndpointAddress(url, { endpoint, type, baseUrl: this.baseUrl, source: `RunPod endpoint ${found.id}` })];
  }
}

/** The `endpoints` of a `GET /v2/serverless` reply; an unusable reply is a DirectoryUnavailableError naming `source`. */
function readEndpoints(body: unknown, source: string): ListedEndpoint[] {
  const list = (body as { endpoints?: unknown } | null)?.endpoints;
  if (!Array.isArray(list)) {
    throw new DirectoryUnavailableError(`${source} gave no "endpoints" list; expected RunPod's {"endpoints": [{"id", "name", "type", …}]}.`);
  }
  const endpoints: ListedEndpoint[] = [];
  for (const item of list as unknown[]) {
    const e = item as Partial<{ id: unknown; name: unknown; type: unknown; requestUrls: { base?: unknown } }> | null;
    if (!e || typeof e.id !== 'string' || typeof e.name !== 'string') continue;
    // The OpenAPI document marks `type` optional; an endpoint without it is a queue endpoint.
    const kind = e.type === 'LOAD_BALANCER' ? 'LOAD_BALANCER' : 'QUEUE';
    endpoints.push({ id: e.id, name: e.name, type: kind, base: typeof e.requestUrls?.base === 'string' ? e.requestUrls.base : undefined });
  }
  return endpoints;
}
