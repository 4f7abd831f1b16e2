import 'reflect-metadata';
import { isRouterProxy, DirectoryUnavailableError } from '@switchyard/core';
import { createTestRuntime, startLocalCluster } from '@switchyard/core/testing';
import { ImageProcessor, InvalidImageError, makeImage, Orchestrator, ReportService } from '../src/app';

describe('example app: replacing a remote endpoint through DI', () => {
  it('runs the orchestrator against fakes of the image and report endpoints', async () => {
    const fakeImages: Partial<ImageProcessor> = {
      thumbnail: async (image, maxSide) => {
        if (maxSide > image.width) throw new InvalidImageError('too small', image.width, image.height);
        return { width: maxSide, height: maxSide, pixels: new Uint8Array(maxSide * maxSide), served: { pid: 1 } };
      },
      histogram: async () => ({ bins: new Array(16).fill(0), mean: 0, served: { pid: 2 } }),
    };
    const rendered: string[] = [];
    const fakeReports: Partial<ReportService> = {
      render: async (orderId) => (rendered.push(orderId), { text: `fake ${orderId}`, createdAt: new Date(0), served: { pid: 3 } }),
    };
    await using runtime = createTestRuntime({
      endpoint: 'orchestrator',
      overrides: [
        [ImageProcessor, fakeImages],
        [ReportService, fakeReports],
      ],
    });
    const result = await runtime.get(Orchestrator).processOrder({ orderId: 'o-fake', size: 64, thumbnailSide: 8 });
    expect(result.report).toBe('fake o-fake');
    expect(result.steps.map((s) => s.pid)).toEqual([1, 2, -1, 3]);
    expect(rendered).toEqual(['o-fake']);
  });

  it('never falls back to local for an endpoint that is neither hosted nor overridden', async () => {
    await using runtime = createTestRuntime({ endpoint: 'orchestrator', overrides: [[ImageProcessor, {}]] });
    expect(isRouterProxy(runtime.get(ReportService))).toBe(true);
    await expect(runtime.get(ReportService).render('x', [])).rejects.toBeInstanceOf(DirectoryUnavailableError);
  });
});

describe('example app on a local cluster (real HTTP workers on 127.0.0.1)', () => {
  it('runs the workflow with two replicas of image-processor and spreads calls over both', async () => {
    await using cluster = await startLocalCluster({
      endpoints: [ImageProcessor, ReportService, Orchestrator],
      replicas: { 'image-processor': 2 },
    });
    expect(cluster.addresses['image-processor']).toHaveLength(2);
    const [first, second] = cluster.runtimesFor('image-processor').map((r) => jest.spyOn(r.instanceOf(ImageProcessor), 'histogram'));
    const client = cluster.client();
    const images = client.get(ImageProcessor);
    for (let i = 0; i < 4; i++) await images.histogram(makeImage(16));
    expect(first.mock.calls.length).toBe(2);
    expect(second.mock.calls.length).toBe(2);
    const order = await client.get(Orchestrator).processOrder({ orderId: 'cluster-1', size: 64, thumbnailSide: 8 });
    expect(order.thumbnail.width).toBe(8);
    expect(order.report).toContain('# Report cluster-1');
  });
});
