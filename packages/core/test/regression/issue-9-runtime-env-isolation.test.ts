import { Endpoint, Remote } from '@switchyard/decorators';
import { StaticDirectory } from '../../src/directory/static-directory';
import { EndpointUnavailableError, UnauthorizedError } from '../../src/errors';
import { createRuntime } from '../../src/router/runtime';
import { closedPort } from '../support/helpers';

// Issue 9: createRuntime({ env: {} }) was not isolated: the executors, breakers and the console
// logger still read SWITCHYARD_SUBMIT_ATTEMPTS, RUNPOD_API_KEY and SWITCHYARD_LOG_LEVEL from
// process.env.

@Endpoint({ name: 'isolated' })
class Isolated {
  @Remote()
  async ping(): Promise<string> {
    return 'pong';
  }
}

describe('regression (issue 9): a runtime reads its defaults only from its own env', () => {
  const saved = { ...process.env };
  beforeEach(() => {
    process.env.SWITCHYARD_SUBMIT_ATTEMPTS = '1';
    process.env.RUNPOD_API_KEY = 'key-from-process-env';
    process.env.SWITCHYARD_LOG_LEVEL = 'debug';
    process.env.SWITCHYARD_BREAKER_THRESHOLD = '1';
  });
  afterEach(() => {
    process.env = { ...saved };
  });

  it('ignores process.env when given env: {}', async () => {
    const port = await closedPort();
    const directory = new StaticDirectory({ isolated: `http://127.0.0.1:${port}/v2/isolated` });
    await using runtime = createRuntime({ env: {}, directory });

    expect(runtime.defaults).toMatchObject({ submitAttempts: 4, breakerThreshold: 5, logLevel: 'info', apiKey: undefined });
    // No key in its env, so the executor refuses before sending anything.
    expect(await runtime.get(Isolated).ping().catch((e: unknown) => e)).toBeInstanceOf(UnauthorizedError);
  });

  it("uses the env it is given for every component it builds: the executor's attempts follow SWITCHYARD_SUBMIT_ATTEMPTS there", async () => {
    const port = await closedPort();
    const directory = new StaticDirectory({ isolated: `http://127.0.0.1:${port}/v2/isolated` });
    await using runtime = createRuntime({ env: { RUNPOD_API_KEY: 'k-1234', SWITCHYARD_SUBMIT_ATTEMPTS: '2', SWITCHYARD_BREAKER_THRESHOLD: '100' }, directory });

    const error = (await runtime.get(Isolated).ping().catch((e: unknown) => e)) as EndpointUnavailableError;

    expect(error).toBeInstanceOf(EndpointUnavailableError);
    expect(error.message).toContain('(2 attempts)');
  });
});
