import { randomUUID } from 'node:crypto';
import type { Constructor } from '@switchyard/decorators';
import { getEndpointMetadata } from '@switchyard/decorators';
import { contractHash } from '../../src/manifest/contract';
import { defaultSerializer, type Serializer } from '../../src/serialization/serializer';
import type { Invocation } from '../../src/serialization/wire';

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

/** Builds the `input` of a job that calls `cls.method(...args)`, as a Switchyard caller would. */
export function invocation(
  cls: Constructor,
  method: string,
  args: unknown[],
  overrides: Partial<Invocation> & { serializer?: Serializer } = {},
): Invocation {
  const metadata = getEndpointMetadata(cls)!;
  const { serializer = defaultSerializer, ...rest } = overrides;
  return {
    sy: 1,
    endpoint: metadata.name,
    method,
    args: serializer.encode(args),
    callId: randomUUID(),
    deadline: Date.now() + 60_000,
    contract: contractHash(metadata),
    ...rest,
  };
}

/** A JSON request to a local worker. */
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

/** The key the test workers require. */
export const TEST_KEY = 'test-key-4f1c2b9a';

/** Polls `check` (each call one request) until it returns a value, at most `attempts` times, 20 ms apart. */
export async function eventually<T>(check: () => Promise<T | undefined>, attempts = 250): Promise<T> {
  for (let i = 0; i < attempts; i++) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('condition not reached');
}
