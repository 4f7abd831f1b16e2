import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A tiny real HTTP server whose answers a test scripts, counting requests server-side. */
export interface ScriptedServer {
  readonly url: string;
  readonly count: number;
  /** Requests seen, in order (method, url, authorization header). */
  readonly requests: Array<{ method: string; url: string; authorization?: string }>;
  /** Replaces the handler; `n` is the 1-based number of the request. */
  respond(handler: (req: IncomingMessage, res: ServerResponse, n: number) => void): void;
  close(): Promise<void>;
}

export async function startScriptedServer(
  handler: (req: IncomingMessage, res: ServerResponse, n: number) => void,
): Promise<ScriptedServer> {
  let current = handler;
  const requests: ScriptedServer['requests'] = [];
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization });
    current(req, res, requests.length);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    get count() {
      return requests.length;
    },
    requests,
    respond(next) {
      current = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Writes a JSON (or raw string) body with a status. */
export function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(text);
}

/** A clock tests move by hand. */
export function manualClock(start = 1_000): { now: () => number; advance(ms: number): void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}
