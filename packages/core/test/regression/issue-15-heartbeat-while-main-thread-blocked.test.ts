// Issue 15: the RunPod heartbeat ran on the worker's main event loop, so a method that blocked it
// (a CPU-bound step) silenced the heartbeat, and RunPod took the worker for dead. runpod-python
// pings from a process of its own; Switchyard now pings from a worker thread that the main
// thread tells the in-progress job ids. Here a real worker process spins its main thread for
// 3 s while the stand-in job service records when each ping arrives.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { defaultSerializer } from '../../src/serialization/serializer';
import { WIRE_VERSION, type WireOutput } from '../../src/serialization/wire';
import { RunpodJobService } from '../support/runpod-job-service';

const REPO_ROOT = join(__dirname, '..', '..', '..', '..');
const CHILD = join(__dirname, '..', 'worker', 'support', 'runpod-spin-child.ts');
const INTERVAL_MS = 200;
const SPIN_MS = 3_000;

describe('issue 15: heartbeats keep their cadence while a method blocks the main thread', () => {
  let service: RunpodJobService;
  let child: ChildProcessWithoutNullStreams | undefined;
  let sampler: NodeJS.Timeout | undefined;

  beforeEach(async () => {
    service = await RunpodJobService.start({ longPollMs: 100 });
  });

  afterEach(async () => {
    clearInterval(sampler);
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await service.close();
  });

  it(`pings every ~${INTERVAL_MS} ms naming the running job during a ${SPIN_MS} ms spin, then the process exits on SIGTERM`, async () => {
    // When each request arrived, sampled every 5 ms from this (unblocked) process.
    const arrivals = new Map<number, number>();
    sampler = setInterval(() => {
      for (const r of service.requests) if (!arrivals.has(r.seq)) arrivals.set(r.seq, Date.now());
    }, 5);
    service.pushJob({
      id: 'job-spin',
      input: { sy: WIRE_VERSION, endpoint: 'rp-spin', method: 'spin', args: defaultSerializer.encode([SPIN_MS]), callId: randomUUID(), deadline: Date.now() + 60_000 },
    });
    let stderr = '';
    child = spawn(process.execPath, ['--conditions=@switchyard/source', '-r', '@swc-node/register', CHILD], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...service.env({ RUNPOD_PING_INTERVAL: String(INTERVAL_MS) }), SWITCHYARD_LOG_LEVEL: 'debug' },
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.resume();
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));

    const { body } = await service.waitForResult('job-spin', 20_000);
    const { startedAt, endedAt } = defaultSerializer.decode<{ startedAt: number; endedAt: number }>((body.output as WireOutput).result);
    expect(endedAt - startedAt).toBeGreaterThanOrEqual(SPIN_MS);

    const during = service
      .ofKind('ping')
      .filter((r) => r.query.job_id === 'job-spin' && (arrivals.get(r.seq) ?? 0) > startedAt && (arrivals.get(r.seq) ?? Infinity) < endedAt)
      .map((r) => arrivals.get(r.seq)!);
    const gaps = during.slice(1).map((t, i) => t - during[i]!);
    const sorted = [...gaps].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    // 15 expected; leave room for a loaded machine, but none may go missing for long.
    expect(during.length).toBeGreaterThanOrEqual(10);
    expect(median).toBeGreaterThanOrEqual(INTERVAL_MS * 0.75);
    expect(median).toBeLessThanOrEqual(INTERVAL_MS * 1.5);
    expect(sorted.at(-1)!).toBeLessThan(INTERVAL_MS * 4);
    // Every ping names the in-progress job with the raw key, as before.
    const ping = service.ofKind('ping').find((r) => r.query.job_id === 'job-spin')!;
    expect(ping.path).toBe('/v2/ep/ping/worker-1');
    expect(ping.headers.authorization).toBe('ai-key');
    expect(ping.query.runpod_version).toMatch(/^switchyard-/);

    // Once the job is reported, the heartbeat says so; and the thread does not keep the process alive.
    await service.waitFor((r) => r.kind === 'ping' && r.query.job_id === '' && (arrivals.get(r.seq) ?? Infinity) > endedAt, 5_000, 'an idle ping');
    child.kill('SIGTERM');
    expect({ code: await exited, stderr: /error/i.test(stderr) ? stderr : '' }).toEqual({ code: 0, stderr: '' });
  }, 30_000);
});
