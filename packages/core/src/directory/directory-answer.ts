import type { EndpointType } from '@switchyard/decorators';
import { DirectoryUnavailableError, InvalidAddressError } from '../errors';
import { validateAddressFor } from './endpoint-url';

/** What a directory says about one endpoint: its addresses, or why its entry is unusable. */
export type DirectoryEntry = { readonly urls: readonly string[] } | { readonly problem: InvalidAddressError };

/** A parsed directory answer: endpoint name → entry. Endpoints it does not mention are absent. */
export type DirectoryAnswer = ReadonlyMap<string, DirectoryEntry>;

/** The wire shape: `{"resources_endpoints": {"<endpoint>": "<url>" | ["<url>", …]}}`. */
export const RESOURCES_FIELD = 'resources_endpoints';

/** Options shared by everything that reads directory entries. */
export interface EntryValidation {
  /**
   * Endpoint type per name; `load-balancer` entries are origins, everything else is checked as a
   * queue endpoint URL (`…/v2/<id>`). Default: every endpoint is `queue`.
   */
  endpointTypes?: Readonly<Record<string, EndpointType>>;
}

/**
 * Validates one endpoint's entry (a URL or an array of URLs) and returns the normalised list.
 * Throws InvalidAddressError naming the endpoint (and `source`) when the entry is bad.
 */
export function parseDirectoryEntry(endpoint: string, value: unknown, source: string, validation: EntryValidation = {}): string[] {
  const type = validation.endpointTypes?.[endpoint];
  const values = Array.isArray(value) ? (value as unknown[]) : [value];
  // Duplicate replicas would skew selection; keep the first of each.
  return [...new Set(values.map((url) => validateAddressFor(type, endpoint, url, source)))];
}

/**
 * Turns a decoded directory answer into a {@link DirectoryAnswer}. A malformed envelope (not an
 * object, `resources_endpoints` missing or not an object) throws DirectoryUnavailableError naming
 * `source`. A bad entry does not: it is recorded as that endpoint's problem so other endpoints
 * keep working.
 *
 * @param validation `acceptBareMap` also accepts the endpoint map without the
 *   `resources_endpoints` envelope; `fix` replaces the advice at the end of envelope errors
 */
export function parseDirectoryAnswer(
  body: unknown,
  source: string,
  validation: EntryValidation & { acceptBareMap?: boolean; fix?: string } = {},
): DirectoryAnswer {
  const fix = validation.fix ?? 'Check that the URL points at a Switchyard directory.';
  const expected = `{"${RESOURCES_FIELD}": {"<endpoint>": "<url>" | ["<url>", …]}}`;
  if (!isPlainObject(body)) {
    throw new DirectoryUnavailableError(
      `${source} gave ${describeJsonType(body)} instead of an object ${expected}. ${fix}`,
    );
  }
  let map: unknown = body[RESOURCES_FIELD];
  if (map === undefined) {
    if (!validation.acceptBareMap) {
      throw new DirectoryUnavailableError(
        `${source} gave an object without "${RESOURCES_FIELD}" (keys: ${describeKeys(body)}); expected ${expected}. ${fix}`,
      );
    }
    map = body;
  }
  if (!isPlainObject(map)) {
    throw new DirectoryUnavailableError(
      `${source}: "${RESOURCES_FIELD}" is ${describeJsonType(map)}, expected an object mapping endpoint names to a URL or an array of URLs. ${fix}`,
    );
  }
  const answer = new Map<string, DirectoryEntry>();
  for (const [endpoint, value] of Object.entries(map)) {
    try {
      answer.set(endpoint, { urls: parseDirectoryEntry(endpoint, value, source, validation) });
    } catch (error) {
      if (!(error instanceof InvalidAddressError)) throw error;
      answer.set(endpoint, { problem: error });
    }
  }
  return answer;
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
