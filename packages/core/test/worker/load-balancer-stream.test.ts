import { createServer, request as httpRequest, type ClientRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Endpoint, Remote } from '@switchyard/decorators';
import { BearerAuth } from '../../src/http';
import { MemoryLogger } from '../../src/observability/logger';
import { metricsOf } from '../../src/observability/metrics';
import { createRuntime } from '../../src/router/runtime';
import { defaultSerializer } from '../../src/serialization/serializer';
import { WIRE_VERSION, type WireStreamLine } from '../../src/serialization/wire';
import { Dispatcher } from '../../src/worker/dispatcher';
import { LoadBalancerApi } from '../../src/worker/load-balancer-api';
import { serve, type WorkerServer } from '../../src/worker/serve';
import { TEST_KEY, eventually, gate, invocation, request, untilAborted, type Gate } from '../support/helpers';

const probe = {
  gate: undefined as Gate | undefined,
  finallyRan: [] as string[],
  produced: 0,
  /** The response of the backpressure test, so the generator can look at it each time it resumes. */
  response: undefined as ServerResponse | undefined,
  needDrainAtResume: [] as boolean[],
};

@Endpoint({ name: 'lb-stream', type: 'load-balancer' })
class LbStream {
  /** Yields `n` words; after the first it waits at the gate, if there is one. */
  @Remote() async *words(n: number): AsyncGenerator<string> {
    for (let i = 1; i <= n; i++) {
      yield `w${i}`;
      if (i === 1) await probe.gate?.promise;
    }
  }

  @Remote() async *failsAfterTwo(): AsyncGenerator<number> {
    yield 1;
    yield 2;
    throw new RangeError('two is all there is');
  }

  @Remote() async *failsAtOnce(): AsyncGenerator<number> {
    throw new RangeError('nothing to stream');
  }

  /** Yields for ever until its reader goes. */
  @Remote() async *endless(tag: string): AsyncGenerator<number> {
    try {
      for (let i = 0; ; i++) yield i;
    } finally {
      probe.finallyRan.push(tag);
    }
  }

  /** Yields once, then waits for its signal. */
  @Remote() async *oneThenWait(tag: string, signal: AbortSignal): AsyncGenerator<string> {
    try {
      yield 'only';
      await untilAborted(signal);
    } finally {
      probe.finallyRan.push(tag);
    }
  }

  /** Yields `n` values of `size` characters; each time it resumes it notes whether the response still needed a drain. */
  @Remote() async *large(n: number, size: number): AsyncGenerator<string> {
    const value = 'x'.repeat(size);
    for (let i = 1; i <= n; i++) {
      probe.produced = i;
      yield `${i}:${value}`;
      probe.needDrainAtResume.push(probe.response!.writableNeedDrain);
    }
  }
}

/** POSTs an invocation with node:http, so a test can pause the reply or hang up mid-stream. */
function post(url: string, body: unknown): Promise<{ req: ClientRequest; res: IncomingMessage }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}/execute`, { method: 'POST', headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' } });
    req.on('response', (res) => resolve({ req, res }));
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

/** Calls `onLine` with each parsed NDJSON line as it arrives; resolves with all of them at the end. */
function readLines(res: IncomingMessage, onLine: (line: WireStreamLine) => void = () => undefined): Promise<WireStreamLine[]> {
  const lines: WireStreamLine[] = [];
  let pending = '';
  res.setEncoding('utf8');
  res.on('data', (text: string) => {
    pending += text;
    for (let at = pending.indexOf('\n'); at >= 0; at = pending.indexOf('\n')) {
      const line = JSON.parse(pending.slice(0, at)) as WireStreamLine;
      pending = pending.slice(at + 1);
      lines.push(line);
      onLine(line);
    }
  });
  return new Promise((resolve, reject) => {
    res.on('end', () => (pending === '' ? resolve(lines) : reject(new Error(`the stream ended inside a line: ${pending.slice(0, 80)}`))));
    res.on('error', reject);
  });
}

const valueOf = (line: WireStreamLine): unknown => defaultSerializer.decode((line as { chunk: unknown }).chunk);

describe('serve() in load-balancer mode: streaming methods answer NDJSON', () => {
  let worker: WorkerServer;

  beforeAll(async () => {
    worker = await serve({ endpoints: [LbStream], mode: 'load-balancer', apiKey: TEST_KEY, env: {}, logger: new MemoryLogger() });
  });

  afterAll(async () => {
    probe.gate?.open();
    await worker.close();
  });

  beforeEach(() => {
    probe.gate = undefined;
    probe.finallyRan = [];
  });

  it('answers 200 application/x-ndjson, chunked: one {"sy":1,"chunk":…} per value, then {"sy":1,"end":true}', async () => {
    const res = await request(`${worker.url}/execute`, { body: invocation(LbStream, 'words', [3]) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-ndjson');
    expect(res.headers.get('transfer-encoding')).toBe('chunked');
    expect(res.headers.get('content-length')).toBeNull();
    const lines = res.text.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((l) => JSON.parse(l) as unknown)).toEqual([
      ...['w1', 'w2', 'w3'].map((w) => ({ sy: WIRE_VERSION, chunk: defaultSerializer.encode(w) })),
      { sy: WIRE_VERSION, end: true },
    ]);
  });

  it('sends a line as soon as the value is yielded, while the method still runs', async () => {
    probe.gate = gate();
    const { res } = await post(worker.url, invocation(LbStream, 'words', [2]));
    const events: string[] = [];
    const all = readLines(res, (line) => {
      events.push(`line ${JSON.stringify('chunk' in line ? valueOf(line) : line)}`);
      // The generator waits at the gate after w1 until this reader has it.
      if (events.length === 1) {
        events.push('open gate');
        probe.gate!.open();
      }
    });
    const lines = await all;
    expect(events).toEqual(['line "w1"', 'open gate', 'line "w2"', `line ${JSON.stringify({ sy: 1, end: true })}`]);
    expect(lines).toHaveLength(3);
  });

  it('ends a stream that fails mid-way with {"sy":1,"error":<WireFailure>} after the lines already sent', async () => {
    const res = await request(`${worker.url}/execute`, { body: invocation(LbStream, 'failsAfterTwo', []) });
    expect(res.status).toBe(200);
    const lines = res.text.trim().split('\n').map((l) => JSON.parse(l) as WireStreamLine);
    expect(lines.slice(0, 2).map(valueOf)).toEqual([1, 2]);
    expect(lines[2]).toEqual({ sy: WIRE_VERSION, error: expect.objectContaining({ name: 'RangeError', message: 'two is all there is', endpoint: 'lb-stream', method: 'failsAfterTwo' }) });
    expect(lines).toHaveLength(3);
  });

  it('answers a stream that fails before its first value with the ordinary JSON error reply (500)', async () => {
    const res = await request(`${worker.url}/execute`, { body: invocation(LbStream, 'failsAtOnce', []) });
    expect(res.status).toBe(500);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(res.body).toEqual({ sy: WIRE_VERSION, error: expect.objectContaining({ name: 'RangeError', message: 'nothing to stream' }) });
  });

  it('refuses a malformed streaming call as any call (400 JSON), running nothing', async () => {
    const res = await request(`${worker.url}/execute`, { body: invocation(LbStream, 'words', [1, 2]) });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ name: 'InvalidRequestError' });
  });

  it('a caller that hangs up mid-stream closes the generator: its finally runs', async () => {
    const { req, res } = await post(worker.url, invocation(LbStream, 'endless', ['hung-up']));
    let seen = 0;
    void readLines(res, () => {
      if (++seen === 3) req.destroy();
    }).catch(() => undefined);
    await eventually(() => (probe.finallyRan.includes('hung-up') ? true : undefined));
    expect(seen).toBeGreaterThanOrEqual(3);
  });

  it('a caller that hangs up while the method waits aborts its signal, and its finally runs', async () => {
    const { req, res } = await post(worker.url, invocation(LbStream, 'oneThenWait', ['waiting']));
    void readLines(res, () => req.destroy()).catch(() => undefined);
    await eventually(() => (probe.finallyRan.includes('waiting') ? true : undefined));
  });
});

describe('LoadBalancerApi: a streaming reply honours backpressure', () => {
  it("does not resume the generator while the response waits for 'drain', and a paused reader gets every line once it reads", async () => {
    const runtime = createRuntime({ endpoint: 'lb-stream', env: {}, logger: new MemoryLogger() });
    const api = new LoadBalancerApi({
      dispatcher: new Dispatcher({ runtime, endpoints: [LbStream] }),
      metrics: metricsOf(runtime),
      endpoints: ['lb-stream'],
      auth: new BearerAuth(TEST_KEY),
      servesHealth: false,
      healthPath: '/ping',
      maxBodyBytes: 64 * 1024,
      logger: new MemoryLogger(),
    });
    api.state = 'ready';
    const writes: boolean[] = [];
    const server = createServer((req, res) => {
      probe.response = res;
      // Records what each real write() returned: false means the response asked its writer to wait for 'drain'.
      const write = res.write.bind(res) as (chunk: unknown) => boolean;
      res.write = ((chunk: unknown) => {
        const ok = write(chunk);
        writes.push(ok);
        return ok;
      }) as typeof res.write;
      void api.handle(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    probe.needDrainAtResume = [];
    probe.produced = 0;
    try {
      const n = 24;
      const size = 256 * 1024;
      const { res } = await post(url, invocation(LbStream, 'large', [n, size]));
      // The reader holds off until the response has had to wait for a drain at least once.
      res.pause();
      await eventually(() => (writes.includes(false) ? true : undefined));
      const lines = readLines(res);
      res.resume();
      const all = await lines;
      expect(all.slice(0, -1).map((line) => (valueOf(line) as string).split(':')[0])).toEqual(Array.from({ length: n }, (_, i) => String(i + 1)));
      expect(all.at(-1)).toEqual({ sy: WIRE_VERSION, end: true });
      // Each line over the 16 KiB high-water mark made write() return false, and the generator
      // was resumed only after the response had drained.
      expect(writes.slice(0, n)).toEqual(Array.from({ length: n }, () => false));
      expect(probe.needDrainAtResume).toEqual(Array.from({ length: n }, () => false));
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await runtime.close();
    }
  });
});
