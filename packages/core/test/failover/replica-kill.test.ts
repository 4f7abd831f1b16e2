import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StaticDirectory } from '../../src/directory/static-directory';
import { EndpointUnavailableError } from '../../src/errors';
import { silentLogger } from '../../src/observability/logger';
import { createRuntime } from '../../src/router/runtime';
import type { Runtime } from '../../src/router/runtime-types';
import { Tally, type Tallied } from '../fixtures/failover/app';
import { startServeProcess, type ServeProcess } from '../support/serve-process';

// Issue 10: three `switchyard serve` replicas in real processes; one is SIGKILLed mid-load.
// Every idempotent call must still succeed; a call that is not idempotent may fail only if it
// was on the killed replica, typed, and soon after the kill; nothing that is not idempotent runs
// twice. Executions are counted on the server side (each worker appends to its own log file).

const KEY = 'failover-key-1234';
const ENTRY = 'packages/core/test/fixtures/failover/app.ts';
const CALLS = 900;
const CONCURRENCY = 48;
const KILL_AFTER = Math.floor(CALLS * 0.3);

interface Outcome {
  kind: 'idem' | 'once';
  n: number;
  result?: Tallied;
  error?: unknown;
  settledAt: number;
}

describe('failover: a replica killed under load', () => {
  let dir: string;
  let replicas: ServeProcess[] = [];
  let runtime: Runtime;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchyard-failover-'));
    replicas = await Promise.all(
      [0, 1, 2].map((i) => startServeProcess({ entry: ENTRY, endpoint: 'tally', env: { RUNPOD_API_KEY: KEY, TALLY_LOG: join(dir, `replica-${i}.log`) }, args: ['--concurrency', '32'] })),
    );
    // Few request slots per address, so many calls go /run + poll: the path where a job sits on the replica.
    runtime = createRuntime({
      env: { RUNPOD_API_KEY: KEY, SWITCHYARD_REQUESTS_PER_ADDRESS: '8', SWITCHYARD_POLL_INITIAL_MS: '20', SWITCHYARD_POLL_MAX_MS: '200' },
      logger: silentLogger,
      directory: new StaticDirectory({ tally: replicas.map((r) => `${r.url}/v2/tally`) }),
    });
  }, 60_000);

  afterAll(async () => {
    await runtime?.close();
    await Promise.all(replicas.map((r) => r.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('loses no idempotent call, fails only calls that were on the killed replica, and runs nothing twice that may not run twice', async () => {
    const tally = runtime.get(Tally);
    const victim = replicas[1]!;
    const victimAddress = `${victim.url}/v2/tally`;
    const outcomes: Outcome[] = [];
    let killedAt = 0;
    let next = 0;
    const worker = async (): Promise<void> => {
      for (;;) {
        const n = next++;
        if (n >= CALLS) return;
        if (n === KILL_AFTER) {
          killedAt = Date.now();
          void victim.kill();
        }
        const kind = n % 2 === 0 ? 'idem' : 'once';
        try {
          const result = await tally[kind](n, 25);
          outcomes.push({ kind, n, result, settledAt: Date.now() });
        } catch (error) {
          outcomes.push({ kind, n, error, settledAt: Date.now() });
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));

    expect(outcomes).toHaveLength(CALLS);
    const failed = outcomes.filter((o) => o.error !== undefined);
    expect(failed.filter((o) => o.kind === 'idem')).toEqual([]);
    for (const o of failed) {
      const error = o.error as EndpointUnavailableError;
      expect(error).toBeInstanceOf(EndpointUnavailableError);
      expect(error.address).toBe(victimAddress);
      expect(error.mayHaveRun).toBe(true);
      expect(o.settledAt - killedAt).toBeLessThan(2_000);
    }
    // Every success is the right answer, and none came from the dead replica after it died.
    for (const o of outcomes.filter((x) => x.result)) expect(o.result!.n).toBe(o.n);

    const runs = new Map<string, number>();
    for (let i = 0; i < 3; i++) {
      const file = join(dir, `replica-${i}.log`);
      if (!existsSync(file)) continue;
      for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
        const [kind, n] = line.split(' ');
        runs.set(`${kind} ${n}`, (runs.get(`${kind} ${n}`) ?? 0) + 1);
      }
    }
    const onceRuns = [...runs].filter(([key]) => key.startsWith('once '));
    expect(onceRuns.filter(([, count]) => count > 1)).toEqual([]);
    // A call that failed may or may not have run; one that succeeded ran exactly once.
    for (const o of outcomes.filter((x) => x.kind === 'once' && x.result)) expect(runs.get(`once ${o.n}`)).toBe(1);

    // Afterwards the client works normally, the dead replica still listed.
    const after = await Promise.all(Array.from({ length: 40 }, (_, i) => tally.once(10_000 + i, 1)));
    expect(after.map((r) => r.n)).toEqual(Array.from({ length: 40 }, (_, i) => 10_000 + i));
    expect(after.every((r) => r.pid !== victim.pid)).toBe(true);
  }, 60_000);
});
