import { Endpoint, Remote } from '@switchyard/decorators';
import { StaticDirectory } from '../../src/directory/static-directory';
import { ConfigurationError, MethodNotRemoteError, RouteNotFoundError } from '../../src/errors';
import { silentLogger } from '../../src/observability/logger';
import { createRuntime } from '../../src/router/runtime';

// Issue 9: RouteNotFoundError was thrown with six meanings. It now means only "no route to this
// endpoint.method"; a method that is not @Remote is MethodNotRemoteError, bad hosting or CLI
// input is ConfigurationError, a malformed address InvalidAddressError.

@Endpoint({ name: 'meanings' })
class Meanings {
  @Remote()
  async remote(): Promise<number> {
    return 1;
  }
  local(): number {
    return 2;
  }
}

describe('regression (issue 9): each failure has its own class', () => {
  const runtime = createRuntime({ env: { RUNPOD_API_KEY: 'k-1234' }, logger: silentLogger, directory: new StaticDirectory({}) });
  afterAll(() => runtime.close());

  it('a non-@Remote method on a router proxy is MethodNotRemoteError', () => {
    expect(() => runtime.get(Meanings).local()).toThrow(MethodNotRemoteError);
  });

  it('runtime.call of a non-@Remote method of a remote endpoint is MethodNotRemoteError', async () => {
    await expect(runtime.call(Meanings, 'local', [])).rejects.toBeInstanceOf(MethodNotRemoteError);
  });

  it('no address for the endpoint is RouteNotFoundError', async () => {
    await expect(runtime.get(Meanings).remote()).rejects.toBeInstanceOf(RouteNotFoundError);
  });

  it('hosting an endpoint no class declares is ConfigurationError', () => {
    expect(() => createRuntime({ endpoint: 'no-such-endpoint', env: {}, logger: silentLogger })).toThrow(ConfigurationError);
  });

  it('callEndpoint of an unknown endpoint is ConfigurationError', async () => {
    await expect(runtime.callEndpoint('nowhere', 'x', [])).rejects.toBeInstanceOf(ConfigurationError);
  });
});
