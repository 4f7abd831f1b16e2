/**
 * A real RunPod worker process for the SIGTERM test: hosts one endpoint and runs the job loop
 * against whatever RUNPOD_WEBHOOK_* the parent sets (the test's stand-in job service). Started
 * with `node --conditions=@switchyard/source -r @swc-node/register runpod-worker-child.ts`.
 *
 * `untilSigterm` prints `RUNNING <tag>` and returns only after the process receives SIGTERM,
 * so the signal is sure to arrive while the job runs. The script never calls process.exit:
 * the process must end by itself once the worker has drained.
 */
import 'reflect-metadata';
import { Endpoint, Remote } from '@switchyard/decorators';
import { createRuntime } from '../../src/router/runtime';
import { Dispatcher } from '../../src/worker/dispatcher';
import { startRunpodWorker } from '../../src/worker/runpod-worker';

@Endpoint({ name: 'rp-child' })
class ChildJobs {
  @Remote()
  async untilSigterm(tag: string): Promise<string> {
    const received = new Promise<void>((resolve) => process.once('SIGTERM', () => resolve()));
    process.stdout.write(`RUNNING ${tag}\n`);
    await received;
    return `finished ${tag} after SIGTERM`;
  }
}

async function main(): Promise<void> {
  const runtime = createRuntime({ endpoint: 'rp-child', env: {} });
  const dispatcher = new Dispatcher({ runtime, endpoints: [ChildJobs] });
  const worker = await startRunpodWorker({ dispatcher, handleSignals: true });
  await worker.closed;
  await runtime.close();
  process.stdout.write('CLOSED\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`runpod-worker-child: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
