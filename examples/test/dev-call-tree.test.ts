import 'reflect-metadata';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime, HttpDirectory } from '@switchyard/core';
import { startDevCluster, type DevCluster } from '@switchyard/core/testing';
// The cluster's parent loads the compiled entry module; the test uses that same module.
const app = require('../dist/app.js') as typeof import('../src/app');

const ENTRY = join(__dirname, '..', 'dist', 'app.js');

// Issue 14: switchyard dev shows each call as it ends, indented under the call that made it,
// from the workers' own call lines (no code in the app).

describe('switchyard dev: the live call tree', () => {
  let cluster: DevCluster;
  const calls: string[] = [];
  const logs: string[] = [];

  beforeAll(async () => {
    cluster = await startDevCluster({
      entry: ENTRY,
      env: { SWITCHYARD_LOG_LEVEL: 'info' },
      onLog: (line) => logs.push(line),
      onEvent: () => undefined,
      onCall: (line) => calls.push(line),
      manifestPath: join(mkdtempSync(join(tmpdir(), 'sy-dev-tree-')), 'dev.manifest.json'),
    });
  }, 60_000);
  afterAll(() => cluster?.stop());

  it('prints the workflow as a tree: the orchestrator job, then the calls it made, with pid, port, latency and outcome', async () => {
    await using runtime = createRuntime({ directory: new HttpDirectory(cluster.directoryUrl, { apiKey: cluster.apiKey }), apiKey: cluster.apiKey, env: {} });
    await runtime.get(app.Orchestrator).processOrder({ orderId: 'order-tree', size: 128, thumbnailSide: 16 });
    const started = Date.now();
    while (!calls.some((l) => l.startsWith('call orchestrator.processOrder')) && Date.now() - started < 5_000) await new Promise((r) => setTimeout(r, 50));
    const workers = new Map(cluster.workers().map((w) => [w.endpoint, w]));
    const at = (endpoint: string) => `pid ${workers.get(endpoint)!.pid} :${workers.get(endpoint)!.port}`;
    const root = calls.findIndex((l) => l.startsWith('call orchestrator.processOrder'));
    expect(root).toBeGreaterThanOrEqual(0);
    expect(calls[root]).toMatch(new RegExp(`^call orchestrator\\.processOrder  ${at('orchestrator')}  \\d+ ms  ok$`));
    const children = calls.slice(root + 1, root + 5);
    // Indented by two spaces under the orchestrator's line, in the order the calls ended.
    expect(children.map((l) => /^call {3}(\S+)  /.exec(l)?.[1])).toEqual(['image-processor.thumbnail', 'image-processor.histogram', 'image-processor.thumbnail', 'report.render']);
    expect(children[0]).toContain(at('image-processor'));
    expect(children[2]).toMatch(/InvalidImageError$/);
    expect(children[3]).toContain(at('report'));
    // The tree replaces the per-call log lines; other worker lines still read as text.
    expect(logs.some((l) => l.includes('"message"'))).toBe(false);
    expect(logs.some((l) => /\] info  .*called|\] info  .*ran /.test(l))).toBe(false);
  });
});
