import { InvalidAddressError, UnauthorizedError, ConfigurationError } from '../../src/errors';
import { directoryFromEnv } from '../../src/directory/directory-from-env';
import { RunpodDirectory } from '../../src/directory/runpod-directory';
import { silentLogger } from '../../src/observability/logger';
import { loadDefaults } from '../../src/config';
import { manualClock, rejectionOf, send, startScriptedServer, thrownBy, type ScriptedServer } from '../support/helpers';

// Issue 17: RunPod itself as the directory. The stand-in answers GET /v2/serverless as RunPod's
// REST API does (api-reference-v2/openapi.json: ListEndpointsResponse, 401/429 problem+json).

const KEY = 'rpa_test_key_abcdef123456';

const queue = (id: string, name: string) => ({
  id,
  name,
  type: 'QUEUE',
  requestUrls: { run: `https://api.runpod.ai/v2/${id}/run`, runSync: `https://api.runpod.ai/v2/${id}/runsync`, health: `https://api.runpod.ai/v2/${id}/health` },
  workers: { min: 0, max: 3 },
  scaling: { type: 'QUEUE_DELAY', value: 4 },
  dataCenterIds: [],
  networkVolumes: [],
  timeout: 600000,
  flashboot: true,
  createdAt: '2026-11-01T00:00:00Z',
});
const balancer = (id: string, name: string) => ({ ...queue(id, name), type: 'LOAD_BALANCER', requestUrls: { base: `https://${id}.api.runpod.ai`, health: `https://${id}.api.runpod.ai/ping` } });

describe('RunpodDirectory (issue 17)', () => {
  let api: ScriptedServer;
  let endpoints: unknown[];
  beforeEach(async () => {
    endpoints = [queue('ep1q', 'shop-prod-orders'), balancer('ep2lb', 'shop-prod-search'), queue('ep3', 'reports'), queue('dup1', 'twice'), queue('dup2', 'twice')];
    api = await startScriptedServer((req, res) => {
      if (req.headers.authorization !== `Bearer ${KEY}`) return send(res, 401, { title: 'Unauthorized', status: 401, detail: 'invalid bearer token' }, { 'content-type': 'application/problem+json' });
      if (req.url !== '/v2/serverless') return send(res, 404, { title: 'Not Found', status: 404 });
      send(res, 200, { endpoints });
    });
  });
  afterEach(() => api.close());

  const directory = (options: Partial<ConstructorParameters<typeof RunpodDirectory>[0]> = {}) =>
    new RunpodDirectory({ apiKey: KEY, restUrl: api.url, logger: silentLogger, defaults: loadDefaults({}), ...options });

  it("resolves a name to RunPod's job URL, and a load-balancing endpoint to its base URL, through a prefix", async () => {
    const dir = directory({ namePrefix: 'shop-prod-' });
    expect(await dir.resolve('orders', 'queue')).toEqual([expect.objectContaining({ kind: 'queue', url: 'https://api.runpod.ai/v2/ep1q', platform: true })]);
    expect(await dir.resolve('search', 'load-balancer')).toEqual([expect.objectContaining({ kind: 'load-balancer', url: 'https://ep2lb.api.runpod.ai' })]);
    expect(await dir.resolve('missing', 'queue')).toEqual([]);
    expect(await directory().resolve('reports', 'queue')).toEqual([expect.objectContaining({ url: 'https://api.runpod.ai/v2/ep3' })]);
  });

  it('lists once for concurrent cold calls, again after the TTL, and serves the old list while RunPod fails', async () => {
    const clock = manualClock();
    const dir = directory({ ttlMs: 1_000, now: clock.now, errorBackoffMs: 0 });
    await Promise.all(Array.from({ length: 50 }, () => dir.resolve('reports', 'queue')));
    expect(api.count).toBe(1);
    clock.advance(1_001);
    await dir.resolve('reports', 'queue');
    expect(api.count).toBe(2);
    api.respond((_req, res) => send(res, 503, { title: 'Service Unavailable', status: 503 }));
    clock.advance(1_001);
    expect(await dir.resolve('reports', 'queue')).toEqual([expect.objectContaining({ url: 'https://api.runpod.ai/v2/ep3' })]);
    expect(dir.stats().staleAnswers).toBeGreaterThanOrEqual(1);
  });

  it('names both ids when two RunPod endpoints share a name, and both types when they differ', async () => {
    const dir = directory();
    const twice = await rejectionOf(dir.resolve('twice', 'queue'));
    expect(twice).toBeInstanceOf(InvalidAddressError);
    expect(twice.message).toContain('RunPod has 2 endpoints named "twice": dup1, dup2');
    const mismatch = await rejectionOf(directory({ namePrefix: 'shop-prod-' }).resolve('search', 'queue'));
    expect(mismatch).toBeInstanceOf(InvalidAddressError);
    expect(mismatch.message).toContain('(ep2lb) is a LOAD_BALANCER endpoint, but @Endpoint "search" is declared as queue');
  });

  it('turns a refused key into UnauthorizedError without showing the key, and needs a key at all', async () => {
    const error = await rejectionOf(directory({ apiKey: 'rpa_wrong_key_00000000' }).resolve('reports', 'queue'));
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect(error.message).toContain('HTTP 401');
    expect(error.message).not.toContain('rpa_wrong_key_00000000');
    expect(thrownBy(() => directory({ apiKey: undefined }))).toBeInstanceOf(ConfigurationError);
  });

  it('is what SWITCHYARD_DIRECTORY=runpod selects, with the prefix from the environment', async () => {
    const env = { SWITCHYARD_DIRECTORY: 'runpod', RUNPOD_REST_API_URL: api.url, SWITCHYARD_RUNPOD_NAME_PREFIX: 'shop-prod-' };
    const dir = directoryFromEnv({ env, apiKey: KEY, logger: silentLogger });
    expect(dir).toBeInstanceOf(RunpodDirectory);
    expect(await dir!.resolve('orders', 'queue')).toEqual([expect.objectContaining({ url: 'https://api.runpod.ai/v2/ep1q' })]);
  });
});
