import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CircuitOpenError,
  ContractMismatchError,
  DeadlineExceededError,
  EndpointUnavailableError,
  InvalidRequestError,
  PayloadTooLargeError,
  RemoteExecutionError,
  RouteNotFoundError,
  SerializationError,
  UnauthorizedError,
} from '../../src/errors';
import { LoadBalancerExecutor } from '../../src/executor/load-balancer-executor';
import type { LoadBalancerExecutorOptions } from '../../src/executor/load-balancer-executor';
import { MemoryLogger } from '../../src/observability/logger';
import { AddressBreakers } from '../../src/resilience/address-breakers';
import { isTransportFailure } from '../../src/resilience/transport-failure';
import type { Invocation } from '../../src/serialization/wire';
import { callRequest, decodeResult, rejectionOf, serializer } from './helpers';

const KEY = 'sk-test-lb-key-0123456789';

interface Seen {
  method: string;
  path: string;
  authorization?: string;
  body: string;
}

/** What the test server answers; `undefined` means "never answer". */
type Responder = (invocation: Invocation, req: IncomingMessage, res: ServerResponse) => void;

function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(text);
}

/** A Switchyard failure reply body. */
const failure = (name: string, message: string, extra: Record<string, unknown> = {}): unknown => ({ sy: 1, error: { name, message, ...extra } });

/** The contract's success: run `fn` on the decoded arguments and answer `{sy:1, result}`. */
const succeed =
  (fn: (args: unknown[]) => unknown): Responder =>
  (invocation, _req, res) =>
    reply(res, 200, { sy: 1, result: serializer.encode(fn(serializer.decode<unknown[]>(invocation.args))) });

describe('LoadBalancerExecutor', () => {
  let server: Server;
  let address: string;
  let seen: Seen[];
  let responders: Responder[];
  let logger: MemoryLogger;

  const executor = (options: LoadBalancerExecutorOptions = {}): LoadBalancerExecutor =>
    new LoadBalancerExecutor({ apiKey: KEY, retryInitialMs: 1, retryMaxMs: 5, breaker: false, logger, ...options });

  /** Answers the next requests with these responders in order; the last one repeats. */
  const answer = (...list: Responder[]): void => {
    responders = list;
  };

  beforeEach(async () => {
    seen = [];
    responders = [];
    logger = new MemoryLogger();
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        seen.push({ method: req.method ?? '', path: req.url ?? '', authorization: req.headers.authorization, body });
        if (req.headers.authorization !== `Bearer ${KEY}`) return reply(res, 401, failure('UnauthorizedError', 'missing or wrong API key'));
        if (req.method !== 'POST' || req.url !== '/execute') return reply(res, 404, { error: 'not found' });
        const responder = responders.length > 1 ? responders.shift()! : responders[0];
        responder(JSON.parse(body) as Invocation, req, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    address = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('POSTs the invocation itself to /execute with the Bearer key and returns the result', async () => {
    answer(succeed(([a, b]) => (a as number) + (b as number)));

    const output = await executor().execute(callRequest(address, [2, 3], { endpoint: 'calculator', method: 'add' }));

    expect(decodeResult(output)).toBe(5);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: 'POST', path: '/execute', authorization: `Bearer ${KEY}` });
    const body = JSON.parse(seen[0].body);
    expect(body).toMatchObject({ sy: 1, endpoint: 'calculator', method: 'add' });
    expect(body.input).toBeUndefined();
  });

  it.each([
    [400, failure('InvalidRequestError', 'argument 1 must be a number', { details: ['argument 1 must be a number'] }), InvalidRequestError],
    [401, failure('UnauthorizedError', 'wrong key'), UnauthorizedError],
    [404, failure('RouteNotFoundError', 'calculator has no method add'), RouteNotFoundError],
    [409, failure('ContractMismatchError', 'contract abc differs from def', { fields: { expected: 'abc', actual: 'def' } }), ContractMismatchError],
    [413, failure('PayloadTooLargeError', 'too big'), PayloadTooLargeError],
    [504, failure('DeadlineExceededError', 'the deadline passed on the worker'), DeadlineExceededError],
    [500, failure('RangeError', 'divide by zero', { stack: 'RangeError: divide by zero\n    at add (calc.ts:3:9)' }), RemoteExecutionError],
  ])('maps a Switchyard failure reply with HTTP %i to its typed error, sent once and not counted by the breaker', async (status, body, expected) => {
    answer((_inv, _req, res) => reply(res, status, body));
    const ex = executor({ breaker: { threshold: 1, resetMs: 60_000 } });

    const error = await rejectionOf(ex.execute(callRequest(address, [1], { endpoint: 'calculator', method: 'add', idempotent: true })));

    expect(error).toBeInstanceOf(expected);
    expect(error.message).toContain('calculator.add');
    expect(isTransportFailure(error)).toBe(false);
    expect(seen).toHaveLength(1);
    expect(ex.isAvailable(address)).toBe(true);
  });

  it('keeps the remote name, message, stack and jobId undefined on RemoteExecutionError', async () => {
    answer((_inv, _req, res) => reply(res, 500, failure('RangeError', 'divide by zero', { stack: 'RangeError: divide by zero\n    at add (calc.ts:3:9)' })));

    const error = (await rejectionOf(executor().execute(callRequest(address, [1], { endpoint: 'calculator', method: 'add' })))) as RemoteExecutionError;

    expect(error.remote).toMatchObject({ name: 'RangeError', message: 'divide by zero' });
    expect(error.remote.stack).toContain('calc.ts:3:9');
    expect(error.jobId).toBeUndefined();
    expect(error.message).toBe('calculator.add failed on endpoint calculator: RangeError: divide by zero');
  });

  it('passes the contract fields of a 409 on to ContractMismatchError', async () => {
    answer((_inv, _req, res) => reply(res, 409, failure('ContractMismatchError', 'differs', { fields: { expected: 'abc', actual: 'def' } })));

    const error = (await rejectionOf(executor().execute(callRequest(address, [])))) as ContractMismatchError;

    expect(error.expected).toBe('abc');
    expect(error.actual).toBe('def');
  });

  it('treats a non-Switchyard 502 as a transport failure and does not retry a non-idempotent call', async () => {
    answer((_inv, _req, res) => reply(res, 502, { error: 'no workers available' }));

    const error = await rejectionOf(executor().execute(callRequest(address, [])));

    expect(error).toBeInstanceOf(EndpointUnavailableError);
    expect(isTransportFailure(error)).toBe(true);
    expect(error.message).toContain('HTTP 502 (no workers available)');
    expect(error.message).toContain('not idempotent');
    expect(seen).toHaveLength(1);
  });

  it('retries an idempotent call after a 502 with Retry-After and then succeeds', async () => {
    answer(
      (_inv, _req, res) => reply(res, 502, { error: 'no workers available' }, { 'retry-after': '1' }),
      succeed(() => 'warm now'),
    );

    const output = await executor({ maxRetryAfterMs: 20 }).execute(callRequest(address, [], { idempotent: true }));

    expect(decodeResult(output)).toBe('warm now');
    expect(seen).toHaveLength(2);
    expect(JSON.parse(seen[0].body).callId).toBe(JSON.parse(seen[1].body).callId);
  });

  it('maps a non-Switchyard 401 to UnauthorizedError without the key in the message', async () => {
    const wrongKey = 'sk-wrong-lb-key-never-print';

    const error = await rejectionOf(executor({ apiKey: wrongKey }).execute(callRequest(address, [])));

    expect(error).toBeInstanceOf(UnauthorizedError);
    expect(error.message).not.toContain(wrongKey);
  });

  it('throws SerializationError when a 200 reply is not a Switchyard result', async () => {
    answer((_inv, _req, res) => reply(res, 200, { success: true, result: 'gAWVBQAAAAAAAACMAWGULg==' }));

    const error = await rejectionOf(executor().execute(callRequest(address, [])));

    expect(error).toBeInstanceOf(SerializationError);
    expect(error.message).toContain('not a Switchyard result');
  });

  it('refuses a payload over the limit before making any request', async () => {
    answer(succeed(() => 'never'));

    const error = await rejectionOf(executor({ payloadLimitBytes: 1024 }).execute(callRequest(address, ['z'.repeat(2048)])));

    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect((error as PayloadTooLargeError).limit).toBe(1024);
    expect(seen).toHaveLength(0);
  });

  it('throws DeadlineExceededError when the worker does not answer before the deadline', async () => {
    answer(() => undefined);

    const error = await rejectionOf(executor().execute(callRequest(address, [], { timeoutMs: 100 })));

    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect(error.message).toContain('raise timeoutMs');
    expect(seen).toHaveLength(1);
  });

  it('rethrows the abort reason when the caller aborts', async () => {
    const controller = new AbortController();
    const reason = new Error('stop');
    answer(() => controller.abort(reason));

    const error = await rejectionOf(executor().execute(callRequest(address, [], { signal: controller.signal })));

    expect(error).toBe(reason);
  });

  it('opens the circuit after consecutive 502s and then refuses without a request; a shared AddressBreakers sees it', async () => {
    answer((_inv, _req, res) => reply(res, 502, 'Bad Gateway'));
    const breakers = new AddressBreakers({ threshold: 3, resetMs: 60_000 });
    const ex = executor({ breaker: breakers });

    for (let i = 0; i < 3; i++) expect(isTransportFailure(await rejectionOf(ex.execute(callRequest(address, []))))).toBe(true);
    const error = await rejectionOf(ex.execute(callRequest(address, [])));

    expect(error).toBeInstanceOf(CircuitOpenError);
    expect(error.message).toContain(address);
    expect(seen).toHaveLength(3);
    expect(breakers.isOpen(address)).toBe(true);
    expect(breakers.status(address)).toBe('open');
  });
});
