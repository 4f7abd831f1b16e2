// `pnpm demo`: starts the example app on a local dev cluster (one worker process per endpoint,
// an embedded directory, the RunPod job protocol over loopback HTTP), runs the workflow from a
// client runtime, prints where every call ran, then stops everything.
import 'reflect-metadata';
import { join } from 'node:path';
import { createRuntime, HttpDirectory, InvalidRequestError } from '@switchyard/core';
import { startDevCluster } from '@switchyard/core/testing';
import { ImageProcessor, makeImage, Orchestrator, ReportSection, ReportService } from './app';

interface Row {
  caller: string;
  call: string;
  where: string;
  ms: number;
  result: string;
}

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  const started = performance.now();
  console.log('Switchyard demo: three endpoints, each in its own worker process, called through the RunPod job protocol on 127.0.0.1.\n');
  const cluster = await startDevCluster({
    entry: join(__dirname, 'app.js'),
    env: { SWITCHYARD_LOG_LEVEL: 'warn' },
    onEvent: (line) => console.log(`  dev: ${line}`),
  });
  const runtime = createRuntime({
    directory: new HttpDirectory(cluster.directoryUrl, { apiKey: cluster.apiKey }),
    apiKey: cluster.apiKey,
    env: {},
  });
  try {
    const workers = cluster.workers();
    const portOf = new Map(workers.map((w) => [w.endpoint, w.port]));
    const pidToEndpoint = new Map(workers.map((w) => [w.pid, w.endpoint]));
    const pidOf = new Map(workers.map((w) => [w.endpoint, w.pid]));
    console.log(table(['endpoint', 'url', 'pid', 'methods'], workers.map((w) => [w.endpoint, w.url, String(w.pid), w.methods.join(', ')])));
    console.log('');

    const rows: Row[] = [];
    // A failed call carries no pid of its own: the worker that refused it is the endpoint's.
    const where = (endpoint: string, pid = pidOf.get(endpoint)) => `pid ${pid} :${portOf.get(endpoint)}`;
    const client = `client (pid ${process.pid})`;

    // 1. The whole workflow: client → orchestrator, which calls image-processor and report itself.
    const orchestrator = runtime.get(Orchestrator);
    let t = performance.now();
    const order = await orchestrator.processOrder({ orderId: 'order-1042', size: 256, thumbnailSide: 32 });
    rows.push({ caller: client, call: 'orchestrator.processOrder', where: where('orchestrator', order.served.pid), ms: performance.now() - t, result: `thumbnail ${order.thumbnail.width}x${order.thumbnail.height}, ${order.steps.length} inner calls` });
    for (const step of order.steps) {
      const endpoint = step.call.split('.')[0];
      rows.push({ caller: `  orchestrator (pid ${order.served.pid})`, call: step.call, where: where(endpoint, step.pid > 0 ? step.pid : undefined), ms: step.ms, result: step.summary });
    }

    // 2. Direct calls from the client with binary and class payloads.
    const images = runtime.get(ImageProcessor);
    const image = makeImage(1024); // 1 MiB of pixels, sent as base64
    t = performance.now();
    const hist = await images.histogram(image);
    rows.push({ caller: client, call: 'image-processor.histogram', where: where('image-processor', hist.served.pid), ms: performance.now() - t, result: `1 MiB in, mean ${hist.mean.toFixed(1)}` });

    const reports = runtime.get(ReportService);
    t = performance.now();
    const report = await reports.render('direct-7', [new ReportSection('Hello', ['sent as a registered class'])]);
    rows.push({ caller: client, call: 'report.render', where: where('report', report.served.pid), ms: performance.now() - t, result: `${report.text.length} chars, createdAt is a Date: ${report.createdAt instanceof Date}` });

    // 3. A call that fails on purpose: the worker validates the DTO and lists the violations.
    t = performance.now();
    try {
      await orchestrator.processOrder({ orderId: 'x', size: 4, thumbnailSide: 32 });
      throw new Error('the invalid order was accepted');
    } catch (error) {
      if (!(error instanceof InvalidRequestError)) throw error;
      rows.push({ caller: client, call: 'orchestrator.processOrder', where: where('orchestrator'), ms: performance.now() - t, result: `refused as expected, ${error.details.length} violation(s): ${error.details.join('; ')}` });
    }

    console.log(table(['caller', 'endpoint.method', 'ran at', 'latency', 'result'], rows.map((r) => [r.caller, r.call, r.where, `${r.ms.toFixed(1)} ms`, r.result])));

    const remotePids = new Set([order.served.pid, hist.served.pid, report.served.pid, ...order.steps.filter((s) => s.pid > 0).map((s) => s.pid)]);
    for (const pid of remotePids) {
      if (pid === process.pid || !pidToEndpoint.has(pid)) throw new Error(`a call ran in pid ${pid}, which is not a worker of the cluster`);
    }
    console.log(`\n${rows.length} calls, ${remotePids.size} worker processes (none of them this client, pid ${process.pid}), ${(performance.now() - started).toFixed(0)} ms in all.`);
  } finally {
    await runtime.close();
    await cluster.stop();
  }
  console.log('All workers stopped; no process is left running.');
}

main().then(
  () => process.exit(0),
  (error: Error) => {
    console.error(`demo failed: ${error.stack ?? error.message}`);
    process.exit(1);
  },
);
