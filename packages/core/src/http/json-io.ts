import type { IncomingMessage, ServerResponse } from 'node:http';
import { SwitchyardError } from '../errors';

/** A request the server refuses, with the HTTP status and the `{"error": ...}` text to send. */
export class HttpRefusal extends SwitchyardError {
  override name = 'HttpRefusal' as const;
  override readonly code = 'HTTP_REFUSAL' as const;
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Writes a JSON reply (unless the response was already sent or the socket is gone). */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

/** Writes `{"error": message}` with the refusal's status. */
export function sendRefusal(res: ServerResponse, refusal: HttpRefusal): void {
  sendJson(res, refusal.status, { error: refusal.message }, refusal.headers);
}

/**
 * Reads a request body up to `limit` bytes. A declared Content-Length over the limit is refused
 * before reading; a body that grows past it stops being read. Either way 413, and the
 * connection is closed after the reply (the rest of the body is never read).
 */
export function readBody(req: IncomingMessage, limit: number, what: string): Promise<Buffer> {
  const tooLarge = () =>
    new HttpRefusal(
      413,
      `The request body is larger than the ${limit}-byte limit of ${what}. Send a smaller payload (pass large data by reference, e.g. a URL), or raise maxBodyBytes.`,
      { connection: 'close' },
    );
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (error: unknown, body?: Buffer) => {
      if (done) return;
      done = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      if (error) reject(error);
      else resolve(body!);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.pause();
        finish(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => finish(undefined, Buffer.concat(chunks, size));
    const onError = (error: Error) => finish(new HttpRefusal(400, `The request body could not be read: ${error.message}. Send it again.`, { connection: 'close' }));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

/** Parses a JSON body, or a 400 refusal that says what is wrong and what to send. */
export function parseJsonBody(body: Buffer, example: string): unknown {
  if (body.length === 0) throw new HttpRefusal(400, `The request body is empty. Send JSON like ${example}.`);
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch (error) {
    throw new HttpRefusal(400, `The request body is not valid JSON (${(error as Error).message}). Send JSON like ${example}.`);
  }
}

/**
 * A `?wait=` value in ms: default when absent, clamped to [min, max]; a non-number is a 400.
 * Same range as RunPod (1000..300000).
 */
export function parseWait(raw: string | null, defaultMs: number, min = 1_000, max = 300_000): number {
  if (raw === null || raw === '') return defaultMs;
  const value = Number(raw);
  if (!Number.isFinite(value)) {
    throw new HttpRefusal(400, `The query parameter wait=${JSON.stringify(raw.slice(0, 40))} is not a number. Give milliseconds between ${min} and ${max}.`);
  }
  return Math.min(max, Math.max(min, Math.round(value)));
}
