import 'reflect-metadata';
import { connect } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime, HttpDirectory, InvalidRequestError } from '@switchyard/core';
import { startDevCluster, type DevCluster } from '@switchyard/core/testing';
// The cluster's parent loads the compiled entry module; the test uses that same module so that
// each endpoint class is declared once in this process.
const app = require('../dist/app.js') as typeof import('../src/app');

const ENTRY = join(__dirname, '..', 'dist', 'app.js');

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

async function waitFor(condition: () => boolean | Promise<boolean>, what: string, tries = 200): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('switchyard dev with the example app (real worker processes)', () => {
  let cluster: DevCluster;
  const events: string[] = [];

  beforeAll(async () => {
    cluster = await startDevCluster({
      entry: ENTRY,
      env: { SWITCHYARD_LOG_LEVEL: 'warn' },
      onLog: () => undefined,
      onEvent: (line) => events.push(line),
      maxRestarts: 1,
      // Its own folder: other suites may run `switchyard dev` in the repository at the same time.
      manifestPath: join(mkdtempSync(join(tmpdir(), 'sy-dev-e2e-')), 'dev.manifest.json'),
    });
  }, 60_000);

  afterAll(async () => {
    await cluster?.stop();
  });

  const client = () =>
    createRuntime({ directory: new HttpDirectory(cluster.directoryUrl, { apiKey: cluster.apiKey, ttlMs: 50 }), apiKey: cluster.apiKey, env: {} });

  it('starts one worker process per endpoint on loopback and lists their methods', () => {
    const workers = cluster.workers();
    expect(workers.map((w) => w.endpoint).sort()).toEqual(['image-processor', 'orchestrator', 'report']);
    for (const w of workers) {
      expect(w.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${w.port}/v2/${w.endpoint}$`));
      expect(w.pid).not.toBe(process.pid);
      expect(isAlive(w.pid)).toBe(true);
    }
    expect(workers.find((w) => w.endpoint === 'image-processor')?.methods.sort()).toEqual(['histogram', 'thumbnail']);
  });

  it('runs the workflow with every call on the expected endpoint process', async () => {
    const runtime = client();
    try {
      const pidOf = new Map(cluster.workers().map((w) => [w.endpoint, w.pid]));
      const order = await runtime.get(app.Orchestrator).processOrder({ orderId: 'order-e2e', size: 128, thumbnailSide: 16 });
      expect(order.served.pid).toBe(pidOf.get('orchestrator'));
      expect(order.thumbnail.width).toBe(16);
      expect(order.thumbnail.pixels).toBeInstanceOf(Uint8Array);
      expect(order.thumbnail.pixels).toHaveLength(256);
      expect(order.report).toContain('# Report order-e2e');
      expect(order.report).toContain('InvalidImageError handled');
      const ran = order.steps.filter((s) => s.pid > 0).map((s) => [s.call, s.pid]);
      expect(ran).toEqual([
        ['image-processor.thumbnail', pidOf.get('image-processor')],
        ['image-processor.histogram', pidOf.get('image-processor')],
        ['report.render', pidOf.get('report')],
      ]);
      const hist = await runtime.get(app.ImageProcessor).histogram(app.makeImage(64));
      expect(hist.served.pid).toBe(pidOf.get('image-processor'));
      expect(hist.bins.reduce((a, b) => a + b, 0)).toBe(64 * 64);
    } finally {
      await runtime.close();
    }
  });

  it('crosses the wire with a registered error and a DTO validation error', async () => {
    const runtime = client();
    try {
      const images = runtime.get(app.ImageProcessor);
      const small = app.makeImage(8);
      await expect(images.thumbnail(small, 64)).rejects.toBeInstanceOf(app.InvalidImageError);
      const refused = await runtime.get(app.Orchestrator).processOrder({ orderId: 'x', size: 1, thumbnailSide: 8 }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(InvalidRequestError);
      expect((refused as InvalidRequestError).details.join('\n')).toMatch(/orderId/);
      expect((refused as InvalidRequestError).details.join('\n')).toMatch(/size/);
    } finally {
      await runtime.close();
    }
  });

  it('reports a crashed worker with its exit code and restarts it', async () => {
    const before = cluster.workers().find((w) => w.endpoint === 'report')!;
    process.kill(before.pid, 'SIGKILL');
    await waitFor(() => cluster.workers().some((w) => w.endpoint === 'report' && w.pid !== before.pid), 'the restarted report worker');
    const after = cluster.workers().find((w) => w.endpoint === 'report')!;
    expect(after.restarts).toBe(1);
    expect(events.some((e) => e.includes(`report (pid ${before.pid}) crashed with exit code SIGKILL`))).toBe(true);
    const runtime = client();
    try {
      await waitFor(async () => {
        const r = await runtime.get(app.ReportService).render('again', []).catch(() => undefined);
        return r?.served.pid === after.pid;
      }, 'a call served by the new report worker');
    } finally {
      await runtime.close();
    }
  });

  it('leaves no child process alive and no port listening after stop', async () => {
    const workers = cluster.workers();
    const directoryPort = Number(new URL(cluster.directoryUrl).port);
    await cluster.stop();
    for (const w of workers) {
      expect(isAlive(w.pid)).toBe(false);
      await expect(portAnswers(w.port)).resolves.toBe(false);
    }
    await expect(portAnswers(directoryPort)).resolves.toBe(false);
  });
});
