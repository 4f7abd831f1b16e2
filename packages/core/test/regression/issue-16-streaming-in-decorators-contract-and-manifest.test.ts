import { DecoratorError, Endpoint, Remote, forgetEndpoint, getEndpointMetadata } from '@switchyard/decorators';
import { ManifestError } from '../../src/errors';
import { buildManifest, contractHash, loadManifest, manifestToJson } from '../../src/manifest';
import { metadataFromManifest } from '../../src/manifest/endpoint-metadata';
import { MemoryLogger } from '../../src/observability/logger';
import { createRuntime } from '../../src/router/runtime';
import { Dispatcher } from '../../src/worker/dispatcher';
import { invocation } from '../support/helpers';

// Issue 16: @Remote refused every generator ("cannot be remote yet"). An async generator method
// is now a streaming method: the decorator records streaming: true, the contract hash and the
// manifest carry it, so a caller built for one result and a worker that streams (or the other
// way round) are told apart by the contract check instead of misreading each other.

/** Declares image-processor with `thumbnail` streaming or not (the same names and arity either way). */
function declareImageProcessor(streaming: boolean) {
  if (streaming) {
    @Endpoint({ name: 'image-processor' })
    class StreamingImageProcessor {
      @Remote() async resize(image: Uint8Array, width: number): Promise<Uint8Array> {
        return image.subarray(0, width);
      }
      @Remote() async *thumbnail(image: Uint8Array): AsyncGenerator<Uint8Array> {
        yield image;
      }
    }
    return StreamingImageProcessor;
  }
  @Endpoint({ name: 'image-processor' })
  class ImageProcessor {
    @Remote() async resize(image: Uint8Array, width: number): Promise<Uint8Array> {
      return image.subarray(0, width);
    }
    @Remote() async thumbnail(image: Uint8Array): Promise<Uint8Array> {
      return image;
    }
  }
  return ImageProcessor;
}

describe('regression (issue 16): streaming @Remote methods in the decorators, the contract and the manifest', () => {
  afterEach(() => forgetEndpoint());

  it('accepts an async generator method (streaming: true) and still refuses a synchronous generator', () => {
    expect(getEndpointMetadata(declareImageProcessor(true))!.methods.map((m) => [m.name, m.streaming])).toEqual([
      ['resize', false],
      ['thumbnail', true],
    ]);
    expect(() => {
      class SyncGenerator {
        // @ts-expect-error -- a synchronous generator is not an asynchronous method
        @Remote()
        *values(): Generator<number> {
          yield 1;
        }
      }
      void SyncGenerator;
    }).toThrow(DecoratorError);
  });

  it('keeps the contract hash of endpoints without streaming methods, and changes it when a method streams', () => {
    expect(contractHash(getEndpointMetadata(declareImageProcessor(false))!)).toBe('4eb6938d548fb606');
    forgetEndpoint();
    expect(contractHash(getEndpointMetadata(declareImageProcessor(true))!)).toBe('77f49085b05bad99');
    expect(contractHash({ name: 'image-processor', methods: [{ name: 'resize', arity: 2 }, { name: 'thumbnail', arity: 1, streaming: false }] })).toBe('4eb6938d548fb606');
  });

  it('writes "streaming": true only on streaming method entries, so manifests without streams are unchanged', () => {
    const manifest = buildManifest([declareImageProcessor(true)], { project: 'p', now: new Date('2030-01-01T00:00:00.000Z') });
    const methods = JSON.parse(manifestToJson(manifest)).endpoints['image-processor'].methods as Array<Record<string, unknown>>;
    expect(methods[0]).not.toHaveProperty('streaming');
    expect(methods[1]).toEqual({ name: 'thumbnail', property: 'thumbnail', idempotent: false, retries: 0, fallback: 'none', arity: 1, streaming: true });
    expect(manifest.endpoints['image-processor']!.contract).toBe('77f49085b05bad99');
  });

  it('loads a manifest with and without the flag; metadataFromManifest gives the same contract as the classes', () => {
    const built = JSON.parse(manifestToJson(buildManifest([declareImageProcessor(true)], { project: 'p' })));
    const loaded = loadManifest(built);
    const entry = loaded.endpoints['image-processor']!;
    expect(entry.methods.map((m) => m.streaming)).toEqual([undefined, true]);
    const rebuilt = metadataFromManifest('image-processor', entry);
    expect(rebuilt.methods.map((m) => m.streaming)).toEqual([false, true]);
    expect(contractHash(rebuilt)).toBe(entry.contract);
    forgetEndpoint();
    const older = loadManifest(JSON.parse(manifestToJson(buildManifest([declareImageProcessor(false)], { project: 'p' }))));
    expect(metadataFromManifest('image-processor', older.endpoints['image-processor']!).methods.every((m) => m.streaming === false)).toBe(true);
  });

  it('refuses a streaming flag that is not a boolean, and one edited after the build (contract mismatch)', () => {
    const built = JSON.parse(manifestToJson(buildManifest([declareImageProcessor(true)], { project: 'p' })));
    const wrongType = structuredClone(built);
    wrongType.endpoints['image-processor'].methods[1].streaming = 'yes';
    expect(() => loadManifest(wrongType)).toThrow(ManifestError);
    expect(() => loadManifest(wrongType)).toThrow(/endpoints\["image-processor"\]\.methods\[1\]\.streaming must be true or false/);
    const edited = structuredClone(built);
    delete edited.endpoints['image-processor'].methods[1].streaming;
    expect(() => loadManifest(edited)).toThrow(/the method list was edited after the build/);
  });

  it('a worker whose method streams refuses a caller built when it did not (ContractMismatchError)', async () => {
    const oldContract = contractHash(getEndpointMetadata(declareImageProcessor(false))!);
    forgetEndpoint();
    const Streaming = declareImageProcessor(true);
    const runtime = createRuntime({ endpoint: 'image-processor', env: {}, logger: new MemoryLogger() });
    try {
      const dispatcher = new Dispatcher({ runtime, endpoints: [Streaming] });
      const outcome = await dispatcher.dispatch(invocation(Streaming, 'thumbnail', [new Uint8Array([1])], { contract: oldContract }), {
        jobId: 'j',
        signal: new AbortController().signal,
        emit: async () => undefined,
      });
      expect(outcome).toMatchObject({ status: 'FAILED', httpStatus: 409, failure: { name: 'ContractMismatchError' } });
    } finally {
      await runtime.close();
    }
  });
});
