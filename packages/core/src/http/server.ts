import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { SwitchyardError } from '../errors';

/** Options of {@link startHttpServer}. */
export interface HttpServerOptions {
  /** Interface to bind. */
  host: string;
  /** Port; 0 picks a free one. */
  port: number;
  /** Idle keep-alive sockets stay open this long, ms. */
  keepAliveTimeoutMs: number;
  /** Names the server in a listen error, e.g. `The worker`. */
  what: string;
}

/** A listening `node:http` server that knows which requests it is answering. */
export interface TrackedServer {
  readonly server: Server;
  /** Base URL, e.g. `http://127.0.0.1:41234` (IPv6 hosts in brackets). */
  readonly url: string;
  /** Resolves when no request handler is running. */
  settled(): Promise<void>;
  /** Stops accepting connections and closes idle ones; requests in flight go on. */
  stopAccepting(): void;
  /** Closes every connection, busy or idle, and resolves when the server is closed. */
  close(): Promise<void>;
}

/** The raw HTTP reply for a request Node's parser refused, so even that answer is JSON. */
function parserRefusal(error: NodeJS.ErrnoException): string {
  const [status, reason, text] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large', 'The request headers are too large. Send fewer or shorter headers.']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', 'The request did not arrive in time. Send it again.']
        : [400, 'Bad Request', 'The request is not valid HTTP/1.1. Send a well-formed request.'];
  const body = JSON.stringify({ error: text });
  return `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`;
}

/**
 * The listen / URL / tracked-close tier shared by the worker transports and the directory
 * server. Requests are counted so a close can wait for them; idle keep-alive sockets are kept
 * `keepAliveTimeoutMs` (a busy client may write its next request on a socket just as Node's
 * 5 s default closes it, and a POST lost that way cannot be resent safely); requests Node's
 * parser refuses (oversized headers, malformed or truncated requests) get a JSON answer.
 */
export async function startHttpServer(
  options: HttpServerOptions,
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void> | void,
): Promise<TrackedServer> {
  // Each request being handled, with the promise of its handler.
  const inFlight = new Map<ServerResponse, Promise<void>>();
  let closing = false;
  // Once the server stops accepting, every reply says Connection: close, so a keep-alive client
  // opens a new connection for its next request (refused, so sent elsewhere) instead of writing
  // it on a socket that is about to close.
  const closeAfterReply = (res: ServerResponse): void => {
    if (!res.headersSent) res.setHeader('connection', 'close');
  };
  const internalError = (res: ServerResponse): void => {
    if (!res.headersSent && !res.destroyed) res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"internal error"}');
  };
  const server = createServer((req, res) => {
    if (closing) closeAfterReply(res);
    let work: Promise<void> | void;
    try {
      work = handle(req, res);
    } catch {
      internalError(res);
      return;
    }
    if (!(work instanceof Promise)) return;
    // One promise per request: the handler's, settled into the bookkeeping.
    const tracked = work.then(
      () => void inFlight.delete(res),
      () => {
        inFlight.delete(res);
        internalError(res);
      },
    );
    inFlight.set(res, tracked);
  });
  server.keepAliveTimeout = options.keepAliveTimeoutMs;
  server.headersTimeout = options.keepAliveTimeoutMs + 1_000;
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (socket.writable && !socket.destroyed && error.code !== 'ECONNRESET') socket.end(parserRefusal(error));
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error): void =>
      reject(new SwitchyardError(`${options.what} could not listen on ${options.host}:${options.port}: ${error.message}. Choose another port or host.`, { cause: error }));
    server.once('error', onError);
    server.listen(options.port, options.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;
  return {
    server,
    url,
    async settled() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight.values()]);
    },
    stopAccepting() {
      closing = true;
      for (const res of inFlight.keys()) closeAfterReply(res);
      server.close();
      server.closeIdleConnections();
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (!server.listening) {
          server.closeAllConnections();
          resolve();
          return;
        }
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
