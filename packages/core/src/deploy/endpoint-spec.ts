import type { ManifestEndpoint } from '../manifest/model';
import type { CreateEndpointBody } from './runpod-rest';
import { gpuSelection, type GpuTypeInfo } from './gpu-catalog';
import { RUNPOD_NAMING_ENV, RUNPOD_TYPES, runpodName, type RunpodEndpointType, type RunpodNaming } from './runpod-endpoints';

/**
 * What one `@Endpoint` of the manifest should look like on RunPod: the fields `switchyard deploy`
 * manages. Everything else of a RunPod endpoint (flashboot, data centers, volumes, idle
 * timeout, scaling after creation, env variables the manifest does not name) is left as it is,
 * so settings made in RunPod's console survive a deploy.
 */
export interface DesiredEndpoint extends CreateEndpointBody {
  /** The `@Endpoint` name (`name` is the RunPod name: `<prefix><endpoint><suffix>`). */
  endpoint: string;
  /** Endpoints this one calls (the manifest's dependsOn). */
  dependsOn: readonly string[];
}

/** How deploy describes the endpoints: the image, where the entry module is inside it, the names. */
export interface EndpointSpecOptions {
  /** The image every endpoint runs, e.g. `ghcr.io/acme/shop:1.4.0`. */
  image: string;
  /** The compiled entry module inside the image, relative to its working directory. Default `dist/app.js`. */
  entry?: string;
  /** RunPod names and REST URL (prefix/suffix are passed on to endpoints that call others). */
  naming?: RunpodNaming;
  /** RunPod's GPU catalog (GET /v2/catalog/gpus), needed when a `resources.gpu` hint names a GPU type rather than a pool. */
  gpuCatalog?: readonly GpuTypeInfo[];
}

/** The entry module `switchyard init`'s app and Dockerfile use. */
export const DEFAULT_IMAGE_ENTRY = 'dist/app.js';
/** RunPod's `workers` defaults (`CreateEndpointRequest`), the ResourceHints defaults too. */
export const DEFAULT_WORKERS = { min: 0, max: 3 } as const;
/** Switchyard's per-call default deadline, ms: a method without `timeoutMs` may run this long. */
export const DEFAULT_METHOD_TIMEOUT_MS = 600_000;
/** vCPUs per worker when `resources.cpu` names only a flavour (the document's minimum). */
export const DEFAULT_VCPU_COUNT = 2;
/** Scaling set on create: RunPod's documented example values, queue delay 4 s / 4 requests per worker. */
export const DEFAULT_SCALING = {
  QUEUE: { type: 'QUEUE_DELAY', queueDelay: 4 },
  LOAD_BALANCER: { type: 'REQUEST_COUNT', requestCount: 4 },
} as const satisfies Record<RunpodEndpointType, CreateEndpointBody['scaling']>;
/** Port a load-balancer worker listens on when resources.env sets no PORT: RunPod's default (EndpointType). */
export const DEFAULT_LOAD_BALANCER_PORT = '80';

/** `cpu3c`, `cpu3c-4` (vCPUs) or RunPod's instance form `cpu3c-4-8` (vCPUs, memory, ignored: RunPod derives it). */
const CPU_HINT = /^([a-z0-9]+)(?:-(\d+)(?:-\d+)?)?$/;
/** Variables deploy itself sets; the manifest may not give them other values. */
const SECRET_NAMES = ['RUNPOD_API_KEY'];

/**
 * The desired RunPod endpoint of one manifest endpoint, or the problems that keep it from being
 * one (each a full sentence naming the endpoint). Pure: no I/O, no environment.
 */
export function desiredEndpoint(endpoint: string, entry: ManifestEndpoint, options: EndpointSpecOptions): { desired?: DesiredEndpoint; problems: string[] } {
  const problems: string[] = [];
  const where = `@Endpoint "${endpoint}"`;
  const r = entry.resources ?? {};
  const type = RUNPOD_TYPES[entry.type];
  const naming = options.naming ?? {};
  const entryPath = options.entry ?? DEFAULT_IMAGE_ENTRY;

  const env: Record<string, string> = { ...(r.env ?? {}) };
  for (const name of SECRET_NAMES) {
    if (name in env) problems.push(`${where}: resources.env sets ${name}, a secret. Secrets never go in the manifest: add ${name} as a RunPod secret on the endpoint (RunPod's console), where deploy leaves it alone.`);
  }
  if (env.SWITCHYARD_ENDPOINT !== undefined && env.SWITCHYARD_ENDPOINT !== endpoint) {
    problems.push(`${where}: resources.env sets SWITCHYARD_ENDPOINT=${env.SWITCHYARD_ENDPOINT}, but deploy sets it to the endpoint's own name. Remove it from resources.env.`);
  }
  env.SWITCHYARD_ENDPOINT = endpoint;
  if (type === 'LOAD_BALANCER' && env.PORT === undefined) env.PORT = DEFAULT_LOAD_BALANCER_PORT;
  // An endpoint that calls others resolves them the way deploy named them, unless it says otherwise.
  if (entry.dependsOn.length > 0 && env.SWITCHYARD_DIRECTORY === undefined && env.SWITCHYARD_DIRECTORY_URL === undefined) {
    env.SWITCHYARD_DIRECTORY = 'runpod';
    if (naming.namePrefix) env[RUNPOD_NAMING_ENV.namePrefix] = naming.namePrefix;
    if (naming.nameSuffix) env[RUNPOD_NAMING_ENV.nameSuffix] = naming.nameSuffix;
    if (naming.restUrl) env[RUNPOD_NAMING_ENV.restUrl] = naming.restUrl;
  }

  const workers = { min: r.workersMin ?? DEFAULT_WORKERS.min, max: r.workersMax ?? DEFAULT_WORKERS.max };
  if (workers.min > workers.max) problems.push(`${where}: resources.workersMin (${workers.min}) is above workersMax (${workers.max}${r.workersMax === undefined ? ', the default' : ''}). Set workersMax too.`);

  let gpu: DesiredEndpoint['gpu'];
  let cpu: DesiredEndpoint['cpu'];
  if (r.gpu !== undefined && r.cpu !== undefined) {
    problems.push(`${where}: resources sets both gpu and cpu; a RunPod endpoint is either a GPU or a CPU endpoint. Keep one.`);
  } else if (r.gpu !== undefined) {
    const selection = gpuSelection(typeof r.gpu === 'string' ? [r.gpu] : [...r.gpu], options.gpuCatalog);
    if ('problem' in selection) problems.push(`${where}: ${selection.problem}`);
    else gpu = selection;
  } else if (r.cpu !== undefined) {
    const match = CPU_HINT.exec(r.cpu);
    const vcpuCount = match?.[2] === undefined ? DEFAULT_VCPU_COUNT : Number(match[2]);
    if (!match || vcpuCount < 2 || (vcpuCount & (vcpuCount - 1)) !== 0) {
      problems.push(`${where}: resources.cpu ${JSON.stringify(r.cpu)} is not a CPU flavour with an optional vCPU count (a power of two, at least 2), e.g. "cpu3c", "cpu5c-4" or "cpu3c-4-8".`);
    } else {
      cpu = [{ id: match[1]!, vcpuCount }];
    }
  }

  if (/[\s"'\\]/.test(entryPath)) {
    problems.push(`--entry ${JSON.stringify(entryPath)} contains spaces or quotes; RunPod passes the start arguments as one string. Use a path without them, e.g. dist/app.js.`);
  }
  const mode = type === 'QUEUE' ? '--mode runpod' : '--mode load-balancer --host 0.0.0.0';
  // RunPod stops a job at the endpoint's timeout: let the slowest method run its whole deadline.
  const timeout = Math.max(...(entry.methods.length > 0 ? entry.methods.map((m) => m.timeoutMs ?? DEFAULT_METHOD_TIMEOUT_MS) : [DEFAULT_METHOD_TIMEOUT_MS]));

  if (problems.length > 0) return { problems };
  return {
    problems,
    desired: {
      endpoint,
      name: runpodName(endpoint, naming),
      type,
      image: options.image,
      args: `--entry ${entryPath} --endpoint ${endpoint} ${mode}`,
      env,
      workers,
      timeout,
      ...(gpu ? { gpu } : {}),
      ...(cpu ? { cpu } : {}),
      scaling: DEFAULT_SCALING[type],
      dependsOn: entry.dependsOn,
    },
  };
}

/** The `POST /v2/serverless` body of a desired endpoint. */
export function createBody(d: DesiredEndpoint): CreateEndpointBody {
  return {
    name: d.name,
    type: d.type,
    image: d.image,
    args: d.args,
    env: { ...d.env },
    workers: { ...d.workers },
    scaling: { ...d.scaling },
    timeout: d.timeout,
    ...(d.gpu ? { gpu: { pools: [...d.gpu.pools], ...(d.gpu.excludedTypes ? { excludedTypes: [...d.gpu.excludedTypes] } : {}) } } : {}),
    ...(d.cpu ? { cpu: d.cpu.map((c) => ({ ...c })) } : {}),
  };
}
