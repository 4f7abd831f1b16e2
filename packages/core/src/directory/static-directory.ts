import { DirectoryUnavailableError } from '../errors';
import type { Directory } from './directory';
import { parseDirectoryAnswer, parseDirectoryEntry, type EntryValidation } from './directory-answer';

/** Addresses per endpoint: one URL, or an array of replica URLs. */
export type EndpointAddresses = Readonly<Record<string, string | readonly string[]>>;

/** Default environment variable of {@link StaticDirectory.fromEnv}. */
export const STATIC_DIRECTORY_ENV = 'SWITCHYARD_DIRECTORY';

/**
 * A directory held in memory: a fixed map of endpoint → URLs, for tests, single-host setups and
 * the `dev` command (which updates it with `set`). Every address is validated when it is given,
 * so a typo fails at start-up, not at the first call.
 */
export class StaticDirectory implements Directory {
  private readonly entries = new Map<string, readonly string[]>();

  /**
   * @param endpoints endpoint name → URL or array of URLs (validated; see validateEndpointUrl)
   * @param options `endpointTypes` marks load-balancer endpoints (default: all queue);
   *   `source` names where the map came from in error messages (default `StaticDirectory`)
   * @throws InvalidAddressError naming the endpoint whose address is malformed
   */
  constructor(
    endpoints: EndpointAddresses = {},
    private readonly options: EntryValidation & { source?: string } = {},
  ) {
    for (const [endpoint, urls] of Object.entries(endpoints)) this.set(endpoint, urls);
  }

  /**
   * Reads the map from an environment variable holding JSON: either the bare map
   * `{"reports": "http://127.0.0.1:8001/v2/reports"}` or the directory's own shape
   * `{"resources_endpoints": {...}}`.
   *
   * @param varName default `SWITCHYARD_DIRECTORY`
   * @param env default `process.env`
   * @throws DirectoryUnavailableError naming the variable when it is unset, not JSON, not an
   *   object, or has a malformed address
   */
  static fromEnv(varName: string = STATIC_DIRECTORY_ENV, env: NodeJS.ProcessEnv = process.env, options: EntryValidation = {}): StaticDirectory {
    const raw = env[varName];
    const example = `'{"reports": "http://127.0.0.1:8001/v2/reports"}'`;
    const fix = `Set ${varName} to a JSON map of endpoint name to URL(s), e.g. ${varName}=${example}.`;
    if (raw === undefined || raw.trim() === '') throw new DirectoryUnavailableError(`${varName} is not set. ${fix}`);
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch (error) {
      // V8's message may quote the input, which can hold credentials: report the position only.
      const position = /position (\d+)/.exec(String((error as Error).message))?.[1];
      throw new DirectoryUnavailableError(`${varName} is not valid JSON${position ? ` (error at character ${position})` : ''}. ${fix}`);
    }
    const answer = parseDirectoryAnswer(body, varName, { ...options, acceptBareMap: true, fix });
    const directory = new StaticDirectory({}, { ...options, source: varName });
    for (const [endpoint, entry] of answer) {
      // A static map is configuration: a bad entry is fatal now rather than at the first call.
      if ('problem' in entry) throw entry.problem;
      directory.entries.set(endpoint, entry.urls);
    }
    return directory;
  }

  /** A copy of the endpoint's URLs; `[]` when the endpoint is not in the map. */
  async resolve(endpoint: string): Promise<string[]> {
    return [...(this.entries.get(endpoint) ?? [])];
  }

  /** No-op: the map only changes through `set` / `remove`. */
  async refresh(): Promise<void> {}

  /**
   * Replaces the endpoint's URLs (validated). An empty array keeps the endpoint known with no
   * address, which resolves like an absent one.
   */
  set(endpoint: string, urls: string | readonly string[]): void {
    this.entries.set(endpoint, parseDirectoryEntry(endpoint, urls, this.options.source ?? 'StaticDirectory', this.options));
  }

  /** Forgets the endpoint; resolve() then returns `[]`. */
  remove(endpoint: string): void {
    this.entries.delete(endpoint);
  }

  /** Every endpoint and its URLs, in the directory's wire shape (a snapshot). */
  toJSON(): { resources_endpoints: Record<string, string[]> } {
    return { resources_endpoints: Object.fromEntries([...this.entries].map(([k, v]) => [k, [...v]])) };
  }
}
