import type { EndpointType } from '@switchyard/decorators';
import { DirectoryUnavailableError, InvalidAddressError } from '../errors';
import { checkAddressUrl, ENDPOINT_ID, parseEndpointAddress, type EndpointAddress } from './endpoint-address';

/** The wire shape: `{"resources_endpoints": {"<endpoint>": "<url>" | ["<url>", …]}}`. */
export const RESOURCES_FIELD = 'resources_endpoints';

/**
 * A directory's answer: endpoint name → its addresses as given (strings), read into
 * EndpointAddress values per endpoint type on first use. A malformed entry only breaks its own
 * endpoint: resolving it throws the InvalidAddressError, other endpoints resolve.
 */
export class DirectoryAnswer {
  private readonly parsed = new Map<string, readonly EndpointAddress[] | InvalidAddressError>();

  constructor(
    private readonly entries: ReadonlyMap<string, readonly unknown[]>,
    private readonly source: string,
    private readonly baseUrl: string,
  ) {}

  /** The endpoint's addresses for its type (`[]` when the answer does not list it); throws InvalidAddressError for a bad entry. */
  resolve(endpoint: string, type: EndpointType = 'queue'): EndpointAddress[] {
    const key = `${type}\u0000${endpoint}`;
    let result = this.parsed.get(key);
    if (result === undefined) {
      result = this.read(endpoint, type);
      this.parsed.set(key, result);
    }
    if (result instanceof InvalidAddressError) throw result;
    return [...result];
  }

  /** Endpoint names the answer lists. */
  endpoints(): string[] {
    return [...this.entries.keys()];
  }

  /** The raw entries, in the wire shape. */
  toJSON(): Record<string, unknown[]> {
    return Object.fromEntries([...this.entries].map(([k, v]) => [k, [...v]]));
  }

  private read(endpoint: string, type: EndpointType): readonly EndpointAddress[] | InvalidAddressError {
    const values = this.entries.get(endpoint);
    if (values === undefined) return [];
    try {
      const addresses = values.map((value) => parseEndpointAddress(value, { endpoint, type, baseUrl: this.baseUrl, source: this.source }));
      // Duplicate replicas would skew selection; keep the first of each.
      return [...new Map(addresses.map((a) => [a.url, a])).values()];
    } catch (error) {
      if (error instanceof InvalidAddressError) return error;
      throw error;
    }
  }
}

/**
 * Checks one endpoint's entry (a URL or an array of URLs) with the checks every address gets,
 * and returns it as a list of normalised strings (no trailing slash). Throws InvalidAddressError
 * naming the endpoint and `source`.
 */
export function checkDirectoryEntry(endpoint: string, value: unknown, source: string): string[] {
  const values = Array.isArray(value) ? (value as unknown[]) : [value];
  return values.map((v) => {
    // Bare ids are allowed (resolved against the base URL); anything URL-like gets the common checks.
    if (typeof v === 'string' && ENDPOINT_ID.test(v.trim())) return v.trim();
    const url = checkAddressUrl(v, { endpoint, source });
    return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  });
}

/**
 * Turns a decoded directory answer into a {@link DirectoryAnswer}. A malformed envelope (not an
 * object, `resources_endpoints` missing or not an object) throws DirectoryUnavailableError naming
 * `source`. A bad entry does not: it breaks only its own endpoint.
 *
 * @param options `acceptBareMap` also accepts the endpoint map without the `resources_endpoints`
 *   envelope; `fix` replaces the advice at the end of envelope errors
 */
export function parseDirectoryAnswer(body: unknown, source: string, options: { baseUrl: string; acceptBareMap?: boolean; fix?: string }): DirectoryAnswer {
  const fix = options.fix ?? 'Check that the URL points at a Switchyard directory.';
  const expected = `{"${RESOURCES_FIELD}": {"<endpoint>": "<url>" | ["<url>", …]}}`;
  if (!isPlainObject(body)) {
    throw new DirectoryUnavailableError(`${source} gave ${describeJsonType(body)} instead of an object ${expected}. ${fix}`);
  }
  let map: unknown = body[RESOURCES_FIELD];
  if (map === undefined) {
    if (!options.acceptBareMap) {
      throw new DirectoryUnavailableError(`${source} gave an object without "${RESOURCES_FIELD}" (keys: ${describeKeys(body)}); expected ${expected}. ${fix}`);
    }
    map = body;
  }
  if (!isPlainObject(map)) {
    throw new DirectoryUnavailableError(
      `${source}: "${RESOURCES_FIELD}" is ${describeJsonType(map)}, expected an object mapping endpoint names to a URL or an array of URLs. ${fix}`,
    );
  }
  const entries = new Map<string, readonly unknown[]>();
  for (const [endpoint, value] of Object.entries(map)) entries.set(endpoint, Array.isArray(value) ? value : [value]);
  return new DirectoryAnswer(entries, source, options.baseUrl);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeJsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function describeKeys(value: Record<string, unknown>): string {
  const keys = Object.keys(value);
  if (keys.length === 0) return 'none';
  const shown = keys.slice(0, 5).map((k) => JSON.stringify(k.slice(0, 40)));
  return keys.length > 5 ? `${shown.join(', ')}, …` : shown.join(', ');
}
