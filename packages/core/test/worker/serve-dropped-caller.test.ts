import { request as httpRequest, type ClientRequest } from 'node:http';
import { Endpoint, Remote } from '@switchyard/decorators';
import { MemoryLogger } from '../../src/observability/logger';
import { serve, type ServeMode, type WorkerServer } from '../../src/worker/serve';
import { TEST_KEY, eventually, gate, invocation, request, type Gate } from '../support/helpers';

const probe = { started: [] as string[], aborted: [] as string[], finished: [] as string[], gates: new Map<string, Gate<void>>() };

@Endpoint({ name: 'dropped-caller' })
class SlowJobs {
  /** Runs until its gate opens (or 20 s pass), unless its signal aborts first. */
  @Remote() async slow(tag: string, signal: AbortSignal): Promise<string> {
    probe.started.push(tag);
    const aborted = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 20_000);
      signal.addEventListener('abort', () => (clearTimeout(timer), resolve(true)), { once: true });
      void probe.gates.get(tag)?.promise.then(() => (clearTimeout(timer), resolve(false)));
    });
    if (aborted) {
      probe.aborted.push(tag);
      throw signal.reason;
    }
    probe.finished.push(tag);
    return `finished ${tag}`;
  }
}

/** Sends a JSON POST with a real client and returns the request, so the test can hang up mid-call. */
function post(url: string, body: unknown): { req: ClientRequest; closed: Promise<void> } {
  const text = JSON.stringify(body);
  const req = httpRequest(url, { method: 'POST', headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) } });
  const closed = new Promise<void>((resolve) => req.once('close', () => resolve()));
  req.on('error', () => undefined); // the hang-up below is ours
  req.end(text);
  return { req, closed };
}

describe('a caller that hangs up before the answer', () => {
  let worker: WorkerServer;
  let logger: MemoryLogger;

  async function start(mode: ServeMode): Promise<void> {
    logger = new MemoryLogger();
    worker = await serve({ endpoints: [SlowJobs], apiKey: TEST_KEY, mode, port: 0, logger });
  }

  beforeEach(() => {
    probe.started.length = 0;
    probe.aborted.length = 0;
    probe.finished.length = 0;
    probe.gates.clear();
  });

  afterEach(async () => {
    for (const g of probe.gates.values()) g.open();
    await worker.close();
  });

  it('http mode: a dropped /runsync cancels its job: the method sees its signal abort and does not run to the end; the job ends CANCELLED', async () => {
    await start('http');
    const base = `${worker.url}/v2/dropped-caller`;
    const call = post(`${base}/runsync`, { input: invocation(SlowJobs, 'slow', ['dropped']) });
    await eventually(() => (probe.started.includes('dropped') ? true : undefined));
    call.req.destroy();
    await call.closed;
    await eventually(() => (probe.aborted.includes('dropped') ? true : undefined));
    const record = await eventually(() => logger.records.find((r) => /the \/runsync caller disconnected before job .+ finished, so the job was cancelled/.test(r.message)));
    const jobId = record.fields!.jobId as string;
    expect(jobId).toMatch(/^sync-/);
    expect((await request(`${base}/status/${jobId}`)).body.status).toBe('CANCELLED');
    expect(probe.finished).toEqual([]);
    // The worker goes on serving.
    probe.gates.set('next', gate());
    probe.gates.get('next')!.open();
    expect((await request(`${base}/runsync`, { body: { input: invocation(SlowJobs, 'slow', ['next']) } })).body.status).toBe('COMPLETED');
  });

  it('http mode: a /runsync answered with the job id (its wait ran out) leaves the job running for the caller to poll', async () => {
    await start('http');
    const base = `${worker.url}/v2/dropped-caller`;
    const held = gate();
    probe.gates.set('polled', held);
    const { body } = await request(`${base}/runsync?wait=1000`, { body: { input: invocation(SlowJobs, 'slow', ['polled']) } });
    expect(body.status).toBe('IN_PROGRESS');
    held.open();
    const done = await eventually(async () => {
      const view = (await request(`${base}/status/${body.id as string}`)).body;
      return view.status === 'COMPLETED' ? view : undefined;
    });
    expect(done.status).toBe('COMPLETED');
    expect(probe.aborted).toEqual([]);
  });

  it('load-balancer mode: a dropped /execute aborts the method signal, and the method does not run to the end', async () => {
    await start('load-balancer');
    const call = post(`${worker.url}/execute`, invocation(SlowJobs, 'slow', ['lb-dropped']));
    await eventually(() => (probe.started.includes('lb-dropped') ? true : undefined));
    call.req.destroy();
    await eventually(() => (probe.aborted.includes('lb-dropped') ? true : undefined));
    expect(probe.finished).toEqual([]);
  });
});
