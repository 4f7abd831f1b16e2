import { basename } from 'node:path';
import { delay, inject, injectable } from 'tsyringe';
import { Endpoint, Remote, forgetEndpoint, getEndpointMetadata, listEndpoints } from '@switchyard/decorators';
import { ManifestError } from '../../src/errors';
import { Manifest, ManifestEndpoint, ManifestMethod, buildManifest, contractHash, manifestToJson } from '../../src/manifest';

const NOW = new Date('2026-01-20T10:00:00.000Z');

/** Three endpoints: workflow needs image-processor directly and storage through a plain class. */
function declareApp() {
  @Endpoint({ name: 'storage', resources: { cpu: 'cpu3c', env: { ZONE: 'eu', BUCKET: 'images' } } })
  class Storage {
    @Remote()
    async put(key: string, data: Uint8Array): Promise<number> {
      return key.length + data.length;
    }
  }

  @Endpoint({ name: 'image-processor', resources: { gpu: ['AMPERE_16', 'ADA_24'], workersMin: 0, workersMax: 2 } })
  class ImageProcessor {
    @Remote({ idempotent: true, retries: 2 })
    async thumbnail(image: Uint8Array): Promise<Uint8Array> {
      return image;
    }
    @Remote({ timeoutMs: 30_000 })
    async resize(image: Uint8Array, width: number): Promise<Uint8Array> {
      return image.subarray(0, width);
    }
  }

  @injectable()
  class Uploader {
    constructor(readonly storage: Storage) {}
  }

  @Endpoint({ name: 'workflow', type: 'load-balancer' })
  class Workflow {
    constructor(
      readonly images: ImageProcessor,
      readonly uploader: Uploader,
    ) {}
    @Remote({ fallback: 'local' })
    async run(key: string): Promise<string> {
      return key;
    }
  }
  return { Storage, ImageProcessor, Uploader, Workflow };
}

describe('buildManifest', () => {
  afterEach(() => forgetEndpoint());

  it('builds every endpoint decorated in the process when given no list', () => {
    declareApp();
    const manifest = buildManifest(undefined, { project: 'demo', now: NOW });

    expect(manifest).toBeInstanceOf(Manifest);
    expect(manifest.version).toBe(1);
    expect(manifest.generatedAt).toBe('2026-01-20T10:00:00.000Z');
    expect(manifest.project).toBe('demo');
    expect(Object.keys(manifest.endpoints)).toEqual(['image-processor', 'storage', 'workflow']);
    expect(manifest.resources_endpoints).toBeUndefined();
  });

  it('writes each endpoint with its type, resources, methods sorted by name, dependencies and contract', () => {
    const { ImageProcessor } = declareApp();
    const manifest = buildManifest(undefined, { project: 'demo', now: NOW });
    const images = manifest.endpoints['image-processor'];

    expect(images).toBeInstanceOf(ManifestEndpoint);
    expect(images.type).toBe('queue');
    expect({ ...images.resources }).toEqual({ gpu: ['AMPERE_16', 'ADA_24'], workersMin: 0, workersMax: 2 });
    expect(images.methods.map((m) => ({ ...m }))).toEqual([
      { name: 'resize', property: 'resize', timeoutMs: 30_000, idempotent: false, retries: 0, fallback: 'none', arity: 2 },
      { name: 'thumbnail', property: 'thumbnail', idempotent: true, retries: 2, fallback: 'none', arity: 1 },
    ]);
    expect(images.methods[0]).toBeInstanceOf(ManifestMethod);
    expect('timeoutMs' in images.methods[1]).toBe(false);
    expect(images.dependsOn).toEqual([]);
    expect(images.contract).toBe(contractHash(getEndpointMetadata(ImageProcessor)!));
    expect(manifest.endpoints.workflow.type).toBe('load-balancer');
    expect(manifest.endpoints.workflow.methods[0].fallback).toBe('local');
  });

  it('sorts resources.env by variable name', () => {
    declareApp();
    const manifest = buildManifest(undefined, { project: 'demo', now: NOW });

    expect(Object.keys(manifest.endpoints.storage.resources.env!)).toEqual(['BUCKET', 'ZONE']);
  });

  it('derives dependsOn from constructor types, looking through plain injectable classes', () => {
    declareApp();
    const manifest = buildManifest(undefined, { project: 'demo', now: NOW });

    expect(manifest.endpoints.workflow.dependsOn).toEqual(['image-processor', 'storage']);
    expect(manifest.endpoints.storage.dependsOn).toEqual([]);
  });

  it('sees dependencies injected with @inject(Class) and @inject(delay(() => Class))', () => {
    @Endpoint({ name: 'late' })
    class Late {}
    @Endpoint({ name: 'direct' })
    class Direct {}

    @Endpoint({ name: 'consumer' })
    class Consumer {
      constructor(@inject(Direct) readonly direct: object, @inject(delay(() => Late)) readonly late: object) {}
    }
    void Consumer;

    expect(buildManifest(undefined, { now: NOW }).endpoints.consumer.dependsOn).toEqual(['direct', 'late']);
  });

  it('fills function_registry with one "<endpoint>.<method>" entry per remote method', () => {
    declareApp();
    const manifest = buildManifest(undefined, { project: 'demo', now: NOW });

    expect(manifest.function_registry).toEqual({
      'image-processor.resize': 'image-processor',
      'image-processor.thumbnail': 'image-processor',
      'storage.put': 'storage',
      'workflow.run': 'workflow',
    });
    expect(Object.keys(manifest.function_registry)).toEqual(Object.keys(manifest.function_registry).sort());
  });

  it('accepts classes or the metadata listEndpoints() returns, and builds only those', () => {
    const { Storage, ImageProcessor } = declareApp();
    const fromClasses = buildManifest([Storage, ImageProcessor], { project: 'demo', now: NOW });
    const fromMetadata = buildManifest(
      listEndpoints().filter((e) => e.name !== 'workflow'),
      { project: 'demo', now: NOW },
    );

    expect(Object.keys(fromClasses.endpoints)).toEqual(['image-processor', 'storage']);
    expect(manifestToJson(fromMetadata)).toBe(manifestToJson(fromClasses));
  });

  it('gives the same JSON for the same classes however they are listed', () => {
    const { Storage, ImageProcessor, Workflow } = declareApp();
    const a = manifestToJson(buildManifest([Workflow, Storage, ImageProcessor], { project: 'demo', now: NOW }));
    const b = manifestToJson(buildManifest([ImageProcessor, Workflow, Storage, Storage], { project: 'demo', now: NOW }));

    expect(a).toBe(b);
  });

  it('defaults generatedAt to now and project to the current folder name', () => {
    declareApp();
    const before = Date.now();
    const manifest = buildManifest();

    expect(Date.parse(manifest.generatedAt)).toBeGreaterThanOrEqual(before - 1);
    expect(manifest.project).toBe(basename(process.cwd()));
  });

  it('refuses a class that is not an endpoint', () => {
    class Plain {}

    expect(() => buildManifest([Plain])).toThrow(
      new ManifestError({ file: '<build>', problem: 'class Plain is not decorated with @Endpoint; decorate it or leave it out of the list passed to buildManifest.' }),
    );
  });

  it('refuses an endpoint whose dependency is missing from the list, naming both', () => {
    const { Workflow } = declareApp();

    try {
      buildManifest([Workflow]);
      throw new Error('expected a ManifestError');
    } catch (error) {
      expect(error).toBeInstanceOf(ManifestError);
      expect((error as ManifestError).path).toBe('endpoints["workflow"].dependsOn');
      expect((error as ManifestError).message).toContain('needs endpoint "image-processor" (class ImageProcessor), which is not in the list passed to buildManifest');
    }
  });

  it('refuses two classes with one endpoint name (possible after forgetEndpoint)', () => {
    const make = () => {
      @Endpoint({ name: 'twin' })
      class Twin {}
      return Twin;
    };
    const first = make();
    forgetEndpoint(first);
    const second = make();

    expect(() => buildManifest([first, second])).toThrow(/endpoints\["twin"\] is declared by two classes, Twin and Twin/);
  });

  it('refuses a route name that cannot be a routing key, naming the method', () => {
    @Endpoint({ name: 'odd' })
    class Odd {
      @Remote()
      async _hidden(): Promise<void> {}
      @Remote()
      async 'with.dot'(): Promise<void> {}
    }
    void Odd;

    expect(() => buildManifest(undefined, { now: NOW })).toThrow(
      expect.objectContaining({ path: 'endpoints["odd"].methods[1].name', message: expect.stringContaining('must be a route name') }),
    );
  });
});
