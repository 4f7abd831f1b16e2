import { setTimeout as sleep } from 'node:timers/promises';
import { Endpoint, Remote } from '@switchyard/decorators';
import { MemoryLogger } from '../../src/observability/logger';
import { parseJobPolicy } from '../../src/worker/job-policy';
import { serve, type WorkerServer } from '../../src/worker/serve';
import { TEST_KEY, eventually, invocation, request } from '../support/helpers';

/** Per tag: when its method started, and the reason its signal aborted with (if it did). */
const seen = new Map<string, { startedAt: number; aborted?: { name: string; message: string; at: number } }>();

@Endpoint({ name: 'http-policy' })
class PolicyJobs {
  /** Runs until its job's signal aborts. */
  @Remote() async untilAborted(tag: string, signal: AbortSignal): Promise<string> {
    const entry: { startedAt: number; aborted?: { name: string; message: string; at: number } } = { startedAt: Date.now() };
    seen.set(tag, entry);
    await new Promise<void>((resolve) => {
      signal.addEventListener('abort', () => {
        const reason = signal.reason as Error;
        entry.aborted = { name: reason.name, message: reason.message, at: Date.now() };
        resolve();
      }, { once: true });
    });
    return `aborted ${tag}`;
  }

  @Remote() async quick(tag: string): Promise<string> {
    seen.set(tag, { startedAt: Date.now() });
    return `quick ${tag}`;
  }
}

/**
 * RunPod's minimums are 5 s (executionTimeout) and 10 s (ttl), so these specs take that long.
 * Every job is submitted at once in beforeAll, to one worker with 2 slots; each spec then looks
 * at its jobs when their time has come, so the file waits about 10 s in all, not 15.
 */
describe('serve() in http mode: a job\'s policy (executionTimeout, ttl)', () => {
  let worker: WorkerServer;
  let base: string;
  let submittedAt: number;
  const ids: Record<string, string> = {};
  let runsync: Promise<{ status: number; body: Record<string, unknown> }>;

  const status = (id: string) => request(`${base}/status/${id}`);
  const submit = async (tag: string, method: string, policy: unknown) => {
    const res = await request(`${base}/run`, { body: { input: invocation(PolicyJobs, method, [tag]), policy } });
    expect(res.status).toBe(200);
    ids[tag] = res.body.id as string;
  };

  beforeAll(async () => {
    seen.clear();
    worker = await serve({ endpoints: [PolicyJobs], apiKey: TEST_KEY, concurrency: 2, logger: new MemoryLogger() });
    base = `${worker.url}/v2/http-policy`;
    submittedAt = Date.now();
    // Slot 1: below RunPod's 5 s minimum, so clamped to 5 s.
    await submit('timed', 'untilAborted', { executionTimeout: 1 });
    // Slot 2: a runsync job with a 5 s executionTimeout; its reply is the TIMED_OUT job.
    runsync = request(`${base}/runsync?wait=60000`, { body: { input: invocation(PolicyJobs, 'untilAborted', ['sync']), policy: { executionTimeout: 5_000 } } });
    await eventually(() => (seen.has('sync') ? true : undefined));
    // Queued behind them: ttl 10 s; it starts when the first slot frees at 5 s and is deleted at 10 s.
    await submit('ttl-running', 'untilAborted', { ttl: 10_000, lowPriority: true });
    // Queued too; deleted at 10 s. It starts at 5 s as well (slot 2), finishing at once.
    await submit('ttl-finished', 'quick', { ttl: 10_000 });
  });

  afterAll(async () => {
    await worker.close();
  });

  it('ends a job running past policy.executionTimeout TIMED_OUT on /status and aborts its method with DeadlineExceededError', async () => {
    await sleep(Math.max(0, submittedAt + 2_000 - Date.now()));
    // 1 ms was clamped up to RunPod's minimum of 5 s: still running at 2 s.
    expect((await status(ids.timed!)).body.status).toBe('IN_PROGRESS');
    const view = await eventually(async () => {
      const res = await status(ids.timed!);
      return res.body.status === 'TIMED_OUT' ? res.body : undefined;
    }, 400);
    expect(Object.keys(view).sort()).toEqual(['delayTime', 'executionTime', 'id', 'status']);
    expect(view.executionTime as number).toBeGreaterThanOrEqual(4_900);
    const timed = seen.get('timed')!;
    expect(timed.aborted).toMatchObject({ name: 'DeadlineExceededError', message: expect.stringContaining('ran longer than its policy.executionTimeout of 5000 ms, so it was stopped (TIMED_OUT)') });
    expect(timed.aborted!.at - timed.startedAt).toBeGreaterThanOrEqual(4_900);

    const { status: code, body } = await runsync;
    expect(code).toBe(200);
    expect(body).toMatchObject({ status: 'TIMED_OUT', id: expect.stringMatching(/^sync-/) });
    expect(seen.get('sync')!.aborted?.name).toBe('DeadlineExceededError');
  });

  it('deletes a job whose policy.ttl (counted from submit) passed: a running one is aborted, a finished one forgotten, and /status answers 404', async () => {
    // Both queued jobs ran once the first slots freed.
    await eventually(() => (seen.has('ttl-running') && seen.has('ttl-finished') ? true : undefined), 400);
    expect((await status(ids['ttl-finished']!)).body.status).toBe('COMPLETED');
    expect((await status(ids['ttl-running']!)).body.status).toBe('IN_PROGRESS');
    await sleep(Math.max(0, submittedAt + 9_800 - Date.now()));
    const gone = await eventually(async () => {
      const res = await status(ids['ttl-running']!);
      return res.status === 404 ? res : undefined;
    }, 300);
    expect(gone.body.error).toMatch(/^Job ".+" was not found on endpoint "http-policy"/);
    const aborted = seen.get('ttl-running')!.aborted!;
    expect(aborted.name).toBe('DeadlineExceededError');
    expect(aborted.message).toContain('outlived its policy.ttl of 10000 ms (counted from its submission), so it was deleted');
    expect(aborted.at - submittedAt).toBeGreaterThanOrEqual(9_900);
    // A finished job is forgotten at its ttl too, well before its 30-minute result retention.
    // It was submitted a moment after the running one, so its ttl ends a moment later.
    await eventually(async () => ((await status(ids['ttl-finished']!)).status === 404 ? true : undefined), 100);
  });
});

describe('serve() in http mode: a malformed policy', () => {
  let worker: WorkerServer;
  let base: string;

  beforeAll(async () => {
    worker = await serve({ endpoints: [PolicyJobs], apiKey: TEST_KEY, logger: new MemoryLogger() });
    base = `${worker.url}/v2/http-policy`;
  });

  afterAll(() => worker.close());

  it('is refused with 400 naming the field and the allowed range, on /run and /runsync, and nothing runs', async () => {
    const refused = async (op: string, policy: unknown) => {
      seen.clear();
      const res = await request(`${base}/${op}`, { body: { input: invocation(PolicyJobs, 'quick', ['never']), policy } });
      expect(res.status).toBe(400);
      expect(seen.size).toBe(0);
      return res.body.error as string;
    };
    expect(await refused('run', { executionTimeout: '10s' })).toBe(
      'The request\'s "policy.executionTimeout" must be a positive number of milliseconds from 5000 to 604800000 (RunPod\'s range; values outside it are clamped to it), got "10s". Send {"input": {...}, "policy": {"executionTimeout": 600000, "ttl": 86400000}}.',
    );
    expect(await refused('runsync', { ttl: -1 })).toMatch(/^The request's "policy\.ttl" must be a positive number of milliseconds from 10000 to 604800000 .*got -1\./);
    expect(await refused('run', { ttl: 0 })).toMatch(/"policy\.ttl" must be a positive number/);
    expect(await refused('run', 'fast')).toMatch(/^The request's "policy" must be a JSON object, got string\./);
    expect(await refused('run', [5_000])).toMatch(/"policy" must be a JSON object, got an array/);
    expect(await refused('run', { lowPriority: 'yes' })).toMatch(/^The request's "policy\.lowPriority" must be true or false, got string\./);
  });

  it('accepts a policy of null, of unknown fields only, and values above RunPod\'s maximum (clamped to 7 days)', async () => {
    for (const policy of [null, { priority: 'high' }, { executionTimeout: 30 * 24 * 3_600_000, ttl: 1e12 }]) {
      const res = await request(`${base}/runsync`, { body: { input: invocation(PolicyJobs, 'quick', ['ok']), policy } });
      expect(res.body.status).toBe('COMPLETED');
    }
  });
});

describe('parseJobPolicy', () => {
  it("clamps executionTimeout and ttl to RunPod's ranges (5 s to 7 days, 10 s to 7 days) and rounds to whole ms", () => {
    expect(parseJobPolicy({ executionTimeout: 1, ttl: 1e12 })).toEqual({ executionTimeoutMs: 5_000, ttlMs: 604_800_000 });
    expect(parseJobPolicy({ executionTimeout: 30 * 24 * 3_600_000, ttl: 9_999.4 })).toEqual({ executionTimeoutMs: 604_800_000, ttlMs: 10_000 });
    expect(parseJobPolicy({ executionTimeout: 60_000.6 })).toEqual({ executionTimeoutMs: 60_001 });
    expect(parseJobPolicy(undefined)).toEqual({});
    expect(parseJobPolicy({ lowPriority: false, executionTimeout: null })).toEqual({});
  });
});
