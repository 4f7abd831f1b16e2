import { Endpoint, Remote } from '@switchyard/decorators';
import { parseEndpointAddress } from '../../src/directory/endpoint-address';
import { startDirectoryServer } from '../../src/directory/directory-server';
import { HttpDirectory } from '../../src/directory/http-directory';
import { StaticDirectory } from '../../src/directory/static-directory';
import { InvalidAddressError } from '../../src/errors';
import { silentLogger } from '../../src/observability/logger';
import { createRuntime } from '../../src/router/runtime';
import { thrownBy } from '../support/helpers';

// Issue 9: an address had three parsers with conflicting rules (one allowed "." in an endpoint
// id, one forbade it), and the executor threw RouteNotFoundError for a malformed address.

@Endpoint({ name: 'addressed' })
class Addressed {
  @Remote({ fallback: 'local' })
  async where(): Promise<string> {
    return 'ran locally';
  }
}

const DOTTED = 'http://127.0.0.1:8089/v2/addressed.v2';

describe('regression (issue 9): one address rule everywhere', () => {
  it('refuses a dotted endpoint id the same way in the parser, a static map and an HTTP directory', async () => {
    const parsed = thrownBy(() => parseEndpointAddress(DOTTED, { endpoint: 'addressed', baseUrl: 'https://api.runpod.ai/v2' }));
    const fromStatic = await new StaticDirectory({ addressed: DOTTED }).resolve('addressed').catch((e: unknown) => e as Error);
    const server = await startDirectoryServer({ endpoints: { addressed: DOTTED } });
    try {
      const fromHttp = await new HttpDirectory(server.url, { logger: silentLogger }).resolve('addressed').catch((e: unknown) => e as Error);
      for (const error of [parsed, fromStatic, fromHttp] as Error[]) {
        expect(error).toBeInstanceOf(InvalidAddressError);
        expect(error.message).toContain('"addressed.v2", which is not an endpoint id');
      }
    } finally {
      await server.close();
    }
  });

  it('makes a malformed address an InvalidAddressError at the call, never a local fallback', async () => {
    await using runtime = createRuntime({ env: { RUNPOD_API_KEY: 'k-1234' }, logger: silentLogger, directory: new StaticDirectory({ addressed: DOTTED }) });
    const error = await runtime.get(Addressed).where().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidAddressError);
  });
});
