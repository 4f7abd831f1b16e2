/**
 * A real RunPod worker process whose method blocks its main thread: `spin(ms)` busy-loops for
 * `ms` without yielding, as a CPU-bound step or a synchronous native call would. It runs the job
 * loop against the RUNPOD_WEBHOOK_* the parent sets (the test's stand-in job service). Started
 * with `node --conditions=@switchyard/source -r @swc-node/register runpod-spin-child.ts`; ends
 * by itself after SIGTERM.
 */
import 'reflect-metadata';
import { Endpoint, Remote } from '@switchyard/decorators';
import { createRuntime } from '../../../src/router/runtime';
import { Dispatcher } from '../../../src/worker/dispatcher';
import { startRunpodWorker } from '../../../src/worker/runpod-worker';

@Endpoint({ name: 'rp-spin' })
class SpinJobs {
  @Remote()
  async spin(ms: number): Promise<{ startedAt: number; endedAt: number }> {
    const startedAt = Date.now();
    while (Date.now() - startedAt < ms) {
      // Busy: no await, no timer, nothing else runs on this thread.
    }
    return { startedAt, endedAt: Date.now() };
  }
}

async function main(): Promise<void> {
  const runtime = createRuntime({ endpoint: 'rp-spin', env: {} });
  const dispatcher = new Dispatcher({ runtime, endpoints: [SpinJobs] });
  const worker = await startRunpodWorker({ dispatcher, handleSignals: true });
  await worker.closed;
  await runtime.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`runpod-spin-child: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
