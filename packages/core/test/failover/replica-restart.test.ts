import { StaticDirectory } from '../../src/directory/static-directory';
import { silentLogger } from '../../src/observability/logger';
import { createRuntime } from '../../src/router/runtime';
import type { Runtime } from '../../src/router/runtime-types';
import { Tally } from '../fixtures/failover/app';
import { startServeProcess, type ServeProcess } from '../support/serve-process';

// Issue 10: a replica restarted on the same port got traffic only ~8 s after it was ready (the
// breaker's 10 s reset; nothing probed it sooner). An open circuit is now probed on the
// endpoint's health route, so the replica takes traffic within about a second of being ready.

const KEY = 'restart-key-1234';
const ENTRY = 'packages/core/test/fixtures/failover/app.ts';

describe('failover: a replica restarted on the same port', () => {
  let stable: ServeProcess;
  let flaky: ServeProcess;
  let runtime: Runtime;

  beforeAll(async () => {
    [stable, flaky] = await Promise.all([0, 1].map(() => startServeProcess({ entry: ENTRY, endpoint: 'tally', env: { RUNPOD_API_KEY: KEY } })));
    runtime = createRuntime({
      env: { RUNPOD_API_KEY: KEY, SWITCHYARD_BREAKER_THRESHOLD: '2' },
      logger: silentLogger,
      directory: new StaticDirectory({ tally: [`${stable.url}/v2/tally`, `${flaky.url}/v2/tally`] }),
    });
  }, 60_000);

  afterAll(async () => {
    await runtime?.close();
    await Promise.all([stable, flaky].map((r) => r?.stop()));
  });

  it('takes traffic within 2 s of printing ready, while its circuit was open', async () => {
    const tally = runtime.get(Tally);
    await flaky.kill();
    // Calls keep succeeding on the stable replica; the refused ones open the dead replica's circuit.
    for (let i = 0; i < 10; i++) expect((await tally.idem(i, 1)).pid).toBe(stable.pid);

    flaky = await startServeProcess({ entry: ENTRY, endpoint: 'tally', env: { RUNPOD_API_KEY: KEY }, port: flaky.port });
    let landedAt: number | undefined;
    for (let i = 0; Date.now() - flaky.readyAt < 5_000; i++) {
      const result = await tally.idem(100 + i, 1);
      if (result.pid === flaky.pid) {
        landedAt = Date.now();
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(landedAt).toBeDefined();
    expect(landedAt! - flaky.readyAt).toBeLessThan(2_000);
  }, 60_000);
});
