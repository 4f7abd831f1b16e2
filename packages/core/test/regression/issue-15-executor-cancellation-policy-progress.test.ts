import type { IncomingMessage } from 'node:http';
import { Endpoint, Remote } from '@switchyard/decorators';
import { StaticDirectory } from '../../src/directory/static-directory';
import { MemoryLogger } from '../../src/observability/logger';
import { createRuntime } from '../../src/router/runtime';
import { defaultSerializer } from '../../src/serialization/serializer';
import { eventually, rejectionOf, send, startScriptedServer, type ScriptedServer } from '../support/helpers';

// Issue 15 (the caller's side): every submitted job carries RunPod's `policy` from the call's
// budget; an abort during /run cancels the job once its id arrives; progress reported on
// /status reaches onProgress; a job left queued is explained once in the log. The stand-in is
// RunPod's job API (protocol reference §1), nothing of Switchyard's own.

const KEY = 'rp-policy-test-key';

@Endpoint({ name: 'pol' })
class Pol {
  @Remote()
  async work(n: number): Promise<number> {
    return n;
  }
}

function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString('utf8')));
    req.on('end', () => resolve(text ? (JSON.parse(text) as Record<string, unknown>) : {}));
  });
}

const completed = (id: string, value: unknown) => ({ id, status: 'COMPLETED', delayTime: 3, executionTime: 5, output: { sy: 1, result: defaultSerializer.encode(value) } });

describe('regression (issue 15): the executor and the job', () => {
  let stub: ScriptedServer;
  const bodies: Array<Record<string, unknown>> = [];
  beforeEach(async () => {
    bodies.length = 0;
    stub = await startScriptedServer((_req, res) => send(res, 500, { error: 'unscripted' }));
  });
  afterEach(() => stub.close());

  function runtime(env: Record<string, string> = {}, logger = new MemoryLogger()) {
    return createRuntime({ env: { RUNPOD_API_KEY: KEY, SWITCHYARD_POLL_INITIAL_MS: '20', SWITCHYARD_POLL_MAX_MS: '40', ...env }, logger, directory: new StaticDirectory({ pol: `${stub.url}v2/pol` }) });
  }

  it("sends RunPod's policy derived from the call's remaining budget, with RunPod's minimums", async () => {
    stub.respond(async (req, res) => {
      bodies.push(await readJson(req));
      send(res, 200, completed('job-1', 7));
    });
    await using rt = runtime();
    expect(await rt.call(Pol, 'work', [7], { timeoutMs: 60_000 })).toBe(7);
    expect(await rt.call(Pol, 'work', [7], { timeoutMs: 2_000 })).toBe(7);
    const [long, short] = bodies.map((b) => b.policy as { executionTimeout: number; ttl: number });
    expect(long.executionTimeout).toBeGreaterThan(58_000);
    expect(long.executionTimeout).toBeLessThanOrEqual(60_000);
    expect(long.ttl).toBe(long.executionTimeout + 5_000);
    expect(short).toEqual({ executionTimeout: 5_000, ttl: 10_000 });
    expect((bodies[0].input as { method: string }).method).toBe('work');
  });

  it('rejects an abort during /run at once, and cancels the job when its id arrives', async () => {
    stub.respond((req, res) => {
      if (req.url?.includes('/run')) setTimeout(() => send(res, 200, { id: 'job-late', status: 'IN_QUEUE' }), 400);
      else if (req.url?.includes('/cancel/job-late')) send(res, 200, { id: 'job-late', status: 'CANCELLED' });
      else send(res, 404, { error: 'unknown' });
    });
    // A short budget sends /run (runsync's shortest wait would outlive it).
    await using rt = runtime();
    const controller = new AbortController();
    const started = Date.now();
    const pending = rt.call(Pol, 'work', [1], { timeoutMs: 900, signal: controller.signal });
    setTimeout(() => controller.abort(new Error('caller gave up')), 50);
    const error = await rejectionOf(pending);
    expect(error.message).toBe('caller gave up');
    expect(Date.now() - started).toBeLessThan(350);
    await eventually(() => (stub.requests.some((r) => r.method === 'POST' && r.url.endsWith('/cancel/job-late')) ? true : undefined));
  });

  it('passes each new progress update to onProgress, decoded, then the result', async () => {
    let polls = 0;
    stub.respond((req, res) => {
      if (req.url?.endsWith('/run')) return send(res, 200, { id: 'job-p', status: 'IN_QUEUE' });
      polls++;
      if (polls <= 2) return send(res, 200, { id: 'job-p', status: 'IN_PROGRESS', output: { sy: 1, progress: defaultSerializer.encode({ pct: 50, at: new Date(0) }) } });
      if (polls === 3) return send(res, 200, { id: 'job-p', status: 'IN_PROGRESS', output: { sy: 1, progress: defaultSerializer.encode({ pct: 90, at: new Date(0) }) } });
      send(res, 200, completed('job-p', 3));
    });
    await using rt = runtime();
    const updates: unknown[] = [];
    expect(await rt.call(Pol, 'work', [3], { onProgress: (u) => updates.push(u) })).toBe(3);
    expect(updates).toEqual([
      { pct: 50, at: new Date(0) },
      { pct: 90, at: new Date(0) },
    ]);
    expect(stub.requests[0].url).toMatch(/\/v2\/pol\/run$/);
  });

  it('says once, with the workers from /health, when a job waits in the queue', async () => {
    let polls = 0;
    stub.respond((req, res) => {
      if (req.url?.endsWith('/run')) return send(res, 200, { id: 'job-q', status: 'IN_QUEUE' });
      if (req.url?.endsWith('/health')) return send(res, 200, { jobs: { inQueue: 1 }, workers: { running: 0, idle: 0, initializing: 1 } });
      polls++;
      send(res, 200, polls < 6 ? { id: 'job-q', status: 'IN_QUEUE' } : completed('job-q', 4));
    });
    const logger = new MemoryLogger();
    await using rt = runtime({ SWITCHYARD_COLD_START_NOTICE_MS: '30' }, logger);
    expect(await rt.call(Pol, 'work', [4], { onProgress: () => undefined })).toBe(4);
    const notices = await eventually(() => {
      const found = logger.records.filter((r) => r.message.includes('has been queued for'));
      return found.length > 0 ? found : undefined;
    });
    expect(notices).toHaveLength(1);
    expect(notices[0].level).toBe('info');
    expect(notices[0].message).toContain('endpoint pol has 0 running worker(s) and 0 idle, 1 starting; job job-q of pol.work has been queued for');
  });
});
