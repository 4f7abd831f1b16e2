import { Endpoint, Remote } from '@switchyard/decorators';
import { Registry } from 'prom-client';
import { StaticDirectory } from '../../src/directory/static-directory';
import { RemoteExecutionError } from '../../src/errors';
import { silentLogger } from '../../src/observability/logger';
import { createRuntime } from '../../src/router/runtime';
import type { Runtime } from '../../src/router/runtime-types';
import { startLocalCluster, type LocalCluster } from '../../src/testing';
import { closedPort, rejectionOf, request } from '../support/helpers';

// Issue 14: Prometheus metrics per runtime, on the caller and on the worker.

@Endpoint({ name: 'metered' })
class Metered {
  @Remote({ idempotent: true })
  async square(n: number): Promise<number> {
    if (n < 0) throw new RangeError('negative');
    return n * n;
  }
}

/** The value of one sample line (`name{labels} value`) of a registry's text, or undefined. */
async function sample(runtime: Runtime, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const text = await runtime.metrics().metrics();
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labelText = line.slice(name.length).split(' ')[0];
    if (wanted.every((w) => labelText.includes(w))) return Number(line.split(' ').pop());
  }
  return undefined;
}

describe('metrics (issue 14)', () => {
  let cluster: LocalCluster;
  beforeAll(async () => {
    cluster = await startLocalCluster({ endpoints: [Metered] });
  });
  afterAll(() => cluster.stop());

  it('counts calls by outcome with their durations, on the caller and as jobs on the worker', async () => {
    const client = cluster.client();
    const svc = client.get(Metered);
    expect(await svc.square(3)).toBe(9);
    expect(await svc.square(4)).toBe(16);
    expect(await rejectionOf(svc.square(-1))).toBeInstanceOf(RemoteExecutionError);

    const call = { endpoint: 'metered', method: 'square' };
    expect(await sample(client, 'switchyard_calls_total', { ...call, outcome: 'ok' })).toBe(2);
    expect(await sample(client, 'switchyard_calls_total', { ...call, outcome: 'RemoteExecutionError' })).toBe(1);
    expect(await sample(client, 'switchyard_call_duration_seconds_count', { ...call, outcome: 'ok' })).toBe(2);
    expect(await sample(client, 'switchyard_calls_in_flight', { endpoint: 'metered' })).toBe(0);

    const worker = cluster.runtimeFor('metered');
    expect(await sample(worker, 'switchyard_jobs_total', { ...call, outcome: 'ok' })).toBeGreaterThanOrEqual(2);
    expect(await sample(worker, 'switchyard_jobs_total', { ...call, outcome: 'RangeError' })).toBeGreaterThanOrEqual(1);
    expect(await sample(worker, 'switchyard_job_duration_seconds_count', { ...call, outcome: 'ok' })).toBeGreaterThanOrEqual(2);
    expect(await sample(worker, 'switchyard_queue_depth', { endpoint: 'metered' })).toBe(0);
    expect(await sample(worker, 'switchyard_running_jobs', { endpoint: 'metered' })).toBe(0);
  });

  it('counts a resubmission, and the circuit of each replica', async () => {
    const dead = `http://127.0.0.1:${await closedPort()}/v2/metered`;
    await using client = createRuntime({
      env: { RUNPOD_API_KEY: cluster.apiKey },
      logger: silentLogger,
      directory: new StaticDirectory({ metered: [dead, cluster.addresses.metered[0]] }),
    });
    // One call in two starts at the dead replica (the router rotates the order per call).
    for (let i = 0; i < 2; i++) expect(await client.get(Metered).square(5)).toBe(25);
    expect(await sample(client, 'switchyard_resubmissions_total', { endpoint: 'metered', method: 'square', reason: 'not-accepted' })).toBe(1);
    expect(await sample(client, 'switchyard_calls_total', { endpoint: 'metered', method: 'square', outcome: 'ok' })).toBe(2);
    expect(await sample(client, 'switchyard_breaker_state', { replica: dead })).toBe(0);
    expect(await sample(client, 'switchyard_breaker_state', { replica: cluster.addresses.metered[0] })).toBe(0);
  });

  it('serves GET /metrics on the worker with the same key as every route, in Prometheus text format', async () => {
    const origin = new URL(cluster.addresses.metered[0]).origin;
    expect((await request(`${origin}/metrics`, { key: null })).status).toBe(401);
    expect((await request(`${origin}/metrics`, { key: 'wrong-key-1234' })).status).toBe(401);
    const answer = await request(`${origin}/metrics`, { key: cluster.apiKey });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toContain('text/plain');
    expect(answer.text).toContain('# TYPE switchyard_jobs_total counter');
    expect(answer.text).toMatch(/switchyard_rejected_requests_total\{status="401"\} [1-9]/);
    expect(answer.text).not.toContain(cluster.apiKey);
  });

  it('keeps two runtimes in one process apart', async () => {
    const a = cluster.client();
    const b = cluster.client();
    await a.get(Metered).square(2);
    expect(await sample(a, 'switchyard_calls_total', { endpoint: 'metered', outcome: 'ok' })).toBe(1);
    expect(await sample(b, 'switchyard_calls_total', { endpoint: 'metered', outcome: 'ok' })).toBeUndefined();
    expect(a.metrics()).not.toBe(b.metrics());
  });

  it('counts nothing with metricsRegistry: false, and can use the registry it is given', async () => {
    const directory = new StaticDirectory({ metered: cluster.addresses.metered });
    await using off = createRuntime({ env: { RUNPOD_API_KEY: cluster.apiKey }, logger: silentLogger, directory, metricsRegistry: false });
    expect(await off.get(Metered).square(6)).toBe(36);
    expect(await off.metrics().metrics()).not.toContain('switchyard_');
    const shared = new Registry();
    await using given = createRuntime({ env: { RUNPOD_API_KEY: cluster.apiKey }, logger: silentLogger, directory, metricsRegistry: shared });
    expect(given.metrics()).toBe(shared);
    await given.get(Metered).square(7);
    expect(await shared.metrics()).toMatch(/switchyard_calls_total\{endpoint="metered",method="square",outcome="ok"\} 1/);
  });

  it('labels nothing with the key or with names this worker does not serve', async () => {
    const origin = new URL(cluster.addresses.metered[0]).origin;
    const bogus = { sy: 1, endpoint: 'metered', method: `m-${cluster.apiKey}`, args: { json: [] }, callId: 'c-1', deadline: Date.now() + 60_000 };
    const refused = await request(`${origin}/v2/metered/runsync`, { key: cluster.apiKey, body: { input: bogus } });
    expect(refused.body.status).toBe('FAILED');
    const text = await cluster.runtimeFor('metered').metrics().metrics();
    expect(text).toContain('method="(unknown)"');
    expect(text).not.toContain(cluster.apiKey);
  });
});
