import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Endpoint, Remote } from '@switchyard/decorators';
import { BearerAuth } from '../../src/http';
import { MemoryLogger } from '../../src/observability/logger';
import { metricsOf } from '../../src/observability/metrics';
import { createRuntime } from '../../src/router/runtime';
import { defaultSerializer } from '../../src/serialization/serializer';
import { Dispatcher } from '../../src/worker/dispatcher';
import { LoadBalancerApi } from '../../src/worker/load-balancer-api';
import { serve, type WorkerServer } from '../../src/worker/serve';
import { TEST_KEY, eventually, invocation, request } from '../support/helpers';

const lbProbe = { aborted: 0, started: 0 };

@Endpoint({ name: 'lb-calc', type: 'load-balancer' })
class LbCalc {
  @Remote() async multiply(a: number, b: number): Promise<number> {
    return a * b;
  }

  @Remote() async divide(a: number, b: number): Promise<number> {
    if (b === 0) throw new RangeError('division by zero');
    return a / b;
  }

  @Remote() async untilAborted(signal: AbortSignal): Promise<string> {
    lbProbe.started++;
    return new Promise((resolve) =>
      signal.addEventListener('abort', () => {
        lbProbe.aborted++;
        resolve('aborted');
      }, { once: true }),
    );
  }
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

function serveLb(env: NodeJS.ProcessEnv = {}, extra: { maxBodyBytes?: number; port?: number } = {}): Promise<WorkerServer> {
  return serve({ endpoints: [LbCalc], mode: 'load-balancer', apiKey: TEST_KEY, env, logger: new MemoryLogger(), ...extra });
}

describe("serve() in load-balancer mode (POST /execute)", () => {
  let worker: WorkerServer;

  beforeAll(async () => {
    worker = await serveLb({}, { maxBodyBytes: 16 * 1024 });
  });

  afterAll(async () => {
    await worker.close();
  });

  const execute = (body: unknown, key?: string | null) => request(`${worker.url}/execute`, { body, key });

  it('runs the invocation in the body and replies 200 with the WireOutput', async () => {
    const res = await execute(invocation(LbCalc, 'multiply', [6, 7]));
    expect(res.status).toBe(200);
    expect(res.body.sy).toBe(1);
    expect(defaultSerializer.decode(res.body.result)).toBe(42);
  });

  it.each<[string, () => unknown, number, string]>([
    ['an unknown method', () => invocation(LbCalc, 'subtract', [1, 2]), 404, 'RouteNotFoundError'],
    ['an endpoint it does not host', () => ({ ...invocation(LbCalc, 'multiply', [1, 2]), endpoint: 'lb-other' }), 404, 'RouteNotFoundError'],
    ['a contract mismatch', () => invocation(LbCalc, 'multiply', [1, 2], { contract: '0123456789abcdef' }), 409, 'ContractMismatchError'],
    ['a deadline that passed', () => invocation(LbCalc, 'multiply', [1, 2], { deadline: Date.now() - 1000 }), 504, 'DeadlineExceededError'],
    ['too many arguments', () => invocation(LbCalc, 'multiply', [1, 2, 3]), 400, 'InvalidRequestError'],
    ['a body that is not an invocation', () => [1, 2, 3], 400, 'InvalidRequestError'],
    ['a method that throws', () => invocation(LbCalc, 'divide', [1, 0]), 500, 'RangeError'],
  ])('replies to %s with its status and {sy:1, error: WireFailure}', async (_label, body, status, name) => {
    const res = await execute(body());
    expect(res.status).toBe(status);
    expect(res.body.sy).toBe(1);
    expect(res.body.error).toMatchObject({ name, message: expect.any(String) });
  });

  it.each([
    ['malformed JSON', { rawBody: '{"sy": 1,' }, 400, 'not valid JSON'],
    ['an empty body', { rawBody: '' }, 400, 'body is empty'],
    ['a body over maxBodyBytes', { body: { blob: 'b'.repeat(20 * 1024) } }, 413, 'limit of /execute'],
    ['no key', { body: {}, key: null }, 401, 'Missing API key'],
    ['a wrong key', { body: {}, key: 'wrong' }, 401, 'Invalid API key'],
  ])('refuses %s with a JSON {"error": ...}', async (_label, options, status, message) => {
    const res = await request(`${worker.url}/execute`, options as Parameters<typeof request>[1]);
    expect(res.status).toBe(status);
    expect(res.body.error).toContain(message);
    expect(res.text).not.toContain(TEST_KEY);
  });

  it('refuses other paths (404) and other methods on /execute (405) with JSON errors', async () => {
    const notFound = await request(`${worker.url}/run`, { body: {} });
    expect(notFound.status).toBe(404);
    expect(notFound.body.error).toContain('POST /execute');
    const wrongMethod = await request(`${worker.url}/execute`);
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('POST');
  });

  it('answers the health check on /ping with 200 {"status":"healthy"} without a key', async () => {
    const res = await request(`${worker.url}/ping`, { key: null });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'healthy' });
  });

  it("aborts the method's signal when the caller hangs up", async () => {
    const controller = new AbortController();
    const pending = fetch(`${worker.url}/execute`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(invocation(LbCalc, 'untilAborted', [])),
      signal: controller.signal,
    });
    await eventually(async () => (lbProbe.started === 1 ? true : undefined));
    controller.abort();
    await expect(pending).rejects.toThrow();
    await eventually(async () => (lbProbe.aborted === 1 ? true : undefined));
  });
});

describe('serve() in load-balancer mode: ports and health settings', () => {
  it('listens on env PORT when no port option is given', async () => {
    const port = await freePort();
    await using worker = await serveLb({ PORT: String(port) });
    expect(worker.url).toBe(`http://127.0.0.1:${port}`);
  });

  it('answers the health check on HEALTH_CHECK_PATH; /ping is then an ordinary (authenticated) path', async () => {
    await using worker = await serveLb({ HEALTH_CHECK_PATH: '/healthz' });
    expect((await request(`${worker.url}/healthz`, { key: null })).body).toEqual({ status: 'healthy' });
    expect((await request(`${worker.url}/ping`, { key: null })).status).toBe(401);
    expect((await request(`${worker.url}/ping`)).status).toBe(404);
  });

  it('answers the health check on a separate PORT_HEALTH, and only there', async () => {
    const healthPort = await freePort();
    await using worker = await serveLb({ PORT_HEALTH: String(healthPort) });
    expect(worker.healthUrl).toBe(`http://127.0.0.1:${healthPort}`);
    const health = await request(`${worker.healthUrl}/ping`, { key: null });
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: 'healthy' });
    expect((await request(`${worker.healthUrl}/execute`, { body: {} })).status).toBe(404);
    expect((await request(`${worker.url}/ping`)).status).toBe(404);
    const res = await request(`${worker.url}/execute`, { body: invocation(LbCalc, 'multiply', [2, 2]) });
    expect(defaultSerializer.decode(res.body.result)).toBe(4);
  });

  it('refuses a HEALTH_CHECK_PATH that does not start with "/"', async () => {
    await expect(serveLb({ HEALTH_CHECK_PATH: 'ping' })).rejects.toThrow('must start with "/"');
  });
});

describe('LoadBalancerApi health check', () => {
  it('answers 204 while starting, 200 when ready and 503 while stopping', async () => {
    const runtime = createRuntime({ endpoint: 'lb-calc', env: {}, logger: new MemoryLogger() });
    const logger = new MemoryLogger();
    const api = new LoadBalancerApi({
      dispatcher: new Dispatcher({ runtime, endpoints: [LbCalc] }),
      metrics: metricsOf(runtime),
      endpoints: ['lb-calc'],
      auth: new BearerAuth(TEST_KEY),
      servesHealth: true,
      healthPath: '/ping',
      maxBodyBytes: 1024,
      logger,
    });
    const server = createServer((req, res) => void api.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ping`;
    try {
      expect((await fetch(url)).status).toBe(204);
      api.state = 'ready';
      expect((await fetch(url)).status).toBe(200);
      api.state = 'stopping';
      expect((await fetch(url)).status).toBe(503);
      const execute = await request(url.replace('/ping', '/execute'), { body: invocation(LbCalc, 'multiply', [1, 1]) });
      expect(execute.status).toBe(503);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
