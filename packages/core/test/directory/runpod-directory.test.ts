import { InvalidAddressError, UnauthorizedError, ConfigurationError } from '../../src/errors';
import { directoryFromEnv } from '../../src/directory/directory-from-env';
import { RunpodDirectory } from '../../src/directory/runpod-directory';
import { silentLogger } from '../../src/observability/logger';
import { loadDefaults } from '../../src/config';
import { manualClock, rejectionOf, thrownBy } from '../support/helpers';
import { loadBalancerEndpoint, queueEndpoint, startRunpodRestStandin, type RunpodRestStandin } from '../support/runpod-rest-standin';

// Issue 17: RunPod itself as the directory. The stand-in answers GET /v2/serverless as RunPod's
// REST API does (api-reference-v2/openapi.json: ListEndpointsResponse, 401/429 problem+json);
// switchyard deploy's tests use the same one.

const KEY = 'rpa_test_key_abcdef123456';

describe('RunpodDirectory (issue 17)', () => {
  let api: RunpodRestStandin;
  beforeEach(async () => {
    api = await startRunpodRestStandin({
      apiKey: KEY,
      endpoints: [queueEndpoint('ep1q', 'shop-prod-orders'), loadBalancerEndpoint('ep2lb', 'shop-prod-search'), queueEndpoint('ep3', 'reports'), queueEndpoint('dup1', 'twice'), queueEndpoint('dup2', 'twice')],
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
    api.failNext(100, 503);
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
