// A benchmark child: `serve [port]` starts Switchyard's worker (serve(), http mode) for BenchEcho,
// on `port` when given (the recovery benchmark restarts a killed worker on its old port);
// `bare` starts a bare node:http server that sums a job's two arguments, the baseline of the
// worker benchmark. Prints {"url": ..., "pid": ...} on stdout once listening; exits when stdin closes.
import 'reflect-metadata';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '../src/worker/serve';
import { BENCH_KEY, BenchEcho } from './bench-endpoints';
import { benchLogger } from './bench-logger';
import { exitWithParent, report } from './child-report';

/** Slots per endpoint: high enough that no benchmark (10,000 slow calls at most) queues. */
const WORKER_CONCURRENCY = 20_000;

async function startSwitchyardWorker(port: number): Promise<void> {
  const worker = await serve({
    endpoints: [BenchEcho],
    port,
    apiKey: BENCH_KEY,
    concurrency: WORKER_CONCURRENCY,
    logger: benchLogger('bench-worker'),
    env: {},
  });
  exitWithParent(() => worker.close());
  report({ url: worker.url, pid: process.pid });
}

/** The job fields the bare server reads. */
interface AddJob {
  input: { args: { json: [number, number] } };
}

/**
 * The least a worker can do for `BenchEcho.add(a, b)`: read the body, parse the job, add the two
 * numbers of `input.args.json` and answer a COMPLETED job in RunPod's shape. No auth, routing,
 * validation or deadline: the floor that `serve()` is compared with.
 */
async function startBareServer(): Promise<void> {
  let jobs = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const job = JSON.parse(Buffer.concat(chunks).toString('utf8')) as AddJob;
      const [a, b] = job.input.args.json;
      const text = JSON.stringify({ id: `bare-${++jobs}`, status: 'COMPLETED', output: { sy: 1, result: { json: a + b } } });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  exitWithParent(async () => {
    server.closeAllConnections();
    server.close();
  });
  report({ url: `http://127.0.0.1:${port}`, pid: process.pid });
}

const [kind, port] = process.argv.slice(2);
(kind === 'bare' ? startBareServer() : startSwitchyardWorker(Number(port ?? 0))).catch((error: unknown) => {
  process.stderr.write(`bench worker failed to start: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
