import { Endpoint, Remote, forgetEndpoint, getEndpointMetadata } from '@switchyard/decorators';
import { buildManifest, contractHash } from '../../src/manifest';

const METHODS = [
  { name: 'resize', arity: 2 },
  { name: 'thumbnail', arity: 1 },
];

/** Declares the same endpoint class anew each time it is called. */
function declareImageProcessor() {
  @Endpoint({ name: 'image-processor' })
  class ImageProcessor {
    @Remote()
    async resize(image: Uint8Array, width: number): Promise<Uint8Array> {
      return image.subarray(0, width);
    }
    @Remote({ timeoutMs: 5_000 })
    async thumbnail(image: Uint8Array): Promise<Uint8Array> {
      return image;
    }
  }
  return ImageProcessor;
}

describe('contractHash', () => {
  afterEach(() => forgetEndpoint());

  it('is the pinned value for a fixed method list, on every machine', () => {
    expect(contractHash({ name: 'image-processor', methods: METHODS })).toBe('4eb6938d548fb606');
  });

  it('is the same for the same metadata, whatever the method order', () => {
    expect(contractHash({ name: 'image-processor', methods: [...METHODS].reverse() })).toBe(contractHash({ name: 'image-processor', methods: METHODS }));
  });

  it('is the same for two separately declared but identical classes', () => {
    const first = declareImageProcessor();
    const firstHash = contractHash(getEndpointMetadata(first)!);
    forgetEndpoint(first);
    const second = declareImageProcessor();

    expect(second).not.toBe(first);
    expect(contractHash(getEndpointMetadata(second)!)).toBe(firstHash);
    expect(firstHash).toBe('4eb6938d548fb606');
  });

  it('ignores options that do not change the call shape (timeouts, retries, fallback)', () => {
    expect(contractHash({ name: 'image-processor', methods: METHODS.map((m) => ({ ...m, timeoutMs: 1, idempotent: true })) })).toBe('4eb6938d548fb606');
  });

  it.each<[string, Array<{ name: string; arity: number }>]>([
    ['a method is added', [...METHODS, { name: 'crop', arity: 3 }]],
    ['a method is removed', [METHODS[0]]],
    ['a method is renamed', [METHODS[0], { name: 'thumb', arity: 1 }]],
    ['a parameter is added', [METHODS[0], { name: 'thumbnail', arity: 2 }]],
  ])('changes when %s', (_case, methods) => {
    expect(contractHash({ name: 'image-processor', methods })).not.toBe('4eb6938d548fb606');
  });

  it('differs between endpoints with the same methods', () => {
    expect(contractHash({ name: 'other', methods: METHODS })).not.toBe('4eb6938d548fb606');
  });

  it('is what buildManifest writes as the endpoint contract', () => {
    declareImageProcessor();

    expect(buildManifest().endpoints['image-processor'].contract).toBe('4eb6938d548fb606');
  });
});
