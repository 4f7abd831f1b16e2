import { PassThrough } from 'node:stream';
import { Endpoint, Remote } from '@switchyard/decorators';
import { loadDefaults } from '../../src/config';
import { ConfigurationError, RemoteExecutionError } from '../../src/errors';
import { ConsoleLogger, MemoryLogger, silentLogger } from '../../src/observability/logger';
import { redactingLogger } from '../../src/observability/redaction';
import { StaticDirectory } from '../../src/directory/static-directory';
import { createRuntime } from '../../src/router/runtime';
import { startLocalCluster, type LocalCluster } from '../../src/testing';
import { rejectionOf, thrownBy } from '../support/helpers';

// Issue 13: failures were logged with only the error's name; successful calls logged nothing even
// at debug; SWITCHYARD_LOG_LEVEL=verbose was treated as info.

const KEY = 'sk-logging-test-key-1234';

function consoleLines(level: 'debug' | 'info' = 'debug'): { logger: ConsoleLogger; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  return { logger: new ConsoleLogger({ level, stream, secrets: [KEY] }), text: () => text };
}

function failWith(message: string): Error {
  return new TypeError(message);
}

describe('logging (issue 13)', () => {
  it('writes an error field as its name, its message and its stack frames, redacted', () => {
    const { logger, text } = consoleLines();
    logger.warn('remote method failed', { endpoint: 'shop', error: failWith(`cannot read price with ${KEY}`) });
    const out = text();
    expect(out).toContain('error=TypeError: cannot read price with [redacted]');
    expect(out).toMatch(/\n {4}at failWith .*logging\.test\.ts:\d+/);
    expect(out).not.toContain(KEY);
  });

  it('writes one JSON object per line with SWITCHYARD_LOG_FORMAT=json, redacted, with the stack as a field', () => {
    const stream = new PassThrough();
    let text = '';
    stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    const logger = new ConsoleLogger({ format: loadDefaults({ SWITCHYARD_LOG_FORMAT: 'json' }).logFormat, stream, secrets: [KEY], prefix: 'worker' });
    logger.info(`called Shop.price with ${KEY}`, { endpoint: 'shop', ms: 3, error: failWith('boom') });
    const lines = text.trim().split('\n');
    expect(lines).toHaveLength(1);
    const record = JSON.parse(lines[0]) as Record<string, unknown>;
    expect(record).toMatchObject({ level: 'info', component: 'worker', message: 'called Shop.price with [redacted]', endpoint: 'shop', ms: 3, error: 'TypeError: boom' });
    expect(String(record.errorStack)).toContain('at failWith');
    expect(typeof record.time).toBe('string');
    expect(thrownBy(() => loadDefaults({ SWITCHYARD_LOG_FORMAT: 'yaml' })).message).toContain('SWITCHYARD_LOG_FORMAT="yaml" is not a log format. Use one of text, json.');
  });

  it('says which levels it writes, so callers can skip records nobody reads', () => {
    const info = new ConsoleLogger({ level: 'info', stream: new PassThrough() });
    expect(info.enabled('debug')).toBe(false);
    expect(info.enabled('warn')).toBe(true);
    expect(redactingLogger(info, [KEY]).enabled?.('debug')).toBe(false);
    expect(redactingLogger(new MemoryLogger(), [KEY]).enabled?.('debug')).toBe(true);
    expect(silentLogger.enabled?.('error')).toBe(false);
  });

  it('refuses an unknown log level with ConfigurationError naming the levels', () => {
    const error = thrownBy(() => loadDefaults({ SWITCHYARD_LOG_LEVEL: 'verbose' }));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain('SWITCHYARD_LOG_LEVEL="verbose" is not a log level');
    expect(error.message).toContain('debug, info, warn, error');
    expect(thrownBy(() => new ConsoleLogger({ level: 'loud' as never }))).toBeInstanceOf(ConfigurationError);
  });

  describe('over real calls', () => {
    @Endpoint({ name: 'logging-shop' })
    class LoggingShop {
      @Remote()
      async price(sku: string): Promise<number> {
        if (sku === 'bad') throw failWith('no price for bad');
        if (sku.startsWith('echo:')) throw failWith(`no price for ${sku.slice(5)}`);
        return 7;
      }
    }

    const logger = new MemoryLogger();
    let cluster: LocalCluster;
    beforeAll(async () => {
      cluster = await startLocalCluster({ endpoints: [LoggingShop], logger });
    });
    afterAll(() => cluster.stop());

    it('logs the per-call lines at info when SWITCHYARD_CALL_LOG_LEVEL=info (what switchyard dev sets)', async () => {
      const records = new MemoryLogger();
      await using client = createRuntime({ env: { RUNPOD_API_KEY: cluster.apiKey, SWITCHYARD_CALL_LOG_LEVEL: 'info' }, logger: records, directory: new StaticDirectory({ 'logging-shop': cluster.addresses['logging-shop'] }) });
      expect(await client.get(LoggingShop).price('a')).toBe(7);
      const line = records.records.find((r) => r.message === 'called LoggingShop.price');
      expect(line?.level).toBe('info');
      expect(line?.fields).toMatchObject({ outcome: 'ok', replica: cluster.addresses['logging-shop'][0] });
      expect(String(line?.fields?.traceId)).toMatch(/^[0-9a-f]{32}$/);
    });

    it('logs one debug line per call on the caller and on the worker', async () => {
      expect(await cluster.client().get(LoggingShop).price('a')).toBe(7);
      const called = logger.records.find((r) => r.message === 'called LoggingShop.price' && r.fields?.outcome === 'ok');
      expect(called?.level).toBe('debug');
      expect(called?.fields).toMatchObject({ endpoint: 'logging-shop', method: 'price' });
      expect(typeof called?.fields?.ms).toBe('number');
      const ran = logger.records.find((r) => r.message === 'ran logging-shop.price' && r.fields?.callId === called?.fields?.callId);
      expect(ran?.level).toBe('debug');
    });

    it("logs a failed method with the error's message and where it was thrown", async () => {
      expect(await rejectionOf(cluster.client().get(LoggingShop).price('bad'))).toBeInstanceOf(RemoteExecutionError);
      const failed = logger.records.find((r) => r.message === 'remote method failed');
      expect(failed?.level).toBe('warn');
      expect(failed?.fields?.error).toBe('TypeError: no price for bad');
      expect(String(failed?.fields?.errorStack)).toMatch(/at failWith .*logging\.test\.ts/);
      expect(logger.records.find((r) => r.message === 'called LoggingShop.price' && r.fields?.outcome === 'RemoteExecutionError')).toBeDefined();
    });

    it("keeps the worker's API key out of its records even when the given logger does not redact", async () => {
      await rejectionOf(cluster.client().get(LoggingShop).price(`echo:${cluster.apiKey}`));
      const failed = logger.records.filter((r) => r.message === 'remote method failed');
      expect(failed.some((r) => String(r.fields?.error).includes('[redacted]'))).toBe(true);
      expect(JSON.stringify(logger.records)).not.toContain(cluster.apiKey);
    });
  });
});
