import { ConfigurationError, DeployError } from '../errors';
import type { Manifest } from '../manifest/model';
import { createBody, desiredEndpoint, type DesiredEndpoint, type EndpointSpecOptions } from './endpoint-spec';
import type { CreateEndpointBody, UpdateEndpointBody } from './runpod-rest';
import { describeRunpodName, findByName, SWITCHYARD_TYPES, type RunpodEndpoint } from './runpod-endpoints';

/**
 * The planner of `switchyard deploy`: manifest + the account's endpoints → one step per
 * `@Endpoint`. Pure (no I/O), so a dry run and a real run plan the same thing, and a second run
 * after a successful one plans nothing but `unchanged`.
 */

/** What deploy does to one endpoint. */
export type DeployStep =
  | { action: 'create'; desired: DesiredEndpoint; body: CreateEndpointBody }
  | { action: 'update'; desired: DesiredEndpoint; id: string; changes: string[]; body: UpdateEndpointBody }
  | { action: 'unchanged'; desired: DesiredEndpoint; id: string };

/** The plan: steps in manifest order, and notes worth printing (never errors). */
export interface DeployPlan {
  steps: DeployStep[];
  notes: string[];
}

/** Options of {@link planDeploy}: those of each endpoint's spec, and which endpoints. */
export interface PlanOptions extends EndpointSpecOptions {
  /** Deploy only these endpoints (names as in the manifest). Default: all. */
  only?: readonly string[];
}

/**
 * Plans the deploy of `manifest`'s endpoints against `existing` (GET /v2/serverless).
 *
 * @throws ConfigurationError when `only` names an endpoint the manifest lacks
 * @throws DeployError listing every problem (in `details`): a resource hint RunPod cannot take,
 *   two RunPod endpoints of one name (their ids), an endpoint of the other type, a change of
 *   compute family (GPU ↔ CPU)
 */
export function planDeploy(manifest: Manifest, existing: readonly RunpodEndpoint[], options: PlanOptions): DeployPlan {
  const names = Object.keys(manifest.endpoints);
  const unknown = (options.only ?? []).filter((n) => !names.includes(n));
  if (unknown.length > 0) {
    throw new ConfigurationError(`--only names ${unknown.map((n) => `"${n}"`).join(', ')}, which the manifest does not declare. Declared: ${names.join(', ') || 'none'}.`, { option: '--only' });
  }
  const chosen = options.only && options.only.length > 0 ? names.filter((n) => options.only!.includes(n)) : names;
  const problems = new Set<string>();
  const steps: DeployStep[] = [];
  const notes: string[] = [];
  for (const endpoint of chosen) {
    const spec = desiredEndpoint(endpoint, manifest.endpoints[endpoint]!, options);
    for (const p of spec.problems) problems.add(p);
    if (!spec.desired) continue;
    const step = stepFor(spec.desired, existing, problems);
    if (!step) continue;
    steps.push(step);
    const env = step.action === 'create' ? step.desired.env : { ...existingEnv(existing, step.id), ...step.desired.env };
    if (step.desired.dependsOn.length > 0 && env.RUNPOD_API_KEY === undefined) {
      notes.push(
        `"${endpoint}" calls ${step.desired.dependsOn.join(', ')}: its workers need RUNPOD_API_KEY to find and call ${step.desired.dependsOn.length === 1 ? 'it' : 'them'}. ` +
          `Add it to RunPod endpoint "${step.desired.name}" as a secret (e.g. RUNPOD_API_KEY = {{ RUNPOD_SECRET_switchyard_key }}); deploy keeps variables it does not set.`,
      );
    }
  }
  if (problems.size > 0) {
    const details = [...problems];
    throw new DeployError(`switchyard deploy changed nothing: ${details.length === 1 ? details[0] : `${details.length} problems:\n  - ${details.join('\n  - ')}`}`, { details });
  }
  return { steps, notes };
}

/** The step of one desired endpoint, or undefined after adding its conflict to `problems`. */
function stepFor(desired: DesiredEndpoint, existing: readonly RunpodEndpoint[], problems: Set<string>): DeployStep | undefined {
  const match = findByName(existing, desired.name);
  const shown = describeRunpodName(desired.name, desired.endpoint);
  if (match.kind === 'none') return { action: 'create', desired, body: createBody(desired) };
  if (match.kind === 'many') {
    problems.add(`RunPod has ${match.ids.length} endpoints named ${shown}: ${match.ids.join(', ')}. Deploy would not know which to update: rename or delete all but one in RunPod's console.`);
    return undefined;
  }
  const current = match.endpoint;
  if (current.type !== desired.type) {
    problems.add(
      `RunPod endpoint ${shown} (${current.id}) is a ${current.type} endpoint, but @Endpoint "${desired.endpoint}" is declared as ${SWITCHYARD_TYPES[desired.type]}. ` +
        `RunPod cannot change an endpoint's type: delete or rename ${current.id} in RunPod's console, or declare @Endpoint({ type: '${SWITCHYARD_TYPES[current.type]}' }).`,
    );
    return undefined;
  }
  const isCpu = (current.cpu?.length ?? 0) > 0;
  const isGpu = (current.gpu?.pools.length ?? 0) > 0;
  if ((desired.gpu && isCpu) || (desired.cpu && isGpu)) {
    problems.add(
      `RunPod endpoint ${shown} (${current.id}) is a ${isCpu ? 'CPU' : 'GPU'} endpoint, but @Endpoint "${desired.endpoint}" asks for ${desired.gpu ? 'a GPU' : 'a CPU'}. ` +
        `RunPod cannot change an endpoint's compute family: delete ${current.id} in RunPod's console so deploy creates it anew, or change resources.`,
    );
    return undefined;
  }
  const { changes, body } = differences(desired, current);
  return changes.length === 0 ? { action: 'unchanged', desired, id: current.id } : { action: 'update', desired, id: current.id, changes, body };
}

/** The managed fields that differ, by name (env by variable name, never value), and the PATCH body that fixes them. */
export function differences(desired: DesiredEndpoint, current: RunpodEndpoint): { changes: string[]; body: UpdateEndpointBody } {
  const changes: string[] = [];
  const body: UpdateEndpointBody = {};
  if (current.image !== desired.image) {
    changes.push('image');
    body.image = desired.image;
  }
  if ((current.args ?? '') !== desired.args) {
    changes.push('args');
    body.args = desired.args;
  }
  const envChanges = Object.entries(desired.env)
    .filter(([name, value]) => current.env?.[name] !== value)
    .map(([name]) => `env.${name}`);
  if (envChanges.length > 0) {
    changes.push(...envChanges);
    // A PATCH replaces the whole env: send the variables deploy does not manage back unchanged.
    body.env = { ...(current.env ?? {}), ...desired.env };
  }
  const workerChanges = (['min', 'max'] as const).filter((k) => current.workers?.[k] !== desired.workers[k]);
  if (workerChanges.length > 0) {
    changes.push(...workerChanges.map((k) => `workers.${k}`));
    body.workers = { ...desired.workers };
  }
  if (current.timeout !== desired.timeout) {
    changes.push('timeout');
    body.timeout = desired.timeout;
  }
  if (desired.gpu) {
    const { pools, excludedTypes } = desired.gpu;
    const poolsChanged = !sameList(current.gpu?.pools ?? [], pools);
    // Exclusions are deploy's only when a hint named GPU types; otherwise those set in the console stay.
    const excludedChanged = excludedTypes !== undefined && !sameList([...(current.gpu?.excludedTypes ?? [])].sort(), excludedTypes);
    if (poolsChanged) changes.push('gpu.pools');
    if (excludedChanged) changes.push('gpu.excludedTypes');
    // `pools` and `excludedTypes` are one selection: RunPod takes exclusions only with the pools.
    if (poolsChanged || excludedChanged) body.gpu = { pools: [...pools], ...(excludedTypes ? { excludedTypes: [...excludedTypes] } : {}) };
  }
  if (desired.cpu && !sameList((current.cpu ?? []).map(cpuKey), desired.cpu.map(cpuKey))) {
    changes.push('cpu');
    body.cpu = desired.cpu.map((c) => ({ ...c }));
  }
  return { changes, body };
}

function existingEnv(existing: readonly RunpodEndpoint[], id: string): Record<string, string> {
  return existing.find((e) => e.id === id)?.env ?? {};
}

function cpuKey(c: { id: string; vcpuCount: number }): string {
  return `${c.id}/${c.vcpuCount}`;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
