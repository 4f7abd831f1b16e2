import { Endpoint, Remote } from '@switchyard/decorators';
import { silentLogger } from '../../src/observability/logger';
import { startLocalCluster } from '../../src/testing';

// Issue 9: startLocalCluster could not route to load-balancer endpoints: cluster.client() calls
// failed with InvalidAddressError ("has no endpoint id in its path"), because its directory was
// built without the endpoint types.

@Endpoint({ name: 'lb-search', type: 'load-balancer' })
class Search {
  @Remote()
  async find(term: string): Promise<string[]> {
    return [`${term}-1`, `${term}-2`];
  }
}

@Endpoint({ name: 'lb-front' })
class Front {
  constructor(private readonly search: Search) {}

  @Remote()
  async page(term: string): Promise<number> {
    return (await this.search.find(term)).length;
  }
}

describe('regression (issue 9): startLocalCluster serves and routes load-balancer endpoints', () => {
  it('routes a client call and a nested call to a load-balancer endpoint', async () => {
    await using cluster = await startLocalCluster({ endpoints: [Search, Front], logger: silentLogger });
    expect(cluster.addresses['lb-search']![0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await cluster.client().get(Search).find('x')).toEqual(['x-1', 'x-2']);
    expect(await cluster.client().get(Front).page('y')).toBe(2);
  });
});
