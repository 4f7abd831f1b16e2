import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { main } from '../../src/cli';
import { RunpodDirectory } from '../../src/directory/runpod-directory';
import { silentLogger } from '../../src/observability/logger';
import { loadDefaults } from '../../src/config';
import { loadBalancerEndpoint, queueEndpoint, startRunpodRestStandin, type RunpodRestStandin } from '../support/runpod-rest-standin';
import { capturingIo, Pricing, Render, writeAppManifest } from './deploy-app';

// Issue 17, item 2: `switchyard deploy` against a stand-in of RunPod's REST API v2 that follows
// api-reference-v2/openapi.json (it refuses bodies the schemas refuse), run through the CLI's
// in-process entry and, once, as a real child process.

const KEY = 'rpa_DEPLOYKEY_9f8e7d6c5b4a3210';
const BIN = join(__dirname, '..', '..', 'bin', 'switchyard.js');

describe('switchyard deploy', () => {
  let api: RunpodRestStandin;
  let app: string;
  /** Everything any run printed: the key must appear in none of it. */
  let printed: string;

  beforeEach(async () => {
    api = await startRunpodRestStandin({ apiKey: KEY });
    app = writeAppManifest();
  });
  afterEach(async () => {
    expect(printed).not.toContain(KEY);
    expect(printed).not.toContain('DEPLOYKEY');
    await api.close();
  });
  beforeEach(() => void (printed = ''));

  async function deploy(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
    const io = capturingIo(app, { RUNPOD_API_KEY: KEY, RUNPOD_REST_API_URL: api.url, ...env });
    const code = await main(['node', 'switchyard', 'deploy', ...args], io);
    printed += io.out + io.err;
    return { code, out: io.out, err: io.err };
  }

  const named = (name: string) => api.endpoints.find((e) => e.name === name)!;

  it('creates every endpoint, then updates only what changed, then changes nothing and says so', async () => {
    const first = await deploy(['--image', 'ghcr.io/acme/shop:1.0.0']);
    expect(first.err).toContain('note: "checkout" calls pricing: its workers need RUNPOD_API_KEY');
    expect(first.code).toBe(0);
    expect(api.writes().map((r) => `${r.method} ${r.path}`)).toEqual(['POST /v2/serverless', 'POST /v2/serverless', 'POST /v2/serverless']);
    expect(first.out).toMatch(/^created checkout as RunPod endpoint "checkout" \(ep_new1\)$/m);
    expect(first.out).toMatch(/\nENDPOINT +RUNPOD NAME +ID +ACTION\ncheckout +checkout +ep_new1 +create\npricing +pricing +ep_new2 +create\nsearch +search +ep_new3 +create\n/);
    expect(first.out).toContain('3 created, 0 updated, 0 unchanged.');
    expect(first.out).toContain('Callers resolve them with SWITCHYARD_DIRECTORY=runpod and RUNPOD_API_KEY.');

    const bodies = Object.fromEntries(api.writes().map((r) => [(r.body as { name: string }).name, r.body]));
    expect(bodies.pricing).toEqual({
      name: 'pricing',
      type: 'QUEUE',
      image: 'ghcr.io/acme/shop:1.0.0',
      args: '--entry dist/app.js --endpoint pricing --mode runpod',
      env: { CURRENCY: 'EUR', SWITCHYARD_ENDPOINT: 'pricing' },
      workers: { min: 0, max: 2 },
      scaling: { type: 'QUEUE_DELAY', queueDelay: 4 },
      timeout: 600000,
      cpu: [{ id: 'cpu3c', vcpuCount: 4 }],
    });
    expect(bodies.checkout).toMatchObject({
      gpu: { pools: ['ADA_24', 'AMPERE_48'] },
      workers: { min: 1, max: 3 },
      timeout: 900000,
      env: { SWITCHYARD_ENDPOINT: 'checkout', SWITCHYARD_DIRECTORY: 'runpod' },
    });
    expect(bodies.search).toMatchObject({
      type: 'LOAD_BALANCER',
      args: '--entry dist/app.js --endpoint search --mode load-balancer --host 0.0.0.0',
      env: { SWITCHYARD_ENDPOINT: 'search', PORT: '80' },
      scaling: { type: 'REQUEST_COUNT', requestCount: 4 },
    });
    for (const r of api.requests) expect(JSON.stringify(r.body ?? {})).not.toContain(KEY);

    // A variable set in RunPod's console (a secret) survives the update, which sends the whole env.
    (named('checkout').env as Record<string, string>).RUNPOD_API_KEY = '{{ RUNPOD_SECRET_switchyard_key }}';
    const second = await deploy(['--image', 'ghcr.io/acme/shop:1.1.0']);
    expect(second.code).toBe(0);
    expect(second.err).toBe('');
    expect(api.writes().slice(3).map((r) => [r.method, r.path, r.body])).toEqual([
      ['PATCH', '/v2/serverless/ep_new1', { image: 'ghcr.io/acme/shop:1.1.0' }],
      ['PATCH', '/v2/serverless/ep_new2', { image: 'ghcr.io/acme/shop:1.1.0' }],
      ['PATCH', '/v2/serverless/ep_new3', { image: 'ghcr.io/acme/shop:1.1.0' }],
    ]);
    expect(second.out).toMatch(/\ncheckout +checkout +ep_new1 +update: image\n/);
    expect(second.out).toContain('0 created, 3 updated, 0 unchanged.');
    expect(named('checkout').env).toMatchObject({ RUNPOD_API_KEY: '{{ RUNPOD_SECRET_switchyard_key }}' });

    named('pricing').workers = { min: 0, max: 9, idleTimeout: 5 };
    delete (named('pricing').env as Record<string, string>).CURRENCY;
    const third = await deploy(['--image', 'ghcr.io/acme/shop:1.1.0']);
    expect(third.out).toMatch(/\npricing +pricing +ep_new2 +update: env.CURRENCY, workers.max\n/);
    expect(api.writes().at(-1)).toMatchObject({ path: '/v2/serverless/ep_new2', body: { env: { CURRENCY: 'EUR', SWITCHYARD_ENDPOINT: 'pricing' }, workers: { min: 0, max: 2 } } });

    const writes = api.writes().length;
    const fourth = await deploy(['--image', 'ghcr.io/acme/shop:1.1.0']);
    expect(fourth.code).toBe(0);
    expect(api.writes()).toHaveLength(writes);
    expect(fourth.out).toMatch(/\ncheckout +checkout +ep_new1 +unchanged\npricing +pricing +ep_new2 +unchanged\nsearch +search +ep_new3 +unchanged\n/);
    expect(fourth.out).toContain('Nothing to change: all 3 endpoints are up to date.');
  });

  it("reads RunPod's GPU catalog only when a hint names a GPU type, and pins that type by excluding the pool's others", async () => {
    expect((await deploy(['--image', 'img:1', '--dry-run'])).code).toBe(0);
    expect(api.requests.some((r) => r.path === '/v2/catalog/gpus')).toBe(false);
    app = writeAppManifest([Render]);
    const first = await deploy(['--image', 'img:1']);
    expect(first.code).toBe(0);
    expect(api.requests.filter((r) => r.path === '/v2/catalog/gpus').map((r) => r.method)).toEqual(['GET']);
    expect((api.writes()[0]!.body as { gpu: unknown }).gpu).toEqual({ pools: ['AMPERE_48'], excludedTypes: ['NVIDIA RTX A6000'] });
    const second = await deploy(['--image', 'img:1']);
    expect(second.out).toContain('Nothing to change');
    expect(api.writes()).toHaveLength(1);
  });

  it('--dry-run prints the plan and makes no write request', async () => {
    api.endpoints.push(queueEndpoint('ep_old', 'pricing', { image: 'ghcr.io/acme/shop:0.9.0' }));
    const result = await deploy(['--image', 'ghcr.io/acme/shop:1.0.0', '--dry-run']);
    expect(result.code).toBe(0);
    expect(api.requests.map((r) => r.method)).toEqual(['GET']);
    expect(result.out).toMatch(/^ENDPOINT +RUNPOD NAME +ID +ACTION\ncheckout +checkout +- +create\npricing +pricing +ep_old +update: image, args, env.CURRENCY, env.SWITCHYARD_ENDPOINT, workers.max, timeout, cpu\nsearch +search +- +create\n/);
    expect(result.out).toContain('Dry run, nothing changed: 2 to create, 1 to update, 0 unchanged. Run it again without --dry-run to apply.');
  });

  it('names RunPod endpoints with --prefix/--suffix (or the environment), as RunpodDirectory then resolves them', async () => {
    const result = await deploy(['--image', 'img:1', '--suffix', '-prod'], { SWITCHYARD_RUNPOD_NAME_PREFIX: 'shop-' });
    expect(result.code).toBe(0);
    expect(api.endpoints.map((e) => e.name).sort()).toEqual(['shop-checkout-prod', 'shop-pricing-prod', 'shop-search-prod']);
    expect(result.out).toMatch(/\npricing +shop-pricing-prod +ep_new2 +create\n/);
    expect(result.out).toContain('SWITCHYARD_DIRECTORY=runpod and RUNPOD_API_KEY (with SWITCHYARD_RUNPOD_NAME_PREFIX=shop- and SWITCHYARD_RUNPOD_NAME_SUFFIX=-prod)');
    // The caller of other endpoints gets the same naming in its workers' environment.
    expect(named('shop-checkout-prod').env).toMatchObject({ SWITCHYARD_DIRECTORY: 'runpod', SWITCHYARD_RUNPOD_NAME_PREFIX: 'shop-', SWITCHYARD_RUNPOD_NAME_SUFFIX: '-prod' });
    const directory = new RunpodDirectory({ apiKey: KEY, restUrl: api.url, namePrefix: 'shop-', nameSuffix: '-prod', logger: silentLogger, defaults: loadDefaults({}) });
    expect(await directory.resolve('pricing', 'queue')).toEqual([expect.objectContaining({ url: 'https://api.runpod.ai/v2/ep_new2' })]);
    expect(await directory.resolve('search', 'load-balancer')).toEqual([expect.objectContaining({ url: 'https://ep_new3.api.runpod.ai' })]);
  });

  it('--only deploys the endpoints named, and refuses a name the manifest lacks', async () => {
    const result = await deploy(['--image', 'img:1', '--only', 'pricing,search']);
    expect(result.code).toBe(0);
    expect(api.writes().map((r) => (r.body as { name: string }).name)).toEqual(['pricing', 'search']);
    const unknown = await deploy(['--image', 'img:1', '--only', 'pricing,billing']);
    expect(unknown).toMatchObject({ code: 1, err: 'error: --only names "billing", which the manifest does not declare. Declared: checkout, pricing, search.\n' });
  });

  it('says which variable holds a key RunPod rejects (401) or that lacks access (403), without showing it', async () => {
    const rejected = await deploy(['--image', 'img:1'], { RUNPOD_API_KEY: 'rpa_WRONGKEY_000000000000' });
    expect(rejected.code).toBe(1);
    expect(rejected.err).not.toContain('WRONGKEY');
    expect(rejected.err).toBe(
      "error: Could not list the account's endpoints (GET /v2/serverless): RunPod's REST API rejected the key in RUNPOD_API_KEY (HTTP 401: Unauthorized: invalid bearer token). Set RUNPOD_API_KEY to a valid RunPod API key (console → Settings → API Keys).\n",
    );
    api.forbid = true;
    const forbidden = await deploy(['--image', 'img:1']);
    expect(forbidden.err).toContain('the key in RUNPOD_API_KEY is valid but may not do this (HTTP 403: Forbidden: access denied)');
    expect(api.writes()).toHaveLength(0);
  });

  it('retries HTTP 429 honouring Retry-After, then fails with a clear error when it persists', async () => {
    api.failNext(1, 429, { retryAfter: 1, method: 'GET' });
    api.failNext(2, 429, { method: 'POST' });
    const started = Date.now();
    const result = await deploy(['--image', 'img:1', '--only', 'pricing']);
    expect(result.code).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(api.requests.map((r) => r.method)).toEqual(['GET', 'GET', 'POST', 'POST', 'POST']);
    expect(api.endpoints).toHaveLength(1);

    api.failNext(10, 429, { method: 'POST' });
    const limited = await deploy(['--image', 'img:1', '--only', 'checkout']);
    expect(limited.code).toBe(1);
    expect(limited.err).toContain(
      'error: Could not create "checkout" (POST /v2/serverless): RunPod\'s REST API is rate-limiting this account (HTTP 429: Too Many Requests: rate limit exceeded for the minute window) after 4 attempts, the last asking to wait 0 s. ' +
        'Wait for the rate-limit window to pass and run switchyard deploy again; it picks up where it stopped.\n',
    );
  });

  it("reports another refusal with the API's message, redacting the key if RunPod quotes it", async () => {
    api.failNext(1, 422, { method: 'POST', detail: `$.env: value of FOO looks like an API key (${KEY})` });
    const result = await deploy(['--image', 'img:1', '--only', 'pricing']);
    expect(result).toMatchObject({ code: 1, err: 'error: Could not create "pricing" (POST /v2/serverless): RunPod\'s REST API answered HTTP 422: Unprocessable Entity: $.env: value of FOO looks like an API key ([redacted]).\n' });
  });

  it('refuses two RunPod endpoints of one name (naming both ids) and an endpoint of the other type, writing nothing', async () => {
    api.endpoints.push(queueEndpoint('dup1', 'pricing'), queueEndpoint('dup2', 'pricing'), queueEndpoint('q9', 'search'), loadBalancerEndpoint('lb1', 'checkout'));
    const result = await deploy(['--image', 'img:1']);
    expect(result.code).toBe(1);
    expect(result.err).toContain('error: switchyard deploy changed nothing: 3 problems:\n');
    expect(result.err).toContain('  - RunPod has 2 endpoints named "pricing": dup1, dup2. Deploy would not know which to update: rename or delete all but one in RunPod\'s console.\n');
    expect(result.err).toContain('  - RunPod endpoint "search" (q9) is a QUEUE endpoint, but @Endpoint "search" is declared as load-balancer. RunPod cannot change an endpoint\'s type');
    expect(result.err).toContain('  - RunPod endpoint "checkout" (lb1) is a LOAD_BALANCER endpoint, but @Endpoint "checkout" is declared as queue.');
    expect(api.writes()).toHaveLength(0);
  });

  it('needs --image and RUNPOD_API_KEY (exit 2), and a manifest', async () => {
    const noImage = await deploy([]);
    expect(noImage.code).toBe(2);
    expect(noImage.err).toContain("error: required option '--image <ref>' not specified");
    const noKey = await deploy(['--image', 'img:1'], { RUNPOD_API_KEY: '' });
    expect(noKey).toMatchObject({ code: 2, err: expect.stringContaining('error: switchyard deploy needs RUNPOD_API_KEY') });
    const noManifest = await deploy(['--image', 'img:1'], { SWITCHYARD_MANIFEST: join(app, 'missing.json') });
    expect(noManifest).toMatchObject({ code: 1, err: expect.stringContaining('missing.json: file not found. Run `switchyard build --entry <module>`') });
    expect(api.count).toBe(0);
  });

  it('runs as a real process: creates, then finds nothing to change', async () => {
    app = writeAppManifest([Pricing]);
    const run = (args: string[]) =>
      new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
        const child = spawn(process.execPath, [BIN, 'deploy', ...args], {
          cwd: app,
          env: { PATH: process.env.PATH, RUNPOD_API_KEY: KEY, RUNPOD_REST_API_URL: api.url },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        let err = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr.on('data', (d: Buffer) => (err += d.toString()));
        child.once('exit', (code) => resolve({ code, out, err }));
      });
    const first = await run(['--image', 'img:2', '--prefix', 'p-']);
    printed += first.out + first.err;
    expect(first).toMatchObject({ code: 0, err: '' });
    expect(first.out).toMatch(/\npricing +p-pricing +ep_new1 +create\n/);
    const second = await run(['--image', 'img:2', '--prefix', 'p-']);
    printed += second.out + second.err;
    expect(second.out).toContain('Nothing to change: the endpoint is up to date.');
    expect(api.writes()).toHaveLength(1);
  }, 30_000);
});
