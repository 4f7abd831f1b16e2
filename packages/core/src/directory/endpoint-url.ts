import type { EndpointType } from '@switchyard/decorators';
import { InvalidAddressError } from '../errors';

/**
 * Operation segments of RunPod's job API (`{base}/{endpoint_id}/{op}`). A directory entry must
 * name the endpoint itself; the executor appends the operation.
 */
const OPERATION_SEGMENTS = new Set(['run', 'runsync', 'status', 'cancel', 'stream', 'health', 'purge-queue', 'retry']);
/** Operations that take a job id after them (`/status/<job-id>`). */
const JOB_OPERATION_SEGMENTS = new Set(['status', 'cancel', 'stream', 'retry']);
/** RunPod endpoint ids and Switchyard endpoint names: letters, digits, `.`, `_`, `-`. */
const ID_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
/** Longest quoted value in a message, so a garbage entry cannot flood logs. */
const MAX_QUOTE = 200;

const QUEUE_EXAMPLE = 'https://api.runpod.ai/v2/<endpoint-id> (or <base>/v2/<name> for a local worker)';
const LB_EXAMPLE = 'https://<endpoint-id>.api.runpod.ai (or http://127.0.0.1:<port> for a local worker)';

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
    if (url.username || url.password) {
      url.username = '';
      url.password = '';
    }
    text = `${url.protocol}//${url.host}${url.pathname}${url.search ? '?…' : ''}${url.hash ? '#…' : ''}`;
  } catch {
    // Not parseable: still hide anything that looks like `user:pass@` or a query.
    text = value.replace(/\/\/[^/?#]*@/, '//[redacted]@').replace(/[?#].*$/s, '?…');
  }
  return JSON.stringify(text.length > MAX_QUOTE ? `${text.slice(0, MAX_QUOTE)}…` : text);
}

/** Builds the error for one bad address: names the endpoint, says what is wrong and how to fix it. */
function badAddress(endpoint: string, url: unknown, problem: string, fix: string, source?: string): InvalidAddressError {
  const where = source ? `${source}: ` : '';
  return new InvalidAddressError(
    `${where}the address of endpoint "${endpoint}" (${describeUrlSafely(url)}) ${problem}. ${fix}`,
    endpoint,
  );
}

/**
 * The checks every address gets: a string, an absolute http(s) URL, no credentials, no query or
 * fragment, no empty path segments. Returns the parsed URL.
 */
function parseAddress(endpoint: string, url: unknown, example: string, source?: string): URL {
  const fix = `Give an address like ${example}.`;
  if (typeof url !== 'string') throw badAddress(endpoint, url, 'is not a URL string', fix, source);
  if (url.trim() === '') throw badAddress(endpoint, url, 'is empty', fix, source);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw badAddress(endpoint, url, 'is not an absolute URL', fix, source);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw badAddress(endpoint, url, `uses the scheme "${parsed.protocol}"; only http: and https: are supported`, fix, source);
  }
  if (parsed.username || parsed.password) {
    throw badAddress(
      endpoint,
      url,
      'contains credentials (user:password@)',
      'Remove them from the URL: Switchyard sends the API key as an Authorization: Bearer header.',
      source,
    );
  }
  if (parsed.search || parsed.hash) {
    throw badAddress(endpoint, url, 'has a query string or fragment', `Remove everything from "?" or "#" on. ${fix}`, source);
  }
  if (/\/\/./.test(parsed.pathname)) {
    throw badAddress(endpoint, url, 'has an empty path segment ("//")', fix, source);
  }
  return parsed;
}

/** `scheme://host[:port]` plus the path without trailing slashes. */
function normalise(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
}

/**
 * Checks the address of a queue endpoint and returns it normalised (no trailing slash).
 *
 * Accepted: `http:`/`https:` URLs whose last path segment is the endpoint id, e.g.
 * `https://api.runpod.ai/v2/abc123` or `http://127.0.0.1:41234/v2/reports`.
 * Refused (InvalidAddressError naming the endpoint; credentials never quoted): other schemes,
 * `user:pass@`, a query or fragment, a bare origin or a path ending in `/v2` (no id), and a
 * trailing operation such as `/run`, `/runsync` or `/status/<job-id>`.
 *
 * @param endpoint the endpoint name the address belongs to (used in the message)
 * @param url the candidate address (anything; non-strings are refused)
 * @param source where the address came from, prefixed to the message (e.g. the directory URL)
 */
export function validateEndpointUrl(endpoint: string, url: unknown, source?: string): string {
  const parsed = parseAddress(endpoint, url, QUEUE_EXAMPLE, source);
  const segments = parsed.pathname.split('/').filter((s) => s !== '');
  const last = segments[segments.length - 1];
  if (last === undefined || last.toLowerCase() === 'v2') {
    throw badAddress(endpoint, url, 'has no endpoint id in its path', `Give the endpoint's own URL, like ${QUEUE_EXAMPLE}.`, source);
  }
  // `/v2/run` is an endpoint *named* run; `/v2/abc/run` is endpoint abc plus the run operation.
  const hasIdBefore = (index: number): boolean => index >= 0 && segments[index]!.toLowerCase() !== 'v2';
  const n = segments.length;
  let operationAt = -1;
  if (OPERATION_SEGMENTS.has(last.toLowerCase()) && hasIdBefore(n - 2)) operationAt = n - 1;
  else if (n >= 3 && JOB_OPERATION_SEGMENTS.has(segments[n - 2]!.toLowerCase()) && hasIdBefore(n - 3)) operationAt = n - 2;
  if (operationAt >= 0) {
    const base = `${parsed.protocol}//${parsed.host}/${segments.slice(0, operationAt).join('/')}`;
    throw badAddress(
      endpoint,
      url,
      `ends in the operation "/${segments.slice(operationAt).join('/')}"`,
      `Give the endpoint's base URL without it (${JSON.stringify(base)}); Switchyard appends /runsync, /status and /cancel itself.`,
      source,
    );
  }
  if (!ID_SEGMENT.test(last)) {
    throw badAddress(
      endpoint,
      url,
      `ends in ${JSON.stringify(last)}, which is not an endpoint id (letters, digits, ".", "_", "-")`,
      `Give an address like ${QUEUE_EXAMPLE}.`,
      source,
    );
  }
  return normalise(parsed);
}

/**
 * Checks the address of a load-balancer endpoint and returns it normalised (no trailing slash).
 * Load-balancer addresses are origins such as `https://abc123.api.runpod.ai` or
 * `http://127.0.0.1:5000`; a path prefix is allowed but not required. Refused like
 * {@link validateEndpointUrl}: other schemes, credentials, a query or fragment.
 */
export function validateLoadBalancerUrl(endpoint: string, url: unknown, source?: string): string {
  return normalise(parseAddress(endpoint, url, LB_EXAMPLE, source));
}

/**
 * The checks shared by both endpoint kinds, for places that do not know the kind (the
 * development directory server). Returns the normalised URL.
 */
export function validateAnyEndpointUrl(endpoint: string, url: unknown, source?: string): string {
  return normalise(parseAddress(endpoint, url, `${QUEUE_EXAMPLE} or ${LB_EXAMPLE}`, source));
}

/** Validates with the rule for the endpoint's type (`queue` unless told otherwise). */
export function validateAddressFor(type: EndpointType | undefined, endpoint: string, url: unknown, source?: string): string {
  return type === 'load-balancer' ? validateLoadBalancerUrl(endpoint, url, source) : validateEndpointUrl(endpoint, url, source);
}
