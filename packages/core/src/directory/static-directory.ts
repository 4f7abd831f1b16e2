import type { EndpointType } from '@switchyard/decorators';
import { loadDefaults, processEnv } from '../config';
import { DirectoryUnavailableError } from '../errors';
import type { Directory } from './directory';
import { checkDirectoryEntry, DirectoryAnswer, parseDirectoryAnswer } from './directory-answer';
import type { EndpointAddress } from './endpoint-address';

/** Addresses per endpoint: one URL (or bare endpoint id), or an array of replicas. */
export type EndpointAddresses = Readonly<Record<string, string | readonly string[]>>;

/** Default environment variable of {@link StaticDirectory.fromEnv}. */
export const STATIC_DIRECTORY_ENV = 'SWITCHYARD_DIRECTORY';

/** Options of {@link StaticDirectory}. */
export interface StaticDirectoryOptions {
  /** Base of RunPod's job API, for bare endpoint ids. Default RUNPOD_ENDPOINT_BASE_URL, else `https://api.runpod.ai/v2`. */
  baseUrl?: string;
  /** Where the map came from, named in error messages. Default `StaticDirectory`. */
  source?: string;
}

/**
 * A directory held in memory: a fixed map of endpoint → URLs, for tests, single-host setups and
 * the `dev` command (which updates it with `set`). Every address gets the common checks when it
 * is given, so a typo fails at start-up, not at the first call.
 */
export class StaticDirectory implements Directory {
  private readonly entries = new Map<string, readonly unknown[]>();
  private readonly baseUrl: string;
  private readonly source: string;
  private answer: DirectoryAnswer | undefined;

  /**
   * @param endpoints endpoint name → URL or array of URLs
   * @throws InvalidAddressError naming the endpoint whose address is malformed
   */
  constructor(endpoints: EndpointAddresses = {}, options: StaticDirectoryOptions = {}) {
    this.baseUrl = options.baseUrl ?? loadDefaults().runpodBaseUrl;
    this.source = options.source ?? 'StaticDirectory';
    for (const [endpoint, urls] of Object.entries(endpoints)) this.set(endpoint, urls);
  }

  /**
   * Reads the map from an environment variable holding JSON: either the bare map
   * `{"reports": "http://127.0.0.1:8001/v2/reports"}` or the directory's own shape
   * `{"resources_endpoints": {...}}`.
   *
   * @param varName default `SWITCHYARD_DIRECTORY`
   * @param env default this process's environment
   * @throws DirectoryUnavailableError naming the variable when it is unset, not JSON or not an
   *   object; InvalidAddressError for a malformed address
   */
  static fromEnv(varName: string = STATIC_DIRECTORY_ENV, env: NodeJS.ProcessEnv = processEnv(), options: StaticDirectoryOptions = {}): StaticDirectory {
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
    const baseUrl = options.baseUrl ?? loadDefaults(env).runpodBaseUrl;
    const answer = parseDirectoryAnswer(body, varName, { baseUrl, acceptBareMap: true, fix });
    return new StaticDirectory(answer.toJSON() as Record<string, string[]>, { baseUrl, source: varName });
  }

  /** The endpoint's addresses as `type` (a copy); `[]` when the endpoint is not in the map. */
  async resolve(endpoint: string, type: EndpointType = 'queue'): Promise<EndpointAddress[]> {
    this.answer ??= new DirectoryAnswer(this.entries, this.source, this.baseUrl);
    return this.answer.resolve(endpoint, type);
  }

  /** No-op: the map only changes through `set` / `remove`. */
  async refresh(): Promise<void> {}

  /**
   * Replaces the endpoint's URLs (checked). An empty array keeps the endpoint known with no
   * address, which resolves like an absent one.
   */
  set(endpoint: string, urls: string | readonly string[]): void {
    this.entries.set(endpoint, checkDirectoryEntry(endpoint, urls, this.source));
    this.answer = undefined;
  }

  /** Forgets the endpoint; resolve() then returns `[]`. */
  remove(endpoint: string): void {
    this.entries.delete(endpoint);
    this.answer = undefined;
  }

  /** Every endpoint and its URLs, in the directory's wire shape (a snapshot). */
  toJSON(): { resources_endpoints: Record<string, unknown[]> } {
    return { resources_endpoints: Object.fromEntries([...this.entries].map(([k, v]) => [k, [...v]])) };
  }
}
