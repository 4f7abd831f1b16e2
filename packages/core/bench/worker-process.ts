// A benchmark child: `serve` starts Switchyard's worker (serve(), http mode) for BenchEcho;
// `echo` starts a bare node:http JSON echo server, the baseline of the worker benchmark.
// Prints {"url": ...} on stdout once listening; exits when stdin closes.
import 'reflect-metadata';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '../src/worker/serve';
import { BENCH_KEY, BenchEcho } from './bench-endpoints';
import { benchLogger } from './bench-logger';
import { exitWithParent, report } from './child-report';

/** Slots per endpoint: high enough that no benchmark (10,000 slow calls at most) queues. */
const WORKER_CONCURRENCY = 20_000;

async function startSwitchyardWorker(): Promise<void> {
  const worker = await serve({
    endpoints: [BenchEcho],
    apiKey: BENCH_KEY,
    concurrency: WORKER_CONCURRENCY,
    logger: benchLogger('bench-worker'),
    env: {},
  });
  exitWithParent(() => worker.close());
  report({ url: worker.url, pid: process.pid });
}

/** The least a JSON server can do: read the body, parse it, answer it as a COMPLETED job. */
async function startEchoServer(): Promise<void> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { input?: unknown };
      const text = JSON.stringify({ id: 'echo', status: 'COMPLETED', output: body.input });
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

const kind = process.argv[2];
(kind === 'echo' ? startEchoServer() : startSwitchyardWorker()).catch((error: unknown) => {
  process.stderr.write(`bench worker failed to start: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
