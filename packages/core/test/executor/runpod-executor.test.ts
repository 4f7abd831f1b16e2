import { Endpoint, Remote } from '@switchyard/decorators';
import { loadDefaults } from '../../src/config';
import {
  CircuitOpenError,
  DeadlineExceededError,
  EndpointUnavailableError,
  InvalidRequestError,
  PayloadTooLargeError,
  RemoteExecutionError,
  RouteNotFoundError,
  SerializationError,
  UnauthorizedError,
} from '../../src/errors';
import { RunpodExecutor } from '../../src/executor/runpod-executor';
import type { RunpodExecutorOptions } from '../../src/executor/runpod-executor';
import { MemoryLogger } from '../../src/observability/logger';
import { isTransportFailure } from '../../src/resilience/transport-failure';
import { dispatchedBy } from '../support/dispatched-worker';
import { address, callRequest, closedPort, decodeResult, rejectionOf, untilAborted } from '../support/helpers';
import { startRunpodStandin } from '../support/runpod-standin';
import type { RunpodStandin } from '../support/runpod-standin';

const KEY = 'sk-test-runpod-key-0123456789';

/** What the worker's resize does in the current test. */
let behaviour: (a: unknown, b: unknown, signal: AbortSignal) => unknown = () => undefined;

@Endpoint({ name: 'image-processor' })
class ImageProcessor {
  @Remote()
  async resize(a?: unknown, b?: unknown, signal?: AbortSignal): Promise<unknown> {
    return behaviour(a, b, signal!);
  }
}

@Endpoint({ name: 'abc123' })
class BareIdEndpoint {
  @Remote()
  async resize(): Promise<string> {
    return 'ok';
  }
}

const worker = dispatchedBy([ImageProcessor, BareIdEndpoint]);
afterAll(() => worker.close());

describe('RunpodExecutor', () => {
  let runpod: RunpodStandin;
  let logger: MemoryLogger;
  const built: RunpodExecutor[] = [];

  const executor = (options: RunpodExecutorOptions = {}): RunpodExecutor => {
    const ex = new RunpodExecutor({
      apiKey: KEY,
      runsyncWaitMs: 5_000,
      pollInitialMs: 2,
      pollMaxMs: 10,
      retryInitialMs: 1,
      retryMaxMs: 5,
      breaker: false,
      logger,
      ...options,
    });
    built.push(ex);
    return ex;
  };
  /** The job the stand-in created last. */
  const lastJob = () => [...runpod.jobs.values()].at(-1)!;

  beforeEach(async () => {
    runpod = await startRunpodStandin({ apiKey: KEY });
    logger = new MemoryLogger();
    behaviour = () => undefined;
  });
  afterEach(async () => {
    await Promise.all(built.splice(0).map((ex) => ex.close()));
    await runpod.close();
  });

  it('returns the output when runsync completes at once, sending the Bearer key and a clamped ?wait', async () => {
    behaviour = (w, h) => ({ width: w, height: h, at: new Date(0) });
    runpod.endpoint('image-processor', { handler: worker.handler });

    const output = await executor().execute(callRequest(runpod.address('image-processor'), [512, 256]));

    expect(decodeResult(output)).toEqual({ width: 512, height: 256, at: new Date(0) });
    expect(runpod.count({ op: 'runsync' })).toBe(1);
    expect(runpod.count({ op: 'status' })).toBe(0);
    const submit = runpod.requests[0];
    expect(submit.method).toBe('POST');
    expect(submit.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(submit.headers['content-type']).toContain('application/json');
    expect(Number(submit.query.wait)).toBeGreaterThanOrEqual(1_000);
    expect(Number(submit.query.wait)).toBeLessThanOrEqual(5_000);
    expect(JSON.parse(submit.body).input).toMatchObject({ sy: 1, endpoint: 'image-processor', method: 'resize' });
  });

  it('asks runsync to wait no longer than the time left minus 1 s, so a job id arrives before the deadline', async () => {
    behaviour = () => 'ok';
    runpod.endpoint('image-processor', { handler: worker.handler });

    await executor({ runsyncWaitMs: 90_000 }).execute(callRequest(runpod.address('image-processor'), [], { timeoutMs: 3_000 }));

    expect(Number(runpod.requests[0].query.wait)).toBeLessThanOrEqual(2_000);
    expect(Number(runpod.requests[0].query.wait)).toBeGreaterThanOrEqual(1_000);
  });

  it('builds the address from baseUrl when the directory gives a bare endpoint id', async () => {
    runpod.endpoint('abc123', { handler: worker.handler });

    const output = await executor().execute(callRequest('abc123', [], { endpoint: 'abc123', baseUrl: runpod.url }));

    expect(decodeResult(output)).toBe('ok');
    expect(runpod.requests[0].path).toBe('/v2/abc123/runsync');
  });

  it('keeps at most half the request slots in long runsync requests and submits the rest via /run, completing all', async () => {
    let running = 0;
    let peak = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    behaviour = async (n) => {
      running++;
      peak = Math.max(peak, running);
      await gate;
      running--;
      return n;
    };
    runpod.endpoint('image-processor', { handler: worker.handler });
    // 4 slots: 2 for runsync, 2 for /run and /status.
    const ex = executor({ maxRequestsPerAddress: 4 });
    const calls = [1, 2, 3, 4, 5, 6].map((n) => ex.execute(callRequest(runpod.address('image-processor'), [n])));
    while (runpod.jobs.size < 6) await new Promise((r) => setTimeout(r, 2));
    release();
    const results = (await Promise.all(calls)).map((o) => decodeResult<number>(o));
    expect(results).toEqual([1, 2, 3, 4, 5, 6]);
    expect(runpod.count({ op: 'runsync' })).toBe(2);
    expect(runpod.count({ op: 'run' })).toBe(4);
    expect(peak).toBe(6); // all six jobs were accepted and ran at once: none waited for a runsync slot
  });

  it('polls /status after runsync returns IN_PROGRESS until COMPLETED, without resubmitting', async () => {
    runpod.endpoint('image-processor', {
      runsyncWaitCapMs: 0,
      handler: worker.handler,
    });
    behaviour = async () => {
      while (lastJob().polls < 2) await new Promise((r) => setTimeout(r, 1));
      return 'resized';
    };

    const output = await executor().execute(callRequest(runpod.address('image-processor'), [1]));

    expect(decodeResult(output)).toBe('resized');
    expect(runpod.count({ op: 'runsync' })).toBe(1);
    expect(runpod.count({ op: 'status' })).toBeGreaterThanOrEqual(2);
    const jobId = [...runpod.jobs.keys()][0];
    expect(runpod.requests.filter((r) => r.op === 'status').every((r) => r.jobId === jobId && r.method === 'GET')).toBe(true);
  });

  it('polls to FAILED and throws RemoteExecutionError with the remote name, message and stack', async () => {
    class ValueError extends Error {
      override name = 'ValueError';
    }
    runpod.endpoint('image-processor', {
      runsyncWaitCapMs: 0,
      handler: worker.handler,
    });
    behaviour = async function resizeOnWorker() {
      while (lastJob().polls < 1) await new Promise((r) => setTimeout(r, 1));
      throw new ValueError('width must be positive');
    };

    const error = await rejectionOf(executor().execute(callRequest(runpod.address('image-processor'), [-1])));

    expect(error).toBeInstanceOf(RemoteExecutionError);
    const remote = error as RemoteExecutionError;
    const jobId = [...runpod.jobs.keys()][0];
    expect(remote.jobId).toBe(jobId);
    expect(remote.endpoint).toBe('image-processor');
    expect(remote.method).toBe('resize');
    expect(remote.remote.name).toBe('ValueError');
    expect(remote.remote.message).toBe('width must be positive');
    expect(remote.remote.stack).toContain('resizeOnWorker');
    expect(remote.message).toBe(`image-processor.resize: failed on endpoint image-processor (job ${jobId}): ValueError: width must be positive`);
    expect(isTransportFailure(error)).toBe(false);
  });

  it('polls to CANCELLED and throws RemoteExecutionError named JobCancelled', async () => {
    runpod.endpoint('image-processor', {
      runsyncWaitCapMs: 0,
      handler: (_input, job) => untilAborted(job.signal),
      endAfterPolls: { polls: 1, status: 'CANCELLED' },
    });

    const error = await rejectionOf(executor().execute(callRequest(runpod.address('image-processor'), [])));

    expect(error).toBeInstanceOf(RemoteExecutionError);
    expect((error as RemoteExecutionError).remote.name).toBe('JobCancelled');
    expect(error.message).toContain('was cancelled on RunPod');
    expect(runpod.count({ op: 'status' })).toBe(1);
  });

  it('polls /status until TIMED_OUT and then stops: a finite number of polls and RemoteExecutionError JobTimedOut', async () => {
    runpod.endpoint('image-processor', {
      runsyncWaitCapMs: 0,
      handler: (_input, job) => untilAborted(job.signal),
      endAfterPolls: { polls: 3, status: 'TIMED_OUT' },
    });

    const error = await rejectionOf(executor().execute(callRequest(runpod.address('image-processor'), [])));

    expect(error).toBeInstanceOf(RemoteExecutionError);
    expect((error as RemoteExecutionError).remote.name).toBe('JobTimedOut');
    expect(error.message).toContain("execution timeout");
    expect(runpod.count({ op: 'status' })).toBe(3);
    expect(runpod.count({ op: 'runsync' })).toBe(1);
  });

  it('cancels the job with /cancel when the deadline passes and throws DeadlineExceededError with the job id', async () => {
    runpod.endpoint('image-processor', { runsyncWaitCapMs: 0, handler: (_input, job) => untilAborted(job.signal) });

    const error = await rejectionOf(executor().execute(callRequest(runpod.address('image-processor'), [], { timeoutMs: 150 })));

    expect(error).toBeInstanceOf(DeadlineExceededError);
    const jobId = [...runpod.jobs.keys()][0];
    expect((error as DeadlineExceededError).jobId).toBe(jobId);
    expect(error.message).toMatch(/did not finish within \d+ ms \(job .+ was cancelled\); raise timeoutMs on the @Remote method or pass \{ timeoutMs \} to runtime\.call/);
    expect(runpod.count({ op: 'cancel', jobId })).toBe(1);
    expect(runpod.jobs.get(jobId)!.status).toBe('CANCELLED');
  });

  it('still throws DeadlineExceededError and logs a warning when /cancel fails', async () => {
    runpod.endpoint('image-processor', {
      runsyncWaitCapMs: 0,
      handler: (_input, job) => untilAborted(job.signal),
      cancel: [{ kind: 'respond', status: 500, body: { error: 'cancel broke' } }],
    });

    const error = await rejectionOf(executor().execute(callRequest(runpod.address('image-processor'), [], { timeoutMs: 100 })));

    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect(runpod.count({ op: 'cancel' })).toBe(1);
    const warning = logger.records.find((r) => r.level === 'warn' && r.message.startsWith('could not cancel job'));
    expect(String(warning?.fields?.reason)).toContain('HTTP 500');
  });

  it('throws DeadlineExceededError without a job id and sends no /cancel when the deadline passes before RunPod answers the submission', async () => {
    runpod.endpoint('image-processor', { submit: [{ kind: 'hang' }] });

    const error = await rejectionOf(executor().execute(callRequest(runpod.address('image-processor'), [], { timeoutMs: 150 })));

    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect((error as DeadlineExceededError).jobId).toBeUndefined();
    expect(error.message).toContain('had not returned a job id');
    expect(runpod.count({ op: 'cancel' })).toBe(0);
    // A budget shorter than runsync's minimum wait goes to /run, which answers with the id at once.
    expect(runpod.count({ op: 'run' })).toBe(1);
    expect(runpod.count({ op: 'runsync' })).toBe(0);
  });

  it('submits to /run when the budget is shorter than runsync can wait, so the job id arrives in time to cancel', async () => {
    runpod.endpoint('image-processor', { handler: (_input, job) => untilAborted(job.signal) });

    const error = await rejectionOf(executor().execute(callRequest(runpod.address('image-processor'), [], { timeoutMs: 300 })));

    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect((error as DeadlineExceededError).jobId).toEqual(expect.any(String));
    expect(runpod.count({ op: 'run' })).toBe(1);
    expect(runpod.count({ op: 'cancel' })).toBe(1);
  });

  it('cancels the job and rethrows the abort reason when the caller aborts', async () => {
    runpod.endpoint('image-processor', { runsyncWaitCapMs: 0, handler: (_input, job) => untilAborted(job.signal) });
    const controller = new AbortController();
    const reason = new Error('the user closed the page');
    runpod.onRequest = (r) => {
      if (r.op === 'status') controller.abort(reason);
    };

    const error = await rejectionOf(executor().execute(callRequest(runpod.address('image-processor'), [], { signal: controller.signal })));

    expect(error).toBe(reason);
    const jobId = [...runpod.jobs.keys()][0];
    expect(runpod.count({ op: 'cancel', jobId })).toBe(1);
    expect(runpod.jobs.get(jobId)!.status).toBe('CANCELLED');
  });

  it('retries a 429 with Retry-After and then succeeds (2 submissions seen by the server)', async () => {
    runpod.endpoint('image-processor', {
      submit: [{ kind: 'respond', status: 429, retryAfter: '1', body: { error: 'rate limited' } }],
      handler: worker.handler,
    });
    behaviour = () => 'second time lucky';

    // Retry-After: 1 s is honoured but capped by maxRetryAfterMs, so the test stays fast.
    const output = await executor({ maxRetryAfterMs: 20 }).execute(callRequest(runpod.address('image-processor'), []));

    expect(decodeResult(output)).toBe('second time lucky');
    expect(runpod.count({ op: 'runsync' })).toBe(2);
    expect(runpod.jobs.size).toBe(1);
    expect(logger.records.some((r) => r.message.startsWith('retrying image-processor.resize on the same replica'))).toBe(true);
    expect(JSON.stringify(logger.records)).not.toContain(KEY);
  });

  it('retries a 503 on submission (not accepted) even for a non-idempotent call', async () => {
    runpod.endpoint('image-processor', {
      submit: [{ kind: 'respond', status: 503, body: { error: 'no capacity' } }],
      handler: worker.handler,
    });
    behaviour = () => 'accepted';

    const output = await executor().execute(callRequest(runpod.address('image-processor'), [], { idempotent: false }));

    expect(decodeResult(output)).toBe('accepted');
    expect(runpod.count({ op: 'runsync' })).toBe(2);
  });

  it('throws a transport failure after submitAttempts when 429 persists', async () => {
    runpod.endpoint('image-processor', {
      submit: [1, 2, 3].map(() => ({ kind: 'respond' as const, status: 429, retryAfter: '0' })),
    });

    const error = await rejectionOf(executor({ submitAttempts: 3 }).execute(callRequest(runpod.address('image-processor'), [])));

    expect(error).toBeInstanceOf(EndpointUnavailableError);
    expect(isTransportFailure(error)).toBe(true);
    expect(error.message).toContain('HTTP 429');
    expect(error.message).toContain('(3 attempts)');
    expect(error.message).toContain('SWITCHYARD_SUBMIT_ATTEMPTS');
    expect(runpod.count({ op: 'runsync' })).toBe(3);
  });

  it('keeps polling after a 503 on /status and never submits the job again', async () => {
    runpod.endpoint('image-processor', {
      runsyncWaitCapMs: 0,
      status: [
        { kind: 'respond', status: 503, body: { error: 'service unavailable' } },
        { kind: 'drop' },
      ],
      handler: worker.handler,
    });
    behaviour = async () => {
      while (lastJob().polls < 3) await new Promise((r) => setTimeout(r, 1));
      return 'done';
    };

    const output = await executor().execute(callRequest(runpod.address('image-processor'), []));

    expect(decodeResult(output)).toBe('done');
    expect(runpod.count({ op: 'runsync' })).toBe(1);
    expect(runpod.count({ op: 'status' })).toBeGreaterThanOrEqual(3);
    expect(runpod.jobs.size).toBe(1);
  });

  it('does not resubmit a non-idempotent call when the connection drops after RunPod accepted it', async () => {
    runpod.endpoint('image-processor', { submit: [{ kind: 'drop', accept: true }], handler: worker.handler });
    behaviour = () => 'ran';

    const error = await rejectionOf(executor().execute(callRequest(runpod.address('image-processor'), [])));

    expect(error).toBeInstanceOf(EndpointUnavailableError);
    expect(isTransportFailure(error)).toBe(true);
    expect(error.message).toContain('not idempotent');
    expect(runpod.count({ op: 'runsync' })).toBe(1);
    expect(runpod.jobs.size).toBe(1);
  });

  it('does not resubmit a non-idempotent call after a 502 (RunPod may have accepted it)', async () => {
    runpod.endpoint('image-processor', { submit: [{ kind: 'respond', status: 502, body: 'Bad Gateway' }] });

    const error = await rejectionOf(executor().execute(callRequest(runpod.address('image-processor'), [])));

    expect(isTransportFailure(error)).toBe(true);
    expect(error.message).toContain('HTTP 502');
    expect(runpod.count({ op: 'runsync' })).toBe(1);
  });

  it('resubmits an idempotent call with the same callId after a dropped connection', async () => {
    runpod.endpoint('image-processor', { submit: [{ kind: 'drop', accept: true }], handler: worker.handler });
    behaviour = () => 'ran';

    const request = callRequest(runpod.address('image-processor'), [], { idempotent: true, retries: 1, callId: 'call-42' });
    const output = await executor().execute(request);

    expect(decodeResult(output)).toBe('ran');
    const submissions = runpod.requests.filter((r) => r.op === 'runsync');
    expect(submissions).toHaveLength(2);
    expect(submissions.map((r) => JSON.parse(r.body).input.callId)).toEqual(['call-42', 'call-42']);
  });

  it('retries a refused connection (nothing was sent) and then throws a typed transport failure', async () => {
    const port = await closedPort();

    const error = await rejectionOf(executor({ submitAttempts: 3 }).execute(callRequest(`http://127.0.0.1:${port}/v2/image-processor`, [])));

    expect(error).toBeInstanceOf(EndpointUnavailableError);
    expect(isTransportFailure(error)).toBe(true);
    expect((error as EndpointUnavailableError).address).toBe(`http://127.0.0.1:${port}/v2/image-processor`);
    expect((error as { jobId?: string }).jobId).toBeUndefined();
    expect(error.message).toContain('connection refused (ECONNREFUSED) (3 attempts)');
    expect((error as EndpointUnavailableError).mayHaveRun).toBe(false);
    expect(logger.records.filter((r) => r.message.startsWith('retrying'))).toHaveLength(2);
  });

  it('refuses a payload over 20 MB before making any request', async () => {
    runpod.endpoint('image-processor', {});
    const big = 'x'.repeat(21 * 1024 * 1024);

    const error = await rejectionOf(executor().execute(callRequest(runpod.address('image-processor'), [big])));

    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect((error as PayloadTooLargeError).limit).toBe(20 * 1024 * 1024);
    expect((error as PayloadTooLargeError).size).toBeGreaterThan(21 * 1024 * 1024);
    expect(error.message).toContain('image-processor.resize');
    expect(error.message).toContain('Pass a URL to the data');
    expect(runpod.requests).toHaveLength(0);
  });

  it('maps a 413 from the server to PayloadTooLargeError with the server message', async () => {
    await runpod.close();
    runpod = await startRunpodStandin({ apiKey: KEY, runsyncLimitBytes: 100 });
    runpod.endpoint('image-processor', {});

    const error = await rejectionOf(executor().execute(callRequest(runpod.address('image-processor'), ['y'.repeat(200)])));

    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect(error.message).toContain('larger than the 100-byte limit');
  });

  it('throws UnauthorizedError on 401 without putting the key in the message', async () => {
    runpod.endpoint('image-processor', {});
    const wrongKey = 'sk-wrong-key-do-not-print-me';

    const error = await rejectionOf(executor({ apiKey: wrongKey }).execute(callRequest(runpod.address('image-processor'), [])));

    expect(error).toBeInstanceOf(UnauthorizedError);
    expect(error.message).toContain('RUNPOD_API_KEY');
    expect(error.message).not.toContain(wrongKey);
    expect(error.message).not.toContain(KEY);
    expect(runpod.count({ op: 'runsync' })).toBe(1);
  });

  it('throws UnauthorizedError naming RUNPOD_API_KEY and sends nothing when no key is set', async () => {
    runpod.endpoint('image-processor', {});

    const error = await rejectionOf(executor({ apiKey: undefined, defaults: loadDefaults({}) }).execute(callRequest(runpod.address('image-processor'), [])));

    expect(error).toBeInstanceOf(UnauthorizedError);
    expect(error.message).toContain('Set RUNPOD_API_KEY');
    expect(runpod.requests).toHaveLength(0);
  });

  it('takes the key from the resolved defaults (RUNPOD_API_KEY) when no apiKey option is given', async () => {
    behaviour = () => 1;
    runpod.endpoint('image-processor', { handler: worker.handler });

    const ex = executor({ apiKey: undefined, defaults: loadDefaults({ RUNPOD_API_KEY: KEY }) });

    expect(decodeResult(await ex.execute(callRequest(runpod.address('image-processor'), [])))).toBe(1);
  });

  it('throws RouteNotFoundError naming the endpoint and address on a 404 from runsync', async () => {
    const url = runpod.address('no-such-endpoint');

    const error = await rejectionOf(executor().execute(callRequest(url, [], { endpoint: 'reports' })));

    expect(error).toBeInstanceOf(RouteNotFoundError);
    expect(error.message).toContain('reports');
    expect(error.message).toContain(`${url}/runsync`);
  });

  it("throws RemoteExecutionError JobNotFound when RunPod's own /status answers 404 (the job expired)", async () => {
    runpod.endpoint('image-processor', {
      runsyncWaitCapMs: 0,
      handler: (_input, job) => untilAborted(job.signal),
      status: [{ kind: 'respond', status: 404, body: { error: 'job not found' } }],
    });

    // The stand-in plays RunPod's job API here: its URL is the base URL, so RunPod holds the job.
    const error = await rejectionOf(executor().execute(callRequest(runpod.address('image-processor'), [], { baseUrl: runpod.url })));

    expect(error).toBeInstanceOf(RemoteExecutionError);
    expect((error as RemoteExecutionError).remote.name).toBe('JobNotFound');
    expect((error as RemoteExecutionError).jobId).toBe([...runpod.jobs.keys()][0]);
    expect(error.message).toContain('no longer known');
  });

  it('treats a 404 on /status from a self-hosted replica as the job lost with its replica: not resubmitted unless idempotent', async () => {
    runpod.endpoint('image-processor', {
      runsyncWaitCapMs: 0,
      handler: (_input, job) => untilAborted(job.signal),
      status: [{ kind: 'respond', status: 404, body: { error: 'job not found' } }],
    });

    const error = await rejectionOf(executor().execute(callRequest(runpod.address('image-processor'), [])));

    expect(error).toBeInstanceOf(EndpointUnavailableError);
    expect(error.message).toContain('stopped answering');
    expect(error.message).toContain('may or may not have run');
    expect((error as EndpointUnavailableError).mayHaveRun).toBe(true);
    expect(runpod.count({ op: 'runsync' })).toBe(1);
  });

  it('throws InvalidRequestError with the server message on a 400', async () => {
    runpod.endpoint('image-processor', { submit: [{ kind: 'respond', status: 400, body: { error: 'input must be an object' } }] });

    const error = await rejectionOf(executor().execute(callRequest(runpod.address('image-processor'), [])));

    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error.message).toContain('input must be an object');
  });

  it('throws SerializationError when a COMPLETED output is not a Switchyard result', async () => {
    runpod.endpoint('image-processor', { handler: () => ({ echo: 'plain python handler' }) });

    const error = await rejectionOf(executor().execute(callRequest(runpod.address('image-processor'), [])));

    expect(error).toBeInstanceOf(SerializationError);
    expect(error.message).toContain('not running a Switchyard worker');
  });

  describe('retry policy', () => {
    const mayHaveRun = {
      '502': { kind: 'respond' as const, status: 502, body: 'Bad Gateway' },
      '504': { kind: 'respond' as const, status: 504, body: 'Gateway Timeout' },
      'a dropped connection': { kind: 'drop' as const },
    };
    it.each(
      (Object.keys(mayHaveRun) as Array<keyof typeof mayHaveRun>).flatMap((answer) => [
        [0, 1, answer],
        [1, 2, answer],
        [2, 3, answer],
      ]) as Array<[number, number, keyof typeof mayHaveRun]>,
    )('an idempotent method with retries: %i is submitted %i time(s) in all against %s that persists', async (retries, submissions, answer) => {
      runpod.endpoint('image-processor', { submit: [1, 2, 3, 4, 5].map(() => mayHaveRun[answer]) });

      const error = await rejectionOf(executor().execute(callRequest(runpod.address('image-processor'), [], { idempotent: true, retries })));

      expect(error).toBeInstanceOf(EndpointUnavailableError);
      expect((error as EndpointUnavailableError).mayHaveRun).toBe(true);
      expect(runpod.count({ op: 'runsync' })).toBe(submissions);
    });

    it('retries a 429 for a method that is not idempotent, since nothing was accepted, and runs it once', async () => {
      behaviour = () => 'ran once';
      runpod.endpoint('image-processor', {
        submit: [1, 2].map(() => ({ kind: 'respond' as const, status: 429, retryAfter: '0' })),
        handler: worker.handler,
      });

      const output = await executor().execute(callRequest(runpod.address('image-processor'), [], { idempotent: false }));

      expect(decodeResult(output)).toBe('ran once');
      expect(runpod.count({ op: 'runsync' })).toBe(3);
      expect(runpod.jobs.size).toBe(1);
    });

    it('tries a replica the call has not tried yet after a refused connection, at once', async () => {
      behaviour = () => 'from the live replica';
      runpod.endpoint('image-processor', { handler: worker.handler });
      const dead = `http://127.0.0.1:${await closedPort()}/v2/image-processor`;

      const output = await executor().execute(callRequest([dead, runpod.address('image-processor')], []));

      expect(decodeResult(output)).toBe('from the live replica');
      expect(runpod.count({ op: 'runsync' })).toBe(1);
      expect(logger.records.some((r) => r.message.startsWith('retrying image-processor.resize on another replica'))).toBe(true);
    });
  });

  describe('circuit breaker', () => {
    it('opens after N consecutive transport failures and then refuses without a request', async () => {
      const port = await closedPort();
      const ex = executor({ submitAttempts: 1, breaker: { threshold: 2, resetMs: 60_000 } });
      const url = `http://127.0.0.1:${port}/v2/image-processor`;

      for (let i = 0; i < 2; i++) expect(await rejectionOf(ex.execute(callRequest(url, [])))).toBeInstanceOf(EndpointUnavailableError);
      expect(ex.isAvailable(address(url))).toBe(false);
      const error = await rejectionOf(ex.execute(callRequest(url, [])));

      expect(error).toBeInstanceOf(CircuitOpenError);
      expect((error as CircuitOpenError).address).toBe(url);
      expect((error as CircuitOpenError).endpoint).toBe('image-processor');
      expect(error.message).toMatch(/probe call will be let through in \d+ ms/);
    });

    it('does not count FAILED jobs from user code', async () => {
      behaviour = () => Promise.reject(new Error('user bug'));
      runpod.endpoint('image-processor', { handler: worker.handler });
      const ex = executor({ breaker: { threshold: 2, resetMs: 60_000 } });
      const url = runpod.address('image-processor');

      for (let i = 0; i < 3; i++) expect(await rejectionOf(ex.execute(callRequest(url, [])))).toBeInstanceOf(RemoteExecutionError);

      expect(ex.isAvailable(address(url))).toBe(true);
      expect(runpod.count({ op: 'runsync' })).toBe(3);
    });

    it('lets one probe through after resetMs while concurrent calls are refused, and closes on success', async () => {
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      runpod.endpoint('image-processor', {
        submit: [{ kind: 'respond', status: 500, body: { error: 'worker crashed' } }],
        handler: worker.handler,
      });
      behaviour = async (n) => {
        if (n === 'probe') await gate;
        return n;
      };
      const ex = executor({ breaker: { threshold: 1, resetMs: 30 } });
      const url = runpod.address('image-processor');

      expect(isTransportFailure(await rejectionOf(ex.execute(callRequest(url, ['first']))))).toBe(true);
      expect(await rejectionOf(ex.execute(callRequest(url, ['while open'])))).toBeInstanceOf(CircuitOpenError);
      await new Promise((r) => setTimeout(r, 40));

      const probe = ex.execute(callRequest(url, ['probe']));
      const concurrent = await rejectionOf(ex.execute(callRequest(url, ['concurrent'])));
      expect(concurrent).toBeInstanceOf(CircuitOpenError);
      expect(concurrent.message).toContain('probe');
      release();
      expect(decodeResult(await probe)).toBe('probe');
      expect(decodeResult(await ex.execute(callRequest(url, ['after'])))).toBe('after');
      expect(runpod.count({ op: 'runsync' })).toBe(3);
    });
  });
});
