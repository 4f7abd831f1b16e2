import type { EndpointType } from '@switchyard/decorators';
import {
  describeRunpodName,
  findByName,
  parseEndpointList,
  restBase,
  runpodName,
  SWITCHYARD_TYPES,
  type RunpodEndpoint,
  type RunpodNaming,
} from '../deploy/runpod-endpoints';
import { ConfigurationError, DirectoryUnavailableError, InvalidAddressError } from '../errors';
import { parseEndpointAddress, type EndpointAddress } from './endpoint-address';
import { HttpDirectory, type AddressAnswer, type HttpDirectoryOptions } from './http-directory';

export { RUNPOD_REST_URL } from '../deploy/runpod-endpoints';

/**
 * Options of {@link RunpodDirectory}: those of HttpDirectory, plus the name mapping (`restUrl`,
 * `namePrefix`, `nameSuffix`: env RUNPOD_REST_API_URL, SWITCHYARD_RUNPOD_NAME_PREFIX / _SUFFIX),
 * the same one `switchyard deploy` names endpoints with.
 */
export interface RunpodDirectoryOptions extends Omit<HttpDirectoryOptions, 'apiKey'>, RunpodNaming {
  /** The RunPod API key (RUNPOD_API_KEY): listing endpoints needs it. */
  apiKey: string | undefined;
}

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
  private readonly naming: RunpodNaming;

  constructor(options: RunpodDirectoryOptions) {
    if (!options.apiKey) {
      throw new ConfigurationError('RunpodDirectory needs a RunPod API key to list the account\'s endpoints. Set RUNPOD_API_KEY, or pass { apiKey }.', { option: 'apiKey' });
    }
    super(`${restBase(options)}/v2/serverless`, options);
    this.naming = { namePrefix: options.namePrefix, nameSuffix: options.nameSuffix };
  }

  protected override parseAnswer(body: unknown): AddressAnswer {
    const listed = parseEndpointList(body);
    if (!listed) {
      throw new DirectoryUnavailableError(`${this.label} gave no "endpoints" list; expected RunPod's {"endpoints": [{"id", "name", "type", …}]}.`);
    }
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

  private pick(listed: readonly RunpodEndpoint[], endpoint: string, type: EndpointType): EndpointAddress[] {
    const name = runpodName(endpoint, this.naming);
    const match = findByName(listed, name);
    if (match.kind === 'none') return [];
    const mapped = describeRunpodName(name, endpoint);
    if (match.kind === 'many') {
      throw new InvalidAddressError(`RunPod has ${match.ids.length} endpoints named ${mapped}: ${match.ids.join(', ')}. Rename or delete all but one, so the name routes to one endpoint.`, { endpoint });
    }
    const found = match.endpoint;
    if (SWITCHYARD_TYPES[found.type] !== type) {
      throw new InvalidAddressError(
        `the RunPod endpoint named ${mapped} (${found.id}) is a ${found.type} endpoint, but @Endpoint "${endpoint}" is declared as ${type}. Declare it with @Endpoint({ type: '${SWITCHYARD_TYPES[found.type]}' }), or deploy it as the type it is declared.`,
        { endpoint },
      );
    }
    const url = type === 'queue' ? `${this.baseUrl}/${found.id}` : (found.base ?? `https://${found.id}.api.runpod.ai`);
    return [parseEndpointAddress(url, { endpoint, type, baseUrl: this.baseUrl, source: `RunPod endpoint ${found.id}` })];
  }
}
