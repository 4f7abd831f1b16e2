import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import { RESOURCES_FIELD } from './directory-answer';
import { validateAnyEndpointUrl } from './endpoint-url';

/** Options of {@link startDirectoryServer}. */
export interface DirectoryServerOptions {
  /** Initial map of endpoint name → URL or URLs (validated). Default empty. */
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
  /** Sets the endpoint's URLs (validated: http/https, no credentials, no query). */
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
 *   (compared in constant time)
 */
export async function startDirectoryServer(options: DirectoryServerOptions = {}): Promise<DirectoryServer> {
  const entries = new Map<string, string | string[]>();
  const set = (endpoint: string, urls: string | readonly string[]): void => {
    entries.set(
      endpoint,
      typeof urls === 'string' ? validateAnyEndpointUrl(endpoint, urls, SOURCE) : urls.map((u) => validateAnyEndpointUrl(endpoint, u, SOURCE)),
    );
  };
  for (const [endpoint, urls] of Object.entries(options.endpoints ?? {})) set(endpoint, urls);

  const expectedKey = options.apiKey === undefined ? undefined : Buffer.from(options.apiKey, 'utf8');
  let requestCount = 0;

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    requestCount += 1;
    const path = (req.url ?? '/').split('?')[0]!.replace(/\/+$/, '') || '/';
    if (path !== '/' && path !== '/directory') {
      return sendJson(res, 404, { error: `No route ${JSON.stringify(path.slice(0, 100))}: the directory answers GET / and GET /directory.` });
    }
    if (req.method !== 'GET') {
      res.setHeader('allow', 'GET');
      return sendJson(res, 405, { error: `Method ${req.method ?? '?'} not allowed: the directory answers GET only.` });
    }
    if (expectedKey && !bearerMatches(req.headers.authorization, expectedKey)) {
      res.setHeader('www-authenticate', 'Bearer');
      return sendJson(res, 401, { error: 'Missing or wrong API key: send Authorization: Bearer <key>.' });
    }
    res.setHeader('cache-control', 'no-store');
    return sendJson(res, 200, { [RESOURCES_FIELD]: Object.fromEntries(entries) });
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  return {
    url,
    get requestCount() {
      return requestCount;
    },
    set,
    remove: (endpoint) => {
      entries.delete(endpoint);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        if (!server.listening) return resolve();
        server.close((error) => (error ? reject(error) : resolve()));
        // close() waits for keep-alive sockets to go idle-timeout; end them now.
        server.closeAllConnections();
      }),
  };
}

/** Constant-time check of `Authorization: Bearer <key>`. */
function bearerMatches(header: string | undefined, expected: Buffer): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
  if (!match) return false;
  const given = Buffer.from(match[1]!.trim(), 'utf8');
  // timingSafeEqual needs equal lengths; a length mismatch reveals only the length.
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
