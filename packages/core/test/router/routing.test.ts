import 'reflect-metadata';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { injectable } from 'tsyringe';
import { Endpoint, Remote } from '@switchyard/decorators';
import {
  createRuntime,
  currentCallContext,
  DeadlineExceededError,
  DirectoryUnavailableError,
  HttpDirectory,
  InvalidAddressError,
  isRouterProxy,
  MemoryLogger,
  registerError,
  RemoteExecutionError,
  RouteNotFoundError,
  serve,
  startDirectoryServer,
  StaticDirectory,
  withCallContext,
  type Runtime,
} from '@switchyard/core';

const KEY = 'routing-test-key-0123456789';

class QuotaExceededError extends Error {
  override name = 'QuotaExceededError';
  constructor(message: string, readonly limit: number) {
    super(message);
  }
}
registerError(QuotaExceededError);

@injectable()
class Clock {
  now(): number {
    return 42;
  }
}

@Endpoint({ name: 'rt-pricing' })
class Pricing {
  calls = 0;
  seenDeadline: number | undefined;
  constructor(private readonly clock: Clock) {}

  @Remote()
  async quote(sku: string, qty: number): Promise<{ sku: string; total: number; at: Date; pid: number }> {
    this.calls++;
    this.seenDeadline = currentCallContext()?.deadline;
    return { sku, total: qty * 2.5, at: new Date(0), pid: process.pid };
  }

  @Remote()
  async fail(limit: number): Promise<never> {
    throw new QuotaExceededError(`quota of ${limit} exceeded`, limit);
  }

  @Remote({ timeoutMs: 200 })
  async slow(ms: number): Promise<string> {
    await new Promise((r) => setTimeout(r, ms));
    return 'done';
  }

  @Remote()
  async echo(value: unknown): Promise<unknown> {
    return value;
  }

  @Remote()
  async boom(): Promise<never> {
    throw new TypeError('bad thing');
  }

  /** Not remote: usable only inside the endpoint. */
  internalTotal(): number {
    return this.clock.now();
  }
}

@Endpoint({ name: 'rt-checkout' })
class Checkout {
  constructor(readonly pricing: Pricing) {}

  @Remote()
  async total(sku: string): Promise<number> {
    const quote = await this.pricing.quote(sku, 4);
    return quote.total;
  }
}

@Endpoint({ name: 'rt-fallback' })
class Fallbacky {
  @Remote({ fallback: 'local' })
  async where(): Promise<string> {
    return 'ran locally';
  }

  @Remote()
  async strict(): Promise<string> {
    return 'never';
  }
}

describe('Router: the routing decision of DESIGN.md', () => {
  let worker: { url: string; close(): Promise<void> };
  let workerRuntime: Runtime;
  const runtimes: Runtime[] = [];
  const track = (r: Runtime): Runtime => (runtimes.push(r), r);

  beforeAll(async () => {
    workerRuntime = createRuntime({ endpoint: 'rt-pricing', apiKey: KEY, env: {}, logger: new MemoryLogger() });
    worker = await serve({ endpoints: [Pricing], runtime: workerRuntime, apiKey: KEY, logger: new MemoryLogger() });
  });
  afterAll(async () => {
    await worker.close();
    await workerRuntime.close();
  });
  afterEach(async () => {
    await Promise.all(runtimes.splice(0).map((r) => r.close()));
  });

  const pricingUrl = () => `${worker.url}/v2/rt-pricing`;
  const client = (extra: Parameters<typeof createRuntime>[0] = {}) =>
    track(createRuntime({ apiKey: KEY, env: {}, logger: new MemoryLogger(), directory: new StaticDirectory({ 'rt-pricing': pricingUrl() }), ...extra }));

  it('gives the real instance, without serialization, when this process hosts the endpoint', async () => {
    const runtime = client({ endpoint: 'rt-pricing' });
    const pricing = runtime.get(Pricing);
    expect(pricing).toBeInstanceOf(Pricing);
    expect(isRouterProxy(pricing)).toBe(false);
    expect(runtime.get(Pricing)).toBe(pricing); // one per runtime
    const notSerializable = { fn: () => 1 };
    await expect(pricing.echo(notSerializable)).resolves.toBe(notSerializable); // same object: no copy
    expect(pricing.internalTotal()).toBe(42);
  });

  it('resolves classes that are not endpoints by plain DI, locally', () => {
    const runtime = client();
    expect(runtime.get(Clock).now()).toBe(42);
  });

  it('sends the call to the address the directory gives and returns the typed result', async () => {
    const runtime = client();
    const before = workerRuntime.instanceOf(Pricing).calls;
    const pricing = runtime.get(Pricing);
    expect(isRouterProxy(pricing)).toBe(true);
    const quote = await pricing.quote('sku-1', 3);
    expect(quote).toEqual({ sku: 'sku-1', total: 7.5, at: new Date(0), pid: process.pid });
    expect(quote.at).toBeInstanceOf(Date);
    expect(workerRuntime.instanceOf(Pricing).calls).toBe(before + 1);
  });

  it('throws RouteNotFoundError naming endpoint and method when the directory has no address', async () => {
    const runtime = client({ directory: new StaticDirectory({}) });
    const error = await runtime.get(Pricing).quote('a', 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RouteNotFoundError);
    expect((error as RouteNotFoundError).message).toMatch(/rt-pricing/);
    expect((error as RouteNotFoundError).message).toMatch(/Pricing\.quote/);
  });

  it("runs locally, with a warning, only when the method says fallback: 'local'", async () => {
    const logger = new MemoryLogger();
    const runtime = client({ directory: new StaticDirectory({}), logger });
    await expect(runtime.get(Fallbacky).where()).resolves.toBe('ran locally');
    expect(logger.records.some((r) => r.level === 'warn' && /locally/.test(r.message))).toBe(true);
    await expect(runtime.get(Fallbacky).strict()).rejects.toBeInstanceOf(RouteNotFoundError);
  });

  it('uses stale addresses when the directory becomes unreachable after a warm-up', async () => {
    const dir = await startDirectoryServer({ endpoints: { 'rt-pricing': pricingUrl() }, apiKey: KEY });
    const directory = new HttpDirectory(dir.url, { apiKey: KEY, ttlMs: 1, attempts: 1 });
    const runtime = client({ directory });
    await expect(runtime.get(Pricing).quote('warm', 1)).resolves.toMatchObject({ total: 2.5 });
    await dir.close();
    await new Promise((r) => setTimeout(r, 5));
    await expect(runtime.get(Pricing).quote('stale', 2)).resolves.toMatchObject({ total: 5 });
  });

  it('throws DirectoryUnavailableError on a cold cache, or runs locally when the runtime says so', async () => {
    const dir = await startDirectoryServer({ endpoints: {} });
    const url = dir.url;
    await dir.close();
    const cold = client({ directory: new HttpDirectory(url, { attempts: 1, timeoutMs: 500 }) });
    await expect(cold.get(Pricing).quote('x', 1)).rejects.toBeInstanceOf(DirectoryUnavailableError);
    const logger = new MemoryLogger();
    const lenient = client({ directory: new HttpDirectory(url, { attempts: 1, timeoutMs: 500 }), fallback: 'local', logger });
    await expect(lenient.get(Pricing).quote('x', 2)).resolves.toMatchObject({ total: 5 });
    expect(logger.records.some((r) => r.level === 'warn')).toBe(true);
  });

  it('never falls back to local for a malformed address, even with fallback: local', async () => {
    const server = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ resources_endpoints: { 'rt-pricing': 'ftp://127.0.0.1/v2/rt-pricing' } }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const { port } = server.address() as AddressInfo;
      const runtime = client({ directory: new HttpDirectory(`http://127.0.0.1:${port}/`, { attempts: 1 }), fallback: 'local' });
      const error = await runtime.get(Pricing).quote('x', 1).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidAddressError);
      expect((error as InvalidAddressError).endpoint).toBe('rt-pricing');
    } finally {
      server.close();
    }
  });

  it('injects a router proxy into a hosted class that depends on a remote endpoint', async () => {
    const runtime = client({ endpoint: 'rt-checkout' });
    const checkout = runtime.get(Checkout);
    expect(checkout).toBeInstanceOf(Checkout);
    expect(isRouterProxy(checkout.pricing)).toBe(true);
    await expect(checkout.total('sku-9')).resolves.toBe(10);
  });

  it('rethrows a registered remote error as its own class with the remote stack', async () => {
    const runtime = client();
    const error = await runtime.get(Pricing).fail(3).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QuotaExceededError);
    expect((error as QuotaExceededError).limit).toBe(3);
    expect((error as Error).message).toBe('quota of 3 exceeded');
    expect((error as Error).stack).toMatch(/fail/);
  });

  it('keeps the proxy well-behaved: await, toString, toJSON, symbols, non-@Remote methods', async () => {
    const runtime = client();
    const pricing = runtime.get(Pricing);
    await expect(Promise.resolve(pricing)).resolves.toBe(pricing); // `then` is not routed
    expect(String(pricing)).toMatch(/RouterProxy Pricing/);
    expect(JSON.parse(JSON.stringify(pricing))).toEqual({ routerProxy: 'rt-pricing', class: 'Pricing' });
    expect((pricing as unknown as Record<symbol, unknown>)[Symbol.iterator]).toBeUndefined();
    expect(() => pricing.internalTotal()).toThrow(/internalTotal is not a @Remote method/);
  });

  it('lets overrides registered before the first resolve win', async () => {
    const runtime = client({ endpoint: 'rt-checkout' });
    const fake = { quote: async (sku: string) => ({ sku, total: 1, at: new Date(1), pid: -1 }) };
    runtime.container.register(Pricing, { useValue: fake as unknown as Pricing });
    await expect(runtime.get(Checkout).total('z')).resolves.toBe(1);
  });

  it('keeps two runtimes in one process apart', () => {
    const a = client({ endpoint: 'rt-pricing' });
    const b = client({ endpoint: 'rt-pricing' });
    expect(a.get(Pricing)).not.toBe(b.get(Pricing));
    expect(isRouterProxy(client().get(Pricing))).toBe(true);
  });

  it('passes the caller deadline along so the worker sees the same budget', async () => {
    const runtime = client();
    const deadline = Date.now() + 5_000;
    await withCallContext({ deadline }, () => runtime.get(Pricing).quote('ctx', 1));
    expect(workerRuntime.instanceOf(Pricing).seenDeadline).toBe(deadline);
  });

  it('throws DeadlineExceededError with the job id when the method timeoutMs passes', async () => {
    const runtime = client();
    const error = await runtime.get(Pricing).slow(2_000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect((error as DeadlineExceededError).jobId).toEqual(expect.any(String));
  });

  it('honours per-call options of runtime.call and an AbortSignal', async () => {
    const runtime = client();
    await expect(runtime.call(Pricing, 'quote', ['call', 2])).resolves.toMatchObject({ total: 5 });
    const controller = new AbortController();
    const pending = runtime.call(Pricing, 'slow', [150], { signal: controller.signal, timeoutMs: 10_000 });
    setTimeout(() => controller.abort(new Error('user gave up')), 20);
    await expect(pending).rejects.toThrow('user gave up');
  });

  it('reports an unregistered remote error as RemoteExecutionError with endpoint, method, job id and remote stack', async () => {
    const runtime = client();
    const error = await runtime.get(Pricing).boom().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteExecutionError);
    const remote = error as RemoteExecutionError;
    expect(remote.endpoint).toBe('rt-pricing');
    expect(remote.method).toBe('boom');
    expect(remote.jobId).toEqual(expect.any(String));
    expect(remote.remote).toMatchObject({ name: 'TypeError', message: 'bad thing' });
    expect(remote.remote.stack).toMatch(/boom/);
  });
});
