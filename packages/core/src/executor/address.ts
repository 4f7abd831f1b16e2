import { RouteNotFoundError } from '../errors';
import type { ExecuteRequest } from './executor';

const HAS_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;
const ENDPOINT_ID = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

function badAddress(request: ExecuteRequest, problem: string, shown: string = JSON.stringify(request.address)): RouteNotFoundError {
  return new RouteNotFoundError(
    `${request.endpoint}.${request.method}: the address ${shown} for endpoint ${request.endpoint} ${problem}. ` +
      'Give the directory a URL like https://api.runpod.ai/v2/<endpoint-id> (or a bare endpoint id).',
    request.endpoint,
    request.method,
  );
}

/**
 * The job-API base of a queue endpoint: `request.address` as given when it is a URL
 * (`https://api.runpod.ai/v2/<id>`, `http://127.0.0.1:4100/v2/<name>`), or `${baseUrl}/${id}`
 * when it is a bare endpoint id. Trailing slashes are dropped.
 */
export function queueAddress(request: ExecuteRequest, baseUrl: string): string {
  const raw = request.address.trim().replace(/\/+$/, '');
  if (HAS_SCHEME.test(raw)) return checkedUrl(request, raw);
  if (!ENDPOINT_ID.test(raw)) throw badAddress(request, 'is neither an http(s) URL nor an endpoint id');
  return `${baseUrl.replace(/\/+$/, '')}/${raw}`;
}

/**
 * The base URL of a load-balancing endpoint: `request.address` when it is a URL, or
 * `https://<id>.<host of baseUrl>` for a bare endpoint id (RunPod serves LB endpoints at
 * `https://<id>.api.runpod.ai`).
 */
export function loadBalancerAddress(request: ExecuteRequest, baseUrl: string): string {
  const raw = request.address.trim().replace(/\/+$/, '');
  if (HAS_SCHEME.test(raw)) return checkedUrl(request, raw);
  if (!ENDPOINT_ID.test(raw)) throw badAddress(request, 'is neither an http(s) URL nor an endpoint id');
  const base = new URL(baseUrl);
  return `${base.protocol}//${raw}.${base.host}`;
}

function checkedUrl(request: ExecuteRequest, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw badAddress(request, 'is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw badAddress(request, 'is not an http or https URL');
  // Credentials in a URL would end up in logs and messages; the key travels as a header instead.
  if (url.username || url.password) throw badAddress(request, 'contains credentials (user:password@)', `of host ${url.host}`);
  return raw;
}
