import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadDefaults } from '../../config';
import { applyDeployPlan, type AppliedStep } from '../../deploy/deploy-apply';
import { planDeploy, type DeployPlan, type DeployStep } from '../../deploy/deploy-plan';
import { DEFAULT_IMAGE_ENTRY } from '../../deploy/endpoint-spec';
import { namesGpuTypes } from '../../deploy/gpu-catalog';
import { RUNPOD_NAMING_ENV, runpodNamingFromEnv, type RunpodNaming } from '../../deploy/runpod-endpoints';
import { RunpodRestClient } from '../../deploy/runpod-rest';
import { ConfigurationError, DeployError } from '../../errors';
import { loadManifest, type Manifest } from '../../manifest';
import { redact } from '../../observability/redaction';
import { addCommandHelp, required } from '../help-text';
import type { CliIo } from '../io';
import { formatTable } from '../table';
import { DEFAULT_MANIFEST_FILE } from './build';

/** Options of `switchyard deploy`, as commander parses them. */
export interface DeployCommandOptions {
  image: string;
  dryRun?: boolean;
  prefix?: string;
  suffix?: string;
  only?: string[];
  entry?: string;
  manifest?: string;
}

/**
 * Registers `switchyard deploy --image <ref> [--dry-run] [--prefix P] [--suffix S] [--only a,b]
 * [--entry <module>] [--manifest <file>]`: creates or updates one RunPod serverless endpoint per
 * `@Endpoint` of the manifest, through RunPod's REST API v2, and prints what it did.
 */
export function register(program: Command, io: CliIo): void {
  const command = program
    .command('deploy')
    .description("create or update one RunPod serverless endpoint per @Endpoint of the manifest (RunPod's REST API v2)")
    .requiredOption('--image <ref>', required('container image every endpoint runs, built from the Dockerfile switchyard init writes (e.g. ghcr.io/acme/shop:1.4.0)'))
    .option('--dry-run', 'list the endpoints and print the plan (create / update and what changes / unchanged); change nothing')
    .option('--prefix <prefix>', `prepended to each endpoint's name to make its RunPod name (default $${RUNPOD_NAMING_ENV.namePrefix})`)
    .option('--suffix <suffix>', `appended likewise (default $${RUNPOD_NAMING_ENV.nameSuffix})`)
    .option('--only <names>', 'deploy only these endpoints, comma-separated (default all)', (value: string) => value.split(',').map((n) => n.trim()).filter(Boolean))
    .option('--entry <module>', `compiled entry module inside the image, relative to its working directory (default ${DEFAULT_IMAGE_ENTRY})`)
    .option('--manifest <file>', `manifest to deploy (default $SWITCHYARD_MANIFEST, then ./${DEFAULT_MANIFEST_FILE})`)
    .action((options: DeployCommandOptions) => runDeploy(options, io));
  addCommandHelp(command, {
    required: ['--image <ref>'],
    env: [
      ['RUNPOD_API_KEY', 'RunPod API key with read/write access to serverless endpoints (required; sent only as the Authorization header)'],
      [RUNPOD_NAMING_ENV.namePrefix, 'default --prefix; the same one RunpodDirectory (SWITCHYARD_DIRECTORY=runpod) resolves names with'],
      [RUNPOD_NAMING_ENV.nameSuffix, 'default --suffix'],
      [RUNPOD_NAMING_ENV.restUrl, "RunPod's REST API (default https://api.runpod.io)"],
      ['SWITCHYARD_MANIFEST', `default --manifest (else ./${DEFAULT_MANIFEST_FILE})`],
      ['SWITCHYARD_MAX_RETRY_AFTER_MS', 'longest Retry-After honoured on HTTP 429, ms (default 30000)'],
    ],
    examples: [
      'npx tsc && npx switchyard build --entry dist/app.js',
      'docker build -t ghcr.io/acme/shop:1.4.0 . && docker push ghcr.io/acme/shop:1.4.0',
      'npx switchyard deploy --image ghcr.io/acme/shop:1.4.0 --prefix shop- --dry-run',
      'npx switchyard deploy --image ghcr.io/acme/shop:1.4.0 --prefix shop-',
      'npx switchyard deploy --image ghcr.io/acme/shop:1.4.1 --prefix shop- --only pricing,checkout',
    ],
  });
}

/** The `resources.gpu` hints of an endpoint as a list. */
function gpuHints(gpu: string | readonly string[] | undefined): readonly string[] {
  return gpu === undefined ? [] : typeof gpu === 'string' ? [gpu] : gpu;
}

/** The deploy command itself. */
async function runDeploy(options: DeployCommandOptions, io: CliIo): Promise<void> {
  const defaults = loadDefaults(io.env);
  const apiKey = defaults.apiKey;
  if (!apiKey) {
    throw new ConfigurationError("switchyard deploy needs RUNPOD_API_KEY: a RunPod API key with read/write access to serverless endpoints (RunPod's console → Settings → API Keys).", { option: 'RUNPOD_API_KEY' });
  }
  if (options.image.trim() === '') throw new ConfigurationError('--image is empty; give the image every endpoint runs, e.g. --image ghcr.io/acme/shop:1.4.0.', { option: '--image' });
  // Everything printed goes through the redaction, whatever a message might quote.
  const out = (text: string): void => io.stdout(redact(text, [apiKey]));
  const err = (text: string): void => io.stderr(redact(text, [apiKey]));

  const manifest = loadManifest(manifestPath(options, io));
  const env = runpodNamingFromEnv(io.env);
  const naming: RunpodNaming = { restUrl: env.restUrl, namePrefix: options.prefix ?? env.namePrefix, nameSuffix: options.suffix ?? env.nameSuffix };
  refuseKeyInManifest(manifest, apiKey);

  const client = new RunpodRestClient({ apiKey, restUrl: naming.restUrl, defaults });
  const existing = await client.listEndpoints();
  // The GPU catalog only when a hint names a GPU type (RunPod places workers by pool).
  const chosen = Object.entries(manifest.endpoints).filter(([name]) => !options.only?.length || options.only.includes(name));
  const gpuCatalog = chosen.some(([, e]) => namesGpuTypes(gpuHints(e.resources?.gpu))) ? await client.listGpuTypes() : undefined;
  const plan = planDeploy(manifest, existing, { image: options.image.trim(), entry: options.entry, naming, only: options.only, gpuCatalog });
  for (const note of plan.notes) err(`note: ${note}\n`);

  if (options.dryRun) {
    out(planTable(plan.steps.map((step) => ({ step, id: step.action === 'create' ? undefined : step.id }))));
    out(`\nDry run, nothing changed: ${summary(plan, 'to create', 'to update')}.${plan.steps.some((s) => s.action !== 'unchanged') ? ' Run it again without --dry-run to apply.' : ''}\n`);
    return;
  }
  const applied = await applyDeployPlan(plan, client, ({ step, id }) => {
    if (step.action === 'create') out(`created ${step.desired.endpoint} as RunPod endpoint "${step.desired.name}" (${id})\n`);
    if (step.action === 'update') out(`updated ${step.desired.endpoint}, RunPod endpoint "${step.desired.name}" (${id}): ${step.changes.join(', ')}\n`);
  });
  if (applied.some((a) => a.step.action !== 'unchanged')) out('\n');
  out(planTable(applied));
  const changed = applied.some((a) => a.step.action !== 'unchanged');
  out(`\n${changed ? `${summary(plan, 'created', 'updated')}.` : `Nothing to change: ${applied.length === 1 ? 'the endpoint is' : `all ${applied.length} endpoints are`} up to date.`}\n`);
  out(`Callers resolve them with SWITCHYARD_DIRECTORY=runpod and RUNPOD_API_KEY${namingHint(naming)}.\n`);
}

/** ENDPOINT / RUNPOD NAME / ID / ACTION, one row per step. */
function planTable(rows: ReadonlyArray<{ step: DeployStep; id?: string }>): string {
  return formatTable(
    ['ENDPOINT', 'RUNPOD NAME', 'ID', 'ACTION'],
    rows.map(({ step, id }) => [step.desired.endpoint, step.desired.name, id ?? '-', step.action === 'update' ? `update: ${step.changes.join(', ')}` : step.action]),
  );
}

function summary(plan: DeployPlan, created: string, updated: string): string {
  const count = (action: DeployStep['action']): number => plan.steps.filter((s) => s.action === action).length;
  return `${count('create')} ${created}, ${count('update')} ${updated}, ${count('unchanged')} unchanged`;
}

function namingHint(naming: RunpodNaming): string {
  const parts = [
    naming.namePrefix ? `${RUNPOD_NAMING_ENV.namePrefix}=${naming.namePrefix}` : '',
    naming.nameSuffix ? `${RUNPOD_NAMING_ENV.nameSuffix}=${naming.nameSuffix}` : '',
  ].filter(Boolean);
  return parts.length > 0 ? ` (with ${parts.join(' and ')})` : '';
}

/** --manifest, else SWITCHYARD_MANIFEST, else ./switchyard.manifest.json (the one loadManifest reports missing). */
function manifestPath(options: DeployCommandOptions, io: CliIo): string {
  const given = options.manifest ?? (io.env.SWITCHYARD_MANIFEST?.trim() || undefined);
  const path = resolve(io.cwd, given ?? DEFAULT_MANIFEST_FILE);
  if (given === undefined && !existsSync(path)) {
    throw new ConfigurationError(`switchyard deploy found no manifest at ${path}. Run switchyard build --entry <module> first, or pass --manifest <file> (or SWITCHYARD_MANIFEST).`, { option: '--manifest' });
  }
  return path;
}

/** The key must not reach RunPod as an endpoint variable, whatever it is called in resources.env. */
function refuseKeyInManifest(manifest: Manifest, apiKey: string): void {
  for (const [endpoint, entry] of Object.entries(manifest.endpoints)) {
    for (const [name, value] of Object.entries(entry.resources?.env ?? {})) {
      if (value.includes(apiKey)) {
        throw new DeployError(`@Endpoint "${endpoint}": resources.env.${name} holds the RunPod API key (RUNPOD_API_KEY). Secrets never go in the manifest: remove it, rebuild, and add it as a RunPod secret on the endpoint instead.`, { endpoint });
      }
    }
  }
}
