import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { Endpoint, Remote } from '@switchyard/decorators';
import { inject } from 'tsyringe';
import { RemoteExecutionError } from '../../src/errors';
import { startLocalCluster, type LocalCluster } from '../../src/testing';
import { rejectionOf } from '../support/helpers';

// Issue 14: a call from a client through an orchestrator endpoint to a second endpoint is one
// trace: client span → orchestrator's server span → its client span → the second's server span.

@Endpoint({ name: 'trace-stock' })
class TraceStock {
  @Remote()
  async level(sku: string): Promise<number> {
    if (sku === 'missing' || sku.startsWith('key:')) throw new RangeError(`no stock record for ${sku}`);
    return 4;
  }
}

@Endpoint({ name: 'trace-shop' })
class TraceShop {
  constructor(@inject(TraceStock) private readonly stock: TraceStock) {}

  @Remote()
  async available(sku: string): Promise<boolean> {
    return (await this.stock.level(sku)) > 0;
  }
}

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const contextManager = new AsyncLocalStorageContextManager();

function byName(spans: readonly ReadableSpan[], name: string, kind: SpanKind): ReadableSpan {
  const found = spans.filter((s) => s.name === name && s.kind === kind);
  expect(found).toHaveLength(1);
  return found[0];
}

describe('traces across hops (issue 14)', () => {
  let cluster: LocalCluster;
  beforeAll(async () => {
    context.setGlobalContextManager(contextManager.enable());
    trace.setGlobalTracerProvider(provider);
    cluster = await startLocalCluster({ endpoints: [TraceShop, TraceStock] });
  });
  afterAll(async () => {
    await cluster.stop();
    await provider.shutdown();
    trace.disable();
    context.disable();
  });
  beforeEach(() => exporter.reset());

  it('makes a three-hop call one trace with the right parents and attributes', async () => {
    expect(await cluster.client().get(TraceShop).available('sku-1')).toBe(true);
    const spans = exporter.getFinishedSpans();
    const client = byName(spans, 'trace-shop.available', SpanKind.CLIENT);
    const shop = byName(spans, 'trace-shop.available', SpanKind.SERVER);
    const nested = byName(spans, 'trace-stock.level', SpanKind.CLIENT);
    const stock = byName(spans, 'trace-stock.level', SpanKind.SERVER);

    const traceId = client.spanContext().traceId;
    for (const span of [shop, nested, stock]) expect(span.spanContext().traceId).toBe(traceId);
    expect(client.parentSpanContext).toBeUndefined();
    expect(shop.parentSpanContext?.spanId).toBe(client.spanContext().spanId);
    expect(nested.parentSpanContext?.spanId).toBe(shop.spanContext().spanId);
    expect(stock.parentSpanContext?.spanId).toBe(nested.spanContext().spanId);

    expect(client.attributes).toMatchObject({
      'rpc.system': 'switchyard',
      'rpc.service': 'trace-shop',
      'rpc.method': 'available',
      'switchyard.attempt': 1,
      'switchyard.submission': 'runsync',
      'switchyard.outcome': 'ok',
    });
    expect(String(client.attributes['switchyard.replica'])).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v2\/trace-shop$/);
    expect(typeof client.attributes['switchyard.job_id']).toBe('string');
    expect(typeof client.attributes['switchyard.call_id']).toBe('string');
    expect(typeof client.attributes['switchyard.runpod.execution_ms']).toBe('number');
    expect(shop.attributes['switchyard.job_id']).toBe(client.attributes['switchyard.job_id']);
    expect(shop.attributes['switchyard.call_id']).toBe(client.attributes['switchyard.call_id']);
    expect(typeof shop.attributes['switchyard.queue_ms']).toBe('number');
    expect(typeof shop.attributes['switchyard.run_ms']).toBe('number');
    for (const span of spans) expect(span.status.code).not.toBe(SpanStatusCode.ERROR);
  });

  it('marks the failing hop and every span above it with the error', async () => {
    expect(await rejectionOf(cluster.client().get(TraceShop).available('missing'))).toBeInstanceOf(RemoteExecutionError);
    const spans = exporter.getFinishedSpans();
    const stock = byName(spans, 'trace-stock.level', SpanKind.SERVER);
    expect(stock.status).toEqual({ code: SpanStatusCode.ERROR, message: 'no stock record for missing' });
    expect(stock.attributes['error.type']).toBe('RangeError');
    const nested = byName(spans, 'trace-stock.level', SpanKind.CLIENT);
    expect(nested.status.code).toBe(SpanStatusCode.ERROR);
    expect(nested.attributes['error.type']).toBe('RemoteExecutionError');
    expect(byName(spans, 'trace-shop.available', SpanKind.CLIENT).status.code).toBe(SpanStatusCode.ERROR);
  });

  it('keeps the API key out of every span', async () => {
    await cluster.client().get(TraceShop).available('sku-2');
    await rejectionOf(cluster.client().get(TraceShop).available(`key:${cluster.apiKey}`));
    const spans = exporter.getFinishedSpans();
    expect(spans.length).toBeGreaterThanOrEqual(8);
    const text = JSON.stringify(spans.map((s) => ({ name: s.name, attributes: s.attributes, events: s.events, status: s.status })));
    expect(text).toContain('no stock record for key:[redacted]');
    expect(text).not.toContain(cluster.apiKey);
  });
});
