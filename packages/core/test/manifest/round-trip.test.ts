import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Endpoint, Remote, forgetEndpoint } from '@switchyard/decorators';
import { ManifestError } from '../../src/errors';
import { Manifest, ManifestEndpoint, buildManifest, loadManifest, manifestToJson, writeManifest } from '../../src/manifest';
import { endpointOf, methodOf, validManifest } from './valid-manifest';

function declareApp(): void {
  @Endpoint({ name: 'storage', resources: { cpu: 'cpu3c', env: { BUCKET: 'images' } } })
  class Storage {
    @Remote({ idempotent: true, retries: 3, timeoutMs: 2_000 })
    async put(key: string, data: Uint8Array): Promise<number> {
      return key.length + data.length;
    }
  }

  @Endpoint({ name: 'workflow', type: 'load-balancer', resources: { gpu: 'NVIDIA A40', workersMin: 1, workersMax: 1 } })
  class Workflow {
    constructor(readonly storage: Storage) {}
    @Remote({ fallback: 'local' })
    async run(key: string): Promise<string> {
      return key;
    }
    @Remote({ name: 'status' })
    async describe(): Promise<string> {
      return 'ok';
    }
  }
  void Workflow;
}

function manifestError(load: () => unknown): ManifestError {
  try {
    load();
  } catch (error) {
    if (error instanceof ManifestError) return error;
    throw error;
  }
  throw new Error('expected a ManifestError');
}

describe('manifest build -> JSON -> load', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'switchyard-manifest-'));
  });
  afterEach(() => {
    forgetEndpoint();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads a written manifest back equal to the built one, and writes it back byte for byte', () => {
    declareApp();
    const built = buildManifest(undefined, { project: 'demo', now: new Date('2026-02-01T00:00:00.000Z') });
    const file = join(dir, 'nested', 'switchyard.manifest.json');
    writeManifest(file, built);

    const loaded = loadManifest(file);
    expect(loaded).toStrictEqual(built);
    expect(loaded).toBeInstanceOf(Manifest);
    expect(loaded.endpoints.workflow).toBeInstanceOf(ManifestEndpoint);
    expect(readFileSync(file, 'utf8')).toBe(manifestToJson(built));
    expect(manifestToJson(loaded)).toBe(manifestToJson(built));
  });

  it('loads the parsed JSON object, or a Manifest itself, the same way as the file', () => {
    declareApp();
    const built = buildManifest(undefined, { project: 'demo', now: new Date('2026-02-01T00:00:00.000Z') });

    expect(loadManifest(JSON.parse(manifestToJson(built)) as object)).toStrictEqual(built);
    expect(loadManifest(built)).toStrictEqual(built);
  });

  it('resolves a relative path from the current directory', () => {
    writeFileSync(join(dir, 'm.json'), JSON.stringify(validManifest()));

    expect(loadManifest(relative(process.cwd(), join(dir, 'm.json'))).project).toBe('demo');
  });

  it('writes pretty JSON with a trailing newline, fields in a fixed order and maps sorted', () => {
    const raw = validManifest();
    // Reverse the insertion order of every map: the output must not depend on it.
    raw.endpoints = Object.fromEntries(Object.entries(raw.endpoints as object).reverse());
    raw.function_registry = Object.fromEntries(Object.entries(raw.function_registry as object).reverse());
    const json = manifestToJson(loadManifest(raw));

    expect(json.endsWith('}\n')).toBe(true);
    expect(json.startsWith('{\n  "version": 1,\n  "generatedAt": "2026-01-20T10:00:00.000Z",\n  "project": "demo",\n  "endpoints": {\n    "image-processor": {\n      "type": "queue",')).toBe(true);
    const parsed = JSON.parse(json) as Record<string, Record<string, unknown>>;
    expect(Object.keys(parsed)).toEqual(['version', 'generatedAt', 'project', 'endpoints', 'function_registry', 'resources_endpoints']);
    expect(Object.keys(parsed.endpoints)).toEqual(['image-processor', 'storage', 'workflow']);
    expect(Object.keys(parsed.function_registry)).toEqual(['image-processor.resize', 'image-processor.thumbnail', 'storage.put', 'workflow.run']);
    expect(Object.keys(parsed.endpoints.storage as object)).toEqual(['type', 'resources', 'methods', 'dependsOn', 'contract']);
  });

  it('does not modify the object it is given', () => {
    const raw = validManifest();
    const copy = structuredClone(raw);
    loadManifest(raw);

    expect(raw).toEqual(copy);
  });

  it('keeps resources_endpoints, single URLs and replica lists', () => {
    const loaded = loadManifest(validManifest());

    expect(loaded.resources_endpoints).toEqual({
      'image-processor': ['https://img-1.example.test/v2/image-processor', 'https://img-2.example.test/v2/image-processor'],
      storage: 'http://127.0.0.1:9000/v2/storage',
    });
  });

  it('names the file when it does not exist', () => {
    const file = join(dir, 'missing.json');
    const error = manifestError(() => loadManifest(file));

    expect(error.file).toBe(file);
    expect(error.path).toBe('');
    expect(error.message).toBe(`${file}: file not found. Run \`switchyard build --entry <module>\` to create it, or pass the right path (SWITCHYARD_MANIFEST).`);
  });

  it('names the file when it is not valid JSON', () => {
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{"version": 1,');
    const error = manifestError(() => loadManifest(file));

    expect(error.file).toBe(file);
    expect(error.message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: is not valid JSON \\(.+\\)\\. Fix the file`));
  });

  it('names the file and the field path for a bad field in a file', () => {
    const raw = validManifest();
    methodOf(raw, 'image-processor', 1).timeoutMs = -5;
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify(raw));
    const error = manifestError(() => loadManifest(file));

    expect(error.file).toBe(file);
    expect(error.path).toBe('endpoints["image-processor"].methods[1].timeoutMs');
    expect(error.message.startsWith(`${file}: endpoints["image-processor"].methods[1].timeoutMs must be a positive integer, got -5.`)).toBe(true);
  });
});

describe('manifest unknown-field rule', () => {
  it('keeps top-level x- fields verbatim and writes them back after the known fields', () => {
    const raw = { ...validManifest(), 'x-deploy': { region: 'EU-RO-1', ids: [1, 2] }, 'x-built-by': 'ci' };
    const loaded = loadManifest(raw);

    expect(loaded['x-deploy']).toEqual({ region: 'EU-RO-1', ids: [1, 2] });
    expect(loaded['x-built-by']).toBe('ci');
    const parsed = JSON.parse(manifestToJson(loaded)) as Record<string, unknown>;
    expect(Object.keys(parsed).slice(-2)).toEqual(['x-built-by', 'x-deploy']);
    expect(loadManifest(parsed)).toStrictEqual(loaded);
  });

  it('keeps x- fields in an endpoint entry', () => {
    const raw = validManifest();
    endpointOf(raw, 'storage')['x-runpod-endpoint-id'] = 'abc123';
    const loaded = loadManifest(raw);

    expect(loaded.endpoints.storage['x-runpod-endpoint-id']).toBe('abc123');
    expect(JSON.parse(manifestToJson(loaded)).endpoints.storage['x-runpod-endpoint-id']).toBe('abc123');
  });

  it('refuses an unknown top-level field that does not start with x-, naming it', () => {
    const error = manifestError(() => loadManifest({ ...validManifest(), routes: {} }));

    expect(error.path).toBe('routes');
    expect(error.message).toContain('<object>: routes is not a known field; remove it');
  });

  it('refuses an unknown field in an endpoint entry', () => {
    const raw = validManifest();
    endpointOf(raw, 'storage').replicas = 2;

    expect(manifestError(() => loadManifest(raw)).path).toBe('endpoints["storage"].replicas');
  });

  it('refuses x- fields deeper than an endpoint entry (methods and resources are closed)', () => {
    const raw = validManifest();
    (endpointOf(raw, 'storage').resources as Record<string, unknown>)['x-note'] = 'hi';

    expect(manifestError(() => loadManifest(raw)).path).toBe('endpoints["storage"].resources["x-note"]');
  });
});
