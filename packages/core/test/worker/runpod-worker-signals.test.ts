import 'reflect-metadata';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { defaultSerializer } from '../../src/serialization/serializer';
import { WIRE_VERSION, type WireOutput } from '../../src/serialization/wire';
import { RunpodJobService } from '../support/runpod-job-service';

const REPO_ROOT = join(__dirname, '..', '..', '..', '..');
const CHILD = join(__dirname, '..', 'support', 'runpod-worker-child.ts');

/** Resolves when the child's stdout has printed `text`. */
function waitForOutput(child: ChildProcessWithoutNullStreams, text: string, output: { stdout: string; stderr: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (output.stdout.includes(text)) {
        child.stdout.off('data', check);
        child.off('exit', onExit);
        resolve();
      }
    };
    const onExit = (code: number | null): void =>
      reject(new Error(`child exited (${code}) before printing "${text}"\nstdout:\n${output.stdout}\nstderr:\n${output.stderr}`));
    child.stdout.on('data', check);
    child.once('exit', onExit);
    check();
  });
}

describe('startRunpodWorker in a real process', () => {
  let service: RunpodJobService;
  let child: ChildProcessWithoutNullStreams | undefined;

  beforeEach(async () => {
    service = await RunpodJobService.start({ longPollMs: 100 });
  });

  afterEach(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await service.close();
  });

  it('on SIGTERM takes no more jobs, finishes the running job, posts its result and exits with code 0', async () => {
    service.pushJob({
      id: 'job-term',
      input: {
        sy: WIRE_VERSION,
        endpoint: 'rp-child',
        method: 'untilSigterm',
        args: defaultSerializer.encode(['t']),
        callId: randomUUID(),
        deadline: Date.now() + 60_000,
      },
    });
    const output = { stdout: '', stderr: '' };
    child = spawn(process.execPath, ['--conditions=@switchyard/source', '-r', '@swc-node/register', CHILD], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...service.env({ RUNPOD_PING_INTERVAL: '100' }), SWITCHYARD_LOG_LEVEL: 'debug' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child!.once('exit', (code, signal) => resolve({ code, signal })),
    );

    await waitForOutput(child, 'RUNNING t', output);
    child.kill('SIGTERM');
    const { code, signal } = await exited;

    expect({ code, signal, stderr: code === 0 ? '' : output.stderr }).toEqual({ code: 0, signal: null, stderr: '' });
    expect(output.stdout).toContain("CLOSED");
    expect(output.stderr).toMatch(/SIGTERM received: taking no more jobs, finishing 1 job\(s\)/);
    const posted = service.ofKind('done').filter((r) => r.jobId === 'job-term');
    expect(posted.map((r) => r.status)).toEqual([200]);
    const body = JSON.parse(posted[0]!.body) as { output: WireOutput };
    expect(defaultSerializer.decode(body.output.result)).toBe('finished t after SIGTERM');
    // The one take that returned the job is the only take: none while it ran, none after SIGTERM.
    expect(service.ofKind('take')).toHaveLength(1);
    expect(service.requests.filter((r) => r.seq > posted[0]!.seq && r.kind === 'take')).toEqual([]);
  }, 30_000);
});
