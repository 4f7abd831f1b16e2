import type { EndpointType } from '@switchyard/decorators';
import { InvalidAddressError } from '../errors';

/**
 * Where one replica of an endpoint is served. Directories produce it with
 * {@link parseEndpointAddress}; executors accept nothing else.
 */
export interface EndpointAddress {
  /** `queue`: RunPod's job API (`…/v2/<id>`, operations appended); `load-balancer`: an HTTP origin (`/execute` appended). */
  readonly kind: EndpointType;
  /** The normalised base URL (no trailing slash). Also the key of the address's circuit breaker. */
  readonly url: string;
  /** `scheme://host[:port]`: the connection pool the address uses. */
  readonly origin: string;
  /** The path below the origin that operations are appended to: `/v2/<id>`, or `''` / a prefix for load-balancer origins. */
  readonly path: string;
  /**
   * True when the address is RunPod's own job API (the origin of RUNPOD_ENDPOINT_BASE_URL): RunPod,
   * not a replica, holds its jobs, so a job there outlives any one worker.
   */
  readonly platform: boolean;
}

/** How to read an address. */
export interface AddressRules {
  /** The endpoint the address belongs to (named in errors). */
  endpoint: string;
  /** Which kind of endpoint it serves. Default `queue`. */
  type?: EndpointType;
  /** RunPod's job API base: bare ids become `${baseUrl}/<id>` (queue) or `https://<id>.<host>` (load balancer). */
  baseUrl: string;
  /** Where the address came from (e.g. `the directory at "http://…"`), prefixed to errors. */
  source?: string;
}

/** Operations of RunPod's job API; an address must name the endpoint, not an operation. */
const OPERATIONS = new Set(['run', 'runsync', 'status', 'status-sync', 'cancel', 'stream', 'health', 'purge-queue', 'retry']);
/** Operations followed by a job id (`/status/<job-id>`). */
const JOB_OPERATIONS = new Set(['status', 'status-sync', 'cancel', 'stream', 'retry']);
/** RunPod endpoint ids and Switchyard endpoint names: letters, digits, `_`, `-` (no dots: a dotted word is a host name). */
export const ENDPOINT_ID = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
const HAS_SCHEME = /^[a-z][a-z0-9+.-]*:/i;
const MAX_QUOTE = 200;
const QUEUE_EXAMPLE = 'https://api.runpod.ai/v2/<endpoint-id>, <base>/v2/<name> for a local worker, or a bare endpoint id';
const LB_EXAMPLE = 'https://<endpoint-id>.api.runpod.ai, http://127.0.0.1:<port> for a local worker, or a bare endpoint id';

/**
 * A URL (or what was meant to be one) made safe to quote: credentials become `[redacted]`, a
 * query string or fragment becomes `?…` / `#…` (they often carry tokens), long text is cut.
 */
export function describeUrlSafely(value: unknown): string {
  if (typeof value !== 'string') {
    if (value === null) return 'null';
    if (Array.isArray(value)) return 'an array';
    return typeof value === 'object' || typeof value === 'undefined' ? `an ${typeof value}` : `a ${typeof value}`;
  }
  let text: string;
  try {
    const url = new URL(value);
    text = `${url.protocol}//${url.host}${url.pathname}${url.search ? '?…' : ''}${url.hash ? '#…' : ''}`;
  } catch {
    text = value.replace(/\/\/[^/?#]*@/, '//[redacted]@').replace(/[?#].*$/s, '?…');
  }
  return JSON.stringify(text.length > MAX_QUOTE ? `${text.slice(0, MAX_QUOTE)}…` : text);
}

function refuse(rules: Pick<AddressRules, 'endpoint' | 'source'>, value: unknown, problem: string, fix: string): never {
  const where = rules.source ? `${rules.source}: ` : '';
  throw new InvalidAddressError(`${where}the address of endpoint "${rules.endpoint}" (${describeUrlSafely(value)}) ${problem}. ${fix}`, {
    endpoint: rules.endpoint,
  });
}

/**
 * Ports the Fetch standard's "bad port" list blocks: `fetch` (and so ky, which carries
 * Switchyard's cancel, health and directory requests) refuses to connect to them at all.
 */
const FETCH_BAD_PORTS = new Set([
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110, 111, 113, 115, 117, 119, 123,
  135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995,
  1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
]);

/**
 * The checks every address URL gets, whatever it serves: a string, an absolute http(s) URL, no
 * credentials, no query or fragment, no empty path segments, no port fetch refuses. Returns the
 * parsed URL.
 */
export function checkAddressUrl(value: unknown, rules: Pick<AddressRules, 'endpoint' | 'source'>, example = `${QUEUE_EXAMPLE}; or ${LB_EXAMPLE}`): URL {
  const fix = `Give an address like ${example}.`;
  if (typeof value !== 'string') refuse(rules, value, 'is not a URL string', fix);
  if (value.trim() === '') refuse(rules, value, 'is empty', fix);
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    refuse(rules, value, 'is not an absolute URL', fix);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    refuse(rules, value, `uses the scheme "${url.protocol}"; only http: and https: are supported`, fix);
  }
  if (url.username || url.password) {
    refuse(rules, value, 'contains credentials (user:password@)', 'Remove them from the URL: Switchyard sends the API key as an Authorization: Bearer header.');
  }
  if (url.search || url.hash) refuse(rules, value, 'has a query string or fragment', `Remove everything from "?" or "#" on. ${fix}`);
  if (/\/\/./.test(url.pathname)) refuse(rules, value, 'has an empty path segment ("//")', fix);
  if (url.port !== '' && FETCH_BAD_PORTS.has(Number(url.port))) {
    refuse(rules, value, `uses port ${url.port}, which fetch refuses to connect to (a "bad port" of the Fetch standard; cancel, health and directory requests go through fetch)`, 'Serve the endpoint on another port, e.g. 8080.');
  }
  return url;
}

function address(kind: EndpointType, url: URL, baseOrigin: string): EndpointAddress {
  const path = url.pathname.replace(/\/+$/, '');
  return { kind, url: `${url.origin}${path}`, origin: url.origin, path, platform: url.origin === baseOrigin };
}

/**
 * The one address parser. Accepts, for a queue endpoint, an http(s) URL whose last path segment
 * is the endpoint id (`https://api.runpod.ai/v2/abc123`, `http://127.0.0.1:41234/v2/reports`);
 * for a load-balancer endpoint, an origin with an optional path prefix; for either, a bare
 * endpoint id resolved against `baseUrl`. Throws InvalidAddressError naming the endpoint (and
 * `source`) otherwise: other schemes, credentials, a query, a queue URL without an id or ending
 * in an operation such as `/run`. Credentials and query values are never quoted.
 */
export function parseEndpointAddress(value: unknown, rules: AddressRules): EndpointAddress {
  const kind = rules.type ?? 'queue';
  const base = new URL(rules.baseUrl);
  if (typeof value === 'string' && !HAS_SCHEME.test(value.trim()) && ENDPOINT_ID.test(value.trim())) {
    const id = value.trim();
    const url = kind === 'queue' ? new URL(`${base.origin}${base.pathname.replace(/\/+$/, '')}/${id}`) : new URL(`${base.protocol}//${id}.${base.host}`);
    return address(kind, url, base.origin);
  }
  if (kind === 'load-balancer') return address(kind, checkAddressUrl(value, rules, LB_EXAMPLE), base.origin);
  const url = checkAddressUrl(value, rules, QUEUE_EXAMPLE);
  const segments = url.pathname.split('/').filter((s) => s !== '');
  const last = segments[segments.length - 1];
  if (last === undefined || last.toLowerCase() === 'v2') {
    refuse(rules, value, 'has no endpoint id in its path', `Give the endpoint's own URL, like ${QUEUE_EXAMPLE}.`);
  }
  // `/v2/run` is an endpoint *named* run; `/v2/abc/run` is endpoint abc plus the run operation.
  const idAt = (i: number): boolean => i >= 0 && segments[i]!.toLowerCase() !== 'v2';
  const n = segments.length;
  let operationAt = -1;
  if (OPERATIONS.has(last.toLowerCase()) && idAt(n - 2)) operationAt = n - 1;
  else if (n >= 3 && JOB_OPERATIONS.has(segments[n - 2]!.toLowerCase()) && idAt(n - 3)) operationAt = n - 2;
  if (operationAt >= 0) {
    const baseUrl = `${url.origin}/${segments.slice(0, operationAt).join('/')}`;
    refuse(
      rules,
      value,
      `ends in the operation "/${segments.slice(operationAt).join('/')}"`,
      `Give the endpoint's base URL without it (${JSON.stringify(baseUrl)}); Switchyard appends /runsync, /status and /cancel itself.`,
    );
  }
  if (!ENDPOINT_ID.test(last)) {
    refuse(rules, value, `ends in ${JSON.stringify(last)}, which is not an endpoint id (letters, digits, "_", "-")`, `Give an address like ${QUEUE_EXAMPLE}.`);
  }
  return address(kind, url, base.origin);
}
