import { planDeploy, type DeployPlan } from '../../src/deploy/deploy-plan';
import { parseEndpointList, type RunpodEndpoint } from '../../src/deploy/runpod-endpoints';
import { DeployError } from '../../src/errors';
import { loadManifest, type Manifest } from '../../src/manifest';
import { contractHash } from '../../src/manifest/contract';
import { thrownBy } from '../support/helpers';
import { loadBalancerEndpoint, queueEndpoint, STANDIN_GPUS } from '../support/runpod-rest-standin';

// The planner of switchyard deploy is pure: a manifest and GET /v2/serverless's list in, a plan
// out. These pin the mapping of ResourceHints onto RunPod's CreateEndpointRequest and the diff.

function manifest(endpoints: Record<string, { type?: 'queue' | 'load-balancer'; resources?: object; dependsOn?: string[] }>): Manifest {
  return loadManifest({
    version: 1,
    generatedAt: '2026-01-01T00:00:00.000Z',
    project: 'shop',
    endpoints: Object.fromEntries(
      Object.entries(endpoints).map(([name, e]) => [name, { type: e.type ?? 'queue', resources: e.resources ?? {}, methods: [], dependsOn: e.dependsOn ?? [], contract: contractHash({ name, methods: [] }) }]),
    ),
    function_registry: {},
  });
}

const listed = (...endpoints: object[]): RunpodEndpoint[] => parseEndpointList({ endpoints })!;
const plan = (m: Manifest, existing: RunpodEndpoint[] = [], image = 'img:1'): DeployPlan => planDeploy(m, existing, { image });
const problems = (fn: () => unknown): string[] => {
  const error = thrownBy(fn);
  expect(error).toBeInstanceOf(DeployError);
  return (error as DeployError).details;
};

describe('planDeploy (switchyard deploy)', () => {
  it('maps gpu pools, cpu flavours with vCPUs, and workers onto the create body', () => {
    const steps = plan(manifest({ a: { resources: { gpu: 'ADA_24', workersMin: 1, workersMax: 5 } }, b: { resources: { cpu: 'cpu5c' } }, c: { resources: { cpu: 'cpu3c-8-16' } } })).steps;
    expect(steps.map((s) => s.action)).toEqual(['create', 'create', 'create']);
    const bodies = steps.map((s) => (s.action === 'create' ? s.body : undefined));
    expect(bodies[0]).toMatchObject({ gpu: { pools: ['ADA_24'] }, workers: { min: 1, max: 5 } });
    expect(bodies[0]).not.toHaveProperty('cpu');
    expect(bodies[1]).toMatchObject({ cpu: [{ id: 'cpu5c', vcpuCount: 2 }], workers: { min: 0, max: 3 } });
    expect(bodies[2]).toMatchObject({ cpu: [{ id: 'cpu3c', vcpuCount: 8 }] });
  });

  it('refuses what RunPod cannot take, listing every problem: a GPU type without the catalog, both gpu and cpu, an odd vCPU count, workersMin > workersMax, a secret in resources.env', () => {
    const m = manifest({
      a: { resources: { gpu: ['NVIDIA A40', 'ADA_24'] } },
      b: { resources: { gpu: 'ADA_24', cpu: 'cpu3c' } },
      c: { resources: { cpu: 'cpu3c-3' } },
      d: { resources: { workersMin: 5 } },
      e: { resources: { env: { RUNPOD_API_KEY: 'x' } } },
    });
    const found = problems(() => plan(m));
    expect(found).toHaveLength(5);
    expect(found[0]).toContain('@Endpoint "a": resources.gpu "NVIDIA A40" names a GPU type, not a pool, and no GPU catalog was given to map types to their pools');
    expect(found[1]).toContain('@Endpoint "b": resources sets both gpu and cpu');
    expect(found[2]).toContain('@Endpoint "c": resources.cpu "cpu3c-3" is not a CPU flavour');
    expect(found[3]).toContain('@Endpoint "d": resources.workersMin (5) is above workersMax (3, the default). Set workersMax too.');
    expect(found[4]).toContain('@Endpoint "e": resources.env sets RUNPOD_API_KEY, a secret.');
  });

  it("maps GPU types to their pool minus the pool's other types (RunPod's catalog), and leaves a pool named whole", () => {
    const gpuCatalog = STANDIN_GPUS.map((g) => ({ id: g.id as string, name: g.name as string, pool: g.pool as string }));
    const m = manifest({ a: { resources: { gpu: ['NVIDIA A40'] } }, b: { resources: { gpu: ['RTX 4090', 'AMPERE_80', 'NVIDIA L4'] } }, c: { resources: { gpu: 'H200 NVL' } } });
    const found = problems(() => planDeploy(m, [], { image: 'img:1', gpuCatalog }));
    expect(found).toEqual([expect.stringContaining('@Endpoint "c": resources.gpu "H200 NVL" is neither a GPU pool id nor a GPU type of RunPod\'s catalog')]);
    const steps = planDeploy(manifest({ a: { resources: { gpu: ['NVIDIA A40'] } }, b: { resources: { gpu: ['RTX 4090', 'AMPERE_80', 'NVIDIA L4'] } } }), [], { image: 'img:1', gpuCatalog }).steps;
    const bodies = steps.map((s) => (s.action === 'create' ? s.body.gpu : undefined));
    expect(bodies).toEqual([
      { pools: ['AMPERE_48'], excludedTypes: ['NVIDIA RTX A6000'] },
      // ADA_24 is reached through both of its types, so nothing of it is excluded; AMPERE_80 is named whole.
      { pools: ['ADA_24', 'AMPERE_80'], excludedTypes: [] },
    ]);
    // Deployed as planned, nothing changes; a different exclusion is an update sending pools with it.
    const current = listed(queueEndpoint('ep1', 'a', { image: 'img:1', args: '--entry dist/app.js --endpoint a --mode runpod', env: { SWITCHYARD_ENDPOINT: 'a' }, workers: { min: 0, max: 3 }, timeout: 600000, gpu: { pools: ['AMPERE_48'], excludedTypes: ['NVIDIA RTX A6000'] } }));
    expect(planDeploy(manifest({ a: { resources: { gpu: ['NVIDIA A40'] } } }), current, { image: 'img:1', gpuCatalog }).steps[0]!.action).toBe('unchanged');
    const step = planDeploy(manifest({ a: { resources: { gpu: ['RTX A6000'] } } }), current, { image: 'img:1', gpuCatalog }).steps[0]!;
    expect(step).toMatchObject({ action: 'update', changes: ['gpu.excludedTypes'], body: { gpu: { pools: ['AMPERE_48'], excludedTypes: ['NVIDIA A40'] } } });
  });

  it('updates only the managed fields that differ, keeping variables set in the console and leaving scaling alone', () => {
    const m = manifest({ a: { resources: { env: { MODE: 'fast' } } } });
    const first = plan(m).steps[0]!;
    expect(first.action).toBe('create');
    const created = first.action === 'create' ? first.body : undefined;
    const current = listed(queueEndpoint('id1', 'a', { ...created, scaling: { type: 'REQUEST_COUNT', requestCount: 9 }, env: { ...created!.env, SECRET: '{{ RUNPOD_SECRET_s }}' } }));
    expect(plan(m, current).steps[0]).toMatchObject({ action: 'unchanged', id: 'id1' });
    const changed = plan(manifest({ a: { resources: { env: { MODE: 'slow' } } } }), current, 'img:2').steps[0]!;
    expect(changed).toMatchObject({ action: 'update', changes: ['image', 'env.MODE'], body: { image: 'img:2', env: { MODE: 'slow', SECRET: '{{ RUNPOD_SECRET_s }}', SWITCHYARD_ENDPOINT: 'a' } } });
  });

  it('refuses to switch an endpoint between GPU and CPU, which RunPod cannot change', () => {
    const current = listed(queueEndpoint('g1', 'a', { gpu: { pools: ['ADA_24'], allowedCudaVersions: [], minCudaVersion: null } }));
    expect(problems(() => plan(manifest({ a: { resources: { cpu: 'cpu3c' } } }), current))[0]).toContain('RunPod endpoint "a" (g1) is a GPU endpoint, but @Endpoint "a" asks for a CPU.');
  });

  it('points endpoints that call others at RunpodDirectory unless their env names a directory, and notes the key they need', () => {
    const result = planDeploy(manifest({ a: { dependsOn: ['b'] }, b: {}, c: { dependsOn: ['b'], resources: { env: { SWITCHYARD_DIRECTORY_URL: 'http://dir' } } } }), [], {
      image: 'img',
      naming: { namePrefix: 'p-' },
    });
    const env = (name: string) => result.steps.find((s) => s.desired.endpoint === name)!.desired.env;
    expect(env('a')).toEqual({ SWITCHYARD_ENDPOINT: 'a', SWITCHYARD_DIRECTORY: 'runpod', SWITCHYARD_RUNPOD_NAME_PREFIX: 'p-' });
    expect(env('b')).toEqual({ SWITCHYARD_ENDPOINT: 'b' });
    expect(env('c')).toEqual({ SWITCHYARD_ENDPOINT: 'c', SWITCHYARD_DIRECTORY_URL: 'http://dir' });
    expect(result.notes).toHaveLength(2);
    expect(result.notes[0]).toContain('"a" calls b: its workers need RUNPOD_API_KEY');
  });

  it('compares the type first: an existing load balancer for a queue endpoint is a conflict, not an update', () => {
    expect(problems(() => plan(manifest({ a: {} }), listed(loadBalancerEndpoint('lb', 'a'))))[0]).toContain('(lb) is a LOAD_BALANCER endpoint, but @Endpoint "a" is declared as queue');
  });
});
