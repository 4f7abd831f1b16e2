import { loadDefaults } from '../config';
import { BearerAuth, HttpRefusal, sendJson, sendRefusal, startHttpServer } from '../http';
import { checkDirectoryEntry, RESOURCES_FIELD } from './directory-answer';

/** Options of {@link startDirectoryServer}. */
export interface DirectoryServerOptions {
  /** Initial map of endpoint name → URL or URLs (checked). Default empty. */
  endpoints?: Readonly<Record<string, string | readonly string[]>>;
  /** Interface to bind. Default `127.0.0.1` (loopback only). */
  host?: string;
  /** Port; 0 picks a free one. Default 0. */
  port?: number;
  /** When set, requests must send `Authorization: Bearer <apiKey>` (else 401). Default: open. */
  apiKey?: string;
}

/** A running development directory server. */
export interface DirectoryServer {
  /** Base URL, e.g. `http://127.0.0.1:41234` (no trailing slash); use it as SWITCHYARD_DIRECTORY_URL. */
  readonly url: string;
  /** Number of requests received so far (any path, method or outcome). */
  readonly requestCount: number;
  /** Sets the endpoint's URLs (checked: http/https, no credentials, no query). */
  set(endpoint: string, urls: string | readonly string[]): void;
  /** Removes the endpoint from the answer. */
  remove(endpoint: string): void;
  /** Stops listening and closes every connection, idle keep-alive ones included. */
  close(): Promise<void>;
}

const SOURCE = 'directory server';

/**
 * Starts an in-process directory for local development and tests (`switchyard dev`,
 * `startLocalCluster`). Routes:
 * - `GET /` and `GET /directory` → 200 `{"resources_endpoints": {...}}`
 * - any other path → 404 `{"error": "..."}`; any other method → 405 `{"error": "..."}`
 * - with `apiKey`, a missing or wrong `Authorization: Bearer` → 401 `{"error": "..."}`
 *   (compared in constant time, without revealing the key's length)
 */
export async function startDirectoryServer(options: DirectoryServerOptions = {}): Promise<DirectoryServer> {
  const entries = new Map<string, string | string[]>();
  const set = (endpoint: string, urls: string | readonly string[]): void => {
    const checked = checkDirectoryEntry(endpoint, urls, SOURCE);
    entries.set(endpoint, typeof urls === 'string' ? checked[0]! : checked);
  };
  for (const [endpoint, urls] of Object.entries(options.endpoints ?? {})) set(endpoint, urls);
  const auth =
    options.apiKey === undefined
      ? undefined
      : new BearerAuth(options.apiKey, { fix: 'the key the directory was started with (switchyard dev writes it to .switchyard/dev.env)', rawKey: false });
  let requestCount = 0;

  const http = await startHttpServer(
    { host: options.host ?? '127.0.0.1', port: options.port ?? 0, keepAliveTimeoutMs: loadDefaults().keepAliveTimeoutMs, what: 'The directory server' },
    (req, res) => {
      requestCount += 1;
      try {
        const path = (req.url ?? '/').split('?')[0]!.replace(/\/+$/, '') || '/';
        if (path !== '/' && path !== '/directory') {
          throw new HttpRefusal(404, `No route ${JSON.stringify(path.slice(0, 100))}: the directory answers GET / and GET /directory.`);
        }
        if (req.method !== 'GET') throw new HttpRefusal(405, `Method ${req.method ?? '?'} not allowed: the directory answers GET only.`, { allow: 'GET' });
        auth?.check(req);
        sendJson(res, 200, { [RESOURCES_FIELD]: Object.fromEntries(entries) });
      } catch (error) {
        if (!(error instanceof HttpRefusal)) throw error;
        sendRefusal(res, error);
      }
    },
  );

  return {
    url: http.url,
    get requestCount() {
      return requestCount;
    },
    set,
    remove: (endpoint) => {
      entries.delete(endpoint);
    },
    close: () => http.close(),
  };
}
