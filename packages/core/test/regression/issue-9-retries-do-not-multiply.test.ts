import { Endpoint, Remote } from '@switchyard/decorators';
import { StaticDirectory } from '../../src/directory/static-directory';
import { EndpointUnavailableError } from '../../src/errors';
import { silentLogger } from '../../src/observability/logger';
import { createRuntime } from '../../src/router/runtime';
import { startRunpodStandin, type RunpodStandin } from '../support/runpod-standin';

// Issue 10 measured it, issue 9 moved its cause: with retries: 2 against an endpoint that
// answers 502, 12 POSTs were made (router 3 × executor 4); with retries: 0, 4. The router no
// longer retries; the executor's one retry policy counts every submission of the call.

@Endpoint({ name: 'flaky' })
class Flaky {
  @Remote({ idempotent: true, retries: 2 })
  async twice(): Promise<string> {
    return 'never reached';
  }

  @Remote({ idempotent: true, retries: 0 })
  async once(): Promise<string> {
    return 'never reached';
  }
}

describe('regression: retries do not multiply across router and executor', () => {
  let runpod: RunpodStandin;
  beforeEach(async () => {
    runpod = await startRunpodStandin({ apiKey: 'flaky-key' });
    runpod.endpoint('flaky', { submit: Array.from({ length: 20 }, () => ({ kind: 'respond' as const, status: 502, body: 'Bad Gateway' })) });
  });
  afterEach(() => runpod.close());

  it.each([
    ['twice', 3],
    ['once', 1],
  ] as const)('%s is submitted %i time(s) in all', async (method, submissions) => {
    const env = { RUNPOD_API_KEY: 'flaky-key', SWITCHYARD_POLL_INITIAL_MS: '1', SWITCHYARD_POLL_MAX_MS: '2' };
    await using runtime = createRuntime({ env, logger: silentLogger, directory: new StaticDirectory({ flaky: runpod.address('flaky') }) });

    const error = await runtime.get(Flaky)[method]().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(EndpointUnavailableError);
    expect(runpod.count({ op: 'runsync' })).toBe(submissions);
  });
});
