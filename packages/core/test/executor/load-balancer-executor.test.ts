import type { IncomingMessage, ServerResponse } from 'node:http';
import { Endpoint, Remote } from '@switchyard/decorators';
import {
  CircuitOpenError,
  DeadlineExceededError,
  EndpointUnavailableError,
  PayloadTooLargeError,
  SerializationError,
  UnauthorizedError,
} from '../../src/errors';
import { LoadBalancerExecutor } from '../../src/executor/load-balancer-executor';
import type { LoadBalancerExecutorOptions } from '../../src/executor/load-balancer-executor';
import { MemoryLogger, silentLogger } from '../../src/observability/logger';
import { AddressBreakers } from '../../src/resilience/address-breakers';
import { isTransportFailure } from '../../src/resilience/transport-failure';
import { createRuntime } from '../../src/router/runtime';
import { serve, type WorkerServer } from '../../src/worker';
import { address, callRequest, decodeResult, rejectionOf, send, startScriptedServer, type ScriptedServer } from '../support/helpers';

// The LoadBalancerExecutor against what RunPod's load-balancing gateway answers by itself (its
// 502 "no workers available", 429s, a key it refuses, a proxy page): a scripted gateway that
// forwards to a real serve() worker in load-balancer mode when it lets a request through. What
// Switchyard's own worker answers is tested side by side with the queue in against-serve.test.ts.

const KEY = 'sk-test-lb-key-0123456789';

@Endpoint({ name: 'calculator', type: 'load-balancer' })
class Calculator {
  runs = 0;
  @Remote()
  async add(a: number, b: number): Promise<number> {
    this.runs++;
    return a + b;
  }
}

/** A gateway answer: a scripted reply, or `forward` to the worker, or `hang`. */
type GatewayAnswer = { status: number; body: unknown; headers?: Record<string, string> } | 'forward' | 'hang';

describe('LoadBalancerExecutor', () => {
  let gateway: ScriptedServer;
  let worker: WorkerServer;
  let answers: GatewayAnswer[];
  let bodies: string[];
  let logger: MemoryLogger;
  const runtime = createRuntime({ endpoint: 'calculator', env: {}, logger: silentLogger });
  const built: LoadBalancerExecutor[] = [];

  const executor = (options: LoadBalancerExecutorOptions = {}): LoadBalancerExecutor => {
    const ex = new LoadBalancerExecutor({ apiKey: KEY, retryInitialMs: 1, retryMaxMs: 5, breaker: false, logger, ...options });
    built.push(ex);
    return ex;
  };
  const request = (args: unknown[] = [2, 3], extra: Parameters<typeof callRequest>[2] = {}) =>
    callRequest(gateway.url, args, { endpoint: 'calculator', method: 'add', type: 'load-balancer', ...extra });

  /** Forwards one request to the real worker, as RunPod's gateway does once a worker is up. */
  async function forward(req: IncomingMessage, body: string, res: ServerResponse): Promise<void> {
    const reply = await fetch(`${worker.url}${req.url}`, { method: req.method, headers: { authorization: String(req.headers.authorization), 'content-type': 'application/json' }, body });
    send(res, reply.status, await reply.text());
  }

  beforeAll(async () => {
    worker = await serve({ endpoints: [Calculator], runtime, apiKey: KEY, mode: 'load-balancer' });
  });
  afterAll(async () => {
    await worker.close();
    await runtime.close();
  });

  beforeEach(async () => {
    answers = [];
    bodies = [];
    logger = new MemoryLogger();
    gateway = await startScriptedServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        bodies.push(body);
        const next = answers.length > 1 ? answers.shift()! : (answers[0] ?? 'forward');
        if (next === 'hang') return;
        if (next === 'forward') return void forward(req, body, res);
        send(res, next.status, next.body, next.headers);
      });
    });
  });
  afterEach(async () => {
    await Promise.all(built.splice(0).map((ex) => ex.close()));
    await gateway.close();
  });

  it('POSTs the invocation itself (not wrapped in "input") to /execute with the Bearer key', async () => {
    const output = await executor().execute(request());

    expect(decodeResult(output)).toBe(5);
    expect(gateway.requests[0]).toMatchObject({ method: 'POST', url: '/execute', authorization: `Bearer ${KEY}` });
    const body = JSON.parse(bodies[0]);
    expect(body).toMatchObject({ sy: 1, endpoint: 'calculator', method: 'add' });
    expect(body.input).toBeUndefined();
  });

  it("treats the gateway's 502 as a failure that may have run: not sent again for a method that is not idempotent", async () => {
    answers = [{ status: 502, body: { error: 'no workers available' } }];

    const error = await rejectionOf(executor().execute(request()));

    expect(error).toBeInstanceOf(EndpointUnavailableError);
    expect(isTransportFailure(error)).toBe(true);
    expect(error.message).toContain('HTTP 502 (no workers available)');
    expect(error.message).toContain('not idempotent');
    expect(gateway.count).toBe(1);
  });

  it('sends an idempotent call again after a 502 with Retry-After, with the same callId, and the worker runs it', async () => {
    answers = [{ status: 502, body: { error: 'no workers available' }, headers: { 'retry-after': '1' } }, 'forward'];

    const output = await executor({ maxRetryAfterMs: 20 }).execute(request([40, 2], { idempotent: true, retries: 1 }));

    expect(decodeResult(output)).toBe(42);
    expect(gateway.count).toBe(2);
    expect(JSON.parse(bodies[0]).callId).toBe(JSON.parse(bodies[1]).callId);
  });

  it.each([429, 503])('retries a %i (not accepted) for a method that is not idempotent too', async (status) => {
    answers = [{ status, body: { error: 'busy' }, headers: { 'retry-after': '0' } }, 'forward'];
    const before = runtime.instanceOf(Calculator).runs;

    const output = await executor().execute(request([1, 1]));

    expect(decodeResult(output)).toBe(2);
    expect(gateway.count).toBe(2);
    expect(runtime.instanceOf(Calculator).runs).toBe(before + 1);
  });

  it("maps the gateway's 401 to UnauthorizedError without the key in the message", async () => {
    const wrongKey = 'sk-wrong-lb-key-never-print';
    answers = [{ status: 401, body: 'Unauthorized' }];

    const error = await rejectionOf(executor({ apiKey: wrongKey }).execute(request()));

    expect(error).toBeInstanceOf(UnauthorizedError);
    expect(error.message).not.toContain(wrongKey);
  });

  it('throws SerializationError when a 200 reply is not a Switchyard result', async () => {
    answers = [{ status: 200, body: { success: true, result: 'gAWVBQAAAAAAAACMAWGULg==' } }];

    const error = await rejectionOf(executor().execute(request()));

    expect(error).toBeInstanceOf(SerializationError);
    expect(error.message).toContain('not a Switchyard result');
  });

  it('refuses a payload over the limit before making any request', async () => {
    const error = await rejectionOf(executor({ payloadLimitBytes: 1024 }).execute(request(['z'.repeat(2048), 1])));

    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect((error as PayloadTooLargeError).limit).toBe(1024);
    expect(gateway.count).toBe(0);
  });

  it('throws DeadlineExceededError when nothing answers before the deadline', async () => {
    answers = ['hang'];

    const error = await rejectionOf(executor().execute(request([1, 2], { timeoutMs: 100 })));

    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect(error.message).toContain('raise timeoutMs');
    expect(gateway.count).toBe(1);
  });

  it('rethrows the abort reason when the caller aborts', async () => {
    answers = ['hang'];
    const controller = new AbortController();
    const reason = new Error('stop');
    setTimeout(() => controller.abort(reason), 30);

    const error = await rejectionOf(executor().execute(request([1, 2], { signal: controller.signal })));

    expect(error).toBe(reason);
  });

  it('opens the circuit after consecutive 502s and then refuses without a request; a shared AddressBreakers sees it', async () => {
    answers = [{ status: 502, body: 'Bad Gateway' }];
    const breakers = new AddressBreakers({ threshold: 3, resetMs: 60_000 });
    const ex = executor({ breaker: breakers });
    const url = address(gateway.url, 'load-balancer').url;

    for (let i = 0; i < 3; i++) expect(isTransportFailure(await rejectionOf(ex.execute(request())))).toBe(true);
    const error = await rejectionOf(ex.execute(request()));

    expect(error).toBeInstanceOf(CircuitOpenError);
    expect(error.message).toContain(url);
    expect(gateway.count).toBe(3);
    expect(breakers.isOpen(url)).toBe(true);
    expect(breakers.status(url)).toBe('open');
  });
});
