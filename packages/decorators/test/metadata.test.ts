import { Endpoint, Remote, forgetEndpoint, getEndpointMetadata, getRemoteMethod, listEndpoints } from '@switchyard/decorators';
import { Clock } from './fixtures/clock';

describe('@Endpoint and @Remote metadata', () => {
  afterEach(() => forgetEndpoint());

  it('records the class name, the queue type and empty resources by default', () => {
    @Endpoint()
    class Thumbnailer {
      @Remote()
      async shrink(image: Uint8Array, width: number): Promise<Uint8Array> {
        return image.subarray(0, width);
      }
    }

    const meta = getEndpointMetadata(Thumbnailer);
    expect(meta).toMatchObject({ name: 'Thumbnailer', type: 'queue', resources: {}, target: Thumbnailer, dependencies: [] });
    expect(meta?.methods).toEqual([
      {
        name: 'shrink',
        property: 'shrink',
        arity: 2,
        paramTypes: [Uint8Array, Number],
        timeoutMs: undefined,
        idempotent: false,
        retries: 0,
        rest: false,
        fallback: 'none',
        streaming: false,
      },
    ]);
  });

  it('records every option of @Endpoint and @Remote as given', () => {
    @Endpoint({ name: 'image-processor', type: 'load-balancer', resources: { gpu: ['AMPERE_16'], cpu: 'cpu3c', workersMin: 1, workersMax: 4, env: { MODEL: 'sdxl' } } })
    class ImageProcessor {
      @Remote({ name: 'resize-image', timeoutMs: 5_000, idempotent: true, retries: 2, fallback: 'local' })
      async resize(width: number): Promise<number> {
        return width;
      }
    }

    const meta = getEndpointMetadata(ImageProcessor)!;
    expect(meta.name).toBe('image-processor');
    expect(meta.type).toBe('load-balancer');
    expect(meta.resources).toEqual({ gpu: ['AMPERE_16'], cpu: 'cpu3c', workersMin: 1, workersMax: 4, env: { MODEL: 'sdxl' } });
    expect(meta.methods).toEqual([
      expect.objectContaining({ name: 'resize-image', property: 'resize', arity: 1, timeoutMs: 5_000, idempotent: true, retries: 2, fallback: 'local' }),
    ]);
    expect(getRemoteMethod(ImageProcessor, 'resize-image')?.property).toBe('resize');
    expect(getRemoteMethod(ImageProcessor, 'resize')).toBeUndefined();
  });

  it('keeps @Remote methods in source order and leaves undecorated methods out', () => {
    @Endpoint()
    class Pipeline {
      @Remote()
      async first(): Promise<number> {
        return 1;
      }
      helper(): number {
        return 2;
      }
      @Remote()
      async second(): Promise<number> {
        return 3;
      }
    }

    expect(getEndpointMetadata(Pipeline)!.methods.map((m) => m.name)).toEqual(['first', 'second']);
  });

  it('records the constructor parameter types as dependencies', () => {
    @Endpoint()
    class Reporter {
      constructor(readonly clock: Clock) {}
    }

    expect(getEndpointMetadata(Reporter)!.dependencies).toEqual([Clock]);
  });

  it('copies the resources object, so later changes to the options do not leak into the metadata', () => {
    const resources = { workersMax: 2 };
    @Endpoint({ resources })
    class Copied {}
    resources.workersMax = 9;

    expect(getEndpointMetadata(Copied)!.resources).toEqual({ workersMax: 2 });
  });

  it('lists every endpoint sorted by name, and forgetEndpoint removes one', () => {
    @Endpoint({ name: 'zeta' })
    class Zeta {}
    @Endpoint({ name: 'alpha' })
    class Alpha {}

    expect(listEndpoints().map((e) => e.name)).toEqual(['alpha', 'zeta']);
    forgetEndpoint(Zeta);
    expect(listEndpoints().map((e) => e.target)).toEqual([Alpha]);
  });

  it('returns undefined for undecorated classes and for values that are not classes', () => {
    class Plain {}

    expect(getEndpointMetadata(Plain)).toBeUndefined();
    expect(getEndpointMetadata({})).toBeUndefined();
    expect(getEndpointMetadata(undefined)).toBeUndefined();
    expect(getRemoteMethod(Plain, 'anything')).toBeUndefined();
  });

  it('wraps nothing: a @Remote method called on a plain instance is an ordinary call', async () => {
    @Endpoint()
    class Calculator {
      @Remote()
      async add(a: number, b: number): Promise<number> {
        return a + b;
      }
    }

    await expect(new Calculator().add(2, 3)).resolves.toBe(5);
    expect(Calculator.prototype.add.name).toBe('add');
  });
});
