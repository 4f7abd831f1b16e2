// The one helpers module of the core tests: promises, ports, HTTP requests, invocations and
// executor requests. Stand-ins for RunPod's platform live beside it (runpod-standin.ts,
// runpod-job-service.ts); Switchyard's own worker side is always the real Dispatcher / serve().
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getEndpointMetadata, type Constructor, type EndpointType } from '@switchyard/decorators';
import { parseEndpointAddress, type EndpointAddress } from '../../src/directory/endpoint-address';
import type { ExecuteRequest } from '../../src/executor/executor';
import { contractHash } from '../../src/manifest/contract';
import { CallBudget } from '../../src/resilience/call-budget';
import { defaultSerializer, type Serializer } from '../../src/serialization/serializer';
import { WIRE_VERSION, type Invocation } from '../../src/serialization/wire';

/** The key the test workers require. */
export const TEST_KEY = 'test-key-4f1c2b9a';

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the promise to reject, but it resolved');
}

/** The error a function throws (fails the test if it returns). */
export function thrownBy(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the function to throw, but it returned');
}

/** A promise with its resolve function, for tests that hold a method until they let it go. */
export interface Gate<T = void> {
  promise: Promise<T>;
  open(value: T): void;
}

export function gate<T = void>(): Gate<T> {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => (open = resolve));
  return { promise, open };
}

/** Resolves when `signal` aborts (a method that runs until its job is cancelled). */
export function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

/** Polls `check` until it returns a value, at most `attempts` times, 20 ms apart. */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, attempts = 250): Promise<T> {
  for (let i = 0; i < attempts; i++) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('condition not reached');
}

/** A port nothing listens on: bound once, then released. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A JSON request with the test key (or `key`, or none with `key: null`); the body parsed when it is JSON. */
export async function request(
  url: string,
  options: { method?: string; body?: unknown; rawBody?: string; key?: string | null; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: Record<string, unknown>; text: string; headers: Headers }> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
  if (options.key !== null) headers.authorization = `Bearer ${options.key ?? TEST_KEY}`;
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const res = await fetch(url, { method: options.method ?? (body === undefined ? 'GET' : 'POST'), headers, body });
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    parsed = { notJson: text };
  }
  return { status: res.status, body: parsed, text, headers: res.headers };
}

/** Writes a JSON (or raw string) body with a status. */
export function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

/** A tiny real HTTP server whose answers a test scripts (a stand-in for RunPod's gateway or a proxy), counting requests. */
export interface ScriptedServer {
  readonly url: string;
  readonly count: number;
  /** Requests seen, in order (method, url, authorization header). */
  readonly requests: Array<{ method: string; url: string; authorization?: string }>;
  /** Replaces the handler; `n` is the 1-based number of the request. */
  respond(handler: (req: IncomingMessage, res: ServerResponse, n: number) => void): void;
  close(): Promise<void>;
}

export async function startScriptedServer(handler: (req: IncomingMessage, res: ServerResponse, n: number) => void): Promise<ScriptedServer> {
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

/** A clock tests move by hand. */
export function manualClock(start = 1_000): { now: () => number; advance(ms: number): void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

/** An address as a directory would produce it. */
export function address(url: string, type: EndpointType = 'queue', baseUrl = 'https://api.runpod.ai/v2'): EndpointAddress {
  return parseEndpointAddress(url, { endpoint: 'test', type, baseUrl });
}

/** Builds the `input` of a job that calls `cls.method(...args)`, as a Switchyard caller would. */
export function invocation(cls: Constructor, method: string, args: unknown[], overrides: Partial<Invocation> & { serializer?: Serializer } = {}): Invocation {
  const metadata = getEndpointMetadata(cls)!;
  const { serializer = defaultSerializer, ...rest } = overrides;
  return {
    sy: WIRE_VERSION,
    endpoint: metadata.name,
    method,
    args: serializer.encode(args),
    callId: randomUUID(),
    deadline: Date.now() + 60_000,
    contract: contractHash(metadata),
    ...rest,
  };
}

/** Options of {@link callRequest}. */
export interface CallRequestOptions {
  endpoint?: string;
  method?: string;
  callId?: string;
  /** The call's budget, ms from now. Default 10000. */
  timeoutMs?: number;
  signal?: AbortSignal;
  idempotent?: boolean;
  retries?: number;
  /** How the addresses are read. Default `queue`. */
  type?: EndpointType;
  /** Base for bare endpoint ids. Default `https://api.runpod.ai/v2`. */
  baseUrl?: string;
  contract?: string;
  serializer?: Serializer;
}

/** A real ExecuteRequest for `endpoint.method(...args)` to the given replica URLs, encoded with the real Serializer. */
export function callRequest(urls: string | readonly string[], args: unknown[], options: CallRequestOptions = {}): ExecuteRequest {
  const endpoint = options.endpoint ?? 'image-processor';
  const method = options.method ?? 'resize';
  const budget = CallBudget.start({ timeoutMs: options.timeoutMs ?? 10_000, signals: [options.signal], endpoint, method });
  const invocation: Invocation = {
    sy: WIRE_VERSION,
    endpoint,
    method,
    args: (options.serializer ?? defaultSerializer).encodeArgs(args, `${endpoint}.${method}`),
    callId: options.callId ?? randomUUID(),
    deadline: budget.deadline,
    ...(options.contract ? { contract: options.contract } : {}),
  };
  return {
    endpoint,
    method,
    addresses: (typeof urls === 'string' ? [urls] : urls).map((u) => address(u, options.type ?? 'queue', options.baseUrl)),
    invocation,
    budget,
    idempotent: options.idempotent ?? false,
    retries: options.retries ?? 0,
  };
}

/** Decodes a worker output's result with the default serializer (what the router does). */
export function decodeResult<T>(output: { result: unknown }, serializer: Serializer = defaultSerializer): T {
  return serializer.decode<T>(output.result, 'result');
}

/** The URLs of resolved addresses, for comparing with what a directory was given. */
export function urls(addresses: readonly EndpointAddress[]): string[] {
  return addresses.map((a) => a.url);
}
